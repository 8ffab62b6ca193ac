// 16-bit floats to and from float32 in 128-bit SIMD registers, eight at a time, bit for bit
// as the scalar conversions in rope_half.h (exact widening, round to nearest even):
// the 16-bit kernels and the 16-bit streaming pass convert in registers with these, with no
// float32 staging in memory.
//
// Each fast form covers the values real tensors hold and reports (or lets the caller test)
// the rare lanes it does not: fp16 Inf/NaN inputs, fp16 results outside the normal range
// (zero, subnormal, overflow), bf16 NaN results. A caller then redoes that group of eight
// with the scalar conversions, so every input still gets the exact scalar result.
//
// Why these recipes and not XNNPACK's general ones (src/f32-f16-vcvt/gen/f32-f16-vcvt-wasmsimd-u8.c,
// src/f16-f32-vcvt/gen/f16-f32-vcvt-wasmsimd-int16-u16.c in google/XNNPACK):
// they take about half the instructions (fp16 narrowing: 6 integer ops per 4 lanes plus a
// shared range check, against ~16 for the general f32 -> f16 recipe), and the exceptional
// lanes, which the general recipes pay for on every vector, are taken out by one test per
// group.
#pragma once

#include "rope_simd128.h"

#if ROPE_HAVE_SIMD128

#include <cstdint>

namespace rope {
namespace half_simd {

inline v128_t zero() { return wasm_i32x4_splat(0); }

// ---- bfloat16 ----

// Lanes 0-3 (lo) and 4-7 (hi) of eight bf16 values as float32: each goes to the high half
// of its 32-bit lane (an unpack with zero).
inline v128_t bf16_widen_lo(v128_t h) { return wasm_i16x8_shuffle(zero(), h, 0, 8, 1, 9, 2, 10, 3, 11); }
inline v128_t bf16_widen_hi(v128_t h) { return wasm_i16x8_shuffle(zero(), h, 4, 12, 5, 13, 6, 14, 7, 15); }

// float32 -> bf16 bits in the low half of each lane: (w + 0x7fff + ((w >> 16) & 1)) >> 16,
// round to nearest even (overflow rounds to infinity, as it must). NaN lanes are not handled
// (the rounding add can carry out of a NaN's mantissa): callers test for NaN first.
inline v128_t bf16_round(v128_t f) {
  const v128_t odd = wasm_v128_and(wasm_u32x4_shr(f, 16), wasm_i32x4_splat(1));
  return wasm_u32x4_shr(wasm_i32x4_add(wasm_i32x4_add(f, wasm_i32x4_splat(0x7fff)), odd), 16);
}
// Eight rounded lanes (bf16_round of two vectors) packed into eight 16-bit values.
inline v128_t pack16(v128_t r0, v128_t r1) { return wasm_u16x8_narrow_i32x4(r0, r1); }

// True when any lane of a, b, c, d is NaN: their sum is NaN then (NaN propagates through
// addition; a NaN the sum makes from infinities only sends a group to the exact scalar path).
inline bool any_nan4(v128_t a, v128_t b, v128_t c, v128_t d) {
  const v128_t s = wasm_f32x4_add(wasm_f32x4_add(a, b), wasm_f32x4_add(c, d));
  return wasm_v128_any_true(wasm_f32x4_ne(s, s));
}
inline bool any_nan2(v128_t a, v128_t b) {
  const v128_t s = wasm_f32x4_add(a, b);
  return wasm_v128_any_true(wasm_f32x4_ne(s, s));
}

// ---- IEEE binary16 ----

// fp16 bits held in the high half of each 32-bit lane (the low half is ignored) as float32,
// exact for every finite value: an arithmetic shift by 3 puts the 15 magnitude bits in
// float32's exponent and mantissa fields (the sign stays at bit 31, the mask clears the
// sign copies and the low half), which is the value times 2^-112; * 2^112 is exact, and a
// subnormal fp16 (a float32 subnormal here) comes out normal. Inf/NaN (exponent 31) would
// come out as 2^16 * 1.m: callers test with f16_any_inf_nan first.
inline v128_t f16_widen_w(v128_t w) {
  const v128_t bits = wasm_v128_and(wasm_i32x4_shr(w, 3), wasm_i32x4_splat(static_cast<int32_t>(0x8fffe000u)));
  return wasm_f32x4_mul(bits, wasm_f32x4_splat(0x1p112f));
}
inline v128_t f16_widen_lo(v128_t h) { return f16_widen_w(wasm_i16x8_shuffle(zero(), h, 0, 8, 1, 9, 2, 10, 3, 11)); }
inline v128_t f16_widen_hi(v128_t h) { return f16_widen_w(wasm_i16x8_shuffle(zero(), h, 4, 12, 5, 13, 6, 14, 7, 15)); }

// True when any of the sixteen fp16 values in h0, h1 is Inf or NaN (exponent 31).
inline bool f16_any_inf_nan(v128_t h0, v128_t h1) {
  const v128_t mag = wasm_i16x8_splat(0x7fff);
  const v128_t m = wasm_i16x8_max(wasm_v128_and(h0, mag), wasm_v128_and(h1, mag));
  return wasm_v128_any_true(wasm_i16x8_gt(m, wasm_i16x8_splat(0x7bff)));
}

// float32 -> fp16 magnitude bits (sign not included) in the low half of each lane, for
// |f| in fp16's normal range: Giesen's integer rounding, |w| - (112 << 23) + 0xfff + odd,
// then >> 13 (round to nearest even; values from 65520 up round to infinity, 0x7c00).
// Outside that range the lane comes out below 0x400 or above 0x7c00 (tiny magnitudes wrap
// around to large values), which f16_in_range detects once they are packed.
inline v128_t f16_round_magnitude(v128_t f) {
  const v128_t a = wasm_v128_and(f, wasm_i32x4_splat(0x7fffffff));
  const v128_t odd = wasm_v128_and(wasm_u32x4_shr(a, 13), wasm_i32x4_splat(1));
  const v128_t biased = wasm_i32x4_add(a, wasm_i32x4_splat(static_cast<int32_t>(0xc8000fffu)));
  return wasm_u32x4_shr(wasm_i32x4_add(biased, odd), 13);
}
// Eight packed magnitudes (pack16 of two f16_round_magnitude results; the narrow saturates
// wrapped lanes to 0xffff) minus 0x400: in [0, 0x7800] for normal results and infinity.
inline v128_t f16_range_offset(v128_t n) { return wasm_i16x8_sub(n, wasm_i16x8_splat(0x400)); }
// True when every lane of the range offsets t0, t1 is in [0, 0x7800] (signed 16-bit).
inline bool f16_in_range(v128_t t0, v128_t t1) {
  const v128_t lo = wasm_i16x8_min(t0, t1), hi = wasm_i16x8_max(t0, t1);
  const v128_t bad = wasm_v128_or(wasm_i16x8_gt(zero(), lo), wasm_i16x8_gt(hi, wasm_i16x8_splat(0x7800)));
  return !wasm_v128_any_true(bad);
}
// The signs of two float32 vectors as the sign bits of eight 16-bit lanes (the arithmetic
// shift keeps each high half exact through the signed narrow).
inline v128_t f16_signs(v128_t f0, v128_t f1) {
  const v128_t hi = wasm_i16x8_narrow_i32x4(wasm_i32x4_shr(f0, 16), wasm_i32x4_shr(f1, 16));
  return wasm_v128_and(hi, wasm_i16x8_splat(static_cast<int16_t>(0x8000)));
}

}  // namespace half_simd
}  // namespace rope

#endif  // ROPE_HAVE_SIMD128
