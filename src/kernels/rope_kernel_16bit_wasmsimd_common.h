// Pieces shared by the 16-bit wasm SIMD kernels (half and interleaved layouts): one codec per
// element type, converting eight elements in registers (rope_half_simd128.h), and the exact
// scalar path a group takes when one of its lanes is outside what the fast conversions cover
// (fp16 Inf/NaN inputs or results outside fp16's normal range, bf16 NaN results). The
// group is then redone from its inputs, which are still in memory: nothing was stored yet.
#pragma once

#include "rope_simd128.h"
#if ROPE_HAVE_SIMD128

#include <cstddef>
#include <cstdint>

#include "../rope_half.h"
#include "rope_half_simd128.h"
#include "rope_kernel_wasmsimd_common.h"
#include "rope_kernels.h"

namespace rope {
namespace kernel16 {

using namespace half_simd;

struct Bf16 {
  static float widen1(uint16_t h) { return bf16_to_f32(h); }
  static uint16_t narrow1(float f) { return f32_to_bf16(f); }
  // Every bf16 input widens exactly in registers.
  static bool inputs_ok(v128_t, v128_t) { return true; }
  static v128_t widen_lo(v128_t h) { return bf16_widen_lo(h); }
  static v128_t widen_hi(v128_t h) { return bf16_widen_hi(h); }
  // a0, a1 -> eight 16-bit values ra; b0, b1 -> rb. False (nothing written) when a lane is NaN.
  static bool narrow(v128_t a0, v128_t a1, v128_t b0, v128_t b1, v128_t& ra, v128_t& rb) {
    if (any_nan4(a0, a1, b0, b1)) return false;
    ra = pack16(bf16_round(a0), bf16_round(a1));
    rb = pack16(bf16_round(b0), bf16_round(b1));
    return true;
  }
  // Interleaved pairs: h holds [a0 b0 a1 b1 a2 b2 a3 b3], i.e. 32-bit lanes b_k << 16 | a_k.
  static void split(v128_t h, v128_t& a, v128_t& b) {
    a = wasm_i32x4_shl(h, 16);
    b = wasm_v128_and(h, wasm_i32x4_splat(static_cast<int32_t>(0xffff0000u)));
  }
  static bool join(v128_t ya, v128_t yb, v128_t& out) {
    if (any_nan2(ya, yb)) return false;
    out = wasm_v128_or(bf16_round(ya), wasm_i32x4_shl(bf16_round(yb), 16));
    return true;
  }
};

struct F16 {
  static float widen1(uint16_t h) { return f16_to_f32(h); }
  static uint16_t narrow1(float f) { return f32_to_f16(f); }
  static bool inputs_ok(v128_t h0, v128_t h1) { return !f16_any_inf_nan(h0, h1); }
  static v128_t widen_lo(v128_t h) { return f16_widen_lo(h); }
  static v128_t widen_hi(v128_t h) { return f16_widen_hi(h); }
  static bool narrow(v128_t a0, v128_t a1, v128_t b0, v128_t b1, v128_t& ra, v128_t& rb) {
    const v128_t ma = pack16(f16_round_magnitude(a0), f16_round_magnitude(a1));
    const v128_t mb = pack16(f16_round_magnitude(b0), f16_round_magnitude(b1));
    if (!f16_in_range(f16_range_offset(ma), f16_range_offset(mb))) return false;
    ra = wasm_v128_or(ma, f16_signs(a0, a1));
    rb = wasm_v128_or(mb, f16_signs(b0, b1));
    return true;
  }
  static void split(v128_t h, v128_t& a, v128_t& b) {
    a = f16_widen_w(wasm_i32x4_shl(h, 16));
    b = f16_widen_w(h);  // f16_widen_w ignores the low half (a's bits)
  }
  static bool join(v128_t ya, v128_t yb, v128_t& out) {
    const v128_t m = pack16(f16_round_magnitude(ya), f16_round_magnitude(yb));  // [a0..a3 b0..b3]
    const v128_t t = f16_range_offset(m);
    if (!f16_in_range(t, t)) return false;
    const v128_t planar = wasm_v128_or(m, f16_signs(ya, yb));
    out = wasm_i16x8_shuffle(planar, planar, 0, 4, 1, 5, 2, 6, 3, 7);
    return true;
  }
};

// The exact scalar path for `count` pairs (p[k*step], p[k*step + gap]) with cos/sin
// cs[k], sn[k]: the 16-bit scalar reference's expressions. Not inlined: it is the rare
// path, kept out of the unrolled loops.
template <class C, bool kInverse>
__attribute__((noinline)) void scalar_pairs(uint16_t* p, size_t gap, size_t step, size_t count, const float* cs,
                                            const float* sn, float scale) {
  for (size_t k = 0; k < count; ++k, p += step) {
    const float a = C::widen1(p[0]), b = C::widen1(p[gap]), c = cs[k] * scale, s = sn[k] * scale;
    if (kInverse) {
      p[0] = C::narrow1(a * c + b * s);
      p[gap] = C::narrow1(b * c - a * s);
    } else {
      p[0] = C::narrow1(a * c - b * s);
      p[gap] = C::narrow1(b * c + a * s);
    }
  }
}

// Calls head(v, cs, sn) for every vector of the block: v its first element, cs / sn its
// token's cos and sin (`pairs` each).
template <typename Head>
inline void for_each_vector(const KernelLoopOf<uint16_t>& a, size_t pairs, Head head) {
  for (size_t t = 0; t < a.tokens; ++t) {
    const float* cs = a.rows[t];
    const float* sn = cs + pairs;
    uint16_t* v = a.x + t * a.token_stride;
    for (size_t h = 0; h < a.heads; ++h, v += a.head_stride) head(v, cs, sn);
  }
}

// Chooses the variant for a 16-bit type: Kernel<C> for C = Bf16 or F16.
template <template <class> class Kernel>
Kernel16VariantFn select_16bit(DType type, int pairs, bool inverse, bool scaled) {
  return type == DType::kBFloat16
             ? select_fixed_pairs<Kernel<Bf16>::template Variant, Kernel16VariantFn>(pairs, inverse, scaled)
             : select_fixed_pairs<Kernel<F16>::template Variant, Kernel16VariantFn>(pairs, inverse, scaled);
}

}  // namespace kernel16
}  // namespace rope

#endif  // ROPE_HAVE_SIMD128
