// What "zero-copy" saves: rope.apply on a RopeBuffer (rotated where it lives in wasm
// memory) against the same tensor as a Float32Array outside rope-wasm's memory (copied into
// its scratch and back), at decode (1 token x 32 heads x 128) and prefill (2048 x 32 x 128),
// on both builds. A third variant is a Float32Array over a *different* WebAssembly.Memory,
// standing for a tensor in another wasm module's heap (llama.cpp, onnxruntime-web): to
// rope-wasm it is foreign memory like any other, and is copied the same way.
//
//   node tests/docs/copy-cost.mjs            (after bash scripts/build-wasm.sh)
//   SAMPLES=201 EVICT_MIB=1024 node tests/docs/copy-cost.mjs
//
// Two cache states:
// - warm: each variant is timed over a run of consecutive calls on its own tensor, after
//   untimed calls, so the tensor stays in cache from one call to the next (the state
//   `npm run bench` measures); the variants take turns in ROUNDS (5) runs each, so drift on a
//   shared machine hits all three alike.
// - cold (prefill only): before each timed call the script reads EVICT_MIB (default 640) MiB
//   of other memory, about twice this machine's 300 MiB L3, so the tensor comes from DRAM;
//   the variants are sampled in turn.
// On this machine a prefill tensor is in neither state when it follows other large work
// (after one copying call, RopeBuffer calls take about 2.2, 2.0, 1.8, 1.7 ms as the cache
// refills), so the two are the ends of a range. Each figure is the median over the samples.
// GB/s counts the tensor's bytes read and written (8 bytes per float), the convention of
// `npm run bench`. Positions stay at 4096 (a row of the cos/sin table), so the variants differ
// only in where the tensor lives. The three tensors start equal and see the same calls; the
// script checks they end equal.
// Prints a Markdown table (the one in README.md's "Memory" section comes from this script).
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadRope } from '../../dist/index.js';

const SAMPLES = Number(process.env.SAMPLES ?? 101);
const COLD_SAMPLES = Math.max(11, Math.round(SAMPLES / 3));
const EVICT_MIB = Number(process.env.EVICT_MIB ?? 640);
const ROUNDS = 5;
const CASES = [
  { size: 'decode', cache: 'warm', tokens: 1, batch: 2000 },
  { size: 'prefill', cache: 'warm', tokens: 2048, batch: 1 },
  { size: 'prefill', cache: 'cold', tokens: 2048, batch: 1 },
];
const HEADS = 32;
const HEAD_DIM = 128;
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

// Reads one double per 64-byte line of a block far larger than the caches.
const evictBlock = new Float64Array((EVICT_MIB * 1024 * 1024) / 8).fill(1);
let evictSink = 0;
function evictCaches() {
  let sum = 0;
  for (let i = 0; i < evictBlock.length; i += 8) sum += evictBlock[i];
  evictSink += sum;
}

async function measure(simd) {
  const lib = await loadRope({ simd });
  const rope = lib.createRope({ headDim: HEAD_DIM, base: 500000 });
  const rows = [];
  for (const c of CASES) {
    const n = c.tokens * HEADS * HEAD_DIM;
    const buffer = lib.alloc(n);
    fillRandom(buffer.view(), 1);
    const plain = new Float32Array(n);
    fillRandom(plain, 1);
    // "Another module's heap": a Float32Array over a separate wasm memory.
    const otherMemory = new WebAssembly.Memory({ initial: Math.ceil((4 * n + 4096) / 65536) });
    const foreign = new Float32Array(otherMemory.buffer, 4096, n);
    fillRandom(foreign, 1);
    const options = { numHeads: HEADS, positions: POSITION };
    const variants = { RopeBuffer: buffer, Float32Array: plain, 'other wasm memory': foreign };
    // Warm up every path (JIT, scratch allocation, the cos/sin table row).
    for (const x of Object.values(variants)) for (let i = 0; i < 3 * c.batch; i++) rope.apply(x, options);
    const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
    const timeBatch = (x) => {
      const t0 = performance.now();
      for (let i = 0; i < c.batch; i++) rope.apply(x, options);
      return (performance.now() - t0) / c.batch;
    };
    let count;
    if (c.cache === 'cold') {
      count = COLD_SAMPLES;
      for (let s = 0; s < count; s++) {
        for (const [name, x] of Object.entries(variants)) {
          evictCaches();
          samples[name].push(timeBatch(x));
        }
      }
    } else {
      const perRound = Math.ceil(SAMPLES / ROUNDS);
      count = perRound * ROUNDS;
      for (let r = 0; r < ROUNDS; r++) {
        for (const [name, x] of Object.entries(variants)) {
          for (let i = 0; i < 5; i++) timeBatch(x);
          for (let s = 0; s < perRound; s++) samples[name].push(timeBatch(x));
        }
      }
    }
    const a = buffer.view();
    for (let i = 0; i < n; i++) {
      if (a[i] !== plain[i] || a[i] !== foreign[i]) throw new Error(`results differ at ${i}: ${a[i]} ${plain[i]} ${foreign[i]}`);
    }
    const zeroCopyMs = median(samples.RopeBuffer);
    for (const name of Object.keys(variants)) {
      const ms = median(samples[name]);
      rows.push({ build: simd ? 'SIMD' : 'baseline', ...c, variant: name, ms, gbps: (8 * n) / ms / 1e6, ratio: ms / zeroCopyMs, count });
    }
    buffer.dispose();
  }
  rope.dispose();
  return rows;
}

function time(ms) {
  return ms < 0.01 ? `${(ms * 1e6).toFixed(0)} ns` : ms < 1 ? `${(ms * 1e3).toFixed(1)} us` : `${ms.toFixed(3)} ms`;
}

const rows = [...await measure(true), ...await measure(false)];
const cpu = os.cpus();
console.log(`copy cost, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${cpu.length} x ${cpu[0].model.trim()}, ` +
  `Node ${process.versions.node}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ` +
  `median of ${Math.ceil(SAMPLES / ROUNDS) * ROUNDS} samples (cold: ${COLD_SAMPLES}, each after reading ${EVICT_MIB} MiB)`);
if (!Number.isFinite(evictSink)) throw new Error('eviction sweep');
console.log('');
console.log('| build | size | cache | tensor | time per call | GB/s | x RopeBuffer time |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.build} | ${r.size} | ${r.cache} | ${r.variant} | ${time(r.ms)} | ${r.gbps.toFixed(1)} | ${r.ratio.toFixed(2)} |`);
}
