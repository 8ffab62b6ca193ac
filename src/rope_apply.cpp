#include "rope_apply.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <utility>

#include "kernels/rope_kernels.h"
#include "rope_cache.h"
#include "rope_internal.h"

namespace rope {

namespace {

constexpr int64_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();

// Bounds that keep every angle and every float cos/sin row finite: position * frequency
// must not overflow a double at any int32 position, and the rows (times af) and the
// inverse's 1/af^2 must be normal floats. Scaling parameters that validate but give
// frequencies or factors outside them (a yarn factor of 1e-300, an attention factor of
// 1e300) would turn finite tensors into NaN; they are SCALING_INVALID instead.
constexpr double kMaxFrequency = 1e290;
constexpr double kMinAttentionFactor = 1e-15;
constexpr double kMaxAttentionFactor = 1e15;

// The state a new regime goes into: an empty one; for a transient regime, the transient
// one (so a stream of dynamic NTK sequence lengths past the trained length never evicts the
// table of the regime below it); else the one not in use.
int victim_for(const Rope* r, bool transient) {
  if (r->state_count == 1) return 0;
  for (int i = 0; i < r->state_count; ++i)
    if (std::isnan(r->states[i].regime)) return i;
  if (transient)
    for (int i = 0; i < r->state_count; ++i)
      if (r->states[i].transient) return i;
  return 1 - r->active;
}

}  // namespace

namespace internal {

// Makes the frequencies of `seq_len` the ones in force: the state that already holds its
// regime, or new frequencies installed in a state. On failure nothing changes.
Status update_frequencies(Rope* r, double seq_len) {
  const double regime = frequency_regime(r->config, seq_len);
  if (regime == r->now().regime) return Status::kOk;
  for (int i = 0; i < r->state_count; ++i) {
    if (r->states[i].regime == regime) {
      r->active = i;
      return Status::kOk;
    }
  }
  FrequencyResult fr;
  const Status st = compute_frequencies(r->config, seq_len, r->next_inv_freq, nullptr, &fr);
  if (st != Status::kOk) return st;
  if (!(fr.attention_factor >= kMinAttentionFactor && fr.attention_factor <= kMaxAttentionFactor))
    return Status::kScalingInvalid;
  const int pairs = r->rotary_dim / 2;
  for (int i = 0; i < pairs; ++i) {
    const double f = r->next_inv_freq[i];
    if (!(f >= 0 && f <= kMaxFrequency)) return Status::kScalingInvalid;
  }
  // Dynamic NTK past its trained length has new frequencies at every sequence length: a
  // table would be rebuilt at every decode step, so rows are computed per call instead.
  const ScalingParams& sp = r->config.scaling;
  const bool transient = sp.type == ScalingType::kDynamic && seq_len > sp.max_position_embeddings;
  const int slot = victim_for(r, transient);
  RegimeState& state = r->states[slot];
  std::swap(state.inv_freq, r->next_inv_freq);
  state.attention_factor = fr.attention_factor;
  state.transient = transient;
  state.cache.set_frequencies(state.inv_freq, fr.attention_factor, !transient);
  state.regime = regime;
  r->active = slot;
  return Status::kOk;
}


}  // namespace internal

namespace {

using internal::Shape;
using internal::update_frequencies;

Status shape_of(const Rope* r, size_t length, int heads, Order order, Shape* s) {
  if (heads <= 0) return Status::kNumHeadsInvalid;
  const size_t per_token = static_cast<size_t>(heads) * static_cast<size_t>(r->config.head_dim);
  if (per_token / static_cast<size_t>(heads) != static_cast<size_t>(r->config.head_dim))
    return Status::kSizeOverflow;
  // One division, not a division and a remainder: each is a hardware divide in wasm, and
  // this runs on every call (a few ns of a one-token decode call).
  s->tokens = length / per_token;
  if (s->tokens * per_token != length) return Status::kLengthInvalid;
  const size_t d = static_cast<size_t>(r->config.head_dim);
  if (order == Order::kTokenMajor) {
    s->token_stride = per_token;
    s->head_stride = d;
  } else if (order == Order::kHeadMajor) {
    s->token_stride = d;
    s->head_stride = s->tokens * d;
  } else {
    return Status::kOrderInvalid;
  }
  return Status::kOk;
}

}  // namespace

namespace internal {

// Checks positions and returns the default sequence length (largest position + 1, over
// every stream of an M-RoPE rope's positions).
Status check_positions(const Rope* r, const ApplyParams& p, size_t tokens, double* default_seq_len) {
  int64_t max_pos = -1;
  if (p.positions == nullptr) {
    if (p.start < kInt32Min || p.start > kInt32Max) return Status::kPositionInvalid;
    if (tokens > 0) {
      const int64_t last = p.start + static_cast<int64_t>(tokens) - 1;
      if (last > kInt32Max) return Status::kPositionInvalid;
      max_pos = last;
    }
  } else {
    const size_t n = tokens * static_cast<size_t>(r->streams.streams());
    for (size_t t = 0; t < n; ++t)
      if (p.positions[t] > max_pos) max_pos = p.positions[t];
  }
  *default_seq_len = static_cast<double>(max_pos + 1);
  return Status::kOk;
}

}  // namespace internal

namespace {

using internal::check_positions;

Status prepare(Rope* r, const ApplyParams& p, size_t tokens) {
  double seq_len = 0;
  Status st = check_positions(r, p, tokens, &seq_len);
  if (st != Status::kOk) return st;
  if (p.seq_len > 0) {
    if (!std::isfinite(p.seq_len)) return Status::kSeqLenInvalid;
    seq_len = p.seq_len;
  } else if (p.seq_len < 0 || std::isnan(p.seq_len)) {
    return Status::kSeqLenInvalid;
  }
  if (seq_len < 1) seq_len = 1;
  return update_frequencies(r, seq_len);
}

}  // namespace

namespace internal {

// The rows hold af*cos, af*sin; the inverse must undo a forward pass exactly, scale
// included, so it uses (cos, sin)/af = rows / af^2. A relative rotation (shift: keys
// already carry af) takes the rows without it: / af.
float row_scale_for(const Rope* r, bool inverse, bool relative) {
  const double af = r->now().attention_factor;
  if (relative && af != 1.0) return static_cast<float>(1.0 / af);
  if (inverse && af != 1.0) return static_cast<float>(1.0 / (af * af));
  return 1.0f;
}

// Runs the kernel variant for one block (a row scale comes only with the inverse of a
// scaled rope).
void run_kernel(const Rope* r, const KernelArgs& a) {
  r->kernels[a.inverse ? 1 : 0][a.row_scale != 1.0f ? 1 : 0](a, r->rotary_dim / 2);
}

void run_kernel16(const Rope* r, DType type, const KernelArgs16& a) {
  r->kernels16[type == DType::kBFloat16 ? 1 : 0][a.inverse ? 1 : 0][a.row_scale != 1.0f ? 1 : 0](a, r->rotary_dim / 2);
}

// The cos/sin rows of tokens t0 .. t0+n-1 of a call of `tokens` tokens (M-RoPE positions
// are stream-major: stream k of token t at positions[k * tokens + t]).
Status block_rows(Rope* r, const int32_t* positions, int64_t start, size_t tokens, size_t t0, size_t n,
                  const float* const** rows) {
  CosSinCache& cache = r->now().cache;
  if (positions == nullptr) return cache.rows_for(nullptr, start + static_cast<int64_t>(t0), n, rows);
  return r->streams.rows_for(cache, positions, tokens, t0, n, rows);
}

}  // namespace internal

using internal::args_for;
using internal::block_rows;
using internal::run_kernel;

Status rope_create(const RopeConfig& config, Rope** out) {
  if (out == nullptr) return Status::kNullPointer;
  *out = nullptr;
  Status st = validate_config(config);
  if (st != Status::kOk) return st;
  Rope* r = new (std::nothrow) Rope();
  if (r == nullptr) return Status::kOutOfMemory;
  r->config = config;
  r->rotary_dim = effective_rotary_dim(config);
  r->config.rotary_dim = r->rotary_dim;
  for (int inverse = 0; inverse < 2; ++inverse)
    for (int scaled = 0; scaled < 2; ++scaled) {
      r->kernels[inverse][scaled] = best_kernel_variant(config.layout, r->rotary_dim / 2, inverse == 1, scaled == 1);
      for (int bf16 = 0; bf16 < 2; ++bf16)
        r->kernels16[bf16][inverse][scaled] = best_kernel16_variant(
            config.layout, bf16 ? DType::kBFloat16 : DType::kFloat16, r->rotary_dim / 2, inverse == 1, scaled == 1);
    }
  const size_t pair_bytes = static_cast<size_t>(r->rotary_dim / 2) * sizeof(double);
  r->state_count = frequencies_depend_on_seq_len(config) ? 2 : 1;
  r->next_inv_freq = static_cast<double*>(std::malloc(pair_bytes));
  st = r->next_inv_freq == nullptr ? Status::kOutOfMemory : Status::kOk;
  if (st == Status::kOk) st = r->streams.init(r->config, r->rotary_dim);
  for (int i = 0; i < r->state_count && st == Status::kOk; ++i) {
    r->states[i].inv_freq = static_cast<double*>(std::malloc(pair_bytes));
    st = r->states[i].inv_freq == nullptr ? Status::kOutOfMemory
                                          : r->states[i].cache.init(r->rotary_dim, config.cache_limit_bytes);
  }
  if (st == Status::kOk) st = update_frequencies(r, 1.0);
  if (st == Status::kOk && config.scaling.type == ScalingType::kLongrope) {
    // Both factor sets must give usable frequencies now, so that no later call past the
    // original context can fail (rerotate relies on it: it changes data between two calls);
    // both stay installed, one state each.
    st = update_frequencies(r, config.scaling.original_max_position_embeddings + 1);
    if (st == Status::kOk) st = update_frequencies(r, 1.0);
  }
  if (st != Status::kOk) {
    delete r;
    return st;
  }
  *out = r;
  return Status::kOk;
}

void rope_destroy(Rope* rope) { delete rope; }

Status rope_token_count(const Rope* r, size_t length, int num_heads, size_t* tokens) {
  if (r == nullptr || tokens == nullptr) return Status::kNullPointer;
  Shape s;
  const Status st = shape_of(r, length, num_heads, Order::kTokenMajor, &s);
  if (st == Status::kOk) *tokens = s.tokens;
  return st;
}

Status rope_apply(Rope* r, float* x, size_t length, const ApplyParams& p) {
  if (r == nullptr) return Status::kNullPointer;
  Shape s;
  Status st = shape_of(r, length, p.num_heads, p.order, &s);
  if (st != Status::kOk) return st;
  if (s.tokens == 0) return Status::kOk;
  if (x == nullptr) return Status::kNullPointer;
  st = prepare(r, p, s.tokens);
  if (st != Status::kOk) return st;
  r->streams.begin_call(r->now().cache, p.positions, s.tokens);
  for (size_t t0 = 0; t0 < s.tokens; t0 += CosSinCache::kBlockTokens) {
    const size_t n = std::min(CosSinCache::kBlockTokens, s.tokens - t0);
    const float* const* rows = nullptr;
    st = block_rows(r, p.positions, p.start, s.tokens, t0, n, &rows);
    if (st != Status::kOk) return st;
    run_kernel(r, args_for(r, x, s, p.num_heads, t0, n, rows, p.inverse, false));
  }
  return Status::kOk;
}

Status rope_apply_qk(Rope* r, float* q, size_t q_length, float* k, size_t k_length,
                     const ApplyParams& p) {
  if (r == nullptr) return Status::kNullPointer;
  Shape sq, sk;
  Status st = shape_of(r, q_length, p.num_heads, p.order, &sq);
  if (st != Status::kOk) return st;
  st = shape_of(r, k_length, p.num_kv_heads, p.order, &sk);
  if (st != Status::kOk) return st;
  if (sq.tokens != sk.tokens) return Status::kTokenCountMismatch;
  if (sq.tokens == 0) return Status::kOk;
  if (q == nullptr || k == nullptr) return Status::kNullPointer;
  st = prepare(r, p, sq.tokens);
  if (st != Status::kOk) return st;
  r->streams.begin_call(r->now().cache, p.positions, sq.tokens);
  for (size_t t0 = 0; t0 < sq.tokens; t0 += CosSinCache::kBlockTokens) {
    const size_t n = std::min(CosSinCache::kBlockTokens, sq.tokens - t0);
    const float* const* rows = nullptr;
    st = block_rows(r, p.positions, p.start, sq.tokens, t0, n, &rows);
    if (st != Status::kOk) return st;
    run_kernel(r, args_for(r, q, sq, p.num_heads, t0, n, rows, p.inverse, false));
    run_kernel(r, args_for(r, k, sk, p.num_kv_heads, t0, n, rows, p.inverse, false));
  }
  return Status::kOk;
}

const RopeConfig& rope_config(const Rope* r) { return r->config; }
int rope_rotary_dim(const Rope* r) { return r->rotary_dim; }
const double* rope_inv_freq(const Rope* r) { return r->now().inv_freq; }
double rope_attention_factor(const Rope* r) { return r->now().attention_factor; }
size_t rope_cache_bytes(const Rope* r) {
  size_t bytes = r->streams.bytes();
  for (int i = 0; i < r->state_count; ++i) bytes += r->states[i].cache.bytes();
  return bytes;
}
size_t rope_cache_rows(const Rope* r) { return r->now().cache.table_rows(); }

Status rope_cos_sin(Rope* r, int64_t start, size_t count, double seq_len, float* cos_out, float* sin_out) {
  if (r == nullptr) return Status::kNullPointer;
  if (count == 0) return Status::kOk;
  if (cos_out == nullptr || sin_out == nullptr) return Status::kNullPointer;
  const size_t pairs = static_cast<size_t>(r->rotary_dim / 2);
  if (count > std::numeric_limits<size_t>::max() / (pairs * sizeof(float))) return Status::kSizeOverflow;
  if (start < std::numeric_limits<int32_t>::min() || start > std::numeric_limits<int32_t>::max() ||
      start + static_cast<int64_t>(count > 0x7fffffff ? 0x7fffffff : count) - 1 > std::numeric_limits<int32_t>::max())
    return Status::kPositionInvalid;
  if (!(seq_len <= 0) && !std::isfinite(seq_len)) return Status::kSeqLenInvalid;
  if (std::isnan(seq_len)) return Status::kSeqLenInvalid;
  const double len = seq_len > 0 ? seq_len : static_cast<double>(start + static_cast<int64_t>(count));
  Status st = update_frequencies(r, len < 1 ? 1 : len);
  if (st != Status::kOk) return st;
  for (size_t t0 = 0; t0 < count; t0 += CosSinCache::kBlockTokens) {
    const size_t n = std::min(CosSinCache::kBlockTokens, count - t0);
    const float* const* rows = nullptr;
    st = r->now().cache.rows_for(nullptr, start + static_cast<int64_t>(t0), n, &rows);
    if (st != Status::kOk) return st;
    for (size_t t = 0; t < n; ++t) {
      std::memcpy(cos_out + (t0 + t) * pairs, rows[t], pairs * sizeof(float));
      std::memcpy(sin_out + (t0 + t) * pairs, rows[t] + pairs, pairs * sizeof(float));
    }
  }
  return Status::kOk;
}

Status rope_set_seq_len(Rope* r, double seq_len) {
  if (r == nullptr) return Status::kNullPointer;
  if (!std::isfinite(seq_len) || seq_len <= 0) return Status::kSeqLenInvalid;
  return update_frequencies(r, seq_len);
}

Status rope_pair_info(const Rope* r, double seq_len, PairInfo* out, double* attention_factor) {
  if (r == nullptr || out == nullptr) return Status::kNullPointer;
  if (!std::isfinite(seq_len) || seq_len <= 0) return Status::kSeqLenInvalid;
  double* scratch = static_cast<double*>(std::malloc(static_cast<size_t>(r->rotary_dim / 2) * sizeof(double)));
  if (scratch == nullptr) return Status::kOutOfMemory;
  FrequencyResult fr;
  const Status st = compute_frequencies(r->config, seq_len, scratch, out, &fr);
  std::free(scratch);
  if (st == Status::kOk && attention_factor != nullptr) *attention_factor = fr.attention_factor;
  return st;
}

}  // namespace rope
