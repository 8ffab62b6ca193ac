// Multimodal RoPE (M-RoPE chunked / interleaved / vision), proportional scaling and freq
// factors against float64 references written from the upstream source:
//   transformers decba1d2ea (5.16.0.dev0): models/qwen2_vl/modeling_qwen2_vl.py
//     (apply_multimodal_rotary_pos_emb: cos/sin split into mrope_section*2 chunks, chunk k
//     takes stream k % 3; VisionRotaryEmbedding(head_dim // 2) per stream),
//   models/qwen3_vl/modeling_qwen3_vl.py (apply_interleaved_mrope: freqs_t[..., 1:3S_h:3] = h,
//     freqs_t[..., 2:3S_w:3] = w), modeling_rope_utils.py (_compute_proportional_rope_parameters),
//   ggml d99724f2 (ggml_rope_ext's freq_factors: theta_i / ff_i).
// Positions up to 1e5 and past the cache bound, negative ones, blocks mixing text and image
// tokens across the 256-token block, text-only M-RoPE bit-identical to 1-D.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "reference.h"
#include "rope_apply.h"

using namespace rope;
using rope_test::random_floats;

namespace {

constexpr double kTol = 3e-7;

struct Handle {
  Rope* r = nullptr;
  explicit Handle(const RopeConfig& c) { EXPECT_EQ(rope_create(c, &r), Status::kOk); }
  ~Handle() { rope_destroy(r); }
};

RopeConfig mrope_config(int head_dim, int rotary_dim, double base, Layout layout, MropeMode mode,
                        std::vector<int> sections) {
  RopeConfig c;
  c.head_dim = head_dim;
  c.rotary_dim = rotary_dim;
  c.base = base;
  c.layout = layout;
  c.mrope.mode = mode;
  c.mrope.streams = static_cast<int>(sections.size());
  for (size_t k = 0; k < sections.size(); ++k) c.mrope.sections[k] = sections[k];
  return c;
}

// The stream of pair i, written from each Hugging Face function (independently of the core).
int hf_stream(MropeMode mode, const std::vector<int>& sec, int i) {
  if (mode == MropeMode::kInterleaved) {
    // freqs_t[..., 1:3*S_h:3] = freqs_h; freqs_t[..., 2:3*S_w:3] = freqs_w
    for (int j = 1; j < 3 * sec[1]; j += 3)
      if (j == i) return 1;
    for (int j = 2; j < 3 * sec[2]; j += 3)
      if (j == i) return 2;
    return 0;
  }
  // torch.split(cos, mrope_section * 2): pair i (channel i of the first half) falls in the
  // chunk whose cumulative range holds it.
  int acc = 0;
  for (size_t k = 0; k < sec.size(); ++k) {
    acc += sec[k];
    if (i < acc) return static_cast<int>(k);
  }
  return -1;
}

// Per-pair inverse frequencies as Hugging Face builds them.
std::vector<double> hf_inv_freq(MropeMode mode, const std::vector<int>& sec, double base, int rotary_dim) {
  std::vector<double> f;
  if (mode == MropeMode::kVision) {
    // VisionRotaryEmbedding(dim = 2*S): 1 / theta ** (arange(0, dim, 2) / dim), per section.
    for (int s : sec)
      for (int j = 0; j < s; ++j) f.push_back(1.0 / std::pow(base, (2.0 * j) / (2.0 * s)));
    return f;
  }
  return rope_test::default_inv_freq(base, rotary_dim);
}

// x: [tokens, heads, head_dim]; pos: stream-major [streams][tokens].
std::vector<double> reference(const std::vector<float>& x, int tokens, int heads, int head_dim, int rotary_dim,
                              bool interleaved, const std::vector<double>& inv, MropeMode mode,
                              const std::vector<int>& sec, const std::vector<int32_t>& pos) {
  std::vector<double> y(x.begin(), x.end());
  const int pairs = rotary_dim / 2;
  for (int t = 0; t < tokens; ++t)
    for (int h = 0; h < heads; ++h) {
      const size_t off = (static_cast<size_t>(t) * heads + h) * head_dim;
      for (int i = 0; i < pairs; ++i) {
        const int k = hf_stream(mode, sec, i);
        const double angle = static_cast<double>(pos[static_cast<size_t>(k) * tokens + t]) * inv[i];
        const double c = std::cos(angle), s = std::sin(angle);
        const size_t a = off + (interleaved ? 2 * i : i);
        const size_t b = off + (interleaved ? 2 * i + 1 : i + pairs);
        y[a] = x[a] * c - static_cast<double>(x[b]) * s;
        y[b] = x[b] * c + static_cast<double>(x[a]) * s;
      }
    }
  return y;
}

double max_abs(const std::vector<float>& v) {
  double m = 0;
  for (float f : v) m = std::max(m, static_cast<double>(std::fabs(f)));
  return m;
}

// Positions of a prompt: text, an image block (t fixed, h, w over a grid), text, with
// positions offset so that some land past the cache bound and some are negative.
std::vector<int32_t> prompt_positions(int tokens, int streams, int32_t offset) {
  std::vector<int32_t> pos(static_cast<size_t>(streams) * tokens);
  for (int t = 0; t < tokens; ++t) {
    const bool image = t >= 100 && t < 400;  // across the 256-token block boundary
    for (int k = 0; k < streams; ++k) {
      int32_t p = offset + t;
      if (image) {
        const int i = t - 100;
        p = offset + 100 + (k == 0 ? 0 : k == 1 ? i / 20 : i % 20);
      }
      pos[static_cast<size_t>(k) * tokens + t] = p;
    }
  }
  return pos;
}

struct Case {
  const char* name;
  int head_dim, rotary_dim;
  double base;
  Layout layout;
  MropeMode mode;
  std::vector<int> sections;
};

}  // namespace

TEST(Mrope, EveryModeMatchesItsFloat64ReferenceAtAnyPosition) {
  const std::vector<Case> cases = {
      {"Qwen2-VL chunked", 128, 128, 1e6, Layout::kHalf, MropeMode::kChunked, {16, 24, 24}},
      {"Qwen3-VL interleaved", 128, 128, 5e6, Layout::kHalf, MropeMode::kInterleaved, {24, 20, 20}},
      {"Qwen3.5 interleaved, partial", 256, 64, 1e7, Layout::kHalf, MropeMode::kInterleaved, {11, 11, 10}},
      {"GLM-4V chunked, interleaved pairs, partial", 128, 64, 10000, Layout::kInterleaved, MropeMode::kChunked, {8, 12, 12}},
      {"Qwen2-VL vision tower", 80, 80, 10000, Layout::kHalf, MropeMode::kVision, {20, 20}},
      {"Llama 4 vision tower", 88, 88, 10000, Layout::kInterleaved, MropeMode::kVision, {22, 22}},
      {"odd sections, 4 streams", 36, 34, 10000, Layout::kHalf, MropeMode::kChunked, {5, 4, 7, 1}},
  };
  for (const Case& cs : cases) {
    SCOPED_TRACE(cs.name);
    RopeConfig c = mrope_config(cs.head_dim, cs.rotary_dim, cs.base, cs.layout, cs.mode, cs.sections);
    Handle r(c);
    const int streams = static_cast<int>(cs.sections.size());
    const auto inv = hf_inv_freq(cs.mode, cs.sections, cs.base, cs.rotary_dim);
    // Up to 2^24, as the 1-D guarantee (past it the double angle itself carries p * 2^-53 rad).
    for (int32_t offset : {0, 100000, 16000000, -300}) {
      const int tokens = 520, heads = 3;
      std::vector<float> x = random_floats(static_cast<size_t>(tokens) * heads * cs.head_dim, 7);
      const std::vector<float> x0 = x;
      const auto pos = prompt_positions(tokens, streams, offset);
      ApplyParams p;
      p.num_heads = heads;
      p.positions = pos.data();
      ASSERT_EQ(rope_apply(r.r, x.data(), x.size(), p), Status::kOk);
      const auto y = reference(x0, tokens, heads, cs.head_dim, cs.rotary_dim, cs.layout == Layout::kInterleaved, inv,
                               cs.mode, cs.sections, pos);
      double worst = 0;
      for (size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::fabs(y[i] - x[i]));
      EXPECT_LE(worst, kTol * max_abs(x0)) << "offset " << offset;
      for (int t = 0; t < tokens; ++t)
        for (int h = 0; h < heads; ++h)
          for (int d = cs.rotary_dim; d < cs.head_dim; ++d) {
            const size_t i = (static_cast<size_t>(t) * heads + h) * cs.head_dim + d;
            ASSERT_EQ(x[i], x0[i]) << "pass-through channel " << d;
          }
      // The inverse undoes it (to float32 rounding).
      p.inverse = true;
      ASSERT_EQ(rope_apply(r.r, x.data(), x.size(), p), Status::kOk);
      double back = 0;
      for (size_t i = 0; i < x.size(); ++i) back = std::max(back, std::fabs(static_cast<double>(x[i]) - x0[i]));
      EXPECT_LE(back, 1e-6);
    }
  }
}

TEST(Mrope, TextOnlyPositionsAreBitIdenticalToOneDRope) {
  for (MropeMode mode : {MropeMode::kChunked, MropeMode::kInterleaved}) {
    RopeConfig c = mrope_config(128, 128, 1e6, Layout::kHalf, mode, mode == MropeMode::kChunked ? std::vector<int>{16, 24, 24} : std::vector<int>{24, 20, 20});
    RopeConfig plain = c;
    plain.mrope = MropeParams();
    Handle r(c), q(plain);
    const int tokens = 300, heads = 4;
    std::vector<float> x = random_floats(static_cast<size_t>(tokens) * heads * 128, 3), y = x;
    std::vector<int32_t> pos3(3 * tokens), pos1(tokens);
    for (int t = 0; t < tokens; ++t) {
      pos1[t] = 50000 + 7 * t;
      for (int k = 0; k < 3; ++k) pos3[static_cast<size_t>(k) * tokens + t] = pos1[t];
    }
    ApplyParams p;
    p.num_heads = heads;
    p.positions = pos3.data();
    ASSERT_EQ(rope_apply(r.r, x.data(), x.size(), p), Status::kOk);
    p.positions = pos1.data();
    ASSERT_EQ(rope_apply(q.r, y.data(), y.size(), p), Status::kOk);
    EXPECT_EQ(x, y);
    // A start position (no list) means every stream at start + t: 1-D RoPE too.
    std::vector<float> a = random_floats(64 * 128, 4), b = a;
    ApplyParams s;
    s.num_heads = 1;
    s.start = 123;
    ASSERT_EQ(rope_apply(r.r, a.data(), a.size(), s), Status::kOk);
    ASSERT_EQ(rope_apply(q.r, b.data(), b.size(), s), Status::kOk);
    EXPECT_EQ(a, b);
  }
}

TEST(Mrope, ApplyQKOneLookupForBothMatchesTwoApplies) {
  RopeConfig c = mrope_config(128, 128, 1e6, Layout::kHalf, MropeMode::kChunked, {16, 24, 24});
  Handle r(c);
  const int tokens = 450;
  const auto pos = prompt_positions(tokens, 3, 10);
  std::vector<float> q = random_floats(static_cast<size_t>(tokens) * 28 * 128, 5), k = random_floats(static_cast<size_t>(tokens) * 4 * 128, 6);
  std::vector<float> q2 = q, k2 = k;
  ApplyParams p;
  p.num_heads = 28;
  p.num_kv_heads = 4;
  p.positions = pos.data();
  ASSERT_EQ(rope_apply_qk(r.r, q.data(), q.size(), k.data(), k.size(), p), Status::kOk);
  ApplyParams a = p;
  ASSERT_EQ(rope_apply(r.r, q2.data(), q2.size(), a), Status::kOk);
  a.num_heads = 4;
  ASSERT_EQ(rope_apply(r.r, k2.data(), k2.size(), a), Status::kOk);
  EXPECT_EQ(q, q2);
  EXPECT_EQ(k, k2);
}

TEST(Mrope, BadSectionsAndScalingAreRefused) {
  Rope* r = nullptr;
  EXPECT_EQ(rope_create(mrope_config(128, 128, 1e6, Layout::kHalf, MropeMode::kChunked, {16, 24, 23}), &r), Status::kMropeInvalid);
  EXPECT_EQ(rope_create(mrope_config(128, 128, 1e6, Layout::kHalf, MropeMode::kInterleaved, {24, 40}), &r), Status::kMropeInvalid);
  EXPECT_EQ(rope_create(mrope_config(80, 80, 1e4, Layout::kHalf, MropeMode::kVision, {40, 0}), &r), Status::kMropeInvalid);
  EXPECT_EQ(rope_create(mrope_config(128, 128, 1e6, Layout::kHalf, MropeMode::kChunked, {-1, 33, 32}), &r), Status::kMropeInvalid);
  RopeConfig c = mrope_config(128, 128, 1e6, Layout::kHalf, static_cast<MropeMode>(9), {64});
  EXPECT_EQ(rope_create(c, &r), Status::kMropeInvalid);
  c = mrope_config(128, 128, 1e6, Layout::kHalf, MropeMode::kChunked, {16, 16, 16, 16});
  c.mrope.streams = 5;
  EXPECT_EQ(rope_create(c, &r), Status::kMropeInvalid);
  c = mrope_config(80, 80, 1e4, Layout::kHalf, MropeMode::kVision, {20, 20});
  c.scaling.type = ScalingType::kLinear;
  c.scaling.factor = 2;
  EXPECT_EQ(rope_create(c, &r), Status::kScalingInvalid);
  EXPECT_EQ(r, nullptr);
}

TEST(Proportional, GemmaFourFullAttentionMatchesHuggingFace) {
  // Gemma 4 full attention: global_head_dim 512, partial_rotary_factor 0.25, theta 1e6:
  // pairs 0..63 turn at 1e6^(-2k/512), pairs 64..255 not at all (identity).
  RopeConfig c;
  c.head_dim = 512;
  c.base = 1e6;
  c.scaling.type = ScalingType::kProportional;
  c.scaling.partial_rotary_factor = 0.25;
  c.scaling.factor = 1.0;
  Handle r(c);
  std::vector<double> inv(256, 0.0);
  for (int k = 0; k < 64; ++k) inv[k] = 1.0 / std::pow(1e6, (2.0 * k) / 512);
  const double* got = rope_inv_freq(r.r);
  for (int k = 0; k < 256; ++k) EXPECT_DOUBLE_EQ(got[k], inv[k]) << k;
  std::vector<float> x = random_floats(2 * 512, 9);
  const std::vector<float> x0 = x;
  ApplyParams p;
  p.num_heads = 1;
  p.start = 90000;
  ASSERT_EQ(rope_apply(r.r, x.data(), x.size(), p), Status::kOk);
  for (int t = 0; t < 2; ++t) {
    const auto y = rope_test::reference_rotate(&x0[t * 512], 512, 512, false, inv, 90000.0 + t);
    for (int d = 0; d < 512; ++d) EXPECT_NEAR(x[t * 512 + d], y[d], kTol);
    // Channels of the still pairs (64..255 and 320..511) are untouched bit for bit.
    for (int d : {64, 200, 255, 320, 511}) EXPECT_EQ(x[t * 512 + d], x0[t * 512 + d]);
  }
  // factor divides every frequency; pf outside [0, 1] is refused.
  c.scaling.factor = 8;
  Handle r8(c);
  EXPECT_DOUBLE_EQ(rope_inv_freq(r8.r)[5], inv[5] / 8);
  c.scaling.partial_rotary_factor = 1.5;
  Rope* bad = nullptr;
  EXPECT_EQ(rope_create(c, &bad), Status::kScalingInvalid);
}

TEST(FreqFactors, DivideEachPairsFrequencyAsGgmlDoes) {
  // llama.cpp's rope_freqs for Llama 3.1 (factor 8, low 1, high 4, original 8192) reproduce
  // the llama3 scaling: the same rope either way, up to the factors' float32 rounding.
  RopeConfig scaled;
  scaled.head_dim = 128;
  scaled.base = 500000;
  scaled.scaling.type = ScalingType::kLlama3;
  scaled.scaling.factor = 8;
  scaled.scaling.low_freq_factor = 1;
  scaled.scaling.high_freq_factor = 4;
  scaled.scaling.original_max_position_embeddings = 8192;
  Handle a(scaled);
  RopeConfig viaFactors;
  viaFactors.head_dim = 128;
  viaFactors.base = 500000;
  const double* want = rope_inv_freq(a.r);
  for (int i = 0; i < 64; ++i) {
    const double base_freq = 1.0 / std::pow(500000.0, (2.0 * i) / 128);
    viaFactors.freq_factors.push_back(static_cast<float>(base_freq / want[i]));  // stored as F32 in GGUF
  }
  Handle b(viaFactors);
  for (int i = 0; i < 64; ++i) EXPECT_NEAR(rope_inv_freq(b.r)[i] / want[i], 1.0, 2e-7) << i;
  // Infinity stops a pair (Gemma 4's [1]*64 + [1e30]*192 trick, exactly).
  RopeConfig still;
  still.head_dim = 8;
  still.freq_factors = {1, std::numeric_limits<double>::infinity(), 2, 1};
  Handle s(still);
  EXPECT_EQ(rope_inv_freq(s.r)[1], 0.0);
  EXPECT_DOUBLE_EQ(rope_inv_freq(s.r)[2], std::pow(10000.0, -4.0 / 8) / 2);
  // Wrong count, zero, negative or NaN: refused.
  Rope* bad = nullptr;
  for (std::vector<double> f : {std::vector<double>{1, 1, 1}, {1, 0, 1, 1}, {1, -1, 1, 1}, {1, std::nan(""), 1, 1}}) {
    still.freq_factors = f;
    EXPECT_EQ(rope_create(still, &bad), Status::kFreqFactorsInvalid);
  }
}

TEST(Llama3, EqualLowAndHighFactorsAreValid) {
  // Llama 4 Scout: factor 16, low 1, high 1, original 8192: 35 pairs kept, 29 divided by 16.
  RopeConfig c;
  c.head_dim = 128;
  c.base = 500000;
  c.scaling.type = ScalingType::kLlama3;
  c.scaling.factor = 16;
  c.scaling.low_freq_factor = 1;
  c.scaling.high_freq_factor = 1;
  c.scaling.original_max_position_embeddings = 8192;
  Handle r(c);
  int kept = 0, divided = 0;
  for (int i = 0; i < 64; ++i) {
    const double f = 1.0 / std::pow(500000.0, (2.0 * i) / 128);
    const double got = rope_inv_freq(r.r)[i];
    if (got == f) ++kept;
    else if (std::fabs(got - f / 16) <= 1e-18) ++divided;
  }
  EXPECT_EQ(kept, 35);
  EXPECT_EQ(divided, 29);
}

// The mixed rows a call builds are kept for the next call with the same positions and
// frequencies (every layer of a prefill); any change (a position, the table moving, the
// frequencies) must give what a fresh rope gives, bit for bit.
TEST(Mrope, RowsKeptBetweenCallsAreNeverStale) {
  RopeConfig c = mrope_config(128, 128, 1e6, Layout::kHalf, MropeMode::kChunked, {16, 24, 24});
  c.scaling.type = ScalingType::kLongrope;
  c.scaling.original_max_position_embeddings = 4096;
  c.scaling.factor = 4;
  for (int i = 0; i < 64; ++i) {
    c.scaling.short_factor.push_back(1.0 + i / 64.0);
    c.scaling.long_factor.push_back(1.0 + i / 8.0);
  }
  Handle r(c);
  const int tokens = 600, heads = 2;
  std::vector<int32_t> pos = prompt_positions(tokens, 3, 7);
  const std::vector<float> x0 = random_floats(static_cast<size_t>(tokens) * heads * 128, 11);
  auto run = [&](Rope* rope, const std::vector<int32_t>& p, double seq_len) {
    std::vector<float> x = x0;
    ApplyParams a;
    a.num_heads = heads;
    a.positions = p.data();
    a.seq_len = seq_len;
    EXPECT_EQ(rope_apply(rope, x.data(), x.size(), a), Status::kOk);
    return x;
  };
  auto fresh = [&](const std::vector<int32_t>& p, double seq_len) {
    Handle f(c);
    return run(f.r, p, seq_len);
  };
  const auto first = run(r.r, pos, 0);
  EXPECT_EQ(run(r.r, pos, 0), first);                // kept rows, same bits
  EXPECT_EQ(first, fresh(pos, 0));
  pos[static_cast<size_t>(tokens) + 150] += 3;      // one image token's h position
  EXPECT_EQ(run(r.r, pos, 0), fresh(pos, 0));
  // A call far out grows the table (it moves); the kept rows' text tokens follow it.
  std::vector<float> d = random_floats(128, 3);
  ApplyParams step;
  step.num_heads = 1;
  step.start = 3000;
  ASSERT_EQ(rope_apply(r.r, d.data(), d.size(), step), Status::kOk);
  EXPECT_EQ(run(r.r, pos, 0), fresh(pos, 0));
  // The other longrope regime (long factors), then back: never the other regime's rows.
  EXPECT_EQ(run(r.r, pos, 9000), fresh(pos, 9000));
  EXPECT_EQ(run(r.r, pos, 0), fresh(pos, 0));
}
