// Views (rope_apply_view, rope_apply_qk_view): fused QKV, an MLA slice, [B, H, S, D]
// batches with a start per sequence, 16-bit tensors (the float32 result rounded to nearest
// even, bit for bit), relative rotation (shift), and every refusal. Also the 16-bit
// conversions against references written from the IEEE 754 rules.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "reference.h"
#include "rope_apply.h"
#include "rope_half.h"

using namespace rope;
using rope_test::random_floats;

namespace {

struct Handle {
  Rope* r = nullptr;
  explicit Handle(const RopeConfig& c) { EXPECT_EQ(rope_create(c, &r), Status::kOk); }
  ~Handle() { rope_destroy(r); }
};

RopeConfig config(int head_dim, int rotary_dim = 0, Layout layout = Layout::kHalf) {
  RopeConfig c;
  c.head_dim = head_dim;
  c.rotary_dim = rotary_dim;
  c.base = 10000;
  c.layout = layout;
  return c;
}

// Round to nearest even from the definition: the nearest representable value of the format
// (p significand bits, exponent range), ties to the even significand, computed in double.
uint16_t ref_f16(float f) {
  if (std::isnan(f)) return 0x7e00 | (std::signbit(f) ? 0x8000 : 0);
  const uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  double a = std::fabs(static_cast<double>(f));
  if (a >= 65520.0) return sign | 0x7c00;  // max 65504; halfway to 65536 and above round up
  // Quantum: 2^(e-10) for normals (e >= -14), 2^-24 for subnormals.
  int e = a == 0 ? -14 : static_cast<int>(std::floor(std::log2(a)));
  if (e < -14) e = -14;
  const double q = std::ldexp(1.0, e - 10);
  double m = a / q;
  double fl = std::floor(m);
  const double rem = m - fl;
  if (rem > 0.5 || (rem == 0.5 && std::fmod(fl, 2.0) == 1.0)) fl += 1;
  const double v = fl * q;
  // Encode v.
  if (v == 0) return sign;
  int ve = static_cast<int>(std::floor(std::log2(v)));
  if (ve < -14) return sign | static_cast<uint16_t>(v / std::ldexp(1.0, -24));
  const uint16_t exp = static_cast<uint16_t>(ve + 15);
  const uint16_t mant = static_cast<uint16_t>((v / std::ldexp(1.0, ve) - 1.0) * 1024.0 + 0.5);
  return sign | static_cast<uint16_t>(exp << 10) | mant;
}

float ref_f16_to_f32(uint16_t h) {
  const int e = (h >> 10) & 31, m = h & 1023;
  const double s = (h & 0x8000) ? -1.0 : 1.0;
  if (e == 31) return m ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(s * INFINITY);
  if (e == 0) return static_cast<float>(s * std::ldexp(m, -24));
  return static_cast<float>(s * std::ldexp(1024 + m, e - 25));
}

}  // namespace

TEST(Half, Fp16WideningIsExactForEveryPattern) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float got = f16_to_f32(static_cast<uint16_t>(h));
    const float want = ref_f16_to_f32(static_cast<uint16_t>(h));
    if (std::isnan(want)) {
      ASSERT_TRUE(std::isnan(got)) << h;
    } else {
      ASSERT_EQ(got, want) << h;
      ASSERT_EQ(f32_to_f16(got), h) << "round trip " << h;
    }
  }
}

TEST(Half, Fp16NarrowingRoundsToNearestEven) {
  std::vector<float> cases = {0.0f, -0.0f, 65504.0f, 65519.99f, 65520.0f, 1e9f, -1e9f, INFINITY, -INFINITY,
                              5.9604645e-8f, 2.9802322e-8f, 2.9802326e-8f, 8.940697e-8f, 6.1035156e-5f, 6.1035152e-5f,
                              1.0009765625f, 1.00048828125f, 1.00146484375f, 0.1f, -3.14159f};
  const auto r = random_floats(200000, 21);
  for (float v : r) {
    cases.push_back(v);
    cases.push_back(v * 70000.0f);
    cases.push_back(v * 1e-5f);
    cases.push_back(v * 1e-7f);
  }
  // Every tie between two adjacent fp16 values, and its neighbours.
  for (uint32_t h = 0; h < 0x7bff; h += 7) {
    const float a = ref_f16_to_f32(static_cast<uint16_t>(h)), b = ref_f16_to_f32(static_cast<uint16_t>(h + 1));
    const float mid = static_cast<float>((static_cast<double>(a) + b) / 2);
    cases.push_back(mid);
    cases.push_back(std::nextafter(mid, 0.0f));
    cases.push_back(std::nextafter(mid, 1e9f));
  }
  for (float v : cases) ASSERT_EQ(f32_to_f16(v), ref_f16(v)) << v;
  EXPECT_TRUE(std::isnan(f16_to_f32(f32_to_f16(std::numeric_limits<float>::quiet_NaN()))));
}

TEST(Half, Bf16RoundsToNearestEvenAndKeepsNaN) {
  const auto r = random_floats(100000, 22);
  for (float v : r) {
    for (float x : {v, v * 1e30f, v * 1e-38f}) {
      const uint16_t h = f32_to_bf16(x);
      // The two bf16 neighbours of x, and the nearer (ties to even).
      const uint32_t w = float_to_bits(x);
      const uint32_t lo = w & 0xffff0000u, hi = lo + 0x10000u;
      const double dlo = std::fabs(static_cast<double>(bits_to_float(lo)) - x);
      const double dhi = std::fabs(static_cast<double>(bits_to_float(hi)) - x);
      const uint16_t want = static_cast<uint16_t>((dlo < dhi || (dlo == dhi && ((lo >> 16) & 1) == 0)) ? lo >> 16 : hi >> 16);
      ASSERT_EQ(h, want) << x;
    }
  }
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(std::numeric_limits<float>::quiet_NaN()))));
  EXPECT_EQ(f32_to_bf16(3.4e38f), 0x7f80);  // past bf16's max: infinity
  // The block forms agree with the one-element ones, tails too.
  for (DType t : {DType::kFloat16, DType::kBFloat16}) {
    for (size_t n : {1u, 7u, 8u, 9u, 63u}) {
      std::vector<float> src = random_floats(n, static_cast<uint32_t>(n));
      src[0] = std::numeric_limits<float>::quiet_NaN();
      std::vector<uint16_t> h(n);
      narrow_block(t, src.data(), h.data(), n);
      std::vector<float> back(n);
      widen_block(t, h.data(), back.data(), n);
      for (size_t i = 0; i < n; ++i) {
        const uint16_t want = t == DType::kFloat16 ? f32_to_f16(src[i]) : f32_to_bf16(src[i]);
        ASSERT_EQ(h[i], want);
        const float wf = t == DType::kFloat16 ? f16_to_f32(h[i]) : bf16_to_f32(h[i]);
        ASSERT_TRUE(std::memcmp(&back[i], &wf, 4) == 0 || (std::isnan(back[i]) && std::isnan(wf)));
      }
    }
  }
}

TEST(View, FusedQkvRotatesQAndKLikeContiguousTensorsAndLeavesVAlone) {
  const int hq = 8, hk = 2, d = 64, tokens = 300;
  Handle r(config(d, 0, Layout::kInterleaved));
  const size_t row = static_cast<size_t>(hq + 2 * hk) * d;
  std::vector<float> qkv = random_floats(row * tokens, 1);
  const std::vector<float> qkv0 = qkv;
  std::vector<float> q(static_cast<size_t>(tokens) * hq * d), k(static_cast<size_t>(tokens) * hk * d);
  for (int t = 0; t < tokens; ++t) {
    std::memcpy(&q[static_cast<size_t>(t) * hq * d], &qkv0[t * row], hq * d * 4);
    std::memcpy(&k[static_cast<size_t>(t) * hk * d], &qkv0[t * row + hq * d], hk * d * 4);
  }
  ApplyParams p;
  p.num_heads = hq;
  p.num_kv_heads = hk;
  p.start = 77;
  ASSERT_EQ(rope_apply_qk(r.r, q.data(), q.size(), k.data(), k.size(), p), Status::kOk);
  TensorView qv, kv;
  qv.heads = hq;
  qv.token_stride = row;
  qv.tokens = tokens;
  kv = qv;
  kv.heads = hk;
  kv.offset = static_cast<size_t>(hq) * d;
  ViewCall c;
  c.start = 77;
  ASSERT_EQ(rope_apply_qk_view(r.r, qkv.data(), qkv.size(), qv, qkv.data(), qkv.size(), kv, c), Status::kOk);
  for (int t = 0; t < tokens; ++t) {
    ASSERT_EQ(0, std::memcmp(&qkv[t * row], &q[static_cast<size_t>(t) * hq * d], hq * d * 4)) << t;
    ASSERT_EQ(0, std::memcmp(&qkv[t * row + hq * d], &k[static_cast<size_t>(t) * hk * d], hk * d * 4)) << t;
    ASSERT_EQ(0, std::memcmp(&qkv[t * row + (hq + hk) * d], &qkv0[t * row + (hq + hk) * d], hk * d * 4)) << "v, token " << t;
  }
  // k overlapping q (one head too early) is refused, and nothing changes.
  kv.offset = static_cast<size_t>(hq - 1) * d;
  const std::vector<float> before = qkv;
  EXPECT_EQ(rope_apply_qk_view(r.r, qkv.data(), qkv.size(), qv, qkv.data(), qkv.size(), kv, c), Status::kAliasedTensors);
  EXPECT_EQ(qkv, before);
}

TEST(View, MlaSliceOfEachHeadIsRotatedAndTheRestUntouched) {
  // DeepSeek MLA: 192-channel heads whose last 64 channels rotate.
  const int heads = 4, tokens = 40;
  Handle r(config(64));
  std::vector<float> x = random_floats(static_cast<size_t>(tokens) * heads * 192, 2);
  const std::vector<float> x0 = x;
  std::vector<float> slice(static_cast<size_t>(tokens) * heads * 64);
  for (int t = 0; t < tokens; ++t)
    for (int h = 0; h < heads; ++h)
      std::memcpy(&slice[(static_cast<size_t>(t) * heads + h) * 64], &x0[(static_cast<size_t>(t) * heads + h) * 192 + 128], 64 * 4);
  ApplyParams p;
  p.num_heads = heads;
  p.start = 5;
  ASSERT_EQ(rope_apply(r.r, slice.data(), slice.size(), p), Status::kOk);
  TensorView v;
  v.heads = heads;
  v.offset = 128;
  v.head_stride = 192;
  v.tokens = tokens;
  ViewCall c;
  c.start = 5;
  ASSERT_EQ(rope_apply_view(r.r, x.data(), x.size(), v, c), Status::kOk);
  for (int t = 0; t < tokens; ++t)
    for (int h = 0; h < heads; ++h) {
      const size_t o = (static_cast<size_t>(t) * heads + h) * 192;
      ASSERT_EQ(0, std::memcmp(&x[o], &x0[o], 128 * 4));
      ASSERT_EQ(0, std::memcmp(&x[o + 128], &slice[(static_cast<size_t>(t) * heads + h) * 64], 64 * 4));
    }
}

TEST(View, HeadMajorBatchWithAStartPerSequence) {
  const int b = 3, h = 4, s = 50, d = 32;
  Handle r(config(d));
  std::vector<float> x = random_floats(static_cast<size_t>(b) * h * s * d, 3);
  std::vector<float> want = x;
  const int32_t starts[3] = {0, 1000, -7};
  for (int i = 0; i < b; ++i) {
    ApplyParams p;
    p.num_heads = h;
    p.order = Order::kHeadMajor;
    p.start = starts[i];
    ASSERT_EQ(rope_apply(r.r, &want[static_cast<size_t>(i) * h * s * d], static_cast<size_t>(h) * s * d, p), Status::kOk);
  }
  TensorView v;
  v.heads = h;
  v.order = Order::kHeadMajor;
  v.batch = b;
  ViewCall c;
  c.starts = starts;
  ASSERT_EQ(rope_apply_view(r.r, x.data(), x.size(), v, c), Status::kOk);
  EXPECT_EQ(x, want);
  // One position list per sequence (sequence-major) gives the same.
  std::vector<int32_t> pos;
  for (int i = 0; i < b; ++i)
    for (int t = 0; t < s; ++t) pos.push_back(starts[i] + t);
  std::vector<float> y = random_floats(x.size(), 3);
  ViewCall lc;
  lc.positions = pos.data();
  ASSERT_EQ(rope_apply_view(r.r, y.data(), y.size(), v, lc), Status::kOk);
  EXPECT_EQ(y, want);
}

TEST(View, SixteenBitIsTheFloat32ResultRoundedToNearestEven) {
  for (DType t : {DType::kFloat16, DType::kBFloat16}) {
    for (Layout layout : {Layout::kHalf, Layout::kInterleaved}) {
      const int heads = 5, tokens = 261, d = 96;
      Handle r(config(d, 80, layout));
      std::vector<float> f = random_floats(static_cast<size_t>(tokens) * heads * d, 4);
      for (size_t i = 0; i < f.size(); i += 97) f[i] *= 60000.0f;  // some overflow fp16 once rotated
      f[3] = std::numeric_limits<float>::quiet_NaN();
      std::vector<uint16_t> h(f.size());
      narrow_block(t, f.data(), h.data(), f.size());
      const std::vector<uint16_t> h0 = h;
      std::vector<float> wide(f.size());
      widen_block(t, h.data(), wide.data(), f.size());
      ApplyParams p;
      p.num_heads = heads;
      p.start = 12345;
      ASSERT_EQ(rope_apply(r.r, wide.data(), wide.size(), p), Status::kOk);
      std::vector<uint16_t> want(f.size());
      for (size_t i = 0; i < f.size(); ++i) want[i] = t == DType::kFloat16 ? f32_to_f16(wide[i]) : f32_to_bf16(wide[i]);
      TensorView v;
      v.dtype = t;
      v.heads = heads;
      ViewCall c;
      c.start = 12345;
      ASSERT_EQ(rope_apply_view(r.r, h.data(), h.size(), v, c), Status::kOk);
      for (size_t i = 0; i < h.size(); ++i) {
        if ((i % d) >= 80) ASSERT_EQ(h[i], h0[i]) << "pass-through " << i;
        // NaN stays NaN (its sign and payload follow the instructions a compiler picks).
        if (std::isnan(wide[i])) {
          ASSERT_TRUE(std::isnan(t == DType::kFloat16 ? f16_to_f32(h[i]) : bf16_to_f32(h[i]))) << "element " << i;
          continue;
        }
        ASSERT_EQ(h[i], want[i]) << "element " << i << " dtype " << static_cast<int>(t);
      }
    }
  }
}

TEST(View, RelativeRotationMovesKeysWithoutReapplyingTheAttentionFactor) {
  RopeConfig c = config(64);
  c.scaling.type = ScalingType::kYarn;
  c.scaling.factor = 4;
  c.scaling.original_max_position_embeddings = 4096;
  Handle r(c);
  const int tokens = 30;
  std::vector<float> x = random_floats(static_cast<size_t>(tokens) * 64, 5);
  const std::vector<float> x0 = x;
  std::vector<int32_t> from(tokens), to(tokens), delta(tokens);
  for (int t = 0; t < tokens; ++t) {
    from[t] = 5000 + t;
    to[t] = 100 + t;
    delta[t] = to[t] - from[t];
  }
  ApplyParams p;
  p.num_heads = 1;
  p.positions = from.data();
  p.seq_len = 8000;
  ASSERT_EQ(rope_apply(r.r, x.data(), x.size(), p), Status::kOk);
  TensorView v;
  v.heads = 1;
  ViewCall sc;
  sc.positions = delta.data();
  sc.relative = true;
  sc.seq_len = 8000;
  ASSERT_EQ(rope_apply_view(r.r, x.data(), x.size(), v, sc), Status::kOk);
  const double af = rope_attention_factor(r.r);
  EXPECT_GT(af, 1.1);
  std::vector<double> inv(rope_inv_freq(r.r), rope_inv_freq(r.r) + 32);
  for (int t = 0; t < tokens; ++t) {
    const auto y = rope_test::reference_rotate(&x0[t * 64], 64, 64, false, inv, to[t], af);
    for (int i = 0; i < 64; ++i) ASSERT_NEAR(x[t * 64 + i], y[i], 3e-7 * af) << t << " " << i;
  }
}

TEST(View, RefusalsLeaveTheTensorAlone) {
  Handle r(config(64));
  std::vector<float> x = random_floats(64 * 40, 6);
  const std::vector<float> x0 = x;
  ViewCall c;
  TensorView v;
  v.heads = 2;
  v.tokens = 10;
  v.token_stride = 100;  // < 2 heads x 64: the second head of token t meets token t+1
  EXPECT_EQ(rope_apply_view(r.r, x.data(), x.size(), v, c), Status::kStrideInvalid);
  v.token_stride = 256;
  v.tokens = 11;  // 10 * 256 + 64 + 64 > 2560
  EXPECT_EQ(rope_apply_view(r.r, x.data(), x.size(), v, c), Status::kStrideInvalid);
  TensorView w;
  w.heads = 1;
  w.head_stride = 64;  // strides without the token count
  EXPECT_EQ(rope_apply_view(r.r, x.data(), x.size(), w, c), Status::kLengthInvalid);
  TensorView z;
  z.heads = 1;
  z.dtype = static_cast<DType>(7);
  EXPECT_EQ(rope_apply_view(r.r, x.data(), x.size(), z, c), Status::kDTypeInvalid);
  TensorView big;
  big.heads = 1;
  big.tokens = std::numeric_limits<size_t>::max() / 2;
  big.token_stride = 64;
  EXPECT_EQ(rope_apply_view(r.r, x.data(), x.size(), big, c), Status::kSizeOverflow);
  TensorView dense;
  dense.heads = 1;
  dense.offset = 3;  // 2557 floats past the offset: not whole tokens
  EXPECT_EQ(rope_apply_view(r.r, x.data(), x.size(), dense, c), Status::kLengthInvalid);
  EXPECT_EQ(x, x0);
}
