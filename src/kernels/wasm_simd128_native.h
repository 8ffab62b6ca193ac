// The subset of <wasm_simd128.h> the kernels use, on 128-bit GCC/Clang vector extensions,
// so the very same SIMD kernels also build natively (SSE2 on x86-64, NEON on arm64): for
// native tests under sanitizers, fuzzing, and the wasm-vs-native benchmark.
// Only included when building natively with ROPE_NATIVE_SIMD128; wasm builds use the real header.
#pragma once

#include <cstring>

typedef float v128_t __attribute__((vector_size(16)));

inline v128_t wasm_v128_load(const void* p) {
  v128_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void wasm_v128_store(void* p, v128_t v) { std::memcpy(p, &v, sizeof v); }
inline v128_t wasm_f32x4_splat(float x) { return v128_t{x, x, x, x}; }
inline v128_t wasm_f32x4_add(v128_t a, v128_t b) { return a + b; }
inline v128_t wasm_f32x4_sub(v128_t a, v128_t b) { return a - b; }
inline v128_t wasm_f32x4_mul(v128_t a, v128_t b) { return a * b; }
inline v128_t wasm_f32x4_neg(v128_t a) { return -a; }
// Bits of a where mask is 1, of b where it is 0 (wasm's v128.bitselect).
inline v128_t wasm_v128_bitselect(v128_t a, v128_t b, v128_t mask) {
  typedef unsigned u32x4 __attribute__((vector_size(16)));
  u32x4 ua, ub, um;
  std::memcpy(&ua, &a, sizeof a);
  std::memcpy(&ub, &b, sizeof b);
  std::memcpy(&um, &mask, sizeof mask);
  const u32x4 r = (ua & um) | (ub & ~um);
  v128_t out;
  std::memcpy(&out, &r, sizeof out);
  return out;
}
// Lane indices 0-3 pick from a, 4-7 from b, as in wasm's i32x4.shuffle.
template <int c0, int c1, int c2, int c3>
inline v128_t rope_native_shuffle(v128_t a, v128_t b) {
  return __builtin_shufflevector(a, b, c0, c1, c2, c3);
}
#define wasm_i32x4_shuffle(a, b, c0, c1, c2, c3) rope_native_shuffle<c0, c1, c2, c3>((a), (b))
