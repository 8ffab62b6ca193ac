// Frequencies and attention factors of every Hugging Face rope type, against float64
// references written out from transformers' modeling_rope_utils.py (the 4.56/4.57 file
// with yarn `truncate`, `mscale`, `mscale_all_dim`; same formulas in 5.x). The reference
// below is deliberately written in the shape of the Python (whole arrays, the same
// intermediate names) rather than sharing code with the core.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "rope_apply.h"
#include "rope_config.h"
#include "rope_frequencies.h"

namespace {

using rope::RopeConfig;
using rope::ScalingType;
using rope::Status;
using Vec = std::vector<double>;

constexpr double kPi = 3.141592653589793238462643383279502884;
const double kNaN = std::nan("");

// ---- reference: transformers' formulas, float64 ----

Vec ref_default(double base, int dim) {
  Vec v;
  for (int j = 0; j < dim; j += 2) v.push_back(1.0 / std::pow(base, static_cast<double>(j) / dim));
  return v;
}

double ref_get_mscale(double scale, double mscale = 1) {
  return scale <= 1 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0;
}

struct YarnRef {
  Vec inv_freq, ramp;
  double attention;
};

YarnRef ref_yarn(double base, int dim, double factor, double original, double beta_fast, double beta_slow,
                 bool truncate, double mscale = kNaN, double mscale_all_dim = kNaN) {
  YarnRef r;
  const bool both = !std::isnan(mscale) && mscale != 0 && !std::isnan(mscale_all_dim) && mscale_all_dim != 0;
  r.attention = both ? ref_get_mscale(factor, mscale) / ref_get_mscale(factor, mscale_all_dim) : ref_get_mscale(factor);
  auto correction_dim = [&](double rot) { return (dim * std::log(original / (rot * 2 * kPi))) / (2 * std::log(base)); };
  double low = correction_dim(beta_fast), high = correction_dim(beta_slow);
  if (truncate) {
    low = std::floor(low);
    high = std::ceil(high);
  }
  low = std::max(low, 0.0);
  high = std::min(high, dim - 1.0);
  if (low == high) high += 0.001;
  for (int i = 0; i < dim / 2; ++i) {
    const double pos_freqs = std::pow(base, static_cast<double>(2 * i) / dim);
    const double extra = 1.0 / pos_freqs, inter = 1.0 / (factor * pos_freqs);
    const double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
    const double extra_factor = 1 - ramp;
    r.inv_freq.push_back(inter * (1 - extra_factor) + extra * extra_factor);
    r.ramp.push_back(ramp);
  }
  return r;
}

Vec ref_llama3(double base, int dim, double factor, double low_ff, double high_ff, double old_ctx) {
  Vec inv = ref_default(base, dim), out;
  const double low_wl = old_ctx / low_ff, high_wl = old_ctx / high_ff;
  for (double f : inv) {
    const double wl = 2 * kPi / f;
    double v = wl > low_wl ? f / factor : f;
    const double smooth = (old_ctx / wl - low_ff) / (high_ff - low_ff);
    const bool medium = !(wl < high_wl) && !(wl > low_wl);
    if (medium) v = (1 - smooth) * v / factor + smooth * v;
    out.push_back(v);
  }
  return out;
}

Vec ref_dynamic(double base, int dim, double factor, double max_pos, double seq_len) {
  const double len = std::max(seq_len, max_pos);
  const double b = base * std::pow((factor * len / max_pos) - (factor - 1), static_cast<double>(dim) / (dim - 2));
  return ref_default(b, dim);
}

// ---- helpers ----

struct Computed {
  Vec inv_freq;
  std::vector<rope::PairInfo> info;
  double attention;
};

Computed compute(const RopeConfig& c, double seq_len = 1) {
  EXPECT_EQ(rope::validate_config(c), Status::kOk);
  const int pairs = rope::effective_rotary_dim(c) / 2;
  Computed r{Vec(pairs), std::vector<rope::PairInfo>(pairs), 0};
  rope::FrequencyResult fr;
  EXPECT_EQ(rope::compute_frequencies(c, seq_len, r.inv_freq.data(), r.info.data(), &fr), Status::kOk);
  r.attention = fr.attention_factor;
  return r;
}

void expect_rel(const Vec& got, const Vec& want, double tol = 1e-12) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], tol * std::fabs(want[i])) << "pair " << i;
}

RopeConfig make(int head_dim, double base, ScalingType type = ScalingType::kNone) {
  RopeConfig c;
  c.head_dim = head_dim;
  c.base = base;
  c.scaling.type = type;
  return c;
}

// ---- default, linear ----

TEST(Frequencies, Llama2DefaultMatchesReference) {
  // meta-llama/Llama-2-7b-hf config.json: hidden_size 4096, num_attention_heads 32, rope_theta 10000.
  const Computed c = compute(make(128, 10000));
  expect_rel(c.inv_freq, ref_default(10000, 128));
  EXPECT_EQ(c.attention, 1.0);
  EXPECT_EQ(c.inv_freq[0], 1.0);
  for (const auto& p : c.info) {
    EXPECT_TRUE(std::isnan(p.interp_weight));
    EXPECT_DOUBLE_EQ(p.wavelength, 2 * kPi / p.freq);
    EXPECT_EQ(p.base_freq, p.freq);
  }
}

TEST(Frequencies, LinearDividesEveryFrequency) {
  // lmsys/vicuna-7b-v1.5-16k: rope_scaling {"factor": 4.0, "type": "linear"}, Llama-2 geometry.
  RopeConfig cfg = make(128, 10000, ScalingType::kLinear);
  cfg.scaling.factor = 4;
  const Computed c = compute(cfg);
  Vec want = ref_default(10000, 128);
  for (double& v : want) v /= 4;
  expect_rel(c.inv_freq, want);
  EXPECT_EQ(c.attention, 1.0);
}

// ---- llama3 ----

TEST(Frequencies, Llama31And32MatchReference) {
  // meta-llama/Llama-3.1-8B: head 128, rope_theta 500000, factor 8; Llama-3.2-1B: head_dim 64,
  // factor 32; both low_freq_factor 1, high_freq_factor 4, original_max_position_embeddings 8192.
  for (auto [dim, factor] : {std::pair<int, double>{128, 8.0}, {64, 32.0}}) {
    RopeConfig cfg = make(dim, 500000, ScalingType::kLlama3);
    cfg.scaling.factor = factor;
    cfg.scaling.low_freq_factor = 1;
    cfg.scaling.high_freq_factor = 4;
    cfg.scaling.original_max_position_embeddings = 8192;
    const Computed c = compute(cfg);
    expect_rel(c.inv_freq, ref_llama3(500000, dim, factor, 1, 4, 8192));
    EXPECT_EQ(c.attention, 1.0);
    // Short wavelengths are kept, long ones divided by the factor, and the weight says so.
    EXPECT_EQ(c.inv_freq[0], 1.0);
    EXPECT_EQ(c.info[0].interp_weight, 0.0);
    EXPECT_EQ(c.info.back().interp_weight, 1.0);
    EXPECT_DOUBLE_EQ(c.inv_freq.back(), c.info.back().base_freq / factor);
    int medium = 0;
    for (const auto& p : c.info) {
      if (p.interp_weight > 0 && p.interp_weight < 1) {
        ++medium;
        // A blended pair sits between its kept and its fully divided frequency.
        EXPECT_LT(p.freq, p.base_freq);
        EXPECT_GT(p.freq, p.base_freq / factor);
      }
    }
    EXPECT_GT(medium, 0);
  }
}

// ---- yarn ----

RopeConfig yarn_cfg(int dim, double base, double factor, double original) {
  RopeConfig cfg = make(dim, base, ScalingType::kYarn);
  cfg.scaling.factor = factor;
  cfg.scaling.original_max_position_embeddings = original;
  return cfg;
}

TEST(Frequencies, YarnQwen25MatchesReference) {
  // Qwen/Qwen2.5-7B-Instruct: head 128 (3584 / 28), rope_theta 1e6; the model card's
  // rope_scaling {"factor": 4.0, "original_max_position_embeddings": 32768, "type": "yarn"}.
  const Computed c = compute(yarn_cfg(128, 1e6, 4, 32768));
  const YarnRef r = ref_yarn(1e6, 128, 4, 32768, 32, 1, true);
  expect_rel(c.inv_freq, r.inv_freq);
  EXPECT_NEAR(c.attention, 0.1 * std::log(4.0) + 1.0, 1e-15);
  for (size_t i = 0; i < c.info.size(); ++i) EXPECT_EQ(c.info[i].interp_weight, r.ramp[i]);
  EXPECT_EQ(c.info[0].interp_weight, 0.0);
  EXPECT_EQ(c.info.back().interp_weight, 1.0);
}

TEST(Frequencies, YarnMscaleRatioAndDefaults) {
  // deepseek-ai/DeepSeek-V2-Lite: qk_rope_head_dim 64, rope_theta 10000, rope_scaling
  // {beta_fast 32, beta_slow 1, factor 40, mscale 0.707, mscale_all_dim 0.707,
  //  original_max_position_embeddings 4096, type yarn}.
  RopeConfig cfg = yarn_cfg(64, 10000, 40, 4096);
  cfg.scaling.mscale = 0.707;
  cfg.scaling.mscale_all_dim = 0.707;
  Computed c = compute(cfg);
  expect_rel(c.inv_freq, ref_yarn(10000, 64, 40, 4096, 32, 1, true, 0.707, 0.707).inv_freq);
  EXPECT_EQ(c.attention, 1.0);  // equal mscales cancel
  // Unequal mscales give get_mscale(f, mscale) / get_mscale(f, mscale_all_dim).
  cfg.scaling.mscale = 1.0;
  c = compute(cfg);
  EXPECT_NEAR(c.attention, (0.1 * std::log(40.0) + 1) / (0.1 * 0.707 * std::log(40.0) + 1), 1e-15);
  // Only one of the two given (or a zero): transformers falls back to get_mscale(factor).
  cfg.scaling.mscale_all_dim = 0;
  EXPECT_NEAR(compute(cfg).attention, 0.1 * std::log(40.0) + 1, 1e-15);
  cfg.scaling.mscale_all_dim = kNaN;
  EXPECT_NEAR(compute(cfg).attention, 0.1 * std::log(40.0) + 1, 1e-15);
  // An explicit attention factor wins over everything.
  cfg.scaling.attention_factor = 0.5;
  EXPECT_EQ(compute(cfg).attention, 0.5);
  // factor <= 1 gives an attention factor of 1.
  EXPECT_EQ(compute(yarn_cfg(64, 10000, 1, 4096)).attention, 1.0);
  // beta 0 or NaN means the default (`get("beta_fast") or 32`).
  RopeConfig b = yarn_cfg(64, 10000, 40, 4096);
  b.scaling.beta_fast = 0;
  b.scaling.beta_slow = kNaN;
  expect_rel(compute(b).inv_freq, ref_yarn(10000, 64, 40, 4096, 32, 1, true).inv_freq, 0);
  // original_max_position_embeddings falls back to max_position_embeddings.
  RopeConfig m = yarn_cfg(64, 10000, 40, 0);
  m.scaling.max_position_embeddings = 4096;
  expect_rel(compute(m).inv_freq, compute(yarn_cfg(64, 10000, 40, 4096)).inv_freq, 0);
}

TEST(Frequencies, YarnTruncateFalseGptOss) {
  // openai/gpt-oss-20b: head_dim 64, rope_theta 150000, rope_scaling {beta_fast 32.0,
  // beta_slow 1.0, factor 32.0, original_max_position_embeddings 4096, rope_type yarn,
  // truncate false}.
  RopeConfig cfg = yarn_cfg(64, 150000, 32, 4096);
  cfg.scaling.truncate = false;
  const Computed c = compute(cfg);
  const YarnRef r = ref_yarn(150000, 64, 32, 4096, 32, 1, false);
  expect_rel(c.inv_freq, r.inv_freq);
  EXPECT_NEAR(c.attention, 0.1 * std::log(32.0) + 1, 1e-15);
  // Without truncation the ramp ends are fractional, so some weights differ from the
  // truncated ramp: the flag is really used.
  cfg.scaling.truncate = true;
  const Computed t = compute(cfg);
  int differ = 0;
  for (size_t i = 0; i < c.inv_freq.size(); ++i) differ += c.inv_freq[i] != t.inv_freq[i];
  EXPECT_GT(differ, 0);
}

// ---- dynamic ----

TEST(Frequencies, DynamicRescalesBaseFromSeqLen) {
  // The LlamaConfig docstring's example, rope_scaling {"type": "dynamic", "factor": 2.0}, on
  // Llama-2-7b geometry (head 128, rope_theta 10000, max_position_embeddings 4096).
  RopeConfig cfg = make(128, 10000, ScalingType::kDynamic);
  cfg.scaling.factor = 2;
  cfg.scaling.max_position_embeddings = 4096;
  for (double len : {1.0, 100.0, 4096.0, 4097.0, 8192.0, 16384.0, 1e6}) {
    const Computed c = compute(cfg, len);
    expect_rel(c.inv_freq, ref_dynamic(10000, 128, 2, 4096, len));
    EXPECT_EQ(c.attention, 1.0);
  }
  // At or below max_position_embeddings: the unscaled frequencies.
  expect_rel(compute(cfg, 4096).inv_freq, ref_default(10000, 128));
  // Regimes: one key up to 4096, then one per length.
  EXPECT_EQ(rope::frequency_regime(cfg, 1), rope::frequency_regime(cfg, 4096));
  EXPECT_NE(rope::frequency_regime(cfg, 4096), rope::frequency_regime(cfg, 4097));
  EXPECT_NE(rope::frequency_regime(cfg, 4097), rope::frequency_regime(cfg, 4098));
  EXPECT_TRUE(rope::frequencies_depend_on_seq_len(cfg));
}

// ---- longrope ----

// microsoft/Phi-3.5-mini-instruct is tested with its full factor lists in the JS suite;
// here a 4-pair synthetic pair of lists checks the selection rule and the defaults.
RopeConfig longrope_cfg() {
  RopeConfig cfg = make(8, 10000, ScalingType::kLongrope);
  cfg.scaling.short_factor = {1.0, 1.5, 2.0, 2.5};
  cfg.scaling.long_factor = {1.0, 4.0, 16.0, 64.0};
  cfg.scaling.original_max_position_embeddings = 4096;
  cfg.scaling.max_position_embeddings = 131072;
  cfg.scaling.factor = kNaN;
  return cfg;
}

TEST(Frequencies, LongropeShortOrLongBySeqLen) {
  const RopeConfig cfg = longrope_cfg();
  const Vec base = ref_default(10000, 8);
  for (double len : {1.0, 4096.0}) {
    const Computed c = compute(cfg, len);
    for (int i = 0; i < 4; ++i)
      EXPECT_NEAR(c.inv_freq[i], 1.0 / (cfg.scaling.short_factor[i] * (1.0 / base[i])), 1e-12 * c.inv_freq[i]);
  }
  for (double len : {4097.0, 131072.0, 1e6}) {
    const Computed c = compute(cfg, len);
    for (int i = 0; i < 4; ++i)
      EXPECT_NEAR(c.inv_freq[i], 1.0 / (cfg.scaling.long_factor[i] * (1.0 / base[i])), 1e-12 * c.inv_freq[i]);
  }
  // factor = 131072 / 4096 = 32: sqrt(1 + ln 32 / ln 4096), the same for both lists.
  const double want = std::sqrt(1 + std::log(32.0) / std::log(4096.0));
  EXPECT_NEAR(compute(cfg, 1).attention, want, 1e-15);
  EXPECT_NEAR(compute(cfg, 5000).attention, want, 1e-15);
  EXPECT_EQ(rope::frequency_regime(cfg, 1), rope::frequency_regime(cfg, 4096));
  EXPECT_NE(rope::frequency_regime(cfg, 4096), rope::frequency_regime(cfg, 4097));
  EXPECT_EQ(rope::frequency_regime(cfg, 4097), rope::frequency_regime(cfg, 1e6));
}

TEST(Frequencies, LongropeFactorRules) {
  RopeConfig cfg = longrope_cfg();
  cfg.scaling.factor = 32;  // agrees with 131072 / 4096
  EXPECT_EQ(rope::validate_config(cfg), Status::kOk);
  cfg.scaling.factor = 8;  // contradicts it
  EXPECT_EQ(rope::validate_config(cfg), Status::kScalingInvalid);
  cfg.scaling.max_position_embeddings = 0;  // factor alone
  EXPECT_NEAR(compute(cfg).attention, std::sqrt(1 + std::log(8.0) / std::log(4096.0)), 1e-15);
  cfg.scaling.factor = 0.5;  // factor <= 1: attention factor 1
  EXPECT_EQ(compute(cfg).attention, 1.0);
  cfg.scaling.factor = kNaN;  // nothing to derive the attention factor from
  EXPECT_EQ(rope::validate_config(cfg), Status::kScalingInvalid);
  cfg.scaling.attention_factor = 1.25;  // unless it is given
  EXPECT_EQ(compute(cfg).attention, 1.25);
}

// ---- validation ----

TEST(Frequencies, ValidationRejectsBadScaling) {
  RopeConfig y = yarn_cfg(64, 10000, 40, 4096);
  y.scaling.beta_fast = 0.5;  // beta_fast below beta_slow
  EXPECT_EQ(rope::validate_config(y), Status::kScalingInvalid);
  y = yarn_cfg(64, 10000, 40, 0);  // no original nor max length
  EXPECT_EQ(rope::validate_config(y), Status::kScalingInvalid);
  y = yarn_cfg(64, 10000, 40, 4096);
  y.scaling.mscale = 1;
  y.scaling.mscale_all_dim = -3;  // get_mscale ratio would be negative
  EXPECT_EQ(rope::validate_config(y), Status::kScalingInvalid);
  RopeConfig l = make(64, 500000, ScalingType::kLlama3);
  l.scaling.factor = 8;
  l.scaling.original_max_position_embeddings = 8192;
  l.scaling.low_freq_factor = 4;
  l.scaling.high_freq_factor = 1;  // thresholds swapped
  EXPECT_EQ(rope::validate_config(l), Status::kScalingInvalid);
  RopeConfig d = make(2, 10000, ScalingType::kDynamic);
  d.scaling.factor = 2;
  d.scaling.max_position_embeddings = 4096;  // dim 2: exponent dim/(dim-2) undefined
  EXPECT_EQ(rope::validate_config(d), Status::kScalingInvalid);
  RopeConfig lr = longrope_cfg();
  lr.scaling.long_factor.pop_back();  // wrong length
  EXPECT_EQ(rope::validate_config(lr), Status::kScalingInvalid);
}

// ---- through the rope: regime switches rebuild the cache, attention factor applied ----

TEST(Frequencies, RopeAppliesScaledFrequenciesAndAttentionFactor) {
  RopeConfig cfg = longrope_cfg();
  rope::Rope* r = nullptr;
  ASSERT_EQ(rope::rope_create(cfg, &r), Status::kOk);
  const double af = std::sqrt(1 + std::log(32.0) / std::log(4096.0));
  for (int32_t pos : {5, 4095, 1000000}) {
    // seq_len defaults to the largest position + 1: short at 4095, long at 1e6.
    float x[8] = {1, 0.5f, -0.25f, 2, 0.75f, -1, 1.5f, 0.125f};
    float y[8];
    std::copy(x, x + 8, y);
    rope::ApplyParams p;
    p.num_heads = 1;
    p.start = pos;
    ASSERT_EQ(rope::rope_apply(r, y, 8, p), Status::kOk);
    const auto& f = pos + 1 > 4096 ? cfg.scaling.long_factor : cfg.scaling.short_factor;
    EXPECT_EQ(rope::rope_attention_factor(r), af);
    for (int i = 0; i < 4; ++i) {
      const double inv = 1.0 / (f[i] * std::pow(10000.0, 2.0 * i / 8));
      EXPECT_NEAR(rope::rope_inv_freq(r)[i], inv, 1e-12 * inv);
      const double a = pos * inv, c = std::cos(a) * af, s = std::sin(a) * af;
      EXPECT_NEAR(y[i], x[i] * c - x[i + 4] * s, 3e-7 * 2 * af) << pos << " pair " << i;
      EXPECT_NEAR(y[i + 4], x[i + 4] * c + x[i] * s, 3e-7 * 2 * af) << pos << " pair " << i;
    }
  }
  rope::rope_destroy(r);
}

}  // namespace
