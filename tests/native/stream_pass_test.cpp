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

// The 16-bit pass: every element widened, x * a + b in float32, rounded to nearest even,
// bit for bit as the scalar conversions, special values (Inf, NaN, zero, subnormals, results
// that overflow) and tails included.
TEST(StreamPass, SixteenBitEveryElementIsTheRoundedFloat32Result) {
  for (rope::DType t : {rope::DType::kFloat16, rope::DType::kBFloat16})
    for (size_t n : {0u, 1u, 15u, 16u, 17u, 64u, 200u, 4099u})
      for (float a : {0.999f, 3e4f, 1e-6f}) {
        const std::vector<float> f = rope_test::random_floats(n, static_cast<uint32_t>(n + 7));
        std::vector<uint16_t> x(n);
        for (size_t i = 0; i < n; ++i) {
          x[i] = t == rope::DType::kFloat16 ? rope::f32_to_f16(f[i]) : rope::f32_to_bf16(f[i]);
          if (i % 37 == 5) x[i] = t == rope::DType::kFloat16 ? 0x7c00 : 0x7f80;  // +Inf
          if (i % 41 == 6) x[i] = t == rope::DType::kFloat16 ? 0x7e00 : 0x7fc0;  // NaN
          if (i % 43 == 7) x[i] = 0x0001;                                         // smallest subnormal
        }
        const std::vector<uint16_t> x0 = x;
        rope::stream_axpb16(t, x.data(), n, a, 0.001f);
        for (size_t i = 0; i < n; ++i) {
          const float w = t == rope::DType::kFloat16 ? rope::f16_to_f32(x0[i]) : rope::bf16_to_f32(x0[i]);
          const uint16_t want = t == rope::DType::kFloat16 ? rope::f32_to_f16(w * a + 0.001f) : rope::f32_to_bf16(w * a + 0.001f);
          ASSERT_EQ(x[i], want) << "dtype " << static_cast<int>(t) << " n=" << n << " i=" << i << " a=" << a;
        }
      }
}
