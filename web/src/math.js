// The page's own numerics: deterministic token vectors, and the explicitly labelled
// comparisons (float64 reference, float32/bf16 simulations, sinusoidal encoding, the
// RoFormer bound's sum, plain-JS RoPE for the benchmark). Pure; no wasm, no DOM.

/** Splits text into word and punctuation tokens. */
export function tokenize(text) {
  return String(text).match(/[\p{L}\p{N}_']+|[^\s\p{L}\p{N}_']/gu) ?? [];
}

/** 32-bit FNV-1a of a string. */
export function fnv1a(str) {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small seeded PRNG giving floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` standard normal samples from a seeded PRNG (Box-Muller). */
export function gaussian(n, rand) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = Math.max(rand(), 1e-12);
    const u2 = rand();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/**
 * The deterministic vector of a token: no model, just a PRNG seeded from the token text,
 * its role ('q', 'k' or 'x') and the page's seed. Case-insensitive.
 */
export function tokenVector(token, role, seed, dim) {
  return gaussian(dim, mulberry32(fnv1a(`${seed}|${role}|${String(token).toLowerCase()}`)));
}

/** The channels of pair i: half = (i, i + rot/2), interleaved = (2i, 2i + 1). */
export function pairChannels(layout, i, rot) {
  return layout === 'interleaved' ? [2 * i, 2 * i + 1] : [i, i + rot / 2];
}

export function dot(a, b, n = a.length) {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}

export function norm(a) {
  return Math.sqrt(dot(a, a));
}

/** base^(-2i/rot) for i < rot/2, in float64. */
export function invFreq64(base, rot) {
  const out = new Float64Array(rot / 2);
  for (let i = 0; i < rot / 2; i++) out[i] = Math.pow(base, (-2 * i) / rot);
  return out;
}

/** Rounds a number to bfloat16 (round to nearest even), returned as a number. */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
export function bf16(x) {
  f32[0] = x;
  let u = u32[0];
  if ((u & 0x7f800000) === 0x7f800000) return f32[0];
  u = (u + 0x7fff + ((u >>> 16) & 1)) & 0xffff0000;
  u32[0] = u >>> 0;
  return f32[0];
}

/**
 * Rotates x (one head) at position p with the given per-pair angle rule, in float64.
 * angleOf(i) returns the angle of pair i. Pass-through channels are copied.
 */
export function rotateWith(x, layout, rot, angleOf) {
  const y = Float64Array.from(x);
  for (let i = 0; i < rot / 2; i++) {
    const [a, b] = pairChannels(layout, i, rot);
    const t = angleOf(i);
    const c = Math.cos(t);
    const s = Math.sin(t);
    y[a] = x[a] * c - x[b] * s;
    y[b] = x[a] * s + x[b] * c;
  }
  return y;
}

/**
 * The four ways of computing the angle m * theta_i compared in the precision lab.
 * `reference`: float64 throughout. `float32`: theta and the product rounded to float32
 * (angles kept in float32). `bf16pos`: the position held in bfloat16. `bf16freq`: theta
 * held in bfloat16 (e.g. an inv_freq buffer cast with the model).
 */
export const ANGLE_RULES = {
  reference: (p, th) => p * th,
  float32: (p, th) => Math.fround(Math.fround(p) * Math.fround(th)),
  bf16pos: (p, th) => Math.fround(bf16(p) * Math.fround(th)),
  bf16freq: (p, th) => Math.fround(Math.fround(p) * bf16(th)),
};

/** ||y - ref|| / ||x||. */
export function relError(y, ref, x) {
  let e = 0;
  for (let i = 0; i < ref.length; i++) e += (y[i] - ref[i]) ** 2;
  return Math.sqrt(e) / norm(x);
}

/** The sinusoidal absolute encoding of seed 002: sin at 2k, cos at 2k+1, w_k = base^(-2k/d). */
export function sinusoidal(t, dim, base = 10000) {
  const p = new Float64Array(dim);
  for (let k = 0; k < dim / 2; k++) {
    const w = Math.pow(base, (-2 * k) / dim);
    p[2 * k] = Math.sin(w * t);
    p[2 * k + 1] = Math.cos(w * t);
  }
  return p;
}

/** The four terms of the additive score (x + p_m) . (y + p_n). */
export function additiveTerms(x, y, pm, pn) {
  return { content: dot(x, y), xPos: dot(x, pn), posY: dot(pm, y), posPos: dot(pm, pn) };
}

/**
 * RoFormer's long-term decay bound (Su et al. 2021, sec. 3.4.3): with S_j the partial sum
 * of e^{i r theta_k} over the first j pairs, the bound's relative-distance factor is
 * (1 / (d/2)) * sum_j |S_j|. Takes cos(r theta_k), sin(r theta_k) of each pair.
 */
export function roformerBound(cosArr, sinArr) {
  let re = 0;
  let im = 0;
  let total = 0;
  const n = cosArr.length;
  for (let j = 0; j < n; j++) {
    re += cosArr[j];
    im += sinArr[j];
    total += Math.hypot(re, im);
  }
  return total / n;
}

/** Mean and standard deviation of an array. */
export function meanStd(values) {
  const n = values.length;
  let m = 0;
  for (const v of values) m += v;
  m /= n;
  let v2 = 0;
  for (const v of values) v2 += (v - m) ** 2;
  return { mean: m, std: Math.sqrt(v2 / Math.max(1, n - 1)) };
}

/** Plain-JS RoPE (half layout) for the benchmark: a float32 cos/sin table and a loop. */
export function makeJsRope(headDim, base, maxPos) {
  const half = headDim / 2;
  const cos = new Float32Array(maxPos * half);
  const sin = new Float32Array(maxPos * half);
  for (let p = 0; p < maxPos; p++) {
    for (let i = 0; i < half; i++) {
      const t = p * Math.pow(base, (-2 * i) / headDim);
      cos[p * half + i] = Math.cos(t);
      sin[p * half + i] = Math.sin(t);
    }
  }
  return function applyJs(x, numHeads, start = 0) {
    const tokens = x.length / (numHeads * headDim);
    for (let t = 0; t < tokens; t++) {
      const row = (start + t) * half;
      for (let h = 0; h < numHeads; h++) {
        const o = (t * numHeads + h) * headDim;
        for (let i = 0; i < half; i++) {
          const c = cos[row + i];
          const s = sin[row + i];
          const a = x[o + i];
          const b = x[o + i + half];
          x[o + i] = a * c - b * s;
          x[o + i + half] = a * s + b * c;
        }
      }
    }
  };
}

/** Evenly spaced integers from 0 to max (inclusive), at most `count` of them, deduplicated. */
export function linspaceInt(max, count) {
  const n = Math.min(count, max + 1);
  const out = [];
  let last = -1;
  for (let i = 0; i < n; i++) {
    const v = n === 1 ? 0 : Math.round((i * max) / (n - 1));
    if (v !== last) out.push(v);
    last = v;
  }
  return out;
}

/** Log-spaced integers from lo to hi (inclusive), deduplicated. */
export function logspaceInt(lo, hi, count) {
  const out = [];
  let last = -1;
  for (let i = 0; i < count; i++) {
    const v = Math.round(Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / (count - 1)));
    if (v !== last) out.push(v);
    last = v;
  }
  return out;
}

/** Formats a number compactly for labels (1.2e-7, 4096, 0.317). */
export function fmt(x, digits = 3) {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-3) return x.toExponential(digits - 1);
  if (Number.isInteger(x)) return String(x);
  return Number(x.toPrecision(digits)).toString();
}

// ---- 16-bit bit patterns (the page's own conversions, to feed and read the kernel's
// float16 / bfloat16 paths; round to nearest even, as the kernel rounds its results) ----
/** A number to IEEE half bits, round to nearest even (subnormals, ±Infinity, NaN). */
export function f16Bits(v) {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a === Infinity) return sign | 0x7c00;
  const rne = (q) => {
    let r = Math.round(q);
    if (r - q === 0.5 && r % 2 === 1) r -= 1;
    return r;
  };
  if (a < 2 ** -14) return sign | rne(a * 2 ** 24); // subnormal (1024 rounds up to the smallest normal)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  if (2 ** (e + 1) <= a) e++;
  let m = rne(a * 2 ** (10 - e));
  if (m === 2048) { m = 1024; e++; }
  if (e + 15 >= 31) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | (m - 1024);
}

/** IEEE half bits to a number. */
export function fromF16Bits(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1024 + m) * 2 ** (e - 25);
}

/** A number (rounded to float32 first) to bfloat16 bits, round to nearest even. */
export function bf16Bits(v) {
  f32[0] = v;
  const u = u32[0];
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff)) return 0x7fc0;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** bfloat16 bits to a number. */
export function fromBf16Bits(b) {
  u32[0] = (b & 0xffff) << 16;
  return f32[0];
}
