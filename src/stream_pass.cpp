#include "stream_pass.h"

#include "kernels/rope_simd128.h"
#if ROPE_HAVE_SIMD128
#endif

namespace rope {

void stream_axpb(float* x, size_t n, float a, float b) {
  size_t i = 0;
#if ROPE_HAVE_SIMD128
  const v128_t va = wasm_f32x4_splat(a), vb = wasm_f32x4_splat(b);
  for (; i + 8 <= n; i += 8) {
    wasm_v128_store(x + i, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(x + i), va), vb));
    wasm_v128_store(x + i + 4, wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(x + i + 4), va), vb));
  }
#endif
  for (; i < n; ++i) x[i] = x[i] * a + b;
}

}  // namespace rope
