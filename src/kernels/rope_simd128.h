// Where the 128-bit SIMD intrinsics come from: wasm SIMD in the -msimd128 build, the native
// stand-in (wasm_simd128_native.h) when built natively with ROPE_NATIVE_SIMD128, else none.
#pragma once

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define ROPE_HAVE_SIMD128 1
#elif defined(ROPE_NATIVE_SIMD128)
#include "wasm_simd128_native.h"
#define ROPE_HAVE_SIMD128 1
#else
#define ROPE_HAVE_SIMD128 0
#endif
