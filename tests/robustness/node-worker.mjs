// A Node worker_threads worker for tests/js/workers.test.js: loads its own rope-wasm
// instance (from the package, or from a WebAssembly.Module its parent sent), rotates what
// it is sent, and posts the result back.
import { parentPort, workerData } from 'node:worker_threads';
import { loadRope } from '../../dist/index.js';

const { simd, wasmModule, jobs } = workerData;
const lib = await loadRope(wasmModule ? { simd, wasmModule } : { simd });
const results = [];
for (const job of jobs) {
  const rope = lib.createRope(job.config);
  const x = Float32Array.from(job.x);
  for (let r = 0; r < job.repeat; r++) {
    rope.apply(x, { numHeads: job.numHeads, positions: job.positions, inverse: r % 2 === 1 });
  }
  // An odd repeat count leaves x rotated once (forward, inverse, forward, ...).
  results.push({ y: Array.from(x), invFreq: Array.from(rope.invFreq) });
  rope.dispose();
}
const stats = lib.heapStats();
parentPort.postMessage({ simd: lib.simd, results, stats });
