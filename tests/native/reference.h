// Float64 reference RoPE for tests: the formula, evaluated directly in double.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace rope_test {

// Rotates one vector of head_dim floats (given as doubles) at `pos`, returning doubles.
inline std::vector<double> reference_rotate(const float* v, int head_dim, int rotary_dim, bool interleaved,
                                            const std::vector<double>& inv_freq, double pos,
                                            double attention_factor = 1.0, bool inverse = false) {
  std::vector<double> y(v, v + head_dim);
  const int pairs = rotary_dim / 2;
  for (int i = 0; i < pairs; ++i) {
    const double angle = (inverse ? -pos : pos) * inv_freq[i];
    const double c = std::cos(angle) * attention_factor, s = std::sin(angle) * attention_factor;
    const int a = interleaved ? 2 * i : i;
    const int b = interleaved ? 2 * i + 1 : i + pairs;
    y[a] = v[a] * c - static_cast<double>(v[b]) * s;
    y[b] = v[b] * c + static_cast<double>(v[a]) * s;
  }
  return y;
}

inline std::vector<double> default_inv_freq(double base, int rotary_dim) {
  std::vector<double> f(rotary_dim / 2);
  for (int i = 0; i < rotary_dim / 2; ++i) f[i] = std::pow(base, -2.0 * i / rotary_dim);
  return f;
}

// Deterministic pseudo-random floats in [-1, 1).
inline std::vector<float> random_floats(size_t n, uint32_t seed) {
  std::vector<float> out(n);
  uint32_t s = seed * 2654435761u + 1;
  for (auto& x : out) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    x = static_cast<float>(s) / 2147483648.0f - 1.0f;
  }
  return out;
}

}  // namespace rope_test
