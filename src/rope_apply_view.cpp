// Views: strided, batched and 16-bit tensors (rope_apply_view, rope_apply_qk_view). The
// same blocks, rows and kernels as rope_apply; a view only changes where each vector is,
// and for 16-bit types the 16-bit kernels widen each element exactly, rotate it with the
// float32 kernel's expressions and round it back to nearest even, so a 16-bit result is the
// float32 path's result rounded, bit for bit.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "rope_internal.h"

namespace rope {

namespace {

using internal::Shape;

constexpr int64_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kInt32Max = std::numeric_limits<int32_t>::max();

// a * b, or false when it overflows size_t.
bool mul(size_t a, size_t b, size_t* out) {
  if (a != 0 && b > std::numeric_limits<size_t>::max() / a) return false;
  *out = a * b;
  return true;
}
bool add(size_t a, size_t b, size_t* out) {
  if (b > std::numeric_limits<size_t>::max() - a) return false;
  *out = a + b;
  return true;
}

// A view with every default resolved and checked against `length` elements.
struct Resolved {
  size_t offset, token_stride, head_stride, batch_stride, tokens, batch;
  int heads;
  DType dtype;
  size_t first, end;  // the elements [first, end) the view can touch
};

Status resolve(const Rope* r, size_t length, const TensorView& v, Resolved* out) {
  if (v.heads <= 0) return Status::kNumHeadsInvalid;
  if (v.dtype != DType::kFloat32 && v.dtype != DType::kFloat16 && v.dtype != DType::kBFloat16) return Status::kDTypeInvalid;
  if (v.order != Order::kTokenMajor && v.order != Order::kHeadMajor) return Status::kOrderInvalid;
  if (v.batch == 0) return Status::kLengthInvalid;
  const size_t d = static_cast<size_t>(r->config.head_dim);
  const size_t h = static_cast<size_t>(v.heads);
  const bool strided = v.token_stride || v.head_stride || v.batch_stride;
  size_t tokens = v.tokens;
  if (tokens == 0 && strided) return Status::kLengthInvalid;  // strides need the token count
  if (tokens == 0) {
    // Dense: the whole tensor past the offset is batch x tokens x heads x head_dim.
    size_t per = 0;
    if (!mul(h, d, &per) || !mul(per, v.batch, &per)) return Status::kSizeOverflow;
    if (v.offset > length) return Status::kLengthInvalid;
    const size_t rest = length - v.offset;
    tokens = rest / per;
    if (tokens * per != rest) return Status::kLengthInvalid;
  }
  Resolved o{};
  o.offset = v.offset;
  o.tokens = tokens;
  o.batch = v.batch;
  o.heads = v.heads;
  o.dtype = v.dtype;
  if (v.order == Order::kTokenMajor) {
    o.head_stride = v.head_stride ? v.head_stride : d;
    if (!mul(h, o.head_stride, &o.token_stride)) return Status::kSizeOverflow;
    if (v.token_stride) o.token_stride = v.token_stride;
    if (!mul(tokens, o.token_stride, &o.batch_stride)) return Status::kSizeOverflow;
  } else {
    o.token_stride = v.token_stride ? v.token_stride : d;
    if (!mul(tokens, o.token_stride, &o.head_stride)) return Status::kSizeOverflow;
    if (v.head_stride) o.head_stride = v.head_stride;
    if (!mul(h, o.head_stride, &o.batch_stride)) return Status::kSizeOverflow;
  }
  if (v.batch_stride) o.batch_stride = v.batch_stride;
  // Vectors must not overlap: with the dimensions sorted by stride, each stride must
  // step past everything the smaller ones cover (the rotated width, then whole rows).
  struct Dim {
    size_t stride, count;
  } dims[3] = {{o.token_stride, tokens}, {o.head_stride, h}, {o.batch_stride, v.batch}};
  std::sort(dims, dims + 3, [](const Dim& a, const Dim& b) { return a.stride < b.stride; });
  size_t extent = static_cast<size_t>(r->rotary_dim);
  for (const Dim& dim : dims) {
    if (dim.count <= 1) continue;
    if (dim.stride < extent) return Status::kStrideInvalid;
    size_t span = 0;
    if (!mul(dim.count - 1, dim.stride, &span) || !add(span, extent, &extent)) return Status::kSizeOverflow;
  }
  // Every addressed element inside [0, length).
  size_t end = o.offset;
  if (tokens > 0) {
    size_t a = 0, b = 0, c = 0;
    if (!mul(tokens - 1, o.token_stride, &a) || !mul(h - 1, o.head_stride, &b) || !mul(v.batch - 1, o.batch_stride, &c) ||
        !add(end, a, &end) || !add(end, b, &end) || !add(end, c, &end) ||
        !add(end, static_cast<size_t>(r->rotary_dim), &end))
      return Status::kSizeOverflow;
  }
  if (end > length) return Status::kStrideInvalid;
  o.first = o.offset;
  o.end = end;
  *out = o;
  return Status::kOk;
}

// Positions of every sequence: within int32 (start paths), and the call's sequence length.
Status check_call(Rope* r, const ViewCall& c, size_t tokens, size_t batch, double* seq_len) {
  const size_t streams = static_cast<size_t>(r->streams.streams());
  int64_t max_pos = -1;
  for (size_t b = 0; b < batch; ++b) {
    if (c.positions) {
      const int32_t* p = c.positions + b * streams * tokens;
      for (size_t i = 0; i < streams * tokens; ++i) max_pos = std::max<int64_t>(max_pos, p[i]);
    } else {
      const int64_t s = c.starts ? c.starts[b] : c.start;
      if (s < kInt32Min || s > kInt32Max) return Status::kPositionInvalid;
      if (tokens > 0) {
        const int64_t last = s + static_cast<int64_t>(tokens) - 1;
        if (last > kInt32Max) return Status::kPositionInvalid;
        max_pos = std::max(max_pos, last);
      }
    }
  }
  double len = static_cast<double>(max_pos + 1);
  if (c.seq_len > 0) {
    if (!std::isfinite(c.seq_len)) return Status::kSeqLenInvalid;
    len = c.seq_len;
  } else if (c.seq_len < 0 || std::isnan(c.seq_len)) {
    return Status::kSeqLenInvalid;
  }
  *seq_len = len < 1 ? 1 : len;
  return Status::kOk;
}

// Rotates tokens t0 .. t0+n-1 of sequence b of view v at data with `rows`: the float32
// kernel, or the 16-bit one (which converts in registers).
void rotate_block(Rope* r, void* data, const Resolved& v, size_t b, size_t t0, size_t n, const float* const* rows,
                  const ViewCall& c) {
  const size_t base = v.offset + b * v.batch_stride;
  Shape s;
  s.tokens = v.tokens;
  s.token_stride = v.token_stride;
  s.head_stride = v.head_stride;
  if (v.dtype == DType::kFloat32) {
    internal::run_kernel(r, internal::args_for(r, static_cast<float*>(data) + base, s, v.heads, t0, n, rows, c.inverse, c.relative));
  } else {
    internal::run_kernel16(r, v.dtype,
                           internal::args_for(r, static_cast<uint16_t*>(data) + base, s, v.heads, t0, n, rows, c.inverse, c.relative));
  }
}

// One call over views (q, and k when kv is not null).
Status run(Rope* r, void* q, const Resolved& qv, void* k, const Resolved* kv, const ViewCall& c) {
  double seq_len = 0;
  Status st = check_call(r, c, qv.tokens, qv.batch, &seq_len);
  if (st != Status::kOk) return st;
  if (!c.keep_frequencies) {
    st = internal::update_frequencies(r, seq_len);
    if (st != Status::kOk) return st;
  }
  const size_t streams = static_cast<size_t>(r->streams.streams());
  for (size_t b = 0; b < qv.batch; ++b) {
    const int32_t* pos = c.positions ? c.positions + b * streams * qv.tokens : nullptr;
    const int64_t start = c.starts ? c.starts[b] : c.start;
    r->streams.begin_call(r->now().cache, pos, qv.tokens);
    for (size_t t0 = 0; t0 < qv.tokens; t0 += CosSinCache::kBlockTokens) {
      const size_t n = std::min(CosSinCache::kBlockTokens, qv.tokens - t0);
      const float* const* rows = nullptr;
      st = internal::block_rows(r, pos, start, qv.tokens, t0, n, &rows);
      if (st != Status::kOk) return st;
      rotate_block(r, q, qv, b, t0, n, rows, c);
      if (kv != nullptr) rotate_block(r, k, *kv, b, t0, n, rows, c);
    }
  }
  return Status::kOk;
}

// True when no two vectors of a lattice of `heads` heads (with a's token, head and batch
// strides) overlap: the check resolve() makes of one view.
bool lattice_disjoint(const Resolved& a, size_t heads, size_t width) {
  struct Dim {
    size_t stride, count;
  } dims[3] = {{a.token_stride, a.tokens}, {a.head_stride, heads}, {a.batch_stride, a.batch}};
  std::sort(dims, dims + 3, [](const Dim& x, const Dim& y) { return x.stride < y.stride; });
  size_t extent = width;
  for (const Dim& d : dims) {
    if (d.count <= 1) continue;
    if (d.stride < extent) return false;
    extent += (d.count - 1) * d.stride;  // no overflow: each view alone passed resolve()
  }
  return true;
}

// True when q's and k's vectors share an element. Exact for the layouts runtimes use:
// disjoint byte ranges; or one buffer with the same strides where k's first head is a whole
// number of head strides from q's (fused QKV, token- or head-major): then they are heads of
// one lattice, disjoint when their head ranges are and that lattice's vectors do not meet.
// Anything else whose ranges meet is treated as overlapping.
bool overlap(const Rope* r, const void* q, const Resolved& a, const void* k, const Resolved& b) {
  const size_t ea = dtype_bytes(a.dtype), eb = dtype_bytes(b.dtype);
  const uintptr_t qa = reinterpret_cast<uintptr_t>(q) + a.first * ea, qe = reinterpret_cast<uintptr_t>(q) + a.end * ea;
  const uintptr_t ka = reinterpret_cast<uintptr_t>(k) + b.first * eb, ke = reinterpret_cast<uintptr_t>(k) + b.end * eb;
  if (qe <= ka || ke <= qa) return false;
  if (q != k || a.dtype != b.dtype || a.token_stride != b.token_stride || a.head_stride != b.head_stride ||
      (a.batch > 1 && a.batch_stride != b.batch_stride) || a.head_stride == 0)
    return true;
  const int64_t delta = static_cast<int64_t>(b.offset) - static_cast<int64_t>(a.offset);
  const int64_t hs = static_cast<int64_t>(a.head_stride);
  if (delta % hs != 0) return true;
  const int64_t kh0 = delta / hs, kh1 = kh0 + b.heads;  // k's heads on q's lattice
  if (kh0 < a.heads && 0 < kh1) return true;          // the head ranges meet
  const int64_t lo = std::min<int64_t>(0, kh0), hi = std::max<int64_t>(a.heads, kh1);
  return !lattice_disjoint(a, static_cast<size_t>(hi - lo), static_cast<size_t>(r->rotary_dim));
}

// True when k's vectors are heads qh .. qh+kh-1 of q's lattice (same element type and
// strides, k's first element qh head strides past q's); *both is then the one view of all
// qh + kh heads.
bool continues(const void* q, const Resolved& a, const void* k, const Resolved& b, Resolved* both) {
  if (a.dtype != b.dtype || a.token_stride != b.token_stride || a.head_stride != b.head_stride ||
      (a.batch > 1 && a.batch_stride != b.batch_stride) || a.head_stride == 0)
    return false;
  const size_t e = dtype_bytes(a.dtype);
  const uintptr_t qa = reinterpret_cast<uintptr_t>(q) + a.offset * e;
  const uintptr_t ka = reinterpret_cast<uintptr_t>(k) + b.offset * e;
  if (ka - qa != static_cast<uintptr_t>(a.heads) * a.head_stride * e || ka < qa) return false;
  *both = a;
  both->heads = a.heads + b.heads;
  return true;
}

}  // namespace

Status rope_view_tokens(const Rope* r, size_t length, const TensorView& x, size_t* tokens) {
  if (r == nullptr || tokens == nullptr) return Status::kNullPointer;
  Resolved v;
  const Status st = resolve(r, length, x, &v);
  if (st == Status::kOk) *tokens = v.tokens;
  return st;
}

Status rope_apply_view(Rope* r, void* data, size_t length, const TensorView& x, const ViewCall& c) {
  if (r == nullptr) return Status::kNullPointer;
  Resolved v;
  Status st = resolve(r, length, x, &v);
  if (st != Status::kOk) return st;
  if (v.tokens == 0) return Status::kOk;
  if (data == nullptr) return Status::kNullPointer;
  return run(r, data, v, nullptr, nullptr, c);
}

Status rope_apply_qk_view(Rope* r, void* q, size_t q_length, const TensorView& qv, void* k, size_t k_length,
                          const TensorView& kv, const ViewCall& c) {
  if (r == nullptr) return Status::kNullPointer;
  Resolved a, b;
  Status st = resolve(r, q_length, qv, &a);
  if (st != Status::kOk) return st;
  st = resolve(r, k_length, kv, &b);
  if (st != Status::kOk) return st;
  if (a.tokens != b.tokens || a.batch != b.batch) return Status::kTokenCountMismatch;
  if (a.tokens == 0) return Status::kOk;
  if (q == nullptr || k == nullptr) return Status::kNullPointer;
  if (overlap(r, q, a, k, b)) return Status::kAliasedTensors;
  // k's heads continuing q's on one lattice (a fused QKV buffer: q heads, then k heads, same
  // strides): one view of both, so each token's q and k heads are one kernel pass over one
  // run of memory instead of two passes over the same rows.
  Resolved both;
  if (continues(q, a, k, b, &both)) return run(r, q, both, nullptr, nullptr, c);
  return run(r, q, a, k, &b, c);
}

}  // namespace rope
