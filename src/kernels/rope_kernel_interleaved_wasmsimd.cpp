// Interleaved-layout (GPT-J) kernel in wasm SIMD. The auto-vectoriser cannot do this
// layout. Most of the work is the "spread" form: cos/sin spread over the pairs,
// c2 = [c0 c0 c1 c1], s2 = [-s0 s0 -s1 s1], then y = x*c2 + swap(x)*s2, one shuffle per
// 4 floats. Loop orders, chosen by block size:
// - in cache (decode, small prefill): 8 pairs spread in registers, reused by every head
//   of the token;
// - streaming, fixed pair count: the token's row spread once into a buffer that stays in
//   L1, then head 0, then two heads at a time stream through it (memory walked
//   sequentially);
// - streaming, run-time pair count: the "split" form (pairs split into first and second
//   elements with two shuffles, rotated, interleaved back with two more), two heads per
//   loaded cos/sin vector.
#include "rope_simd128.h"
#if ROPE_HAVE_SIMD128

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
  rotate_vectors<kInverse>(a, b, c, s, ya, yb);
  wasm_v128_store(p, wasm_i32x4_shuffle(ya, yb, 0, 4, 1, 5));
  wasm_v128_store(p + 4, wasm_i32x4_shuffle(ya, yb, 2, 6, 3, 7));
}

// The same rotation with cos/sin spread over the pairs (c2, s2 above) for p[0..3]:
// x*c2 + swap(x)*s2 is x0*c - x1*s, x1*c + x0*s, the reference's expressions bit for bit.
template <bool kInverse>
inline void rotate2pairs_spread(float* p, v128_t c2, v128_t s2) {
  const v128_t x = wasm_v128_load(p);
  const v128_t swapped = wasm_i32x4_shuffle(x, x, 1, 0, 3, 2);
  const v128_t xc = wasm_f32x4_mul(x, c2);
  wasm_v128_store(p, kInverse ? wasm_f32x4_sub(xc, wasm_f32x4_mul(swapped, s2))
                              : wasm_f32x4_add(xc, wasm_f32x4_mul(swapped, s2)));
}

// Loads 4 cos and 4 sin and spreads them over 4 pairs: c_lo/s_lo for pairs 0-1,
// c_hi/s_hi for pairs 2-3.
template <bool kScaled>
inline void spread_row(const float* cs, const float* sn, v128_t scale, v128_t& c_lo, v128_t& c_hi, v128_t& s_lo,
                       v128_t& s_hi) {
  const v128_t c = load_row<kScaled>(cs, scale);
  const v128_t s = load_row<kScaled>(sn, scale);
  const v128_t neg = wasm_f32x4_neg(s);
  c_lo = wasm_i32x4_shuffle(c, c, 0, 0, 1, 1);
  c_hi = wasm_i32x4_shuffle(c, c, 2, 2, 3, 3);
  s_lo = wasm_i32x4_shuffle(neg, s, 0, 4, 1, 5);
  s_hi = wasm_i32x4_shuffle(neg, s, 2, 6, 3, 7);
}

// kP: pairs as a compile-time constant (0: read `pairs` at run time).
constexpr size_t kStreamHeads = 2;  // heads per loaded spread vector (measured best of 1, 2, 4)

template <int kP, bool kInverse, bool kScaled>
struct InterleavedKernel {
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
      float* tok = a.x + t * a.token_stride;
      if (in_cache) {
        // Eight pairs (two spread sets) per head step: the per-head pointer step and loop
        // control are paid once per four vectors instead of two.
        size_t i = 0;
        ROPE_NO_UNROLL
        for (; i + 8 <= vec_end; i += 8) {
          v128_t c_lo, c_hi, s_lo, s_hi, d_lo, d_hi, t_lo, t_hi;
          spread_row<kScaled>(cs + i, sn + i, a.scale_v, c_lo, c_hi, s_lo, s_hi);
          spread_row<kScaled>(cs + i + 4, sn + i + 4, a.scale_v, d_lo, d_hi, t_lo, t_hi);
          float* v = tok + 2 * i;
          for (size_t h = 0; h < a.heads; ++h, v += a.head_stride) {
            rotate2pairs_spread<kInverse>(v, c_lo, s_lo);
            rotate2pairs_spread<kInverse>(v + 4, c_hi, s_hi);
            rotate2pairs_spread<kInverse>(v + 8, d_lo, t_lo);
            rotate2pairs_spread<kInverse>(v + 12, d_hi, t_hi);
          }
        }
        if (i < vec_end) {  // four pairs left
          v128_t c_lo, c_hi, s_lo, s_hi;
          spread_row<kScaled>(cs + i, sn + i, a.scale_v, c_lo, c_hi, s_lo, s_hi);
          float* v = tok + 2 * i;
          for (size_t h = 0; h < a.heads; ++h, v += a.head_stride) {
            rotate2pairs_spread<kInverse>(v, c_lo, s_lo);
            rotate2pairs_spread<kInverse>(v + 4, c_hi, s_hi);
          }
        }
      } else if (kP > 0) {
        // Streaming, fixed pair count: the token's cos/sin spread once into a buffer that
        // stays in L1, then every head streams through with one shuffle per 4 floats
        // (the split form needs two, and shuffles compete with the arithmetic for ports).
        alignas(16) float spread[4 * (kP > 0 ? kP : 4)];  // [c2 (2P floats) | s2 (2P floats)]
        ROPE_UNROLL
        for (size_t i = 0; i < pairs; i += 4) {
          v128_t c_lo, c_hi, s_lo, s_hi;
          spread_row<kScaled>(cs + i, sn + i, a.scale_v, c_lo, c_hi, s_lo, s_hi);
          wasm_v128_store(spread + 2 * i, c_lo);
          wasm_v128_store(spread + 2 * i + 4, c_hi);
          wasm_v128_store(spread + 2 * pairs + 2 * i, s_lo);
          wasm_v128_store(spread + 2 * pairs + 2 * i + 4, s_hi);
        }
        const auto one_head = [&](float* v) {
          ROPE_UNROLL
          for (size_t j = 0; j < 2 * pairs; j += 4)
            rotate2pairs_spread<kInverse>(v + j, wasm_v128_load(spread + j), wasm_v128_load(spread + 2 * pairs + j));
        };
        // Head 0 alone first, then pairs (1, 2), (3, 4), ...: for a token-major, page-aligned
        // tensor (as alloc() gives large ones) with 512-byte heads (headDim 128) and 16 KiB
        // tokens, pairs then start at 512 mod 1024 bytes, which measured 5% faster than
        // pairs starting on page boundaries (prefill, this project's machine; the native
        // build of this loop shows the same offsets). The work is the same either way.
        one_head(tok);
        size_t h = 1;
        for (; h + kStreamHeads <= a.heads; h += kStreamHeads) {
          float* v = tok + h * a.head_stride;
          ROPE_UNROLL
          for (size_t j = 0; j < 2 * pairs; j += 4) {
            const v128_t c2 = wasm_v128_load(spread + j);
            const v128_t s2 = wasm_v128_load(spread + 2 * pairs + j);
            for (size_t g = 0; g < kStreamHeads; ++g) rotate2pairs_spread<kInverse>(v + g * a.head_stride + j, c2, s2);
          }
        }
        for (; h < a.heads; ++h) one_head(tok + h * a.head_stride);
      } else {
        // Streaming, run-time pair count: split form, two heads per loaded cos/sin vector.
        two_heads_per_row_load<kScaled>(a, tok, cs, sn, vec_end, [](float* v, size_t i, v128_t c, v128_t s) {
          rotate4pairs<kInverse>(v + 2 * i, c, s);
        });
      }
      if (vec_end < pairs) {  // tail pairs (run-time pair counts only)
        float* v = tok;
        for (size_t h = 0; h < a.heads; ++h, v += a.head_stride)
          for (size_t i = vec_end; i < pairs; ++i) rotate_pair<kInverse>(v + 2 * i, v + 2 * i + 1, cs[i] * a.scale, sn[i] * a.scale);
      }
    }
  }
};

}  // namespace

void rope_interleaved_wasmsimd(const KernelArgs& a) { dispatch_fixed_pairs<InterleavedKernel>(a); }

KernelVariantFn rope_interleaved_wasmsimd_variant(int pairs, bool inverse, bool scaled) {
  return select_fixed_pairs<InterleavedKernel>(pairs, inverse, scaled);
}

}  // namespace rope
#endif  // ROPE_HAVE_SIMD128
