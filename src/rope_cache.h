// The cos/sin cache: one row of cos and sin (times the attention factor) per position,
// shared by every head of a call and by q and k.
//
// Memory (documented in README "Memory"):
//   - a dense table for positions [0, tableRows), grown on demand to the next power of two
//     that covers the largest position seen, never beyond limit_bytes;
//     a row is rotaryDim floats (rotaryDim/2 cos, then rotaryDim/2 sin);
//   - positions outside it (negative, or past the bound) are computed per call into a
//     scratch of at most kBlockTokens rows, plus a few recently used rows, so decoding at
//     position 1,000,000 needs no table of 1,000,000 rows.
// Angles are formed in double (position * frequency, cos/sin in double), so the float row
// is the correctly rounded cos/sin of the exact angle, to within an ulp, at any position.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rope_config.h"

namespace rope {

class CosSinCache {
 public:
  // Tokens whose rows are requested at once; apply works through a call in such blocks.
  static constexpr size_t kBlockTokens = 256;

  CosSinCache() = default;
  ~CosSinCache();
  CosSinCache(const CosSinCache&) = delete;
  CosSinCache& operator=(const CosSinCache&) = delete;

  // Allocates the per-pair state. Must be called once, before anything else.
  Status init(int rotary_dim, double limit_bytes);

  // Installs new frequencies (copied) and drops every cached row. With use_table false the
  // rows of every call are computed for it alone: for frequencies that hold for one call
  // only (dynamic NTK past its trained length), where refilling a table would cost
  // O(table) per decode step.
  void set_frequencies(const double* inv_freq, double attention_factor, bool use_table = true);

  // Row pointers for `count` (<= kBlockTokens) tokens at positions[i], or at start + i
  // when positions is null. Valid until the next call on this cache. With may_grow false
  // the table is left as it is (rows past it are computed), so that row pointers an earlier
  // call handed out into the table stay valid.
  Status rows_for(const int32_t* positions, int64_t start, size_t count, const float* const** rows,
                  bool may_grow = true);

  // Grows the table, as rows_for would, to cover positions up to max_pos (when some position
  // from min_pos, the smallest non-negative one, falls within the bound). Never fails: rows
  // past a table that could not grow are computed per call.
  void reserve(int64_t min_pos, int64_t max_pos);

  // True when `row` is a row of the table (stable until the table grows), not of the
  // per-call scratch or recent rows (which the next rows_for may overwrite).
  bool in_table(const float* row) const {
    return table_ != nullptr && row >= table_ && row < table_ + table_rows_ * row_floats_;
  }

  size_t table_rows() const { return table_rows_; }
  // Changes whenever the frequencies do (set_frequencies): rows kept from before are stale.
  uint64_t generation() const { return generation_; }
  // Rows of the table that serve lookups now (0 while rows are computed per call).
  size_t usable_table_rows() const { return use_table_ ? table_rows_ : 0; }
  // The table row of position p (0 <= p < usable_table_rows()).
  const float* table_row(int64_t p) const { return table_ + static_cast<size_t>(p) * row_floats_; }
  size_t max_table_rows() const { return max_rows_; }
  size_t row_floats() const { return row_floats_; }
  // Bytes this cache holds now (table, scratch and per-pair state).
  size_t bytes() const;

 private:
  Status grow_table(size_t rows_needed);
  // Writes rows for positions p0, p0+1, ..., p0+n-1, `stride` floats apart.
  void fill_run(int64_t p0, size_t n, float* dest, size_t stride);
  void write_row(const double* c, const double* s, float* row) const;

  static constexpr size_t kRecentRows = 8;

  int rotary_dim_ = 0;
  size_t pairs_ = 0;
  size_t row_floats_ = 0;
  size_t max_rows_ = 0;
  double attention_factor_ = 1.0;

  double* inv_freq_ = nullptr;  // pairs_
  double* work_ = nullptr;      // 4 * pairs_: cos, sin, step cos, step sin

  float* table_ = nullptr;
  size_t table_rows_ = 0;
  size_t table_capacity_rows_ = 0;
  bool use_table_ = true;
  uint64_t generation_ = 0;

  float* scratch_ = nullptr;  // kBlockTokens rows
  float* recent_ = nullptr;   // kRecentRows rows, for out-of-table single tokens (decode)
  int64_t recent_pos_[kRecentRows] = {};
  bool recent_valid_[kRecentRows] = {};
  const float* row_ptrs_[kBlockTokens] = {};
};

}  // namespace rope
