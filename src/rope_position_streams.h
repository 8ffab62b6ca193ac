// Position streams of multimodal RoPE (M-RoPE): which stream's position multiplies each
// pair's frequency, and the cos/sin rows of tokens whose streams differ.
//
// M-RoPE only chooses, per pair, which position turns it (Hugging Face: one inv_freq vector
// expanded over the streams; ggml_rope_multi: "idx used for theta ... not reset"; for the
// vision towers the frequencies restart per section, which the rope's frequencies already
// say). So a token's row is pair i of the 1-D row at the position of stream s(i): rows are
// gathered from the ordinary cos/sin cache, one lookup per stream. A token whose streams
// all hold the same position (every text token) uses the 1-D row itself: then M-RoPE is
// plain RoPE, bit for bit, at its speed.
//
// Memory: one block of mixed rows (CosSinCache::kBlockTokens rows of rotaryDim floats),
// plus the per-stream pair runs; the table is the rope's ordinary cache, shared by all
// streams (README, "Memory").
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "rope_cache.h"
#include "rope_config.h"

namespace rope {

// The stream of each pair under a config's mrope (all 0 without it): pairs/2 entries.
std::vector<int> stream_of_pairs(const RopeConfig& config, int rotary_dim);

class PositionStreams {
 public:
  PositionStreams() = default;
  ~PositionStreams();
  PositionStreams(const PositionStreams&) = delete;
  PositionStreams& operator=(const PositionStreams&) = delete;

  // Sets up the streams of a validated config (none without mrope).
  Status init(const RopeConfig& config, int rotary_dim);

  // Streams a call's positions hold (1 without mrope).
  int streams() const { return streams_; }

  // Row pointers for `count` (<= CosSinCache::kBlockTokens) tokens whose stream k position
  // is positions[k * stride + t]. Valid until the next call on this object or the cache.
  Status rows_for(CosSinCache& cache, const int32_t* positions, size_t stride, size_t count,
                  const float* const** rows);

  size_t bytes() const;

 private:
  struct Run {
    int first;  // first pair
    int count;  // pairs
  };

  int streams_ = 1;
  int pairs_ = 0;
  std::vector<Run> runs_[kMaxStreams];  // the pairs each stream turns, as runs
  float* mixed_ = nullptr;              // kBlockTokens rows
  size_t row_floats_ = 0;
  const float* ptrs_[CosSinCache::kBlockTokens] = {};
  bool is_mixed_[CosSinCache::kBlockTokens] = {};
  int32_t gather_[CosSinCache::kBlockTokens] = {};
  uint16_t mixed_index_[CosSinCache::kBlockTokens] = {};
};

}  // namespace rope
