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
  kProportional = 6,  // transformers 5.x (Gemma 4): base^(-2i/rotaryDim) for the first pairs, 0 after
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
  double partial_rotary_factor = 1.0;            // proportional: the fraction of pairs that turn
};

// Multimodal RoPE (M-RoPE): which position stream multiplies each pair's frequency.
enum class MropeMode : int {
  kNone = 0,
  kChunked = 1,      // contiguous sections (Qwen2-VL, Qwen2.5-VL, GLM-4V); sum = rotaryDim/2
  kInterleaved = 2,  // 3 streams, Hugging Face's Qwen3-VL rule; pairs past the sections: stream 0
  kVision = 3,       // consecutive sections, frequency index restarting in each (vision towers)
};

// Most position streams a rope takes (ggml has 4: t, h, w, e).
constexpr int kMaxStreams = 4;

struct MropeParams {
  MropeMode mode = MropeMode::kNone;
  int streams = 0;                   // sections given (= position streams of a call)
  int sections[kMaxStreams] = {};    // pairs per stream
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
  MropeParams mrope;
  // Empty, or rotaryDim/2 entries > 0 (infinity allowed): pair i's frequency is divided by
  // freq_factors[i] after any scaling (ggml's freq_factors: llama3 as a tensor, Gemma 4).
  std::vector<double> freq_factors;
};

// Position streams a call's positions hold: the mrope sections, or 1.
inline int position_streams(const RopeConfig& c) {
  return c.mrope.mode == MropeMode::kNone ? 1 : c.mrope.streams;
}

// Checks every field; returns the first problem found.
Status validate_config(const RopeConfig& c);

// rotary_dim with the 0 default resolved.
inline int effective_rotary_dim(const RopeConfig& c) {
  return c.rotary_dim == 0 ? c.head_dim : c.rotary_dim;
}

}  // namespace rope
