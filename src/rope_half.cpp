#include "rope_half.h"


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

// Scalar loops: the kernels and the 16-bit streaming pass convert in registers
// (kernels/rope_half_simd128.h); these serve tests and tools.
void widen_block(DType type, const void* src, float* dst, size_t n) {
  const uint16_t* h = static_cast<const uint16_t*>(src);
  if (type == DType::kBFloat16) {
    for (size_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(h[i]);
  } else {
    for (size_t i = 0; i < n; ++i) dst[i] = f16_to_f32(h[i]);
  }
}

void narrow_block(DType type, const float* src, void* dst, size_t n) {
  uint16_t* h = static_cast<uint16_t*>(dst);
  if (type == DType::kBFloat16) {
    for (size_t i = 0; i < n; ++i) h[i] = f32_to_bf16(src[i]);
  } else {
    for (size_t i = 0; i < n; ++i) h[i] = f32_to_f16(src[i]);
  }
}

}  // namespace rope
