#include "rope_config.h"

#include <cmath>

namespace rope {

namespace {

bool positive_finite(double v) { return std::isfinite(v) && v > 0; }

Status validate_scaling(const ScalingParams& s, int rotary_dim) {
  const size_t pairs = static_cast<size_t>(rotary_dim / 2);
  switch (s.type) {
    case ScalingType::kNone:
      return Status::kOk;
    case ScalingType::kLinear:
      return positive_finite(s.factor) ? Status::kOk : Status::kScalingInvalid;
    case ScalingType::kDynamic:
      if (!positive_finite(s.factor) || !positive_finite(s.max_position_embeddings))
        return Status::kScalingInvalid;
      return Status::kOk;
    case ScalingType::kYarn:
      if (!positive_finite(s.factor) || !positive_finite(s.original_max_position_embeddings))
        return Status::kScalingInvalid;
      if (!std::isfinite(s.beta_fast) || !std::isfinite(s.beta_slow)) return Status::kScalingInvalid;
      if (!std::isnan(s.attention_factor) && !positive_finite(s.attention_factor))
        return Status::kScalingInvalid;
      if (!std::isnan(s.mscale) && !std::isfinite(s.mscale)) return Status::kScalingInvalid;
      if (!std::isnan(s.mscale_all_dim) && !std::isfinite(s.mscale_all_dim))
        return Status::kScalingInvalid;
      return Status::kOk;
    case ScalingType::kLlama3:
      if (!positive_finite(s.factor) || !positive_finite(s.original_max_position_embeddings) ||
          !positive_finite(s.low_freq_factor) || !positive_finite(s.high_freq_factor) ||
          s.low_freq_factor == s.high_freq_factor)
        return Status::kScalingInvalid;
      return Status::kOk;
    case ScalingType::kLongrope:
      if (s.short_factor.size() != pairs || s.long_factor.size() != pairs)
        return Status::kScalingInvalid;
      for (double f : s.short_factor)
        if (!positive_finite(f)) return Status::kScalingInvalid;
      for (double f : s.long_factor)
        if (!positive_finite(f)) return Status::kScalingInvalid;
      if (!positive_finite(s.original_max_position_embeddings)) return Status::kScalingInvalid;
      if (!std::isnan(s.attention_factor) && !positive_finite(s.attention_factor))
        return Status::kScalingInvalid;
      return Status::kOk;
  }
  return Status::kScalingInvalid;
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
  return validate_scaling(c.scaling, rd);
}

}  // namespace rope
