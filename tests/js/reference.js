// Float64 reference RoPE and helpers for the JS tests.

/** base^(-2i/rotaryDim) for i < rotaryDim/2, in float64. */
export function defaultInvFreq(base, rotaryDim) {
  return Float64Array.from({ length: rotaryDim / 2 }, (_, i) => Math.pow(base, (-2 * i) / rotaryDim));
}

/**
 * Rotates a copy of x in float64: x is [tokens, heads, headDim] (token-major) or
 * [heads, tokens, headDim] (head-major); positions has one entry per token.
 */
export function referenceRope(x, { headDim, rotaryDim = headDim, layout = 'half', invFreq, numHeads, positions,
  order = 'token-major', inverse = false, attentionFactor = 1 }) {
  const tokens = x.length / (numHeads * headDim);
  const y = Float64Array.from(x);
  const pairs = rotaryDim / 2;
  for (let t = 0; t < tokens; t++) {
    for (let h = 0; h < numHeads; h++) {
      const off = order === 'token-major' ? (t * numHeads + h) * headDim : (h * tokens + t) * headDim;
      for (let i = 0; i < pairs; i++) {
        const angle = (inverse ? -positions[t] : positions[t]) * invFreq[i];
        const c = Math.cos(angle) * attentionFactor;
        const s = Math.sin(angle) * attentionFactor;
        const a = layout === 'half' ? off + i : off + 2 * i;
        const b = layout === 'half' ? off + i + pairs : off + 2 * i + 1;
        y[a] = x[a] * c - x[b] * s;
        y[b] = x[b] * c + x[a] * s;
      }
    }
  }
  return y;
}

/** Deterministic floats in [-1, 1). */
export function randomFloats(n, seed = 1) {
  const out = new Float32Array(n);
  let s = (seed * 2654435761 + 1) >>> 0;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = s / 2147483648 - 1;
  }
  return out;
}

export function maxAbs(v) {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}

export function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function range(start, n) {
  return Array.from({ length: n }, (_, i) => start + i);
}

/** The tolerance the library guarantees: max |y - y_ref| <= 3e-7 * max|x|. */
export const TOLERANCE = 3e-7;
