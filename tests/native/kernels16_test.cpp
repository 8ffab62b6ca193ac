// The 16-bit kernels and their in-register conversions.
// - The SIMD conversions (rope_half_simd128.h) against the scalar ones (rope_half.h): every
//   fp16 and bf16 pattern widened; every rounding boundary and tie of fp16 and bf16 narrowed,
//   plus a sweep of float32 patterns; each fast form's "needs the scalar path" test fires
//   exactly where it must (and never on values real tensors hold).
// - Every 16-bit kernel in the registry against the 16-bit scalar reference, bit for bit:
//   both layouts and types, every even rotary dim up to 66 (all tails) and the fixed sizes,
//   odd head counts, padded head and token strides, inverse, a row scale, and tensors full of
//   the special values (Inf, NaN, zeros, subnormals, results that overflow or underflow).
// - The 16-bit scalar reference against the float32 reference kernel on the widened input,
//   rounded to nearest even: the semantics the public API promises.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/rope_half_simd128.h"
#include "kernels/rope_kernels.h"
#include "reference.h"

using namespace rope;

namespace {

bool same_bits_or_both_nan(float a, float b) {
  return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
}

uint16_t narrow1(DType t, float f) { return t == DType::kFloat16 ? f32_to_f16(f) : f32_to_bf16(f); }
float widen1(DType t, uint16_t h) { return t == DType::kFloat16 ? f16_to_f32(h) : bf16_to_f32(h); }

}  // namespace

#if ROPE_HAVE_SIMD128

using namespace rope::half_simd;

namespace {

void store8(v128_t v, uint16_t* out) { wasm_v128_store(out, v); }
void store4f(v128_t v, float* out) { wasm_v128_store(out, v); }
v128_t load8(const uint16_t* p) { return wasm_v128_load(p); }
v128_t load4f(const float* p) { return wasm_v128_load(p); }

// The fp16 fast narrowing of 8 floats: true and the bits when every lane is in range.
bool f16_fast8(const float* f, uint16_t* out) {
  const v128_t a = load4f(f), b = load4f(f + 4);
  const v128_t m = pack16(f16_round_magnitude(a), f16_round_magnitude(b));
  const v128_t t = f16_range_offset(m);
  if (!f16_in_range(t, t)) return false;
  store8(wasm_v128_or(m, f16_signs(a, b)), out);
  return true;
}

bool bf16_fast8(const float* f, uint16_t* out) {
  const v128_t a = load4f(f), b = load4f(f + 4);
  if (any_nan2(a, b)) return false;
  store8(pack16(bf16_round(a), bf16_round(b)), out);
  return true;
}

// Checks the fast fp16 narrowing of x (in one lane, the others 1.0): when it accepts, the
// bits equal the scalar conversion's; it must accept every |x| in [2^-14, 65536), i.e. every
// x whose result is a normal fp16 or the infinity 65520..65535 round to.
void check_f16_narrow(float x, size_t* accepted) {
  float lanes[8];
  for (int i = 0; i < 8; ++i) lanes[i] = 1.0f;
  lanes[static_cast<size_t>(float_to_bits(x)) % 8] = x;
  uint16_t got[8];
  if (f16_fast8(lanes, got)) {
    ++*accepted;
    for (int i = 0; i < 8; ++i) ASSERT_EQ(got[i], f32_to_f16(lanes[i])) << "x bits " << std::hex << float_to_bits(x);
  } else {
    // Refused: only inputs outside [2^-14, 65536) (zero, subnormal results, overflow, NaN).
    const uint32_t a = float_to_bits(x) & 0x7fffffffu;
    ASSERT_TRUE(a < 0x38800000u || a >= 0x47800000u) << std::hex << float_to_bits(x);
  }
}

}  // namespace

TEST(HalfSimd, Fp16WideningMatchesScalarForEveryPattern) {
  size_t special = 0;
  for (uint32_t base = 0; base < 65536; base += 8) {
    uint16_t h[8];
    for (int i = 0; i < 8; ++i) h[i] = static_cast<uint16_t>(base + i);
    const v128_t v = load8(h);
    bool has_inf_nan = false;
    for (int i = 0; i < 8; ++i) has_inf_nan |= (h[i] & 0x7c00) == 0x7c00;
    ASSERT_EQ(f16_any_inf_nan(v, load8(h)), has_inf_nan) << base;
    // The test sees a lane in either operand.
    const uint16_t ones[8] = {0x3c00, 0x3c00, 0x3c00, 0x3c00, 0x3c00, 0x3c00, 0x3c00, 0x3c00};
    ASSERT_EQ(f16_any_inf_nan(load8(ones), v), has_inf_nan) << base;
    float lo[4], hi[4];
    store4f(f16_widen_lo(v), lo);
    store4f(f16_widen_hi(v), hi);
    for (int i = 0; i < 8; ++i) {
      if ((h[i] & 0x7c00) == 0x7c00) {
        ++special;
        continue;  // Inf/NaN: the kernels take the scalar path
      }
      const float got = i < 4 ? lo[i] : hi[i - 4];
      ASSERT_TRUE(same_bits_or_both_nan(got, f16_to_f32(h[i]))) << std::hex << h[i];
      ASSERT_EQ(float_to_bits(got), float_to_bits(f16_to_f32(h[i]))) << std::hex << h[i];
    }
  }
  EXPECT_EQ(special, 2048u);
}

TEST(HalfSimd, Bf16WideningMatchesScalarForEveryPattern) {
  for (uint32_t base = 0; base < 65536; base += 8) {
    uint16_t h[8];
    for (int i = 0; i < 8; ++i) h[i] = static_cast<uint16_t>(base + i);
    float lo[4], hi[4];
    store4f(bf16_widen_lo(load8(h)), lo);
    store4f(bf16_widen_hi(load8(h)), hi);
    for (int i = 0; i < 8; ++i) ASSERT_EQ(float_to_bits(i < 4 ? lo[i] : hi[i - 4]), float_to_bits(bf16_to_f32(h[i])));
  }
}

TEST(HalfSimd, Fp16FastNarrowingIsExactAtEveryTieAndBoundary) {
  size_t accepted = 0;
  // Every fp16 rounding interval: the float32s just below, at and past each tie (low 13
  // bits 0x1000) and at each representable value, both signs, every exponent.
  for (uint32_t prefix = 0; prefix < (1u << 19); ++prefix)
    for (uint32_t low : {0x0000u, 0x0001u, 0x0fffu, 0x1000u, 0x1001u, 0x1fffu})
      for (uint32_t sign : {0u, 0x80000000u}) {
        check_f16_narrow(bits_to_float(sign | (prefix << 13) | low), &accepted);
        if (HasFatalFailure()) return;
      }
  // A sweep of all float32 patterns.
  for (uint64_t w = 0; w < (1ull << 32); w += 65521) {
    check_f16_narrow(bits_to_float(static_cast<uint32_t>(w)), &accepted);
    if (HasFatalFailure()) return;
  }
  EXPECT_GT(accepted, 700000u);  // the 30 exponents of the normal range, both signs
  // Values real tensors hold take the fast path: [2^-14, 65504] and their negatives.
  uint16_t out[8];
  const float typical[8] = {1.0f, -0.5f, 65504.0f, -6.1035156e-5f, 0.1234f, -3.0f, 1000.0f, 7.0f};
  EXPECT_TRUE(f16_fast8(typical, out));
  const float with_zero[8] = {1.0f, 0.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f};
  EXPECT_FALSE(f16_fast8(with_zero, out));
}

TEST(HalfSimd, Bf16FastNarrowingIsExactAtEveryTie) {
  // Ties at bit 16 and their neighbours for every bf16 prefix, and a sweep of all patterns.
  std::vector<uint32_t> words;
  for (uint32_t prefix = 0; prefix < 65536; ++prefix)
    for (uint32_t low : {0x0000u, 0x0001u, 0x7fffu, 0x8000u, 0x8001u, 0xffffu}) words.push_back((prefix << 16) | low);
  for (uint64_t w = 0; w < (1ull << 32); w += 65521) words.push_back(static_cast<uint32_t>(w));
  size_t nan_groups = 0;
  for (size_t i = 0; i + 8 <= words.size(); i += 8) {
    float f[8];
    bool nan = false;
    for (int k = 0; k < 8; ++k) {
      f[k] = bits_to_float(words[i + k]);
      nan |= std::isnan(f[k]);
    }
    uint16_t got[8];
    const bool fast = bf16_fast8(f, got);
    if (nan) {
      ASSERT_FALSE(fast);
      ++nan_groups;
      continue;
    }
    if (!fast) continue;  // a NaN made from infinities of opposite signs: the scalar path
    for (int k = 0; k < 8; ++k) ASSERT_EQ(got[k], f32_to_bf16(f[k])) << std::hex << words[i + k];
  }
  EXPECT_GT(nan_groups, 0u);
}

#endif  // ROPE_HAVE_SIMD128

namespace {

std::vector<float> make_rows(int rotary_dim, int tokens, float amplitude) {
  std::vector<float> rows(row_floats(rotary_dim) * tokens);
  const int pairs = rotary_dim / 2;
  const auto f = rope_test::default_inv_freq(10000, rotary_dim);
  for (int t = 0; t < tokens; ++t)
    for (int i = 0; i < pairs; ++i) {
      rows[row_floats(rotary_dim) * t + i] = amplitude * static_cast<float>(std::cos((t + 1000) * f[i]));
      rows[row_floats(rotary_dim) * t + pairs + i] = amplitude * static_cast<float>(std::sin((t + 1000) * f[i]));
    }
  return rows;
}

// A 16-bit tensor of random values with every kind of special value sprinkled in (one in
// `every` elements), so the fast groups and the scalar groups are both exercised.
std::vector<uint16_t> make_tensor16(DType t, size_t n, uint32_t seed, size_t every) {
  const auto f = rope_test::random_floats(n, seed);
  std::vector<uint16_t> h(n);
  const uint16_t f16_special[] = {0x7c00, 0xfc00, 0x7e00, 0x7c01, 0x0000, 0x8000, 0x0001, 0x03ff, 0x7bff, 0xfbff, 0x0400};
  const uint16_t bf16_special[] = {0x7f80, 0xff80, 0x7fc0, 0x7f81, 0x0000, 0x8000, 0x0001, 0x007f, 0x7f7f, 0xff7f, 0x0080};
  for (size_t i = 0; i < n; ++i) {
    h[i] = narrow1(t, f[i] * (i % 3 == 0 ? 30000.0f : 1.0f));
    if (every && (i * 2654435761u) % every == 0) h[i] = (t == DType::kFloat16 ? f16_special : bf16_special)[(i / every) % 11];
  }
  return h;
}

struct Case {
  int rd, tokens, heads, head_dim;
  size_t head_stride, token_stride;
};

void run_case(const Kernel16Entry& k, DType type, const Case& c, bool inverse, float scale, float amplitude,
              size_t every, uint32_t seed) {
  const Kernel16Fn reference = k.layout == Layout::kHalf ? rope_half_16bit_scalar : rope_interleaved_16bit_scalar;
  const auto rows = make_rows(c.rd, c.tokens, amplitude);
  std::vector<const float*> row_ptrs(c.tokens);
  for (int t = 0; t < c.tokens; ++t) row_ptrs[t] = &rows[row_floats(c.rd) * t];
  const size_t n = c.token_stride * c.tokens;
  auto x = make_tensor16(type, n, seed, every);
  const auto original = x;
  auto y = x;
  KernelArgs16 a{x.data(), static_cast<size_t>(c.tokens), static_cast<size_t>(c.heads), c.token_stride, c.head_stride,
                 c.rd, row_ptrs.data(), inverse, scale};
  k.fn(a, type);
  a.x = y.data();
  reference(a, type);
  for (size_t i = 0; i < n; ++i) {
    // NaN stays NaN (its sign follows the instructions a compiler picks for each path).
    if (std::isnan(widen1(type, y[i])) && std::isnan(widen1(type, x[i]))) continue;
    ASSERT_EQ(x[i], y[i]) << k.name << " type " << static_cast<int>(type) << " rd=" << c.rd << " heads=" << c.heads
                          << " element " << i << " inverse=" << inverse << " scale=" << scale;
    // Elements outside the vectors' rotated channels are never written.
    const size_t in_token = i % c.token_stride;
    const size_t head = in_token / c.head_stride, in_head = in_token % c.head_stride;
    if (head >= static_cast<size_t>(c.heads) || in_head >= static_cast<size_t>(c.rd))
      ASSERT_EQ(x[i], original[i]) << "untouched " << i;
  }
}

}  // namespace

TEST(Kernels16, EveryVariantEqualsTheScalarReferenceBitForBit) {
  size_t count = 0;
  const Kernel16Entry* entries = kernel16_registry(&count);
#if ROPE_HAVE_SIMD128
  ASSERT_EQ(count, 4u);
#else
  ASSERT_EQ(count, 2u);
#endif
  std::vector<int> dims;
  for (int rd = 2; rd <= 66; rd += 2) dims.push_back(rd);
  for (int rd : {80, 96, 128, 256}) dims.push_back(rd);
  for (size_t e = 0; e < count; ++e)
    for (DType type : {DType::kFloat16, DType::kBFloat16})
      for (int rd : dims)
        for (int heads : {1, 3, 5}) {
          // Dense heads, then padded heads and tokens (gaps that must stay untouched).
          const Case dense{rd, 3, heads, rd, static_cast<size_t>(rd), static_cast<size_t>(rd) * heads};
          const Case padded{rd, 2, heads, rd + 6, static_cast<size_t>(rd) + 6, (static_cast<size_t>(rd) + 6) * heads + 10};
          for (const Case& c : {dense, padded})
            for (bool inverse : {false, true})
              for (float scale : {1.0f, 0.8264463f}) {
                run_case(entries[e], type, c, inverse, scale, 1.0f, 0, static_cast<uint32_t>(rd * 31 + heads));
                run_case(entries[e], type, c, inverse, scale, 1.0f, 7, static_cast<uint32_t>(rd * 37 + heads));
                if (HasFatalFailure()) return;
              }
        }
}

// Rows with a large attention factor (results overflow fp16 and bf16 ranges) and a tiny one
// (results underflow into subnormals and zero): the groups that leave the fast range.
TEST(Kernels16, ResultsOutsideTheFastRangeTakeTheExactPath) {
  size_t count = 0;
  const Kernel16Entry* entries = kernel16_registry(&count);
  for (size_t e = 0; e < count; ++e)
    for (DType type : {DType::kFloat16, DType::kBFloat16})
      for (float amplitude : {3.0f, 1e-4f, 1e-6f, 1e30f})
        for (int rd : {16, 24, 64, 128}) {
          const Case c{rd, 4, 3, rd, static_cast<size_t>(rd), static_cast<size_t>(rd) * 3};
          run_case(entries[e], type, c, false, 1.0f, amplitude, 0, static_cast<uint32_t>(rd));
          run_case(entries[e], type, c, true, 1.0f, amplitude, 5, static_cast<uint32_t>(rd + 1));
          if (HasFatalFailure()) return;
        }
}

// The 16-bit reference is the float32 reference kernel on the widened tensor, rounded.
TEST(Kernels16, ScalarReferenceIsTheFloat32KernelRounded) {
  for (DType type : {DType::kFloat16, DType::kBFloat16})
    for (Layout layout : {Layout::kHalf, Layout::kInterleaved})
      for (int rd : {6, 64, 80}) {
        const int tokens = 5, heads = 3;
        const size_t n = static_cast<size_t>(tokens) * heads * rd;
        const auto rows = make_rows(rd, tokens, 1.0f);
        std::vector<const float*> row_ptrs(tokens);
        for (int t = 0; t < tokens; ++t) row_ptrs[t] = &rows[row_floats(rd) * t];
        auto h = make_tensor16(type, n, 99, 5);
        std::vector<float> f(n);
        for (size_t i = 0; i < n; ++i) f[i] = widen1(type, h[i]);
        for (bool inverse : {false, true}) {
          auto hx = h;
          auto fx = f;
          KernelArgs16 a16{hx.data(), static_cast<size_t>(tokens), static_cast<size_t>(heads),
                           static_cast<size_t>(heads) * rd, static_cast<size_t>(rd), rd, row_ptrs.data(), inverse, 1.0f};
          KernelArgs a32{fx.data(), static_cast<size_t>(tokens), static_cast<size_t>(heads),
                         static_cast<size_t>(heads) * rd, static_cast<size_t>(rd), rd, row_ptrs.data(), inverse, 1.0f};
          (layout == Layout::kHalf ? rope_half_16bit_scalar : rope_interleaved_16bit_scalar)(a16, type);
          (layout == Layout::kHalf ? rope_half_scalar : rope_interleaved_scalar)(a32);
          for (size_t i = 0; i < n; ++i) {
            const uint16_t want = narrow1(type, fx[i]);
            if (std::isnan(fx[i])) {
              ASSERT_TRUE(std::isnan(widen1(type, hx[i]))) << i;
            } else {
              ASSERT_EQ(hx[i], want) << i;
            }
          }
        }
      }
}
