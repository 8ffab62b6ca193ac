// Run with `node --expose-gc tests/robustness/finalization.mjs [simd|baseline]` (tests/js/leaks.test.js
// does). Shows that the FinalizationRegistry frees the wasm memory of Ropes and RopeBuffers
// that were dropped without dispose(), and only those: objects still referenced keep their
// memory and keep working. Prints one JSON line with the heap figures.
import { loadRope } from '../../dist/index.js';

if (typeof globalThis.gc !== 'function') {
  console.error('finalization.mjs needs node --expose-gc');
  process.exit(2);
}
const build = process.argv[2] ?? 'simd';
const lib = await loadRope({ simd: build === 'simd' });
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

// Warm up the copying path's scratch so it does not count as a difference.
{
  const r = lib.createRope({ headDim: 64 });
  r.apply(new Float32Array(64), { numHeads: 1, positions: 3 });
  r.dispose();
}
const baseline = lib.heapStats().bytesInUse;

// Kept: one rope and one buffer that stay referenced to the end.
const keptRope = lib.createRope({ headDim: 64 });
const keptBuffer = lib.alloc(4096);
keptBuffer.view().fill(0.5);
const withKept = lib.heapStats().bytesInUse;

// Forgotten: 200 ropes (with grown cos/sin tables) and 200 buffers, never disposed.
(function forget() {
  for (let i = 0; i < 200; i++) {
    const r = lib.createRope({ headDim: 64 });
    r.apply(new Float32Array(2 * 64), { numHeads: 1, positions: 500 });
    lib.alloc(1024 + i);
  }
})();
const peak = lib.heapStats().bytesInUse;

// Collect until the registry's callbacks have run (bounded: 10 s).
const deadline = Date.now() + 10000;
let rounds = 0;
while (lib.heapStats().bytesInUse > withKept && Date.now() < deadline) {
  globalThis.gc();
  for (let i = 0; i < 5; i++) await tick();
  rounds++;
}
const after = lib.heapStats().bytesInUse;

// The kept objects survived the collections intact and still work.
const keptIntact = keptBuffer.view().every((v) => v === 0.5);
const x = new Float32Array(64);
x[0] = 1;
keptRope.apply(x, { numHeads: 1, positions: 1 });
const keptWorks = Math.abs(x[0] - Math.cos(1)) < 1e-6 && Math.abs(x[32] - Math.sin(1)) < 1e-6;
keptRope.dispose();
keptBuffer.dispose();
const end = lib.heapStats().bytesInUse;
console.log(JSON.stringify({ build, simd: lib.simd, baseline, withKept, peak, after, end, rounds, keptIntact, keptWorks }));
