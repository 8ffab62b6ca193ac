// The core's entry points against a float64 reference: layouts, partial rotary, orders,
// offsets, per-token positions, inverse, applyQK, huge positions, and status codes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "reference.h"
#include "rope_apply.h"

using namespace rope;
using rope_test::default_inv_freq;
using rope_test::random_floats;
using rope_test::reference_rotate;

namespace {

// The tolerance the library guarantees: max |y - y_ref| <= 3e-7 * max|x|.
constexpr double kTol = 3e-7;

struct RopeHandle {
  Rope* r = nullptr;
  explicit RopeHandle(const RopeConfig& c) { EXPECT_EQ(rope_create(c, &r), Status::kOk); }
  ~RopeHandle() { rope_destroy(r); }
};

RopeConfig make_config(int head_dim, int rotary_dim, double base, Layout layout) {
  RopeConfig c;
  c.head_dim = head_dim;
  c.rotary_dim = rotary_dim;
  c.base = base;
  c.layout = layout;
  return c;
}

double max_abs(const std::vector<float>& v) {
  double m = 0;
  for (float x : v) m = std::max(m, static_cast<double>(std::fabs(x)));
  return m;
}

// Checks x (rotated by the core) against the reference applied to x0.
void expect_matches_reference(const std::vector<float>& x0, const std::vector<float>& x, int tokens, int heads,
                              int head_dim, int rotary_dim, bool interleaved, double base, Order order,
                              const std::vector<int64_t>& positions, bool inverse = false) {
  const auto f = default_inv_freq(base, rotary_dim);
  const double bound = kTol * max_abs(x0);
  double worst = 0;
  for (int t = 0; t < tokens; ++t)
    for (int h = 0; h < heads; ++h) {
      const size_t off = order == Order::kTokenMajor ? (static_cast<size_t>(t) * heads + h) * head_dim
                                                     : (static_cast<size_t>(h) * tokens + t) * head_dim;
      const auto y = reference_rotate(&x0[off], head_dim, rotary_dim, interleaved, f,
                                      static_cast<double>(positions[t]), 1.0, inverse);
      for (int d = 0; d < head_dim; ++d) {
        worst = std::max(worst, std::fabs(y[d] - x[off + d]));
        if (d >= rotary_dim) ASSERT_EQ(x[off + d], x0[off + d]) << "pass-through channel " << d << " changed";
      }
    }
  EXPECT_LE(worst, bound) << "tokens=" << tokens << " heads=" << heads << " headDim=" << head_dim
                          << " rotaryDim=" << rotary_dim << " interleaved=" << interleaved;
}

struct Case {
  int head_dim, rotary_dim, heads, tokens;
  Layout layout;
  Order order;
};

}  // namespace

TEST(Apply, MatchesFloat64ReferenceAcrossShapes) {
  const Case cases[] = {
      {128, 128, 32, 3, Layout::kHalf, Order::kTokenMajor},
      {128, 128, 32, 3, Layout::kInterleaved, Order::kTokenMajor},
      {64, 64, 8, 300, Layout::kHalf, Order::kHeadMajor},  // crosses a 256-token block
      {64, 64, 8, 300, Layout::kInterleaved, Order::kHeadMajor},
      {256, 64, 2, 5, Layout::kInterleaved, Order::kTokenMajor},  // GPT-J: 64 of 256
      {80, 32, 3, 7, Layout::kHalf, Order::kTokenMajor},          // Phi-2 style: 0.4 of 80
      {6, 6, 1, 9, Layout::kHalf, Order::kTokenMajor},            // 3 pairs: all tail
      {10, 6, 5, 4, Layout::kInterleaved, Order::kHeadMajor},     // odd pair count + pass-through
      {2, 2, 1, 1, Layout::kHalf, Order::kTokenMajor},
      {2, 2, 3, 2, Layout::kInterleaved, Order::kTokenMajor},
  };
  for (const Case& k : cases) {
    RopeHandle r(make_config(k.head_dim, k.rotary_dim, 10000, k.layout));
    const size_t n = static_cast<size_t>(k.tokens) * k.heads * k.head_dim;
    const auto x0 = random_floats(n, static_cast<uint32_t>(n));
    auto x = x0;
    ApplyParams p;
    p.num_heads = k.heads;
    p.order = k.order;
    p.start = 17;
    ASSERT_EQ(rope_apply(r.r, x.data(), n, p), Status::kOk);
    std::vector<int64_t> pos(k.tokens);
    for (int t = 0; t < k.tokens; ++t) pos[t] = 17 + t;
    expect_matches_reference(x0, x, k.tokens, k.heads, k.head_dim, k.rotary_dim,
                             k.layout == Layout::kInterleaved, 10000, k.order, pos);
  }
}

TEST(Apply, ExactAtHugePositionsUpTo2Pow24) {
  for (Layout layout : {Layout::kHalf, Layout::kInterleaved}) {
    RopeHandle r(make_config(128, 128, 10000, layout));
    std::vector<int32_t> positions = {0, 1, 4095, 65536, 1000000, 1 << 20, (1 << 24) - 1, 1 << 24, -5, -1000000};
    const int tokens = static_cast<int>(positions.size());
    const size_t n = static_cast<size_t>(tokens) * 4 * 128;
    const auto x0 = random_floats(n, 7);
    auto x = x0;
    ApplyParams p;
    p.num_heads = 4;
    p.positions = positions.data();
    ASSERT_EQ(rope_apply(r.r, x.data(), n, p), Status::kOk);
    std::vector<int64_t> pos(positions.begin(), positions.end());
    expect_matches_reference(x0, x, tokens, 4, 128, 128, layout == Layout::kInterleaved, 10000,
                             Order::kTokenMajor, pos);
  }
}

TEST(Apply, PositionsPastTheCacheBoundAreComputedExactly) {
  RopeConfig c = make_config(64, 64, 500000, Layout::kHalf);
  c.cache_limit_bytes = 64 * 64 * 4;  // a 64-row table
  RopeHandle r(c);
  const int tokens = 300;
  const size_t n = static_cast<size_t>(tokens) * 2 * 64;
  const auto x0 = random_floats(n, 11);
  auto x = x0;
  ApplyParams p;
  p.num_heads = 2;
  p.start = 1000000;  // far past the table: the recurrence path
  ASSERT_EQ(rope_apply(r.r, x.data(), n, p), Status::kOk);
  std::vector<int64_t> pos(tokens);
  for (int t = 0; t < tokens; ++t) pos[t] = 1000000 + t;
  expect_matches_reference(x0, x, tokens, 2, 64, 64, false, 500000, Order::kTokenMajor, pos);
  EXPECT_LE(rope_cache_rows(r.r), 64u);
}

TEST(Apply, DecodeAtLargePositionDoesNotGrowTableBeyondBound) {
  RopeConfig c = make_config(128, 128, 10000, Layout::kHalf);
  RopeHandle r(c);
  std::vector<float> x = random_floats(32 * 128, 3);
  ApplyParams p;
  p.num_heads = 32;
  for (int step = 0; step < 4; ++step) {
    p.start = 1000000 + step;
    ASSERT_EQ(rope_apply(r.r, x.data(), x.size(), p), Status::kOk);
  }
  // Past the bound (8 MiB / 512 bytes = 16384 rows) nothing is tabled: only the scratch
  // (256 rows) and the recent rows (8) of 512 bytes, and the per-pair state.
  EXPECT_EQ(rope_cache_rows(r.r), 0u);
  EXPECT_LE(rope_cache_bytes(r.r), 264u * 512 + 64 * 5 * 8);
  // Within the bound, the table grows to the next power of two covering the position.
  p.start = 4096;
  ASSERT_EQ(rope_apply(r.r, x.data(), x.size(), p), Status::kOk);
  EXPECT_EQ(rope_cache_rows(r.r), 8192u);
}

TEST(Apply, InverseUndoesForward) {
  for (Layout layout : {Layout::kHalf, Layout::kInterleaved}) {
    RopeHandle r(make_config(96, 64, 10000, layout));
    const size_t n = 50 * 3 * 96;
    const auto x0 = random_floats(n, 5);
    auto x = x0;
    ApplyParams p;
    p.num_heads = 3;
    p.start = 123456;
    ASSERT_EQ(rope_apply(r.r, x.data(), n, p), Status::kOk);
    p.inverse = true;
    ASSERT_EQ(rope_apply(r.r, x.data(), n, p), Status::kOk);
    double worst = 0;
    for (size_t i = 0; i < n; ++i) worst = std::max(worst, static_cast<double>(std::fabs(x[i] - x0[i])));
    EXPECT_LE(worst, 2 * kTol * max_abs(x0));
  }
}

TEST(Apply, InverseMatchesNegatedAngleReference) {
  RopeHandle r(make_config(32, 32, 10000, Layout::kInterleaved));
  const size_t n = 4 * 32;
  const auto x0 = random_floats(n, 9);
  auto x = x0;
  ApplyParams p;
  p.num_heads = 1;
  p.start = 99;
  p.inverse = true;
  ASSERT_EQ(rope_apply(r.r, x.data(), n, p), Status::kOk);
  expect_matches_reference(x0, x, 4, 1, 32, 32, true, 10000, Order::kTokenMajor, {99, 100, 101, 102}, true);
}

TEST(ApplyQK, GroupedQueryHeadsMatchTwoApplies) {
  for (Layout layout : {Layout::kHalf, Layout::kInterleaved}) {
    for (Order order : {Order::kTokenMajor, Order::kHeadMajor}) {
      RopeHandle r(make_config(64, 64, 10000, layout));
      const int tokens = 270, hq = 8, hk = 2;
      auto q0 = random_floats(static_cast<size_t>(tokens) * hq * 64, 1);
      auto k0 = random_floats(static_cast<size_t>(tokens) * hk * 64, 2);
      auto q = q0, k = k0, q2 = q0, k2 = k0;
      ApplyParams p;
      p.num_heads = hq;
      p.num_kv_heads = hk;
      p.order = order;
      p.start = 40;
      ASSERT_EQ(rope_apply_qk(r.r, q.data(), q.size(), k.data(), k.size(), p), Status::kOk);
      ApplyParams pq = p, pk = p;
      pk.num_heads = hk;
      ASSERT_EQ(rope_apply(r.r, q2.data(), q2.size(), pq), Status::kOk);
      ASSERT_EQ(rope_apply(r.r, k2.data(), k2.size(), pk), Status::kOk);
      EXPECT_EQ(q, q2);
      EXPECT_EQ(k, k2);
    }
  }
}

TEST(Status, BadInputIsReportedAndLeavesDataAlone) {
  RopeConfig c = make_config(7, 0, 10000, Layout::kHalf);
  Rope* r = nullptr;
  EXPECT_EQ(rope_create(c, &r), Status::kHeadDimInvalid);
  EXPECT_EQ(r, nullptr);
  c = make_config(8, 10, 10000, Layout::kHalf);
  EXPECT_EQ(rope_create(c, &r), Status::kRotaryDimInvalid);
  c = make_config(8, 3, 10000, Layout::kHalf);
  EXPECT_EQ(rope_create(c, &r), Status::kRotaryDimInvalid);
  c = make_config(8, 8, std::numeric_limits<double>::infinity(), Layout::kHalf);
  EXPECT_EQ(rope_create(c, &r), Status::kBaseInvalid);
  c = make_config(8, 8, 10000, static_cast<Layout>(5));
  EXPECT_EQ(rope_create(c, &r), Status::kLayoutInvalid);
  c = make_config(8, 8, 10000, Layout::kHalf);
  c.cache_limit_bytes = -1;
  EXPECT_EQ(rope_create(c, &r), Status::kCacheLimitInvalid);

  RopeHandle h(make_config(8, 8, 10000, Layout::kHalf));
  std::vector<float> x = random_floats(24, 4);
  const auto x0 = x;
  ApplyParams p;
  p.num_heads = 2;
  EXPECT_EQ(rope_apply(h.r, x.data(), 20, p), Status::kLengthInvalid);
  p.num_heads = 0;
  EXPECT_EQ(rope_apply(h.r, x.data(), 24, p), Status::kNumHeadsInvalid);
  p.num_heads = 1;
  p.order = static_cast<Order>(3);
  EXPECT_EQ(rope_apply(h.r, x.data(), 24, p), Status::kOrderInvalid);
  p.order = Order::kTokenMajor;
  p.start = std::numeric_limits<int32_t>::max() - 1;  // 3 tokens would pass int32
  EXPECT_EQ(rope_apply(h.r, x.data(), 24, p), Status::kPositionInvalid);
  p.start = 0;
  p.seq_len = std::nan("");
  EXPECT_EQ(rope_apply(h.r, x.data(), 24, p), Status::kSeqLenInvalid);
  EXPECT_EQ(x, x0);
  p.seq_len = 0;
  std::vector<float> k = random_floats(16, 5);
  p.num_kv_heads = 1;
  EXPECT_EQ(rope_apply_qk(h.r, x.data(), 24, k.data(), 16, p), Status::kTokenCountMismatch);
  EXPECT_EQ(x, x0);
  EXPECT_EQ(rope_apply(h.r, nullptr, 0, p), Status::kOk);  // zero tokens: nothing to do
  EXPECT_EQ(rope_apply(nullptr, x.data(), 24, p), Status::kNullPointer);
}

TEST(Status, EveryStatusHasAStableName) {
  EXPECT_STREQ(status_name(Status::kOk), "OK");
  EXPECT_STREQ(status_name(Status::kLengthInvalid), "LENGTH_INVALID");
  EXPECT_STREQ(status_name(Status::kCacheLimitInvalid), "CACHE_LIMIT_INVALID");
  EXPECT_STREQ(status_name(static_cast<Status>(999)), "UNKNOWN");
}

TEST(Apply, DynamicPastTrainedLengthComputesRowsPerCallWithoutATable) {
  RopeConfig c = make_config(128, 128, 10000, Layout::kHalf);
  c.scaling.type = ScalingType::kDynamic;
  c.scaling.factor = 2;
  c.scaling.max_position_embeddings = 4096;
  RopeHandle r(c);
  std::vector<float> x = random_floats(32 * 128, 8);
  ApplyParams p;
  p.num_heads = 32;
  for (int step = 0; step < 3; ++step) {
    p.start = 6000 + step;  // seq_len 6001.. : new frequencies every step
    ASSERT_EQ(rope_apply(r.r, x.data(), x.size(), p), Status::kOk);
    EXPECT_EQ(rope_cache_rows(r.r), 0u) << "a table rebuilt per decode step";
  }
  p.start = 100;  // back within the trained length: the table serves again
  ASSERT_EQ(rope_apply(r.r, x.data(), x.size(), p), Status::kOk);
  EXPECT_GT(rope_cache_rows(r.r), 100u);
}

TEST(Create, LongropeFactorsThatCannotBeUsedAreRefusedUpFront) {
  RopeConfig c = make_config(8, 8, 10000, Layout::kHalf);
  c.scaling.type = ScalingType::kLongrope;
  c.scaling.original_max_position_embeddings = 4096;
  c.scaling.attention_factor = 1.2;
  c.scaling.short_factor = {1, 1, 1, 1};
  c.scaling.long_factor = {1e-300, 1, 1, 1};  // frequency 1e300: unusable past 4096
  Rope* r = nullptr;
  EXPECT_EQ(rope_create(c, &r), Status::kScalingInvalid);
  EXPECT_EQ(r, nullptr);
}

// Calls alternating between the two sides of a seq-len-dependent scaling (two sequences in
// one rope: continuous batching) keep both regimes' tables instead of rebuilding one on every
// switch, and each side's result is the same bits as a rope that only ever saw that side.
TEST(Apply, AlternatingRegimesKeepBothTables) {
  RopeConfig lr = make_config(96, 96, 10000, Layout::kHalf);
  lr.scaling.type = ScalingType::kLongrope;
  lr.scaling.original_max_position_embeddings = 4096;
  lr.scaling.max_position_embeddings = 131072;
  lr.scaling.factor = 32;  // = max / original (they must agree)
  for (int i = 0; i < 48; ++i) {
    lr.scaling.short_factor.push_back(1.0 + i / 50.0);
    lr.scaling.long_factor.push_back(1.0 + i / 5.0);
  }
  RopeConfig dyn = make_config(64, 64, 10000, Layout::kHalf);
  dyn.scaling.type = ScalingType::kDynamic;
  dyn.scaling.factor = 2;
  dyn.scaling.max_position_embeddings = 4096;
  for (const RopeConfig& c : {lr, dyn}) {
    RopeHandle both(c), short_only(c), long_only(c);
    const int d = c.head_dim;
    ApplyParams p;
    p.num_heads = 4;
    size_t short_rows = 0;
    for (int step = 0; step < 6; ++step) {
      for (const int64_t base : {int64_t{1000}, int64_t{6000}}) {
        std::vector<float> x = random_floats(4 * d, static_cast<uint32_t>(step * 7 + base));
        std::vector<float> y = x;
        p.start = base + step;
        ASSERT_EQ(rope_apply(both.r, x.data(), x.size(), p), Status::kOk);
        ASSERT_EQ(rope_apply(base < 4096 ? short_only.r : long_only.r, y.data(), y.size(), p), Status::kOk);
        EXPECT_EQ(x, y) << "regime at " << p.start << ", step " << step;
        if (base < 4096) {
          if (step > 0) EXPECT_EQ(rope_cache_rows(both.r), short_rows) << "the short regime's table was rebuilt";
          short_rows = rope_cache_rows(both.r);
          EXPECT_GE(short_rows, 1024u);
        }
      }
    }
    // Switching back without a call keeps the table (a rebuild would start from 0 rows).
    ASSERT_EQ(rope_set_seq_len(both.r, 6100), Status::kOk);
    ASSERT_EQ(rope_set_seq_len(both.r, 1100), Status::kOk);
    EXPECT_EQ(rope_cache_rows(both.r), short_rows);
  }
}

// Dynamic NTK past its trained length, at a new sequence length every call, never evicts
// the table of the regime below it.
TEST(Apply, DynamicTransientLengthsDoNotEvictTheTrainedTable) {
  RopeConfig c = make_config(64, 64, 10000, Layout::kHalf);
  c.scaling.type = ScalingType::kDynamic;
  c.scaling.factor = 2;
  c.scaling.max_position_embeddings = 4096;
  RopeHandle r(c);
  std::vector<float> x = random_floats(64, 3);
  ApplyParams p;
  p.num_heads = 1;
  p.start = 2000;
  ASSERT_EQ(rope_apply(r.r, x.data(), x.size(), p), Status::kOk);
  const size_t rows = rope_cache_rows(r.r);
  EXPECT_GE(rows, 2001u);
  for (int step = 0; step < 5; ++step) {
    p.start = 5000 + step;
    ASSERT_EQ(rope_apply(r.r, x.data(), x.size(), p), Status::kOk);
    EXPECT_EQ(rope_cache_rows(r.r), 0u);
  }
  ASSERT_EQ(rope_set_seq_len(r.r, 2002), Status::kOk);
  EXPECT_EQ(rope_cache_rows(r.r), rows) << "the trained regime's table was dropped";
  p.start = 2001;
  ASSERT_EQ(rope_apply(r.r, x.data(), x.size(), p), Status::kOk);
  EXPECT_EQ(rope_cache_rows(r.r), rows);
}
