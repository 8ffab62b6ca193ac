// The memory ceiling for benchmarks: an in-place streaming pass x = x*a + b over a buffer,
// in the same ISA as the kernels. A RoPE pass reads and writes every byte once, as this does.
#pragma once

#include <cstddef>

namespace rope {

void stream_axpb(float* x, size_t n, float a, float b);

}  // namespace rope
