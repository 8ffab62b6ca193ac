// SIMD feature detection: the 31-byte module wasm-feature-detect uses for simd128
// (one function: i32.const 0; i8x16.splat; i8x16.popcnt; returning a v128).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

let cached;

/** True when this engine validates wasm SIMD (simd128) code. */
export function simdSupported() {
  if (cached === undefined) {
    try {
      cached = typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
    } catch {
      cached = false;
    }
  }
  return cached;
}
