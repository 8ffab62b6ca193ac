// Half-layout (rotate_half) kernel in wasm SIMD: four pairs per v128. Loop orders, by
// block size (in cache: decode, small prefill) and by whether the pair count is fixed:
// - fixed, in cache: 16 pairs of cos/sin held in registers while every head of the token
//   turns by them (fewest loads);
// - fixed, streaming: one head at a time, each loading its own cos/sin: memory is walked
//   sequentially and every address is the head's base plus an immediate (12 instructions
//   per 8 floats). Measured faster than sharing each cos/sin load between 2 or 4 heads;
// - run-time pair counts: each cos/sin vector serves all heads (in cache) or two heads
//   (streaming), which measured best there.
#include "rope_simd128.h"
#if ROPE_HAVE_SIMD128

#include "rope_kernels.h"
#include "rope_kernel_wasmsimd_common.h"

namespace rope {

namespace {

// Rotates 4 pairs: lo_p[0..3] with hi_p[0..3].
template <bool kInverse>
inline void rotate4(float* lo_p, float* hi_p, v128_t c, v128_t s) {
  v128_t ylo, yhi;
  rotate_vectors<kInverse>(wasm_v128_load(lo_p), wasm_v128_load(hi_p), c, s, ylo, yhi);
  wasm_v128_store(lo_p, ylo);
  wasm_v128_store(hi_p, yhi);
}

// kP: pairs as a compile-time constant (0: read `pairs` at run time).
template <int kP, bool kInverse, bool kScaled>
struct HalfKernel {
  // Not inlined: one function per instantiation keeps each small enough for the engine's
  // register allocator (inlined together, V8 spilled the cos/sin vectors inside the loops).
  __attribute__((noinline)) static void run(const KernelArgs& args, int run_time_pairs) {
    const KernelLoop a(args);
    const bool in_cache = block_fits_cache(args);
    for (size_t t = 0; t < a.tokens; ++t) {
      const float* cs = a.rows[t];
      float* tok = a.x + t * a.token_stride;
      if constexpr (kP > 0) {
        in_cache ? fixed_in_cache(a, tok, cs) : fixed_streaming(a, tok, cs);
      } else {
        const size_t pairs = static_cast<size_t>(run_time_pairs);
        in_cache ? run_time_in_cache(a, tok, cs, pairs) : run_time_streaming(a, tok, cs, pairs);
      }
    }
  }

  // 16 pairs of cos/sin held in registers while every head of the token turns by them.
  static void fixed_in_cache(const KernelLoop& a, float* tok, const float* cs) {
    static_assert(kP % 16 == 0, "fixed pair counts are multiples of 16");
    const float* sn = cs + kP;
    ROPE_NO_UNROLL
    for (size_t i = 0; i < static_cast<size_t>(kP); i += 16) {
      const v128_t c0 = load_row<kScaled>(cs + i, a.scale_v), s0 = load_row<kScaled>(sn + i, a.scale_v);
      const v128_t c1 = load_row<kScaled>(cs + i + 4, a.scale_v), s1 = load_row<kScaled>(sn + i + 4, a.scale_v);
      const v128_t c2 = load_row<kScaled>(cs + i + 8, a.scale_v), s2 = load_row<kScaled>(sn + i + 8, a.scale_v);
      const v128_t c3 = load_row<kScaled>(cs + i + 12, a.scale_v), s3 = load_row<kScaled>(sn + i + 12, a.scale_v);
      float* v = tok + i;
      for (size_t h = 0; h < a.heads; ++h, v += a.head_stride) {
        rotate4<kInverse>(v, v + kP, c0, s0);
        rotate4<kInverse>(v + 4, v + 4 + kP, c1, s1);
        rotate4<kInverse>(v + 8, v + 8 + kP, c2, s2);
        rotate4<kInverse>(v + 12, v + 12 + kP, c3, s3);
      }
    }
  }

  // One head at a time, fully unrolled: every address is the head's base plus an immediate.
  static void fixed_streaming(const KernelLoop& a, float* tok, const float* cs) {
    const float* sn = cs + kP;
    float* v = tok;
    for (size_t h = 0; h < a.heads; ++h, v += a.head_stride) {
      ROPE_UNROLL
      for (size_t i = 0; i < static_cast<size_t>(kP); i += 4)
        rotate4<kInverse>(v + i, v + i + kP, load_row<kScaled>(cs + i, a.scale_v), load_row<kScaled>(sn + i, a.scale_v));
    }
  }

  // Run-time pair counts (addresses need arithmetic anyway): each loaded cos/sin vector
  // serves every head of the token.
  static void run_time_in_cache(const KernelLoop& a, float* tok, const float* cs, size_t pairs) {
    const float* sn = cs + pairs;
    const size_t vec_end = pairs & ~static_cast<size_t>(3);
    for (size_t i = 0; i < vec_end; i += 4) {
      const v128_t c = load_row<kScaled>(cs + i, a.scale_v);
      const v128_t s = load_row<kScaled>(sn + i, a.scale_v);
      float* v = tok + i;
      for (size_t h = 0; h < a.heads; ++h, v += a.head_stride) rotate4<kInverse>(v, v + pairs, c, s);
    }
    for (size_t i = vec_end; i < pairs; ++i) {
      float* v = tok + i;
      for (size_t h = 0; h < a.heads; ++h, v += a.head_stride) rotate_pair<kInverse>(v, v + pairs, cs[i] * a.scale, sn[i] * a.scale);
    }
  }

  // Run-time pair counts, streaming: two heads share each loaded cos/sin vector, walking
  // memory in near-sequential runs; then an odd last head, then the tail pairs.
  static void run_time_streaming(const KernelLoop& a, float* tok, const float* cs, size_t pairs) {
    const float* sn = cs + pairs;
    const size_t vec_end = pairs & ~static_cast<size_t>(3);
    two_heads_per_row_load<kScaled>(a, tok, cs, sn, vec_end, [pairs](float* v, size_t i, v128_t c, v128_t s) {
      rotate4<kInverse>(v + i, v + i + pairs, c, s);
    });
    if (vec_end == pairs) return;
    float* v = tok;
    for (size_t h = 0; h < a.heads; ++h, v += a.head_stride)
      for (size_t i = vec_end; i < pairs; ++i) rotate_pair<kInverse>(v + i, v + i + pairs, cs[i] * a.scale, sn[i] * a.scale);
  }
};

}  // namespace

void rope_half_wasmsimd(const KernelArgs& a) { dispatch_fixed_pairs<HalfKernel>(a); }

KernelVariantFn rope_half_wasmsimd_variant(int pairs, bool inverse, bool scaled) {
  return select_fixed_pairs<HalfKernel>(pairs, inverse, scaled);
}

}  // namespace rope
#endif  // ROPE_HAVE_SIMD128
