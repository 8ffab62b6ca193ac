// The C API's views: rope_apply_view, rope_apply_qk_view, rope_shift. O(1) checks (NULL,
// struct_size, the byte range of each tensor) and one call into the core, which checks the
// layout, strides, overlap and positions itself.
#include <limits>
#include <vector>

#include "c_api_common.h"

namespace rope {
namespace capi {
namespace {

// A tensor of `length` elements of `dtype` whose byte count or end address overflows.
bool overflows(const void* x, size_t length, int32_t dtype) {
  const size_t size = dtype == ROPE_DTYPE_FLOAT32 ? 4 : 2;  // the core refuses other dtypes
  if (length > std::numeric_limits<size_t>::max() / size) return true;
  return reinterpret_cast<uintptr_t>(x) > std::numeric_limits<uintptr_t>::max() - length * size;
}

TensorView to_core(const rope_tensor_view& v) {
  TensorView t;
  t.dtype = static_cast<DType>(v.dtype);
  t.heads = v.heads;
  t.order = static_cast<Order>(v.order);
  t.offset = v.offset;
  t.token_stride = v.token_stride;
  t.head_stride = v.head_stride;
  t.batch_stride = v.batch_stride;
  t.tokens = v.tokens;
  t.batch = v.batch == 0 ? 1 : v.batch;
  return t;
}

ViewCall to_core(const rope_view_call& c) {
  ViewCall v;
  v.inverse = c.inverse != 0;
  v.relative = c.relative != 0;
  v.positions = c.positions;
  v.starts = c.starts;
  v.start = c.start;
  v.seq_len = c.seq_len;
  return v;
}

}  // namespace
}  // namespace capi
}  // namespace rope

using namespace rope::capi;

extern "C" rope_status rope_apply_view(rope_t* rope, void* data, size_t length, const rope_tensor_view* view,
                                       const rope_view_call* call) {
  if (rope == nullptr || view == nullptr || call == nullptr) return ROPE_NULL_POINTER;
  rope_status st = check_struct_size(view);
  if (st == ROPE_OK) st = check_struct_size(call);
  if (st != ROPE_OK) return st;
  if (overflows(data, length, view->dtype)) return ROPE_SIZE_OVERFLOW;
  return from_core(rope::rope_apply_view(core(rope), data, length, to_core(*view), to_core(*call)));
}

extern "C" rope_status rope_apply_qk_view(rope_t* rope, void* q, size_t q_length, const rope_tensor_view* q_view,
                                          void* k, size_t k_length, const rope_tensor_view* k_view,
                                          const rope_view_call* call) {
  if (rope == nullptr || q_view == nullptr || k_view == nullptr || call == nullptr) return ROPE_NULL_POINTER;
  rope_status st = check_struct_size(q_view);
  if (st == ROPE_OK) st = check_struct_size(k_view);
  if (st == ROPE_OK) st = check_struct_size(call);
  if (st != ROPE_OK) return st;
  if (overflows(q, q_length, q_view->dtype) || overflows(k, k_length, k_view->dtype)) return ROPE_SIZE_OVERFLOW;
  return from_core(rope::rope_apply_qk_view(core(rope), q, q_length, to_core(*q_view), k, k_length, to_core(*k_view),
                                            to_core(*call)));
}

extern "C" rope_status rope_shift(rope_t* rope, void* k, size_t length, const rope_tensor_view* view,
                                  const int32_t* from_positions, int64_t from_start, const int32_t* to_positions,
                                  int64_t to_start, double seq_len) {
  if (rope == nullptr || view == nullptr) return ROPE_NULL_POINTER;
  rope_status st = check_struct_size(view);
  if (st != ROPE_OK) return st;
  if (overflows(k, length, view->dtype)) return ROPE_SIZE_OVERFLOW;
  rope::ViewCall c;
  c.relative = true;
  if (seq_len < 0 || seq_len != seq_len) return ROPE_SEQ_LEN_INVALID;
  c.seq_len = seq_len;
  c.keep_frequencies = seq_len == 0;  // "0 = the one in force": the keys carry those
  // Per-token deltas (to - from), every stream and sequence (two runs of consecutive
  // positions give one constant delta, which is not a run either): the view's tokens first.
  rope::TensorView v = to_core(*view);
  const int streams = rope::position_streams(rope::rope_config(core(rope)));
  // The view checked as the core checks it (same statuses, same order), and its tokens.
  size_t tokens = 0;
  const rope::Status vs = rope::rope_view_tokens(core(rope), length, v, &tokens);
  if (vs != rope::Status::kOk) return from_core(vs);
  if (tokens == 0) return ROPE_OK;
  // Runs of consecutive positions stay within int32, as every position does.
  const int64_t last = static_cast<int64_t>(tokens) - 1;
  constexpr int64_t kMin = std::numeric_limits<int32_t>::min(), kMax = std::numeric_limits<int32_t>::max();
  if ((from_positions == nullptr && (from_start < kMin || from_start > kMax - last)) ||
      (to_positions == nullptr && (to_start < kMin || to_start > kMax - last)))
    return ROPE_POSITION_INVALID;
  size_t n = 0;
  if (__builtin_mul_overflow(v.batch, static_cast<size_t>(streams), &n) || __builtin_mul_overflow(n, tokens, &n))
    return ROPE_SIZE_OVERFLOW;
  std::vector<int32_t> delta;
#if defined(__cpp_exceptions)
  try {
    delta.resize(n);
  } catch (...) {
    return ROPE_OUT_OF_MEMORY;
  }
#else
  delta.resize(n);
#endif
  for (size_t i = 0; i < n; ++i) {
    const int64_t t = static_cast<int64_t>(i % tokens);
    int64_t from = 0, to = 0, d = 0;
    if (from_positions) from = from_positions[i];
    else if (__builtin_add_overflow(from_start, t, &from)) return ROPE_POSITION_INVALID;
    if (to_positions) to = to_positions[i];
    else if (__builtin_add_overflow(to_start, t, &to)) return ROPE_POSITION_INVALID;
    if (__builtin_sub_overflow(to, from, &d)) return ROPE_POSITION_INVALID;
    if (d < std::numeric_limits<int32_t>::min() || d > std::numeric_limits<int32_t>::max()) return ROPE_POSITION_INVALID;
    delta[i] = static_cast<int32_t>(d);
  }
  c.positions = delta.data();
  return from_core(rope::rope_apply_view(core(rope), k, length, v, c));
}

extern "C" rope_status rope_apply_qkv(rope_t* rope, void* qkv, size_t length, const rope_tensor_view* fused,
                                      int32_t num_kv_heads, const rope_view_call* call) {
  if (rope == nullptr || fused == nullptr || call == nullptr) return ROPE_NULL_POINTER;
  rope_status st = check_struct_size(fused);
  if (st == ROPE_OK) st = check_struct_size(call);
  if (st != ROPE_OK) return st;
  if (fused->heads <= 0 || num_kv_heads <= 0) return ROPE_NUM_HEADS_INVALID;
  if (overflows(qkv, length, fused->dtype)) return ROPE_SIZE_OVERFLOW;
  // The whole buffer's layout (all heads), then q = its first num_heads heads and k the
  // next num_kv_heads, with the same strides.
  const size_t d = static_cast<size_t>(rope::rope_config(core(rope)).head_dim);
  const size_t all = static_cast<size_t>(fused->heads) + 2 * static_cast<size_t>(num_kv_heads);
  const size_t batch = fused->batch == 0 ? 1 : fused->batch;
  size_t tokens = fused->tokens;
  const bool strided = fused->token_stride || fused->head_stride || fused->batch_stride;
  if (tokens == 0) {
    if (strided) return ROPE_LENGTH_INVALID;
    const size_t per = all * d * batch;
    if (length < fused->offset || (length - fused->offset) % per != 0) return ROPE_LENGTH_INVALID;
    tokens = (length - fused->offset) / per;
  }
  rope::TensorView q = to_core(*fused);
  q.tokens = tokens;
  if (q.order == rope::Order::kTokenMajor) {
    q.head_stride = q.head_stride ? q.head_stride : d;
    q.token_stride = q.token_stride ? q.token_stride : all * q.head_stride;
    q.batch_stride = q.batch_stride ? q.batch_stride : tokens * q.token_stride;
  } else {
    q.token_stride = q.token_stride ? q.token_stride : d;
    q.head_stride = q.head_stride ? q.head_stride : tokens * q.token_stride;
    q.batch_stride = q.batch_stride ? q.batch_stride : all * q.head_stride;
  }
  rope::TensorView k = q;
  k.heads = num_kv_heads;
  k.offset = q.offset + static_cast<size_t>(fused->heads) * q.head_stride;
  return from_core(rope::rope_apply_qk_view(core(rope), qkv, length, q, qkv, length, k, to_core(*call)));
}
