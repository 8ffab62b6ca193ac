#include "rope_config.h"

#include <cmath>

namespace rope {

namespace {

bool positive_finite(double v) { return std::isfinite(v) && v > 0; }

Status validate_scaling(const ScalingParams& s, int rotary_dim) {
  const size_t pairs = static_cast<size_t>(rotary_dim / 2);
  // An optional length: 0 means "not given", anything else must be a real length.
  auto optional_length = [](double v) { return v == 0 || positive_finite(v); };
  // yarn reads beta_fast/beta_slow as `get(...) or default`: NaN (unset) and 0 take the
  // default; anything else must be a positive number of rotations.
  auto beta = [](double v, double dflt) { return (std::isnan(v) || v == 0) ? dflt : v; };
  switch (s.type) {
    case ScalingType::kNone:
      return Status::kOk;
    case ScalingType::kLinear:
      return positive_finite(s.factor) ? Status::kOk : Status::kScalingInvalid;
    case ScalingType::kDynamic:
      // The base exponent is dim / (dim - 2): a single rotated pair has no NTK rescaling.
      if (!positive_finite(s.factor) || !positive_finite(s.max_position_embeddings) || rotary_dim <= 2)
        return Status::kScalingInvalid;
      return Status::kOk;
    case ScalingType::kYarn: {
      if (!positive_finite(s.factor)) return Status::kScalingInvalid;
      if (!optional_length(s.original_max_position_embeddings) || !optional_length(s.max_position_embeddings))
        return Status::kScalingInvalid;
      // Hugging Face falls back to max_position_embeddings when the original is absent.
      if (s.original_max_position_embeddings == 0 && s.max_position_embeddings == 0)
        return Status::kScalingInvalid;
      const double fast = beta(s.beta_fast, 32.0), slow = beta(s.beta_slow, 1.0);
      if (!positive_finite(fast) || !positive_finite(slow) || fast < slow) return Status::kScalingInvalid;
      if (!std::isnan(s.mscale) && !std::isfinite(s.mscale)) return Status::kScalingInvalid;
      if (!std::isnan(s.mscale_all_dim) && !std::isfinite(s.mscale_all_dim))
        return Status::kScalingInvalid;
      if (!std::isnan(s.attention_factor)) return positive_finite(s.attention_factor) ? Status::kOk : Status::kScalingInvalid;
      // The derived factor (get_mscale ratio) must itself be usable.
      const bool ratio = !std::isnan(s.mscale) && s.mscale != 0 && !std::isnan(s.mscale_all_dim) && s.mscale_all_dim != 0;
      if (ratio && s.factor > 1) {
        const double num = 0.1 * s.mscale * std::log(s.factor) + 1.0;
        const double den = 0.1 * s.mscale_all_dim * std::log(s.factor) + 1.0;
        if (!positive_finite(num / den)) return Status::kScalingInvalid;
      }
      return Status::kOk;
    }
    case ScalingType::kLlama3:
      // high_freq_factor >= low_freq_factor orders the two wavelength thresholds. Equal
      // factors are valid (Llama 4 Scout has 1 and 1; Hugging Face only warns): no pair then
      // falls in the smoothed band, whose formula would divide by zero.
      if (!positive_finite(s.factor) || !positive_finite(s.original_max_position_embeddings) ||
          !positive_finite(s.low_freq_factor) || !positive_finite(s.high_freq_factor) ||
          s.high_freq_factor < s.low_freq_factor)
        return Status::kScalingInvalid;
      return Status::kOk;
    case ScalingType::kProportional:
      if (!positive_finite(s.factor)) return Status::kScalingInvalid;
      return std::isfinite(s.partial_rotary_factor) && s.partial_rotary_factor >= 0 && s.partial_rotary_factor <= 1
                 ? Status::kOk
                 : Status::kScalingInvalid;
    case ScalingType::kLongrope: {
      if (s.short_factor.size() != pairs || s.long_factor.size() != pairs)
        return Status::kScalingInvalid;
      for (double f : s.short_factor)
        if (!positive_finite(f)) return Status::kScalingInvalid;
      for (double f : s.long_factor)
        if (!positive_finite(f)) return Status::kScalingInvalid;
      if (!positive_finite(s.original_max_position_embeddings) || !optional_length(s.max_position_embeddings))
        return Status::kScalingInvalid;
      if (!std::isnan(s.factor) && !positive_finite(s.factor)) return Status::kScalingInvalid;
      // factor and max/original are two spellings of one number; transformers 4.x lets the
      // ratio win, 5.x the factor, so only agreeing values are accepted.
      if (!std::isnan(s.factor) && s.max_position_embeddings > 0) {
        const double ratio = s.max_position_embeddings / s.original_max_position_embeddings;
        if (std::fabs(s.factor - ratio) > 1e-12 * ratio) return Status::kScalingInvalid;
      }
      if (!std::isnan(s.attention_factor)) return positive_finite(s.attention_factor) ? Status::kOk : Status::kScalingInvalid;
      // Without an attention factor one must be derivable from factor (or the ratio).
      if (std::isnan(s.factor) && s.max_position_embeddings == 0) return Status::kScalingInvalid;
      return Status::kOk;
    }
  }
  return Status::kScalingInvalid;
}

Status validate_mrope(const RopeConfig& c, int rotary_dim) {
  const MropeParams& m = c.mrope;
  if (m.mode == MropeMode::kNone) return Status::kOk;
  if (m.mode != MropeMode::kChunked && m.mode != MropeMode::kInterleaved && m.mode != MropeMode::kVision)
    return Status::kMropeInvalid;
  if (m.streams < 1 || m.streams > kMaxStreams) return Status::kMropeInvalid;
  long sum = 0;
  for (int k = 0; k < m.streams; ++k) {
    if (m.sections[k] < 0 || m.sections[k] > kMaxHeadDim) return Status::kMropeInvalid;
    sum += m.sections[k];
  }
  const long pairs = rotary_dim / 2;
  switch (m.mode) {
    case MropeMode::kChunked:
      return sum == pairs ? Status::kOk : Status::kMropeInvalid;
    case MropeMode::kInterleaved:
      // Hugging Face's rule: h on i % 3 == 1 below 3*S_h, w on i % 3 == 2 below 3*S_w, t elsewhere.
      return m.streams == 3 ? Status::kOk : Status::kMropeInvalid;
    case MropeMode::kVision:
      for (int k = 0; k < m.streams; ++k)
        if (m.sections[k] < 1) return Status::kMropeInvalid;
      if (sum != pairs) return Status::kMropeInvalid;
      // Each section is a RoPE of its own rotary dim; Hugging Face's vision towers scale none.
      return c.scaling.type == ScalingType::kNone ? Status::kOk : Status::kScalingInvalid;
    default:
      return Status::kMropeInvalid;
  }
}

Status validate_freq_factors(const RopeConfig& c, int rotary_dim) {
  if (c.freq_factors.empty()) return Status::kOk;
  if (c.freq_factors.size() != static_cast<size_t>(rotary_dim / 2)) return Status::kFreqFactorsInvalid;
  for (double f : c.freq_factors)
    if (!(f > 0)) return Status::kFreqFactorsInvalid;  // NaN, 0 and negatives; +inf = a still pair
  return Status::kOk;
}

}  // namespace

Status validate_config(const RopeConfig& c) {
  if (c.head_dim <= 0 || c.head_dim % 2 != 0 || c.head_dim > kMaxHeadDim)
    return Status::kHeadDimInvalid;
  const int rd = effective_rotary_dim(c);
  if (rd <= 0 || rd % 2 != 0 || rd > c.head_dim) return Status::kRotaryDimInvalid;
  if (!std::isfinite(c.base) || c.base <= 1.0) return Status::kBaseInvalid;
  if (c.layout != Layout::kHalf && c.layout != Layout::kInterleaved) return Status::kLayoutInvalid;
  if (!(c.cache_limit_bytes >= 0) || !std::isfinite(c.cache_limit_bytes))
    return Status::kCacheLimitInvalid;
  Status st = validate_scaling(c.scaling, rd);
  if (st == Status::kOk) st = validate_mrope(c, rd);
  if (st == Status::kOk) st = validate_freq_factors(c, rd);
  return st;
}

}  // namespace rope
