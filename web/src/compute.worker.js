// The compute Worker: loads rope-wasm once and answers figure requests.
// Message in: { id, kind, state }. Out: { id, kind, ok, data | error, ms, simd }.
import { loadRope } from 'rope-wasm';
import { COMPUTE } from './compute.js';

const ready = loadRope();

self.onmessage = async (event) => {
  const { id, kind, state } = event.data;
  let lib;
  try {
    lib = await ready;
  } catch (e) {
    self.postMessage({ id, kind, ok: false, error: `rope-wasm failed to load: ${e && e.message}` });
    return;
  }
  const fn = COMPUTE[kind];
  if (!fn) {
    self.postMessage({ id, kind, ok: false, error: `unknown figure ${kind}` });
    return;
  }
  const t0 = performance.now();
  try {
    const data = fn(lib, state);
    const ms = performance.now() - t0;
    self.postMessage({ id, kind, ok: true, data, ms, simd: lib.simd });
  } catch (e) {
    self.postMessage({ id, kind, ok: false, error: `${e && e.code ? e.code + ': ' : ''}${e && e.message}`, ms: performance.now() - t0, simd: lib.simd });
  }
};
