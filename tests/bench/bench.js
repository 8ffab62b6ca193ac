// npm run bench: rope-wasm in Node, zero-copy RopeBuffer path, both builds and layouts,
// against the memory ceiling (an in-place SIMD streaming pass x = x*a + b over the same
// bytes, measured in the same run) and against plain JS. Medians of repeated samples.
import { loadRope } from '../../dist/index.js';
import { hfPortRope, plainJsRope } from './plain-js-rope.js';

const SIZES = [
  { name: 'decode', tokens: 1, heads: 32, headDim: 128, start: 4096 },
  { name: 'prefill', tokens: 2048, heads: 32, headDim: 128, start: 0 },
  { name: 'small', tokens: 128, heads: 8, headDim: 64, start: 0 },
];
const SAMPLES = Number(process.env.BENCH_SAMPLES || 15);
const MIN_SAMPLE_MS = 5;

// Median time (ms) of one call, each sample running the call enough times to last MIN_SAMPLE_MS.
function timeIt(fn) {
  // Warm-up for 50 ms: JIT tiers, caches, the cos/sin table.
  const w0 = performance.now();
  while (performance.now() - w0 < 50) fn();
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    if (performance.now() - t0 >= MIN_SAMPLE_MS || reps >= 1 << 20) break;
    reps *= 2;
  }
  const samples = [];
  for (let s = 0; s < SAMPLES; s++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    samples.push((performance.now() - t0) / reps);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

const fmt = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : String(v));
const pad = (s, n) => String(s).padStart(n);

const simd = await loadRope({ simd: true });
const baseline = await loadRope({ simd: false });
const rows = [];
const byKey = new Map();
for (const size of SIZES) {
  const n = size.tokens * size.heads * size.headDim;
  const bytes = 2 * 4 * n; // every float read and written once
  // The ceiling: the SIMD build's streaming pass over a buffer of the same size.
  const ceilBuf = simd.alloc(n);
  const ceilingMs = timeIt(() => simd._streamPass(ceilBuf, 0.999, 0.001));
  ceilBuf.dispose();
  for (const layout of ['half', 'interleaved']) {
    const plain = new Float32Array(n).fill(0.5);
    const plainArgs = { headDim: size.headDim, layout, numHeads: size.heads, start: size.start };
    const plainMs = timeIt(() => hfPortRope(plain, plainArgs));
    const tunedMs = timeIt(() => plainJsRope(plain, plainArgs));
    for (const [build, lib] of [['simd', simd], ['baseline', baseline]]) {
      const rope = lib.createRope({ headDim: size.headDim, layout });
      const buf = lib.alloc(n);
      buf.view().fill(0.5);
      const opts = { numHeads: size.heads, positions: size.start };
      const ms = timeIt(() => rope.apply(buf, opts));
      const row = { size: size.name, layout, build, ms, gbs: bytes / ms / 1e6, ceiling: ceilingMs / ms, plain: plainMs / ms, tuned: tunedMs / ms, peak: lib.heapStats().memoryBytes };
      rows.push(row);
      byKey.set(`${size.name}/${layout}/${build}`, row);
      buf.dispose();
      rope.dispose();
    }
  }
}

console.log(`rope-wasm benchmark, Node ${process.version}, ${SAMPLES} samples (median), zero-copy RopeBuffer path`);
console.log('size     layout       build      time(us)    GB/s  x ceiling  x plain JS  x tuned JS  wasm memory');
for (const r of rows) {
  console.log(`${r.size.padEnd(8)} ${r.layout.padEnd(12)} ${r.build.padEnd(9)} ${pad(fmt(r.ms * 1000, 1), 9)} ${pad(fmt(r.gbs), 7)} ${pad(fmt(r.ceiling), 10)} ${pad(fmt(r.plain, 0), 11)} ${pad(fmt(r.tuned, 1), 11)}  ${(r.peak / 1048576).toFixed(0)} MiB`);
}

// Targets (issue "rope-wasm core"): printed, not asserted (a noisy 2-core machine).
const t = [];
const get = (s, l, b) => byKey.get(`${s}/${l}/${b}`);
t.push(['prefill >= 0.85 of ceiling (simd, half)', get('prefill', 'half', 'simd').ceiling, 0.85]);
t.push(['prefill >= 0.85 of ceiling (simd, interleaved)', get('prefill', 'interleaved', 'simd').ceiling, 0.85]);
t.push(['decode >= 0.5 of ceiling (simd, half)', get('decode', 'half', 'simd').ceiling, 0.5]);
t.push(['decode >= 0.5 of ceiling (simd, interleaved)', get('decode', 'interleaved', 'simd').ceiling, 0.5]);
for (const s of SIZES.map((x) => x.name)) {
  const h = get(s, 'half', 'simd').ms;
  const i = get(s, 'interleaved', 'simd').ms;
  t.push([`${s}: interleaved within 10% of half (time ratio)`, i / h, null, 1.10]);
}
for (const s of SIZES.map((x) => x.name)) {
  for (const l of ['half', 'interleaved']) {
    t.push([`${s}/${l}: SIMD >= 3x baseline`, get(s, l, 'baseline').ms / get(s, l, 'simd').ms, 3]);
    t.push([`${s}/${l}: SIMD >= 100x plain JS`, get(s, l, 'simd').plain, 100]);
  }
}
console.log('\nx plain JS: speed-up over a line-by-line port of Hugging Face\'s apply_rotary_pos_emb (arrays per step);');
console.log('x tuned JS: over a hand-tuned plain-JS loop (typed arrays, cos/sin once per token, in place).');
console.log('x ceiling: the SIMD build\'s in-place x = x*a + b over the same bytes, timed in this run, divided by rope time.');
console.log('\ntargets');
for (const [label, v, min, max] of t) {
  const ok = min != null ? v >= min : v <= max;
  console.log(`  ${ok ? 'MET   ' : 'MISSED'} ${label}: ${fmt(v)}`);
}
