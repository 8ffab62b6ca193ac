// Scalar references for 16-bit tensors: each element widened to float32 exactly, the float32
// reference's expressions, rounded back to nearest even. The definition every 16-bit SIMD
// variant is tested against, and the 16-bit kernels of builds without SIMD.
#include "rope_kernels.h"

namespace rope {

namespace {

template <DType kType>
inline float widen(uint16_t h) {
  return kType == DType::kBFloat16 ? bf16_to_f32(h) : f16_to_f32(h);
}
template <DType kType>
inline uint16_t narrow(float f) {
  return kType == DType::kBFloat16 ? f32_to_bf16(f) : f32_to_f16(f);
}

// Rotates elements p[0] and p[gap] (one pair) by cos c and sin s, in the float32
// reference's expressions: a' = a*c - b*s, b' = b*c + a*s (the negative angle when inverse).
template <DType kType, bool kInverse>
inline void rotate_pair16(uint16_t* p, size_t gap, float c, float s) {
  const float a = widen<kType>(p[0]), b = widen<kType>(p[gap]);
  if (kInverse) {
    p[0] = narrow<kType>(a * c + b * s);
    p[gap] = narrow<kType>(b * c - a * s);
  } else {
    p[0] = narrow<kType>(a * c - b * s);
    p[gap] = narrow<kType>(b * c + a * s);
  }
}

// half: pair i is (v[i], v[i + pairs]); interleaved: (v[2i], v[2i + 1]).
template <DType kType, bool kInverse, bool kHalf>
void all_vectors(const KernelArgs16& a) {
  const size_t pairs = static_cast<size_t>(a.rotary_dim / 2);
  for (size_t t = 0; t < a.tokens; ++t) {
    const float* cs = a.rows[t];
    const float* sn = cs + pairs;
    for (size_t h = 0; h < a.heads; ++h) {
      uint16_t* v = a.x + t * a.token_stride + h * a.head_stride;
      for (size_t i = 0; i < pairs; ++i) {
        const float c = cs[i] * a.row_scale, s = sn[i] * a.row_scale;
        if (kHalf) rotate_pair16<kType, kInverse>(v + i, pairs, c, s);
        else rotate_pair16<kType, kInverse>(v + 2 * i, 1, c, s);
      }
    }
  }
}

template <bool kHalf>
void dispatch(const KernelArgs16& a, DType type) {
  if (type == DType::kBFloat16) {
    a.inverse ? all_vectors<DType::kBFloat16, true, kHalf>(a) : all_vectors<DType::kBFloat16, false, kHalf>(a);
  } else {
    a.inverse ? all_vectors<DType::kFloat16, true, kHalf>(a) : all_vectors<DType::kFloat16, false, kHalf>(a);
  }
}

}  // namespace

void rope_half_16bit_scalar(const KernelArgs16& a, DType type) { dispatch<true>(a, type); }
void rope_interleaved_16bit_scalar(const KernelArgs16& a, DType type) { dispatch<false>(a, type); }

}  // namespace rope
