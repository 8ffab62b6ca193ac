// Loop-order choice shared by the wasm SIMD kernels.
#pragma once

#include "rope_simd128.h"

#include <cstddef>

#include "rope_kernels.h"

namespace rope {

// How many heads share each loaded cos/sin vector: all of them while the block is small
// enough to stay in cache (decode, small prefill), fewest loads; past that 1, which selects
// each kernel's streaming loop (memory walked in sequential runs the prefetcher follows).
inline size_t head_group(const KernelArgs& a) {
  constexpr size_t kAllHeadsMaxBytes = 1 << 20;
  const size_t block_bytes = a.tokens * a.heads * static_cast<size_t>(a.rotary_dim) * sizeof(float);
  return block_bytes <= kAllHeadsMaxBytes ? a.heads : 1;
}

// Loads 4 cos or sin values, times the row scale when the call has one.
template <bool kScaled>
inline v128_t load_row(const float* p, v128_t scale) {
  const v128_t v = wasm_v128_load(p);
  return kScaled ? wasm_f32x4_mul(v, scale) : v;
}

}  // namespace rope
