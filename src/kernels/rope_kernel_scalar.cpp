// Scalar reference kernels: the definition every SIMD variant is tested against.
#include "rope_kernels.h"

namespace rope {

namespace {

template <bool kInverse>
void half_vector(float* v, const float* row, int pairs, float scale) {
  const float* cs = row;
  const float* sn = row + pairs;
  for (int i = 0; i < pairs; ++i) {
    const float a = v[i], b = v[i + pairs], c = cs[i] * scale, s = sn[i] * scale;
    if (kInverse) {
      v[i] = a * c + b * s;
      v[i + pairs] = b * c - a * s;
    } else {
      v[i] = a * c - b * s;
      v[i + pairs] = b * c + a * s;
    }
  }
}

template <bool kInverse>
void interleaved_vector(float* v, const float* row, int rotary_dim, float scale) {
  const int pairs = rotary_dim / 2;
  const float* cs = row;
  const float* sn = row + pairs;
  for (int i = 0; i < pairs; ++i) {
    const int j = 2 * i;
    const float a = v[j], b = v[j + 1], c = cs[i] * scale, s = sn[i] * scale;
    if (kInverse) {
      v[j] = a * c + b * s;
      v[j + 1] = b * c - a * s;
    } else {
      v[j] = a * c - b * s;
      v[j + 1] = b * c + a * s;
    }
  }
}

template <bool kInverse>
void half_all(const KernelArgs& a) {
  const int pairs = a.rotary_dim / 2;
  for (size_t t = 0; t < a.tokens; ++t)
    for (size_t h = 0; h < a.heads; ++h)
      half_vector<kInverse>(a.x + t * a.token_stride + h * a.head_stride, a.rows[t], pairs, a.row_scale);
}

template <bool kInverse>
void interleaved_all(const KernelArgs& a) {
  for (size_t t = 0; t < a.tokens; ++t)
    for (size_t h = 0; h < a.heads; ++h)
      interleaved_vector<kInverse>(a.x + t * a.token_stride + h * a.head_stride, a.rows[t],
                                   a.rotary_dim, a.row_scale);
}

}  // namespace

void rope_half_scalar(const KernelArgs& a) {
  a.inverse ? half_all<true>(a) : half_all<false>(a);
}

void rope_interleaved_scalar(const KernelArgs& a) {
  a.inverse ? interleaved_all<true>(a) : interleaved_all<false>(a);
}

}  // namespace rope
