// The C API's per-call path: rope_apply, rope_apply_qk, rope_inverse, rope_rerotate.
// Each is a few O(1) checks (NULL, struct_size, byte-count overflow, aliasing) and one
// call into the core, which checks the shape, positions and seq_len itself: no loop over
// the data here, no allocation.
#include <cmath>
#include <limits>

#include "c_api_common.h"

namespace rope {
namespace capi {
namespace {

constexpr size_t kMaxFloats = std::numeric_limits<size_t>::max() / sizeof(float);

// A tensor whose byte count, or whose end address, does not fit the address space.
inline bool overflows(const float* x, size_t length) {
  if (length > kMaxFloats) return true;
  const uintptr_t at = reinterpret_cast<uintptr_t>(x);
  return at > std::numeric_limits<uintptr_t>::max() - length * sizeof(float);
}

inline ApplyParams to_core(const rope_apply_params& p) {
  ApplyParams a;
  a.num_heads = p.num_heads;
  a.num_kv_heads = p.num_kv_heads;
  a.order = static_cast<Order>(p.order);  // the core rejects unknown values (ORDER_INVALID)
  a.positions = p.positions;
  a.start = p.start;
  a.inverse = p.inverse != 0;
  a.seq_len = p.seq_len;
  return a;
}

// The checks every call makes before the core's own.
inline rope_status check_call(const rope_t* r, const rope_apply_params* p) {
  if (r == nullptr || p == nullptr) return ROPE_NULL_POINTER;
  return check_struct_size(p);
}

bool positive_finite(double v) { return std::isfinite(v) && v > 0; }

}  // namespace
}  // namespace capi
}  // namespace rope

using namespace rope::capi;

extern "C" rope_status rope_apply(rope_t* rope, float* x, size_t length, const rope_apply_params* p) {
  const rope_status st = check_call(rope, p);
  if (st != ROPE_OK) return st;
  if (overflows(x, length)) return ROPE_SIZE_OVERFLOW;
  return from_core(rope::rope_apply(core(rope), x, length, to_core(*p)));
}

extern "C" rope_status rope_apply_qk(rope_t* rope, float* q, size_t q_length, float* k, size_t k_length,
                                     const rope_apply_params* p) {
  const rope_status st = check_call(rope, p);
  if (st != ROPE_OK) return st;
  if (overflows(q, q_length) || overflows(k, k_length)) return ROPE_SIZE_OVERFLOW;
  // Overlapping q and k would rotate shared floats twice: refused as the JS layer does.
  const uintptr_t qa = reinterpret_cast<uintptr_t>(q), ka = reinterpret_cast<uintptr_t>(k);
  if (q != nullptr && k != nullptr && qa < ka + k_length * sizeof(float) && ka < qa + q_length * sizeof(float))
    return ROPE_ALIASED_TENSORS;
  return from_core(rope::rope_apply_qk(core(rope), q, q_length, k, k_length, to_core(*p)));
}

extern "C" rope_status rope_inverse(rope_t* rope, float* x, size_t length, const rope_apply_params* p) {
  const rope_status st = check_call(rope, p);
  if (st != ROPE_OK) return st;
  if (overflows(x, length)) return ROPE_SIZE_OVERFLOW;
  rope::ApplyParams a = to_core(*p);
  a.inverse = true;
  return from_core(rope::rope_apply(core(rope), x, length, a));
}

extern "C" rope_status rope_rerotate(rope_t* rope, float* x, size_t length, const rope_apply_params* p,
                                     double from_seq_len, double to_seq_len) {
  rope_status st = check_call(rope, p);
  if (st != ROPE_OK) return st;
  if (!positive_finite(from_seq_len) || !positive_finite(to_seq_len)) return ROPE_SEQ_LEN_INVALID;
  if (overflows(x, length)) return ROPE_SIZE_OVERFLOW;
  rope::Rope* r = core(rope);
  // The target frequencies first: computing them is the one check the inverse pass cannot
  // make for the forward pass (dynamic NTK at a huge length can leave the usable range).
  // After it succeeds, the forward pass repeats checks the inverse pass has already passed
  // (shape, positions, frequencies of a length already installed once), so x is never left
  // half re-rotated. On failure x is unchanged; the frequencies in force may have moved.
  st = from_core(rope::rope_set_seq_len(r, to_seq_len));
  if (st != ROPE_OK) return st;
  rope::ApplyParams a = to_core(*p);
  a.inverse = true;
  a.seq_len = from_seq_len;
  st = from_core(rope::rope_apply(r, x, length, a));
  if (st != ROPE_OK) return st;
  a.inverse = false;
  a.seq_len = to_seq_len;
  return from_core(rope::rope_apply(r, x, length, a));
}
