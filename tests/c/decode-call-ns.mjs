// ns per decode call from JS, through the Embind layer's hot path (rope_wasm_apply): one
// token x 32 heads x 128 in a RopeBuffer from lib.alloc, median of 1e5 single-call timings
// (after a warm-up), for both builds. Usage: node tests/c/decode-call-ns.mjs [distDir]
// (default dist/). Used to check the C API adds nothing measurable to the hot path.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = path.resolve(process.argv[2] ?? 'dist');
const { loadRope } = await import(pathToFileURL(path.join(dist, 'index.js')).href);
const CALLS = 100000;
const REPEATS = Number(process.env.REPEATS ?? 3);

function medianNs(lib, method) {
  const rope = lib.createRope({ headDim: 128, base: 500000 });
  const x = lib.alloc(32 * 128);
  const v = x.view();
  for (let i = 0; i < v.length; i++) v[i] = Math.sin(i);
  const t = new Float64Array(CALLS);
  for (let i = 0; i < 20000; i++) rope.apply(x, { numHeads: 32, positions: i & 1023 });
  // Timing each call alone needs a clock finer than the call: hrtime.bigint has ns resolution;
  // the ~40 ns the clock itself costs is subtracted (measured on empty intervals).
  const empty = new Float64Array(10000);
  for (let i = 0; i < empty.length; i++) {
    const a = process.hrtime.bigint();
    empty[i] = Number(process.hrtime.bigint() - a);
  }
  const clock = empty.sort()[empty.length >> 1];
  for (let i = 0; i < CALLS; i++) {
    const pos = i & 1023;
    const a = process.hrtime.bigint();
    rope.apply(x, { numHeads: 32, positions: pos });
    t[i] = Number(process.hrtime.bigint() - a);
  }
  // Also a batched figure (total time / calls), which has no clock overhead in it.
  const a = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) rope.apply(x, { numHeads: 32, positions: i & 1023 });
  const batched = Number(process.hrtime.bigint() - a) / CALLS;
  x.dispose();
  rope.dispose();
  t.sort();
  return { median: t[CALLS >> 1] - clock, batched };
}

for (const simd of [true, false]) {
  const lib = await loadRope({ simd });
  const runs = [];
  for (let r = 0; r < REPEATS; r++) runs.push(medianNs(lib, 'apply'));
  const med = runs.map((r) => r.median.toFixed(0)).join(' ');
  const bat = runs.map((r) => r.batched.toFixed(0)).join(' ');
  console.log(`${simd ? 'simd    ' : 'baseline'}: median ns/call (1e5 calls, clock subtracted) ${med}; batched ns/call ${bat}`);
}
