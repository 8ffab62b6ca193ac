// Pieces shared by the wasm SIMD kernels: loop-order choice, row loads, and dispatch to
// versions compiled for a fixed number of pairs.
#pragma once

#include "rope_simd128.h"

#include <cstddef>

#include "rope_kernels.h"

// Loop unrolling hints for Clang (other compilers decide for themselves).
// ROPE_NO_UNROLL keeps the next loop rolled. ROPE_UNROLL unrolls it fully when its trip
// count is a compile-time constant (a fixed pair count): every address then becomes a
// base plus an immediate. Why it is needed: Emscripten builds with loop strength
// reduction off, so a rolled loop recomputes each address (measured: 10 instructions per
// vector where 7 suffice).
#if defined(__clang__)
#define ROPE_NO_UNROLL _Pragma("clang loop unroll(disable)")
#define ROPE_UNROLL _Pragma("unroll")
#else
#define ROPE_NO_UNROLL
#define ROPE_UNROLL
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

// Rotates pairs (a[i], b[i]) by the angles with cos c and sin s (the negative angles
// when kInverse), in the reference kernel's expressions and order so results agree bit for
// bit: a' = a*c - b*s, b' = b*c + a*s. Both layouts use it: half on two halves of a head,
// interleaved on pairs split into first and second elements.
template <bool kInverse>
inline void rotate_vectors(v128_t a, v128_t b, v128_t c, v128_t s, v128_t& ya, v128_t& yb) {
  if (kInverse) {
    ya = wasm_f32x4_add(wasm_f32x4_mul(a, c), wasm_f32x4_mul(b, s));
    yb = wasm_f32x4_sub(wasm_f32x4_mul(b, c), wasm_f32x4_mul(a, s));
  } else {
    ya = wasm_f32x4_sub(wasm_f32x4_mul(a, c), wasm_f32x4_mul(b, s));
    yb = wasm_f32x4_add(wasm_f32x4_mul(b, c), wasm_f32x4_mul(a, s));
  }
}

// The same for one pair, in place (tails of run-time pair counts).
template <bool kInverse>
inline void rotate_pair(float* a_p, float* b_p, float c, float s) {
  const float a = *a_p, b = *b_p;
  if (kInverse) {
    *a_p = a * c + b * s;
    *b_p = b * c - a * s;
  } else {
    *a_p = a * c - b * s;
    *b_p = b * c + a * s;
  }
}

// The arguments a kernel loop needs, copied out of KernelArgs into locals. Why: wasm SIMD
// stores may alias anything, so fields read through the reference would be reloaded from
// memory after every store (measured: a reload per head in the hot loop).
template <typename T>
struct KernelLoopOf {
  T* x;
  size_t tokens, heads, token_stride, head_stride;
  const float* const* rows;
  v128_t scale_v;
  float scale;
  explicit KernelLoopOf(const KernelArgsOf<T>& a)
      : x(a.x), tokens(a.tokens), heads(a.heads), token_stride(a.token_stride), head_stride(a.head_stride),
        rows(a.rows), scale_v(wasm_f32x4_splat(a.row_scale)), scale(a.row_scale) {}
};
using KernelLoop = KernelLoopOf<float>;

// The run-time-pair-count streaming loop both layouts share: two heads per loaded cos/sin
// vector (memory walked in near-sequential runs), then an odd last head. rotate(head, i, c, s)
// turns pairs i..i+3 of a head; the tail pairs past vec_end are the caller's.
template <bool kScaled, typename Rotate>
inline void two_heads_per_row_load(const KernelLoop& a, float* tok, const float* cs, const float* sn, size_t vec_end,
                                   Rotate rotate) {
  size_t h = 0;
  for (; h + 2 <= a.heads; h += 2) {
    float* v = tok + h * a.head_stride;
    float* w = v + a.head_stride;
    for (size_t i = 0; i < vec_end; i += 4) {
      const v128_t c = load_row<kScaled>(cs + i, a.scale_v);
      const v128_t s = load_row<kScaled>(sn + i, a.scale_v);
      rotate(v, i, c, s);
      rotate(w, i, c, s);
    }
  }
  if (h < a.heads) {
    float* v = tok + h * a.head_stride;
    for (size_t i = 0; i < vec_end; i += 4) rotate(v, i, load_row<kScaled>(cs + i, a.scale_v), load_row<kScaled>(sn + i, a.scale_v));
  }
}

// Picks Kernel<P, kInverse, kScaled>::run with P the pair count as a constant for the
// rotary sizes models use (32, 64, 96, 128, 256 channels), else P = 0 (pairs read at run
// time). With P constant every offset in a head is an immediate and the loops unroll:
// 25-35% faster at decode sizes than the run-time version.
// A row scale only comes with the inverse of a scaled rope (rerotate), a rarer call: it
// always takes the run-time version, which keeps the module smaller.
// The versions are reached through tables of function pointers on purpose: called
// directly, the optimiser inlined every version into one function, which the engine's
// register allocator handled badly (cos/sin vectors spilled to the stack inside the loops).
template <template <int, bool, bool> class Kernel, typename Fn = KernelVariantFn>
Fn select_fixed_pairs(int pairs, bool inverse, bool scaled) {
  static const Fn kRunTime[2][2] = {{Kernel<0, false, false>::run, Kernel<0, false, true>::run},
                                                 {Kernel<0, true, false>::run, Kernel<0, true, true>::run}};
  static const Fn kFixed[5][2] = {
#define ROPE_KERNEL_ROW(P) {Kernel<P, false, false>::run, Kernel<P, true, false>::run}
      ROPE_KERNEL_ROW(16), ROPE_KERNEL_ROW(32), ROPE_KERNEL_ROW(48), ROPE_KERNEL_ROW(64), ROPE_KERNEL_ROW(128),
#undef ROPE_KERNEL_ROW
  };
  int fixed = -1;
  if (!scaled) {
    switch (pairs) {
      case 16: fixed = 0; break;
      case 32: fixed = 1; break;
      case 48: fixed = 2; break;
      case 64: fixed = 3; break;
      case 128: fixed = 4; break;
      default: break;
    }
  }
  return fixed >= 0 ? kFixed[fixed][inverse ? 1 : 0] : kRunTime[inverse ? 1 : 0][scaled ? 1 : 0];
}

// Chooses the variant for this call's arguments and runs it.
template <template <int, bool, bool> class Kernel>
void dispatch_fixed_pairs(const KernelArgs& a) {
  const int pairs = a.rotary_dim / 2;
  select_fixed_pairs<Kernel>(pairs, a.inverse, a.row_scale != 1.0f)(a, pairs);
}

}  // namespace rope
