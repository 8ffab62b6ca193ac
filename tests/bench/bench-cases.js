// The benchmark cases, independent of the environment: Node (bench.js) and Chromium
// (browser.html, driven by run-browser.js) run this same module and report rows.
import { hfPortRope, plainJsRope } from './plain-js-rope.js';
import { defaultInvFreq, maxAbs, maxAbsDiff, randomFloats, referenceRope } from '../js/reference.js';
import { rotaryEmbeddingModel } from './ort-rotary-model.js';

export const SIZES = [
  // decode: one token at position 4096, a new position every LAYERS calls (as a model with
  // LAYERS layers advances), the cos/sin row for it computed in that call.
  { name: 'decode', tokens: 1, heads: 32, kvHeads: 8, headDim: 128, start: 4096 },
  // decode far past the cos/sin table bound: rows computed exactly per new position.
  { name: 'decode@1M', tokens: 1, heads: 32, kvHeads: 8, headDim: 128, start: 1_000_000, noOrt: true },
  { name: 'prefill', tokens: 2048, heads: 32, kvHeads: 8, headDim: 128, start: 0 },
  { name: 'small', tokens: 128, heads: 8, kvHeads: 2, headDim: 64, start: 0 },
];
export const LAYERS = 32; // N: calls per decode position

// Browsers coarsen performance.now() (100 us in Chromium without cross-origin isolation,
// plus jitter), so there samples must last far longer than the resolution.
let defaultMinSampleMs = 5;
export function setMinSampleMs(ms) {
  defaultMinSampleMs = ms;
}

/** Runs fn for warmupMs (at least twice); returns ms per call during the warm-up. */
function warmUpCall(fn, warmupMs) {
  const w0 = performance.now();
  let calls = 0;
  while (performance.now() - w0 < warmupMs || calls < 2) {
    fn();
    calls++;
  }
  return (performance.now() - w0) / calls;
}

/** Calls per sample for a sample to last >= minSampleMs. */
const repsFor = (perCall, minSampleMs) => Math.max(1, Math.ceil(minSampleMs / Math.max(perCall, 1e-4)));

/** Median ms of one call; each sample repeats the call to last >= minSampleMs. */
export function timeIt(fn, { samples = 11, minSampleMs = defaultMinSampleMs, warmupMs = 50 } = {}) {
  const perCall = warmUpCall(fn, warmupMs);
  if (perCall > 20) samples = Math.min(samples, 5);
  let reps = repsFor(perCall, minSampleMs);
  const times = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    const dt = performance.now() - t0;
    times.push(dt / reps);
    if (dt < minSampleMs && reps < 1 << 22) reps *= 2; // coarse timers (browsers): keep samples long
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/**
 * Two calls compared in one measurement: samples alternate (a, b, b, a, ...) so drift on a
 * noisy machine hits both alike. Returns the median ms of each and the median of the
 * per-sample-pair ratios a/b.
 */
export function timePair(fnA, fnB, { samples = 15 } = {}) {
  const reps = [fnA, fnB].map((fn) => repsFor(warmUpCall(fn, 50), defaultMinSampleMs));
  const sample = (fn, n) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    return (performance.now() - t0) / n;
  };
  const a = [];
  const b = [];
  const ratios = [];
  for (let s = 0; s < samples; s++) {
    let ta, tb;
    if (s % 2 === 0) {
      ta = sample(fnA, reps[0]);
      tb = sample(fnB, reps[1]);
    } else {
      tb = sample(fnB, reps[1]);
      ta = sample(fnA, reps[0]);
    }
    a.push(ta);
    b.push(tb);
    ratios.push(ta / tb);
  }
  const median = (v) => v.sort((x, y) => x - y)[v.length >> 1];
  return { aMs: median(a), bMs: median(b), ratio: median(ratios) };
}

async function timeItAsync(fn, { samples = 7, minSampleMs = Math.max(20, defaultMinSampleMs) } = {}) {
  for (let i = 0; i < 3; i++) await fn();
  const t0 = performance.now();
  await fn();
  const perCall = performance.now() - t0;
  const reps = Math.max(1, Math.ceil(minSampleMs / Math.max(perCall, 1e-3)));
  const times = [];
  for (let s = 0; s < samples; s++) {
    const t1 = performance.now();
    for (let i = 0; i < reps; i++) await fn();
    times.push((performance.now() - t1) / reps);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

// A decode loop: call i is at position start + floor(i / LAYERS) (wrapping after 2048
// positions, so it stays in one cache regime). Integer steps only: the harness's own cost
// per call should be as small as the ceiling's.
function decodeLoop(size, call) {
  let k = 0;
  let pos = size.start;
  const last = size.start + 2047;
  return () => {
    call(pos);
    if (++k === LAYERS) {
      k = 0;
      pos = pos === last ? size.start : pos + 1;
    }
  };
}

function maxErrorVsFloat64(rope, size, layout) {
  const n = size.tokens * size.heads * size.headDim;
  const x0 = randomFloats(n, 7);
  const x = x0.slice();
  rope.apply(x, { numHeads: size.heads, positions: size.start });
  const positions = Array.from({ length: size.tokens }, (_, t) => size.start + t);
  const ref = referenceRope(x0, { headDim: size.headDim, layout, invFreq: defaultInvFreq(10000, size.headDim), numHeads: size.heads, positions });
  return maxAbsDiff(x, ref) / maxAbs(x0);
}

// Runs every kernel path of a size for a while before anything is timed, so the engine has
// optimised the wasm (V8 starts on a baseline compiler and tiers hot functions up in the
// background) and the JS layer before the first measurement.
function warmUp(libs, size, ms = 300) {
  const n = size.tokens * size.heads * size.headDim;
  const t0 = performance.now();
  for (const lib of [libs.simd, libs.baseline]) {
    const buf = lib.alloc(n);
    const ropes = ['half', 'interleaved'].map((layout) => lib.createRope({ headDim: size.headDim, layout }));
    const opts = { numHeads: size.heads, positions: size.start };
    while (performance.now() - t0 < ms * (lib === libs.simd ? 0.5 : 1)) {
      for (const r of ropes) r.apply(buf, opts);
      lib._streamPass(buf, 0.999, 0.001);
    }
    for (const r of ropes) r.dispose();
    buf.dispose();
  }
}

/**
 * Runs every case; returns rows { size, layout, variant, ms, bytes, ...ratios }.
 * makeLibs: () => Promise<{ simd, baseline }> (fresh RopeLibrary instances, so each size's
 * wasm memory figure is its own peak: wasm memory only grows); ort: onnxruntime-web or null.
 */
export async function runCases({ makeLibs, ort, log = () => {}, sizes = SIZES }) {
  const rows = [];
  for (const size of sizes) {
    const libs = await makeLibs();
    warmUp(libs, size);
    const n = size.tokens * size.heads * size.headDim;
    const nk = size.tokens * size.kvHeads * size.headDim;
    const bytes = 2 * 4 * n;
    const isDecode = size.tokens === 1;
    // The ceiling: the SIMD build's in-place streaming pass over a buffer of the same size.
    const ceilBuf = libs.simd.alloc(n);
    const ceilingMs = timeIt(() => libs.simd._streamPass(ceilBuf, 0.999, 0.001));
    ceilBuf.dispose();
    // Two plain copies of the tensor into and out of wasm memory (the copying path's extra work).
    const host = new Float32Array(n).fill(0.25);
    const copyBuf = libs.simd.alloc(n);
    const copyMs = timeIt(() => {
      copyBuf.view().set(host);
      host.set(copyBuf.view());
    });
    copyBuf.dispose();
    for (const layout of ['half', 'interleaved']) {
      log(`${size.name} ${layout}`);
      const base = { size: size.name, layout, bytes, ceilingMs };
      const plain = new Float32Array(n).fill(0.5);
      const plainArgs = { headDim: size.headDim, layout, numHeads: size.heads, start: size.start };
      const plainMs = timeIt(() => hfPortRope(plain, plainArgs), { samples: 5 });
      const tunedMs = timeIt(() => plainJsRope(plain, plainArgs));
      rows.push({ ...base, variant: 'plain JS (HF port)', ms: plainMs });
      rows.push({ ...base, variant: 'plain JS (tuned)', ms: tunedMs });
      for (const build of ['simd', 'baseline']) {
        const lib = libs[build];
        const rope = lib.createRope({ headDim: size.headDim, layout });
        const err = maxErrorVsFloat64(rope, size, layout);
        const buf = lib.alloc(n);
        buf.view().fill(0.5);
        const opts = { numHeads: size.heads, positions: size.start };
        const ms = isDecode
          ? timeIt(decodeLoop(size, (p) => { opts.positions = p; rope.apply(buf, opts); }))
          : timeIt(() => rope.apply(buf, opts));
        rows.push({ ...base, variant: `${build} buffer`, ms, err, plainMs, tunedMs, peak: lib.heapStats().memoryBytes, layers: isDecode ? LAYERS : null });
        if (build === 'simd') {
          // The copying path: Float32Array in and out.
          const arr = new Float32Array(n).fill(0.5);
          const copyOpts = { numHeads: size.heads, positions: size.start };
          const cms = isDecode
            ? timeIt(decodeLoop(size, (p) => { copyOpts.positions = p; rope.apply(arr, copyOpts); }))
            : timeIt(() => rope.apply(arr, copyOpts));
          rows.push({ ...base, variant: 'simd copying', ms: cms, kernelPlusCopiesMs: ms + copyMs });
          // applyQK against two apply calls (q: heads, k: kvHeads).
          const kbuf = lib.alloc(nk);
          const qk = { numHeads: size.heads, numKvHeads: size.kvHeads, positions: size.start };
          // q and k at the same position in both (opts was moved along by the decode loop).
          const qo = { numHeads: size.heads, positions: size.start };
          const ko = { numHeads: size.kvHeads, positions: size.start };
          const pair = timePair(() => rope.applyQK(buf, kbuf, qk), () => { rope.apply(buf, qo); rope.apply(kbuf, ko); });
          rows.push({ ...base, variant: 'simd applyQK', ms: pair.aMs, twoAppliesMs: pair.bMs, qkRatio: pair.ratio, bytes: 8 * (n + nk) });
          kbuf.dispose();
          // onnxruntime-web's RotaryEmbedding, whole session.run (copies in and out).
          if (ort && !size.noOrt) {
            const model = rotaryEmbeddingModel({ headDim: size.headDim, numHeads: size.heads, layout, maxPos: size.start + size.tokens + 1 });
            const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'] });
            const input = new ort.Tensor('float32', new Float32Array(n).fill(0.5), [1, size.tokens, size.heads * size.headDim]);
            const ids = new ort.Tensor('int64', BigInt64Array.from({ length: size.tokens }, (_, t) => BigInt(size.start + t)), [1, size.tokens]);
            const ortMs = await timeItAsync(() => session.run({ input, position_ids: ids }));
            // Its error against float64, on the same data as rope-wasm's.
            const x0 = randomFloats(n, 7);
            const out = await session.run({ input: new ort.Tensor('float32', x0.slice(), [1, size.tokens, size.heads * size.headDim]), position_ids: ids });
            const positions = Array.from({ length: size.tokens }, (_, t) => size.start + t);
            const ref = referenceRope(x0, { headDim: size.headDim, layout, invFreq: defaultInvFreq(10000, size.headDim), numHeads: size.heads, positions });
            rows.push({ ...base, variant: 'onnxruntime-web', ms: ortMs, err: maxAbsDiff(out.output.data, ref) / maxAbs(x0), copyingMs: cms });
            await session.release();
          }
        }
        buf.dispose();
        rope.dispose();
      }
    }
  }
  return rows;
}
