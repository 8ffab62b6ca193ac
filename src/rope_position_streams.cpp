#include "rope_position_streams.h"

#include <cstdlib>
#include <cstring>
#include <limits>

#include "aligned_alloc.h"
#include "kernels/rope_kernels.h"
#include "kernels/rope_simd128.h"

namespace rope {

std::vector<int> stream_of_pairs(const RopeConfig& c, int rotary_dim) {
  const int pairs = rotary_dim / 2;
  std::vector<int> s(static_cast<size_t>(pairs), 0);
  const MropeParams& m = c.mrope;
  switch (m.mode) {
    case MropeMode::kChunked:
    case MropeMode::kVision: {
      // Contiguous sections (Hugging Face's split of cos/sin into mrope_section chunks,
      // modeling_qwen2_vl.py apply_multimodal_rotary_pos_emb; sections sum to pairs).
      int i = 0;
      for (int k = 0; k < m.streams; ++k)
        for (int j = 0; j < m.sections[k] && i < pairs; ++j) s[static_cast<size_t>(i++)] = k;
      break;
    }
    case MropeMode::kInterleaved:
      // modeling_qwen3_vl.py apply_interleaved_mrope (transformers decba1d2ea):
      // freqs_t[..., 1:3*S_h:3] = h, freqs_t[..., 2:3*S_w:3] = w, the rest t.
      for (int i = 0; i < pairs; ++i) {
        if (i % 3 == 1 && i < 3 * m.sections[1]) s[static_cast<size_t>(i)] = 1;
        else if (i % 3 == 2 && i < 3 * m.sections[2]) s[static_cast<size_t>(i)] = 2;
      }
      break;
    case MropeMode::kNone:
      break;
  }
  return s;
}

PositionStreams::~PositionStreams() {
  std::free(mixed_);
  std::free(memo_.rows);
}

Status PositionStreams::init(const RopeConfig& c, int rotary_dim) {
  streams_ = position_streams(c);
  pairs_ = rotary_dim / 2;
  row_floats_ = row_floats(rotary_dim);
  if (streams_ <= 1) return Status::kOk;
  const std::vector<int> s = stream_of_pairs(c, rotary_dim);
  const size_t groups = static_cast<size_t>(pairs_ / 4);
  for (int k = 0; k < streams_; ++k) {
    masks_[k].assign(4 * groups, 0);
    group_has_[k].assign(groups, 0);
  }
  stream_of_.resize(static_cast<size_t>(pairs_));
  for (int i = 0; i < pairs_; ++i) {
    const int k = s[static_cast<size_t>(i)];
    stream_of_[static_cast<size_t>(i)] = static_cast<uint8_t>(k);
    std::vector<Run>& r = runs_[k];
    if (!r.empty() && r.back().first + r.back().count == i) ++r.back().count;
    else r.push_back({i, 1});
    if (static_cast<size_t>(i) < 4 * groups) {
      masks_[k][static_cast<size_t>(i)] = 0xFFFFFFFFu;
      group_has_[k][static_cast<size_t>(i) / 4] = 1;
    }
  }
  contiguous_ = c.mrope.mode != MropeMode::kInterleaved;
  mixed_ = alloc_aligned_floats(CosSinCache::kBlockTokens * row_floats_);
  return mixed_ == nullptr ? Status::kOutOfMemory : Status::kOk;
}

size_t PositionStreams::bytes() const {
  if (mixed_ == nullptr) return 0;
  return (CosSinCache::kBlockTokens + memo_.capacity_rows) * row_floats_ * sizeof(float) +
         (memo_.positions.capacity() + memo_.slot.capacity()) * sizeof(int32_t);
}

void PositionStreams::begin_call(CosSinCache& cache, const int32_t* positions, size_t tokens) {
  memo_use_ = MemoUse::kNone;
  if (streams_ <= 1 || positions == nullptr || tokens == 0) return;
  const size_t n = static_cast<size_t>(streams_) * tokens;
  if (memo_.complete && memo_.cache == &cache && memo_.generation == cache.generation() && memo_.tokens == tokens &&
      std::memcmp(memo_.positions.data(), positions, n * sizeof(int32_t)) == 0) {
    memo_use_ = MemoUse::kHit;
    return;
  }
  // Kept only when every position has a table row (then text tokens need no copy, and a
  // later call's table growth moves nothing kept) and the rows fit kMemoBytes.
  int64_t lowest = 0, max_pos = -1, min_pos = std::numeric_limits<int64_t>::max();
  for (size_t i = 0; i < n; ++i) {
    const int64_t p = positions[i];
    if (p > max_pos) max_pos = p;
    if (p < lowest) lowest = p;
    if (p >= 0 && p < min_pos) min_pos = p;
  }
  memo_.complete = false;
  if (tokens * row_floats_ * sizeof(float) > kMemoBytes) return;
  cache.reserve(min_pos, max_pos);
  if (lowest < 0 || max_pos >= static_cast<int64_t>(cache.usable_table_rows())) return;
  if (memo_.capacity_rows < tokens) {
    // Grown to the largest call seen (bounded by kMemoBytes); a failure only means no memo.
    float* grown = alloc_aligned_floats(tokens * row_floats_);
    if (grown == nullptr) return;
    std::free(memo_.rows);
    memo_.rows = grown;
    memo_.capacity_rows = tokens;
  }
#if defined(__cpp_exceptions)
  try {
#endif
    memo_.positions.assign(positions, positions + n);
    memo_.slot.assign(tokens, -1);
#if defined(__cpp_exceptions)
  } catch (...) {
    return;
  }
#endif
  memo_.cache = &cache;
  memo_.generation = cache.generation();
  memo_.tokens = tokens;
  memo_.used_rows = 0;
  memo_use_ = MemoUse::kBuild;
}

Status PositionStreams::rows_for(CosSinCache& cache, const int32_t* base, size_t stride, size_t t0, size_t count,
                                 const float* const** rows) {
  const int32_t* positions = base == nullptr ? nullptr : base + t0;
  if (streams_ <= 1 || positions == nullptr) return cache.rows_for(positions, 0, count, rows);
  if (count > CosSinCache::kBlockTokens) return Status::kSizeOverflow;
  if (memo_use_ == MemoUse::kHit && memo_.tokens == stride) {
    for (size_t t = 0; t < count; ++t) {
      const int32_t slot = memo_.slot[t0 + t];
      ptrs_[t] = slot >= 0 ? memo_.rows + static_cast<size_t>(slot) * row_floats_ : cache.table_row(positions[t]);
    }
    *rows = ptrs_;
    return Status::kOk;
  }
  // Which tokens have streams that differ (image and video tokens), and the positions the
  // block needs from the table.
  bool any_mixed = false;
  // min_pos: the smallest non-negative position (what the table's growth looks at); lowest:
  // the smallest of all (a negative one has no table row).
  int64_t max_pos = -1, min_pos = std::numeric_limits<int64_t>::max(), lowest = 0;
  for (size_t t = 0; t < count; ++t) {
    const int32_t p0 = positions[t];
    bool mixed = false;
    for (int k = 0; k < streams_; ++k) {
      const int32_t p = positions[static_cast<size_t>(k) * stride + t];
      mixed |= p != p0;
      if (p > max_pos) max_pos = p;
      if (p >= 0 && p < min_pos) min_pos = p;
      if (p < lowest) lowest = p;
    }
    is_mixed_[t] = mixed;
    any_mixed |= mixed;
  }
  if (!any_mixed) {
    if (memo_use_ == MemoUse::kBuild && t0 + count == stride) memo_.complete = true;  // slots stay -1
    return cache.rows_for(positions, 0, count, rows);
  }
  // Grow the table once for every stream: the lookups below must not move it.
  cache.reserve(min_pos, max_pos);
  if (lowest >= 0 && max_pos < static_cast<int64_t>(cache.usable_table_rows())) {
    const bool keep = memo_use_ == MemoUse::kBuild && memo_.tokens == stride;
    gather_from_table(cache, positions, stride, count, keep ? t0 : SIZE_MAX);
    if (keep && t0 + count == stride) memo_.complete = true;
  } else {
    memo_use_ = MemoUse::kNone;
    const Status st = gather_by_lookup(cache, positions, stride, count);
    if (st != Status::kOk) return st;
  }
  *rows = ptrs_;
  return Status::kOk;
}

namespace {

// Copies pairs [first, first + n) of a row's cos and sin halves (two loops over disjoint
// rows, marked so: the compiler vectorises them without runtime alias checks).
inline void copy_run(float* __restrict row, const float* __restrict src, size_t p, size_t first, size_t n) {
  for (size_t i = first; i < first + n; ++i) row[i] = src[i];
  for (size_t i = p + first; i < p + first + n; ++i) row[i] = src[i];
}

}  // namespace

void PositionStreams::gather_from_table(const CosSinCache& cache, const int32_t* positions, size_t stride,
                                        size_t count, size_t memo_t0) {
  const size_t p = static_cast<size_t>(pairs_);
  const size_t vec_pairs = p & ~size_t{3};
  const float* src[kMaxStreams] = {};
  for (size_t t = 0; t < count; ++t) {
    if (!is_mixed_[t]) {
      ptrs_[t] = cache.table_row(positions[t]);
      continue;
    }
    float* row;
    if (memo_t0 != SIZE_MAX) {
      // Built straight into the kept rows.
      memo_.slot[memo_t0 + t] = static_cast<int32_t>(memo_.used_rows);
      row = memo_.rows + memo_.used_rows++ * row_floats_;
    } else {
      row = mixed_ + t * row_floats_;
    }
    for (int k = 0; k < streams_; ++k) src[k] = cache.table_row(positions[static_cast<size_t>(k) * stride + t]);
    if (contiguous_) {
      // Chunked and vision sections: one run per stream, copied whole (vectorised loops).
      for (int k = 0; k < streams_; ++k)
        for (const Run& run : runs_[k]) copy_run(row, src[k], p, static_cast<size_t>(run.first), static_cast<size_t>(run.count));
      ptrs_[t] = row;
      continue;
    }
#if ROPE_HAVE_SIMD128
    // Four pairs at a time: stream 0's lanes, then each other stream's selected over them.
    for (size_t half = 0; half <= p; half += p) {
      for (size_t i = 0; i < vec_pairs; i += 4) {
        v128_t v = wasm_v128_load(src[0] + half + i);
        for (int k = 1; k < streams_; ++k) {
          if (!group_has_[k][i / 4]) continue;
          v = wasm_v128_bitselect(wasm_v128_load(src[k] + half + i), v, wasm_v128_load(masks_[k].data() + i));
        }
        wasm_v128_store(row + half + i, v);
      }
    }
#else
    for (size_t i = 0; i < vec_pairs; ++i) {
      const float* s = src[stream_of_[i]];
      row[i] = s[i];
      row[p + i] = s[p + i];
    }
#endif
    for (size_t i = vec_pairs; i < p; ++i) {  // the pairs past the last group of 4
      const float* s = src[stream_of_[i]];
      row[i] = s[i];
      row[p + i] = s[p + i];
    }
    ptrs_[t] = row;
  }
}

Status PositionStreams::gather_by_lookup(CosSinCache& cache, const int32_t* positions, size_t stride,
                                         size_t count) {
  const size_t rf = row_floats_;
  const size_t p = static_cast<size_t>(pairs_);
  const float* const* r0 = nullptr;
  Status st = cache.rows_for(positions, 0, count, &r0, false);
  if (st != Status::kOk) return st;
  // Stream 0's rows: kept where they are table rows of unmixed tokens; copied into the
  // block otherwise (mixed tokens get their other streams' pairs written over them; rows
  // from the per-call scratch would be overwritten by the next lookup).
  size_t n_mixed = 0;
  for (size_t t = 0; t < count; ++t) {
    if (!is_mixed_[t] && cache.in_table(r0[t])) {
      ptrs_[t] = r0[t];
      continue;
    }
    float* row = mixed_ + t * rf;
    std::memcpy(row, r0[t], rf * sizeof(float));
    ptrs_[t] = row;
    if (is_mixed_[t]) mixed_index_[n_mixed++] = static_cast<uint16_t>(t);
  }
  for (int k = 1; k < streams_; ++k) {
    if (runs_[k].empty()) continue;
    for (size_t j = 0; j < n_mixed; ++j)
      gather_[j] = positions[static_cast<size_t>(k) * stride + mixed_index_[j]];
    const float* const* rk = nullptr;
    st = cache.rows_for(gather_, 0, n_mixed, &rk, false);
    if (st != Status::kOk) return st;
    for (size_t j = 0; j < n_mixed; ++j) {
      float* row = mixed_ + static_cast<size_t>(mixed_index_[j]) * rf;
      for (const Run& run : runs_[k]) copy_run(row, rk[j], p, static_cast<size_t>(run.first), static_cast<size_t>(run.count));
    }
  }
  return Status::kOk;
}

}  // namespace rope
