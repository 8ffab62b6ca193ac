// The benchmarks' ceiling pass: every element, tails included, is x * a + b.
#include <gtest/gtest.h>

#include <vector>

#include "reference.h"
#include "stream_pass.h"

TEST(StreamPass, EveryElementIsXTimesAPlusB) {
  for (size_t n : {0u, 1u, 3u, 4u, 7u, 63u, 64u, 65u, 127u, 128u, 200u, 4096u, 4099u}) {
    const std::vector<float> x0 = rope_test::random_floats(n, static_cast<uint32_t>(n + 1));
    std::vector<float> x = x0;
    rope::stream_axpb(x.data(), n, 0.999f, 0.001f);
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(x[i], x0[i] * 0.999f + 0.001f) << "n=" << n << " i=" << i;
  }
}
