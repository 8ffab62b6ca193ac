// Module Worker for tests/js/worker-browser.test.js: loads rope-wasm from the package's
// dist/ (the default fetch of the .wasm beside the module), rotates what the page sends.
import { loadRope, simdSupported } from '/dist/index.js';

self.onmessage = async (event) => {
  const { x, headDim, numHeads, positions, layout } = event.data;
  try {
    const lib = await loadRope();
    const rope = lib.createRope({ headDim, layout });
    const y = Float32Array.from(x);
    rope.apply(y, { numHeads, positions });
    // A RopeBuffer in this worker's own heap, rotated in place, too.
    const buf = lib.alloc(x.length);
    buf.view().set(x);
    rope.apply(buf, { numHeads, positions });
    const z = buf.view().slice();
    buf.dispose();
    const invFreq = Array.from(rope.invFreq);
    rope.dispose();
    self.postMessage({ ok: true, simd: lib.simd, simdSupported: simdSupported(), y: Array.from(y), z: Array.from(z), invFreq, heap: lib.heapStats() });
  } catch (e) {
    self.postMessage({ ok: false, error: `${e && e.name}: ${e && e.code} ${e && e.message}` });
  }
};
