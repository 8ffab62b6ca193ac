// The configuration of one rotary embedding and its validation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "rope_status.h"

namespace rope {

// Which channels form a rotation pair.
enum class Layout : int {
  kHalf = 0,         // channel i with i + rotaryDim/2 (GPT-NeoX, Hugging Face rotate_half)
  kInterleaved = 1,  // channel 2i with 2i+1 (GPT-J, Meta's reference, RoFormer)
};

// Memory order of a tensor of vectors.
enum class Order : int {
  kTokenMajor = 0,  // [tokens, heads, headDim]
  kHeadMajor = 1,   // [heads, tokens, headDim]
};

// Hugging Face rope_scaling types (transformers' modeling_rope_utils.py).
enum class ScalingType : int {
  kNone = 0,  // "default"
  kLinear = 1,
  kDynamic = 2,
  kYarn = 3,
  kLlama3 = 4,
  kLongrope = 5,
};

// Scaling parameters. A NaN means "not given" where Hugging Face has an optional key,
// so the core can apply the same defaults transformers does.
struct ScalingParams {
  ScalingType type = ScalingType::kNone;
  double factor = 1.0;
  double max_position_embeddings = 0;           // dynamic, longrope
  double original_max_position_embeddings = 0;  // yarn, llama3, longrope
  double beta_fast = 32.0;                       // yarn
  double beta_slow = 1.0;                        // yarn
  double mscale = 0.0 / 0.0;                     // yarn (NaN = unset)
  double mscale_all_dim = 0.0 / 0.0;             // yarn (NaN = unset)
  double attention_factor = 0.0 / 0.0;           // yarn, longrope (NaN = unset)
  bool truncate = true;                          // yarn
  double low_freq_factor = 1.0;                  // llama3
  double high_freq_factor = 4.0;                 // llama3
  std::vector<double> short_factor;              // longrope, rotaryDim/2 entries
  std::vector<double> long_factor;               // longrope, rotaryDim/2 entries
};

// Largest head dimension accepted; keeps every size computation far from overflow.
constexpr int kMaxHeadDim = 1 << 16;

// Default bound on the cos/sin table, in bytes (see README, "Memory").
constexpr double kDefaultCacheLimitBytes = 8.0 * 1024 * 1024;

struct RopeConfig {
  int head_dim = 0;
  int rotary_dim = 0;  // 0 means head_dim
  double base = 10000.0;
  Layout layout = Layout::kHalf;
  ScalingParams scaling;
  double cache_limit_bytes = kDefaultCacheLimitBytes;
};

// Checks every field; returns the first problem found.
Status validate_config(const RopeConfig& c);

// rotary_dim with the 0 default resolved.
inline int effective_rotary_dim(const RopeConfig& c) {
  return c.rotary_dim == 0 ? c.head_dim : c.rotary_dim;
}

}  // namespace rope
