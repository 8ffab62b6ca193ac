// The shapes both kernel benchmarks time: the native Google Benchmark (native/rope_bench.cpp)
// and the same calls compiled to wasm (wasm/rope_kernel_loop.cpp). They match bench-cases.js.
#pragma once

#include <algorithm>
#include <cstdlib>

#include "aligned_alloc.h"

namespace rope_bench {

struct Shape {
  const char* name;
  int tokens, heads, head_dim, start;
};

inline constexpr Shape kShapes[] = {
    {"decode", 1, 32, 128, 4096},
    {"prefill", 2048, 32, 128, 0},
    {"small", 128, 8, 64, 0},
};

// A shape's tensor, 0.5 everywhere, aligned as rope-wasm's JS alloc() gives it: 64 bytes,
// a 4 KiB page from 64 KiB up (so native and wasm time the same placement; std::vector would
// give 16 bytes natively, 8 in wasm, and speed depends on the offset within a page).
class Tensor {
 public:
  explicit Tensor(const Shape& s)
      : size_(static_cast<size_t>(s.tokens) * s.heads * s.head_dim), data_(allocate(size_)) {
    if (data_ == nullptr) std::abort();
    std::fill(data_, data_ + size_, 0.5f);
  }
  ~Tensor() { std::free(data_); }
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;
  float* data() { return data_; }
  size_t size() const { return size_; }

 private:
  static float* allocate(size_t n) {
    const size_t bytes = n * sizeof(float);
    if (bytes < 64 * 1024) return rope::alloc_aligned_floats(n);
    return static_cast<float*>(std::aligned_alloc(4096, (bytes + 4095) / 4096 * 4096));
  }
  size_t size_;
  float* data_;
};

}  // namespace rope_bench
