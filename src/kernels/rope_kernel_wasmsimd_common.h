// Pieces shared by the wasm SIMD kernels: loop-order choice, row loads, and dispatch to
// versions compiled for a fixed number of pairs.
#pragma once

#include "rope_simd128.h"

#include <cstddef>

#include "rope_kernels.h"

// Keeps the loop after it rolled (Clang; other compilers decide for themselves).
#if defined(__clang__)
#define ROPE_NO_UNROLL _Pragma("clang loop unroll(disable)")
#else
#define ROPE_NO_UNROLL
#endif

namespace rope {

// True while the block is small enough to stay in cache (decode, small prefill): then a
// kernel may walk it in any order. Past it, kernels walk memory in sequential runs that the
// hardware prefetcher follows.
inline bool block_fits_cache(const KernelArgs& a) {
  constexpr size_t kCachedMaxBytes = 1 << 20;
  return a.tokens * a.heads * static_cast<size_t>(a.rotary_dim) * sizeof(float) <= kCachedMaxBytes;
}

// Loads 4 cos or sin values, times the row scale when the call has one.
template <bool kScaled>
inline v128_t load_row(const float* p, v128_t scale) {
  const v128_t v = wasm_v128_load(p);
  return kScaled ? wasm_f32x4_mul(v, scale) : v;
}

// The arguments a kernel loop needs, copied out of KernelArgs into locals. Why: wasm SIMD
// stores may alias anything, so fields read through the reference would be reloaded from
// memory after every store (measured: a reload per head in the hot loop).
struct KernelLoop {
  float* x;
  size_t tokens, heads, token_stride, head_stride;
  const float* const* rows;
  v128_t scale_v;
  float scale;
  explicit KernelLoop(const KernelArgs& a)
      : x(a.x), tokens(a.tokens), heads(a.heads), token_stride(a.token_stride), head_stride(a.head_stride),
        rows(a.rows), scale_v(wasm_f32x4_splat(a.row_scale)), scale(a.row_scale) {}
};

// Runs Kernel<P, kInverse, kScaled>::run(args, pairs) with P the pair count as a constant
// for the rotary sizes models use (32, 64, 96, 128, 256 channels), else P = 0 (pairs read
// at run time). With P constant every offset in a head is an immediate and the loops
// unroll: 25-35% faster at decode sizes than the run-time version.
// The call goes through a table of function pointers on purpose: called directly, the
// optimiser inlined all 24 versions into one function, which the engine's register
// allocator handled badly (cos/sin vectors spilled to the stack inside the hot loops).
template <template <int, bool, bool> class Kernel>
void dispatch_fixed_pairs(const KernelArgs& a) {
  using Fn = void (*)(const KernelArgs&, int);
  static const Fn kTable[6][4] = {
#define ROPE_KERNEL_ROW(P) \
  {Kernel<P, false, false>::run, Kernel<P, false, true>::run, Kernel<P, true, false>::run, Kernel<P, true, true>::run}
      ROPE_KERNEL_ROW(0), ROPE_KERNEL_ROW(16), ROPE_KERNEL_ROW(32),
      ROPE_KERNEL_ROW(48), ROPE_KERNEL_ROW(64), ROPE_KERNEL_ROW(128),
#undef ROPE_KERNEL_ROW
  };
  const int pairs = a.rotary_dim / 2;
  int row = 0;
  switch (pairs) {
    case 16: row = 1; break;
    case 32: row = 2; break;
    case 48: row = 3; break;
    case 64: row = 4; break;
    case 128: row = 5; break;
    default: row = 0; break;
  }
  const int variant = (a.inverse ? 2 : 0) + (a.row_scale != 1.0f ? 1 : 0);
  kTable[row][variant](a, pairs);
}

}  // namespace rope
