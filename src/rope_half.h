// 16-bit floats (IEEE binary16 "fp16" and bfloat16) to and from float32, bit-exact: widening
// is exact; narrowing rounds to nearest even, overflow gives infinity (fp16; bf16 has
// float32's range), NaN stays NaN (quiet, sign kept). Recipes: fp16 narrowing after Giesen
// (float_to_half_fast3_rtne, the one onnxruntime's Float16Impl uses), bf16 as ggml's
// ggml_compute_fp32_to_bf16 and PyTorch's round_to_nearest_even; see docs for the sources.
// The kernels convert eight at a time in SIMD registers (kernels/rope_half_simd128.h), bit
// for bit as these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace rope {

enum class DType : int {
  kFloat32 = 0,
  kFloat16 = 1,
  kBFloat16 = 2,
};

// Bytes of one element.
inline size_t dtype_bytes(DType t) { return t == DType::kFloat32 ? 4 : 2; }

inline float bits_to_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}
inline uint32_t float_to_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

inline float bf16_to_f32(uint16_t h) { return bits_to_float(static_cast<uint32_t>(h) << 16); }

inline uint16_t f32_to_bf16(float f) {
  const uint32_t w = float_to_bits(f);
  if ((w & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((w >> 16) | 0x40u);  // NaN: quiet
  return static_cast<uint16_t>((w + 0x7fffu + ((w >> 16) & 1u)) >> 16);
}

float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);

// n elements of `type` at src (element stride 1) to float32 at dst, and back.
void widen_block(DType type, const void* src, float* dst, size_t n);
void narrow_block(DType type, const float* src, void* dst, size_t n);

}  // namespace rope
