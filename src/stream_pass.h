// The memory ceiling for benchmarks: an in-place streaming pass x = x*a + b over a buffer,
// in the same ISA as the kernels. A RoPE pass reads and writes every byte once, as this does.
// The 16-bit form also does the conversions a 16-bit rotation does (widen exactly, round
// back to nearest even), so it is the ceiling of a 16-bit rotation over the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rope_half.h"

namespace rope {

void stream_axpb(float* x, size_t n, float a, float b);
// The same pass over `runs` runs of `run_length` floats, run r at x + r * stride.
void stream_axpb_strided(float* x, size_t runs, size_t run_length, size_t stride, float a, float b);
void stream_axpb16(DType type, uint16_t* x, size_t n, float a, float b);

}  // namespace rope
