#include "rope_frequencies.h"

#include <cmath>

namespace rope {

namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;

// base^(-2i/dim), in double: Hugging Face computes this in float32, which is off in
// the 7th digit; the float64 value is the one the formula defines.
void default_inv_freq(double base, int rotary_dim, double* out) {
  const int pairs = rotary_dim / 2;
  for (int i = 0; i < pairs; ++i)
    out[i] = 1.0 / std::pow(base, static_cast<double>(2 * i) / rotary_dim);
}

}  // namespace

bool frequencies_depend_on_seq_len(const RopeConfig& config) {
  return config.scaling.type == ScalingType::kDynamic ||
         config.scaling.type == ScalingType::kLongrope;
}

double frequency_regime(const RopeConfig& config, double seq_len) {
  (void)config;
  (void)seq_len;
  return 0.0;
}

Status compute_frequencies(const RopeConfig& config, double seq_len, double* inv_freq,
                           PairInfo* info, FrequencyResult* result) {
  (void)seq_len;
  if (inv_freq == nullptr || result == nullptr) return Status::kNullPointer;
  const int rd = effective_rotary_dim(config);
  const int pairs = rd / 2;
  default_inv_freq(config.base, rd, inv_freq);
  if (info != nullptr)
    for (int i = 0; i < pairs; ++i) info[i].base_freq = inv_freq[i];
  result->attention_factor = 1.0;
  const ScalingParams& s = config.scaling;
  if (s.type == ScalingType::kLinear)
    for (int i = 0; i < pairs; ++i) inv_freq[i] /= s.factor;
  if (info != nullptr) {
    for (int i = 0; i < pairs; ++i) {
      info[i].freq = inv_freq[i];
      info[i].wavelength = kTwoPi / inv_freq[i];
      info[i].interp_weight = std::nan("");
    }
  }
  return Status::kOk;
}

}  // namespace rope
