// Half-layout (rotate_half) kernel in wasm SIMD: four pairs per v128.
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include "rope_kernels.h"

namespace rope {

namespace {

// Rotating many heads with each loaded cos/sin vector saves loads while one token's heads
// stay in L1; past this many bytes per token, one head at a time streams better.
constexpr size_t kHeadsInnerMaxBytes = 16 * 1024;

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

template <bool kInverse>
void run(const KernelArgs& a) {
  const size_t pairs = static_cast<size_t>(a.rotary_dim / 2);
  const size_t vec_end = pairs & ~static_cast<size_t>(3);
  const bool heads_inner = a.heads > 1 && a.heads * a.rotary_dim * sizeof(float) <= kHeadsInnerMaxBytes;
  for (size_t t = 0; t < a.tokens; ++t) {
    const float* cs = a.rows[t];
    const float* sn = cs + pairs;
    float* tok = a.x + t * a.token_stride;
    if (heads_inner) {
      for (size_t i = 0; i < vec_end; i += 4) {
        const v128_t c = wasm_v128_load(cs + i);
        const v128_t s = wasm_v128_load(sn + i);
        float* v = tok + i;
        for (size_t h = 0; h < a.heads; ++h, v += a.head_stride) rotate4<kInverse>(v, v + pairs, c, s);
      }
      for (size_t i = vec_end; i < pairs; ++i) {
        float* v = tok + i;
        for (size_t h = 0; h < a.heads; ++h, v += a.head_stride)
          rotate1<kInverse>(v, v + pairs, cs[i], sn[i]);
      }
    } else {
      for (size_t h = 0; h < a.heads; ++h) {
        float* v = tok + h * a.head_stride;
        size_t i = 0;
        for (; i + 8 <= vec_end; i += 8) {
          rotate4<kInverse>(v + i, v + i + pairs, wasm_v128_load(cs + i), wasm_v128_load(sn + i));
          rotate4<kInverse>(v + i + 4, v + i + 4 + pairs, wasm_v128_load(cs + i + 4),
                            wasm_v128_load(sn + i + 4));
        }
        for (; i < vec_end; i += 4)
          rotate4<kInverse>(v + i, v + i + pairs, wasm_v128_load(cs + i), wasm_v128_load(sn + i));
        for (; i < pairs; ++i) rotate1<kInverse>(v + i, v + i + pairs, cs[i], sn[i]);
      }
    }
  }
}

}  // namespace

void rope_half_wasmsimd(const KernelArgs& a) { a.inverse ? run<true>(a) : run<false>(a); }

}  // namespace rope
#endif  // __wasm_simd128__
