// rope-wasm: Rotary Position Embedding in WebAssembly SIMD.
// One async loadRope(), then synchronous calls.
import { RopeError, fail } from './errors.js';
import { RopeLibrary } from './library.js';
import { instantiate } from './loader.js';
import { simdSupported } from './simd.js';
import { checkKeys, checkObject } from './validate.js';

export { RopeError } from './errors.js';
export { simdSupported } from './simd.js';
export { configFromHF } from './config-hf.js';
export { configFromGGUF } from './config-gguf.js';
export { mropePositions, visionPositions } from './mrope-positions.js';

const LOAD_KEYS = ['simd', 'wasmUrl', 'wasmBinary', 'wasmModule'];

/** Loads the SIMD build where the engine supports it (or as `options.simd` says). */
export async function loadRope(options = {}) {
  checkObject(options, 'options');
  checkKeys(options, LOAD_KEYS, 'options');
  const simd = options.simd === undefined ? 'auto' : options.simd;
  if (simd !== 'auto' && typeof simd !== 'boolean') fail('INVALID_TYPE', 'options.simd', 'must be true, false or "auto"', simd);
  if (options.wasmUrl !== undefined && typeof options.wasmUrl !== 'string' && !(options.wasmUrl instanceof URL)) {
    fail('INVALID_TYPE', 'options.wasmUrl', 'must be a string or a URL', options.wasmUrl);
  }
  if (options.wasmBinary !== undefined && !(options.wasmBinary instanceof ArrayBuffer) && !(options.wasmBinary instanceof Uint8Array)) {
    fail('INVALID_TYPE', 'options.wasmBinary', 'must be an ArrayBuffer or a Uint8Array', options.wasmBinary);
  }
  if (options.wasmModule !== undefined && !(options.wasmModule instanceof WebAssembly.Module)) {
    fail('INVALID_TYPE', 'options.wasmModule', 'must be a WebAssembly.Module', options.wasmModule);
  }
  const supported = simdSupported();
  if (simd === true && !supported) {
    throw new RopeError('SIMD_UNSUPPORTED', 'options.simd is true but this engine does not support WebAssembly SIMD', { argument: 'options.simd', value: true });
  }
  const variant = (simd === 'auto' ? supported : simd) ? 'simd' : 'baseline';
  // A wasmBinary / wasmModule of the other build than a boolean simd asks for is refused.
  const module = await instantiate(variant, options, simd);
  return new RopeLibrary(module);
}
