// What "zero-copy" saves: rope.apply on a RopeBuffer (rotated where it lives in wasm
// memory) against the same tensor as a Float32Array outside rope-wasm's memory (copied into
// its scratch and back), at decode (1 token x 32 heads x 128) and prefill (2048 x 32 x 128),
// on both builds. A third variant is a Float32Array over a *different* WebAssembly.Memory,
// standing for a tensor in another wasm module's heap (llama.cpp, onnxruntime-web): to
// rope-wasm it is foreign memory like any other, and is copied the same way.
//
//   node tests/docs/copy-cost.mjs            (after bash scripts/build-wasm.sh)
//   SAMPLES=201 node tests/docs/copy-cost.mjs
//
// Each sample times a batch of calls (about 1 ms of work); the three variants are sampled in
// turn (interleaved, so drift on a shared machine hits all three alike), and each figure is
// the median over the samples. GB/s counts the tensor's bytes read and written (8 bytes per
// float), the same convention as `npm run bench`. Positions stay at 4096 (a row in the cos/sin
// table) so the variants differ only in where the tensor lives.
// Prints a Markdown table (the one in README.md's "Memory" section comes from this script).
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadRope } from '../../dist/index.js';

const SAMPLES = Number(process.env.SAMPLES ?? 101);
const SIZES = [
  { name: 'decode', tokens: 1, heads: 32, headDim: 128, batch: 2000 },
  { name: 'prefill', tokens: 2048, heads: 32, headDim: 128, batch: 1 },
];
const POSITION = 4096;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function fillRandom(a, seed) {
  let x = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    a[i] = x / 2 ** 31 - 1;
  }
}

async function measure(simd) {
  const lib = await loadRope({ simd });
  const rows = [];
  for (const size of SIZES) {
    const n = size.tokens * size.heads * size.headDim;
    const rope = lib.createRope({ headDim: size.headDim, base: 500000 });
    const buffer = lib.alloc(n);
    fillRandom(buffer.view(), 1);
    const plain = new Float32Array(n);
    fillRandom(plain, 1);
    // "Another module's heap": a Float32Array over a separate wasm memory.
    const otherMemory = new WebAssembly.Memory({ initial: Math.ceil((4 * n + 4096) / 65536) });
    const foreign = new Float32Array(otherMemory.buffer, 4096, n);
    fillRandom(foreign, 1);
    const options = { numHeads: size.heads, positions: POSITION };
    const variants = { RopeBuffer: buffer, Float32Array: plain, 'other wasm memory': foreign };
    // Warm up every path (JIT, scratch allocation, the cos/sin table row).
    for (const x of Object.values(variants)) for (let i = 0; i < 3 * size.batch; i++) rope.apply(x, options);
    const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
    for (let s = 0; s < SAMPLES; s++) {
      for (const [name, x] of Object.entries(variants)) {
        const t0 = performance.now();
        for (let i = 0; i < size.batch; i++) rope.apply(x, options);
        samples[name].push((performance.now() - t0) / size.batch);
      }
    }
    // The three tensors started equal and saw the same calls: the results must be equal too.
    const a = buffer.view();
    for (let i = 0; i < n; i++) {
      if (a[i] !== plain[i] || a[i] !== foreign[i]) throw new Error(`results differ at ${i}: ${a[i]} ${plain[i]} ${foreign[i]}`);
    }
    const zeroCopyMs = median(samples.RopeBuffer);
    for (const name of Object.keys(variants)) {
      const ms = median(samples[name]);
      rows.push({ build: simd ? 'SIMD' : 'baseline', size: size.name, variant: name, ms, gbps: (8 * n) / ms / 1e6, ratio: ms / zeroCopyMs });
    }
    buffer.dispose();
    rope.dispose();
  }
  return rows;
}

function time(ms) {
  return ms < 0.01 ? `${(ms * 1e6).toFixed(0)} ns` : ms < 1 ? `${(ms * 1e3).toFixed(1)} us` : `${ms.toFixed(3)} ms`;
}

const rows = [...await measure(true), ...await measure(false)];
const cpu = os.cpus();
console.log(`copy cost, ${new Date().toISOString().slice(0, 10)}: ${cpu.length} x ${cpu[0].model.trim()}, Node ${process.versions.node}; median of ${SAMPLES} samples`);
console.log('');
console.log('| build | size | tensor | time per call | GB/s | x RopeBuffer time |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.build} | ${r.size} | ${r.variant} | ${time(r.ms)} | ${r.gbps.toFixed(1)} | ${r.ratio.toFixed(2)} |`);
}
