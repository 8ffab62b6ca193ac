#include "rope_frequencies.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace rope {

namespace {

constexpr double kPi = 3.141592653589793238462643383279502884;
constexpr double kTwoPi = 2.0 * kPi;

// base^(2i/dim) for pair i: the denominator of every type's frequency.
double pos_freq(double base, int i, int dim) {
  return std::pow(base, static_cast<double>(2 * i) / dim);
}

// Python truthiness of an optional float (None and 0.0 are false): Hugging Face tests
// `if mscale and mscale_all_dim`, so a zero there falls back like an absent key.
bool truthy(double v) { return !std::isnan(v) && v != 0.0; }

// transformers' get_mscale(scale, mscale=1).
double get_mscale(double scale, double mscale) {
  if (scale <= 1) return 1.0;
  return 0.1 * mscale * std::log(scale) + 1.0;
}

// find_correction_dim: the (fractional) pair dimension whose wavelength fits
// `num_rotations` times into `max_pos` positions.
double find_correction_dim(double num_rotations, int dim, double base, double max_pos) {
  return (dim * std::log(max_pos / (num_rotations * 2 * kPi))) / (2 * std::log(base));
}

void yarn(const RopeConfig& c, int dim, double* inv_freq, PairInfo* info) {
  const ScalingParams& s = c.scaling;
  const double original = yarn_original_max(s);
  double low = find_correction_dim(yarn_beta_fast(s), dim, c.base, original);
  double high = find_correction_dim(yarn_beta_slow(s), dim, c.base, original);
  if (s.truncate) {
    low = std::floor(low);
    high = std::ceil(high);
  }
  low = std::max(low, 0.0);
  high = std::min(high, static_cast<double>(dim - 1));
  if (low == high) high += 0.001;  // linear_ramp_factor's guard against a zero-width ramp
  const int pairs = dim / 2;
  for (int i = 0; i < pairs; ++i) {
    const double pf = pos_freq(c.base, i, dim);
    const double extrapolation = 1.0 / pf;
    const double interpolation = 1.0 / (s.factor * pf);
    const double ramp = std::min(1.0, std::max(0.0, (i - low) / (high - low)));
    // Written as transformers writes it (extrapolation factor = 1 - ramp), so the float64
    // result is the same expression evaluated the same way.
    const double extrapolation_factor = 1.0 - ramp;
    inv_freq[i] = interpolation * (1.0 - extrapolation_factor) + extrapolation * extrapolation_factor;
    if (info != nullptr) info[i].interp_weight = ramp;
  }
}

void llama3(const RopeConfig& c, int dim, double* inv_freq, PairInfo* info) {
  const ScalingParams& s = c.scaling;
  const double old_context = s.original_max_position_embeddings;
  const double low_freq_wavelen = old_context / s.low_freq_factor;
  const double high_freq_wavelen = old_context / s.high_freq_factor;
  const int pairs = dim / 2;
  for (int i = 0; i < pairs; ++i) {
    const double f = 1.0 / pos_freq(c.base, i, dim);
    const double wavelen = 2 * kPi / f;
    if (wavelen > low_freq_wavelen) {  // long wavelengths: fully interpolated
      inv_freq[i] = f / s.factor;
      if (info != nullptr) info[i].interp_weight = 1.0;
    } else if (wavelen < high_freq_wavelen) {  // short wavelengths: kept
      inv_freq[i] = f;
      if (info != nullptr) info[i].interp_weight = 0.0;
    } else {  // in between: Llama 3.1's smooth blend
      // With low == high (Llama 4) only a wavelength of exactly old_context / low lands here,
      // where Hugging Face's formula is 0/0; such a pair is kept.
      const double width = s.high_freq_factor - s.low_freq_factor;
      const double smooth = width > 0 ? (old_context / wavelen - s.low_freq_factor) / width : 1.0;
      inv_freq[i] = (1 - smooth) * f / s.factor + smooth * f;
      if (info != nullptr) info[i].interp_weight = 1 - smooth;
    }
  }
}

// transformers 5.x `_compute_proportional_rope_parameters` (modeling_rope_utils.py at
// decba1d2ea, 5.16.0.dev0): the first int(partial_rotary_factor * dim // 2) pairs turn at
// base^(-2i/dim), the exponent over the whole rotated width, the rest not at all; all / factor.
void proportional(const RopeConfig& c, int dim, double* inv_freq) {
  const ScalingParams& s = c.scaling;
  const int pairs = dim / 2;
  const int angles = static_cast<int>(std::floor(s.partial_rotary_factor * dim / 2));
  for (int i = 0; i < pairs; ++i) inv_freq[i] = i < angles ? 1.0 / pos_freq(c.base, i, dim) / s.factor : 0.0;
}

// The M-RoPE vision towers (Qwen2-VL's VisionRotaryEmbedding(head_dim // 2) per stream,
// modeling_qwen2_vl.py; ggml's GGML_ROPE_TYPE_VISION): pair j of section k turns at
// base^(-2j / (2 * S_k)), an independent RoPE of rotary dim 2*S_k per section.
void vision_base_frequencies(const RopeConfig& c, double* out) {
  int i = 0;
  for (int k = 0; k < c.mrope.streams; ++k) {
    const int width = 2 * c.mrope.sections[k];
    for (int j = 0; j < c.mrope.sections[k]; ++j) out[i++] = 1.0 / pos_freq(c.base, j, width);
  }
}

}  // namespace

double yarn_beta_fast(const ScalingParams& s) { return truthy(s.beta_fast) ? s.beta_fast : 32.0; }
double yarn_beta_slow(const ScalingParams& s) { return truthy(s.beta_slow) ? s.beta_slow : 1.0; }

double yarn_original_max(const ScalingParams& s) {
  return s.original_max_position_embeddings > 0 ? s.original_max_position_embeddings
                                                : s.max_position_embeddings;
}

double longrope_factor(const ScalingParams& s) {
  if (!std::isnan(s.factor)) return s.factor;
  if (s.max_position_embeddings > 0 && s.original_max_position_embeddings > 0)
    return s.max_position_embeddings / s.original_max_position_embeddings;
  return std::nan("");
}

double scaling_attention_factor(const ScalingParams& s) {
  switch (s.type) {
    case ScalingType::kYarn:
      if (!std::isnan(s.attention_factor)) return s.attention_factor;
      if (truthy(s.mscale) && truthy(s.mscale_all_dim))
        return get_mscale(s.factor, s.mscale) / get_mscale(s.factor, s.mscale_all_dim);
      return get_mscale(s.factor, 1.0);
    case ScalingType::kLongrope: {
      if (!std::isnan(s.attention_factor)) return s.attention_factor;
      const double factor = longrope_factor(s);
      if (std::isnan(factor)) return factor;
      if (factor <= 1.0) return 1.0;
      return std::sqrt(1 + std::log(factor) / std::log(s.original_max_position_embeddings));
    }
    default:
      return 1.0;
  }
}

bool frequencies_depend_on_seq_len(const RopeConfig& config) {
  return config.scaling.type == ScalingType::kDynamic ||
         config.scaling.type == ScalingType::kLongrope;
}

double frequency_regime(const RopeConfig& config, double seq_len) {
  const ScalingParams& s = config.scaling;
  switch (s.type) {
    case ScalingType::kDynamic:
      // Every seq_len <= max_position_embeddings gives the unscaled base (0 is never a
      // valid seq_len, so it cannot collide); past it the base changes continuously.
      return seq_len <= s.max_position_embeddings ? 0.0 : seq_len;
    case ScalingType::kLongrope:
      return seq_len > s.original_max_position_embeddings ? 1.0 : 0.0;
    default:
      return 0.0;
  }
}

Status compute_frequencies(const RopeConfig& config, double seq_len, double* inv_freq,
                           PairInfo* info, FrequencyResult* result) {
  if (inv_freq == nullptr || result == nullptr) return Status::kNullPointer;
  const int dim = effective_rotary_dim(config);
  const int pairs = dim / 2;
  const ScalingParams& s = config.scaling;
  const bool vision = config.mrope.mode == MropeMode::kVision;
  // interp_weight is only meaningful for yarn and llama3, which overwrite the NaN.
  if (info != nullptr) {
    if (vision) {
      vision_base_frequencies(config, inv_freq);
      for (int i = 0; i < pairs; ++i) info[i].base_freq = inv_freq[i];
    }
    for (int i = 0; i < pairs; ++i) {
      if (!vision) info[i].base_freq = 1.0 / pos_freq(config.base, i, dim);
      info[i].interp_weight = std::nan("");
    }
  }
  switch (s.type) {
    case ScalingType::kNone:
      if (vision) vision_base_frequencies(config, inv_freq);
      else for (int i = 0; i < pairs; ++i) inv_freq[i] = 1.0 / pos_freq(config.base, i, dim);
      break;
    case ScalingType::kProportional:
      proportional(config, dim, inv_freq);
      break;
    case ScalingType::kLinear:
      for (int i = 0; i < pairs; ++i) inv_freq[i] = 1.0 / pos_freq(config.base, i, dim) / s.factor;
      break;
    case ScalingType::kDynamic: {
      // Dynamic NTK: transformers clamps seq_len up to max_position_embeddings, then
      // rescales the base; at or below that length the base is unchanged.
      const double len = seq_len > s.max_position_embeddings ? seq_len : s.max_position_embeddings;
      const double base = config.base * std::pow((s.factor * len / s.max_position_embeddings) - (s.factor - 1),
                                                 static_cast<double>(dim) / (dim - 2));
      for (int i = 0; i < pairs; ++i) inv_freq[i] = 1.0 / pos_freq(base, i, dim);
      break;
    }
    case ScalingType::kYarn:
      yarn(config, dim, inv_freq, info);
      break;
    case ScalingType::kLlama3:
      llama3(config, dim, inv_freq, info);
      break;
    case ScalingType::kLongrope: {
      // Hugging Face picks the long factors once the sequence outgrows the pretraining
      // context (seq_len > original_max_position_embeddings), the short ones otherwise.
      const std::vector<double>& ext =
          seq_len > s.original_max_position_embeddings ? s.long_factor : s.short_factor;
      for (int i = 0; i < pairs; ++i) inv_freq[i] = 1.0 / (ext[i] * pos_freq(config.base, i, dim));
      break;
    }
  }
  // ggml's freq_factors: theta_i / ff_i, after any scaling (it commutes with all of them).
  if (!config.freq_factors.empty())
    for (int i = 0; i < pairs; ++i) inv_freq[i] /= config.freq_factors[i];
  result->attention_factor = scaling_attention_factor(s);
  if (info != nullptr) {
    for (int i = 0; i < pairs; ++i) {
      info[i].freq = inv_freq[i];
      info[i].wavelength = kTwoPi / inv_freq[i];
    }
  }
  return Status::kOk;
}

}  // namespace rope
