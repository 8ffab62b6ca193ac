// Per-pair rotation frequencies, with Hugging Face's rope scaling applied.
//
// Semantics follow transformers' modeling_rope_utils.py as of the release that has yarn's
// `truncate`, `mscale` and `mscale_all_dim` and uses the given yarn `factor` as is
// (transformers 4.56/4.57, where PR #40320 stopped replacing it by
// max_position_embeddings / original_max_position_embeddings; v5 behaves the same).
// Everything is computed in double: Hugging Face computes inv_freq in float32, which is
// off in the 7th digit; the float64 value is the one its formulas define.
#pragma once

#include "rope_config.h"

namespace rope {

// What the explainer and callers can inspect about one rotation pair.
struct PairInfo {
  double base_freq;      // base^(-2i/rotaryDim), before scaling
  double freq;           // the frequency in use (radians per position)
  double wavelength;     // 2*pi / freq
  double interp_weight;  // yarn/llama3: 0 = kept (extrapolated), 1 = fully interpolated; NaN otherwise
};

// The frequencies in force for one sequence length.
struct FrequencyResult {
  double attention_factor = 1.0;  // cos and sin are multiplied by this
};

// Fills inv_freq[0 .. rotaryDim/2) (and info, when not null) for `config`, evaluated at
// sequence length `seq_len` (used only by the types that depend on it: dynamic, longrope).
// `config` must have passed validate_config.
Status compute_frequencies(const RopeConfig& config, double seq_len, double* inv_freq,
                           PairInfo* info, FrequencyResult* result);

// True when the frequencies change with the sequence length (dynamic, longrope).
bool frequencies_depend_on_seq_len(const RopeConfig& config);

// A key that is equal for two sequence lengths exactly when they give the same
// frequencies, so the cos/sin cache is rebuilt only when it must be.
double frequency_regime(const RopeConfig& config, double seq_len);

// The attention factor Hugging Face derives for `s` (1 for the types without one); NaN
// when the parameters cannot give one (validate_scaling rejects those).
double scaling_attention_factor(const ScalingParams& s);

// yarn's effective beta_fast / beta_slow: Hugging Face reads them as
// `rope_scaling.get("beta_fast") or 32`, so an unset (NaN) or zero value means the default.
double yarn_beta_fast(const ScalingParams& s);
double yarn_beta_slow(const ScalingParams& s);

// yarn's pretraining context: original_max_position_embeddings, or (as Hugging Face falls
// back) max_position_embeddings when the former is not given (0).
double yarn_original_max(const ScalingParams& s);

// longrope's factor for the default attention factor: the given factor, else
// max_position_embeddings / original_max_position_embeddings; NaN when neither is known.
double longrope_factor(const ScalingParams& s);

}  // namespace rope
