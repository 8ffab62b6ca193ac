#include "stream_pass.h"

#include "kernels/rope_simd128.h"

namespace rope {

// As fast as this pass can go, so that "x ceiling" is not flattered: 16 vectors per
// iteration, fully unrolled, with the pointer stepped once (Emscripten builds without loop
// strength reduction, and every loop iteration costs the engine a stack check). Measured
// 18% faster than 2 vectors per iteration at 16 KiB (the decode size), the same at prefill.
void stream_axpb(float* x, size_t n, float a, float b) {
  size_t i = 0;
#if ROPE_HAVE_SIMD128
  const v128_t va = wasm_f32x4_splat(a), vb = wasm_f32x4_splat(b);
  constexpr size_t kStep = 64;
  const size_t blocks_end = n / kStep * kStep;
  for (float *p = x, *const end = x + blocks_end; p != end; p += kStep) {
#if defined(__clang__)
#pragma unroll
#elif defined(__GNUC__)
#pragma GCC unroll 16
#endif
    for (size_t k = 0; k < kStep; k += 4) wasm_v128_store(p + k, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(p + k), va), vb));
  }
  i = blocks_end;
  for (; i + 4 <= n; i += 4) wasm_v128_store(x + i, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(x + i), va), vb));
#endif
  for (; i < n; ++i) x[i] = x[i] * a + b;
}

}  // namespace rope

#if ROPE_HAVE_SIMD128
#include "kernels/rope_half_simd128.h"
#endif

namespace rope {

namespace {

template <DType kType>
void scalar_axpb16(uint16_t* x, size_t n, float a, float b) {
  for (size_t i = 0; i < n; ++i) {
    const float f = kType == DType::kBFloat16 ? bf16_to_f32(x[i]) : f16_to_f32(x[i]);
    x[i] = kType == DType::kBFloat16 ? f32_to_bf16(f * a + b) : f32_to_f16(f * a + b);
  }
}

#if ROPE_HAVE_SIMD128
// Sixteen elements per step with the 16-bit kernels' conversions and exceptional-lane tests
// (a group with one takes the scalar path), so the pass pays what a 16-bit rotation pays
// for its conversions, and no more.
template <DType kType>
void simd_axpb16(uint16_t* x, size_t n, float a, float b) {
  using namespace half_simd;
  const v128_t va = wasm_f32x4_splat(a), vb = wasm_f32x4_splat(b);
  const bool bf16 = kType == DType::kBFloat16;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    uint16_t* p = x + i;
    const v128_t h0 = wasm_v128_load(p), h1 = wasm_v128_load(p + 8);
    if (!bf16 && f16_any_inf_nan(h0, h1)) {
      scalar_axpb16<kType>(p, 16, a, b);
      continue;
    }
    const v128_t f0 = wasm_f32x4_add(wasm_f32x4_mul(bf16 ? bf16_widen_lo(h0) : f16_widen_lo(h0), va), vb);
    const v128_t f1 = wasm_f32x4_add(wasm_f32x4_mul(bf16 ? bf16_widen_hi(h0) : f16_widen_hi(h0), va), vb);
    const v128_t f2 = wasm_f32x4_add(wasm_f32x4_mul(bf16 ? bf16_widen_lo(h1) : f16_widen_lo(h1), va), vb);
    const v128_t f3 = wasm_f32x4_add(wasm_f32x4_mul(bf16 ? bf16_widen_hi(h1) : f16_widen_hi(h1), va), vb);
    if (bf16) {
      if (any_nan4(f0, f1, f2, f3)) {
        scalar_axpb16<kType>(p, 16, a, b);
        continue;
      }
      wasm_v128_store(p, pack16(bf16_round(f0), bf16_round(f1)));
      wasm_v128_store(p + 8, pack16(bf16_round(f2), bf16_round(f3)));
    } else {
      const v128_t m0 = pack16(f16_round_magnitude(f0), f16_round_magnitude(f1));
      const v128_t m1 = pack16(f16_round_magnitude(f2), f16_round_magnitude(f3));
      if (!f16_in_range(f16_range_offset(m0), f16_range_offset(m1))) {
        scalar_axpb16<kType>(p, 16, a, b);
        continue;
      }
      wasm_v128_store(p, wasm_v128_or(m0, f16_signs(f0, f1)));
      wasm_v128_store(p + 8, wasm_v128_or(m1, f16_signs(f2, f3)));
    }
  }
  scalar_axpb16<kType>(x + i, n - i, a, b);
}
#endif

}  // namespace

void stream_axpb_strided(float* x, size_t runs, size_t run_length, size_t stride, float a, float b) {
  for (size_t r = 0; r < runs; ++r) stream_axpb(x + r * stride, run_length, a, b);
}

void stream_axpb16(DType type, uint16_t* x, size_t n, float a, float b) {
#if ROPE_HAVE_SIMD128
  type == DType::kBFloat16 ? simd_axpb16<DType::kBFloat16>(x, n, a, b) : simd_axpb16<DType::kFloat16>(x, n, a, b);
#else
  type == DType::kBFloat16 ? scalar_axpb16<DType::kBFloat16>(x, n, a, b) : scalar_axpb16<DType::kFloat16>(x, n, a, b);
#endif
}

}  // namespace rope
