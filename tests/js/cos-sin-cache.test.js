// cosSinCache (dist/cos-sin-cache.js; the lead wires it as rope.cosSinCache): the tables are
// the kernel's own float32 rows (a tensor rotated with them in float32 arithmetic equals
// rope.apply bit for bit), for both layouts, partial rotary, scaling with an attention factor,
// the seqLen regimes of dynamic and longrope, blocks of any length; the float16 / bfloat16
// conversions against references written from the IEEE 754 rules; every bad argument.
import { beforeAll, describe, expect, it } from 'vitest';
import { cosSinCache } from '../../dist/cos-sin-cache.js';
import { f32BitsToBf16Bits, f32BitsToF16Bits, toBfloat16Bits, toFloat16Bits } from '../../dist/f16.js';
import { BUILDS, loadBuild } from './builds.js';
import { expectRopeError } from './expect-error.js';
import { randomFloats } from './reference.js';

// ------------------------------------------------------------ IEEE references (float64)
// A float32 value is exact in a double; rounding it to a format with `mantBits` fraction
// bits and minimum normal exponent `emin` is done here on exact doubles: scale so the
// kept bits are the integer part, round that to nearest with ties to even, check overflow.

function roundTiesEven(q) {
  const f = Math.floor(q);
  const r = q - f; // exact: q has at most 53 significant bits and f its integer part
  if (r > 0.5 || (r === 0.5 && f % 2 === 1)) return f + 1;
  return f;
}

function refEncode(v, { mantBits, expBits }) {
  const bias = (1 << (expBits - 1)) - 1;
  const emin = 1 - bias;
  const maxExpField = (1 << expBits) - 1;
  const signBit = 1 << (mantBits + expBits);
  const sign = v < 0 || Object.is(v, -0) ? signBit : 0;
  if (Number.isNaN(v)) return null; // checked as "is a NaN pattern" by the caller
  const a = Math.abs(v);
  if (a === Infinity) return sign | (maxExpField << mantBits);
  if (a === 0) return sign;
  let e = Math.floor(Math.log2(a));
  // log2 can be off by one near powers of two: fix e so that 2^e <= a < 2^(e+1).
  while (2 ** e > a) e--;
  while (2 ** (e + 1) <= a) e++;
  if (e < emin) {
    // Subnormal: a = m * 2^(emin - mantBits).
    const m = roundTiesEven(a / 2 ** (emin - mantBits));
    return sign | m; // m = 2^mantBits is the smallest normal, whose bits are exactly m
  }
  let m = roundTiesEven(a / 2 ** (e - mantBits)); // in [2^mantBits, 2^(mantBits+1)]
  if (m === 2 ** (mantBits + 1)) {
    m /= 2;
    e += 1;
  }
  if (e + bias >= maxExpField) return sign | (maxExpField << mantBits); // overflow: Inf
  return sign | ((e + bias) << mantBits) | (m - 2 ** mantBits);
}

const F16 = { mantBits: 10, expBits: 5 };
const BF16 = { mantBits: 7, expBits: 8 };
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const valueOf = (bits) => {
  u32[0] = bits >>> 0;
  return f32[0];
};

function isNaN16(h, fmt) {
  const expMask = ((1 << fmt.expBits) - 1) << fmt.mantBits;
  return (h & expMask) === expMask && (h & ((1 << fmt.mantBits) - 1)) !== 0;
}

// Checks the implementation against the reference on float32 bit patterns; returns a count.
function checkBits(bitsList, fn, fmt) {
  let n = 0;
  for (const bits of bitsList) {
    const v = valueOf(bits);
    const got = fn(bits >>> 0);
    const want = refEncode(v, fmt);
    if (want === null) {
      if (!isNaN16(got, fmt)) throw new Error(`NaN 0x${(bits >>> 0).toString(16)} gave 0x${got.toString(16)}, not a NaN`);
      const signBit = 1 << (fmt.mantBits + fmt.expBits);
      if ((got & signBit) !== ((bits >>> 31) ? signBit : 0)) throw new Error(`NaN 0x${(bits >>> 0).toString(16)} lost its sign`);
    } else if (got !== want) {
      throw new Error(`0x${(bits >>> 0).toString(16)} (${v}) gave 0x${got.toString(16)}, IEEE says 0x${want.toString(16)}`);
    }
    n++;
  }
  return n;
}

// float32 bit patterns around every rounding boundary of a 16-bit format: for each of the
// 2^16 patterns h (both signs, every exponent including subnormals, Inf and NaN), the
// float32 of h itself, the midpoint between h and the next pattern (a tie), and one float32
// ulp either side of the exact value and of the midpoint.
function boundaryBits(toF32Bits) {
  const out = [];
  for (let h = 0; h < 0x10000; h++) {
    const lo = toF32Bits(h);
    const hiBits = toF32Bits((h & 0x7fff) === 0x7fff ? h : h + 1);
    const a = valueOf(lo);
    const b = valueOf(hiBits);
    out.push(lo, lo + 1, lo - 1);
    if (Number.isFinite(a) && b !== a && (h & 0x7fff) !== 0x7fff) {
      // The midpoint to the next pattern, exact in float32 (one bit more than the 16-bit
      // format): a tie. Past the largest finite value, the midpoint to 2^(emax+1).
      const next = Number.isFinite(b) ? b : a + (a - valueOf(toF32Bits(h - 1)));
      f32[0] = (a + next) / 2;
      const mid = u32[0];
      out.push(mid, mid + 1, mid - 1);
    }
  }
  return out.map((x) => x >>> 0);
}

// binary16 bits -> float32 bits (exact: every binary16 value is a float32).
function f16ToF32Bits(h) {
  const sign = (h & 0x8000) << 16;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0x1f) return (sign | 0x7f800000 | (m << 13)) >>> 0;
  if (e === 0) {
    f32[0] = (m * 2 ** -24) * (sign ? -1 : 1);
    return u32[0];
  }
  return (sign | ((e - 15 + 127) << 23) | (m << 13)) >>> 0;
}
const bf16ToF32Bits = (h) => (h << 16) >>> 0;

describe('float32 -> float16 / bfloat16 (round to nearest even)', () => {
  it('float16: named cases', () => {
    const h = (v) => {
      f32[0] = v;
      return f32BitsToF16Bits(u32[0]);
    };
    expect(h(0)).toBe(0);
    expect(h(-0)).toBe(0x8000);
    expect(h(1)).toBe(0x3c00);
    expect(h(65504)).toBe(0x7bff); // max
    expect(h(65519.99)).toBe(0x7bff); // below the midpoint to 2^16
    expect(h(65520)).toBe(0x7c00); // the tie with "2^16" rounds to even: Inf
    expect(h(1e10)).toBe(0x7c00);
    expect(h(-1e10)).toBe(0xfc00);
    expect(h(Infinity)).toBe(0x7c00);
    expect(h(-Infinity)).toBe(0xfc00);
    expect(h(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(h(2 ** -25)).toBe(0x0000); // tie between 0 and it: even is 0
    expect(h(Math.fround(2 ** -25 * (1 + 2 ** -23)))).toBe(0x0001); // just past the tie
    expect(h(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 ulps: even is 2
    expect(h(2 ** -14)).toBe(0x0400); // smallest normal
    expect(h(2 ** -14 - 2 ** -25)).toBe(0x0400); // tie between the largest subnormal and it: even
    expect(h(1 + 2 ** -11)).toBe(0x3c00); // tie, 1 is even
    expect(h(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, rounds up to even
    expect(h(2 ** -149)).toBe(0); // float32 subnormals are all 0
    expect(f32BitsToF16Bits(0x7fc00000) & 0x7fff).toBeGreaterThan(0x7c00); // quiet NaN
    expect(f32BitsToF16Bits(0x7f800001) & 0x7fff).toBeGreaterThan(0x7c00); // payload in the low bits only: still NaN
    expect(f32BitsToF16Bits(0xff800001) & 0x8000).toBe(0x8000);
    if (typeof Math.f16round === 'function') {
      // Engines with Math.f16round (not Node 20): it must agree.
      for (const v of [65519.99, 65520, 2 ** -25, 3 * 2 ** -25, 1 + 2 ** -11]) expect(h(v)).toBe(h(Math.f16round(v)));
    }
  });

  it('float16: every rounding boundary, a stratified sweep and random patterns agree with the IEEE reference', () => {
    let n = checkBits(boundaryBits(f16ToF32Bits), f32BitsToF16Bits, F16);
    // Every sign/exponent/top-10-mantissa-bit prefix with low 13 bits at the round/sticky edges.
    const lows = [0, 1, 0xfff, 0x1000, 0x1001, 0x1fff, 0x0800];
    const strat = [];
    for (let hi = 0; hi < 1 << 19; hi++) for (const lo of lows) strat.push(((hi << 13) | lo) >>> 0);
    n += checkBits(strat, f32BitsToF16Bits, F16);
    const rnd = new Uint32Array(1 << 20);
    let s = 12345;
    for (let i = 0; i < rnd.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; rnd[i] = s; }
    n += checkBits(rnd, f32BitsToF16Bits, F16);
    expect(n).toBeGreaterThan(4_000_000);
  });

  it('bfloat16: named cases, every rounding boundary and random patterns agree with the IEEE reference', () => {
    const b = (v) => {
      f32[0] = v;
      return f32BitsToBf16Bits(u32[0]);
    };
    expect(b(1)).toBe(0x3f80);
    expect(b(-0)).toBe(0x8000);
    expect(b(1 + 2 ** -8)).toBe(0x3f80); // tie, 1 is even
    expect(b(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie, up to even
    expect(b(3.4028234663852886e38)).toBe(0x7f80); // float32 max is past bfloat16's max + half an ulp: Inf
    expect(b(-Infinity)).toBe(0xff80);
    expect(b(2 ** -149)).toBe(0); // smallest float32 subnormal: below half of bfloat16's
    expect(f32BitsToBf16Bits(0x7f800001) & 0x7fff).toBeGreaterThan(0x7f80); // low-bit NaN stays NaN
    let n = checkBits(boundaryBits(bf16ToF32Bits), f32BitsToBf16Bits, BF16);
    const rnd = new Uint32Array(1 << 20);
    let s = 777;
    for (let i = 0; i < rnd.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; rnd[i] = s; }
    n += checkBits(rnd, f32BitsToBf16Bits, BF16);
    expect(n).toBeGreaterThan(1_000_000);
  });

  it('array forms match the scalar ones, at an offset', () => {
    const x = new Float32Array(randomFloats(1000, 3).map((v) => v * 70000));
    const xb = new Uint32Array(x.buffer);
    const h = toFloat16Bits(x.subarray(10), new Uint16Array(1000), 10);
    const bf = toBfloat16Bits(x);
    for (let i = 0; i < 1000; i++) {
      if (i >= 10) expect(h[i]).toBe(f32BitsToF16Bits(xb[i]));
      expect(bf[i]).toBe(f32BitsToBf16Bits(xb[i]));
    }
  });
});

// ------------------------------------------------------------ the tables

// x rotated with the tables in float32 arithmetic, as the kernel does: a*c - b*s, b*c + a*s.
function rotateWithTables(x, { cos, sin }, { headDim, rotaryDim, layout, numHeads, positions }) {
  const R2 = rotaryDim / 2;
  const y = Float32Array.from(x);
  const fr = Math.fround;
  const tokens = x.length / (numHeads * headDim);
  for (let t = 0; t < tokens; t++) {
    const p = positions[t];
    for (let h = 0; h < numHeads; h++) {
      const o = (t * numHeads + h) * headDim;
      for (let i = 0; i < R2; i++) {
        const ia = layout === 'half' ? o + i : o + 2 * i;
        const ib = layout === 'half' ? o + i + R2 : o + 2 * i + 1;
        const a = x[ia], b = x[ib], c = cos[p * R2 + i], s = sin[p * R2 + i];
        y[ia] = fr(fr(a * c) - fr(b * s));
        y[ib] = fr(fr(b * c) + fr(a * s));
      }
    }
  }
  return y;
}

function expectSameBits(a, b, what) {
  expect(a.length).toBe(b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) {
    // Zeros compare as values (the sign of a zero may differ: 1*c - 0*s with c = -0 is +0).
    if (ua[i] !== ub[i] && !(a[i] === 0 && b[i] === 0)) throw new Error(`${what}: element ${i}: ${a[i]} vs ${b[i]}`);
  }
}

const CONFIGS = [
  { name: 'default, half', config: { headDim: 64 } },
  { name: 'default, interleaved', config: { headDim: 64, layout: 'interleaved' } },
  { name: 'partial rotary 24 of 64, half', config: { headDim: 64, rotaryDim: 24, base: 500000 } },
  { name: 'partial rotary 24 of 64, interleaved', config: { headDim: 64, rotaryDim: 24, layout: 'interleaved' } },
  { name: 'linear x4', config: { headDim: 32, scaling: { type: 'linear', factor: 4 } } },
  { name: 'yarn x8 (attention factor != 1), interleaved', config: { headDim: 64, layout: 'interleaved', scaling: { type: 'yarn', factor: 8, originalMaxPositionEmbeddings: 4096 } } },
  { name: 'llama3', config: { headDim: 128, base: 500000, scaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 } } },
  // A table limit so small that most positions are computed per call, past the table.
  { name: 'cos/sin table limit 4 KiB', config: { headDim: 64, cacheLimitBytes: 4096 } },
];

function longropeConfig(layout = 'half') {
  const pairs = 16;
  return {
    headDim: 32, layout,
    scaling: {
      type: 'longrope', originalMaxPositionEmbeddings: 64, maxPositionEmbeddings: 1024,
      shortFactor: Array.from({ length: pairs }, (_, i) => 1 + i / 16),
      longFactor: Array.from({ length: pairs }, (_, i) => 2 + i / 4),
    },
  };
}

describe.each(BUILDS)('cosSinCache (%s build)', (build) => {
  let lib;
  beforeAll(async () => {
    lib = await loadBuild(build);
  });

  it.each(CONFIGS)('$name: rotating with the tables reproduces rope.apply bit for bit', ({ config }) => {
    const rope = lib.createRope(config);
    const length = 300;
    const t = cosSinCache(rope, { length });
    const R2 = rope.rotaryDim / 2;
    expect(t.cos).toBeInstanceOf(Float32Array);
    expect(t.cos.length).toBe(length * R2);
    expect(t.sin.length).toBe(length * R2);
    const numHeads = 3;
    const positions = Array.from({ length: 40 }, (_, i) => (i * 37) % length);
    const x = new Float32Array(randomFloats(positions.length * numHeads * rope.headDim, 11));
    const want = x.slice();
    rope.apply(want, { numHeads, positions, seqLen: length });
    const got = rotateWithTables(x, t, { headDim: rope.headDim, rotaryDim: rope.rotaryDim, layout: rope.layout, numHeads, positions });
    expectSameBits(got, want, 'table rotation vs apply');
    // And the rows are cos/sin times the attention factor (float64 check of what they are).
    const inv = rope.invFreq;
    const af = rope.attentionFactor;
    let err = 0;
    for (let p = 0; p < length; p++) {
      for (let i = 0; i < R2; i++) {
        err = Math.max(err, Math.abs(t.cos[p * R2 + i] - af * Math.cos(p * inv[i])), Math.abs(t.sin[p * R2 + i] - af * Math.sin(p * inv[i])));
      }
    }
    expect(err).toBeLessThan(3e-7 * af);
    rope.dispose();
  });

  it('a long table is built in blocks and equals per-position rows (every block boundary)', () => {
    const rope = lib.createRope({ headDim: 128, rotaryDim: 96 });
    const length = 2 * 1024 + 77; // blocks of 1024 tokens of headDim 128
    const big = cosSinCache(rope, { length });
    const R2 = 48;
    for (const p of [0, 1, 1023, 1024, 1025, 2047, 2048, length - 1]) {
      const x = new Float32Array(128);
      for (let i = 0; i < R2; i++) x[i] = 1;
      rope.apply(x, { numHeads: 1, positions: p });
      for (let i = 0; i < R2; i++) {
        expect(big.cos[p * R2 + i]).toBe(x[i]);
        expect(big.sin[p * R2 + i]).toBe(x[i + R2]);
      }
    }
    const small = cosSinCache(rope, { length: 5 });
    expectSameBits(big.cos.subarray(0, 5 * R2), small.cos, 'prefix');
    rope.dispose();
  });

  it('dynamic NTK: the default seqLen is length (what apply uses for positions 0..length-1); past the trained length each seqLen has its own table', () => {
    const rope = lib.createRope({ headDim: 32, scaling: { type: 'dynamic', factor: 2, maxPositionEmbeddings: 64 } });
    const length = 200;
    const t = cosSinCache(rope, { length });
    const x = new Float32Array(randomFloats(length * 2 * 32, 5));
    const want = x.slice();
    rope.apply(want, { numHeads: 2 }); // positions 0..199: seqLen 200
    const positions = Array.from({ length }, (_, i) => i);
    expectSameBits(rotateWithTables(x, t, { headDim: 32, rotaryDim: 32, layout: 'half', numHeads: 2, positions }), want, 'dynamic default');
    expectSameBits(cosSinCache(rope, { length, seqLen: length }).cos, t.cos, 'explicit seqLen = length');
    const at300 = cosSinCache(rope, { length, seqLen: 300 });
    const base = cosSinCache(rope, { length, seqLen: 64 });
    expect(at300.cos[199 * 16 + 8]).not.toBe(t.cos[199 * 16 + 8]);
    expect(base.cos[199 * 16 + 8]).not.toBe(t.cos[199 * 16 + 8]);
    // Every seqLen <= the trained length gives the unscaled table.
    expectSameBits(cosSinCache(rope, { length, seqLen: 10 }).cos, base.cos, 'seqLen 10 vs 64');
    rope.dispose();
  });

  it.each(['half', 'interleaved'])('longrope (%s): a short table (seqLen <= original) and a long one (seqLen > original), each equal to apply in its regime', (layout) => {
    const rope = lib.createRope(longropeConfig(layout));
    const short = cosSinCache(rope, { length: 64 }); // default seqLen 64 = original: short
    const long = cosSinCache(rope, { length: 256 }); // 256 > 64: long
    const longAt65 = cosSinCache(rope, { length: 256, seqLen: 65 });
    expectSameBits(long.cos, longAt65.cos, 'long regime at seqLen 65 and 256');
    const shortOver256 = cosSinCache(rope, { length: 256, seqLen: 64 });
    expectSameBits(shortOver256.cos.subarray(0, short.cos.length), short.cos, 'short regime prefix');
    expect(long.cos[10 * 16 + 5]).not.toBe(short.cos[10 * 16 + 5]);
    const positions = Array.from({ length: 30 }, (_, i) => i * 2);
    const x = new Float32Array(randomFloats(30 * 32, 8));
    for (const [table, seqLen] of [[short, 64], [long, 256]]) {
      const want = x.slice();
      rope.apply(want, { numHeads: 1, positions, seqLen });
      expectSameBits(rotateWithTables(x, table, { headDim: 32, rotaryDim: 32, layout, numHeads: 1, positions }), want, `longrope seqLen ${seqLen}`);
    }
    rope.dispose();
  });

  it('float16 and bfloat16 tables are the float32 table rounded to nearest even', () => {
    const rope = lib.createRope({ headDim: 64, rotaryDim: 48, scaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 512 } });
    const length = 1500;
    const t32 = cosSinCache(rope, { length });
    const t16 = cosSinCache(rope, { length, dtype: 'float16' });
    const tb16 = cosSinCache(rope, { length, dtype: 'bfloat16' });
    expect(t16.cos).toBeInstanceOf(Uint16Array);
    expect(tb16.sin).toBeInstanceOf(Uint16Array);
    expect(cosSinCache(rope, { length: 2, dtype: 'float32' }).cos).toBeInstanceOf(Float32Array);
    for (const k of ['cos', 'sin']) {
      const bits = new Uint32Array(t32[k].buffer);
      expect(t16[k].length).toBe(bits.length);
      for (let i = 0; i < bits.length; i++) {
        const v = t32[k][i];
        // The IEEE reference (zeros by value: the sign of a zero row entry is not kept by 1*c - 0*s).
        if (v !== 0) {
          expect(t16[k][i]).toBe(refEncode(v, F16));
          expect(tb16[k][i]).toBe(refEncode(v, BF16));
        } else {
          expect(t16[k][i] & 0x7fff).toBe(0);
          expect(tb16[k][i] & 0x7fff).toBe(0);
        }
      }
    }
    rope.dispose();
  });

  it('partial rotary: only rotaryDim/2 columns; channels past rotaryDim play no part', () => {
    const rope = lib.createRope({ headDim: 80, rotaryDim: 20, layout: 'interleaved' });
    const t = cosSinCache(rope, { length: 7 });
    expect(t.cos.length).toBe(7 * 10);
    const full = lib.createRope({ headDim: 20, layout: 'interleaved' });
    // Same frequencies (base 10000 over rotaryDim 20): the same rows.
    expectSameBits(cosSinCache(full, { length: 7 }).sin, t.sin, 'rotaryDim 20 of 80 vs headDim 20');
    rope.dispose();
    full.dispose();
  });

  it('M-RoPE: the table of text tokens (one position on every stream) is the 1-D table', () => {
    for (const mrope of [{ section: [16, 24, 24] }, { section: [24, 20, 20], mode: 'interleaved' }]) {
      const m = lib.createRope({ headDim: 128, base: 1e6, mrope });
      const plain = lib.createRope({ headDim: 128, base: 1e6 });
      const a = cosSinCache(m, { length: 1100 });
      const b = cosSinCache(plain, { length: 1100 });
      expectSameBits(a.cos, b.cos, `mrope ${mrope.section} cos`);
      expectSameBits(a.sin, b.sin, `mrope ${mrope.section} sin`);
      m.dispose();
      plain.dispose();
    }
  });

  it('bad arguments: RopeErrors naming the argument and the value', () => {
    const rope = lib.createRope({ headDim: 64, rotaryDim: 32 });
    expectRopeError(() => cosSinCache(rope), 'INVALID_TYPE', 'options must be an object, got undefined');
    expectRopeError(() => cosSinCache(rope, {}), 'LENGTH_INVALID', 'options.length must be an integer, got undefined');
    for (const v of [0, -3]) expectRopeError(() => cosSinCache(rope, { length: v }), 'LENGTH_INVALID', 'options.length must be >= 1', `got ${v}`);
    for (const [v, shown] of [[1.5, '1.5'], [NaN, 'NaN'], ['8', '"8"'], [Infinity, 'Infinity'], [8n, '8n']]) {
      expectRopeError(() => cosSinCache(rope, { length: v }), 'LENGTH_INVALID', 'options.length must be an integer', `got ${shown}`);
    }
    const maxLength = Math.floor(Math.floor((2 ** 31 - 1) / 4) / 16);
    const e = expectRopeError(() => cosSinCache(rope, { length: maxLength + 1 }), 'SIZE_OVERFLOW', `options.length must be <= ${maxLength} for rotaryDim 32`, `got ${maxLength + 1}`);
    expect(e.argument).toBe('options.length');
    expect(e.value).toBe(maxLength + 1);
    expectRopeError(() => cosSinCache(rope, { length: 4, dtype: 'fp16' }), 'DTYPE_INVALID', 'options.dtype must be one of "float32", "float16", "bfloat16"', 'got "fp16"');
    expectRopeError(() => cosSinCache(rope, { length: 4, dtype: null }), 'DTYPE_INVALID', 'got null');
    expectRopeError(() => cosSinCache(rope, { length: 4, maxPos: 4 }), 'UNKNOWN_OPTION', 'options.maxPos is not an option (known: length, dtype, seqLen)', 'got 4');
    for (const [v, shown] of [[0, '0'], [-1, '-1'], [NaN, 'NaN'], [Infinity, 'Infinity'], ['64', '"64"']]) {
      const err = expectRopeError(() => cosSinCache(rope, { length: 4, seqLen: v }), 'SEQ_LEN_INVALID', 'options.seqLen must be', `got ${shown}`);
      expect(err.argument).toBe('options.seqLen');
    }
    expectRopeError(() => cosSinCache(null, { length: 4 }), 'INVALID_TYPE', 'rope must be a Rope, got null');
    rope.dispose();
    expectRopeError(() => cosSinCache(rope, { length: 4 }), 'DISPOSED', 'cosSinCache: this Rope has been disposed');
  });
});
