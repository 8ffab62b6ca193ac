// Interleaved-layout (GPT-J) kernel in wasm SIMD: two pairs per v128, one shuffle each.
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include "rope_kernels.h"

namespace rope {

namespace {

constexpr size_t kHeadsInnerMaxBytes = 16 * 1024;

// x = [a0 b0 a1 b1], c = [c0 c0 c1 c1], s = [-s0 s0 -s1 s1]
// forward: y = x*c + swap(x)*s = [a0c0 - b0s0, b0c0 + a0s0, ...]
template <bool kInverse>
inline void rotate2pairs(float* p, v128_t c, v128_t s) {
  const v128_t x = wasm_v128_load(p);
  const v128_t xs = wasm_i32x4_shuffle(x, x, 1, 0, 3, 2);
  const v128_t xc = wasm_f32x4_mul(x, c);
  const v128_t y = kInverse ? wasm_f32x4_sub(xc, wasm_f32x4_mul(xs, s))
                            : wasm_f32x4_add(xc, wasm_f32x4_mul(xs, s));
  wasm_v128_store(p, y);
}

template <bool kInverse>
inline void rotate1pair(float* p, const float* cs, const float* sn) {
  const float a = p[0], b = p[1], c = cs[0], s = sn[1];
  if (kInverse) {
    p[0] = a * c + b * s;
    p[1] = b * c - a * s;
  } else {
    p[0] = a * c - b * s;
    p[1] = b * c + a * s;
  }
}

template <bool kInverse>
void run(const KernelArgs& a) {
  const size_t rd = static_cast<size_t>(a.rotary_dim);
  const size_t vec_end = rd & ~static_cast<size_t>(3);
  const bool heads_inner = a.heads > 1 && a.heads * rd * sizeof(float) <= kHeadsInnerMaxBytes;
  for (size_t t = 0; t < a.tokens; ++t) {
    const float* cs = a.rows[t];
    const float* sn = cs + rd;
    float* tok = a.x + t * a.token_stride;
    if (heads_inner) {
      for (size_t j = 0; j < vec_end; j += 4) {
        const v128_t c = wasm_v128_load(cs + j);
        const v128_t s = wasm_v128_load(sn + j);
        float* v = tok + j;
        for (size_t h = 0; h < a.heads; ++h, v += a.head_stride) rotate2pairs<kInverse>(v, c, s);
      }
      if (vec_end < rd) {
        float* v = tok + vec_end;
        for (size_t h = 0; h < a.heads; ++h, v += a.head_stride)
          rotate1pair<kInverse>(v, cs + vec_end, sn + vec_end);
      }
    } else {
      for (size_t h = 0; h < a.heads; ++h) {
        float* v = tok + h * a.head_stride;
        size_t j = 0;
        for (; j + 8 <= vec_end; j += 8) {
          rotate2pairs<kInverse>(v + j, wasm_v128_load(cs + j), wasm_v128_load(sn + j));
          rotate2pairs<kInverse>(v + j + 4, wasm_v128_load(cs + j + 4), wasm_v128_load(sn + j + 4));
        }
        for (; j < vec_end; j += 4)
          rotate2pairs<kInverse>(v + j, wasm_v128_load(cs + j), wasm_v128_load(sn + j));
        if (j < rd) rotate1pair<kInverse>(v + j, cs + j, sn + j);
      }
    }
  }
}

}  // namespace

void rope_interleaved_wasmsimd(const KernelArgs& a) { a.inverse ? run<true>(a) : run<false>(a); }

}  // namespace rope
#endif  // __wasm_simd128__
