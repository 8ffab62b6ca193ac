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

  // Announces a call of `tokens` tokens at `positions` (streams x tokens, stream-major), before
  // its blocks. A call with the same positions and frequencies as the last one (every layer
  // of a prefill: Hugging Face computes cos/sin once per forward pass) reuses the mixed rows
  // it built; otherwise they are built and kept (up to kMemoBytes).
  void begin_call(CosSinCache& cache, const int32_t* positions, size_t tokens);

  // Row pointers for tokens t0 .. t0+count-1 (count <= CosSinCache::kBlockTokens) of the call
  // whose stream k position of token t is positions[k * stride + t]. Valid until the next
  // call on this object or the cache.
  Status rows_for(CosSinCache& cache, const int32_t* positions, size_t stride, size_t t0, size_t count,
                  const float* const** rows);

  // Most bytes of mixed rows kept between calls (4 MiB: 8192 rows at rotaryDim 128).
  static constexpr size_t kMemoBytes = 4u << 20;

  size_t bytes() const;

 private:
  struct Run {
    int first;  // first pair
    int count;  // pairs
  };

  // Mixed rows when every position of the block has a table row: gathered straight from
  // the table (no lookups, nothing copied for unmixed tokens).
  // memo_t0: the block's first token when its rows are kept for later calls (else SIZE_MAX).
  void gather_from_table(const CosSinCache& cache, const int32_t* positions, size_t stride, size_t count,
                         size_t memo_t0);
  // Otherwise (positions past the cache bound, negative, or no table): lookups per stream.
  Status gather_by_lookup(CosSinCache& cache, const int32_t* positions, size_t stride, size_t count);

  // The mixed rows of the last call, for a call with the same positions and frequencies.
  struct Memo {
    const CosSinCache* cache = nullptr;
    uint64_t generation = 0;
    size_t tokens = 0;
    bool complete = false;       // every block of the call was built
    std::vector<int32_t> positions;
    std::vector<int32_t> slot;   // per token: its row in rows, or -1 (streams equal: the table row)
    float* rows = nullptr;
    size_t capacity_rows = 0;
    size_t used_rows = 0;
  } memo_;
  enum class MemoUse { kNone, kHit, kBuild } memo_use_ = MemoUse::kNone;

  int streams_ = 1;
  int pairs_ = 0;
  std::vector<Run> runs_[kMaxStreams];  // the pairs each stream turns, as runs
  std::vector<uint8_t> stream_of_;      // per pair
  bool contiguous_ = true;              // one run per stream (chunked, vision)
  // Per stream k >= 1, all-ones lanes where a pair takes stream k, in groups of 4 pairs
  // (the SIMD gather selects each group's lanes from the streams' rows).
  std::vector<uint32_t> masks_[kMaxStreams];
  std::vector<uint8_t> group_has_[kMaxStreams];
  float* mixed_ = nullptr;              // kBlockTokens rows
  size_t row_floats_ = 0;
  const float* ptrs_[CosSinCache::kBlockTokens] = {};
  bool is_mixed_[CosSinCache::kBlockTokens] = {};
  int32_t gather_[CosSinCache::kBlockTokens] = {};
  uint16_t mixed_index_[CosSinCache::kBlockTokens] = {};
};

}  // namespace rope
