// Loop-order choice shared by the wasm SIMD kernels.
#pragma once

#include "rope_simd128.h"

#include <cstddef>

#include "rope_kernels.h"

namespace rope {

// How many heads share each loaded cos/sin vector. All of them while the block is small
// enough to stay in cache (decode, small prefill): fewest loads. Past that, a few heads at
// a time, so memory is walked in near-sequential runs that the prefetcher follows.
inline size_t head_group(const KernelArgs& a) {
  constexpr size_t kAllHeadsMaxBytes = 1 << 20;
  constexpr size_t kStreamingGroup = 1;
  const size_t block_bytes = a.tokens * a.heads * static_cast<size_t>(a.rotary_dim) * sizeof(float);
  if (block_bytes <= kAllHeadsMaxBytes || a.heads <= kStreamingGroup) return a.heads;
  return kStreamingGroup;
}

// Loads 4 cos or sin values, times the row scale when the call has one.
template <bool kScaled>
inline v128_t load_row(const float* p, v128_t scale) {
  const v128_t v = wasm_v128_load(p);
  return kScaled ? wasm_f32x4_mul(v, scale) : v;
}

}  // namespace rope
