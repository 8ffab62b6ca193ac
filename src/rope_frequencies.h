// Per-pair rotation frequencies, with Hugging Face's rope scaling applied.
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

}  // namespace rope
