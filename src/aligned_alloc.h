// 64-byte-aligned float blocks for the cos/sin rows the kernels load as vectors. wasm's
// malloc aligns to 8 bytes only; a block at 8 mod 16 makes every fourth 16-byte load
// straddle a cache line (a tensor placed so measured about 10% slower at decode, and rows are
// loaded as often as the tensor at decode). Free with std::free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace rope {

inline constexpr size_t kVectorAlign = 64;

// Bytes for n floats rounded up to a whole, non-zero number of kVectorAlign (std::aligned_alloc
// needs a multiple of the alignment); 0 when that overflows.
inline size_t aligned_bytes(size_t n) {
  if (n > (static_cast<size_t>(-1) - kVectorAlign) / sizeof(float)) return 0;
  const size_t bytes = (n * sizeof(float) + kVectorAlign - 1) / kVectorAlign * kVectorAlign;
  return bytes == 0 ? kVectorAlign : bytes;
}

// nullptr on failure or overflow.
inline float* alloc_aligned_floats(size_t n) {
  const size_t bytes = aligned_bytes(n);
  return bytes == 0 ? nullptr : static_cast<float*>(std::aligned_alloc(kVectorAlign, bytes));
}

// Grows a block from alloc_aligned_floats to n floats, keeping its first `keep` floats;
// nullptr on failure (the old block is then untouched). realloc first, which can extend the
// block in place (no second copy of a large table in memory). When it moves the block to an
// address that is not aligned, the data moves once more to one that is; if that allocation
// fails, the unaligned block is returned: every kernel load is an unaligned-safe load, so
// alignment is only a matter of speed.
inline float* realloc_aligned_floats(float* p, size_t keep, size_t n) {
  if (p == nullptr) return alloc_aligned_floats(n);
  const size_t bytes = aligned_bytes(n);
  if (bytes == 0) return nullptr;
  float* grown = static_cast<float*>(std::realloc(p, bytes));
  if (grown == nullptr || reinterpret_cast<uintptr_t>(grown) % kVectorAlign == 0) return grown;
  float* aligned = alloc_aligned_floats(n);
  if (aligned == nullptr) return grown;
  if (keep > 0) std::memcpy(aligned, grown, keep * sizeof(float));
  std::free(grown);
  return aligned;
}

}  // namespace rope
