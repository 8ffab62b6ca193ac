// Moving the cache (context shift) and the kernel's 16-bit paths. Runs in the compute
// Worker; pure functions of (lib, state). Every rotation is the kernel's (rope.apply,
// rope.shift); the page's JS only adds dot products, norms, the float64 reference and the
// 16-bit bit-pattern conversions of math.js.
import { normalizeState } from './state.js';
import { bf16Bits, dot, f16Bits, fromBf16Bits, fromF16Bits, logspaceInt, norm, pairChannels, rotateWith, tokenVector } from './math.js';

function withRope(lib, cfg, fn) {
  const rope = lib.createRope(cfg);
  try {
    return fn(rope);
  } finally {
    rope.dispose();
  }
}
const ints = (from, count) => Int32Array.from({ length: count }, (_, i) => from + i);

/** The cache's size, in tokens (one head). */
export const CACHE_SLOTS = 512;
/** The trained length yarn is given in this section. */
export const CACHE_ORIG = 4096;

export function cacheConfig(s) {
  const cfg = { headDim: s.dim, rotaryDim: s.rot, base: s.base, layout: s.layout };
  if (s.cfac > 1) cfg.scaling = { type: 'yarn', factor: s.cfac, originalMaxPositionEmbeddings: CACHE_ORIG };
  return cfg;
}

// ---- moving the cache ----------------------------------------------------------------------
// A full cache of W slots: token t's key is rotated when it arrives, at the position of its
// slot. At each shift the oldest `drop` keys leave, the rest move `drop` positions back and
// `drop` new tokens arrive at the end. Two caches are kept side by side: one moved with
// rope.shift (exact), one with the naive apply(positions: -drop).
export function cache(lib, state) {
  const s = normalizeState(state);
  const d = s.dim;
  const W = CACHE_SLOTS;
  const drop = s.cdrop;
  const n = s.cshifts;
  const content = (t) => tokenVector(`token ${t}`, 'k', s.seed, d);
  return withRope(lib, cacheConfig(s), (rope) => {
    const af = rope.attentionFactor || 1;
    const arrive = (first, count, pos0) => {
      const k = new Float32Array(count * d);
      for (let j = 0; j < count; j++) k.set(content(first + j), j * d);
      rope.apply(k, { numHeads: 1, positions: ints(pos0, count) });
      return k;
    };
    let ids = Array.from({ length: W }, (_, i) => i); // slot -> token
    let shifts = new Array(W).fill(0); // slot -> shifts its key went through
    let exact = arrive(0, W, 0);
    let naive = Float32Array.from(exact);
    const firstNorm = new Map(); // token -> norm of its key as it arrived
    // The norm of a key's rotated channels (all of them unless rotary dims < head dim: the
    // pass-through channels carry no attention factor).
    const keyNorm = (k, slot) => norm(k.subarray(slot * d, slot * d + s.rot));
    for (let slot = 0; slot < W; slot++) firstNorm.set(ids[slot], keyNorm(exact, slot));
    // The oldest key (slot 0 after each shift), relative to its norm when it arrived.
    const oldest = [{ shifts: 0, token: 0, exact: 1, naive: 1, expected: 1 }];
    let nextToken = W;
    for (let r = 1; r <= n; r++) {
      const kept = W - drop;
      const ke = exact.slice(drop * d);
      rope.shift(ke, { numHeads: 1, fromPositions: ints(drop, kept), toPositions: ints(0, kept) });
      const kn = naive.slice(drop * d);
      rope.apply(kn, { numHeads: 1, positions: new Int32Array(kept).fill(-drop) });
      const fresh = arrive(nextToken, drop, kept);
      exact = new Float32Array(W * d);
      exact.set(ke);
      exact.set(fresh, kept * d);
      naive = new Float32Array(W * d);
      naive.set(kn);
      naive.set(fresh, kept * d);
      ids = [...ids.slice(drop), ...Array.from({ length: drop }, (_, j) => nextToken + j)];
      shifts = [...shifts.slice(drop).map((x) => x + 1), ...new Array(drop).fill(0)];
      for (let j = 0; j < drop; j++) firstNorm.set(nextToken + j, keyNorm(exact, kept + j));
      nextToken += drop;
      const t0 = ids[0];
      oldest.push({ shifts: r, token: t0, exact: keyNorm(exact, 0) / firstNorm.get(t0), naive: keyNorm(naive, 0) / firstNorm.get(t0), expected: af ** shifts[0] });
    }
    // The query: the next token, at the position after the cache (W), and, before any
    // shift, at its position in the stream (W + n·drop) against every key where it arrived.
    const qv = tokenVector('query', 'q', s.seed, d);
    const q = Float32Array.from(qv);
    rope.apply(q, { numHeads: 1, positions: W });
    const streamPos = W + n * drop;
    const qBefore = Float32Array.from(qv);
    rope.apply(qBefore, { numHeads: 1, positions: streamPos });
    // The same tokens' keys, rotated once at their positions in the stream (no shift at all).
    const unshifted = new Float32Array(W * d);
    for (let slot = 0; slot < W; slot++) unshifted.set(content(ids[slot]), slot * d);
    rope.apply(unshifted, { numHeads: 1, positions: Int32Array.from(ids) });
    // And rotated afresh at their slots (what a cache rebuilt from scratch would hold).
    const rebuilt = new Float32Array(W * d);
    for (let slot = 0; slot < W; slot++) rebuilt.set(content(ids[slot]), slot * d);
    rope.apply(rebuilt, { numHeads: 1, positions: ints(0, W) });
    const scale = 1 / Math.sqrt(d);
    const at = (k, slot) => k.subarray(slot * d, (slot + 1) * d);
    const scores = [];
    let exactVsBefore = 0;
    let exactVsRebuilt = 0;
    let naiveRatio = 0;
    for (let slot = 0; slot < W; slot++) {
      const before = dot(qBefore, at(unshifted, slot)) * scale;
      const ex = dot(q, at(exact, slot)) * scale;
      const nv = dot(q, at(naive, slot)) * scale;
      const rb = dot(q, at(rebuilt, slot)) * scale;
      exactVsBefore = Math.max(exactVsBefore, Math.abs(ex - before));
      exactVsRebuilt = Math.max(exactVsRebuilt, Math.abs(ex - rb));
      if (Math.abs(before) > 1e-3) naiveRatio = Math.max(naiveRatio, nv / before);
      scores.push({ slot, token: ids[slot], streamPos: ids[slot], shifts: shifts[slot], before, exact: ex, naive: nv, rebuilt: rb });
    }
    // Softmax over the cache: how much sharper the naive scores make attention.
    const softmaxMax = (key) => {
      const m = Math.max(...scores.map((r) => r[key]));
      let z = 0;
      for (const r of scores) z += Math.exp(r[key] - m);
      return 1 / z;
    };
    return {
      slots: W, dim: d, rot: s.rot, drop, shifts: n, factor: s.cfac, attentionFactor: af, scaling: rope.scaling ?? null, oldest, scores,
      exactVsBefore, exactVsRebuilt, naiveRatio, streamPos,
      topWeight: { before: softmaxMax('before'), exact: softmaxMax('exact'), naive: softmaxMax('naive') },
    };
  });
}

// ---- the kernel's 16-bit paths ---------------------------------------------------------------
export const DTYPES = ['float32', 'float16', 'bfloat16'];
const ENCODE = { float16: f16Bits, bfloat16: bf16Bits };
const DECODE = { float16: fromF16Bits, bfloat16: fromBf16Bits };
/** Half an ulp at 1 (the relative bound of round to nearest even), and float32's kernel bound. */
export const HALF_ULP = { float32: 3e-7, float16: 2 ** -11, bfloat16: 2 ** -8 };

/**
 * The same vector rotated by the kernel in float32, float16 and bfloat16 at positions 1 to
 * 10^6 (and s.ppos), against a float64 rotation of the same (16-bit) input with the angles
 * p · rope.invFreq[i]. Errors are max over elements |y − ref| / max |ref| per position, and
 * per pair (max of its two elements / the pair's length) at s.ppos.
 */
export function precision16(lib, s) {
  const x = tokenVector('precision', 'x', s.seed, s.dim);
  const positions = [...new Set([...logspaceInt(1, 1000000, 25), s.ppos])].sort((a, b) => a - b);
  const P = positions.length;
  const d = s.dim;
  return withRope(lib, { headDim: d, rotaryDim: s.rot, base: s.base, layout: s.layout }, (rope) => {
    const th = Float64Array.from(rope.invFreq);
    const series = [];
    const perPair = [];
    const worst = {}; // largest element error / (its bound), over every position
    const inputs = {};
    const outputs = {};
    let bitExact = true;
    // The float32 path's result, for the "rounded bit for bit" check of the 16-bit paths.
    const y32 = new Float32Array(P * d);
    for (const dtype of DTYPES) {
      let xin;
      let y;
      if (dtype === 'float32') {
        xin = Float64Array.from(x);
        const buf = new Float32Array(P * d);
        for (let t = 0; t < P; t++) buf.set(x, t * d);
        rope.apply(buf, { numHeads: 1, positions: Int32Array.from(positions) });
        y32.set(buf);
        y = Float64Array.from(buf);
        inputs[dtype] = Array.from(x);
      } else {
        const bits = Uint16Array.from(x, ENCODE[dtype]);
        xin = Float64Array.from(bits, DECODE[dtype]);
        const buf = new Uint16Array(P * d);
        for (let t = 0; t < P; t++) buf.set(bits, t * d);
        rope.apply(buf, { numHeads: 1, positions: Int32Array.from(positions), dtype });
        y = Float64Array.from(buf, DECODE[dtype]);
        inputs[dtype] = Array.from(bits);
        // The float32 path on the same (decoded) input, rounded here: must equal the bits.
        const f = new Float32Array(P * d);
        for (let t = 0; t < P; t++) f.set(xin, t * d);
        rope.apply(f, { numHeads: 1, positions: Int32Array.from(positions) });
        for (let i = 0; i < f.length; i++) if (ENCODE[dtype](f[i]) !== buf[i]) bitExact = false;
        outputs[dtype] = Array.from(buf.subarray(positions.indexOf(s.ppos) * d, (positions.indexOf(s.ppos) + 1) * d));
      }
      if (dtype === 'float32') outputs[dtype] = Array.from(y32.subarray(positions.indexOf(s.ppos) * d, (positions.indexOf(s.ppos) + 1) * d));
      let w = 0;
      positions.forEach((p, t) => {
        const ref = rotateWith(xin, s.layout, s.rot, (i) => p * th[i]);
        let maxRef = 0;
        let maxErr = 0;
        for (let c = 0; c < d; c++) {
          const e = Math.abs(y[t * d + c] - ref[c]);
          maxRef = Math.max(maxRef, Math.abs(ref[c]));
          maxErr = Math.max(maxErr, e);
          // The per-element bound: half an ulp of the 16-bit format at |ref| (2^-25 at the
          // subnormals of float16), on top of the float32 path's own 3e-7 · max|x|.
          const bound = dtype === 'float32' ? 3e-7 * maxAbs(xin) : HALF_ULP[dtype] * Math.abs(ref[c]) + 3e-7 * maxAbs(xin) + 2 ** -25;
          w = Math.max(w, e / bound);
        }
        series.push({ dtype, position: p, error: maxErr / (maxRef || 1) });
        if (p === s.ppos) {
          for (let i = 0; i < s.rot / 2; i++) {
            const [a, b] = pairChannels(s.layout, i, s.rot);
            const len = Math.hypot(ref[a], ref[b]) || 1;
            perPair.push({ dtype, pair: i, error: Math.max(Math.abs(y[t * d + a] - ref[a]), Math.abs(y[t * d + b] - ref[b])) / len });
          }
        }
      });
      worst[dtype] = w;
    }
    const at = (dtype) => series.find((r) => r.dtype === dtype && r.position === s.ppos).error;
    return {
      positions, series, perPair, worst, bitExact, inputs, outputs, ppos: s.ppos,
      summary: DTYPES.map((dtype) => ({ dtype, error: at(dtype), bound: HALF_ULP[dtype] })),
    };
  });
}
function maxAbs(v) {
  let m = 0;
  for (const x of v) m = Math.max(m, Math.abs(x));
  return m;
}
