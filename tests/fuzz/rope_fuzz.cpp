// libFuzzer target over the core's entry points (src/rope_apply.h), built with
// -fsanitize=fuzzer,address,undefined (cmake -DROPE_FUZZ=ON, clang++).
//
// Each input is decoded into a config (valid or not: head/rotary dims, base, layout, cache
// limit, scaling type 0..5 or out of range with random parameters) and, when rope_create
// accepts it, a short sequence of calls: rope_apply, rope_apply_qk, rope_set_seq_len,
// rope_pair_info, rope_token_count, with random heads, orders, token counts, lengths that
// may not be a whole number of tokens, start positions over the whole int64 range, per-token
// int32 positions (extremes and negatives), seq_len (NaN, infinite, negative, huge).
//
// Every tensor, position list and output array is allocated with exactly the byte count
// passed to the core, so AddressSanitizer sees any read or write past it. Beyond the
// sanitizers, each call is checked against the contract:
//   - the status is the one the documented checks give (shape, positions, seq_len, null);
//   - a failed call leaves the tensors bit-for-bit unchanged;
//   - a successful call matches a float64 reference (pairs whose inputs are not finite are
//     skipped: NaN/Infinity may reach only their own pair), pass-through channels are
//     untouched, and applying the inverse gives the input back.
// A violation prints what went wrong and aborts, which libFuzzer reports as a crash.
//
// The C API (include/rope_wasm/rope.h) is driven alongside: a C handle is created from the
// same config (its status must be the core's), every call above is repeated on it with
// copies of the same tensors (same status, same bits), plus re-rotation and introspection
// through it, and misuse only the C API can see: NULL handles, NULL params and outputs,
// bad struct_size, lengths whose byte count overflows, overlapping q and k, short output
// arrays, every status string.
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
#include "rope_status.h"
#include "rope_wasm/rope.h"

using namespace rope;

namespace {

// Native memory bound for one input: keeps the fuzzer fast and inside libFuzzer's RSS limit.
constexpr size_t kMaxTensorFloats = size_t{1} << 16;    // 256 KiB per tensor
constexpr double kMaxTableBytes = 4.0 * 1024 * 1024;   // cos/sin table actually grown
constexpr double kCheckedFactorMin = 1e-15, kCheckedFactorMax = 1e15;  // the core's bounds

[[noreturn]] void violation(const char* what, long long a = 0, long long b = 0) {
  std::fprintf(stderr, "rope_fuzz: contract violation: %s (%lld, %lld)\n", what, a, b);
  std::abort();
}

void check(bool ok, const char* what, long long a = 0, long long b = 0) {
  if (!ok) violation(what, a, b);
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
  const int type = f.ConsumeIntegralInRange<int>(0, 7);
  s.type = static_cast<ScalingType>(type <= 5 ? type : f.ConsumeIntegral<int>());
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
  std::fprintf(stderr, "\n");
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

// Checks a successful (or failed) call on one tensor against the contract.
void check_tensor(const Rope* r, const Tensor& t, size_t tokens, int heads, Order order,
                  const std::vector<int64_t>& pos, bool inverse) {
  const int head_dim = rope::rope_config(r).head_dim;
  const int rd = rope_rotary_dim(r);
  const int pairs = rd / 2;
  const bool interleaved = rope::rope_config(r).layout == Layout::kInterleaved;
  const double* inv_freq = rope_inv_freq(r);
  const double af = rope_attention_factor(r);
  const double scale = inverse ? 1.0 / af : af;
  // The core refuses attention factors outside [1e-15, 1e15] (float rows and 1/af^2 stay
  // normal inside); a factor outside them here is itself a violation.
  check(af >= kCheckedFactorMin && af <= kCheckedFactorMax, "attention factor in force out of range");
  if (!(af >= kCheckedFactorMin && af <= kCheckedFactorMax)) return;
  for (size_t tk = 0; tk < tokens; ++tk) {
    for (int h = 0; h < heads; ++h) {
      const size_t off = order == Order::kTokenMajor ? (tk * static_cast<size_t>(heads) + h) * head_dim
                                                     : (static_cast<size_t>(h) * tokens + tk) * head_dim;
      const float* x0 = &t.before[off];
      const float* y = t.x + off;
      for (int d = rd; d < head_dim; ++d)
        check(std::memcmp(&x0[d], &y[d], sizeof(float)) == 0, "pass-through channel changed", d, static_cast<long long>(off));
      for (int i = 0; i < pairs; ++i) {
        const int a = interleaved ? 2 * i : i;
        const int b = interleaved ? 2 * i + 1 : i + pairs;
        const double xa = x0[a], xb = x0[b];
        if (!std::isfinite(xa) || !std::isfinite(xb)) continue;  // may go anywhere, but only here
        // Finite, moderate inputs give finite outputs (the rotation is bounded).
        if (std::fabs(xa) <= 1e30 && std::fabs(xb) <= 1e30 && !(std::isfinite(y[a]) && std::isfinite(y[b]))) {
          dump(r);
          std::fprintf(stderr, "rope_fuzz: pair %d at position %lld (inverse %d): x (%.9g, %.9g) -> (%.9g, %.9g)\n", i,
                       static_cast<long long>(pos[tk]), inverse, xa, xb, y[a], y[b]);
          violation("finite input, non-finite output", i, static_cast<long long>(pos[tk]));
        }
        const double angle = (inverse ? -1.0 : 1.0) * static_cast<double>(pos[tk]) * inv_freq[i];
        if (!std::isfinite(angle) || std::fabs(angle) > 1099511627776.0) continue;  // 2^40: ulp of angle too coarse
        if (!std::isfinite(scale) || std::fabs(scale) > 1e30 || std::fabs(xa) > 1e30 || std::fabs(xb) > 1e30) continue;
        const double c = std::cos(angle) * scale, s = std::sin(angle) * scale;
        const double ya = xa * c - xb * s, yb = xb * c + xa * s;
        const double mag = (std::fabs(xa) + std::fabs(xb)) * std::fabs(scale);
        const double tol = mag * (2e-6 + 64 * 2.3e-16 * std::fabs(angle)) + 1e-37;
        if (!(std::fabs(ya - y[a]) <= tol && std::fabs(yb - y[b]) <= tol)) {
          dump(r);
          std::fprintf(stderr,
                       "rope_fuzz: headDim %d rotaryDim %d layout %d scaling %d base %.17g inverse %d af %.17g\n"
                       "  pair %d position %lld invFreq %.17g: x (%.9g, %.9g) -> (%.9g, %.9g), float64 (%.9g, %.9g)\n",
                       head_dim, rd, interleaved, static_cast<int>(rope::rope_config(r).scaling.type), rope::rope_config(r).base,
                       inverse, af, i, static_cast<long long>(pos[tk]), inv_freq[i], xa, xb, y[a], y[b], ya, yb);
          violation("result differs from the float64 reference", i, static_cast<long long>(pos[tk]));
        }
      }
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

// Positions of the call as int64, one per token.
std::vector<int64_t> positions_of(const ApplyParams& p, size_t tokens) {
  std::vector<int64_t> v(tokens);
  for (size_t t = 0; t < tokens; ++t) v[t] = p.positions ? p.positions[t] : p.start + static_cast<int64_t>(t);
  return v;
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

  // Positions: a start over the whole int64 range, or one int32 per token (exactly tq).
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
    list = alloc_exact<int32_t>(tq);
    for (size_t t = 0; t < tq; ++t) list[t] = pick_position(f);
    p.positions = list;
  }
  if (expect == Status::kOk) expect = expected_params_status(p, tq, null_tensor);

  // Keep the cos/sin table this input grows within native memory: clamp huge positions
  // when the cache limit would let the table follow them.
  std::vector<int64_t> pos;
  if (expect == Status::kOk && tq > 0) {
    pos = positions_of(p, tq);
    if (table_bytes_needed(r, pos) > kMaxTableBytes) {
      const int32_t rows = static_cast<int32_t>(std::max(1.0, kMaxTableBytes / (rope_rotary_dim(r) * 4.0)));
      for (size_t t = 0; t < tq; ++t) {
        if (list) list[t] = static_cast<int32_t>(list[t] % rows);
        pos[t] = list ? list[t] : pos[t];
      }
      if (!list) {
        p.start = p.start % rows;
        pos = positions_of(p, tq);
      }
    }
  }

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
  const int32_t rows = static_cast<int32_t>(std::max(1.0, kMaxTableBytes / (rope_rotary_dim(r) * 4.0)));
  if (table_bytes_needed(r, positions_of(p, t.length / per)) > kMaxTableBytes) p.start %= rows;
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
}

// Misuse only the C API can see, each with the status the header documents.
void do_c_misuse(FuzzedDataProvider& f, rope_t* ch) {
  int32_t rd = 0;
  check(rope_rotary_dim(ch, &rd) == ROPE_OK && rd > 0, "C API rope_rotary_dim");
  const size_t pairs = static_cast<size_t>(rd / 2);
  rope_apply_params p;
  rope_apply_params_init(&p);
  p.num_heads = 1;
  float x[4] = {1, 2, 3, 4};
  const size_t kMax = std::numeric_limits<size_t>::max();
  switch (f.ConsumeIntegralInRange<int>(0, 8)) {
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
  Rope* r = reinterpret_cast<Rope*>(uintptr_t{1});
  const Status st = rope_create(c, &r);
  // rope_create may also refuse scaling whose frequencies or attention factor leave the
  // range where angles and float rows stay finite (rope_apply.cpp, update_frequencies).
  check(st == valid || st == Status::kOutOfMemory ||
            (valid == Status::kOk && st == Status::kScalingInvalid && c.scaling.type != ScalingType::kNone),
        "rope_create status differs from validate_config", static_cast<int>(st), static_cast<int>(valid));
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
  const int ops = f.ConsumeIntegralInRange<int>(1, 4);
  for (int i = 0; i < ops && f.remaining_bytes() > 0; ++i) {
    switch (f.ConsumeIntegralInRange<int>(0, 6)) {
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
      default:
        do_c_misuse(f, ch);
    }
  }
  check(rope_cache_rows(r) * static_cast<size_t>(rope_rotary_dim(r)) * 4 <=
            std::max(c.cache_limit_bytes, 0.0) + 1,
        "cos/sin table grew past cache_limit_bytes", static_cast<long long>(rope_cache_rows(r)));
  rope_destroy(r);
  rope_destroy(ch);
  return 0;
}
