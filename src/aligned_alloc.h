// 64-byte-aligned float blocks for the cos/sin rows the kernels load as vectors. wasm's
// malloc aligns to 8 bytes only; a block at 8 mod 16 makes every fourth 16-byte load
// straddle a cache line (a tensor placed so measured about 10% slower at decode, and rows are
// loaded as often as the tensor at decode). Free with std::free.
#pragma once

#include <cstddef>
#include <cstdlib>

namespace rope {

inline constexpr size_t kVectorAlign = 64;

// nullptr on failure or overflow (std::aligned_alloc needs a size that is a multiple of the
// alignment).
inline float* alloc_aligned_floats(size_t n) {
  if (n > (static_cast<size_t>(-1) - kVectorAlign) / sizeof(float)) return nullptr;
  const size_t bytes = (n * sizeof(float) + kVectorAlign - 1) / kVectorAlign * kVectorAlign;
  return static_cast<float*>(std::aligned_alloc(kVectorAlign, bytes == 0 ? kVectorAlign : bytes));
}

}  // namespace rope
