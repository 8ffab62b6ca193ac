// libFuzzer target over the core's entry points (src/rope_apply.h), built with
// -fsanitize=fuzzer,address,undefined (cmake -DROPE_FUZZ=ON, clang++).
//
// Each input is decoded into a config (valid or not: head/rotary dims, base, layout, cache
// limit, scaling type 0..6 or out of range with random parameters and partial_rotary_factor;
// M-RoPE mode 0..3 or out of range, 0..5 streams, sections fitting the mode's rule or off
// by one, negative, huge; freq_factors absent, of the right or wrong count, values 0,
// negative, NaN, infinite, subnormal, huge) and, when rope_create accepts it, a short
// sequence of calls: rope_apply, rope_apply_qk, rope_apply_view, rope_apply_qk_view,
// rope_set_seq_len, rope_pair_info, rope_token_count, with random heads, orders, token
// counts, lengths that may not be a whole number of tokens, start positions over the whole
// int64 range, per-token int32 positions (extremes and negatives; streams x tokens for
// M-RoPE: text runs, image-like grids, independent streams), seq_len (NaN, infinite,
// negative, huge). Views: dtype float32/float16/bfloat16 or invalid, offset, dense, gapped,
// overlapping, past-the-end or huge strides, implied or given tokens, batch 0, a few or
// sizes that overflow, a start, starts per sequence or positions per token, inverse,
// relative; q/k as two buffers, one fused QKV buffer, or one buffer with k overlapping q.
//
// Every tensor, position list and output array is allocated with exactly the element count
// passed to the core, so AddressSanitizer sees any read or write past it. Beyond the
// sanitizers, each call is checked against the contract:
//   - the status is the one the documented checks give (shape, positions, seq_len, null;
//     the config rules of mrope / freq_factors / proportional, the view layout and the q/k
//     overlap modelled here independently of src/);
//   - a failed call leaves the tensors bit-for-bit unchanged;
//   - a successful call matches a float64 reference (pair i at the position of its stream:
//     chunked/vision sections, Hugging Face's interleaved rule; vision frequencies
//     base^(-2j/(2*S_k)) modelled here; relative rotation without the attention factor;
//     pairs whose inputs are not finite are skipped: NaN/Infinity may reach only their own
//     pair), pass-through channels and every element outside a view's vectors are
//     untouched, a 16-bit result is the float32 path's result on the widened input rounded
//     with rope_half.h's conversions, bit for bit, and applying the inverse gives the input
//     back; frequencies of the types with a closed form equal their formula.
// A violation prints what went wrong and aborts, which libFuzzer reports as a crash;
// ROPE_FUZZ_TRACE=1 prints each call when replaying an input.
//
// The C API (include/rope_wasm/rope.h) is driven alongside: a C handle is created from the
// same config (its status must be the core's), every call above is repeated on it with
// copies of the same tensors (same status, same bits), plus re-rotation, rope_shift (against
// its definition: a relative view rotation by to - from), introspection through it, and
// misuse only the C API can see: NULL handles, NULL params, views, calls and outputs, bad
// struct_size, lengths whose byte count overflows, overlapping q and k, short output
// arrays, factor counts too large to copy, every status string.
//
// Core bugs found and not yet fixed are steered around by default (see known_bug below);
// ROPE_FUZZ_KNOWN_BUGS=all reaches them.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "rope_apply.h"
#include "rope_half.h"
#include "rope_status.h"
#include "rope_wasm/rope.h"

using namespace rope;

namespace {

// Native memory bound for one input: keeps the fuzzer fast and inside libFuzzer's RSS limit.
constexpr size_t kMaxTensorFloats = size_t{1} << 16;    // 256 KiB per tensor
constexpr double kMaxTableBytes = 1.0 * 1024 * 1024;   // cos/sin table actually grown (its cost dominates)
constexpr double kCheckedFactorMin = 1e-15, kCheckedFactorMax = 1e15;  // the core's bounds

[[noreturn]] void violation(const char* what, long long a = 0, long long b = 0) {
  std::fprintf(stderr, "rope_fuzz: contract violation: %s (%lld, %lld)\n", what, a, b);
  std::abort();
}

void check(bool ok, const char* what, long long a = 0, long long b = 0) {
  if (!ok) violation(what, a, b);
}

// Core bugs this target has found and reported that are not fixed yet: by default the
// decoder steers around their inputs so that the short run keeps testing everything else;
// ROPE_FUZZ_KNOWN_BUGS=all (or a comma-separated list of the names) reaches them again:
//   stride-wrap       a view's stride of a dimension of one (one head, token or sequence) is
//                     accepted whatever it is; the kernels step past the last vector by it,
//                     and a stride near 2^62 elements wraps the pointer (UB)
//   shift-overflow    rope_shift computes to_start - from_start and start + t in int64 (UB)
//   shift-batch-wrap  rope_shift sizes its position lists with heads*head_dim*batch, which
//                     wraps for a huge batch: it reads past the caller's lists
//   shift-seq-len     rope_shift with seq_len 0 uses the largest delta + 1, not the sequence
//                     length in force as rope.h says (dynamic, longrope)
//   ff-count          rope_create (C) accepts freq_factor_count > 32768 when rotary_dim is 2
// All five are fixed in the core and the C API (this session): every input reaches them
// again by default, and their regress-known-* corpus inputs are regression tests now.
// ROPE_FUZZ_KNOWN_BUGS=none steers around them as before (for bisecting an old build).
bool known_bug(const char* name) {
  const char* env = std::getenv("ROPE_FUZZ_KNOWN_BUGS");
  if (env == nullptr) return true;
  return std::strcmp(env, "none") != 0 && (std::strcmp(env, "all") == 0 || std::strcmp(env, "1") == 0 || std::strstr(env, name) != nullptr);
}

// ROPE_FUZZ_TRACE=1 prints each view call before it is made (to report a crashing input).
bool tracing() {
  static const bool on = std::getenv("ROPE_FUZZ_TRACE") != nullptr;
  return on;
}

double pick_double(FuzzedDataProvider& f) {
  static const double kPalette[] = {0.0, 1.0, 2.0, 0.5, 4.0, 8.0, 16.0, 32.0, 1.0 / 3, 4096, 8192, 131072,
                                    -1.0, 1e-300, 1e300, std::numeric_limits<double>::quiet_NaN(),
                                    std::numeric_limits<double>::infinity(),
                                    -std::numeric_limits<double>::infinity(), 10000, 500000};
  switch (f.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      return f.PickValueInArray(kPalette);
    case 1:
      return f.ConsumeFloatingPointInRange<double>(0.0, 64.0);
    case 2:
      return static_cast<double>(f.ConsumeIntegralInRange<int>(-4, 1 << 20));
    default:
      return f.ConsumeFloatingPoint<double>();
  }
}

int pick_even_dim(FuzzedDataProvider& f) {
  switch (f.ConsumeIntegralInRange<int>(0, 9)) {
    case 0:
      return f.ConsumeIntegral<int>();  // anything: odd, zero, negative, huge
    case 1:
      // Limits and bad values, and the sizes with kernels compiled for a fixed pair count.
      return f.PickValueInArray({kMaxHeadDim, kMaxHeadDim + 2, kMaxHeadDim - 2, 2, 1, 0, -2, 32, 64, 96, 128, 256});
    default:
      return 2 * f.ConsumeIntegralInRange<int>(1, 96);
  }
}

// M-RoPE: mostly none; else a mode (or any int), a stream count 0..5 and sections that
// usually fit the mode's rule for `pairs` pairs (chunked/vision: they sum to pairs; vision:
// each >= 1; interleaved: 3 streams), sometimes perturbed, negative or huge.
void pick_mrope(FuzzedDataProvider& f, RopeConfig* c, int pairs) {
  MropeParams& m = c->mrope;
  if (f.ConsumeIntegralInRange<int>(0, 2) != 0) return;
  const int mode = f.ConsumeIntegralInRange<int>(0, 15) == 0 ? f.ConsumeIntegral<int>() : f.ConsumeIntegralInRange<int>(1, 3);
  m.mode = static_cast<MropeMode>(mode);
  m.streams = mode == 2 ? 3 : f.ConsumeIntegralInRange<int>(1, kMaxStreams);
  if (f.ConsumeIntegralInRange<int>(0, 15) == 0) m.streams = f.ConsumeIntegralInRange<int>(0, 5);
  const int n = std::min(std::max(m.streams, 0), kMaxStreams);
  if (mode == 2) {
    // Hugging Face's Qwen3-VL: [24, 20, 20] for 64 pairs; any S_h, S_w (3*S past the pairs too).
    for (int k = 0; k < n; ++k) m.sections[k] = f.ConsumeIntegralInRange<int>(0, pairs / 3 + 2);
  } else if (n > 0) {
    // Cut `pairs` into n sections (vision: each >= 1 when pairs >= n).
    int left = pairs;
    for (int k = 0; k < n - 1; ++k) {
      const int lo = mode == 3 && left >= n - k ? 1 : 0;
      const int hi = std::max(lo, left - (mode == 3 ? n - k - 1 : 0));
      m.sections[k] = f.ConsumeIntegralInRange<int>(lo, hi);
      left -= m.sections[k];
    }
    m.sections[n - 1] = left;
  }
  switch (f.ConsumeIntegralInRange<int>(0, 11)) {
    case 0:  // off by one
      m.sections[f.ConsumeIntegralInRange<int>(0, kMaxStreams - 1)] += f.ConsumeBool() ? 1 : -1;
      break;
    case 1:  // anything
      m.sections[f.ConsumeIntegralInRange<int>(0, kMaxStreams - 1)] =
          f.ConsumeBool() ? f.ConsumeIntegral<int>() : f.PickValueInArray({-1, 0, kMaxHeadDim, kMaxHeadDim + 1, -kMaxHeadDim});
      break;
    default:
      break;
  }
  // Vision towers take no scaling: usually none then.
  if (mode == 3 && f.ConsumeIntegralInRange<int>(0, 3) != 0) c->scaling = ScalingParams();
}

RopeConfig pick_config(FuzzedDataProvider& f) {
  RopeConfig c;
  c.head_dim = pick_even_dim(f);
  switch (f.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      c.rotary_dim = 0;  // default: head_dim
      break;
    case 1:
      c.rotary_dim = pick_even_dim(f);
      break;
    default:
      c.rotary_dim = c.head_dim > 0 ? 2 * f.ConsumeIntegralInRange<int>(1, std::max(1, c.head_dim / 2)) : 2;
  }
  c.base = f.ConsumeBool() ? f.PickValueInArray({10000.0, 500000.0, 1e6, 2.0, 1.0, 0.0}) : pick_double(f);
  c.layout = static_cast<Layout>(f.ConsumeBool() ? f.ConsumeIntegralInRange<int>(0, 1) : f.ConsumeIntegral<int>());
  switch (f.ConsumeIntegralInRange<int>(0, 5)) {
    case 0:
      c.cache_limit_bytes = 0;
      break;
    case 1:
      c.cache_limit_bytes = f.ConsumeIntegralInRange<int>(0, 1 << 16);
      break;
    case 2:
      c.cache_limit_bytes = f.PickValueInArray({1e300, 4294967296.0 + 4096, 2147483648.0, 1e12,
                                                std::numeric_limits<double>::infinity(), -1.0,
                                                std::numeric_limits<double>::quiet_NaN()});
      break;
    case 3:
      c.cache_limit_bytes = pick_double(f);
      break;
    default:
      break;  // the default, 8 MiB
  }
  ScalingParams& s = c.scaling;
  const int type = f.ConsumeIntegralInRange<int>(0, 8);
  s.type = static_cast<ScalingType>(type <= 6 ? type : f.ConsumeIntegral<int>());
  if (s.type == ScalingType::kProportional || f.ConsumeIntegralInRange<int>(0, 15) == 0) {
    switch (f.ConsumeIntegralInRange<int>(0, 3)) {
      case 0:
        s.partial_rotary_factor = f.PickValueInArray({1.0, 0.5, 0.25, 0.0, 1.0 / 3, 1.5, -0.1, -0.0, 1.0000001,
                                                      std::numeric_limits<double>::quiet_NaN(),
                                                      std::numeric_limits<double>::infinity()});
        break;
      case 1:
        s.partial_rotary_factor = pick_double(f);
        break;
      default:
        s.partial_rotary_factor = f.ConsumeFloatingPointInRange<double>(0.0, 1.0);
    }
  }
  if (s.type != ScalingType::kNone) {
    s.factor = pick_double(f);
    s.max_position_embeddings = pick_double(f);
    s.original_max_position_embeddings = pick_double(f);
    if (f.ConsumeBool()) s.beta_fast = pick_double(f);
    if (f.ConsumeBool()) s.beta_slow = pick_double(f);
    if (f.ConsumeBool()) s.mscale = pick_double(f);
    if (f.ConsumeBool()) s.mscale_all_dim = pick_double(f);
    if (f.ConsumeBool()) s.attention_factor = pick_double(f);
    s.truncate = f.ConsumeBool();
    if (f.ConsumeBool()) s.low_freq_factor = pick_double(f);
    if (f.ConsumeBool()) s.high_freq_factor = pick_double(f);
    const int rd = c.rotary_dim == 0 ? c.head_dim : c.rotary_dim;
    if (s.type == ScalingType::kLongrope || f.ConsumeBool()) {
      // Usually the right count (rotaryDim/2), sometimes not.
      size_t n = rd > 0 && rd <= 512 ? static_cast<size_t>(rd / 2) : 4;
      if (f.ConsumeIntegralInRange<int>(0, 7) == 0) n = f.ConsumeIntegralInRange<size_t>(0, 8);
      for (size_t i = 0; i < n; ++i) s.short_factor.push_back(f.ConsumeBool() ? 1.0 + i * 0.25 : pick_double(f));
      if (f.ConsumeIntegralInRange<int>(0, 7) == 0) n = f.ConsumeIntegralInRange<size_t>(0, 8);
      for (size_t i = 0; i < n; ++i) s.long_factor.push_back(f.ConsumeBool() ? 2.0 + i * 0.5 : pick_double(f));
    }
  }
  const int rd = c.rotary_dim == 0 ? c.head_dim : c.rotary_dim;
  const int pairs = rd > 0 && rd <= 2 * kMaxHeadDim ? rd / 2 : 4;
  pick_mrope(f, &c, pairs);
  // freq_factors: mostly none; else usually the right count, values mostly usable.
  if (f.ConsumeIntegralInRange<int>(0, 3) == 0) {
    size_t n = static_cast<size_t>(std::min(pairs, 512));
    if (f.ConsumeIntegralInRange<int>(0, 7) == 0) n = f.ConsumeIntegralInRange<size_t>(0, 9);
    const bool palette = f.ConsumeIntegralInRange<int>(0, 3) == 0;
    for (size_t i = 0; i < n; ++i) {
      double v = 1.0 + 0.5 * static_cast<double>(i);
      if (palette && f.ConsumeIntegralInRange<int>(0, 3) == 0)
        v = f.PickValueInArray({0.0, -0.0, -1.0, 1e300, 1e-300, 40.0, 1.0, 0.5, 4.9406564584124654e-324, 1e-290,
                                std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity()});
      else if (palette)
        v = pick_double(f);
      c.freq_factors.push_back(v);
    }
  }
  return c;
}

// A buffer of exactly n T's (malloc(0) for n == 0, still a distinct allocation for ASan).
template <typename T>
T* alloc_exact(size_t n) {
  T* p = static_cast<T*>(std::malloc(n * sizeof(T)));
  if (p == nullptr && n != 0) std::abort();
  return p;
}

void fill_tensor(FuzzedDataProvider& f, float* x, size_t n, bool allow_special) {
  const bool special = allow_special && f.ConsumeIntegralInRange<int>(0, 7) == 0;
  uint32_t s = f.ConsumeIntegral<uint32_t>() | 1u;
  for (size_t i = 0; i < n; ++i) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    x[i] = static_cast<float>(static_cast<int32_t>(s) / 2147483648.0);
  }
  if (special && n > 0) {
    const int count = f.ConsumeIntegralInRange<int>(1, 4);
    for (int j = 0; j < count; ++j) {
      const size_t at = f.ConsumeIntegralInRange<size_t>(0, n - 1);
      x[at] = f.PickValueInArray({std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                                  -std::numeric_limits<float>::infinity(), 3e38f, -3e38f});
    }
  }
}

struct Tensor {
  float* x = nullptr;
  size_t length = 0;
  std::vector<float> before;
};

// The status the documented checks give for one tensor's shape (rope_apply.cpp, shape_of).
Status expected_shape_status(int head_dim, size_t length, int heads, Order order, size_t* tokens) {
  if (heads <= 0) return Status::kNumHeadsInvalid;
  const size_t per_token = static_cast<size_t>(heads) * static_cast<size_t>(head_dim);
  if (length % per_token != 0) return Status::kLengthInvalid;
  if (order != Order::kTokenMajor && order != Order::kHeadMajor) return Status::kOrderInvalid;
  *tokens = length / per_token;
  return Status::kOk;
}

int pick_heads(FuzzedDataProvider& f) {
  switch (f.ConsumeIntegralInRange<int>(0, 11)) {
    case 0:
      return f.ConsumeIntegral<int>();
    case 1:
      return f.PickValueInArray({0, -1, std::numeric_limits<int>::max(), std::numeric_limits<int>::min()});
    default:
      return f.ConsumeIntegralInRange<int>(1, 8);
  }
}

// Tokens for a tensor: mostly small, sometimes past the 256-token block (two blocks).
size_t pick_tokens(FuzzedDataProvider& f, size_t per_token) {
  size_t t;
  switch (f.ConsumeIntegralInRange<int>(0, 7)) {
    case 0:
      t = 0;
      break;
    case 1:
      t = f.ConsumeIntegralInRange<size_t>(250, 530);
      break;
    default:
      t = f.ConsumeIntegralInRange<size_t>(1, 12);
  }
  if (per_token == 0) return t;
  return std::min(t, kMaxTensorFloats / per_token);
}

// Length of a tensor of `tokens` tokens, sometimes off by a few floats.
size_t pick_length(FuzzedDataProvider& f, size_t tokens, size_t per_token) {
  size_t len = tokens * per_token;
  if (f.ConsumeIntegralInRange<int>(0, 5) == 0) {
    const int delta = f.ConsumeIntegralInRange<int>(-3, 3);
    if (delta < 0 && len < static_cast<size_t>(-delta)) return 0;
    len = static_cast<size_t>(static_cast<int64_t>(len) + delta);
  }
  return std::min(len, kMaxTensorFloats);
}

int32_t pick_position(FuzzedDataProvider& f) {
  switch (f.ConsumeIntegralInRange<int>(0, 5)) {
    case 0:
      return f.ConsumeIntegral<int32_t>();
    case 1:
      return f.PickValueInArray({std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::min(), -1, 0,
                                 1 << 24, (1 << 24) + 1, 1000000});
    case 2:
      return f.ConsumeIntegralInRange<int32_t>(-300, 300);
    default:
      return f.ConsumeIntegralInRange<int32_t>(0, 20000);
  }
}

double pick_seq_len(FuzzedDataProvider& f) {
  switch (f.ConsumeIntegralInRange<int>(0, 5)) {
    case 0:
      return pick_double(f);
    case 1:
      return f.ConsumeIntegralInRange<int>(1, 300000);
    default:
      return 0;  // the default: largest position + 1
  }
}

// Prints the rope's config and frequencies, for a violation report.
void dump(const Rope* r) {
  const RopeConfig& c = rope::rope_config(r);
  const ScalingParams& s = c.scaling;
  std::fprintf(stderr,
               "rope_fuzz: config headDim %d rotaryDim %d base %.17g layout %d cacheLimitBytes %.17g\n"
               "  scaling type %d factor %.17g max %.17g original %.17g betaFast %.17g betaSlow %.17g mscale %.17g "
               "mscaleAllDim %.17g attentionFactor %.17g truncate %d low %.17g high %.17g factors %zu/%zu\n"
               "  attention factor in force %.17g, invFreq:",
               c.head_dim, rope_rotary_dim(r), c.base, static_cast<int>(c.layout), c.cache_limit_bytes,
               static_cast<int>(s.type), s.factor, s.max_position_embeddings, s.original_max_position_embeddings,
               s.beta_fast, s.beta_slow, s.mscale, s.mscale_all_dim, s.attention_factor, s.truncate,
               s.low_freq_factor, s.high_freq_factor, s.short_factor.size(), s.long_factor.size(),
               rope_attention_factor(r));
  for (int i = 0; i < rope_rotary_dim(r) / 2 && i < 16; ++i) std::fprintf(stderr, " %.17g", rope_inv_freq(r)[i]);
  std::fprintf(stderr, "\n  partialRotaryFactor %.17g mrope mode %d streams %d sections %d %d %d %d freqFactors %zu:",
               s.partial_rotary_factor, static_cast<int>(c.mrope.mode), c.mrope.streams, c.mrope.sections[0],
               c.mrope.sections[1], c.mrope.sections[2], c.mrope.sections[3], c.freq_factors.size());
  for (size_t i = 0; i < c.freq_factors.size() && i < 16; ++i) std::fprintf(stderr, " %.17g", c.freq_factors[i]);
  std::fprintf(stderr, "\n");
}

// ---- M-RoPE, proportional scaling and freq factors, modelled here independently of src/

// The status validate_config must give: the core's own checks for the dimensions, base,
// layout, cache limit and the older scaling types, then (in the core's order: scaling,
// mrope, freq factors) the rules of the new fields written out from their documentation.
Status expected_config_status(const RopeConfig& c) {
  RopeConfig plain = c;
  plain.scaling = ScalingParams();
  plain.mrope = MropeParams();
  plain.freq_factors.clear();
  Status st = validate_config(plain);
  if (st != Status::kOk) return st;
  const int rd = c.rotary_dim == 0 ? c.head_dim : c.rotary_dim;
  const long pairs = rd / 2;
  const ScalingParams& s = c.scaling;
  if (s.type == ScalingType::kProportional) {
    const double prf = s.partial_rotary_factor;
    if (!(std::isfinite(s.factor) && s.factor > 0) || !(std::isfinite(prf) && prf >= 0 && prf <= 1))
      return Status::kScalingInvalid;
  } else {
    RopeConfig scaled = plain;
    scaled.scaling = s;
    st = validate_config(scaled);
    if (st != Status::kOk) return st;
  }
  const MropeParams& m = c.mrope;
  const int mode = static_cast<int>(m.mode);
  if (mode != 0) {
    if (mode < 1 || mode > 3 || m.streams < 1 || m.streams > 4) return Status::kMropeInvalid;
    long sum = 0;
    bool all_positive = true;
    for (int k = 0; k < m.streams; ++k) {
      if (m.sections[k] < 0 || m.sections[k] > kMaxHeadDim) return Status::kMropeInvalid;
      sum += m.sections[k];
      all_positive &= m.sections[k] >= 1;
    }
    if (mode == 1 && sum != pairs) return Status::kMropeInvalid;
    if (mode == 2 && m.streams != 3) return Status::kMropeInvalid;
    if (mode == 3) {
      if (!all_positive || sum != pairs) return Status::kMropeInvalid;
      if (s.type != ScalingType::kNone) return Status::kScalingInvalid;
    }
  }
  if (!c.freq_factors.empty()) {
    if (c.freq_factors.size() != static_cast<size_t>(pairs)) return Status::kFreqFactorsInvalid;
    for (double v : c.freq_factors)
      if (!(v > 0)) return Status::kFreqFactorsInvalid;
  }
  return Status::kOk;
}

// Pair i's stream: chunked and vision take contiguous sections; interleaved Hugging Face's
// Qwen3-VL rule (h on i % 3 == 1 below 3*S_h, w on i % 3 == 2 below 3*S_w, t elsewhere).
int stream_of_pair(const RopeConfig& c, int i) {
  const MropeParams& m = c.mrope;
  switch (m.mode) {
    case MropeMode::kInterleaved:
      if (i % 3 == 1 && i < 3 * m.sections[1]) return 1;
      if (i % 3 == 2 && i < 3 * m.sections[2]) return 2;
      return 0;
    case MropeMode::kChunked:
    case MropeMode::kVision: {
      int acc = 0;
      for (int k = 0; k < m.streams; ++k) {
        acc += m.sections[k];
        if (i < acc) return k;
      }
      violation("a pair past the sections of a valid config", i);
    }
    default:
      return 0;
  }
}

// The frequencies the formulas give for the types whose frequencies do not depend on the
// sequence length and need no fitted parameters (none, vision, linear, proportional), with
// the freq factors dividing them; empty for the other types. Vision: pair j of section k
// turns at base^(-2j/(2*S_k)); proportional: the first floor(prf*rd/2) pairs at
// base^(-2i/rd) / factor, the rest not at all.
std::vector<double> model_frequencies(const RopeConfig& c) {
  const int rd = c.rotary_dim == 0 ? c.head_dim : c.rotary_dim;
  const int pairs = rd / 2;
  const ScalingParams& s = c.scaling;
  std::vector<double> f;
  if (c.mrope.mode == MropeMode::kVision) {
    for (int k = 0; k < c.mrope.streams; ++k)
      for (int j = 0; j < c.mrope.sections[k]; ++j) f.push_back(std::pow(c.base, -(2.0 * j) / (2.0 * c.mrope.sections[k])));
  } else if (s.type == ScalingType::kNone || s.type == ScalingType::kLinear || s.type == ScalingType::kProportional) {
    const int angles = s.type == ScalingType::kProportional ? static_cast<int>(std::floor(s.partial_rotary_factor * rd / 2)) : pairs;
    const double div = s.type == ScalingType::kNone ? 1.0 : s.factor;
    for (int i = 0; i < pairs; ++i) f.push_back(i < angles ? std::pow(c.base, -(2.0 * i) / rd) / div : 0.0);
  } else {
    return f;
  }
  if (!c.freq_factors.empty())
    for (int i = 0; i < pairs; ++i) f[static_cast<size_t>(i)] /= c.freq_factors[static_cast<size_t>(i)];
  return f;
}

// What the float64 reference needs of a rope: each pair's stream and, for vision towers,
// the modelled frequencies (the others read rope_inv_freq, the scaled ones in force).
struct Ref {
  int head_dim = 0, rd = 0, pairs = 0, streams = 1;
  bool interleaved = false, vision = false;
  std::vector<int> stream_of;
  std::vector<double> model_freq;
};

Ref make_ref(const Rope* r) {
  const RopeConfig& c = rope::rope_config(r);
  Ref ref;
  ref.head_dim = c.head_dim;
  ref.rd = rope_rotary_dim(r);
  ref.pairs = ref.rd / 2;
  ref.streams = c.mrope.mode == MropeMode::kNone ? 1 : c.mrope.streams;
  ref.interleaved = c.layout == Layout::kInterleaved;
  ref.vision = c.mrope.mode == MropeMode::kVision;
  for (int i = 0; i < ref.pairs; ++i) ref.stream_of.push_back(stream_of_pair(c, i));
  ref.model_freq = model_frequencies(c);
  return ref;
}

// The frequencies the reference uses for a call, read after it.
std::vector<double> ref_frequencies(const Rope* r, const Ref& ref) {
  if (ref.vision) return ref.model_freq;
  const double* f = rope_inv_freq(r);
  return std::vector<double>(f, f + ref.pairs);
}

// One vector's rotated channels (x0 the input, y the output, both rd floats) against float64:
// pair i turns by P[stream(i)] * freq[i] (negated by inverse), scaled by the attention factor
// (by 1/af for the inverse; by nothing for a relative rotation, either way).
void check_vector(const Rope* r, const Ref& ref, const std::vector<double>& freq, double af, const float* x0,
                  const float* y, const int64_t* P, bool inverse, bool relative) {
  const double scale = relative ? 1.0 : inverse ? 1.0 / af : af;
  for (int i = 0; i < ref.pairs; ++i) {
    const int a = ref.interleaved ? 2 * i : i;
    const int b = ref.interleaved ? 2 * i + 1 : i + ref.pairs;
    const double xa = x0[a], xb = x0[b];
    if (!std::isfinite(xa) || !std::isfinite(xb)) continue;
    const int64_t pos = P[ref.stream_of[static_cast<size_t>(i)]];
    if (std::fabs(xa) <= 1e30 && std::fabs(xb) <= 1e30 && !(std::isfinite(y[a]) && std::isfinite(y[b]))) {
      dump(r);
      std::fprintf(stderr, "rope_fuzz: pair %d at position %lld (inverse %d relative %d): x (%.9g, %.9g) -> (%.9g, %.9g)\n",
                   i, static_cast<long long>(pos), inverse, relative, xa, xb, y[a], y[b]);
      violation("finite input, non-finite output", i, static_cast<long long>(pos));
    }
    const double angle = (inverse ? -1.0 : 1.0) * static_cast<double>(pos) * freq[static_cast<size_t>(i)];
    if (!std::isfinite(angle) || std::fabs(angle) > 1099511627776.0) continue;
    if (!std::isfinite(scale) || std::fabs(scale) > 1e30 || std::fabs(xa) > 1e30 || std::fabs(xb) > 1e30) continue;
    const double cs = std::cos(angle) * scale, sn = std::sin(angle) * scale;
    const double ya = xa * cs - xb * sn, yb = xb * cs + xa * sn;
    const double mag = (std::fabs(xa) + std::fabs(xb)) * std::fabs(scale);
    const double tol = mag * (2e-6 + 64 * 2.3e-16 * std::fabs(angle)) + 1e-37;
    if (!(std::fabs(ya - y[a]) <= tol && std::fabs(yb - y[b]) <= tol)) {
      dump(r);
      std::fprintf(stderr,
                   "rope_fuzz: pair %d stream %d position %lld freq %.17g inverse %d relative %d af %.17g: x (%.9g, %.9g) -> "
                   "(%.9g, %.9g), float64 (%.9g, %.9g)\n",
                   i, ref.stream_of[static_cast<size_t>(i)], static_cast<long long>(pos), freq[static_cast<size_t>(i)],
                   inverse, relative, af, xa, xb, y[a], y[b], ya, yb);
      violation("result differs from the float64 reference", i, static_cast<long long>(pos));
    }
  }
}

// The frequencies in force are finite and not negative, the attention factor positive.
void check_frequencies(const Rope* r, const char* when) {
  const double* f = rope_inv_freq(r);
  const double af = rope_attention_factor(r);
  for (int i = 0; i < rope_rotary_dim(r) / 2; ++i) {
    if (std::isfinite(f[i]) && f[i] >= 0 && std::isfinite(af) && af > 0) continue;
    dump(r);
    std::fprintf(stderr, "rope_fuzz: %s: invFreq[%d] = %.17g\n", when, i, f[i]);
    violation("a frequency or the attention factor is not finite", i);
  }
}

// Checks a successful call on one tensor against the contract: pass-through channels
// untouched, rotated ones as the float64 reference (pos: streams x tokens, stream-major).
void check_tensor(const Rope* r, const Tensor& t, size_t tokens, int heads, Order order,
                  const std::vector<int64_t>& pos, bool inverse) {
  const Ref ref = make_ref(r);
  const std::vector<double> freq = ref_frequencies(r, ref);
  const double af = rope_attention_factor(r);
  // The core refuses attention factors outside [1e-15, 1e15] (float rows and 1/af^2 stay
  // normal inside); a factor outside them here is itself a violation.
  check(af >= kCheckedFactorMin && af <= kCheckedFactorMax, "attention factor in force out of range");
  const size_t head_dim = static_cast<size_t>(ref.head_dim);
  int64_t P[kMaxStreams] = {};
  for (size_t tk = 0; tk < tokens; ++tk) {
    for (int k = 0; k < ref.streams; ++k) P[k] = pos[static_cast<size_t>(k) * tokens + tk];
    for (int h = 0; h < heads; ++h) {
      const size_t off = order == Order::kTokenMajor ? (tk * static_cast<size_t>(heads) + h) * head_dim
                                                     : (static_cast<size_t>(h) * tokens + tk) * head_dim;
      const float* x0 = &t.before[off];
      const float* y = t.x + off;
      for (size_t d = static_cast<size_t>(ref.rd); d < head_dim; ++d)
        check(std::memcmp(&x0[d], &y[d], sizeof(float)) == 0, "pass-through channel changed", static_cast<long long>(d),
              static_cast<long long>(off));
      check_vector(r, ref, freq, af, x0, y, P, inverse, false);
    }
  }
}

void unchanged(const Tensor& t, const char* what) {
  if (t.length == 0) return;
  check(std::memcmp(t.x, t.before.data(), t.length * sizeof(float)) == 0, what);
}

// ---- the C API side

// The C config equivalent to a core config (written out here, independent of the C API's
// own conversion). The factor arrays point into c's vectors.
::rope_config to_c_config(const RopeConfig& c) {
  ::rope_config k;
  rope_config_init(&k);
  k.head_dim = c.head_dim;
  k.rotary_dim = c.rotary_dim;
  k.base = c.base;
  k.layout = static_cast<int32_t>(c.layout);
  k.cache_limit_bytes = c.cache_limit_bytes;
  const ScalingParams& s = c.scaling;
  k.scaling_type = static_cast<int32_t>(s.type);
  k.truncate = s.truncate ? 1 : 0;
  k.factor = s.factor;
  k.max_position_embeddings = s.max_position_embeddings;
  k.original_max_position_embeddings = s.original_max_position_embeddings;
  k.beta_fast = s.beta_fast;
  k.beta_slow = s.beta_slow;
  k.mscale = s.mscale;
  k.mscale_all_dim = s.mscale_all_dim;
  k.attention_factor = s.attention_factor;
  k.low_freq_factor = s.low_freq_factor;
  k.high_freq_factor = s.high_freq_factor;
  k.short_factor = s.short_factor.data();
  k.short_factor_count = s.short_factor.size();
  k.long_factor = s.long_factor.data();
  k.long_factor_count = s.long_factor.size();
  k.partial_rotary_factor = s.partial_rotary_factor;
  k.mrope_mode = static_cast<int32_t>(c.mrope.mode);
  k.mrope_section_count = c.mrope.streams;
  for (int i = 0; i < kMaxStreams; ++i) k.mrope_sections[i] = c.mrope.sections[i];
  k.freq_factors = c.freq_factors.empty() ? nullptr : c.freq_factors.data();
  k.freq_factor_count = c.freq_factors.size();
  return k;
}

rope_apply_params to_c_params(const ApplyParams& p) {
  rope_apply_params k;
  rope_apply_params_init(&k);
  k.num_heads = p.num_heads;
  k.num_kv_heads = p.num_kv_heads;
  k.order = static_cast<int32_t>(p.order);
  k.positions = p.positions;
  k.start = p.start;
  k.inverse = p.inverse ? 1 : 0;
  k.seq_len = p.seq_len;
  return k;
}

int code(rope_status s) { return static_cast<int>(s); }
int code(Status s) { return static_cast<int>(s); }

// A copy of a tensor's input in an exact-size allocation (ASan sees any overrun), or null.
float* copy_exact(const Tensor& t) {
  if (t.x == nullptr) return nullptr;
  float* c = alloc_exact<float>(t.length);
  if (t.length) std::memcpy(c, t.before.data(), t.length * sizeof(float));
  return c;
}

// The C handle's call gave the core's status, and the core's bits.
void check_mirror(rope_status cs, Status st, const float* c, const Tensor& t, const char* what) {
  check(code(cs) == code(st), what, code(cs), code(st));
  if (c != nullptr && t.length)
    check(std::memcmp(c, t.x, t.length * sizeof(float)) == 0, "C API result differs from the core's bits");
}

// Position streams of a rope's calls (1 without M-RoPE).
int streams_of(const Rope* r) {
  const RopeConfig& c = rope::rope_config(r);
  return c.mrope.mode == MropeMode::kNone ? 1 : c.mrope.streams;
}

// Positions of the call as int64, streams x tokens (stream-major); a start gives every
// stream start + t.
std::vector<int64_t> positions_of(const ApplyParams& p, size_t tokens, int streams) {
  std::vector<int64_t> v(tokens * static_cast<size_t>(streams));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = p.positions ? p.positions[i]
                       : static_cast<int64_t>(std::min<__int128>(static_cast<__int128>(p.start) + static_cast<__int128>(i % std::max<size_t>(tokens, 1)),
                                                                 std::numeric_limits<int64_t>::max()));
  return v;
}

// Fills streams x tokens positions (stream-major). Without M-RoPE, independent picks; with
// it, runs of text tokens (every stream equal, consecutive), image-like grids (t fixed, h
// the row, w the column, e anything), and tokens whose streams are picked independently
// (extremes, negatives, past the cache bound).
void fill_positions(FuzzedDataProvider& f, int32_t* out, size_t tokens, int streams) {
  if (streams <= 1) {
    for (size_t t = 0; t < tokens; ++t) out[t] = pick_position(f);
    return;
  }
  int32_t cursor = f.ConsumeBool() ? f.ConsumeIntegralInRange<int32_t>(0, 300) : pick_position(f);
  size_t t = 0;
  while (t < tokens) {
    const int kind = f.ConsumeIntegralInRange<int>(0, 3);
    const size_t run = std::min(tokens - t, f.ConsumeIntegralInRange<size_t>(1, 40));
    const int width = f.ConsumeIntegralInRange<int>(1, 8);
    for (size_t j = 0; j < run; ++j, ++t) {
      for (int k = 0; k < streams; ++k) {
        int64_t v;
        if (kind <= 1) v = static_cast<int64_t>(cursor) + static_cast<int64_t>(j);  // text
        else if (kind == 2) v = static_cast<int64_t>(cursor) + (k == 1 ? static_cast<int64_t>(j) / width : k == 2 ? static_cast<int64_t>(j) % width : k == 3 ? static_cast<int64_t>(j) : 0);
        else v = pick_position(f);
        out[static_cast<size_t>(k) * tokens + t] =
            static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(v, std::numeric_limits<int32_t>::min()),
                                                   std::numeric_limits<int32_t>::max()));
      }
    }
    if (kind <= 1) cursor = static_cast<int32_t>(std::min<int64_t>(static_cast<int64_t>(cursor) + static_cast<int64_t>(run), std::numeric_limits<int32_t>::max()));
    else if (kind == 2) cursor = static_cast<int32_t>(std::min<int64_t>(static_cast<int64_t>(cursor) + width, std::numeric_limits<int32_t>::max()));
  }
}

// Rows of a table at most kMaxTableBytes: positions are taken modulo this when a call would
// grow the table past it.
int32_t table_rows_bound(const Rope* r) {
  return static_cast<int32_t>(std::max(1.0, kMaxTableBytes / (rope_rotary_dim(r) * 4.0)));
}

// The status rope_apply/rope_apply_qk give once the shapes are accepted: positions, seq_len.
Status expected_params_status(const ApplyParams& p, size_t tokens, bool null_tensor) {
  if (tokens == 0) return Status::kOk;
  if (null_tensor) return Status::kNullPointer;
  if (p.positions == nullptr) {
    if (p.start < std::numeric_limits<int32_t>::min() || p.start > std::numeric_limits<int32_t>::max())
      return Status::kPositionInvalid;
    if (p.start + static_cast<int64_t>(tokens) - 1 > std::numeric_limits<int32_t>::max())
      return Status::kPositionInvalid;
  }
  if (std::isnan(p.seq_len) || p.seq_len < 0 || (p.seq_len > 0 && !std::isfinite(p.seq_len)))
    return Status::kSeqLenInvalid;
  return Status::kOk;
}

// Largest table the call would grow (rows up to the largest non-negative position).
double table_bytes_needed(const Rope* r, const std::vector<int64_t>& pos) {
  int64_t max_pos = -1;
  for (int64_t p : pos) max_pos = std::max(max_pos, p);
  double rows = 64;
  while (rows < static_cast<double>(max_pos + 1)) rows *= 2;
  return std::min(rows * rope_rotary_dim(r) * 4.0, rope::rope_config(r).cache_limit_bytes);
}

void do_apply(FuzzedDataProvider& f, Rope* r, rope_t* ch, bool qk) {
  const int head_dim = rope::rope_config(r).head_dim;
  ApplyParams p;
  p.num_heads = pick_heads(f);
  p.num_kv_heads = qk ? pick_heads(f) : 0;
  p.order = static_cast<Order>(f.ConsumeIntegralInRange<int>(0, 15) == 0 ? f.ConsumeIntegral<int>()
                                                                          : f.ConsumeIntegralInRange<int>(0, 1));
  p.inverse = f.ConsumeBool();
  p.seq_len = pick_seq_len(f);

  // Shapes: tokens from the first tensor; lengths may be off.
  const size_t hq = p.num_heads > 0 ? static_cast<size_t>(p.num_heads) : 1;
  const size_t hk = p.num_kv_heads > 0 ? static_cast<size_t>(p.num_kv_heads) : 1;
  const size_t per_q = std::min(hq * head_dim, kMaxTensorFloats + 1);
  const size_t per_k = std::min(hk * head_dim, kMaxTensorFloats + 1);
  const size_t tokens_wanted = pick_tokens(f, std::max(per_q, per_k));
  Tensor q, k;
  q.length = pick_length(f, tokens_wanted, per_q);
  k.length = qk ? pick_length(f, f.ConsumeIntegralInRange<int>(0, 9) == 0 ? tokens_wanted + 1 : tokens_wanted, per_k) : 0;
  const bool null_tensor = f.ConsumeIntegralInRange<int>(0, 31) == 0;
  if (!null_tensor) {
    q.x = alloc_exact<float>(q.length);
    fill_tensor(f, q.x, q.length, true);
    q.before.assign(q.x, q.x + q.length);
    if (qk) {
      k.x = alloc_exact<float>(k.length);
      fill_tensor(f, k.x, k.length, true);
      k.before.assign(k.x, k.x + k.length);
    }
  }

  // Expected status of the shape checks.
  size_t tq = 0, tk = 0;
  Status expect = expected_shape_status(head_dim, q.length, p.num_heads, p.order, &tq);
  if (expect == Status::kOk && qk) {
    expect = expected_shape_status(head_dim, k.length, p.num_kv_heads, p.order, &tk);
    if (expect == Status::kOk && tq != tk) expect = Status::kTokenCountMismatch;
  }

  // Positions: a start over the whole int64 range, or one int32 per token and stream
  // (exactly streams x tq).
  const int streams = streams_of(r);
  const size_t npos = tq * static_cast<size_t>(streams);
  int32_t* list = nullptr;
  if (f.ConsumeBool()) {
    switch (f.ConsumeIntegralInRange<int>(0, 3)) {
      case 0:
        p.start = f.ConsumeIntegral<int64_t>();
        break;
      case 1:
        p.start = std::numeric_limits<int32_t>::max() - f.ConsumeIntegralInRange<int64_t>(-2, 600);
        break;
      default:
        p.start = pick_position(f);
    }
  } else {
    list = alloc_exact<int32_t>(npos);
    fill_positions(f, list, tq, streams);
    p.positions = list;
  }
  if (expect == Status::kOk) expect = expected_params_status(p, tq, null_tensor);

  // Keep the cos/sin table this input grows within native memory: clamp huge positions
  // when the cache limit would let the table follow them.
  std::vector<int64_t> pos;
  if (expect == Status::kOk && tq > 0) {
    pos = positions_of(p, tq, streams);
    if (table_bytes_needed(r, pos) > kMaxTableBytes) {
      const int32_t rows = table_rows_bound(r);
      if (list)
        for (size_t i = 0; i < npos; ++i) list[i] = static_cast<int32_t>(list[i] % rows);
      else
        p.start = p.start % rows;
      pos = positions_of(p, tq, streams);
    }
  }

  if (tracing())
    std::fprintf(stderr, "rope_fuzz: apply qk %d heads %d/%d order %d tokens %zu streams %d list %d start %lld expect %d\n", qk,
                 p.num_heads, p.num_kv_heads, static_cast<int>(p.order), tq, streams, list != nullptr,
                 static_cast<long long>(p.start), code(expect));
  // The same call through the C API on copies (before the core call: its tensors change).
  float* cq = copy_exact(q);
  float* ck = qk ? copy_exact(k) : nullptr;
  const rope_apply_params cp = to_c_params(p);
  const rope_status cst = qk ? rope_apply_qk(ch, cq, q.length, ck, k.length, &cp) : rope_apply(ch, cq, q.length, &cp);
  const Status st = qk ? rope_apply_qk(r, q.x, q.length, k.x, k.length, p) : rope_apply(r, q.x, q.length, p);
  check_mirror(cst, st, cq, q, "C API apply status differs from the core's");
  if (qk) check_mirror(cst, st, ck, k, "C API apply_qk status differs from the core's");
  // Frequencies that follow seq_len (dynamic, longrope) may leave the finite range.
  const bool follows_seq_len = rope::rope_config(r).scaling.type == ScalingType::kDynamic ||
                               rope::rope_config(r).scaling.type == ScalingType::kLongrope;
  check(st == expect || (expect == Status::kOk && st == Status::kScalingInvalid && follows_seq_len),
        "unexpected status", static_cast<int>(st), static_cast<int>(expect));
  if (st != Status::kOk || tq == 0) {
    if (!null_tensor) {
      unchanged(q, "a failed call changed q/x");
      if (qk) unchanged(k, "a failed call changed k");
    }
  } else {
    check_frequencies(r, "after apply");
    check_tensor(r, q, tq, p.num_heads, p.order, pos, p.inverse);
    if (qk) check_tensor(r, k, tq, p.num_kv_heads, p.order, pos, p.inverse);
    // The inverse call gives the input back (finite, moderate values and factors only).
    const double af = rope_attention_factor(r);
    if (af >= kCheckedFactorMin && af <= kCheckedFactorMax) {
      ApplyParams back = p;
      back.inverse = !p.inverse;
      const Status st2 = qk ? rope_apply_qk(r, q.x, q.length, k.x, k.length, back) : rope_apply(r, q.x, q.length, back);
      check(st2 == Status::kOk, "the inverse call failed", static_cast<int>(st2));
      // The C API's own inverse entry point for the forward-then-back case, apply otherwise.
      const rope_apply_params cb = to_c_params(back);
      const rope_status cst2 = qk ? rope_apply_qk(ch, cq, q.length, ck, k.length, &cb)
                               : (back.inverse ? rope_inverse(ch, cq, q.length, &cp) : rope_apply(ch, cq, q.length, &cb));
      check_mirror(cst2, st2, cq, q, "C API inverse status differs from the core's");
      if (qk) check_mirror(cst2, st2, ck, k, "C API inverse (qk) status differs from the core's");
      for (int which = 0; which < (qk ? 2 : 1); ++which) {
        const Tensor& t = which == 0 ? q : k;
        const size_t d = static_cast<size_t>(head_dim);
        for (size_t v0 = 0; v0 + d <= t.length; v0 += d) {
          // A non-finite (or huge) channel may spread to its partner; skip such vectors.
          bool finite_vec = true;
          for (size_t i = v0; i < v0 + d; ++i)
            if (!std::isfinite(t.before[i]) || std::fabs(t.before[i]) > 1e30f) finite_vec = false;
          if (!finite_vec) continue;
          for (size_t i = v0; i < v0 + d; ++i) {
            if (std::fabs(t.x[i] - t.before[i]) <= 1e-5) continue;
            dump(r);
            std::fprintf(stderr, "rope_fuzz: headDim %d rotaryDim %d layout %d scaling %d af %.17g inverse-first %d "
                         "seqLen %g start %lld list %d: x[%zu] %.9g -> back %.9g\n", head_dim, rope_rotary_dim(r),
                         static_cast<int>(rope::rope_config(r).layout), static_cast<int>(rope::rope_config(r).scaling.type), af,
                         p.inverse, p.seq_len, static_cast<long long>(p.start), list != nullptr, i, t.before[i], t.x[i]);
            violation("inverse did not undo forward", static_cast<long long>(i));
          }
        }
      }
    }
  }
  std::free(q.x);
  std::free(k.x);
  std::free(cq);
  std::free(ck);
  std::free(list);
}

// ---- views: rope_apply_view / rope_apply_qk_view (core and C API) and the C API's rope_shift

using u128 = unsigned __int128;
constexpr u128 kSizeMax = std::numeric_limits<size_t>::max();

// A view resolved from its documentation (rope_apply.h, TensorView; rope.h, rope_apply_view):
// the status of the layout checks and, when they pass, the strides and token count. Sizes
// are computed exactly (128-bit), so overflow is seen as such rather than wrapped. A failure
// of the geometry (strides whose vectors overlap by the documented rule, a view past the
// tensor's end, a size that does not fit size_t) may be reported as STRIDE_INVALID or
// SIZE_OVERFLOW: `geometry` says the model does not tell them apart.
struct ViewModel {
  Status st = Status::kOk;
  bool geometry = false;
  size_t tokens = 0, ts = 0, hs = 0, bs = 0, first = 0, end = 0;
};

// True when no two vectors of the lattice (dims sorted by stride) overlap by the documented
// rule: each stride steps past everything the smaller ones cover. Exact sizes, no wrap.
bool sorted_rule(u128 width, const u128 (&stride)[3], const u128 (&count)[3]) {
  int idx[3] = {0, 1, 2};
  std::sort(idx, idx + 3, [&](int a, int b) { return stride[a] < stride[b]; });
  u128 extent = width;
  for (int j : idx) {
    if (count[j] <= 1) continue;
    if (stride[j] < extent) return false;
    extent += (count[j] - 1) * stride[j];
    if (extent > kSizeMax) return false;
  }
  return true;
}

ViewModel model_view(const Ref& ref, size_t length, const TensorView& v) {
  ViewModel m;
  auto fail = [&](Status st, bool geometry = false) {
    m.st = st;
    m.geometry = geometry;
    return m;
  };
  if (v.heads <= 0) return fail(Status::kNumHeadsInvalid);
  const int dt = static_cast<int>(v.dtype);
  if (dt < 0 || dt > 2) return fail(Status::kDTypeInvalid);
  if (v.order != Order::kTokenMajor && v.order != Order::kHeadMajor) return fail(Status::kOrderInvalid);
  if (v.batch == 0) return fail(Status::kLengthInvalid);
  const u128 d = static_cast<u128>(ref.head_dim), h = static_cast<u128>(v.heads), batch = v.batch;
  const bool strided = v.token_stride || v.head_stride || v.batch_stride;
  u128 tokens = v.tokens;
  if (tokens == 0 && strided) return fail(Status::kLengthInvalid);
  if (tokens == 0) {
    const u128 per = h * d * batch;
    if (per > kSizeMax) return fail(Status::kSizeOverflow);
    if (v.offset > length) return fail(Status::kLengthInvalid);
    const u128 rest = length - v.offset;
    if (rest % per != 0) return fail(Status::kLengthInvalid);
    tokens = rest / per;
  }
  u128 ts, hs, bs;
  if (v.order == Order::kTokenMajor) {
    hs = v.head_stride ? v.head_stride : d;
    ts = v.token_stride ? v.token_stride : h * hs;
    bs = v.batch_stride ? v.batch_stride : tokens * ts;
  } else {
    ts = v.token_stride ? v.token_stride : d;
    hs = v.head_stride ? v.head_stride : tokens * ts;
    bs = v.batch_stride ? v.batch_stride : h * hs;
  }
  if (ts > kSizeMax || hs > kSizeMax || bs > kSizeMax) return fail(Status::kStrideInvalid, true);
  if (!sorted_rule(static_cast<u128>(ref.rd), {ts, hs, bs}, {tokens, h, batch})) return fail(Status::kStrideInvalid, true);
  u128 end = v.offset;
  if (tokens > 0) end += (tokens - 1) * ts + (h - 1) * hs + (batch - 1) * bs + static_cast<u128>(ref.rd);
  if (end > length) return fail(Status::kStrideInvalid, true);
  m.tokens = static_cast<size_t>(tokens);
  m.ts = static_cast<size_t>(ts);
  m.hs = static_cast<size_t>(hs);
  m.bs = static_cast<size_t>(bs);
  m.first = v.offset;
  m.end = static_cast<size_t>(end);
  return m;
}

// The status of a view call's positions and seq_len (checked after the layout).
Status model_view_call(const ViewCall& c, size_t tokens, size_t batch) {
  if (c.positions == nullptr) {
    for (size_t b = 0; b < batch; ++b) {
      const int64_t s = c.starts ? c.starts[b] : c.start;
      if (s < std::numeric_limits<int32_t>::min() || s > std::numeric_limits<int32_t>::max()) return Status::kPositionInvalid;
      if (tokens > 0 && static_cast<__int128>(s) + static_cast<__int128>(tokens) - 1 > std::numeric_limits<int32_t>::max())
        return Status::kPositionInvalid;
    }
  }
  if (std::isnan(c.seq_len) || c.seq_len < 0 || (c.seq_len > 0 && !std::isfinite(c.seq_len))) return Status::kSeqLenInvalid;
  return Status::kOk;
}

// Position of stream k of token t of sequence b in a view call (streams S, tokens T each).
int64_t view_position(const ViewCall& c, size_t b, int k, size_t t, int S, size_t T) {
  if (c.positions) return c.positions[(b * static_cast<size_t>(S) + static_cast<size_t>(k)) * T + t];
  return (c.starts ? static_cast<int64_t>(c.starts[b]) : c.start) + static_cast<int64_t>(t);
}

// A buffer of `length` elements of a view's dtype (float32, or 16 bits for the others).
struct Buf {
  size_t length = 0;
  bool f32 = true;
  void* p = nullptr;
  std::vector<uint8_t> before;  // the input bytes
  size_t bytes() const { return length * (f32 ? 4 : 2); }
};

Buf make_buf(FuzzedDataProvider& f, size_t length, DType dt) {
  Buf b;
  b.length = length;
  b.f32 = dt == DType::kFloat32;
  b.p = alloc_exact<uint8_t>(b.bytes());
  if (b.f32) {
    fill_tensor(f, static_cast<float*>(b.p), length, true);
  } else {
    std::vector<float> tmp(length);
    fill_tensor(f, tmp.data(), length, true);
    uint16_t* h = static_cast<uint16_t*>(b.p);
    const bool bf = dt == DType::kBFloat16;
    for (size_t i = 0; i < length; ++i) h[i] = bf ? f32_to_bf16(tmp[i] * 4) : f32_to_f16(tmp[i] * 4);
    // Sometimes raw patterns: subnormals, infinities, NaNs with payloads.
    if (length > 0 && f.ConsumeIntegralInRange<int>(0, 7) == 0) {
      const int n = f.ConsumeIntegralInRange<int>(1, 8);
      for (int j = 0; j < n; ++j) h[f.ConsumeIntegralInRange<size_t>(0, length - 1)] = f.ConsumeIntegral<uint16_t>();
    }
  }
  b.before.assign(static_cast<uint8_t*>(b.p), static_cast<uint8_t*>(b.p) + b.bytes());
  return b;
}

uint8_t* copy_buf(const Buf& b) {
  uint8_t* c = alloc_exact<uint8_t>(b.bytes());
  if (b.bytes()) std::memcpy(c, b.before.data(), b.bytes());
  return c;
}

bool buf_unchanged(const Buf& b) { return b.bytes() == 0 || std::memcmp(b.p, b.before.data(), b.bytes()) == 0; }

float widen(DType dt, uint16_t h) { return dt == DType::kBFloat16 ? bf16_to_f32(h) : f16_to_f32(h); }
uint16_t narrow(DType dt, float v) { return dt == DType::kBFloat16 ? f32_to_bf16(v) : f32_to_f16(v); }

// The float32 values of a buffer's input (16-bit widened exactly).
std::vector<float> widened_input(const Buf& b, DType dt) {
  std::vector<float> w(b.length);
  if (b.f32) {
    if (b.length) std::memcpy(w.data(), b.before.data(), b.length * 4);
  } else {
    for (size_t i = 0; i < b.length; ++i) {
      uint16_t h;
      std::memcpy(&h, &b.before[2 * i], 2);
      w[i] = widen(dt, h);
    }
  }
  return w;
}

// Checks a successful view call on one view: every addressed vector's rotated channels
// against float64 (float32), or as the float32 path's result rounded (16-bit: `shadow` is
// the float32 core path's output on the widened input, itself checked against float64),
// marking each element touched (a second touch is a violation: the view was accepted with
// overlapping vectors).
void check_view(const Rope* r, const Ref& ref, const std::vector<double>& freq, double af, const ViewModel& m,
                const TensorView& v, const Buf& buf, const std::vector<float>& in, const float* shadow,
                const ViewCall& c, std::vector<uint8_t>& touched) {
  const size_t rd = static_cast<size_t>(ref.rd);
  int64_t P[kMaxStreams] = {};
  std::vector<float> y(rd);
  for (size_t b = 0; b < v.batch; ++b)
    for (size_t t = 0; t < m.tokens; ++t) {
      for (int k = 0; k < ref.streams; ++k) P[k] = view_position(c, b, k, t, ref.streams, m.tokens);
      for (size_t h = 0; h < static_cast<size_t>(v.heads); ++h) {
        const size_t e0 = m.first + b * m.bs + t * m.ts + h * m.hs;
        check(e0 + rd <= buf.length, "an accepted view addresses past its length", static_cast<long long>(e0));
        for (size_t i = 0; i < rd; ++i) {
          check(touched[e0 + i] == 0, "an accepted view has overlapping vectors", static_cast<long long>(e0 + i));
          touched[e0 + i] = 1;
        }
        if (buf.f32) {
          std::memcpy(y.data(), static_cast<const float*>(buf.p) + e0, rd * 4);
          // Beside a 16-bit tensor, the float32 one of the same call equals the float32 path.
          if (shadow) check(std::memcmp(y.data(), shadow + e0, rd * 4) == 0, "float32 view differs from the float32 path");
        } else {
          const uint16_t* out = static_cast<const uint16_t*>(buf.p);
          for (size_t i = 0; i < rd; ++i) {
            const uint16_t want = narrow(v.dtype, shadow[e0 + i]);
            // NaN stays NaN; its sign and payload are not part of the contract (they follow
            // the instructions a compiler picks, and wasm leaves them nondeterministic).
            const bool both_nan = std::isnan(shadow[e0 + i]) && std::isnan(widen(v.dtype, out[e0 + i]));
            if (out[e0 + i] != want && !both_nan) {
              dump(r);
              uint16_t in16;
              std::memcpy(&in16, &buf.before[2 * (e0 + i)], 2);
              std::fprintf(stderr, "rope_fuzz: dtype %d element %zu: input 0x%04x, float32 path %.9g rounds to 0x%04x, got 0x%04x\n",
                           static_cast<int>(v.dtype), e0 + i, static_cast<unsigned>(in16), shadow[e0 + i], want, out[e0 + i]);
              violation("a 16-bit result is not the float32 result rounded", static_cast<long long>(e0 + i));
            }
          }
          std::memcpy(y.data(), shadow + e0, rd * 4);
        }
        check_vector(r, ref, freq, af, in.data() + e0, y.data(), P, c.inverse, c.relative);
      }
    }
}

// Elements no vector addresses are bit-for-bit unchanged.
void check_untouched(const Buf& b, const std::vector<uint8_t>& touched) {
  const size_t es = b.f32 ? 4 : 2;
  const uint8_t* now = static_cast<const uint8_t*>(b.p);
  for (size_t e = 0; e < b.length; ++e)
    if (!touched[e] && std::memcmp(now + e * es, &b.before[e * es], es) != 0)
      violation("an element outside the view's rotated channels changed", static_cast<long long>(e));
}

rope_tensor_view to_c_view(const TensorView& v) {
  rope_tensor_view k;
  rope_tensor_view_init(&k);
  k.dtype = static_cast<int32_t>(v.dtype);
  k.heads = v.heads;
  k.order = static_cast<int32_t>(v.order);
  k.offset = v.offset;
  k.token_stride = v.token_stride;
  k.head_stride = v.head_stride;
  k.batch_stride = v.batch_stride;
  k.tokens = v.tokens;
  k.batch = v.batch;
  return k;
}

rope_view_call to_c_call(const ViewCall& c) {
  rope_view_call k;
  rope_view_call_init(&k);
  k.inverse = c.inverse ? 1 : 0;
  k.relative = c.relative ? 1 : 0;
  k.positions = c.positions;
  k.starts = c.starts;
  k.start = c.start;
  k.seq_len = c.seq_len;
  return k;
}

// A view over a tensor: random dtype (sometimes invalid), heads, order, offset, batch
// (sometimes 0 or huge), and a layout: dense with the token count implied or given, valid
// strides with gaps (an MLA slice, a fused row), random small strides (overlapping), huge
// ones. `forced` fixes tokens, batch and order (the k of a q/k pair). *length: what the view
// needs plus a little, sometimes a little less; a few elements when it cannot fit memory.
TensorView pick_view(FuzzedDataProvider& f, const Ref& ref, size_t* length, const TensorView* forced = nullptr,
                     size_t forced_tokens = 0) {
  TensorView v;
  const int dt = f.ConsumeIntegralInRange<int>(0, 31);
  v.dtype = static_cast<DType>(dt < 12 ? 0 : dt < 21 ? 1 : dt < 30 ? 2 : f.ConsumeIntegral<int>());
  v.heads = f.ConsumeIntegralInRange<int>(0, 15) == 0 ? pick_heads(f) : f.ConsumeIntegralInRange<int>(1, 6);
  v.order = static_cast<Order>(f.ConsumeIntegralInRange<int>(0, 31) == 0 ? f.ConsumeIntegral<int>() : f.ConsumeIntegralInRange<int>(0, 1));
  const size_t d = static_cast<size_t>(ref.head_dim), rd = static_cast<size_t>(ref.rd);
  const size_t h = v.heads > 0 ? static_cast<size_t>(std::min(v.heads, 64)) : 1;
  switch (f.ConsumeIntegralInRange<int>(0, 15)) {
    case 0:
    case 1:
    case 2:
      v.batch = f.ConsumeIntegralInRange<size_t>(2, 4);
      break;
    case 3:
      v.batch = 0;
      break;
    case 4:
      // Huge, and batches whose product with heads * headDim wraps to a small number.
      v.batch = f.PickValueInArray({std::numeric_limits<size_t>::max(), std::numeric_limits<size_t>::max() / 2 + 1,
                                    std::numeric_limits<size_t>::max() / (h * d) + 1,
                                    std::numeric_limits<size_t>::max() / (h * d) + 2, size_t{1} << 40});
      break;
    default:
      v.batch = 1;
  }
  switch (f.ConsumeIntegralInRange<int>(0, 7)) {
    case 0:
    case 1:
      v.offset = f.ConsumeIntegralInRange<size_t>(0, 2 * d);
      break;
    case 2:
      if (f.ConsumeIntegralInRange<int>(0, 3) == 0)
        v.offset = f.PickValueInArray({std::numeric_limits<size_t>::max(), std::numeric_limits<size_t>::max() - 3, size_t{1} << 62});
      break;
    default:
      break;
  }
  size_t T;
  switch (f.ConsumeIntegralInRange<int>(0, 9)) {
    case 0:
      T = f.ConsumeIntegralInRange<size_t>(250, 300);  // two blocks
      break;
    case 1:
      T = 0;
      break;
    default:
      T = f.ConsumeIntegralInRange<size_t>(1, 10);
  }
  if (forced) {
    v.batch = forced->batch;
    v.order = forced->order;
    T = forced_tokens;
  }
  const size_t bsz = v.batch >= 1 && v.batch <= 4 ? v.batch : 1;
  // Keep the tensor within memory.
  while (T > 1 && T * h * d * bsz > kMaxTensorFloats / 2) T /= 2;
  const bool token_major = v.order != Order::kHeadMajor;
  const int style = f.ConsumeIntegralInRange<int>(0, 7);
  v.tokens = T;
  switch (style) {
    case 0:
    case 1:  // dense, tokens implied by the length
      v.tokens = 0;
      break;
    case 2:  // dense, tokens given
      break;
    case 3:
    case 4:
    case 5: {  // valid strides with gaps (some left at their default)
      const size_t g1 = f.ConsumeBool() ? 0 : f.ConsumeIntegralInRange<size_t>(0, 8);
      const size_t g2 = f.ConsumeBool() ? 0 : f.ConsumeIntegralInRange<size_t>(0, 2 * d);
      const size_t g3 = f.ConsumeBool() ? 0 : f.ConsumeIntegralInRange<size_t>(0, 16);
      const size_t w = f.ConsumeBool() ? d : rd;  // vectors as wide as the head, or just the rotary part
      if (token_major) {
        v.head_stride = w + g1;
        v.token_stride = h * v.head_stride + g2;
        v.batch_stride = (T ? T : 1) * v.token_stride + g3;
      } else {
        v.token_stride = w + g1;
        v.head_stride = (T ? T : 1) * v.token_stride + g2;
        v.batch_stride = h * v.head_stride + g3;
      }
      if (f.ConsumeBool()) v.head_stride = 0;
      if (f.ConsumeBool()) v.batch_stride = 0;
      if (f.ConsumeIntegralInRange<int>(0, 3) == 0) v.token_stride = 0;
      break;
    }
    case 6:  // random small strides: often overlapping
      v.token_stride = f.ConsumeIntegralInRange<size_t>(0, 3 * d);
      v.head_stride = f.ConsumeIntegralInRange<size_t>(0, 3 * d);
      v.batch_stride = f.ConsumeIntegralInRange<size_t>(0, 4 * d);
      break;
    default: {  // one huge stride
      const size_t huge = f.PickValueInArray({std::numeric_limits<size_t>::max(), std::numeric_limits<size_t>::max() / 2,
                                              size_t{1} << 40, std::numeric_limits<size_t>::max() / (T ? T : 1) + 1});
      // Known bug stride-wrap (see known_bug): no huge stride for a dimension of one.
      const bool wraps = huge > (size_t{1} << 40) && !known_bug("stride-wrap");
      switch (f.ConsumeIntegralInRange<int>(0, 2)) {
        case 0:
          v.token_stride = wraps && T == 1 ? size_t{1} << 40 : huge;
          break;
        case 1:
          v.head_stride = wraps && v.heads == 1 ? size_t{1} << 40 : huge;
          break;
        default:
          v.batch_stride = wraps && v.batch == 1 ? size_t{1} << 40 : huge;
      }
    }
  }
  // The length: what the view needs (its end), plus a little slack, sometimes one short.
  u128 need;
  if (v.tokens == 0 && !(v.token_stride || v.head_stride || v.batch_stride)) {
    need = static_cast<u128>(v.offset) + static_cast<u128>(v.batch) * T * h * d;
  } else {
    TensorView probe = v;
    if (probe.heads <= 0) probe.heads = 1;
    probe.dtype = DType::kFloat32;
    probe.order = token_major ? Order::kTokenMajor : Order::kHeadMajor;
    if (probe.batch == 0) probe.batch = 1;
    const ViewModel m = model_view(ref, std::numeric_limits<size_t>::max(), probe);
    need = m.st == Status::kOk ? static_cast<u128>(m.end) : kSizeMax;
  }
  if (need > kMaxTensorFloats) {
    *length = f.ConsumeIntegralInRange<size_t>(0, 4096);
  } else {
    size_t len = static_cast<size_t>(need);
    switch (f.ConsumeIntegralInRange<int>(0, 7)) {
      case 0:
        len += f.ConsumeIntegralInRange<size_t>(1, 3 * d);
        break;
      case 1:
        len = len > 0 ? len - 1 : 0;
        break;
      default:
        break;
    }
    *length = std::min(len, kMaxTensorFloats);
  }
  return v;
}

// How a view call positions its tokens: a start (whole int64 range), a start per sequence,
// or positions per token (sequence-major, streams each); inverse, relative, seq_len. The
// arrays are allocated with exactly the entries the call reads (held in `keep`).
ViewCall pick_view_call(FuzzedDataProvider& f, const Rope* r, size_t tokens, size_t batch, bool model_ok,
                        std::vector<int32_t*>& keep) {
  ViewCall c;
  c.inverse = f.ConsumeBool();
  c.relative = f.ConsumeIntegralInRange<int>(0, 3) == 0;
  c.seq_len = pick_seq_len(f);
  const int streams = streams_of(r);
  const size_t per_seq = tokens * static_cast<size_t>(streams);
  const int32_t rows = table_rows_bound(r);
  switch (f.ConsumeIntegralInRange<int>(0, 3)) {
    case 0: {
      int32_t* p = alloc_exact<int32_t>(model_ok ? per_seq * batch : 0);
      keep.push_back(p);
      if (model_ok)
        for (size_t b = 0; b < batch; ++b) fill_positions(f, p + b * per_seq, tokens, streams);
      c.positions = p;
      if (model_ok) {
        int64_t mx = -1;
        for (size_t i = 0; i < per_seq * batch; ++i) mx = std::max<int64_t>(mx, p[i]);
        if (table_bytes_needed(r, {mx}) > kMaxTableBytes)
          for (size_t i = 0; i < per_seq * batch; ++i) p[i] %= rows;
      }
      break;
    }
    case 1: {
      int32_t* s = alloc_exact<int32_t>(model_ok ? batch : 0);
      keep.push_back(s);
      int64_t mx = -1;
      if (model_ok)
        for (size_t b = 0; b < batch; ++b) {
          s[b] = f.ConsumeBool() ? f.ConsumeIntegralInRange<int32_t>(-300, 5000) : pick_position(f);
          mx = std::max<int64_t>(mx, static_cast<int64_t>(s[b]) + static_cast<int64_t>(tokens));
        }
      if (model_ok && table_bytes_needed(r, {mx}) > kMaxTableBytes)
        for (size_t b = 0; b < batch; ++b) s[b] %= rows;
      c.starts = s;
      break;
    }
    default:
      c.start = f.ConsumeIntegralInRange<int>(0, 7) == 0 ? f.ConsumeIntegral<int64_t>()
                : f.ConsumeIntegralInRange<int>(0, 7) == 0 ? std::numeric_limits<int32_t>::max() - f.ConsumeIntegralInRange<int64_t>(-2, 600)
                                                           : pick_position(f);
      if (c.start >= -(int64_t{1} << 40) && c.start <= (int64_t{1} << 40) &&
          table_bytes_needed(r, {c.start + static_cast<int64_t>(tokens)}) > kMaxTableBytes)
        c.start %= rows;
  }
  return c;
}

// Which q/k overlap verdict the documentation allows (rope_apply.h: refused when their
// vectors overlap; exact for fused layouts of one buffer; conservative otherwise).
enum class AliasRule { kMustAlias, kMustNot, kEither };

AliasRule alias_rule(const Ref& ref, bool same_buffer, const TensorView& qv, const ViewModel& a, const TensorView& kv,
                     const ViewModel& b, size_t length) {
  if (!same_buffer) return AliasRule::kMustNot;
  // Brute force: does any element belong to a q vector and a k vector?
  std::vector<uint8_t> mark(length, 0);
  const size_t rd = static_cast<size_t>(ref.rd);
  for (int which = 0; which < 2; ++which) {
    const TensorView& v = which ? kv : qv;
    const ViewModel& m = which ? b : a;
    for (size_t bb = 0; bb < v.batch; ++bb)
      for (size_t t = 0; t < m.tokens; ++t)
        for (size_t h = 0; h < static_cast<size_t>(v.heads); ++h) {
          const size_t e0 = m.first + bb * m.bs + t * m.ts + h * m.hs;
          for (size_t i = 0; i < rd; ++i) {
            if (which == 1 && mark[e0 + i]) return AliasRule::kMustAlias;
            mark[e0 + i] = 1;
          }
        }
  }
  if (a.end <= b.first || b.end <= a.first) return AliasRule::kMustNot;  // disjoint ranges
  // Fused layouts: one dtype, the same strides, k a whole number of head strides from q,
  // head ranges apart, and the heads of both one lattice that does not overlap.
  if (qv.dtype == kv.dtype && a.ts == b.ts && a.hs == b.hs && (qv.batch == 1 || a.bs == b.bs) && a.hs != 0) {
    const __int128 delta = static_cast<__int128>(b.first) - static_cast<__int128>(a.first);
    if (delta % static_cast<__int128>(a.hs) == 0) {
      const __int128 k0 = delta / static_cast<__int128>(a.hs), k1 = k0 + kv.heads;
      if (!(k0 < qv.heads && 0 < k1)) {
        const __int128 lo = std::min<__int128>(0, k0), hi = std::max<__int128>(qv.heads, k1);
        if (sorted_rule(static_cast<u128>(ref.rd), {a.ts, a.hs, a.bs}, {a.tokens, static_cast<u128>(hi - lo), qv.batch}))
          return AliasRule::kMustNot;
      }
    }
  }
  return AliasRule::kEither;
}


bool follows_seq_len(const Rope* r) {
  const ScalingType t = rope::rope_config(r).scaling.type;
  return t == ScalingType::kDynamic || t == ScalingType::kLongrope;
}

// After a successful float32 view call and its inverse: every vector whose input is finite
// and moderate is back (1e-5).
void check_undone(const Ref& ref, const ViewModel& m, const TensorView& v, const Buf& b) {
  const size_t rd = static_cast<size_t>(ref.rd);
  const float* now = static_cast<const float*>(b.p);
  const float* was = reinterpret_cast<const float*>(b.before.data());
  for (size_t bb = 0; bb < v.batch; ++bb)
    for (size_t t = 0; t < m.tokens; ++t)
      for (size_t h = 0; h < static_cast<size_t>(v.heads); ++h) {
        const size_t e0 = m.first + bb * m.bs + t * m.ts + h * m.hs;
        bool finite = true;
        for (size_t i = 0; i < rd; ++i) finite &= std::isfinite(was[e0 + i]) && std::fabs(was[e0 + i]) <= 1e30f;
        if (!finite) continue;
        for (size_t i = 0; i < rd; ++i)
          if (!(std::fabs(now[e0 + i] - was[e0 + i]) <= 1e-5))
            violation("view: the inverse call did not undo the forward one", static_cast<long long>(e0 + i));
      }
}

// One view call (apply_view, or apply_qk_view on two buffers or on one fused buffer),
// through the core and the C API, checked against the contract.
void do_view(FuzzedDataProvider& f, Rope* r, rope_t* ch, bool qk) {
  const Ref ref = make_ref(r);
  const size_t d = static_cast<size_t>(ref.head_dim);
  size_t qlen = 0, klen = 0;
  TensorView qv = pick_view(f, ref, &qlen), kv;
  // The core refuses batch 0 (the C API takes it as 1): checked here, then batch 1 is used.
  if (qv.batch == 0) {
    Buf b = make_buf(f, qlen, qv.dtype);
    ViewCall c;
    const Status st = rope_apply_view(r, b.p, b.length, qv, c);
    const ViewModel m = model_view(ref, qlen, qv);
    check(st == m.st, "view with batch 0: status", code(st), code(m.st));
    check(buf_unchanged(b), "view with batch 0 changed the tensor");
    std::free(b.p);
    qv.batch = 1;
  }
  // q/k layouts: 0 two buffers; 1 one fused buffer (q, k, v heads per token: must not
  // alias); 2 one buffer with k overlapping q, or anywhere.
  const int layout = qk ? f.ConsumeIntegralInRange<int>(0, 2) : 0;
  const bool same = qk && layout != 0;
  if (qk && !same) {
    const ViewModel qm = model_view(ref, qlen, qv);
    const bool mismatch = f.ConsumeIntegralInRange<int>(0, 15) == 0;
    kv = pick_view(f, ref, &klen, mismatch ? nullptr : &qv, qm.st == Status::kOk ? qm.tokens : qv.tokens);
    if (kv.batch == 0) kv.batch = 1;
  } else if (same) {
    const int hq = f.ConsumeIntegralInRange<int>(1, 6), hk = f.ConsumeIntegralInRange<int>(1, 3);
    if (!(qv.batch >= 1 && qv.batch <= 4)) qv.batch = 1;
    if (qv.order != Order::kHeadMajor) qv.order = Order::kTokenMajor;
    size_t T = f.ConsumeIntegralInRange<int>(0, 7) == 0 ? f.ConsumeIntegralInRange<size_t>(250, 270)
                                                        : f.ConsumeIntegralInRange<size_t>(1, 9);
    const size_t rowh = static_cast<size_t>(hq + 2 * hk);
    const size_t gap = f.ConsumeBool() ? 0 : f.ConsumeIntegralInRange<size_t>(0, 8);
    while (T > 1 && T * (rowh * d + gap) * qv.batch > kMaxTensorFloats / 2) T /= 2;
    qv.heads = hq;
    qv.tokens = T;
    qv.offset = f.ConsumeBool() ? 0 : f.ConsumeIntegralInRange<size_t>(0, d);
    qv.token_stride = qv.head_stride = qv.batch_stride = 0;
    size_t total;
    if (qv.order == Order::kTokenMajor) {  // [B, T, hq + 2hk, d] (+ a gap per token)
      qv.token_stride = rowh * d + gap;
      if (f.ConsumeBool()) qv.head_stride = d;
      kv = qv;
      kv.offset = qv.offset + static_cast<size_t>(hq) * d;
      total = qv.offset + qv.batch * T * qv.token_stride;
    } else {  // [B, hq + 2hk, T, d]
      qv.batch_stride = rowh * T * d + gap;
      if (f.ConsumeBool()) qv.head_stride = T * d;
      kv = qv;
      kv.offset = qv.offset + static_cast<size_t>(hq) * T * d;
      total = qv.offset + qv.batch * qv.batch_stride;
    }
    kv.heads = hk;
    if (layout == 2) {
      const size_t hs = qv.order == Order::kTokenMajor ? d : T * d;
      if (f.ConsumeBool()) kv.offset = qv.offset + static_cast<size_t>(f.ConsumeIntegralInRange<int>(0, hq - 1)) * hs;
      else kv.offset = f.ConsumeIntegralInRange<size_t>(0, total);
    }
    qlen = std::min(total + (f.ConsumeBool() ? 0 : f.ConsumeIntegralInRange<size_t>(0, 8)), kMaxTensorFloats);
  }
  const bool c_batch_zero = qv.batch == 1 && (!qk || kv.batch == 1) && f.ConsumeIntegralInRange<int>(0, 7) == 0;
  if (same) kv.dtype = qv.dtype;
  Buf qb = make_buf(f, qlen, qv.dtype);
  Buf kb;
  if (qk && !same) kb = make_buf(f, klen, kv.dtype);
  Buf& kbuf = same ? qb : kb;
  const bool null_data = f.ConsumeIntegralInRange<int>(0, 31) == 0;

  // The status the documented checks give.
  const ViewModel qm = model_view(ref, qb.length, qv);
  const ViewModel km = qk ? model_view(ref, kbuf.length, kv) : ViewModel();
  Status expect = qm.st;
  bool geometry = qm.geometry;
  if (expect == Status::kOk && qk) {
    expect = km.st;
    geometry = km.geometry;
  }
  if (expect == Status::kOk && qk && (qm.tokens != km.tokens || qv.batch != kv.batch)) expect = Status::kTokenCountMismatch;
  const bool layout_ok = expect == Status::kOk;
  const size_t tokens = layout_ok ? qm.tokens : 0;
  std::vector<int32_t*> keep;
  const ViewCall call = pick_view_call(f, r, tokens, qv.batch, layout_ok, keep);
  bool alias_either = false;
  if (layout_ok && tokens > 0) {
    if (null_data) {
      expect = Status::kNullPointer;
    } else if (qk) {
      const AliasRule rule = alias_rule(ref, same, qv, qm, kv, km, qb.length);
      if (rule == AliasRule::kMustAlias) expect = Status::kAliasedTensors;
      alias_either = rule == AliasRule::kEither;
    }
    if (expect == Status::kOk) expect = model_view_call(call, tokens, qv.batch);
  }

  if (tracing()) {
    std::fprintf(stderr, "rope_fuzz: view qk %d layout %d: dtype %d heads %d order %d offset %zu strides %zu/%zu/%zu tokens %zu "
                 "batch %zu length %zu; k: dtype %d heads %d offset %zu strides %zu/%zu/%zu tokens %zu batch %zu length %zu; "
                 "positions %d starts %d start %lld inverse %d relative %d seqLen %g; expect %d\n",
                 qk, layout, static_cast<int>(qv.dtype), qv.heads, static_cast<int>(qv.order), qv.offset, qv.token_stride,
                 qv.head_stride, qv.batch_stride, qv.tokens, qv.batch, qb.length, static_cast<int>(kv.dtype), kv.heads, kv.offset,
                 kv.token_stride, kv.head_stride, kv.batch_stride, kv.tokens, kv.batch, kbuf.length, call.positions != nullptr,
                 call.starts != nullptr, static_cast<long long>(call.start), call.inverse, call.relative, call.seq_len, code(expect));
    dump(r);
  }
  // The C API on copies, then the core.
  uint8_t* cq = copy_buf(qb);
  uint8_t* ck = qk && !same ? copy_buf(kb) : nullptr;
  rope_tensor_view cqv = to_c_view(qv), ckv = to_c_view(kv);
  if (c_batch_zero) cqv.batch = ckv.batch = 0;
  const rope_view_call cc = to_c_call(call);
  const rope_status cst = qk ? rope_apply_qk_view(ch, null_data ? nullptr : cq, qb.length, &cqv, same ? cq : ck, kbuf.length, &ckv, &cc)
                             : rope_apply_view(ch, null_data ? nullptr : cq, qb.length, &cqv, &cc);
  void* qdata = null_data ? nullptr : qb.p;
  const Status st = qk ? rope_apply_qk_view(r, qdata, qb.length, qv, kbuf.p, kbuf.length, kv, call)
                       : rope_apply_view(r, qdata, qb.length, qv, call);
  check(code(cst) == code(st), "C API view status differs from the core's", code(cst), code(st));
  check(qb.bytes() == 0 || std::memcmp(cq, qb.p, qb.bytes()) == 0, "C API view result differs from the core's bits");
  if (ck) check(kb.bytes() == 0 || std::memcmp(ck, kb.p, kb.bytes()) == 0, "C API view result (k) differs from the core's bits");
  const bool status_ok = st == expect ||
                         (geometry && (st == Status::kStrideInvalid || st == Status::kSizeOverflow)) ||
                         (alias_either && st == Status::kAliasedTensors) ||
                         (expect == Status::kOk && st == Status::kScalingInvalid && follows_seq_len(r));
  if (!status_ok) {
    std::fprintf(stderr, "rope_fuzz: view qk %d layout %d: dtype %d heads %d order %d offset %zu strides %zu/%zu/%zu tokens %zu batch %zu "
                 "length %zu (k: dtype %d heads %d offset %zu strides %zu/%zu/%zu tokens %zu) rotaryDim %d headDim %d\n",
                 qk, layout, static_cast<int>(qv.dtype), qv.heads, static_cast<int>(qv.order), qv.offset, qv.token_stride,
                 qv.head_stride, qv.batch_stride, qv.tokens, qv.batch, qb.length, static_cast<int>(kv.dtype), kv.heads, kv.offset,
                 kv.token_stride, kv.head_stride, kv.batch_stride, kv.tokens, ref.rd, ref.head_dim);
    violation("view: unexpected status", code(st), code(expect));
  }
  if (st != Status::kOk || tokens == 0) {
    check(buf_unchanged(qb), "a failed view call changed q/x");
    if (qk && !same) check(buf_unchanged(kb), "a failed view call changed k");
  } else {
    const std::vector<double> freq = ref_frequencies(r, ref);
    const double af = rope_attention_factor(r);
    check(af >= kCheckedFactorMin && af <= kCheckedFactorMax, "attention factor in force out of range");
    const std::vector<float> qin = widened_input(qb, qv.dtype);
    const std::vector<float> kin = qk && !same ? widened_input(kb, kv.dtype) : std::vector<float>();
    // 16-bit: the float32 core path on the widened input, the same call.
    const bool half = !qb.f32 || (qk && !kbuf.f32);
    std::vector<float> qs, ks;
    if (half) {
      qs = qin;
      ks = kin;
      TensorView qf = qv, kf = kv;
      qf.dtype = kf.dtype = DType::kFloat32;
      const Status s2 = qk ? rope_apply_qk_view(r, qs.data(), qs.size(), qf, same ? qs.data() : ks.data(), same ? qs.size() : ks.size(), kf, call)
                           : rope_apply_view(r, qs.data(), qs.size(), qf, call);
      check(s2 == Status::kOk, "the float32 path refused what the 16-bit path accepted", code(s2));
    }
    std::vector<uint8_t> tq(qb.length, 0), tk(qk && !same ? kb.length : 0, 0);
    check_view(r, ref, freq, af, qm, qv, qb, qin, half ? qs.data() : nullptr, call, tq);
    if (qk) check_view(r, ref, freq, af, km, kv, kbuf, same ? qin : kin, half ? (same ? qs.data() : ks.data()) : nullptr, call, same ? tq : tk);
    check_untouched(qb, tq);
    if (qk && !same) check_untouched(kb, tk);
    // float32: the inverse call gives the input back.
    if (!half) {
      ViewCall back = call;
      back.inverse = !call.inverse;
      const Status s3 = qk ? rope_apply_qk_view(r, qb.p, qb.length, qv, kbuf.p, kbuf.length, kv, back)
                           : rope_apply_view(r, qb.p, qb.length, qv, back);
      check(s3 == Status::kOk, "view: the inverse call failed", code(s3));
      check_undone(ref, qm, qv, qb);
      if (qk) check_undone(ref, km, kv, kbuf);
    }
  }
  std::free(cq);
  std::free(ck);
  std::free(qb.p);
  std::free(kb.p);
  for (int32_t* p : keep) std::free(p);
}


// rope_shift (C API only) against its definition: rope_apply_view with relative rotation by
// the per-token deltas to - from (every stream and sequence) or the delta of the starts,
// on the core handle, with seq_len (0: the one in force, as the header says).
void do_shift(FuzzedDataProvider& f, Rope* r, rope_t* ch) {
  const Ref ref = make_ref(r);
  const size_t d = static_cast<size_t>(ref.head_dim);
  size_t len = 0;
  const TensorView v = pick_view(f, ref, &len);
  TensorView dv = v;
  if (dv.batch == 0) dv.batch = 1;  // the C API's reading of batch 0
  Buf b = make_buf(f, len, v.dtype);
  const int S = streams_of(r);
  // Entries of each position list: batch x streams x tokens, tokens given or implied by the
  // length (rounded down), computed exactly.
  u128 tokens_c = v.tokens;
  bool lists_ok = true;
  if (tokens_c == 0) {
    const u128 per = static_cast<u128>(v.heads > 0 ? v.heads : 1) * d * dv.batch;
    if (len < v.offset) lists_ok = false;
    else tokens_c = (len - v.offset) / per;
  }
  const u128 n128 = static_cast<u128>(dv.batch) * static_cast<u128>(S) * tokens_c;
  if (n128 > (1u << 18)) lists_ok = false;
  if (v.tokens == 0 && len >= v.offset && !known_bug("shift-batch-wrap")) {
    // The count as rope_shift computes it (size_t arithmetic): lists only where it is exact.
    // (A wrapped count also gives LENGTH_INVALID where the view's status is SIZE_OVERFLOW.)
    const u128 per = static_cast<u128>(v.heads > 0 ? v.heads : 1) * d * dv.batch;
    const size_t per_w = static_cast<size_t>(per);
    const size_t n_w = per_w == 0 ? 0 : dv.batch * static_cast<size_t>(S) * ((len - v.offset) / per_w);
    if (per > kSizeMax || static_cast<u128>(n_w) != n128) lists_ok = false;
  }
  const size_t n = lists_ok ? static_cast<size_t>(n128) : 0;
  const size_t T = static_cast<size_t>(std::max<u128>(tokens_c, 1));
  const int mode = f.ConsumeIntegralInRange<int>(0, 3) & (lists_ok ? 3 : 0);
  // Positions: moderate ones keep the table small; sometimes anything.
  const int32_t half_rows = std::max<int32_t>(1, table_rows_bound(r) / 2);
  const bool big_table = table_bytes_needed(r, {std::numeric_limits<int32_t>::max()}) > kMaxTableBytes;
  auto pick_start = [&]() -> int64_t {
    const int k = f.ConsumeIntegralInRange<int>(0, 15);
    if (k == 0) {
      const int64_t v64 = f.PickValueInArray({std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(),
                                              int64_t{1} << 62, -(int64_t{1} << 62), f.ConsumeIntegral<int64_t>()});
      return known_bug("shift-overflow") ? v64 : v64 / 4;  // |start| < 2^62: to - from and from + t fit int64
    }
    int64_t s = k == 1 ? pick_position(f) : f.ConsumeIntegralInRange<int64_t>(-300, 5000);
    return big_table ? s % half_rows : s;
  };
  int32_t* from = nullptr;
  int32_t* to = nullptr;
  const int64_t from_start = pick_start(), to_start = pick_start();
  if (mode & 1) {
    from = alloc_exact<int32_t>(n);
    for (size_t i = 0; i < n; i += S * T) fill_positions(f, from + i, T, S);
  }
  if (mode & 2) {
    to = alloc_exact<int32_t>(n);
    for (size_t i = 0; i < n; i += S * T) fill_positions(f, to + i, T, S);
  }
  if (big_table)
    for (int32_t* p : {from, to})
      if (p)
        for (size_t i = 0; i < n; ++i) p[i] %= half_rows;
  double seq_len = pick_seq_len(f);
  if (f.ConsumeIntegralInRange<int>(0, 15) == 0) seq_len = f.PickValueInArray({-1.0, std::numeric_limits<double>::quiet_NaN(), -0.0});

  // The definition.
  Status def = Status::kOk;
  bool must_fail = false;  // deltas outside int32/int64: a failure, whichever check reports it
  uint8_t* dbuf = copy_buf(b);
  int32_t* delta = nullptr;
  if (seq_len < 0 || std::isnan(seq_len)) {
    def = Status::kSeqLenInvalid;
  } else {
    // The definition (rope.h): every token moves by its own to - from (two starts give one
    // constant offset), under the frequencies in force when seq_len is 0.
    ViewCall c;
    c.relative = true;
    c.seq_len = seq_len > 0 ? seq_len : 0;
    c.keep_frequencies = seq_len == 0;
    bool fits = true;
    // A run of consecutive positions (a start) must stay within int32, as every position does.
    const __int128 lastT = static_cast<__int128>(tokens_c) - 1;
    auto run_fits = [&](int64_t start0) {
      return tokens_c == 0 || (start0 >= std::numeric_limits<int32_t>::min() &&
                        static_cast<__int128>(start0) + lastT <= std::numeric_limits<int32_t>::max());
    };
    if ((!from && !run_fits(from_start)) || (!to && !run_fits(to_start))) fits = false;
    if (fits) {
      delta = alloc_exact<int32_t>(n);
      for (size_t i = 0; i < n && fits; ++i) {
        const __int128 t = static_cast<__int128>(i % T);
        const __int128 a = from ? static_cast<__int128>(from[i]) : from_start + t;
        const __int128 z = to ? static_cast<__int128>(to[i]) : to_start + t;
        const __int128 dl = z - a;
        if (dl < std::numeric_limits<int32_t>::min() || dl > std::numeric_limits<int32_t>::max()) fits = false;
        else delta[i] = static_cast<int32_t>(dl);
      }
      c.positions = delta;
    }
    if (fits) def = rope_apply_view(r, dbuf, len, dv, c);
    else must_fail = true;
  }
  if (tracing())
    std::fprintf(stderr, "rope_fuzz: shift dtype %d heads %d order %d offset %zu strides %zu/%zu/%zu tokens %zu batch %zu length %zu "
                 "from %s %lld to %s %lld seqLen %g streams %d\n", static_cast<int>(v.dtype), v.heads, static_cast<int>(v.order),
                 v.offset, v.token_stride, v.head_stride, v.batch_stride, v.tokens, v.batch, len, from ? "list" : "start",
                 static_cast<long long>(from_start), to ? "list" : "start", static_cast<long long>(to_start), seq_len, S);
  // The C call.
  uint8_t* cbuf = copy_buf(b);
  const int32_t rd = ref.rd;
  std::vector<double> freq_before(static_cast<size_t>(rd / 2)), freq_after(static_cast<size_t>(rd / 2));
  check(rope_inv_freq(ch, freq_before.data(), freq_before.size()) == ROPE_OK, "C API rope_inv_freq");
  const rope_tensor_view cv = to_c_view(v);
  const rope_status cst = rope_shift(ch, cbuf, len, &cv, from, from_start, to, to_start, seq_len);
  check(rope_inv_freq(ch, freq_after.data(), freq_after.size()) == ROPE_OK, "C API rope_inv_freq");
  const bool length_quirk = v.tokens == 0 && len < v.offset && cst == ROPE_LENGTH_INVALID && def != Status::kOk;
  if (must_fail) {
    check(cst != ROPE_OK, "rope_shift accepted deltas outside int32", code(cst));
  } else if (!length_quirk) {
    if (code(cst) != code(def)) {
      std::fprintf(stderr, "rope_fuzz: shift: dtype %d heads %d order %d offset %zu strides %zu/%zu/%zu tokens %zu batch %zu length %zu "
                   "from %s %lld to %s %lld seqLen %g\n", static_cast<int>(v.dtype), v.heads, static_cast<int>(v.order), v.offset,
                   v.token_stride, v.head_stride, v.batch_stride, v.tokens, v.batch, len, from ? "list" : "start",
                   static_cast<long long>(from_start), to ? "list" : "start", static_cast<long long>(to_start), seq_len);
      violation("C API rope_shift status differs from its definition", code(cst), code(def));
    }
    check(b.bytes() == 0 || std::memcmp(cbuf, dbuf, b.bytes()) == 0, "C API rope_shift differs from its definition's bits");
  }
  if (cst != ROPE_OK) {
    check(b.bytes() == 0 || std::memcmp(cbuf, b.before.data(), b.bytes()) == 0, "a failed rope_shift changed k");
  } else if (seq_len == 0 && (known_bug("shift-seq-len") || !follows_seq_len(r))) {
    // The header: "Both sides use one seq_len (0 = the one in force)".
    check(freq_before == freq_after, "rope_shift with seq_len 0 changed the frequencies in force");
  }
  std::free(b.p);
  std::free(dbuf);
  std::free(cbuf);
  std::free(delta);
  std::free(from);
  std::free(to);
}

void do_introspection(FuzzedDataProvider& f, Rope* r, rope_t* ch) {
  const double seq_len = f.ConsumeBool() ? pick_double(f) : f.ConsumeIntegralInRange<int>(1, 1 << 20);
  const bool bad = !std::isfinite(seq_len) || seq_len <= 0;
  switch (f.ConsumeIntegralInRange<int>(0, 2)) {
    case 0: {
      const Status st = rope_set_seq_len(r, seq_len);
      check(st == (bad ? Status::kSeqLenInvalid : Status::kOk) || (!bad && st == Status::kScalingInvalid),
            "rope_set_seq_len status", static_cast<int>(st));
      check_frequencies(r, "after rope_set_seq_len");
      check(code(::rope_set_seq_len(ch, seq_len)) == code(st), "C API rope_set_seq_len status differs");
      break;
    }
    case 1: {
      const size_t pairs = static_cast<size_t>(rope_rotary_dim(r) / 2);
      PairInfo* info = alloc_exact<PairInfo>(pairs);
      double af = 0;
      const Status st = rope_pair_info(r, seq_len, info, f.ConsumeBool() ? &af : nullptr);
      check(st == (bad ? Status::kSeqLenInvalid : Status::kOk), "rope_pair_info status", static_cast<int>(st));
      rope_pair_freq* cinfo = alloc_exact<rope_pair_freq>(pairs);
      double caf = 0;
      const rope_status cst = ::rope_pair_info(ch, seq_len, cinfo, pairs, &caf);
      check(code(cst) == code(st), "C API rope_pair_info status differs", code(cst), code(st));
      if (st == Status::kOk)
        check(std::memcmp(cinfo, info, pairs * sizeof(PairInfo)) == 0, "C API rope_pair_info differs from the core's");
      std::free(cinfo);
      std::free(info);
      break;
    }
    default: {
      const size_t length = f.ConsumeIntegral<size_t>();
      const int heads = pick_heads(f);
      size_t tokens = 0, expected_tokens = 0;
      const Status st = rope_token_count(r, length, heads, &tokens);
      const Status expect = expected_shape_status(rope::rope_config(r).head_dim, length, heads, Order::kTokenMajor, &expected_tokens);
      check(st == expect, "rope_token_count status", static_cast<int>(st), static_cast<int>(expect));
      if (st == Status::kOk) check(tokens == expected_tokens, "rope_token_count count");
      size_t ctokens = 0;
      check(code(::rope_token_count(ch, length, heads, &ctokens)) == code(st), "C API rope_token_count status");
      if (st == Status::kOk) check(ctokens == tokens, "C API rope_token_count count");
    }
  }
}

// rope_rerotate on the C handle against its definition on the core handle (the target
// frequencies installed, the inverse at from_seq_len, the forward pass at to_seq_len).
void do_rerotate(FuzzedDataProvider& f, Rope* r, rope_t* ch) {
  const int head_dim = rope::rope_config(r).head_dim;
  ApplyParams p;
  p.num_heads = f.ConsumeIntegralInRange<int>(0, 4);
  p.order = static_cast<Order>(f.ConsumeIntegralInRange<int>(0, 2));
  p.start = f.ConsumeBool() ? pick_position(f) : f.ConsumeIntegral<int64_t>();
  const double from = pick_seq_len(f), to = pick_seq_len(f);
  const size_t per = static_cast<size_t>(std::max(p.num_heads, 1)) * static_cast<size_t>(head_dim);
  Tensor t;
  t.length = pick_length(f, pick_tokens(f, per), per);
  t.x = alloc_exact<float>(t.length);
  fill_tensor(f, t.x, t.length, false);
  t.before.assign(t.x, t.x + t.length);
  // Keep the table this grows bounded, as do_apply does.
  // Positions: the start, or (as rope_apply) streams x tokens of them when the shape is whole.
  const int streams = streams_of(r);
  const size_t tokens = p.num_heads > 0 ? t.length / per : 0;
  int32_t* list = nullptr;
  if (p.num_heads > 0 && t.length % per == 0 && f.ConsumeBool()) {
    list = alloc_exact<int32_t>(tokens * static_cast<size_t>(streams));
    fill_positions(f, list, tokens, streams);
    p.positions = list;
  }
  if (table_bytes_needed(r, positions_of(p, tokens, streams)) > kMaxTableBytes) {
    const int32_t rows = table_rows_bound(r);
    if (list)
      for (size_t i = 0; i < tokens * static_cast<size_t>(streams); ++i) list[i] = static_cast<int32_t>(list[i] % rows);
    else
      p.start %= rows;
  }
  float* c = copy_exact(t);
  const rope_apply_params cp = to_c_params(p);
  const rope_status cst = rope_rerotate(ch, c, t.length, &cp, from, to);
  Status st = Status::kOk;
  const bool lengths_ok = std::isfinite(from) && from > 0 && std::isfinite(to) && to > 0;
  if (!lengths_ok) {
    st = Status::kSeqLenInvalid;
  } else {
    st = rope_set_seq_len(r, to);
    ApplyParams a = p;
    a.inverse = true;
    a.seq_len = from;
    if (st == Status::kOk) st = rope_apply(r, t.x, t.length, a);
    a.inverse = false;
    a.seq_len = to;
    if (st == Status::kOk) {
      st = rope_apply(r, t.x, t.length, a);
      check(st == Status::kOk, "the forward half of a re-rotation failed after the inverse half succeeded", code(st));
    }
  }
  check_mirror(cst, st, c, t, "C API rope_rerotate status differs from its definition");
  if (st != Status::kOk) unchanged(t, "a failed re-rotation changed x");
  std::free(c);
  std::free(t.x);
  std::free(list);
}

// Misuse only the C API can see, each with the status the header documents.
void do_c_misuse(FuzzedDataProvider& f, rope_t* ch, const RopeConfig& config) {
  int32_t rd = 0;
  check(rope_rotary_dim(ch, &rd) == ROPE_OK && rd > 0, "C API rope_rotary_dim");
  const size_t pairs = static_cast<size_t>(rd / 2);
  rope_apply_params p;
  rope_apply_params_init(&p);
  p.num_heads = 1;
  float x[4] = {1, 2, 3, 4};
  const size_t kMax = std::numeric_limits<size_t>::max();
  switch (f.ConsumeIntegralInRange<int>(0, 10)) {
    case 8: {  // views: NULL handle, view, call; struct_size; byte counts that overflow; shift's seq_len
      rope_tensor_view v;
      rope_tensor_view_init(&v);
      v.heads = 1;
      rope_view_call c;
      rope_view_call_init(&c);
      rope_t* const kNull = nullptr;
      check(rope_apply_view(kNull, x, 4, &v, &c) == ROPE_NULL_POINTER, "NULL handle: apply_view");
      check(rope_apply_qk_view(kNull, x, 2, &v, x + 2, 2, &v, &c) == ROPE_NULL_POINTER, "NULL handle: apply_qk_view");
      check(rope_shift(kNull, x, 4, &v, nullptr, 0, nullptr, 0, 0) == ROPE_NULL_POINTER, "NULL handle: shift");
      check(rope_apply_view(ch, x, 4, nullptr, &c) == ROPE_NULL_POINTER, "NULL view: apply_view");
      check(rope_apply_view(ch, x, 4, &v, nullptr) == ROPE_NULL_POINTER, "NULL call: apply_view");
      check(rope_apply_qk_view(ch, x, 2, nullptr, x + 2, 2, &v, &c) == ROPE_NULL_POINTER, "NULL q view");
      check(rope_apply_qk_view(ch, x, 2, &v, x + 2, 2, nullptr, &c) == ROPE_NULL_POINTER, "NULL k view");
      check(rope_apply_qk_view(ch, x, 2, &v, x + 2, 2, &v, nullptr) == ROPE_NULL_POINTER, "NULL call: apply_qk_view");
      check(rope_shift(ch, x, 4, nullptr, nullptr, 0, nullptr, 0, 0) == ROPE_NULL_POINTER, "NULL view: shift");
      const double bad_len = f.PickValueInArray({-1.0, -1e300, std::numeric_limits<double>::quiet_NaN()});
      check(rope_shift(ch, x, 4, &v, nullptr, 0, nullptr, 0, bad_len) == ROPE_SEQ_LEN_INVALID, "shift: bad seq_len");
      const uint32_t size = f.ConsumeIntegral<uint32_t>();
      if (size != sizeof v && (size < sizeof v || size > 4096)) {
        rope_tensor_view bv = v;
        bv.struct_size = size;
        check(rope_apply_view(ch, x, 4, &bv, &c) == ROPE_STRUCT_SIZE_INVALID, "struct_size: view");
        check(rope_apply_qk_view(ch, x, 2, &v, x + 2, 2, &bv, &c) == ROPE_STRUCT_SIZE_INVALID, "struct_size: k view");
        check(rope_shift(ch, x, 4, &bv, nullptr, 0, nullptr, 0, 0) == ROPE_STRUCT_SIZE_INVALID, "struct_size: shift");
      }
      if (size != sizeof c && (size < sizeof c || size > 4096)) {
        rope_view_call bc = c;
        bc.struct_size = size;
        check(rope_apply_view(ch, x, 4, &v, &bc) == ROPE_STRUCT_SIZE_INVALID, "struct_size: call");
      }
      const size_t len = f.PickValueInArray({kMax, kMax - 1, kMax / 2 + 1, kMax / sizeof(float) + 1});
      v.dtype = f.ConsumeBool() ? ROPE_DTYPE_FLOAT32 : ROPE_DTYPE_FLOAT16;
      if (v.dtype == ROPE_DTYPE_FLOAT32 || len > kMax / 2) {
        check(rope_apply_view(ch, x, len, &v, &c) == ROPE_SIZE_OVERFLOW, "overflow: apply_view", static_cast<long long>(len));
        check(rope_apply_qk_view(ch, x, 2, &v, x + 2, len, &v, &c) == ROPE_SIZE_OVERFLOW, "overflow: apply_qk_view");
        check(rope_shift(ch, x, len, &v, nullptr, 0, nullptr, 0, 0) == ROPE_SIZE_OVERFLOW, "overflow: shift");
      }
      break;
    }
    case 9: {  // rope_create: freq_factors NULL with a count; a count too large to copy
      ::rope_config cc = to_c_config(config);
      rope_t* h = reinterpret_cast<rope_t*>(uintptr_t{1});
      cc.freq_factors = nullptr;
      cc.freq_factor_count = f.ConsumeIntegralInRange<size_t>(1, 64);
      check(rope_create(&cc, &h) == ROPE_NULL_POINTER && h == nullptr, "freq_factors NULL with a count");
      // A count past any rotary_dim/2 (the factors are not read): the core's status for a
      // wrong count, whatever rotary_dim is.
      if (rd == 2 && !known_bug("ff-count")) break;
      const double one[1] = {1.0};
      cc.freq_factors = one;
      cc.freq_factor_count = f.PickValueInArray({kMax, kMax / 8, size_t{1} << 20, static_cast<size_t>(kMaxHeadDim / 2) + 1});
      RopeConfig wrong = config;
      wrong.freq_factors.assign(static_cast<size_t>(rd / 2) + 1, 1.0);
      const Status want = validate_config(wrong);
      const rope_status got = rope_create(&cc, &h);
      if (got == ROPE_OK) rope_destroy(h);
      check(code(got) == code(want) || got == ROPE_OUT_OF_MEMORY, "C API rope_create: a freq_factor_count too large to copy",
            code(got), code(want));
      break;
    }
    case 0: {  // NULL handle, every entry point
      double d = 0;
      size_t n = 0;
      int32_t i = 0;
      rope_t* const kNull = nullptr;  // typed: the core has overloads of the same names
      check(rope_apply(kNull, x, 4, &p) == ROPE_NULL_POINTER, "NULL handle: apply");
      check(rope_apply_qk(kNull, x, 2, x + 2, 2, &p) == ROPE_NULL_POINTER, "NULL handle: apply_qk");
      check(rope_inverse(kNull, x, 4, &p) == ROPE_NULL_POINTER, "NULL handle: inverse");
      check(rope_rerotate(kNull, x, 4, &p, 1, 2) == ROPE_NULL_POINTER, "NULL handle: rerotate");
      check(rope_token_count(kNull, 4, 1, &n) == ROPE_NULL_POINTER, "NULL handle: token_count");
      check(rope_head_dim(kNull, &i) == ROPE_NULL_POINTER, "NULL handle: head_dim");
      check(rope_attention_factor(kNull, &d) == ROPE_NULL_POINTER, "NULL handle: attention_factor");
      check(rope_inv_freq(kNull, &d, 1) == ROPE_NULL_POINTER, "NULL handle: inv_freq");
      check(rope_cache_bytes(kNull, &n) == ROPE_NULL_POINTER, "NULL handle: cache_bytes");
      check(rope_cache_rows(kNull, &n) == ROPE_NULL_POINTER, "NULL handle: cache_rows");
      check(::rope_set_seq_len(kNull, 2) == ROPE_NULL_POINTER, "NULL handle: set_seq_len");
      check(::rope_pair_info(kNull, 2, nullptr, 0, nullptr) == ROPE_NULL_POINTER, "NULL handle: pair_info");
      rope_destroy(kNull);
      break;
    }
    case 1:  // NULL params and outputs
      check(rope_apply(ch, x, 4, nullptr) == ROPE_NULL_POINTER, "NULL params: apply");
      check(rope_apply_qk(ch, x, 2, x + 2, 2, nullptr) == ROPE_NULL_POINTER, "NULL params: apply_qk");
      check(rope_rerotate(ch, x, 4, nullptr, 1, 2) == ROPE_NULL_POINTER, "NULL params: rerotate");
      check(rope_token_count(ch, 4, 1, nullptr) == ROPE_NULL_POINTER, "NULL output: token_count");
      check(rope_inv_freq(ch, nullptr, pairs) == ROPE_NULL_POINTER, "NULL output: inv_freq");
      check(rope_attention_factor(ch, nullptr) == ROPE_NULL_POINTER, "NULL output: attention_factor");
      check(::rope_pair_info(ch, 2, nullptr, pairs, nullptr) == ROPE_NULL_POINTER, "NULL output: pair_info");
      check(rope_create(nullptr, nullptr) == ROPE_NULL_POINTER, "NULL: create");
      break;
    case 2: {  // struct_size: anything but ours, or a larger struct with a zero or non-zero tail
      const uint32_t size = f.ConsumeIntegral<uint32_t>();
      std::vector<unsigned char> buf(sizeof(rope_apply_params) + 64, 0);
      std::memcpy(buf.data(), &p, sizeof p);
      const bool tail_set = f.ConsumeBool();
      if (tail_set) buf[sizeof p + f.ConsumeIntegralInRange<size_t>(0, 63)] = 1;
      rope_apply_params* big = reinterpret_cast<rope_apply_params*>(buf.data());
      const uint32_t larger = static_cast<uint32_t>(sizeof p + f.ConsumeIntegralInRange<size_t>(1, 64));
      big->struct_size = larger;
      float y[4] = {1, 2, 3, 4};
      const rope_status st = rope_apply(ch, y, 0, big);
      const bool tail_in = tail_set && [&] {
        for (size_t i = sizeof p; i < larger; ++i) if (buf[i]) return true;
        return false;
      }();
      check(st == (tail_in ? ROPE_STRUCT_SIZE_INVALID : ROPE_OK), "struct_size: larger struct", code(st));
      if (size != sizeof p && (size < sizeof p || size > 4096)) {
        p.struct_size = size;
        check(rope_apply(ch, y, 0, &p) == ROPE_STRUCT_SIZE_INVALID, "struct_size: bad size", static_cast<long long>(size));
      }
      break;
    }
    case 3: {  // lengths whose byte count overflows
      const size_t len = f.PickValueInArray({kMax, kMax - 1, kMax / 2, kMax / sizeof(float) + 1});
      check(rope_apply(ch, x, len, &p) == ROPE_SIZE_OVERFLOW, "overflow: apply");
      check(rope_inverse(ch, x, len, &p) == ROPE_SIZE_OVERFLOW, "overflow: inverse");
      check(rope_rerotate(ch, x, len, &p, 1, 2) == ROPE_SIZE_OVERFLOW, "overflow: rerotate");
      check(rope_apply_qk(ch, x, 2, x + 2, len, &p) == ROPE_SIZE_OVERFLOW, "overflow: apply_qk");
      check(rope_stream_pass(x, len, 1, 0) == ROPE_SIZE_OVERFLOW, "overflow: stream_pass");
      if (len > kMax / 2) check(rope_stream_pass16(x, len, ROPE_DTYPE_FLOAT16, 1, 0) == ROPE_SIZE_OVERFLOW, "overflow: stream_pass16");
      check(rope_stream_pass_strided(x, len, 1, 2, 1, 0) == ROPE_SIZE_OVERFLOW, "overflow: stream_pass_strided");
      break;
    }
    case 4: {  // overlapping q and k
      const size_t n = f.ConsumeIntegralInRange<size_t>(1, 64);
      float* buf = alloc_exact<float>(2 * n);
      const size_t off = f.ConsumeIntegralInRange<size_t>(0, n - 1);
      const size_t klen = f.ConsumeIntegralInRange<size_t>(1, n);
      check(rope_apply_qk(ch, buf, n, buf + off, klen, &p) == ROPE_ALIASED_TENSORS, "aliasing: k inside q");
      check(rope_apply_qk(ch, buf + off, klen, buf, n, &p) == ROPE_ALIASED_TENSORS, "aliasing: q inside k");
      std::free(buf);
      break;
    }
    case 5: {  // output arrays shorter than rotaryDim/2
      if (pairs < 2) break;
      const size_t n = f.ConsumeIntegralInRange<size_t>(0, pairs - 1);
      double* out = alloc_exact<double>(pairs);
      rope_pair_freq* info = alloc_exact<rope_pair_freq>(pairs);
      check(rope_inv_freq(ch, out, n) == ROPE_LENGTH_INVALID, "short array: inv_freq");
      check(::rope_pair_info(ch, 2, info, n, nullptr) == ROPE_LENGTH_INVALID, "short array: pair_info");
      check(rope_inv_freq(ch, out, pairs) == ROPE_OK, "inv_freq");
      std::free(out);
      std::free(info);
      break;
    }
    case 6: {  // status strings: the core's names for 0-99, never NULL
      const int c = f.ConsumeIntegral<int>();
      const char* name = rope_status_string(c);
      check(name != nullptr, "rope_status_string returned NULL", c);
      if (c >= 0 && c < 100) check(std::strcmp(name, status_name(static_cast<Status>(c))) == 0, "status name", c);
      for (int k = 0; k <= 15; ++k)
        check(std::strcmp(rope_status_string(k), status_name(static_cast<Status>(k))) == 0,
              "status name of a core code", k);
      check(std::strcmp(rope_status_string(ROPE_ALIASED_TENSORS), "ALIASED_TENSORS") == 0, "ALIASED_TENSORS name");
      check(std::strcmp(rope_status_string(ROPE_STRUCT_SIZE_INVALID), "STRUCT_SIZE_INVALID") == 0, "STRUCT_SIZE_INVALID name");
      break;
    }
    case 7: {  // NULL tensors: an error with tokens to rotate, nothing without
      int32_t hd = 0;
      check(rope_head_dim(ch, &hd) == ROPE_OK, "head_dim");
      check(rope_apply(ch, nullptr, 0, &p) == ROPE_OK, "NULL x, no tokens");
      check(rope_apply(ch, nullptr, static_cast<size_t>(hd), &p) == ROPE_NULL_POINTER, "NULL x, one token");
      p.num_kv_heads = 1;
      check(rope_apply_qk(ch, nullptr, static_cast<size_t>(hd), nullptr, static_cast<size_t>(hd), &p) ==
                ROPE_NULL_POINTER, "NULL q and k, one token");
      check(rope_stream_pass(nullptr, 0, 1, 0) == ROPE_OK && rope_stream_pass(nullptr, 1, 1, 0) == ROPE_NULL_POINTER,
            "stream_pass NULL");
      check(rope_stream_pass16(nullptr, 1, ROPE_DTYPE_BFLOAT16, 1, 0) == ROPE_NULL_POINTER, "stream_pass16 NULL");
      check(rope_stream_pass_strided(nullptr, 1, 1, 1, 1, 0) == ROPE_NULL_POINTER, "stream_pass_strided NULL");
      // The benchmarks' 16-bit and strided passes on random elements: exactly the scalar
      // formula (NaN stays NaN), nothing outside the runs written.
      const size_t n = f.ConsumeIntegralInRange<size_t>(1, 80);
      const int32_t dt = f.ConsumeIntegralInRange<int32_t>(-1, 3);
      const float a = f.ConsumeFloatingPoint<float>(), b = f.ConsumeFloatingPoint<float>();
      uint16_t* h = alloc_exact<uint16_t>(n);
      for (size_t i = 0; i < n; ++i) h[i] = f.ConsumeIntegral<uint16_t>();
      std::vector<uint16_t> h0(h, h + n);
      const rope_status st = rope_stream_pass16(h, n, dt, a, b);
      if (dt != ROPE_DTYPE_FLOAT16 && dt != ROPE_DTYPE_BFLOAT16) {
        check(st == ROPE_DTYPE_INVALID && std::memcmp(h, h0.data(), 2 * n) == 0, "stream_pass16: bad dtype", dt);
      } else {
        check(st == ROPE_OK, "stream_pass16", code(st));
        const DType t = static_cast<DType>(dt);
        for (size_t i = 0; i < n; ++i) {
          const float w = t == DType::kBFloat16 ? bf16_to_f32(h0[i]) : f16_to_f32(h0[i]);
          const float y = w * a + b;
          const uint16_t want = t == DType::kBFloat16 ? f32_to_bf16(y) : f32_to_f16(y);
          const float got = t == DType::kBFloat16 ? bf16_to_f32(h[i]) : f16_to_f32(h[i]);
          check(h[i] == want || (std::isnan(y) && std::isnan(got)), "stream_pass16: element", static_cast<long long>(i));
        }
      }
      std::free(h);
      const size_t run = f.ConsumeIntegralInRange<size_t>(1, 8), stride = f.ConsumeIntegralInRange<size_t>(run, 12);
      const size_t runs = f.ConsumeIntegralInRange<size_t>(1, 6);
      const size_t len = (runs - 1) * stride + run;
      float* s = alloc_exact<float>(len);
      for (size_t i = 0; i < len; ++i) s[i] = static_cast<float>(i) * 0.25f - 1.0f;
      check(rope_stream_pass_strided(s, runs, run, stride, a, b) == ROPE_OK, "stream_pass_strided");
      for (size_t i = 0; i < len; ++i) {
        const float x0 = static_cast<float>(i) * 0.25f - 1.0f;
        const float want = i % stride < run ? x0 * a + b : x0;
        check(std::memcmp(&s[i], &want, 4) == 0 || (std::isnan(want) && std::isnan(s[i])), "stream_pass_strided: element",
              static_cast<long long>(i));
      }
      std::free(s);
      break;
    }
    default: {  // the introspection values are the core's
      double af = 0;
      size_t bytes = 0, rows = 0;
      const Rope* core = reinterpret_cast<const Rope*>(ch);
      check(rope_attention_factor(ch, &af) == ROPE_OK && af == rope_attention_factor(core), "attention factor");
      check(rope_cache_bytes(ch, &bytes) == ROPE_OK && bytes == rope_cache_bytes(core), "cache bytes");
      check(rope_cache_rows(ch, &rows) == ROPE_OK && rows == rope_cache_rows(core), "cache rows");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider f(data, size);
  const RopeConfig c = pick_config(f);
  const Status valid = validate_config(c);
  const Status modelled = expected_config_status(c);
  if (valid != modelled) {
    std::fprintf(stderr, "rope_fuzz: validate_config %d, modelled %d; mrope mode %d streams %d sections %d %d %d %d, "
                 "scaling %d prf %.17g, freqFactors %zu\n", code(valid), code(modelled), static_cast<int>(c.mrope.mode),
                 c.mrope.streams, c.mrope.sections[0], c.mrope.sections[1], c.mrope.sections[2], c.mrope.sections[3],
                 static_cast<int>(c.scaling.type), c.scaling.partial_rotary_factor, c.freq_factors.size());
    violation("validate_config differs from the documented rules", code(valid), code(modelled));
  }
  Rope* r = reinterpret_cast<Rope*>(uintptr_t{1});
  const Status st = rope_create(c, &r);
  // rope_create may also refuse scaling whose frequencies or attention factor leave the
  // range where angles and float rows stay finite (rope_apply.cpp, update_frequencies):
  // scaled types, or freq factors small enough to push a frequency past 1e290.
  const std::vector<double> model = valid == Status::kOk ? model_frequencies(c) : std::vector<double>();
  const bool model_unusable = std::any_of(model.begin(), model.end(), [](double v) { return !(v >= 0 && v <= 1e290); });
  check(st == valid || st == Status::kOutOfMemory ||
            (valid == Status::kOk && st == Status::kScalingInvalid &&
             (model.empty() ? c.scaling.type != ScalingType::kNone : model_unusable)),
        "rope_create status differs from validate_config", static_cast<int>(st), static_cast<int>(valid));
  check(st != Status::kOk || !model_unusable, "rope_create accepted a frequency past 1e290");
  if (st != Status::kOk) {
    check(r == nullptr, "a failed rope_create left a handle");
    const ::rope_config cc = to_c_config(c);
    rope_t* ch = reinterpret_cast<rope_t*>(uintptr_t{1});
    const rope_status cst = rope_create(&cc, &ch);
    check(code(cst) == code(st) || cst == ROPE_OUT_OF_MEMORY || st == Status::kOutOfMemory,
          "C API rope_create status differs from the core's", code(cst), code(st));
    check(ch == nullptr, "a failed C rope_create left a handle");
    rope_destroy(ch);
    return 0;
  }
  check(r != nullptr, "rope_create succeeded without a handle");
  // The C handle from the same config: the same status (out-of-memory aside).
  const ::rope_config cc = to_c_config(c);
  rope_t* ch = nullptr;
  const rope_status cst = rope_create(&cc, &ch);
  if (cst == ROPE_OUT_OF_MEMORY) {
    rope_destroy(r);
    return 0;
  }
  check(cst == ROPE_OK && ch != nullptr, "C API rope_create refused a config the core accepts", code(cst));
  check(rope_rotary_dim(r) == (c.rotary_dim == 0 ? c.head_dim : c.rotary_dim), "rotary dim");
  check(rope_cache_bytes(r) > 0, "cache bytes");
  check_frequencies(r, "after rope_create");
  // The frequencies the formulas give (none, vision, linear, proportional; freq factors).
  for (size_t i = 0; i < model.size(); ++i) {
    const double got = rope_inv_freq(r)[i], want = model[i];
    if (got == want || std::fabs(got - want) <= 1e-13 * std::fabs(want)) continue;
    dump(r);
    std::fprintf(stderr, "rope_fuzz: invFreq[%zu] %.17g, modelled %.17g\n", i, got, want);
    violation("frequency differs from its formula", static_cast<long long>(i));
  }
  const int ops = f.ConsumeIntegralInRange<int>(1, 4);
  for (int i = 0; i < ops && f.remaining_bytes() > 0; ++i) {
    switch (f.ConsumeIntegralInRange<int>(0, 11)) {
      case 0:
      case 1:
        do_apply(f, r, ch, false);
        break;
      case 2:
      case 3:
        do_apply(f, r, ch, true);
        break;
      case 4:
        do_introspection(f, r, ch);
        break;
      case 5:
        do_rerotate(f, r, ch);
        break;
      case 6:
      case 7:
        do_view(f, r, ch, false);
        break;
      case 8:
      case 9:
        do_view(f, r, ch, true);
        break;
      case 10:
        do_shift(f, r, ch);
        break;
      default:
        do_c_misuse(f, ch, c);
    }
  }
  check(rope_cache_rows(r) * static_cast<size_t>(rope_rotary_dim(r)) * 4 <=
            std::max(c.cache_limit_bytes, 0.0) + 1,
        "cos/sin table grew past cache_limit_bytes", static_cast<long long>(rope_cache_rows(r)));
  rope_destroy(r);
  rope_destroy(ch);
  return 0;
}
