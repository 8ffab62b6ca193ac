// What the C API's translation units share: the handle <-> core pointer mapping, the status
// mapping, and the struct_size rule (include/rope_wasm/rope.h, "ABI rules").
#pragma once

#include <cstddef>
#include <cstdint>

#include "../rope_apply.h"
#include "../rope_status.h"
#include "rope_wasm/rope.h"

namespace rope {
namespace capi {

// A handle is the core's Rope pointer itself: no wrapper object, no extra indirection on
// the per-call path (rope_t is never defined; the casts only round-trip the pointer).
inline Rope* core(rope_t* h) { return reinterpret_cast<Rope*>(h); }
inline const Rope* core(const rope_t* h) { return reinterpret_cast<const Rope*>(h); }
inline rope_t* handle(Rope* r) { return reinterpret_cast<rope_t*>(r); }

// The C enum holds the core's values (checked value for value in c_api_info.cpp).
inline rope_status from_core(Status s) { return static_cast<rope_status>(static_cast<int>(s)); }

// Largest struct_size read: a garbage size must not send the zero-tail check far past the
// caller's struct.
constexpr uint32_t kMaxStructSize = 4096;

// The slow half of check_struct_size: a size other than ours.
rope_status check_struct_size_slow(const void* s, uint32_t size, size_t ours);

// A caller's struct of s->struct_size bytes can be read as ours: the same size (the common
// case, one compare), or larger with every byte we do not know zero. Every struct today is
// the first version, so a smaller size is an error (a later version that appends fields
// will accept the older sizes and default the fields they lack).
template <typename T>
inline rope_status check_struct_size(const T* s) {
  if (s->struct_size == sizeof(T)) return ROPE_OK;
  return check_struct_size_slow(s, s->struct_size, sizeof(T));
}

}  // namespace capi
}  // namespace rope
