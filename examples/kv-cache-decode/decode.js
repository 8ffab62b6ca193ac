// A decode loop as a JS LLM runtime writes it, around one Llama-style attention layer:
// grouped-query attention (8 query heads, 2 key/value heads of headDim 32, hidden 256) with
// random weights made here from a seeded PRNG, YaRN scaling (factor 4, original context 64,
// so cos and sin carry an attention factor of 0.1 ln 4 + 1 = 1.139), and a KV cache that
// lives in wasm memory (RopeBuffers) so every RoPE call is in place, without a copy:
//
//   prefill  q, k of the prompt projected (k straight into the cache), rotated with one
//            applyQK at positions 0..P-1, causal attention over the cache;
//   decode   one token at a time: q, k at the next position, attention over the cache;
//   shift    when the cache is full: keep the first `keep` tokens (llama.cpp's n_keep),
//            drop half of the rest (the oldest), move the survivors down in memory and
//            re-position their keys with rope.shift(kCache, { fromPositions, toPositions }),
//            which turns them by the position delta and leaves the attention factor
//            applied once. Decoding continues at position = cache length.
//
// shiftMethod 'naive-apply' re-positions with rope.apply at a negative offset instead: the
// angles come out right, but apply multiplies by the attention factor again, so every kept
// key ends up scaled by factor^2 (the documented pitfall; the test asserts it diverges).
//
//   node examples/kv-cache-decode/decode.js     (after npm run build; prints a summary)
import { loadRope } from 'rope-wasm';

export const MODEL = Object.freeze({
  hidden: 256,
  numHeads: 8,
  numKvHeads: 2,
  headDim: 32,
  vocab: 512,
  base: 10000,
  scaling: Object.freeze({ type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 64 }),
});

export const RUN = Object.freeze({
  seed: 14,
  promptLength: 40,
  decodeSteps: 120,
  cacheCapacity: 64, // tokens the KV cache holds
  keep: 4, // tokens never dropped by a context shift (the start of the prompt)
});

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random weights, row-major [out, in], uniform with a variance that keeps activations O(1). */
export function makeWeights(model = MODEL, seed = RUN.seed) {
  const rand = prng(seed);
  const { hidden, numHeads, numKvHeads, headDim, vocab } = model;
  const matrix = (rows, cols, scale) => {
    const m = new Float32Array(rows * cols);
    for (let i = 0; i < m.length; i++) m[i] = (2 * rand() - 1) * scale;
    return m;
  };
  const s = 1.5 * Math.sqrt(3 / hidden); // 1.5x unit variance: attention peaked enough that positions matter
  return {
    embed: matrix(vocab, hidden, 1),
    wq: matrix(numHeads * headDim, hidden, s),
    wk: matrix(numKvHeads * headDim, hidden, s),
    wv: matrix(numKvHeads * headDim, hidden, Math.sqrt(3 / hidden)),
    wo: matrix(hidden, numHeads * headDim, Math.sqrt(3 / (numHeads * headDim))),
  };
}

/** The token ids fed in: a prompt, then one per decode step (fixed here, not sampled). */
export function makeTokens(n, vocab = MODEL.vocab, seed = RUN.seed + 1) {
  const rand = prng(seed);
  return Int32Array.from({ length: n }, () => Math.floor(rand() * vocab));
}

/** The context-shift policy (llama.cpp's): keep `keep` tokens, drop half of the others. */
export function planShift(length, keep) {
  const discard = Math.floor((length - keep) / 2);
  return { keep, discard, moved: length - keep - discard };
}

// y[t, :] = W x[t, :] for `tokens` rows; W is [rows, cols] row-major. Writes into y.
function project(w, rows, cols, x, xOffset, tokens, y, yOffset) {
  for (let t = 0; t < tokens; t++) {
    const xo = xOffset + t * cols;
    for (let r = 0; r < rows; r++) {
      let acc = 0;
      const wo = r * cols;
      for (let c = 0; c < cols; c++) acc += w[wo + c] * x[xo + c];
      y[yOffset + t * rows + r] = acc;
    }
  }
}

/**
 * Runs prefill + decode with context shifts. Returns the layer output of every token fed in
 * (prompt and decode, [tokens, hidden]), the shifts made, the final cache (keys as stored,
 * rotated) and its length, and the time spent in RoPE calls.
 */
export async function runDecode({ lib = null, model = MODEL, run = RUN, shiftMethod = 'shift' } = {}) {
  if (shiftMethod !== 'shift' && shiftMethod !== 'naive-apply') throw new Error(`unknown shiftMethod ${shiftMethod}`);
  lib ??= await loadRope();
  const { hidden, numHeads, numKvHeads, headDim } = model;
  const { promptLength, decodeSteps, cacheCapacity, keep } = run;
  const qDim = numHeads * headDim;
  const kvDim = numKvHeads * headDim;
  const group = numHeads / numKvHeads;
  const w = makeWeights(model, run.seed);
  const tokens = makeTokens(promptLength + decodeSteps, model.vocab, run.seed + 1);

  const rope = lib.createRope({ headDim, base: model.base, scaling: model.scaling });
  // wasm memory: the key cache and q (the tensors RoPE touches). Allocated once, up front,
  // so wasm memory never grows during the loop (views stay valid within a step).
  const kCache = lib.alloc(cacheCapacity * kvDim);
  const qBuf = lib.alloc(promptLength * qDim);
  const vCache = new Float32Array(cacheCapacity * kvDim); // values are not rotated: plain JS memory
  const x = new Float32Array(promptLength * hidden);
  const outputs = new Float32Array(tokens.length * hidden);
  const attn = new Float32Array(qDim);
  const scores = new Float64Array(cacheCapacity);
  const scale = 1 / Math.sqrt(headDim);
  const shifts = [];
  let length = 0; // tokens in the cache; cache slot i holds position i
  let ropeMs = 0;
  let ropeCalls = 0;
  const decodeRopeMs = [];

  // One forward pass over `n` new tokens (tokens[first..first+n)), at positions length...
  const forward = (first, n) => {
    for (let t = 0; t < n; t++) x.set(w.embed.subarray(tokens[first + t] * hidden, (tokens[first + t] + 1) * hidden), t * hidden);
    const q = qBuf.view().subarray(0, n * qDim);
    const k = kCache.view().subarray(length * kvDim, (length + n) * kvDim); // straight into the cache
    project(w.wq, qDim, hidden, x, 0, n, q, 0);
    project(w.wk, kvDim, hidden, x, 0, n, k, 0);
    project(w.wv, kvDim, hidden, x, 0, n, vCache, length * kvDim);
    const t0 = performance.now();
    rope.applyQK(q, k, { numHeads, numKvHeads, positions: length }); // in place: both lie in RopeBuffers
    const dt = performance.now() - t0;
    ropeMs += dt;
    if (n === 1) decodeRopeMs.push(dt);
    ropeCalls++;
    const keys = kCache.view();
    for (let t = 0; t < n; t++) {
      const visible = length + t + 1; // causal
      for (let h = 0; h < numHeads; h++) {
        const kvh = Math.floor(h / group);
        const qo = t * qDim + h * headDim;
        let max = -Infinity;
        for (let j = 0; j < visible; j++) {
          const ko = j * kvDim + kvh * headDim;
          let dot = 0;
          for (let d = 0; d < headDim; d++) dot += q[qo + d] * keys[ko + d];
          scores[j] = dot * scale;
          if (scores[j] > max) max = scores[j];
        }
        let sum = 0;
        for (let j = 0; j < visible; j++) sum += (scores[j] = Math.exp(scores[j] - max));
        for (let d = 0; d < headDim; d++) {
          let acc = 0;
          for (let j = 0; j < visible; j++) acc += scores[j] * vCache[j * kvDim + kvh * headDim + d];
          attn[h * headDim + d] = acc / sum;
        }
      }
      project(w.wo, hidden, qDim, attn, 0, 1, outputs, (first + t) * hidden);
    }
    length += n;
  };

  const contextShift = () => {
    const { discard, moved } = planShift(length, keep);
    const from = keep + discard;
    const keys = kCache.view();
    keys.copyWithin(keep * kvDim, from * kvDim, length * kvDim); // survivors move down
    vCache.copyWithin(keep * kvDim, from * kvDim, length * kvDim);
    const t0 = performance.now();
    if (shiftMethod === 'shift') {
      // The moved keys were rotated at positions from..from+moved-1; they now sit at slots
      // keep..keep+moved-1, and take those positions. One position per token, as a runtime
      // that tracks each cache cell's position passes them (two start positions,
      // fromPositions: from, toPositions: keep, do the same).
      const fromPositions = Int32Array.from({ length: moved }, (_, i) => from + i);
      const toPositions = Int32Array.from({ length: moved }, (_, i) => keep + i);
      rope.shift(kCache, { numHeads: numKvHeads, offset: keep * kvDim, numTokens: moved, fromPositions, toPositions });
    } else {
      // The pitfall: a forward rotation by -discard turns the angles right, and scales by
      // the attention factor a second time.
      const moved0 = keys.subarray(keep * kvDim, (keep + moved) * kvDim);
      rope.apply(moved0, { numHeads: numKvHeads, positions: new Int32Array(moved).fill(-discard) });
    }
    ropeMs += performance.now() - t0;
    ropeCalls++;
    shifts.push({ atToken: promptLength + shifts.length, length, keep, discard, moved });
    length = keep + moved;
  };

  try {
    forward(0, promptLength);
    for (let s = 0; s < decodeSteps; s++) {
      if (length === cacheCapacity) {
        contextShift();
        shifts[shifts.length - 1].atToken = promptLength + s;
      }
      forward(promptLength + s, 1);
    }
    return {
      outputs,
      shifts,
      length,
      keys: kCache.view().slice(0, length * kvDim),
      attentionFactor: rope.attentionFactor,
      invFreq: rope.invFreq,
      ropeMs,
      ropeCalls,
      decodeRopeMs,
      simd: lib.simd,
    };
  } finally {
    kCache.dispose();
    qBuf.dispose();
    rope.dispose();
  }
}

// As a script: both methods, and how far apart their outputs end up.
if (import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1] ?? '').href) {
  const lib = await loadRope();
  const good = await runDecode({ lib });
  const naive = await runDecode({ lib, shiftMethod: 'naive-apply' });
  const { hidden } = MODEL;
  const fed = RUN.promptLength + RUN.decodeSteps;
  let maxOut = 0;
  let maxDiff = 0;
  for (let i = 0; i < good.outputs.length; i++) {
    maxOut = Math.max(maxOut, Math.abs(good.outputs[i]));
    maxDiff = Math.max(maxDiff, Math.abs(good.outputs[i] - naive.outputs[i]));
  }
  console.log(`rope-wasm ${lib.simd ? 'SIMD' : 'baseline'} build; layer: hidden ${hidden}, ${MODEL.numHeads} query heads, ` +
    `${MODEL.numKvHeads} kv heads x ${MODEL.headDim}; yarn factor ${MODEL.scaling.factor} (attention factor ${good.attentionFactor.toFixed(4)})`);
  console.log(`prompt ${RUN.promptLength} tokens, ${RUN.decodeSteps} decode steps (${fed} tokens), cache ${RUN.cacheCapacity} tokens, keep ${RUN.keep}`);
  for (const s of good.shifts) console.log(`  context shift before token ${s.atToken}: dropped ${s.discard}, moved ${s.moved} keys by -${s.discard}`);
  const sorted = [...good.decodeRopeMs].sort((a, b) => a - b);
  console.log(`RoPE: ${good.ropeCalls} calls, ${(good.ropeMs * 1000).toFixed(0)} us in all; a decode step's applyQK: ` +
    `median ${(sorted[sorted.length >> 1] * 1000).toFixed(1)} us (performance.now() resolution)`);
  console.log(`rope.shift vs apply at a negative offset: outputs differ by up to ${(maxDiff / maxOut).toExponential(2)} x max|output|`);
}
