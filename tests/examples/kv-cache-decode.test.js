// examples/kv-cache-decode against a float64 implementation of the same layer written here:
// its own YaRN frequencies and attention factor (transformers' formulas), its own RoPE
// (x * cos + rotate_half(x) * sin, both scaled by the attention factor), its own softmax and
// its own cache under the same drop policy, where every key is rotated directly at the
// position it holds now (no shift arithmetic at all). Same weights and tokens (float32
// values, read as float64).
import { describe, expect, it } from 'vitest';
import { loadRope } from 'rope-wasm';
import { MODEL, RUN, makeTokens, makeWeights, runDecode } from '../../examples/kv-cache-decode/decode.js';

// ---- float64 reference ----
function yarnInvFreq({ headDim, base, scaling: { factor, originalMaxPositionEmbeddings: original } }) {
  // transformers' _compute_yarn_parameters (beta_fast 32, beta_slow 1, truncate True).
  const correctionDim = (rotations) => (headDim * Math.log(original / (rotations * 2 * Math.PI))) / (2 * Math.log(base));
  let low = Math.max(Math.floor(correctionDim(32)), 0);
  let high = Math.min(Math.ceil(correctionDim(1)), headDim - 1);
  if (low === high) high += 0.001;
  const inv = new Float64Array(headDim / 2);
  for (let i = 0; i < headDim / 2; i++) {
    const posFreq = base ** ((2 * i) / headDim);
    const ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
    const extrapolationFactor = 1 - ramp;
    inv[i] = (1 / (factor * posFreq)) * (1 - extrapolationFactor) + (1 / posFreq) * extrapolationFactor;
  }
  return inv;
}
const attentionFactor = (factor) => 0.1 * Math.log(factor) + 1;

// Rotates one head vector (Float64Array, headDim) at `pos`, half layout, scaled by `mscale`.
function rotate(x, xo, pos, invFreq, mscale, out, oo) {
  const half = invFreq.length;
  for (let i = 0; i < half; i++) {
    const c = Math.cos(pos * invFreq[i]) * mscale;
    const s = Math.sin(pos * invFreq[i]) * mscale;
    const a = x[xo + i];
    const b = x[xo + i + half];
    out[oo + i] = a * c - b * s;
    out[oo + i + half] = b * c + a * s;
  }
}

function referenceDecode(model = MODEL, run = RUN) {
  const { hidden, numHeads, numKvHeads, headDim } = model;
  const qDim = numHeads * headDim;
  const kvDim = numKvHeads * headDim;
  const w = makeWeights(model, run.seed);
  const tokens = makeTokens(run.promptLength + run.decodeSteps, model.vocab, run.seed + 1);
  const invFreq = yarnInvFreq(model);
  const mscale = attentionFactor(model.scaling.factor);
  const matvec = (m, rows, cols, x) => {
    const y = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let acc = 0;
      for (let c = 0; c < cols; c++) acc += m[r * cols + c] * x[c];
      y[r] = acc;
    }
    return y;
  };
  // The cache: unrotated keys and values, one entry per token; its index is its position.
  let cache = [];
  let scoreBound = 0; // max over heads and keys of |q||k| / sqrt(headDim): bounds every |score|
  const outputs = new Float64Array(tokens.length * hidden);
  const step = (i) => {
    const x = Float64Array.from(w.embed.subarray(tokens[i] * hidden, (tokens[i] + 1) * hidden));
    cache.push({ k: matvec(w.wk, kvDim, hidden, x), v: matvec(w.wv, kvDim, hidden, x) });
    const pos = cache.length - 1;
    const q = matvec(w.wq, qDim, hidden, x);
    const qr = new Float64Array(qDim);
    for (let h = 0; h < numHeads; h++) rotate(q, h * headDim, pos, invFreq, mscale, qr, h * headDim);
    // Keys rotated directly at the positions they hold now.
    const keys = cache.map((e, j) => {
      const kr = new Float64Array(kvDim);
      for (let h = 0; h < numKvHeads; h++) rotate(e.k, h * headDim, j, invFreq, mscale, kr, h * headDim);
      return kr;
    });
    const attn = new Float64Array(qDim);
    for (let h = 0; h < numHeads; h++) {
      const kvh = Math.floor(h / (numHeads / numKvHeads));
      const qn = Math.hypot(...qr.subarray(h * headDim, (h + 1) * headDim));
      const s = keys.map((k) => {
        let dot = 0;
        scoreBound = Math.max(scoreBound, (qn * Math.hypot(...k.subarray(kvh * headDim, (kvh + 1) * headDim))) / Math.sqrt(headDim));
        for (let d = 0; d < headDim; d++) dot += qr[h * headDim + d] * k[kvh * headDim + d];
        return dot / Math.sqrt(headDim);
      });
      const max = Math.max(...s);
      const e = s.map((v) => Math.exp(v - max));
      const sum = e.reduce((a, b) => a + b, 0);
      for (let d = 0; d < headDim; d++) {
        let acc = 0;
        for (let j = 0; j < cache.length; j++) acc += e[j] * cache[j].v[kvh * headDim + d];
        attn[h * headDim + d] = acc / sum;
      }
    }
    outputs.set(matvec(w.wo, hidden, qDim, attn), i * hidden);
  };
  for (let i = 0; i < tokens.length; i++) {
    if (cache.length === run.cacheCapacity) {
      // keep the first `keep`, drop the oldest half of the rest (as the example's policy).
      const discard = Math.floor((cache.length - run.keep) / 2);
      cache = [...cache.slice(0, run.keep), ...cache.slice(run.keep + discard)];
    }
    step(i);
  }
  const finalKeys = new Float64Array(cache.length * kvDim);
  cache.forEach((e, j) => {
    for (let h = 0; h < numKvHeads; h++) rotate(e.k, h * headDim, j, invFreq, mscale, finalKeys, j * kvDim + h * headDim);
  });
  return { outputs, finalKeys, invFreq, mscale, scoreBound, length: cache.length };
}

const maxAbs = (a) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxAbsDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

// The tolerance, derived (relative to max|output|, on every output of the run):
//   q, k, v rounded to float32 after projection:       eps = 2^-24 = 6e-8 relative each
//   RoPE of q and k (applyQK):                         <= 3e-7 x max|x| (README "Precision")
//   rope.shift of a moved key (one shift per key here: the next shift drops it):  <= 3e-7 more
// so q and k carry relative errors e_q <= 4e-7 and e_k <= 7e-7. A score s = q.k/sqrt(d) is then
// off by <= (e_q + e_k) B, B = max |q||k|/sqrt(d) over the run (computed by the reference);
// softmax turns score errors into relative weight errors <= 2x that, the weighted sum of v adds
// eps, the float32 product with Wo adds eps:
//   |out - out_f64| / max|out|  <=  2 (e_q + e_k) B + 3 eps.
// That is a worst case (errors of one sign everywhere); measured: 5e-8 against 2.4e-5 (B = 11).
const E_Q = 4e-7;
const E_K = 7e-7;
const EPS = 2 ** -24;
const tolerance = (scoreBound) => 2 * (E_Q + E_K) * scoreBound + 3 * EPS;

describe('examples/kv-cache-decode', () => {
  const ref = referenceDecode();
  const TOLERANCE = tolerance(ref.scoreBound);

  it('the reference is independent of rope-wasm and agrees with its frequencies', async () => {
    const lib = await loadRope();
    const rope = lib.createRope({ headDim: MODEL.headDim, base: MODEL.base, scaling: MODEL.scaling });
    try {
      expect(maxAbsDiff(rope.invFreq, ref.invFreq)).toBeLessThanOrEqual(1e-15);
      expect(rope.attentionFactor).toBeCloseTo(ref.mscale, 14);
      expect(ref.mscale).toBeGreaterThan(1.1); // large enough that a factor applied twice shows
    } finally {
      rope.dispose();
    }
  });

  for (const simd of [true, false]) {
    it(`prefill, decode and context shifts match float64 (${simd ? 'SIMD' : 'baseline'} build)`, async () => {
      const lib = await loadRope({ simd });
      const r = await runDecode({ lib });
      expect(r.simd).toBe(simd);
      expect(r.shifts.length).toBeGreaterThanOrEqual(3); // several shifts happened, keys lived through more than one
      expect(r.length).toBe(ref.length);
      const scale = maxAbs(ref.outputs);
      const err = maxAbsDiff(r.outputs, ref.outputs) / scale;
      console.log(`kv-cache-decode ${simd ? 'simd' : 'baseline'}: max |out - out_f64| / max|out_f64| = ${err.toExponential(2)} ` +
        `(tolerance ${TOLERANCE.toExponential(2)}, score bound B ${ref.scoreBound.toFixed(2)}); ` +
        `keys ${(maxAbsDiff(r.keys, ref.finalKeys) / maxAbs(ref.finalKeys)).toExponential(2)}`);
      expect(err).toBeLessThanOrEqual(TOLERANCE);
      // The cache after the last shift holds keys as if rotated at their new positions.
      expect(maxAbsDiff(r.keys, ref.finalKeys)).toBeLessThanOrEqual(E_K * maxAbs(ref.finalKeys));
    });
  }

  it('the naive shift (apply at a negative offset) diverges by the attention factor', async () => {
    const r = await runDecode({ shiftMethod: 'naive-apply' });
    const { keep } = RUN;
    const kvDim = MODEL.numKvHeads * MODEL.headDim;
    // Keys moved by the last shift (after `keep`, before the tokens decoded since): each is
    // the reference key times the attention factor (once per shift it lived through).
    const last = r.shifts.at(-1);
    const moved = [keep, keep + last.moved];
    const ratios = [];
    for (let j = moved[0]; j < moved[1]; j++) {
      const a = r.keys.subarray(j * kvDim, (j + 1) * kvDim);
      const b = ref.finalKeys.subarray(j * kvDim, (j + 1) * kvDim);
      ratios.push(Math.hypot(...a) / Math.hypot(...b));
    }
    // Keys that went through exactly one shift: scaled by the factor once more.
    const once = ratios.filter((x) => Math.abs(x - ref.mscale) < 1e-4);
    expect(once.length).toBeGreaterThan(0);
    for (const x of ratios) {
      const n = Math.log(x) / Math.log(ref.mscale); // how many extra factors
      expect(Math.abs(n - Math.round(n))).toBeLessThan(1e-3);
      expect(Math.round(n)).toBeGreaterThanOrEqual(1);
    }
    // ... and the layer outputs are far outside the tolerance.
    const err = maxAbsDiff(r.outputs, ref.outputs) / maxAbs(ref.outputs);
    expect(err).toBeGreaterThan(1000 * TOLERANCE);
    // The tokens before the first shift are unaffected (the two runs are the same until then).
    const before = r.shifts[0].atToken * MODEL.hidden;
    expect(maxAbsDiff(r.outputs.subarray(0, before), ref.outputs.subarray(0, before)) / maxAbs(ref.outputs)).toBeLessThanOrEqual(TOLERANCE);
  });
});
