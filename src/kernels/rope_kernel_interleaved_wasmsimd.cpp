// Interleaved-layout (GPT-J) kernel in wasm SIMD: four pairs per step. The pairs are split
// into their first and second elements with two shuffles, rotated exactly as in the half
// layout, and interleaved back with two more (the auto-vectoriser cannot do this layout).
#include "rope_simd128.h"
#if ROPE_HAVE_SIMD128

#include <algorithm>

#include "rope_kernels.h"
#include "rope_kernel_wasmsimd_common.h"

namespace rope {

namespace {

// p points at 4 pairs: [a0 b0 a1 b1 | a2 b2 a3 b3]; c, s hold their 4 cos and sin.
template <bool kInverse>
inline void rotate4pairs(float* p, v128_t c, v128_t s) {
  const v128_t x0 = wasm_v128_load(p);
  const v128_t x1 = wasm_v128_load(p + 4);
  const v128_t a = wasm_i32x4_shuffle(x0, x1, 0, 2, 4, 6);
  const v128_t b = wasm_i32x4_shuffle(x0, x1, 1, 3, 5, 7);
  v128_t ya, yb;
  if (kInverse) {
    ya = wasm_f32x4_add(wasm_f32x4_mul(a, c), wasm_f32x4_mul(b, s));
    yb = wasm_f32x4_sub(wasm_f32x4_mul(b, c), wasm_f32x4_mul(a, s));
  } else {
    ya = wasm_f32x4_sub(wasm_f32x4_mul(a, c), wasm_f32x4_mul(b, s));
    yb = wasm_f32x4_add(wasm_f32x4_mul(b, c), wasm_f32x4_mul(a, s));
  }
  wasm_v128_store(p, wasm_i32x4_shuffle(ya, yb, 0, 4, 1, 5));
  wasm_v128_store(p + 4, wasm_i32x4_shuffle(ya, yb, 2, 6, 3, 7));
}

// The same rotation with cos/sin already spread over the pairs: c2 = [c0 c0 c1 c1] and
// s2 = [-s0 s0 -s1 s1] for the pairs in p[0..3]: one shuffle (swap within pairs) per 4
// floats. Building c2/s2 costs shuffles too, so this pays where one cos/sin vector serves
// many heads (the grouped path).
template <bool kInverse>
inline void rotate2pairs_spread(float* p, v128_t c2, v128_t s2) {
  const v128_t x = wasm_v128_load(p);
  const v128_t swapped = wasm_i32x4_shuffle(x, x, 1, 0, 3, 2);
  const v128_t xc = wasm_f32x4_mul(x, c2);
  wasm_v128_store(p, kInverse ? wasm_f32x4_sub(xc, wasm_f32x4_mul(swapped, s2))
                              : wasm_f32x4_add(xc, wasm_f32x4_mul(swapped, s2)));
}

template <bool kInverse>
inline void rotate1pair(float* p, float c, float s) {
  const float a = p[0], b = p[1];
  if (kInverse) {
    p[0] = a * c + b * s;
    p[1] = b * c - a * s;
  } else {
    p[0] = a * c - b * s;
    p[1] = b * c + a * s;
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
      // Streaming: one head at a time, walking memory sequentially.
      for (size_t h = 0; h < a.heads; ++h) {
        float* v = tok + h * a.head_stride;
        size_t i = 0;
        for (; i + 8 <= vec_end; i += 8) {
          rotate4pairs<kInverse>(v + 2 * i, load_row<kScaled>(cs + i, sc), load_row<kScaled>(sn + i, sc));
          rotate4pairs<kInverse>(v + 2 * i + 8, load_row<kScaled>(cs + i + 4, sc), load_row<kScaled>(sn + i + 4, sc));
        }
        for (; i < vec_end; i += 4) rotate4pairs<kInverse>(v + 2 * i, load_row<kScaled>(cs + i, sc), load_row<kScaled>(sn + i, sc));
        for (; i < pairs; ++i) rotate1pair<kInverse>(v + 2 * i, cs[i] * scale, sn[i] * scale);
      }
      continue;
    }
    for (size_t h0 = 0; h0 < a.heads; h0 += group) {
      const size_t h1 = std::min(a.heads, h0 + group);
      float* first = tok + h0 * a.head_stride;
      // One cos/sin load, spread over the pairs once, serves every head of the group.
      for (size_t i = 0; i < vec_end; i += 4) {
        const v128_t c = load_row<kScaled>(cs + i, sc);
        const v128_t s = load_row<kScaled>(sn + i, sc);
        const v128_t neg = wasm_f32x4_sub(wasm_f32x4_splat(0.0f), s);
        const v128_t c_lo = wasm_i32x4_shuffle(c, c, 0, 0, 1, 1);
        const v128_t c_hi = wasm_i32x4_shuffle(c, c, 2, 2, 3, 3);
        const v128_t s_lo = wasm_i32x4_shuffle(neg, s, 0, 4, 1, 5);
        const v128_t s_hi = wasm_i32x4_shuffle(neg, s, 2, 6, 3, 7);
        float* v = first + 2 * i;
        for (size_t h = h0; h < h1; ++h, v += a.head_stride) {
          rotate2pairs_spread<kInverse>(v, c_lo, s_lo);
          rotate2pairs_spread<kInverse>(v + 4, c_hi, s_hi);
        }
      }
      for (size_t i = vec_end; i < pairs; ++i) {
        float* v = first + 2 * i;
        for (size_t h = h0; h < h1; ++h, v += a.head_stride) rotate1pair<kInverse>(v, cs[i] * scale, sn[i] * scale);
      }
    }
  }
}

}  // namespace

void rope_interleaved_wasmsimd(const KernelArgs& a) {
  const bool scaled = a.row_scale != 1.0f;
  if (a.inverse) {
    scaled ? run<true, true>(a) : run<true, false>(a);
  } else {
    scaled ? run<false, true>(a) : run<false, false>(a);
  }
}

}  // namespace rope
#endif  // ROPE_HAVE_SIMD128
