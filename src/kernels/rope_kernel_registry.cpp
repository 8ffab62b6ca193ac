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

}  // namespace

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
