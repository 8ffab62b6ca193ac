#include "rope_kernels.h"

namespace rope {

namespace {

const KernelEntry kKernels[] = {
    {"half_scalar", Layout::kHalf, false, rope_half_scalar},
    {"interleaved_scalar", Layout::kInterleaved, false, rope_interleaved_scalar},
#if ROPE_HAVE_SIMD128
    {"half_wasmsimd", Layout::kHalf, true, rope_half_wasmsimd},
    {"interleaved_wasmsimd", Layout::kInterleaved, true, rope_interleaved_wasmsimd},
#endif
};

#if ROPE_HAVE_SIMD128
void half_16bit_wasmsimd(const KernelArgs16& a, DType type) {
  rope_half_16bit_wasmsimd_variant(type, a.rotary_dim / 2, a.inverse, a.row_scale != 1.0f)(a, a.rotary_dim / 2);
}
void interleaved_16bit_wasmsimd(const KernelArgs16& a, DType type) {
  rope_interleaved_16bit_wasmsimd_variant(type, a.rotary_dim / 2, a.inverse, a.row_scale != 1.0f)(a, a.rotary_dim / 2);
}
#endif

const Kernel16Entry kKernels16[] = {
    {"half_16bit_scalar", Layout::kHalf, false, rope_half_16bit_scalar},
    {"interleaved_16bit_scalar", Layout::kInterleaved, false, rope_interleaved_16bit_scalar},
#if ROPE_HAVE_SIMD128
    {"half_16bit_wasmsimd", Layout::kHalf, true, half_16bit_wasmsimd},
    {"interleaved_16bit_wasmsimd", Layout::kInterleaved, true, interleaved_16bit_wasmsimd},
#endif
};

}  // namespace

const Kernel16Entry* kernel16_registry(size_t* count) {
  *count = sizeof(kKernels16) / sizeof(kKernels16[0]);
  return kKernels16;
}

Kernel16VariantFn best_kernel16_variant(Layout layout, DType type, int pairs, bool inverse, bool scaled) {
#if ROPE_HAVE_SIMD128
  return layout == Layout::kHalf ? rope_half_16bit_wasmsimd_variant(type, pairs, inverse, scaled)
                                 : rope_interleaved_16bit_wasmsimd_variant(type, pairs, inverse, scaled);
#else
  (void)pairs;
  (void)inverse;
  (void)scaled;
  const bool bf16 = type == DType::kBFloat16;
  if (layout == Layout::kHalf) {
    if (bf16) return [](const KernelArgs16& a, int) { rope_half_16bit_scalar(a, DType::kBFloat16); };
    return [](const KernelArgs16& a, int) { rope_half_16bit_scalar(a, DType::kFloat16); };
  }
  if (bf16) return [](const KernelArgs16& a, int) { rope_interleaved_16bit_scalar(a, DType::kBFloat16); };
  return [](const KernelArgs16& a, int) { rope_interleaved_16bit_scalar(a, DType::kFloat16); };
#endif
}

const KernelEntry* kernel_registry(size_t* count) {
  *count = sizeof(kKernels) / sizeof(kKernels[0]);
  return kKernels;
}

KernelVariantFn best_kernel_variant(Layout layout, int pairs, bool inverse, bool scaled) {
#if ROPE_HAVE_SIMD128
  return layout == Layout::kHalf ? rope_half_wasmsimd_variant(pairs, inverse, scaled)
                                 : rope_interleaved_wasmsimd_variant(pairs, inverse, scaled);
#else
  (void)pairs;
  (void)inverse;
  (void)scaled;
  // The scalar kernels have one version each.
  if (layout == Layout::kHalf) return [](const KernelArgs& a, int) { rope_half_scalar(a); };
  return [](const KernelArgs& a, int) { rope_interleaved_scalar(a); };
#endif
}

}  // namespace rope
