#include "rope_cache.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <algorithm>

#include "aligned_alloc.h"
#include "kernels/rope_kernels.h"

namespace rope {

namespace {

// Rows filled by the angle-addition recurrence before one is computed afresh; keeps the
// accumulated double error near 1e-14, far under float resolution.
constexpr size_t kReanchorEvery = 16;

}  // namespace

CosSinCache::~CosSinCache() {
  std::free(inv_freq_);
  std::free(work_);
  std::free(table_);
  std::free(scratch_);
  std::free(recent_);
}

Status CosSinCache::init(int rotary_dim, double limit_bytes) {
  rotary_dim_ = rotary_dim;
  pairs_ = static_cast<size_t>(rotary_dim / 2);
  row_floats_ = rope::row_floats(rotary_dim);
  const double row_bytes = static_cast<double>(row_floats_ * sizeof(float));
  // The table's byte count (rows * row_bytes) must fit in size_t with room to spare: in
  // 32-bit wasm a limit of 4 GiB + 4 KiB would otherwise wrap to a 4 KiB allocation that
  // the table is then filled far past. Half the address space is more than memory can hold.
  const double max_bytes = static_cast<double>(std::numeric_limits<size_t>::max() / 2);
  const double rows = std::floor(std::min(limit_bytes, max_bytes) / row_bytes);
  max_rows_ = rows > 2147483648.0 ? static_cast<size_t>(2147483648.0) : static_cast<size_t>(rows);
  inv_freq_ = static_cast<double*>(std::malloc(pairs_ * sizeof(double)));
  work_ = static_cast<double*>(std::malloc(4 * pairs_ * sizeof(double)));
  scratch_ = alloc_aligned_floats(kBlockTokens * row_floats_);
  recent_ = alloc_aligned_floats(kRecentRows * row_floats_);
  if (!inv_freq_ || !work_ || !scratch_ || !recent_) return Status::kOutOfMemory;
  return Status::kOk;
}

size_t CosSinCache::bytes() const {
  return (table_capacity_rows_ + kBlockTokens + kRecentRows) * row_floats_ * sizeof(float) +
         5 * pairs_ * sizeof(double);
}

void CosSinCache::set_frequencies(const double* inv_freq, double attention_factor, bool use_table) {
  ++generation_;
  use_table_ = use_table;
  std::memcpy(inv_freq_, inv_freq, pairs_ * sizeof(double));
  attention_factor_ = attention_factor;
  table_rows_ = 0;  // keep the allocation, drop the contents
  for (bool& v : recent_valid_) v = false;
}

void CosSinCache::write_row(const double* c, const double* s, float* row) const {
  const double af = attention_factor_;
  for (size_t i = 0; i < pairs_; ++i) {
    row[i] = static_cast<float>(c[i] * af);
    row[pairs_ + i] = static_cast<float>(s[i] * af);
  }
}

void CosSinCache::fill_run(int64_t p0, size_t n, float* dest, size_t stride) {
  double* c = work_;
  double* s = work_ + pairs_;
  double* dc = work_ + 2 * pairs_;
  double* ds = work_ + 3 * pairs_;
  if (n > 1)
    for (size_t i = 0; i < pairs_; ++i) {
      dc[i] = std::cos(inv_freq_[i]);
      ds[i] = std::sin(inv_freq_[i]);
    }
  for (size_t r = 0; r < n; ++r) {
    if (r % kReanchorEvery == 0) {
      // The angle is formed and reduced in double: exact to ~1e-9 rad at position 2^24.
      const double p = static_cast<double>(p0 + static_cast<int64_t>(r));
      for (size_t i = 0; i < pairs_; ++i) {
        const double angle = p * inv_freq_[i];
        c[i] = std::cos(angle);
        s[i] = std::sin(angle);
      }
    } else {
      for (size_t i = 0; i < pairs_; ++i) {
        const double cn = c[i] * dc[i] - s[i] * ds[i];
        s[i] = s[i] * dc[i] + c[i] * ds[i];
        c[i] = cn;
      }
    }
    write_row(c, s, dest + r * stride);
  }
}

Status CosSinCache::grow_table(size_t rows_needed) {
  if (rows_needed > max_rows_) rows_needed = max_rows_;
  if (rows_needed <= table_rows_) return Status::kOk;
  if (rows_needed > table_capacity_rows_) {
    size_t cap = table_capacity_rows_ ? table_capacity_rows_ : 64;
    while (cap < rows_needed) cap *= 2;
    if (cap > max_rows_) cap = max_rows_;
    float* grown = realloc_aligned_floats(table_, table_rows_ * row_floats_, cap * row_floats_);
    if (grown == nullptr) return Status::kOutOfMemory;
    table_ = grown;
    table_capacity_rows_ = cap;
  }
  // Fill every allocated row now: rows beyond the need cost little and spare later calls.
  fill_run(static_cast<int64_t>(table_rows_), table_capacity_rows_ - table_rows_,
           table_ + table_rows_ * row_floats_, row_floats_);
  table_rows_ = table_capacity_rows_;
  return Status::kOk;
}

void CosSinCache::reserve(int64_t min_pos, int64_t max_pos) {
  // Grow the table to cover these positions, but only when some of them fall within the
  // bound: decoding at position 1,000,000 must not build a table up to it.
  const int64_t bound = static_cast<int64_t>(max_rows_);
  if (use_table_ && max_pos >= static_cast<int64_t>(table_rows_) && min_pos < bound) {
    // A failed growth is not fatal: rows past the table are computed per call.
    (void)grow_table(static_cast<size_t>(std::min(max_pos + 1, bound)));
  }
}

Status CosSinCache::rows_for(const int32_t* positions, int64_t start, size_t count,
                             const float* const** rows, bool may_grow) {
  if (count > kBlockTokens) return Status::kSizeOverflow;
  if (may_grow) {
    int64_t max_pos = -1, min_pos = std::numeric_limits<int64_t>::max();
    if (positions == nullptr) {
      max_pos = start + static_cast<int64_t>(count) - 1;
      min_pos = start < 0 ? 0 : start;
    } else {
      for (size_t t = 0; t < count; ++t) {
        if (positions[t] > max_pos) max_pos = positions[t];
        if (positions[t] >= 0 && positions[t] < min_pos) min_pos = positions[t];
      }
    }
    reserve(min_pos, max_pos);
  }
  const int64_t table_end = use_table_ ? static_cast<int64_t>(table_rows_) : 0;
  auto pos_of = [&](size_t t) -> int64_t {
    return positions ? static_cast<int64_t>(positions[t]) : start + static_cast<int64_t>(t);
  };
  size_t outside = 0;
  for (size_t t = 0; t < count; ++t) {
    const int64_t p = pos_of(t);
    if (p >= 0 && p < table_end) {
      row_ptrs_[t] = table_ + static_cast<size_t>(p) * row_floats_;
    } else {
      row_ptrs_[t] = nullptr;
      ++outside;
    }
  }
  if (outside == 1 && count <= kRecentRows) {
    // Decode past the table: the same position comes back for every layer.
    for (size_t t = 0; t < count; ++t) {
      if (row_ptrs_[t] != nullptr) continue;
      const int64_t p = pos_of(t);
      const size_t slot = static_cast<size_t>(p) & (kRecentRows - 1);
      float* row = recent_ + slot * row_floats_;
      if (!recent_valid_[slot] || recent_pos_[slot] != p) {
        fill_run(p, 1, row, row_floats_);
        recent_pos_[slot] = p;
        recent_valid_[slot] = true;
      }
      row_ptrs_[t] = row;
    }
  } else if (outside > 0) {
    // Fill the scratch run by run, so consecutive positions use the cheap recurrence; a
    // token at the same position as the one before shares its row (a shift by one offset
    // for every token, a batch of sequences at one position).
    size_t t = 0;
    while (t < count) {
      if (row_ptrs_[t] != nullptr) {
        ++t;
        continue;
      }
      if (t > 0 && pos_of(t) == pos_of(t - 1)) {
        row_ptrs_[t] = row_ptrs_[t - 1];
        ++t;
        continue;
      }
      size_t end = t + 1;
      while (end < count && row_ptrs_[end] == nullptr && pos_of(end) == pos_of(end - 1) + 1) ++end;
      fill_run(pos_of(t), end - t, scratch_ + t * row_floats_, row_floats_);
      for (size_t k = t; k < end; ++k) row_ptrs_[k] = scratch_ + k * row_floats_;
      t = end;
    }
  }
  *rows = row_ptrs_;
  return Status::kOk;
}

}  // namespace rope
