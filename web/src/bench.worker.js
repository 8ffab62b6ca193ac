// The benchmark Worker: rope.apply from the SIMD build, the baseline build, and a plain-JS
// RoPE, on the same tensor, timed with performance.now() in this Worker.
import { loadRope } from 'rope-wasm';
import { makeJsRope, gaussian, mulberry32 } from './math.js';

const HEAD_DIM = 128;
const HEADS = 8;
const TOKENS = 256;
const BASE = 10000;
const FLOATS = HEAD_DIM * HEADS * TOKENS;
const ROUNDS = 3;
const MIN_MS = 200;

/** The smallest step performance.now() shows here (it is coarsened by browsers). */
function timerResolution() {
  let best = Infinity;
  for (let i = 0; i < 50; i++) {
    const a = performance.now();
    let b = performance.now();
    while (b === a) b = performance.now();
    best = Math.min(best, b - a);
  }
  return best;
}

/** Calls fn repeatedly until MIN_MS has passed; returns { iters, ms }. */
function timeLoop(fn) {
  for (let i = 0; i < 3; i++) fn();
  let iters = 0;
  const t0 = performance.now();
  let t = t0;
  let batch = 1;
  while (t - t0 < MIN_MS) {
    for (let i = 0; i < batch; i++) fn();
    iters += batch;
    batch = Math.min(batch * 2, 64);
    t = performance.now();
  }
  return { iters, ms: t - t0 };
}

async function run() {
  const resolution = timerResolution();
  const input = gaussian(FLOATS, mulberry32(42));
  const libs = [];
  const simdLib = await loadRope({ simd: true }).catch((e) => ({ error: e }));
  const baseLib = await loadRope({ simd: false });
  const variants = [];
  for (const [name, lib] of [['wasm SIMD', simdLib], ['wasm baseline', baseLib]]) {
    if (lib.error) {
      variants.push({ name, error: String(lib.error.message) });
      continue;
    }
    const rope = lib.createRope({ headDim: HEAD_DIM, base: BASE });
    const buf = lib.alloc(FLOATS);
    buf.view().set(input);
    libs.push({ rope, buf });
    variants.push({ name, simd: lib.simd, call: () => rope.apply(buf, { numHeads: HEADS, positions: 0 }), result: () => buf.view() });
  }
  const jsRope = makeJsRope(HEAD_DIM, BASE, TOKENS);
  const jsBuf = Float32Array.from(input);
  variants.push({ name: 'plain JS', call: () => jsRope(jsBuf, HEADS, 0), result: () => jsBuf });

  // Agreement check on one call from the same input.
  const outputs = [];
  for (const v of variants) {
    if (v.error) continue;
    v.result().set(input);
    v.call();
    outputs.push(Float32Array.from(v.result()));
  }
  let maxDiff = 0;
  for (let i = 1; i < outputs.length; i++) {
    for (let j = 0; j < FLOATS; j++) maxDiff = Math.max(maxDiff, Math.abs(outputs[i][j] - outputs[0][j]));
  }

  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const v of variants) {
      if (v.error) continue;
      const { iters, ms } = timeLoop(v.call);
      const gbps = (iters * FLOATS * 4 * 2) / (ms / 1000) / 1e9;
      rounds.push({ round: r + 1, name: v.name, iters, ms, gbps, perCallUs: (ms * 1000) / iters });
      self.postMessage({ type: 'progress', done: rounds.length, total: ROUNDS * variants.filter((x) => !x.error).length });
    }
  }
  for (const { rope, buf } of libs) {
    rope.dispose();
    buf.dispose();
  }
  const best = variants.map((v) => {
    if (v.error) return { name: v.name, error: v.error };
    const mine = rounds.filter((x) => x.name === v.name);
    const b = mine.reduce((a, c) => (c.gbps > a.gbps ? c : a));
    return { name: v.name, gbps: b.gbps, perCallUs: b.perCallUs, iters: b.iters, ms: b.ms };
  });
  const get = (n) => best.find((b) => b.name === n && !b.error);
  const ratio = (a, b) => (get(a) && get(b) ? get(a).gbps / get(b).gbps : NaN);
  return {
    shape: { headDim: HEAD_DIM, heads: HEADS, tokens: TOKENS, bytes: FLOATS * 4 },
    resolution, crossOriginIsolated: self.crossOriginIsolated === true, rounds, best, maxDiff,
    ratios: { simdOverBaseline: ratio('wasm SIMD', 'wasm baseline'), simdOverJs: ratio('wasm SIMD', 'plain JS'), baselineOverJs: ratio('wasm baseline', 'plain JS') },
  };
}

self.onmessage = async () => {
  try {
    const result = await run();
    self.postMessage({ type: 'done', result });
  } catch (e) {
    self.postMessage({ type: 'error', error: `${e && e.code ? e.code + ': ' : ''}${e && e.message}` });
  }
};
