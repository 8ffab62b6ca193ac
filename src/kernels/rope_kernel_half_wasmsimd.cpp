// Half-layout (rotate_half) kernel in wasm SIMD: four pairs per v128. Two loop orders:
// - in cache (decode, small prefill; fixed pair counts): 16 pairs of cos/sin held in
//   registers while every head of the token is rotated with them (fewest loads);
// - otherwise one head at a time, each loading its own cos/sin: memory is walked
//   sequentially, and with the pair count a compile-time constant every address in a head
//   is its base plus an immediate (12 instructions per 8 floats, no address arithmetic).
//   Measured faster at prefill than sharing each cos/sin load between 2 or 4 heads.
#include "rope_simd128.h"
#if ROPE_HAVE_SIMD128

#include "rope_kernels.h"
#include "rope_kernel_wasmsimd_common.h"

namespace rope {

namespace {

template <bool kInverse>
inline void rotate4(float* lo_p, float* hi_p, v128_t c, v128_t s) {
  const v128_t lo = wasm_v128_load(lo_p);
  const v128_t hi = wasm_v128_load(hi_p);
  v128_t ylo, yhi;
  if (kInverse) {
    ylo = wasm_f32x4_add(wasm_f32x4_mul(lo, c), wasm_f32x4_mul(hi, s));
    yhi = wasm_f32x4_sub(wasm_f32x4_mul(hi, c), wasm_f32x4_mul(lo, s));
  } else {
    ylo = wasm_f32x4_sub(wasm_f32x4_mul(lo, c), wasm_f32x4_mul(hi, s));
    yhi = wasm_f32x4_add(wasm_f32x4_mul(hi, c), wasm_f32x4_mul(lo, s));
  }
  wasm_v128_store(lo_p, ylo);
  wasm_v128_store(hi_p, yhi);
}

template <bool kInverse>
inline void rotate1(float* lo_p, float* hi_p, float c, float s) {
  const float a = *lo_p, b = *hi_p;
  if (kInverse) {
    *lo_p = a * c + b * s;
    *hi_p = b * c - a * s;
  } else {
    *lo_p = a * c - b * s;
    *hi_p = b * c + a * s;
  }
}

// kP: pairs as a compile-time constant (0: read `pairs` at run time).
template <int kP, bool kInverse, bool kScaled>
struct HalfKernel {
  // Not inlined: one function per instantiation keeps each small enough for the engine's
  // register allocator (inlined together, V8 spilled the cos/sin vectors inside the loops).
  __attribute__((noinline)) static void run(const KernelArgs& args, int run_time_pairs) {
    const KernelLoop a(args);
    const size_t pairs = kP > 0 ? static_cast<size_t>(kP) : static_cast<size_t>(run_time_pairs);
    const size_t vec_end = pairs & ~static_cast<size_t>(3);
    const bool in_cache = block_fits_cache(args);
    for (size_t t = 0; t < a.tokens; ++t) {
      const float* cs = a.rows[t];
      const float* sn = cs + pairs;
      float* v = a.x + t * a.token_stride;
      if (kP > 0 && kP % 16 == 0 && in_cache) {
        ROPE_NO_UNROLL
        for (size_t i = 0; i < pairs; i += 16) {
          const v128_t c0 = load_row<kScaled>(cs + i, a.scale_v), s0 = load_row<kScaled>(sn + i, a.scale_v);
          const v128_t c1 = load_row<kScaled>(cs + i + 4, a.scale_v), s1 = load_row<kScaled>(sn + i + 4, a.scale_v);
          const v128_t c2 = load_row<kScaled>(cs + i + 8, a.scale_v), s2 = load_row<kScaled>(sn + i + 8, a.scale_v);
          const v128_t c3 = load_row<kScaled>(cs + i + 12, a.scale_v), s3 = load_row<kScaled>(sn + i + 12, a.scale_v);
          float* w = v + i;
          for (size_t h = 0; h < a.heads; ++h, w += a.head_stride) {
            rotate4<kInverse>(w, w + pairs, c0, s0);
            rotate4<kInverse>(w + 4, w + 4 + pairs, c1, s1);
            rotate4<kInverse>(w + 8, w + 8 + pairs, c2, s2);
            rotate4<kInverse>(w + 12, w + 12 + pairs, c3, s3);
          }
        }
        continue;
      }
      for (size_t h = 0; h < a.heads; ++h, v += a.head_stride) {
        if constexpr (kP > 0) {
          ROPE_UNROLL
          for (size_t i = 0; i < static_cast<size_t>(kP); i += 4)
            rotate4<kInverse>(v + i, v + i + kP, load_row<kScaled>(cs + i, a.scale_v), load_row<kScaled>(sn + i, a.scale_v));
        } else {
          for (size_t i = 0; i < vec_end; i += 4)
            rotate4<kInverse>(v + i, v + i + pairs, load_row<kScaled>(cs + i, a.scale_v), load_row<kScaled>(sn + i, a.scale_v));
          for (size_t i = vec_end; i < pairs; ++i) rotate1<kInverse>(v + i, v + i + pairs, cs[i] * a.scale, sn[i] * a.scale);
        }
      }
    }
  }
};

}  // namespace

void rope_half_wasmsimd(const KernelArgs& a) { dispatch_fixed_pairs<HalfKernel>(a); }

}  // namespace rope
#endif  // ROPE_HAVE_SIMD128
