// The subset of <wasm_simd128.h> the kernels use, on 128-bit GCC/Clang vector extensions,
// so the very same SIMD kernels also build natively (SSE2 on x86-64, NEON on arm64): for
// native tests under sanitizers, fuzzing, and the wasm-vs-native benchmark.
// Only included when building natively with ROPE_NATIVE_SIMD128; wasm builds use the real header.
// Every operation follows the wasm SIMD specification's semantics (shift counts modulo the
// lane width, saturating narrows, all-ones comparison masks), so a kernel that passes its
// native tests computes the same bits in wasm.
#pragma once

#include <cstdint>
#include <cstring>

typedef float v128_t __attribute__((vector_size(16)));

namespace rope_native {
typedef int32_t i32x4 __attribute__((vector_size(16)));
typedef uint32_t u32x4 __attribute__((vector_size(16)));
typedef int16_t i16x8 __attribute__((vector_size(16)));
typedef uint16_t u16x8 __attribute__((vector_size(16)));
typedef int8_t i8x16 __attribute__((vector_size(16)));

template <typename T>
inline T as(v128_t v) {
  T t;
  std::memcpy(&t, &v, sizeof t);
  return t;
}
template <typename T>
inline v128_t from(T t) {
  v128_t v;
  std::memcpy(&v, &t, sizeof v);
  return v;
}
}  // namespace rope_native

inline v128_t wasm_v128_load(const void* p) {
  v128_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void wasm_v128_store(void* p, v128_t v) { std::memcpy(p, &v, sizeof v); }
// 8 bytes into the low half, the high half zero.
inline v128_t wasm_v128_load64_zero(const void* p) {
  uint64_t lanes[2] = {0, 0};
  std::memcpy(&lanes[0], p, 8);
  v128_t v;
  std::memcpy(&v, lanes, sizeof v);
  return v;
}
inline void wasm_v128_store64_lane(void* p, v128_t v, int lane) {
  uint64_t lanes[2];
  std::memcpy(lanes, &v, sizeof lanes);
  std::memcpy(p, &lanes[lane], 8);
}

inline v128_t wasm_f32x4_splat(float x) { return v128_t{x, x, x, x}; }
inline v128_t wasm_f32x4_add(v128_t a, v128_t b) { return a + b; }
inline v128_t wasm_f32x4_sub(v128_t a, v128_t b) { return a - b; }
inline v128_t wasm_f32x4_mul(v128_t a, v128_t b) { return a * b; }
inline v128_t wasm_f32x4_neg(v128_t a) { return -a; }
inline v128_t wasm_f32x4_ne(v128_t a, v128_t b) { return rope_native::from(a != b); }

inline v128_t wasm_i32x4_splat(int32_t x) { return rope_native::from(rope_native::i32x4{x, x, x, x}); }
inline v128_t wasm_i16x8_splat(int16_t x) { return rope_native::from(rope_native::i16x8{x, x, x, x, x, x, x, x}); }
inline v128_t wasm_i32x4_add(v128_t a, v128_t b) {
  using namespace rope_native;
  return from(as<u32x4>(a) + as<u32x4>(b));
}
inline v128_t wasm_i32x4_sub(v128_t a, v128_t b) {
  using namespace rope_native;
  return from(as<u32x4>(a) - as<u32x4>(b));
}
inline v128_t wasm_i16x8_add(v128_t a, v128_t b) {
  using namespace rope_native;
  return from(static_cast<u16x8>(as<u16x8>(a) + as<u16x8>(b)));
}
inline v128_t wasm_i16x8_sub(v128_t a, v128_t b) {
  using namespace rope_native;
  return from(static_cast<u16x8>(as<u16x8>(a) - as<u16x8>(b)));
}
inline v128_t wasm_i32x4_shl(v128_t a, uint32_t n) {
  using namespace rope_native;
  return from(as<u32x4>(a) << (n & 31));
}
inline v128_t wasm_u32x4_shr(v128_t a, uint32_t n) {
  using namespace rope_native;
  return from(as<u32x4>(a) >> (n & 31));
}
inline v128_t wasm_i32x4_shr(v128_t a, uint32_t n) {
  using namespace rope_native;
  return from(as<i32x4>(a) >> static_cast<int32_t>(n & 31));
}
inline v128_t wasm_i16x8_shl(v128_t a, uint32_t n) {
  using namespace rope_native;
  return from(static_cast<u16x8>(as<u16x8>(a) << static_cast<uint16_t>(n & 15)));
}
inline v128_t wasm_u16x8_shr(v128_t a, uint32_t n) {
  using namespace rope_native;
  return from(static_cast<u16x8>(as<u16x8>(a) >> static_cast<uint16_t>(n & 15)));
}
inline v128_t wasm_v128_and(v128_t a, v128_t b) {
  using namespace rope_native;
  return from(as<u32x4>(a) & as<u32x4>(b));
}
inline v128_t wasm_v128_or(v128_t a, v128_t b) {
  using namespace rope_native;
  return from(as<u32x4>(a) | as<u32x4>(b));
}
inline v128_t wasm_v128_xor(v128_t a, v128_t b) {
  using namespace rope_native;
  return from(as<u32x4>(a) ^ as<u32x4>(b));
}
// Bits of a where mask is 1, of b where it is 0 (wasm's v128.bitselect).
inline v128_t wasm_v128_bitselect(v128_t a, v128_t b, v128_t mask) {
  using namespace rope_native;
  return from((as<u32x4>(a) & as<u32x4>(mask)) | (as<u32x4>(b) & ~as<u32x4>(mask)));
}
inline bool wasm_v128_any_true(v128_t a) {
  using namespace rope_native;
  const u32x4 u = as<u32x4>(a);
  return (u[0] | u[1] | u[2] | u[3]) != 0;
}
inline bool wasm_i16x8_all_true(v128_t a) {
  using namespace rope_native;
  const u16x8 u = as<u16x8>(a);
  for (int i = 0; i < 8; ++i)
    if (u[i] == 0) return false;
  return true;
}
inline v128_t wasm_i16x8_eq(v128_t a, v128_t b) {
  using namespace rope_native;
  return from(as<i16x8>(a) == as<i16x8>(b));
}
inline v128_t wasm_i16x8_gt(v128_t a, v128_t b) {
  using namespace rope_native;
  return from(as<i16x8>(a) > as<i16x8>(b));
}
inline v128_t wasm_u16x8_lt(v128_t a, v128_t b) {
  using namespace rope_native;
  return from(as<u16x8>(a) < as<u16x8>(b));
}
inline v128_t wasm_u16x8_gt(v128_t a, v128_t b) {
  using namespace rope_native;
  return from(as<u16x8>(a) > as<u16x8>(b));
}
inline v128_t wasm_u16x8_max(v128_t a, v128_t b) {
  using namespace rope_native;
  const u16x8 x = as<u16x8>(a), y = as<u16x8>(b);
  return from(x > y ? x : y);
}
inline v128_t wasm_i16x8_min(v128_t a, v128_t b) {
  using namespace rope_native;
  const i16x8 x = as<i16x8>(a), y = as<i16x8>(b);
  return from(x < y ? x : y);
}
inline v128_t wasm_i16x8_max(v128_t a, v128_t b) {
  using namespace rope_native;
  const i16x8 x = as<i16x8>(a), y = as<i16x8>(b);
  return from(x > y ? x : y);
}
// Signed 32-bit lanes saturated to signed 16 bits, a's four then b's four.
inline v128_t wasm_i16x8_narrow_i32x4(v128_t a, v128_t b) {
  using namespace rope_native;
  const i32x4 x = as<i32x4>(a), y = as<i32x4>(b);
  i16x8 r;
  for (int i = 0; i < 4; ++i) {
    r[i] = static_cast<int16_t>(x[i] < -32768 ? -32768 : x[i] > 32767 ? 32767 : x[i]);
    r[i + 4] = static_cast<int16_t>(y[i] < -32768 ? -32768 : y[i] > 32767 ? 32767 : y[i]);
  }
  return from(r);
}
// Signed 32-bit lanes saturated to unsigned 16 bits, a's four then b's four.
inline v128_t wasm_u16x8_narrow_i32x4(v128_t a, v128_t b) {
  using namespace rope_native;
  const i32x4 x = as<i32x4>(a), y = as<i32x4>(b);
  u16x8 r;
  for (int i = 0; i < 4; ++i) {
    r[i] = static_cast<uint16_t>(x[i] < 0 ? 0 : x[i] > 65535 ? 65535 : x[i]);
    r[i + 4] = static_cast<uint16_t>(y[i] < 0 ? 0 : y[i] > 65535 ? 65535 : y[i]);
  }
  return from(r);
}
inline v128_t wasm_u32x4_extend_low_u16x8(v128_t a) {
  using namespace rope_native;
  const u16x8 x = as<u16x8>(a);
  return from(u32x4{x[0], x[1], x[2], x[3]});
}
inline v128_t wasm_u32x4_extend_high_u16x8(v128_t a) {
  using namespace rope_native;
  const u16x8 x = as<u16x8>(a);
  return from(u32x4{x[4], x[5], x[6], x[7]});
}

// Lane indices 0-3 pick from a, 4-7 from b, as in wasm's i32x4.shuffle.
template <int c0, int c1, int c2, int c3>
inline v128_t rope_native_shuffle(v128_t a, v128_t b) {
  return __builtin_shufflevector(a, b, c0, c1, c2, c3);
}
#define wasm_i32x4_shuffle(a, b, c0, c1, c2, c3) rope_native_shuffle<c0, c1, c2, c3>((a), (b))
// 16-bit lanes: indices 0-7 pick from a, 8-15 from b, as in wasm's i16x8.shuffle.
template <int c0, int c1, int c2, int c3, int c4, int c5, int c6, int c7>
inline v128_t rope_native_shuffle16(v128_t a, v128_t b) {
  using namespace rope_native;
  return from(__builtin_shufflevector(as<i16x8>(a), as<i16x8>(b), c0, c1, c2, c3, c4, c5, c6, c7));
}
#define wasm_i16x8_shuffle(a, b, c0, c1, c2, c3, c4, c5, c6, c7) \
  rope_native_shuffle16<c0, c1, c2, c3, c4, c5, c6, c7>((a), (b))
