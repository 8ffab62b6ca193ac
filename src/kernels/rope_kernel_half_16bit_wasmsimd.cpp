// Half-layout (rotate_half) kernel for fp16 and bf16 tensors in wasm SIMD: eight pairs per
// step, i.e. eight 16-bit elements (one v128) from each half of a head, widened in registers
// to four float32 vectors, rotated with the float32 kernel's expressions, rounded back and
// stored; no float32 staging in memory. One head at a time, each reloading its cos/sin
// (they stay in L1); with a fixed pair count the steps unroll and every address is the
// head's base plus an immediate.
#include "rope_simd128.h"
#if ROPE_HAVE_SIMD128

#include "rope_kernel_16bit_wasmsimd_common.h"

namespace rope {

namespace {

using namespace kernel16;

template <class C>
struct Half16 {
  template <int kP, bool kInverse, bool kScaled>
  struct Variant {
    __attribute__((noinline)) static void run(const KernelArgs16& args, int run_time_pairs) {
      const KernelLoopOf<uint16_t> a(args);
      const size_t pairs = kP > 0 ? static_cast<size_t>(kP) : static_cast<size_t>(run_time_pairs);
      const size_t vec_end = pairs & ~static_cast<size_t>(7);
      for_each_vector(a, pairs, [&](uint16_t* v, const float* cs, const float* sn) {
        if constexpr (kP > 0) {
          ROPE_UNROLL
          for (size_t i = 0; i < static_cast<size_t>(kP); i += 8) step(v + i, kP, cs + i, sn + i, a);
        } else {
          ROPE_NO_UNROLL
          for (size_t i = 0; i < vec_end; i += 8) step(v + i, pairs, cs + i, sn + i, a);
          if (vec_end < pairs)
            scalar_pairs<C, kInverse>(v + vec_end, pairs, 1, pairs - vec_end, cs + vec_end, sn + vec_end, a.scale);
        }
      });
    }

    // Pairs i..i+7 of one head: lo points at element i, lo + pairs at its partner.
    static inline void step(uint16_t* lo, size_t pairs, const float* cs, const float* sn, const KernelLoopOf<uint16_t>& a) {
      uint16_t* hi = lo + pairs;
      const v128_t hl = wasm_v128_load(lo), hh = wasm_v128_load(hi);
      if (C::inputs_ok(hl, hh)) {
        v128_t ya0, yb0, ya1, yb1;
        rotate_vectors<kInverse>(C::widen_lo(hl), C::widen_lo(hh), load_row<kScaled>(cs, a.scale_v),
                                 load_row<kScaled>(sn, a.scale_v), ya0, yb0);
        rotate_vectors<kInverse>(C::widen_hi(hl), C::widen_hi(hh), load_row<kScaled>(cs + 4, a.scale_v),
                                 load_row<kScaled>(sn + 4, a.scale_v), ya1, yb1);
        v128_t ra, rb;
        if (C::narrow(ya0, ya1, yb0, yb1, ra, rb)) {
          wasm_v128_store(lo, ra);
          wasm_v128_store(hi, rb);
          return;
        }
      }
      scalar_pairs<C, kInverse>(lo, pairs, 1, 8, cs, sn, a.scale);
    }
  };
};

}  // namespace

Kernel16VariantFn rope_half_16bit_wasmsimd_variant(DType type, int pairs, bool inverse, bool scaled) {
  return select_16bit<Half16>(type, pairs, inverse, scaled);
}

}  // namespace rope
#endif  // ROPE_HAVE_SIMD128
