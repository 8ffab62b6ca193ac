// Every kernel in this build's registry against the scalar reference kernel, for every
// even rotary dim up to 66 (all tails), several head counts (both loop orders), inverse.
#include <gtest/gtest.h>

#include <vector>

#include "kernels/rope_kernels.h"
#include "reference.h"

using namespace rope;

namespace {

// Builds rows in the kernel's layout from angles t * freq (float64), as the cache does.
std::vector<float> make_rows(Layout layout, int rotary_dim, int tokens) {
  (void)layout;
  const size_t rf = row_floats(rotary_dim);
  std::vector<float> rows(rf * tokens);
  const int pairs = rotary_dim / 2;
  const auto f = rope_test::default_inv_freq(10000, rotary_dim);
  for (int t = 0; t < tokens; ++t) {
    float* row = &rows[rf * t];
    for (int i = 0; i < pairs; ++i) {
      const float c = static_cast<float>(std::cos((t + 3) * f[i]));
      const float s = static_cast<float>(std::sin((t + 3) * f[i]));
      row[i] = c;
      row[pairs + i] = s;
    }
  }
  return rows;
}

}  // namespace

TEST(Kernels, RegistryListsBothLayouts) {
  size_t n = 0;
  const KernelEntry* k = kernel_registry(&n);
  bool half = false, inter = false;
  for (size_t i = 0; i < n; ++i) {
    half |= k[i].layout == Layout::kHalf;
    inter |= k[i].layout == Layout::kInterleaved;
  }
  EXPECT_TRUE(half && inter);
#if ROPE_HAVE_SIMD128
  // Both SIMD variants are built here (wasm -msimd128, or natively via the 128-bit stand-in).
  EXPECT_EQ(n, 4u);
#else
  EXPECT_EQ(n, 2u);
#endif
}

// Runs a kernel (run(args)) and the scalar reference of its layout on the same random tensor
// and checks they agree bit for bit.
template <typename Run>
static void expect_run_matches_scalar(Layout layout, const char* name, Run run, int rd, int tokens, int heads,
                                      int head_dim, bool inverse, float scale, uint32_t seed) {
  const KernelFn reference = layout == Layout::kHalf ? rope_half_scalar : rope_interleaved_scalar;
  const auto rows = make_rows(layout, rd, tokens);
  std::vector<const float*> row_ptrs(tokens);
  for (int t = 0; t < tokens; ++t) row_ptrs[t] = &rows[row_floats(rd) * t];
  const size_t n = static_cast<size_t>(tokens) * heads * head_dim;
  auto x = rope_test::random_floats(n, seed);
  auto y = x;
  KernelArgs a{x.data(), static_cast<size_t>(tokens), static_cast<size_t>(heads),
               static_cast<size_t>(heads) * head_dim, static_cast<size_t>(head_dim), rd,
               row_ptrs.data(), inverse, scale};
  run(a);
  a.x = y.data();
  reference(a);
  ASSERT_EQ(x, y) << name << " rd=" << rd << " heads=" << heads << " inverse=" << inverse << " scale=" << scale;
}

static void expect_matches_scalar(const KernelEntry& k, int rd, int tokens, int heads, int head_dim, bool inverse,
                                  float scale, uint32_t seed) {
  expect_run_matches_scalar(k.layout, k.name, k.fn, rd, tokens, heads, head_dim, inverse, scale, seed);
}

// The rotary sizes with versions compiled for a fixed pair count (32, 64, 96, 128 and 256
// channels), besides every even size up to 66 (the run-time version, tails included).
static std::vector<int> rotary_dims_to_test() {
  std::vector<int> dims;
  for (int rd = 2; rd <= 66; rd += 2) dims.push_back(rd);
  for (int rd : {96, 128, 256}) dims.push_back(rd);
  return dims;
}

// Small blocks: the in-cache loops.
TEST(Kernels, EveryVariantEqualsScalarReferenceBitForBit) {
  size_t count = 0;
  const KernelEntry* entries = kernel_registry(&count);
  for (size_t e = 0; e < count; ++e)
    for (int rd : rotary_dims_to_test())
      for (int heads : {1, 3, 40})
        for (bool inverse : {false, true})
          for (float scale : {1.0f, 0.8264463f})
            expect_matches_scalar(entries[e], rd, 3, heads, rd + 4, inverse, scale,
                                  static_cast<uint32_t>(rd * 100 + heads));
}

// Blocks over 1 MiB take the streaming loops (interleaved, fixed pair counts: head 0 alone,
// then two heads per loaded cos/sin vector, then a last head when one is left; run-time pair
// counts: two heads at a time, then an odd last head): the same bits as the scalar
// reference, tails included, for fixed and run-time pair counts.
TEST(Kernels, StreamingPathEqualsScalarReference) {
  size_t count = 0;
  const KernelEntry* entries = kernel_registry(&count);
  for (size_t e = 0; e < count; ++e)
    for (int rd : {2, 6, 8, 14, 32, 64, 66, 96, 128, 256})
      for (bool inverse : {false, true})
        for (float scale : {1.0f, 0.8264463f}) {
          // Enough heads for a block past 1 MiB, and an odd count.
          const int heads = static_cast<int>((1u << 20) / (3 * rd * sizeof(float))) | 1;
          expect_matches_scalar(entries[e], rd, 3, heads, rd + 2, inverse, scale, static_cast<uint32_t>(rd + heads));
          // 1 to 4 heads, with enough tokens for a block past 1 MiB: every way the head
          // loops can start and end.
          for (int few : {1, 2, 3, 4}) {
            const int tokens = static_cast<int>((1u << 20) / (few * rd * sizeof(float))) + 1;
            expect_matches_scalar(entries[e], rd, tokens, few, rd, inverse, scale, static_cast<uint32_t>(rd + few));
          }
        }
}

// The variant resolved ahead of the call (what apply runs) gives the same bits as the scalar
// reference for every pair count, direction and row scale, in cache and streaming.
TEST(Kernels, ResolvedVariantEqualsScalarReference) {
  for (Layout layout : {Layout::kHalf, Layout::kInterleaved})
    for (int rd : rotary_dims_to_test())
      for (bool inverse : {false, true})
        for (float scale : {1.0f, 0.8264463f}) {
          const KernelVariantFn fn = best_kernel_variant(layout, rd / 2, inverse, scale != 1.0f);
          const auto run = [&](const KernelArgs& a) { fn(a, rd / 2); };
          expect_run_matches_scalar(layout, "variant", run, rd, 3, 5, rd + 4, inverse, scale, static_cast<uint32_t>(rd));
          // 600 tokens x 4 heads: over 1 MiB for rd >= 128 (streaming loops).
          if (rd >= 128) expect_run_matches_scalar(layout, "variant", run, rd, 600, 4, rd, inverse, scale, 7u);
        }
}
