#include "rope_half.h"

#include "kernels/rope_simd128.h"

namespace rope {

float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x3ffu;
  if (exp == 0x1f) return bits_to_float(sign | 0x7f800000u | (mant << 13));  // Inf, NaN (payload kept)
  if (exp != 0) return bits_to_float(sign | ((exp + 112) << 23) | (mant << 13));
  if (mant == 0) return bits_to_float(sign);
  // Subnormal: mant * 2^-24, exact in float32.
  const float v = static_cast<float>(mant) * bits_to_float(0x33800000u);  // 2^-24
  return bits_to_float(sign | float_to_bits(v));
}

uint16_t f32_to_f16(float value) {
  // Giesen's float_to_half_fast3_rtne: round to nearest even in integer arithmetic for
  // normals, through one float32 add (RNE in IEEE arithmetic) for the subnormal range.
  uint32_t f = float_to_bits(value);
  const uint32_t sign = f & 0x80000000u;
  f ^= sign;
  uint16_t o;
  if (f >= 0x47800000u) {  // >= 65536 (or Inf, NaN): Inf, or a quiet NaN
    o = f > 0x7f800000u ? 0x7e00u : 0x7c00u;
  } else if (f < 0x38800000u) {  // < 2^-14: subnormal or zero
    const float sum = bits_to_float(f) + bits_to_float(0x3f000000u);  // the denormal magic 0.5
    o = static_cast<uint16_t>(float_to_bits(sum) - 0x3f000000u);
  } else {
    const uint32_t mant_odd = (f >> 13) & 1u;
    f += (static_cast<uint32_t>(15 - 127) << 23) + 0xfffu;
    f += mant_odd;
    o = static_cast<uint16_t>(f >> 13);
  }
  return static_cast<uint16_t>(o | (sign >> 16));
}

void widen_block(DType type, const void* src, float* dst, size_t n) {
  const uint16_t* h = static_cast<const uint16_t*>(src);
  size_t i = 0;
  if (type == DType::kBFloat16) {
#if ROPE_HAVE_SIMD128 && defined(__wasm_simd128__)
    for (; i + 8 <= n; i += 8) {
      const v128_t v = wasm_v128_load(h + i);
      wasm_v128_store(dst + i, wasm_i32x4_shl(wasm_u32x4_extend_low_u16x8(v), 16));
      wasm_v128_store(dst + i + 4, wasm_i32x4_shl(wasm_u32x4_extend_high_u16x8(v), 16));
    }
#endif
    for (; i < n; ++i) dst[i] = bf16_to_f32(h[i]);
    return;
  }
  for (; i < n; ++i) dst[i] = f16_to_f32(h[i]);
}

void narrow_block(DType type, const float* src, void* dst, size_t n) {
  uint16_t* h = static_cast<uint16_t*>(dst);
  size_t i = 0;
  if (type == DType::kBFloat16) {
#if ROPE_HAVE_SIMD128 && defined(__wasm_simd128__)
    // (w + 0x7fff + ((w >> 16) & 1)) >> 16, NaN lanes as (w >> 16) | 0x40; every lane is a
    // 16-bit value by then, so the unsigned narrow never saturates.
    const v128_t bias = wasm_i32x4_splat(0x7fff);
    const v128_t one = wasm_i32x4_splat(1);
    const v128_t quiet = wasm_i32x4_splat(0x40);
    for (; i + 8 <= n; i += 8) {
      v128_t r[2];
      for (int k = 0; k < 2; ++k) {
        const v128_t f = wasm_v128_load(src + i + 4 * k);
        const v128_t rounded = wasm_u32x4_shr(wasm_i32x4_add(wasm_i32x4_add(f, bias), wasm_v128_and(wasm_u32x4_shr(f, 16), one)), 16);
        const v128_t nan = wasm_v128_or(wasm_u32x4_shr(f, 16), quiet);
        r[k] = wasm_v128_bitselect(nan, rounded, wasm_f32x4_ne(f, f));
      }
      wasm_v128_store(h + i, wasm_u16x8_narrow_i32x4(r[0], r[1]));
    }
#endif
    for (; i < n; ++i) h[i] = f32_to_bf16(src[i]);
    return;
  }
  for (; i < n; ++i) h[i] = f32_to_f16(src[i]);
}

}  // namespace rope
