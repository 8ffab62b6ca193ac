// The cos/sin cache on its own: rows 64-byte aligned wherever they come from (table, per-call
// scratch, recent rows), rows kept exact across table growth, and the aligned allocator.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "aligned_alloc.h"
#include "rope_cache.h"

using namespace rope;

namespace {

bool aligned64(const void* p) { return reinterpret_cast<uintptr_t>(p) % 64 == 0; }

std::vector<double> inv_freq_for(int rotary_dim, double base) {
  std::vector<double> f(static_cast<size_t>(rotary_dim / 2));
  for (size_t i = 0; i < f.size(); ++i) f[i] = std::pow(base, -2.0 * static_cast<double>(i) / rotary_dim);
  return f;
}

// The row for one position, checked against cos/sin in double: a row is rotaryDim/2 cos,
// then rotaryDim/2 sin, each the float nearest the double value (within an ulp).
void expect_row(const float* row, const std::vector<double>& inv_freq, int64_t pos) {
  const size_t pairs = inv_freq.size();
  for (size_t i = 0; i < pairs; ++i) {
    const double angle = static_cast<double>(pos) * inv_freq[i];
    ASSERT_NEAR(row[i], std::cos(angle), 1.2e-7) << "pos " << pos << " pair " << i;
    ASSERT_NEAR(row[pairs + i], std::sin(angle), 1.2e-7) << "pos " << pos << " pair " << i;
  }
}

}  // namespace

TEST(AlignedAlloc, Gives64ByteAlignedBlocksAndRefusesOverflow) {
  for (size_t n : {0u, 1u, 3u, 16u, 17u, 1000u, 65536u}) {
    float* p = alloc_aligned_floats(n);
    ASSERT_NE(p, nullptr) << n;
    EXPECT_TRUE(aligned64(p)) << n;
    for (size_t i = 0; i < n; ++i) p[i] = 1.0f;  // the whole block is usable (ASan checks)
    std::free(p);
  }
  EXPECT_EQ(alloc_aligned_floats(static_cast<size_t>(-1) / 2), nullptr);
}

TEST(AlignedAlloc, GrowingKeepsDataAndAlignment) {
  float* p = alloc_aligned_floats(16);
  ASSERT_NE(p, nullptr);
  size_t n = 16;
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<float>(i);
  // Small allocations in between, so that realloc has to move the block some of the time.
  std::vector<void*> in_between;
  for (size_t next : {40u, 1000u, 1003u, 70000u, 300000u}) {
    in_between.push_back(std::malloc(24));
    p = realloc_aligned_floats(p, n, next);
    ASSERT_NE(p, nullptr) << next;
    EXPECT_TRUE(aligned64(p)) << next;
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(p[i], static_cast<float>(i)) << next;
    for (size_t i = n; i < next; ++i) p[i] = static_cast<float>(i);
    n = next;
  }
  std::free(p);
  for (void* q : in_between) std::free(q);
  EXPECT_EQ(realloc_aligned_floats(nullptr, 0, static_cast<size_t>(-1) / 2), nullptr);
}

TEST(Cache, RowsAreAlignedAndExactAcrossTableGrowthScratchAndRecentRows) {
  for (int rotary_dim : {64, 96, 128}) {
    SCOPED_TRACE(rotary_dim);
    const std::vector<double> inv_freq = inv_freq_for(rotary_dim, 10000);
    const size_t row_bytes = static_cast<size_t>(rotary_dim) * sizeof(float);
    CosSinCache cache;
    // Room for 4096 rows: positions past that are computed per call.
    ASSERT_EQ(cache.init(rotary_dim, 4096.0 * static_cast<double>(row_bytes)), Status::kOk);
    cache.set_frequencies(inv_freq.data(), 1.0);
    const float* const* rows = nullptr;
    // The table grows from 64 rows to 128, then 1024, then 4096: each growth moves the rows.
    for (int64_t start : {0, 100, 1000, 4000}) {
      ASSERT_EQ(cache.rows_for(nullptr, start, 8, &rows), Status::kOk);
      for (int64_t t = 0; t < 8; ++t) {
        EXPECT_TRUE(aligned64(rows[t])) << start + t;
        expect_row(rows[t], inv_freq, start + t);
      }
    }
    // After the growths, rows filled before them still hold their positions' values.
    const int32_t early[] = {0, 5, 63, 99, 1023};
    ASSERT_EQ(cache.rows_for(early, 0, 5, &rows), Status::kOk);
    for (size_t t = 0; t < 5; ++t) expect_row(rows[t], inv_freq, early[t]);
    EXPECT_EQ(cache.table_rows(), 4096u);
    // One token (decode) at the table's first and last rows, just past it, and before it.
    for (int64_t pos : {int64_t{0}, int64_t{4095}, int64_t{4096}, int64_t{-1}, int64_t{2047}}) {
      ASSERT_EQ(cache.rows_for(nullptr, pos, 1, &rows), Status::kOk);
      EXPECT_TRUE(aligned64(rows[0])) << pos;
      expect_row(rows[0], inv_freq, pos);
    }
    // Past the bound: a block (scratch) and single decode tokens (recent rows).
    ASSERT_EQ(cache.rows_for(nullptr, 1000000, 3, &rows), Status::kOk);
    for (int64_t t = 0; t < 3; ++t) {
      EXPECT_TRUE(aligned64(rows[t]));
      expect_row(rows[t], inv_freq, 1000000 + t);
    }
    for (int64_t pos = 2000000; pos < 2000012; ++pos) {
      ASSERT_EQ(cache.rows_for(nullptr, pos, 1, &rows), Status::kOk);
      EXPECT_TRUE(aligned64(rows[0])) << pos;
      expect_row(rows[0], inv_freq, pos);
    }
    EXPECT_EQ(cache.table_rows(), 4096u);
  }
}
