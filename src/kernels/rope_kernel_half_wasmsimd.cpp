// Half-layout (rotate_half) kernel in wasm SIMD: four pairs per v128.
#include "rope_simd128.h"
#if ROPE_HAVE_SIMD128

#include <algorithm>

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

template <bool kInverse, bool kScaled>
void run(const KernelArgs& a) {
  const v128_t sc = wasm_f32x4_splat(a.row_scale);
  const float scale = a.row_scale;
  const size_t pairs = static_cast<size_t>(a.rotary_dim / 2);
  const size_t vec_end = pairs & ~static_cast<size_t>(3);
  const size_t group = head_group(a);
  for (size_t t = 0; t < a.tokens; ++t) {
    const float* cs = a.rows[t];
    const float* sn = cs + pairs;
    float* tok = a.x + t * a.token_stride;
    if (group == 1) {
      // Streaming: two heads at a time share each loaded cos/sin vector, walking memory
      // in near-sequential runs (3-5% faster than one head at a time at prefill sizes).
      size_t h = 0;
      for (; h + 2 <= a.heads; h += 2) {
        float* v = tok + h * a.head_stride;
        float* w = v + a.head_stride;
        size_t i = 0;
        for (; i < vec_end; i += 4) {
          const v128_t c = load_row<kScaled>(cs + i, sc);
          const v128_t s = load_row<kScaled>(sn + i, sc);
          rotate4<kInverse>(v + i, v + i + pairs, c, s);
          rotate4<kInverse>(w + i, w + i + pairs, c, s);
        }
        for (; i < pairs; ++i) {
          rotate1<kInverse>(v + i, v + i + pairs, cs[i] * scale, sn[i] * scale);
          rotate1<kInverse>(w + i, w + i + pairs, cs[i] * scale, sn[i] * scale);
        }
      }
      for (; h < a.heads; ++h) {  // an odd last head
        float* v = tok + h * a.head_stride;
        size_t i = 0;
        for (; i + 8 <= vec_end; i += 8) {
          rotate4<kInverse>(v + i, v + i + pairs, load_row<kScaled>(cs + i, sc), load_row<kScaled>(sn + i, sc));
          rotate4<kInverse>(v + i + 4, v + i + 4 + pairs, load_row<kScaled>(cs + i + 4, sc), load_row<kScaled>(sn + i + 4, sc));
        }
        for (; i < vec_end; i += 4)
          rotate4<kInverse>(v + i, v + i + pairs, load_row<kScaled>(cs + i, sc), load_row<kScaled>(sn + i, sc));
        for (; i < pairs; ++i) rotate1<kInverse>(v + i, v + i + pairs, cs[i] * scale, sn[i] * scale);
      }
      continue;
    }
    for (size_t h0 = 0; h0 < a.heads; h0 += group) {
      const size_t h1 = std::min(a.heads, h0 + group);
      float* first = tok + h0 * a.head_stride;
      // One cos/sin load serves every head of the group.
      for (size_t i = 0; i < vec_end; i += 4) {
        const v128_t c = load_row<kScaled>(cs + i, sc);
        const v128_t s = load_row<kScaled>(sn + i, sc);
        float* v = first + i;
        for (size_t h = h0; h < h1; ++h, v += a.head_stride) rotate4<kInverse>(v, v + pairs, c, s);
      }
      for (size_t i = vec_end; i < pairs; ++i) {
        float* v = first + i;
        for (size_t h = h0; h < h1; ++h, v += a.head_stride) rotate1<kInverse>(v, v + pairs, cs[i] * scale, sn[i] * scale);
      }
    }
  }
}

}  // namespace

void rope_half_wasmsimd(const KernelArgs& a) {
  const bool scaled = a.row_scale != 1.0f;
  if (a.inverse) {
    scaled ? run<true, true>(a) : run<true, false>(a);
  } else {
    scaled ? run<false, true>(a) : run<false, false>(a);
  }
}

}  // namespace rope
#endif  // ROPE_HAVE_SIMD128
