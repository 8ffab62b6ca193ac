// The core's internals shared by its entry points (rope_apply.cpp, rope_apply_view.cpp):
// a rope's state, and the steps every apply takes (frequencies for the call, the cos/sin
// rows of a block of tokens, the kernel call). Not part of any public API.
#pragma once

#include <cstdlib>
#include <limits>

#include "kernels/rope_kernels.h"
#include "rope_apply.h"
#include "rope_cache.h"
#include "rope_position_streams.h"

namespace rope {

// The frequencies, attention factor and cos/sin cache of one frequency regime (see
// frequency_regime: one for most scaling types, a few for those that follow the sequence
// length).
struct RegimeState {
  double regime = std::numeric_limits<double>::quiet_NaN();  // NaN: not filled yet
  double* inv_freq = nullptr;
  double attention_factor = 1.0;
  bool transient = false;  // rows computed per call (no table): dynamic NTK past its length
  CosSinCache cache;
  ~RegimeState() { std::free(inv_freq); }
};

struct Rope {
  RopeConfig config;
  int rotary_dim = 0;
  // Scaling that depends on the sequence length keeps two regimes, so that calls that
  // alternate between them (two sequences on either side of longrope's original context, or
  // of dynamic NTK's trained length: continuous batching) switch tables instead of
  // rebuilding one on every switch. Other types use states[0] only.
  RegimeState states[2];
  int state_count = 1;
  // M-RoPE: the streams a call's positions hold, and the rows of tokens whose streams differ.
  PositionStreams streams;
  int active = 0;
  double* next_inv_freq = nullptr;  // where new frequencies are computed and checked
  // The kernel variants, [inverse][scaled], resolved at creation (no dispatch per call).
  KernelVariantFn kernels[2][2] = {};
  // The same for 16-bit tensors, [0 fp16, 1 bf16][inverse][scaled].
  Kernel16VariantFn kernels16[2][2][2] = {};
  ~Rope() { std::free(next_inv_freq); }
  RegimeState& now() { return states[active]; }
  const RegimeState& now() const { return states[active]; }
};

namespace internal {

// Tokens of a tensor and the floats between consecutive tokens / heads of one.
struct Shape {
  size_t tokens = 0;
  size_t token_stride = 0;
  size_t head_stride = 0;
};

Status update_frequencies(Rope* r, double seq_len);
// Checks p's positions (every stream) for `tokens` tokens; *default_seq_len = largest + 1.
Status check_positions(const Rope* r, const ApplyParams& p, size_t tokens, double* default_seq_len);
// The factor on every cos/sin a call reads from the rows (see args_for).
float row_scale_for(const Rope* r, bool inverse, bool relative);
// Kernel arguments for tokens t0 .. t0+n-1 of a tensor at x (float32 or 16-bit elements)
// with shape s (in elements).
template <typename T>
KernelArgsOf<T> args_for(const Rope* r, T* x, const Shape& s, int heads, size_t t0, size_t n,
                         const float* const* rows, bool inverse, bool relative) {
  KernelArgsOf<T> a;
  a.x = x + t0 * s.token_stride;
  a.tokens = n;
  a.heads = static_cast<size_t>(heads);
  a.token_stride = s.token_stride;
  // One head: its stride never addresses anything (the kernels step past the last head, and
  // a huge unused stride would overflow the pointer).
  a.head_stride = heads == 1 ? 0 : s.head_stride;
  a.rotary_dim = r->rotary_dim;
  a.rows = rows;
  a.inverse = inverse;
  a.row_scale = row_scale_for(r, inverse, relative);
  return a;
}
void run_kernel(const Rope* r, const KernelArgs& a);
// type: fp16 or bf16.
void run_kernel16(const Rope* r, DType type, const KernelArgs16& a);
// The rows of tokens t0 .. t0+n-1 of a call of `tokens` tokens at positions (stream-major,
// or null for start + t).
Status block_rows(Rope* r, const int32_t* positions, int64_t start, size_t tokens, size_t t0, size_t n,
                  const float* const** rows);

}  // namespace internal
}  // namespace rope
