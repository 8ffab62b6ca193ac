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

// A shape's tensor, 0.5 everywhere, 64-byte aligned as rope-wasm's JS alloc() gives it (so
// native and wasm time the same alignment; std::vector would give 16 natively, 8 in wasm).
class Tensor {
 public:
  explicit Tensor(const Shape& s)
      : size_(static_cast<size_t>(s.tokens) * s.heads * s.head_dim),
        data_(rope::alloc_aligned_floats(size_)) {
    if (data_ == nullptr) std::abort();
    std::fill(data_, data_ + size_, 0.5f);
  }
  ~Tensor() { std::free(data_); }
  Tensor(const Tensor&) = delete;
  Tensor& operator=(const Tensor&) = delete;
  float* data() { return data_; }
  size_t size() const { return size_; }

 private:
  size_t size_;
  float* data_;
};

}  // namespace rope_bench
