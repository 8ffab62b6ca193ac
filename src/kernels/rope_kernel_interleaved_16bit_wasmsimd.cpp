// Interleaved-layout (GPT-J) kernel for fp16 and bf16 tensors in wasm SIMD: four pairs per
// step, eight 16-bit elements [a0 b0 a1 b1 a2 b2 a3 b3] in one v128. Seen as 32-bit lanes
// they are b_k << 16 | a_k, so a and b come apart with a shift and a mask (no shuffles):
// each in the high half of its lane, where the widening wants it. Rotated with the float32
// kernel's expressions, rounded, joined back and stored; one head at a time.
#include "rope_simd128.h"
#if ROPE_HAVE_SIMD128

#include "rope_kernel_16bit_wasmsimd_common.h"

namespace rope {

namespace {

using namespace kernel16;

template <class C>
struct Interleaved16 {
  template <int kP, bool kInverse, bool kScaled>
  struct Variant {
    __attribute__((noinline)) static void run(const KernelArgs16& args, int run_time_pairs) {
      const KernelLoopOf<uint16_t> a(args);
      const size_t pairs = kP > 0 ? static_cast<size_t>(kP) : static_cast<size_t>(run_time_pairs);
      const size_t vec_end = pairs & ~static_cast<size_t>(3);
      for_each_vector(a, pairs, [&](uint16_t* v, const float* cs, const float* sn) {
        if constexpr (kP > 0) {
          ROPE_UNROLL
          for (size_t i = 0; i < static_cast<size_t>(kP); i += 4) step(v + 2 * i, cs + i, sn + i, a);
        } else {
          ROPE_NO_UNROLL
          for (size_t i = 0; i < vec_end; i += 4) step(v + 2 * i, cs + i, sn + i, a);
          if (vec_end < pairs)
            scalar_pairs<C, kInverse>(v + 2 * vec_end, 1, 2, pairs - vec_end, cs + vec_end, sn + vec_end, a.scale);
        }
      });
    }

    // Pairs i..i+3 of one head, p at element 2i.
    static inline void step(uint16_t* p, const float* cs, const float* sn, const KernelLoopOf<uint16_t>& a) {
      const v128_t h = wasm_v128_load(p);
      if (C::inputs_ok(h, h)) {
        v128_t x0, x1, ya, yb, out;
        C::split(h, x0, x1);
        rotate_vectors<kInverse>(x0, x1, load_row<kScaled>(cs, a.scale_v), load_row<kScaled>(sn, a.scale_v), ya, yb);
        if (C::join(ya, yb, out)) {
          wasm_v128_store(p, out);
          return;
        }
      }
      scalar_pairs<C, kInverse>(p, 1, 2, 4, cs, sn, a.scale);
    }
  };
};

}  // namespace

Kernel16VariantFn rope_interleaved_16bit_wasmsimd_variant(DType type, int pairs, bool inverse, bool scaled) {
  return select_16bit<Interleaved16>(type, pairs, inverse, scaled);
}

}  // namespace rope
#endif  // ROPE_HAVE_SIMD128
