// Tensors as runtimes hold them, on both builds: fp16 / bf16 (the float32 result rounded to
// nearest even, bit for bit), fused QKV (applyQKV; applyQK with k strides), an MLA slice,
// [B, H, S, D] batches, int64 positions, shift (exact for every scaling type, attention
// factor applied once), copied arrays and RopeBuffers alike, and every refusal named.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUILDS, loadBuild } from './builds.js';
import { expectRopeError } from './expect-error.js';
import { TOLERANCE, maxAbs, maxAbsDiff, randomFloats, range, referenceRope } from './reference.js';

const RUNS = Number(process.env.ROPE_PROPERTY_RUNS ?? 60);
const SEED = Number(process.env.ROPE_PROPERTY_SEED ?? 20261201);

// float32 -> 16-bit round to nearest even, written from the IEEE 754 rules (in float64).
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function toBf16(x) {
  f32[0] = x;
  const w = u32[0];
  if (Number.isNaN(f32[0])) return ((w >>> 16) | 0x40) & 0xffff;
  const lo = w & 0xffff0000;
  const hi = (lo + 0x10000) >>> 0;
  u32[0] = lo;
  const dlo = Math.abs(f32[0] - x);
  u32[0] = hi;
  const dhi = Math.abs(f32[0] - x);
  return dlo < dhi || (dlo === dhi && ((lo >>> 16) & 1) === 0) ? lo >>> 16 : hi >>> 16;
}
function fromBf16(h) {
  u32[0] = h << 16;
  return f32[0];
}
function toF16(x) {
  if (Number.isNaN(x)) return 0x7e00 | (Object.is(x, -0) || x < 0 ? 0x8000 : 0);
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00;
  let e = a === 0 ? -14 : Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1;
  if (2 ** (e + 1) <= a) e += 1;
  if (e < -14) e = -14;
  const q = 2 ** (e - 10);
  let m = Math.floor(a / q);
  const rem = a / q - m;
  if (rem > 0.5 || (rem === 0.5 && m % 2 === 1)) m += 1;
  const v = m * q;
  if (v === 0) return sign;
  let ve = Math.floor(Math.log2(v));
  if (2 ** ve > v) ve -= 1;
  if (ve < -14) return sign | (v / 2 ** -24);
  return sign | ((ve + 15) << 10) | Math.round((v / 2 ** ve - 1) * 1024);
}
function fromF16(h) {
  const e = (h >> 10) & 31;
  const m = h & 1023;
  const s = h & 0x8000 ? -1 : 1;
  if (e === 31) return m ? NaN : s * Infinity;
  if (e === 0) return s * m * 2 ** -24;
  return s * (1024 + m) * 2 ** (e - 25);
}
const CONV = { float16: { to: toF16, from: fromF16 }, bfloat16: { to: toBf16, from: fromBf16 } };

const bitsEqual = (a, b) => a.length === b.length && a.every((v, i) => v === b[i] || (Number.isNaN(v) && Number.isNaN(b[i])));

describe.each(BUILDS)('views on the %s build', (build) => {
  let lib;
  beforeAll(async () => {
    lib = await loadBuild(build);
  });

  for (const dtype of ['float16', 'bfloat16']) {
    it(`${dtype}: RopeBuffer and Uint16Array (copied in chunks) give the float32 result rounded to nearest even, bit for bit`, () => {
      const { to, from } = CONV[dtype];
      for (const layout of ['half', 'interleaved']) {
        const rope = lib.createRope({ headDim: 96, rotaryDim: 80, layout });
        for (const tokens of [1, 7, 300]) {
          const heads = 5;
          const f = randomFloats(tokens * heads * 96, tokens);
          for (let i = 0; i < f.length; i += 53) f[i] *= dtype === 'float16' ? 60000 : 1e30; // past fp16's range once rotated
          f[1] = NaN;
          const bits = Uint16Array.from(f, to);
          // The float32 path on the widened values, rounded.
          const wide = Float32Array.from(bits, from);
          rope.apply(wide, { numHeads: heads, positions: 4321 });
          const want = Uint16Array.from(wide, to);
          const viaArray = bits.slice();
          rope.apply(viaArray, { numHeads: heads, positions: 4321, dtype });
          expect(bitsEqual(viaArray, want), `${layout} ${tokens} Uint16Array`).toBe(true);
          const buf = lib.alloc(bits.length, { dtype });
          buf.view().set(bits);
          rope.apply(buf, { numHeads: heads, positions: 4321 });
          expect(bitsEqual(buf.view(), want), `${layout} ${tokens} RopeBuffer`).toBe(true);
          buf.dispose();
        }
        rope.dispose();
      }
    });
  }

  it('applyQKV on a fused buffer: q and k as applyQK on separate tensors, v untouched (both orders, copied and in place)', () => {
    const rope = lib.createRope({ headDim: 64, layout: 'interleaved' });
    const H = 8;
    const KV = 2;
    const D = 64;
    for (const tokens of [1, 300]) {
      for (const order of ['token-major', 'head-major']) {
        const all = H + 2 * KV;
        const qkv0 = randomFloats(tokens * all * D, tokens + all);
        // Gather q and k (and v) from the fused layout.
        const at = (t, h) => (order === 'token-major' ? (t * all + h) * D : (h * tokens + t) * D);
        const q = new Float32Array(tokens * H * D);
        const k = new Float32Array(tokens * KV * D);
        const qAt = (t, h, n) => (order === 'token-major' ? (t * n + h) * D : (h * tokens + t) * D);
        for (let t = 0; t < tokens; t++) {
          for (let h = 0; h < H; h++) q.set(qkv0.subarray(at(t, h), at(t, h) + D), qAt(t, h, H));
          for (let h = 0; h < KV; h++) k.set(qkv0.subarray(at(t, H + h), at(t, H + h) + D), qAt(t, h, KV));
        }
        const positions = Int32Array.from({ length: tokens }, (_, t) => 17 + 3 * t);
        rope.applyQK(q, k, { numHeads: H, numKvHeads: KV, positions, order });
        for (const where of ['array', 'buffer']) {
          let qkv = qkv0.slice();
          let buf = null;
          if (where === 'buffer') {
            buf = lib.alloc(qkv.length);
            buf.view().set(qkv0);
            rope.applyQKV(buf, { numHeads: H, numKvHeads: KV, positions, order });
            qkv = buf.view().slice();
            buf.dispose();
          } else {
            rope.applyQKV(qkv, { numHeads: H, numKvHeads: KV, positions, order });
          }
          for (let t = 0; t < tokens; t++) {
            for (let h = 0; h < all; h++) {
              const got = qkv.subarray(at(t, h), at(t, h) + D);
              const want = h < H ? q.subarray(qAt(t, h, H), qAt(t, h, H) + D)
                : h < H + KV ? k.subarray(qAt(t, h - H, KV), qAt(t, h - H, KV) + D) : qkv0.subarray(at(t, h), at(t, h) + D);
              if (!bitsEqual(got, want)) throw new Error(`${where} ${order} tokens ${tokens}: token ${t} head ${h} differs`);
            }
          }
        }
      }
    }
    rope.dispose();
  });

  it('applyQK with k strides on one fused buffer passed as q and k; overlapping q and k refused', () => {
    const rope = lib.createRope({ headDim: 32 });
    const H = 4;
    const KV = 2;
    const tokens = 9;
    const row = (H + 2 * KV) * 32;
    const qkv0 = randomFloats(tokens * row, 3);
    const a = qkv0.slice();
    rope.applyQKV(a, { numHeads: H, numKvHeads: KV, positions: 5 });
    const b = qkv0.slice();
    rope.applyQK(b, b, { numHeads: H, numKvHeads: KV, positions: 5, tokenStride: row, numTokens: tokens, kOffset: H * 32, kTokenStride: row });
    expect(bitsEqual(a, b)).toBe(true);
    const c = qkv0.slice();
    expectRopeError(() => rope.applyQK(c, c, { numHeads: H, numKvHeads: KV, tokenStride: row, numTokens: tokens, kOffset: (H - 1) * 32, kTokenStride: row }), 'ALIASED_TENSORS');
    expect(bitsEqual(c, qkv0)).toBe(true);
    rope.dispose();
  });

  it('an MLA slice (the last 64 of 192 channels of each head) and [B, H, S, D] batches with a start per sequence', () => {
    const rope = lib.createRope({ headDim: 64 });
    const heads = 3;
    const tokens = 11;
    const x0 = randomFloats(tokens * heads * 192, 4);
    const x = x0.slice();
    rope.apply(x, { numHeads: heads, offset: 128, headStride: 192, numTokens: tokens, positions: 40 });
    const slice = new Float32Array(tokens * heads * 64);
    for (let v = 0; v < tokens * heads; v++) slice.set(x0.subarray(v * 192 + 128, v * 192 + 192), v * 64);
    rope.apply(slice, { numHeads: heads, positions: 40 });
    for (let v = 0; v < tokens * heads; v++) {
      expect(bitsEqual(x.subarray(v * 192, v * 192 + 128), x0.subarray(v * 192, v * 192 + 128))).toBe(true);
      expect(bitsEqual(x.subarray(v * 192 + 128, v * 192 + 192), slice.subarray(v * 64, v * 64 + 64))).toBe(true);
    }
    // [B, H, S, D], B = 4, starts per sequence, against one head-major call per sequence.
    const B = 4;
    const S = 37;
    const y0 = randomFloats(B * heads * S * 64, 5);
    const starts = [0, 100, 7, 2 ** 20];
    const y = y0.slice();
    rope.apply(y, { numHeads: heads, order: 'head-major', batch: B, positions: starts });
    const z = y0.slice();
    for (let b = 0; b < B; b++) rope.apply(z.subarray(b * heads * S * 64, (b + 1) * heads * S * 64), { numHeads: heads, order: 'head-major', positions: starts[b] });
    expect(bitsEqual(y, z)).toBe(true);
    // One position per token, sequence-major, as BigInt64Array (int64 position_ids).
    const ids = BigInt64Array.from({ length: B * S }, (_, i) => BigInt(starts[Math.floor(i / S)] + (i % S)));
    const w = y0.slice();
    rope.apply(w, { numHeads: heads, order: 'head-major', batch: B, positions: ids });
    expect(bitsEqual(w, z)).toBe(true);
    rope.dispose();
  });

  it('shift: keys moved from one set of positions to another equal keys rotated there, for every scaling type', () => {
    const n = 16;
    const scalings = [
      null,
      { type: 'linear', factor: 4 },
      { type: 'yarn', factor: 8, originalMaxPositionEmbeddings: 4096 },
      { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 },
      { type: 'longrope', shortFactor: Array.from({ length: n }, (_, i) => 1 + i / 30), longFactor: Array.from({ length: n }, (_, i) => 1 + i / 3), originalMaxPositionEmbeddings: 4096, maxPositionEmbeddings: 131072 },
      { type: 'dynamic', factor: 2, maxPositionEmbeddings: 4096 },
      { type: 'proportional', partialRotaryFactor: 0.5 },
    ];
    for (const scaling of scalings) {
      for (const seqLen of [2048, 9000]) {
        const rope = lib.createRope({ headDim: 32, scaling });
        const heads = 2;
        const tokens = 40;
        const x0 = randomFloats(tokens * heads * 32, 6);
        const from = Int32Array.from({ length: tokens }, (_, t) => 1000 + t);
        const to = Int32Array.from({ length: tokens }, (_, t) => 4 + t);
        const keys = x0.slice();
        rope.apply(keys, { numHeads: heads, positions: from, seqLen });
        rope.shift(keys, { numHeads: heads, fromPositions: from, toPositions: to, seqLen });
        const ref = referenceRope(x0, { headDim: 32, invFreq: rope.frequencies({ seqLen }).freq, numHeads: heads, positions: Array.from(to), attentionFactor: rope.frequencies({ seqLen }).attentionFactor });
        const af = rope.frequencies({ seqLen }).attentionFactor;
        expect(maxAbsDiff(keys, ref), `${scaling?.type ?? 'none'} seqLen ${seqLen}`).toBeLessThanOrEqual(TOLERANCE * maxAbs(x0) * af);
        rope.dispose();
      }
    }
  });

  it('shift with two start positions moves every token by the same offset', () => {
    const rope = lib.createRope({ headDim: 32, scaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096 } });
    const x0 = randomFloats(5 * 2 * 32, 9);
    const keys = x0.slice();
    rope.apply(keys, { numHeads: 2, positions: 10 });
    rope.shift(keys, { numHeads: 2, fromPositions: 10, toPositions: 2 });
    const direct = x0.slice();
    rope.apply(direct, { numHeads: 2, positions: 2 });
    expect(maxAbsDiff(keys, direct)).toBeLessThanOrEqual(2 * TOLERANCE * maxAbs(x0) * rope.attentionFactor);
    rope.dispose();
  });

  it('shift applies the attention factor once: repeated shifts keep the norm, where rotating by a negative angle inflates it', () => {
    const rope = lib.createRope({ headDim: 64, scaling: { type: 'yarn', factor: 16, originalMaxPositionEmbeddings: 4096 } });
    const af = rope.attentionFactor;
    expect(af).toBeGreaterThan(1.2);
    const x0 = randomFloats(64, 7);
    const norm = (v) => Math.hypot(...v);
    const exact = x0.slice();
    const naive = x0.slice();
    rope.apply(exact, { numHeads: 1, positions: 500 });
    rope.apply(naive, { numHeads: 1, positions: 500 });
    const n0 = norm(exact);
    for (let i = 0; i < 5; i++) {
      rope.shift(exact, { numHeads: 1, fromPositions: 500 - 10 * i, toPositions: 490 - 10 * i });
      rope.apply(naive, { numHeads: 1, positions: -10 }); // the naive context shift: rotate by -10
    }
    expect(Math.abs(norm(exact) / n0 - 1)).toBeLessThan(1e-6);
    expect(norm(naive) / n0).toBeCloseTo(af ** 5, 4);
    rope.dispose();
  });

  it('property: random strides, offsets, orders, batches and dtypes equal gathering, a dense call and scattering back', () => {
    const arb = fc.record({
      half: fc.integer({ min: 1, max: 12 }),
      extra: fc.integer({ min: 0, max: 6 }),
      heads: fc.integer({ min: 1, max: 4 }),
      tokens: fc.integer({ min: 1, max: 40 }),
      batch: fc.integer({ min: 1, max: 3 }),
      order: fc.constantFrom('token-major', 'head-major'),
      gapH: fc.integer({ min: 0, max: 9 }),
      gapT: fc.integer({ min: 0, max: 9 }),
      offset: fc.integer({ min: 0, max: 20 }),
      dtype: fc.constantFrom('float32', 'float16', 'bfloat16'),
      inWasm: fc.boolean(),
      start: fc.integer({ min: -100, max: 100000 }),
      seed: fc.integer({ min: 1, max: 1 << 28 }),
    });
    fc.assert(fc.property(arb, (a) => {
      const D = 2 * a.half + 2 * a.extra;
      const R = 2 * a.half;
      const rope = lib.createRope({ headDim: D, rotaryDim: R });
      try {
        // Strides that never overlap: the inner dimension steps over the vector plus a gap.
        let hs; let ts; let bs;
        if (a.order === 'token-major') {
          hs = D + a.gapH;
          ts = a.heads * hs + a.gapT;
          bs = a.tokens * ts + 3;
        } else {
          ts = D + a.gapT;
          hs = a.tokens * ts + a.gapH;
          bs = a.heads * hs + 3;
        }
        const length = a.offset + (a.batch - 1) * bs + (a.tokens - 1) * ts + (a.heads - 1) * hs + D + 5;
        const f = randomFloats(length, a.seed);
        const is16 = a.dtype !== 'float32';
        const data0 = is16 ? Uint16Array.from(f, CONV[a.dtype].to) : f;
        const widen = (v) => (is16 ? CONV[a.dtype].from(v) : v);
        // Reference: gather each sequence's vectors (widened), rotate them densely, round, scatter.
        const want = data0.slice();
        for (let b = 0; b < a.batch; b++) {
          const dense = new Float32Array(a.tokens * a.heads * D);
          const at = (t, h) => a.offset + b * bs + t * ts + h * hs;
          for (let t = 0; t < a.tokens; t++) for (let h = 0; h < a.heads; h++) for (let i = 0; i < D; i++) dense[(t * a.heads + h) * D + i] = widen(data0[at(t, h) + i]);
          rope.apply(dense, { numHeads: a.heads, positions: a.start + 1000 * b });
          for (let t = 0; t < a.tokens; t++) {
            for (let h = 0; h < a.heads; h++) {
              for (let i = 0; i < R; i++) want[at(t, h) + i] = is16 ? CONV[a.dtype].to(dense[(t * a.heads + h) * D + i]) : dense[(t * a.heads + h) * D + i];
            }
          }
        }
        const options = { numHeads: a.heads, order: a.order, offset: a.offset, tokenStride: ts, headStride: hs, batchStride: bs, numTokens: a.tokens, batch: a.batch,
          positions: Array.from({ length: a.batch }, (_, b) => a.start + 1000 * b), dtype: a.dtype };
        let got;
        if (a.inWasm) {
          const buf = lib.alloc(length, { dtype: a.dtype });
          buf.view().set(data0);
          rope.apply(buf, options);
          got = buf.view().slice();
          buf.dispose();
        } else {
          got = data0.slice();
          rope.apply(got, options);
        }
        expect(bitsEqual(got, want)).toBe(true);
      } finally {
        rope.dispose();
      }
    }), { numRuns: RUNS, seed: SEED });
  });

  it('bad input: each a coded RopeError naming the argument, nothing written', () => {
    const rope = lib.createRope({ headDim: 64 });
    const u = new Uint16Array(2 * 64).fill(0x3c00);
    const u0 = u.slice();
    const x = randomFloats(4 * 64, 8);
    const x0 = x.slice();
    expectRopeError(() => rope.apply(u, { numHeads: 1 }), 'DTYPE_INVALID', 'options.dtype', 'Uint16Array');
    expectRopeError(() => rope.apply(u, { numHeads: 1, dtype: 'float32' }), 'DTYPE_INVALID', 'options.dtype');
    expectRopeError(() => rope.apply(x, { numHeads: 1, dtype: 'float16' }), 'DTYPE_INVALID', 'options.dtype', 'float32');
    expectRopeError(() => rope.apply(u, { numHeads: 1, dtype: 'half' }), 'DTYPE_INVALID', 'options.dtype');
    expectRopeError(() => lib.alloc(8, { dtype: 'f16' }), 'DTYPE_INVALID', 'options.dtype');
    expectRopeError(() => rope.apply(x, { numHeads: 2, tokenStride: 100, numTokens: 2 }), 'STRIDE_INVALID', 'options.tokenStride', 'overlap');
    expectRopeError(() => rope.apply(x, { numHeads: 1, tokenStride: 64, numTokens: 5 }), 'STRIDE_INVALID', 'x', 'too short');
    expectRopeError(() => rope.apply(x, { numHeads: 1, tokenStride: 64 }), 'LENGTH_INVALID', 'options.numTokens', 'required with strides');
    expectRopeError(() => rope.apply(x, { numHeads: 1, batch: 3 }), 'LENGTH_INVALID', 'x.length', 'batch (3)');
    expectRopeError(() => rope.apply(x, { numHeads: 1, batch: 2, positions: [1, 2, 3] }), 'POSITION_INVALID', 'options.positions', 'batch 2');
    expectRopeError(() => rope.apply(x, { numHeads: 1, positions: BigInt64Array.from([1n, 2n, 3n, 2n ** 33n]) }), 'POSITION_INVALID', 'options.positions[3]', 'int32');
    expectRopeError(() => rope.shift(x, { numHeads: 1, fromPositions: [1, 2, 3, 4], toPositions: [1, 2, 3] }), 'POSITION_INVALID', 'options.toPositions');
    expectRopeError(() => rope.shift(x, { numHeads: 1, toPositions: 3 }), 'POSITION_INVALID', 'options.fromPositions');
    expectRopeError(() => rope.applyQKV(new Float32Array(5 * 64), { numHeads: 2, numKvHeads: 1 }), 'LENGTH_INVALID', 'qkv.length', 'numHeads (4) x headDim (64)');
    expectRopeError(() => rope.applyQKV(x, { numHeads: 2 }), 'NUM_HEADS_INVALID', 'options.numKvHeads', 'required');
    expect(bitsEqual(u, u0)).toBe(true);
    expect(bitsEqual(x, x0)).toBe(true);
    rope.dispose();
  });
});
