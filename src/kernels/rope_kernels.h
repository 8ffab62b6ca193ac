// RoPE kernels: a scalar reference and wasm SIMD variants, named for layout and ISA.
//
// A kernel rotates `tokens` x `heads` vectors in place. Vector (t, h) starts at
// x + t*token_stride + h*head_stride; its first rotary_dim channels are rotated with the
// cos/sin row rows[t]; the rest pass through untouched.
//
// Row layout (built by CosSinCache, already multiplied by the attention factor), the same
// for both layouts: [cos_0 .. cos_{p-1}, sin_0 .. sin_{p-1}]  (p = rotary_dim/2).
//
// Every variant evaluates the same float expressions in the same order
// (y0 = x0*c - x1*s, y1 = x1*c + x0*s), so SIMD and scalar agree bit for bit.
#pragma once

#include <cstddef>

#include "../rope_config.h"
#include "../rope_half.h"
#include "rope_simd128.h"

namespace rope {

// T: float for float32 tensors, uint16_t for 16-bit ones (fp16 or bf16 bit patterns).
template <typename T>
struct KernelArgsOf {
  T* x;
  size_t tokens;
  size_t heads;
  size_t token_stride;  // elements between consecutive tokens of one head
  size_t head_stride;   // elements between consecutive heads of one token
  int rotary_dim;
  const float* const* rows;  // one row per token
  bool inverse;              // rotate by the negative angle
  // Multiplies every cos/sin read from the rows (1 = as stored). The rows carry the
  // attention factor af, so the exact inverse of a forward pass uses 1/af^2.
  float row_scale = 1.0f;
};
using KernelArgs = KernelArgsOf<float>;
// 16-bit tensors: each element widened to float32 exactly, rotated with the float32
// kernels' expressions, rounded back to nearest even (rope_half.h); so a 16-bit result is
// the float32 kernel's result on the widened input, rounded, bit for bit.
using KernelArgs16 = KernelArgsOf<uint16_t>;

using KernelFn = void (*)(const KernelArgs&);
// One variant of a kernel, chosen ahead of the call: `pairs` is rotary_dim / 2.
using KernelVariantFn = void (*)(const KernelArgs&, int pairs);

// Floats in one cos/sin row.
inline size_t row_floats(int rotary_dim) { return static_cast<size_t>(rotary_dim); }

void rope_half_scalar(const KernelArgs& a);
void rope_interleaved_scalar(const KernelArgs& a);
#if ROPE_HAVE_SIMD128
void rope_half_wasmsimd(const KernelArgs& a);
void rope_interleaved_wasmsimd(const KernelArgs& a);
KernelVariantFn rope_half_wasmsimd_variant(int pairs, bool inverse, bool scaled);
KernelVariantFn rope_interleaved_wasmsimd_variant(int pairs, bool inverse, bool scaled);
#endif

using Kernel16Fn = void (*)(const KernelArgs16&, DType);
using Kernel16VariantFn = void (*)(const KernelArgs16&, int pairs);

// Scalar references for 16-bit tensors (the element type at run time).
void rope_half_16bit_scalar(const KernelArgs16& a, DType type);
void rope_interleaved_16bit_scalar(const KernelArgs16& a, DType type);
#if ROPE_HAVE_SIMD128
// wasm SIMD, converting in registers (rope_half_simd128.h); `type` is fp16 or bf16.
Kernel16VariantFn rope_half_16bit_wasmsimd_variant(DType type, int pairs, bool inverse, bool scaled);
Kernel16VariantFn rope_interleaved_16bit_wasmsimd_variant(DType type, int pairs, bool inverse, bool scaled);
#endif

struct KernelEntry {
  const char* name;
  Layout layout;
  bool simd;
  KernelFn fn;
};

// Every kernel compiled into this build; tests and benchmarks iterate over it.
const KernelEntry* kernel_registry(size_t* count);

struct Kernel16Entry {
  const char* name;
  Layout layout;
  bool simd;
  Kernel16Fn fn;  // any 16-bit type, any pair count (SIMD entries pick their variant per call)
};

// Every 16-bit kernel compiled into this build.
const Kernel16Entry* kernel16_registry(size_t* count);

// The fastest 16-bit kernel variant of this build (type: fp16 or bf16).
Kernel16VariantFn best_kernel16_variant(Layout layout, DType type, int pairs, bool inverse, bool scaled);

// The fastest kernel variant of this build for a layout, pair count, direction and row
// scale (scaled: row_scale != 1). Resolved once per rope, it spares each call the dispatch.
KernelVariantFn best_kernel_variant(Layout layout, int pairs, bool inverse, bool scaled);

}  // namespace rope
