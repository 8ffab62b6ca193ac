// Property tests (fast-check) on both wasm builds: the algebra of rotations (inverse,
// composition, norms, the relative property), SIMD == baseline, failed calls leave the
// caller's data alone, and NaN/Infinity reach only the pair they sit in.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { RopeError } from '../../dist/index.js';
import { BUILDS, loadBuild } from './builds.js';
import { TOLERANCE, defaultInvFreq, maxAbs, maxAbsDiff, randomFloats, referenceRope } from './reference.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
// Runs per property and build: enough to hit tails, both layouts and orders, in seconds.
const RUNS = Number(process.env.ROPE_PROPERTY_RUNS ?? 60);
const SEED = Number(process.env.ROPE_PROPERTY_SEED ?? 20261125);
const params = { numRuns: RUNS, seed: SEED };

// The codes of the README's "Errors" table.
const README_CODES = ['INVALID_TYPE', 'UNKNOWN_OPTION', 'HEAD_DIM_INVALID', 'ROTARY_DIM_INVALID', 'BASE_INVALID',
  'LAYOUT_INVALID', 'SCALING_INVALID', 'CACHE_LIMIT_INVALID', 'NUM_HEADS_INVALID', 'LENGTH_INVALID', 'POSITION_INVALID',
  'ORDER_INVALID', 'SEQ_LEN_INVALID', 'TOKEN_COUNT_MISMATCH', 'ALIASED_TENSORS', 'DISPOSED', 'FOREIGN_BUFFER',
  'SIZE_OVERFLOW', 'OUT_OF_MEMORY', 'SIMD_UNSUPPORTED', 'WASM_LOAD_FAILED', 'WASM_INVALID'];

// A random rope and tensor shape: tails (rotaryDim not a multiple of 8), partial rotary.
const shapeArb = fc.integer({ min: 1, max: 64 }).chain((halfHead) => fc.record({
  headDim: fc.constant(2 * halfHead),
  rotaryDim: fc.integer({ min: 1, max: halfHead }).map((h) => 2 * h),
  base: fc.oneof(fc.constantFrom(10000, 500000, 1e6), fc.double({ min: 1.5, max: 1e7, noNaN: true })),
  layout: fc.constantFrom('half', 'interleaved'),
  order: fc.constantFrom('token-major', 'head-major'),
  numHeads: fc.integer({ min: 1, max: 4 }),
  tokens: fc.integer({ min: 1, max: 6 }),
  seed: fc.integer({ min: 1, max: 1 << 30 }),
}));
const positionArb = fc.oneof(
  fc.integer({ min: -300, max: 20000 }),
  fc.integer({ min: INT32_MIN, max: INT32_MAX }),
  fc.constantFrom(0, -1, 2 ** 24, 2 ** 31 - 8, INT32_MIN),
);
// Halves of the int32 range: two of them add up to an int32.
const halfPositionArb = fc.oneof(fc.integer({ min: -5000, max: 5000 }), fc.integer({ min: -(2 ** 30), max: 2 ** 30 - 1 }));

function configOf(s) {
  return { headDim: s.headDim, rotaryDim: s.rotaryDim, base: s.base, layout: s.layout };
}

function vectorNorms(x, headDim) {
  const out = [];
  for (let v = 0; v < x.length; v += headDim) {
    let s = 0;
    for (let d = 0; d < headDim; d++) s += x[v + d] * x[v + d];
    out.push(Math.sqrt(s));
  }
  return out;
}

function dot(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

describe.each(BUILDS)('properties on the %s build', (build) => {
  let lib;
  beforeAll(async () => {
    lib = await loadBuild(build);
  });

  it('matches the float64 reference at random shapes and positions', () => {
    fc.assert(fc.property(shapeArb, fc.array(positionArb, { minLength: 6, maxLength: 6 }), (s, pos) => {
      const rope = lib.createRope(configOf(s));
      try {
        const positions = Int32Array.from(pos.slice(0, s.tokens));
        const x0 = randomFloats(s.tokens * s.numHeads * s.headDim, s.seed);
        const x = x0.slice();
        rope.apply(x, { numHeads: s.numHeads, positions, order: s.order });
        // The rope's own float64 frequencies: Math.pow(base, -2i/d) and the core's
        // 1/pow(base, 2i/d) may differ by an ulp, which near position 2^31 alone moves the
        // angle by ~2e-7 rad (both are "float64"; the rotation is what is under test here).
        const invFreq = rope.invFreq;
        const ideal = defaultInvFreq(s.base, s.rotaryDim);
        for (let i = 0; i < invFreq.length; i++) expect(Math.abs(invFreq[i] - ideal[i])).toBeLessThanOrEqual(4e-16 * ideal[i]);
        const ref = referenceRope(x0, { ...s, invFreq, positions });
        expect(maxAbsDiff(x, ref)).toBeLessThanOrEqual(TOLERANCE * maxAbs(x0));
      } finally {
        rope.dispose();
      }
    }), params);
  });

  it('inverse undoes forward (Float32Array and RopeBuffer paths)', () => {
    fc.assert(fc.property(shapeArb, positionArb, fc.boolean(), (s, start, useBuffer) => {
      fc.pre(start + s.tokens - 1 <= INT32_MAX);
      const rope = lib.createRope(configOf(s));
      const x0 = randomFloats(s.tokens * s.numHeads * s.headDim, s.seed);
      const buf = useBuffer ? lib.alloc(x0.length) : null;
      try {
        const o = { numHeads: s.numHeads, positions: start, order: s.order };
        let x = x0.slice();
        if (buf) buf.view().set(x0);
        rope.apply(buf ?? x, o);
        if (start !== 0 || s.tokens > 1) expect(maxAbsDiff(buf ? buf.view() : x, x0)).toBeGreaterThan(0); // it did rotate
        rope.apply(buf ?? x, { ...o, inverse: true });
        if (buf) x = buf.view();
        expect(maxAbsDiff(x, x0)).toBeLessThanOrEqual(2 * TOLERANCE * maxAbs(x0));
      } finally {
        buf?.dispose();
        rope.dispose();
      }
    }), params);
  });

  it('rotating by a, then by b, equals rotating by a + b', () => {
    fc.assert(fc.property(shapeArb, fc.array(fc.tuple(halfPositionArb, halfPositionArb), { minLength: 6, maxLength: 6 }),
      (s, ab) => {
        const rope = lib.createRope(configOf(s));
        try {
          const pairs = ab.slice(0, s.tokens);
          const a = Int32Array.from(pairs.map((p) => p[0]));
          const b = Int32Array.from(pairs.map((p) => p[1]));
          const sum = Int32Array.from(pairs.map((p) => p[0] + p[1]));
          const x0 = randomFloats(s.tokens * s.numHeads * s.headDim, s.seed);
          const twice = x0.slice();
          const once = x0.slice();
          const o = { numHeads: s.numHeads, order: s.order };
          rope.apply(twice, { ...o, positions: a });
          rope.apply(twice, { ...o, positions: b });
          rope.apply(once, { ...o, positions: sum });
          expect(maxAbsDiff(twice, once)).toBeLessThanOrEqual(4 * TOLERANCE * maxAbs(x0));
        } finally {
          rope.dispose();
        }
      }), params);
  });

  it('preserves the norm of every vector', () => {
    fc.assert(fc.property(shapeArb, positionArb, fc.boolean(), (s, start, inverse) => {
      fc.pre(start + s.tokens - 1 <= INT32_MAX);
      const rope = lib.createRope(configOf(s));
      try {
        const x0 = randomFloats(s.tokens * s.numHeads * s.headDim, s.seed);
        const x = x0.slice();
        rope.apply(x, { numHeads: s.numHeads, positions: start, order: s.order, inverse });
        const n0 = vectorNorms(x0, s.headDim);
        const n1 = vectorNorms(x, s.headDim);
        const bound = 2 * Math.sqrt(s.headDim) * TOLERANCE * maxAbs(x0);
        for (let v = 0; v < n0.length; v++) expect(Math.abs(n1[v] - n0[v])).toBeLessThanOrEqual(bound);
      } finally {
        rope.dispose();
      }
    }), params);
  });

  it('relative property: q(m).k(n) == q(m+s).k(n+s), through applyQK', () => {
    const shift = fc.integer({ min: -(2 ** 29), max: 2 ** 29 });
    fc.assert(fc.property(shapeArb, shift, shift, shift, (s, m, n, d) => {
      const rope = lib.createRope(configOf(s));
      try {
        const q0 = randomFloats(s.headDim, s.seed);
        const k0 = randomFloats(s.headDim, s.seed + 1);
        const score = (pq, pk) => {
          // q and k at different positions: two calls, each with its own position.
          const q = q0.slice();
          const k = k0.slice();
          rope.apply(q, { numHeads: 1, positions: pq });
          rope.apply(k, { numHeads: 1, positions: pk });
          return dot(q, k);
        };
        const qk = (p) => {
          // q and k at the same position: one applyQK call; the score is shift invariant (== q0.k0).
          const q = q0.slice();
          const k = k0.slice();
          rope.applyQK(q, k, { numHeads: 1, numKvHeads: 1, positions: p });
          return dot(q, k);
        };
        const nq = Math.sqrt(dot(q0, q0));
        const nk = Math.sqrt(dot(k0, k0));
        const bound = 8 * Math.sqrt(s.headDim) * TOLERANCE * nq * nk;
        expect(Math.abs(score(m, n) - score(m + d, n + d))).toBeLessThanOrEqual(bound);
        expect(Math.abs(qk(m) - dot(q0, k0))).toBeLessThanOrEqual(bound);
      } finally {
        rope.dispose();
      }
    }), params);
  });

  it('a failed call leaves the caller\'s data unchanged and throws a documented RopeError', () => {
    // Each mutation turns a good call into a bad one; some fail only after the scratch and
    // positions are prepared (so a half-done copy would show).
    const mutations = [
      ['numHeads not dividing', (o, s) => ({ ...o, numHeads: s.numHeads * s.headDim * s.tokens + 1 })],
      ['numHeads 0', (o) => ({ ...o, numHeads: 0 })],
      ['numHeads NaN', (o) => ({ ...o, numHeads: NaN })],
      ['positions count', (o, s) => ({ ...o, positions: new Int32Array(s.tokens + 1) })],
      ['positions NaN', (o, s) => ({ ...o, positions: Array.from({ length: s.tokens }, (_, i) => (i === s.tokens - 1 ? NaN : i)) })],
      ['positions past int32', (o, s) => ({ ...o, positions: INT32_MAX - s.tokens + 2 })],
      ['positions below int32', (o) => ({ ...o, positions: INT32_MIN - 1 })],
      ['positions 2^53', (o) => ({ ...o, positions: 2 ** 53 })],
      ['order', (o) => ({ ...o, order: 'row-major' })],
      ['seqLen', (o) => ({ ...o, seqLen: -1 })],
      ['seqLen Infinity', (o) => ({ ...o, seqLen: Infinity })],
      ['inverse', (o) => ({ ...o, inverse: 'yes' })],
      ['unknown option', (o) => ({ ...o, numHead: 1 })],
    ];
    fc.assert(fc.property(shapeArb, fc.integer({ min: 0, max: mutations.length - 1 }), fc.constantFrom('apply', 'applyQK'),
      fc.boolean(), (s, which, method, useBuffer) => {
        const rope = lib.createRope(configOf(s));
        const x0 = randomFloats(s.tokens * s.numHeads * s.headDim, s.seed);
        const k0 = randomFloats(s.tokens * s.headDim, s.seed + 7);
        const buf = useBuffer ? lib.alloc(x0.length) : null;
        try {
          const x = x0.slice();
          const k = k0.slice();
          if (buf) buf.view().set(x0);
          const good = { numHeads: s.numHeads, positions: 3, order: s.order };
          const bad = mutations[which][1](good, s);
          let err;
          try {
            if (method === 'apply') rope.apply(buf ?? x, bad);
            else rope.applyQK(buf ?? x, k, { ...bad, numKvHeads: 1 });
          } catch (e) {
            err = e;
          }
          expect(err, mutations[which][0]).toBeInstanceOf(RopeError);
          expect(README_CODES).toContain(err.code);
          expect(err.message.length).toBeGreaterThan(10);
          expect(buf ? buf.view() : x).toEqual(x0);
          expect(k).toEqual(k0);
        } finally {
          buf?.dispose();
          rope.dispose();
        }
      }), params);
  });

  describe('NaN and Infinity reach only their own pair', () => {
    for (const layout of ['half', 'interleaved']) {
      it(`${layout} layout, both orders, pass-through channels too`, () => {
        fc.assert(fc.property(shapeArb, positionArb, fc.constantFrom(NaN, Infinity, -Infinity), fc.nat(), (s0, start, bad, at) => {
          fc.pre(start + s0.tokens - 1 <= INT32_MAX);
          const s = { ...s0, layout };
          const rope = lib.createRope(configOf(s));
          try {
            const x0 = randomFloats(s.tokens * s.numHeads * s.headDim, s.seed);
            const idx = at % x0.length;
            const o = { numHeads: s.numHeads, positions: start, order: s.order };
            const clean = x0.slice();
            rope.apply(clean, o);
            const dirty = x0.slice();
            dirty[idx] = bad;
            rope.apply(dirty, o);
            // The partner of channel c in its vector (or none: a pass-through channel).
            const v = idx - (idx % s.headDim);
            const c = idx % s.headDim;
            const pairs = s.rotaryDim / 2;
            let partner = -1;
            if (c < s.rotaryDim) {
              if (layout === 'half') partner = v + (c < pairs ? c + pairs : c - pairs);
              else partner = v + (c % 2 === 0 ? c + 1 : c - 1);
            }
            for (let i = 0; i < x0.length; i++) {
              if (i === idx || i === partner) {
                expect(Number.isFinite(dirty[i]), `element ${i}`).toBe(false);
              } else {
                expect(Object.is(dirty[i], clean[i]), `element ${i} changed`).toBe(true);
              }
            }
            if (partner < 0) expect(Object.is(dirty[idx], bad)).toBe(true); // passes through as is
          } finally {
            rope.dispose();
          }
        }), params);
      });
    }
  });
});

describe('SIMD and baseline builds agree (properties)', () => {
  it('bit for bit at random shapes, positions, orders and directions', async () => {
    const [simd, base] = await Promise.all([loadBuild('simd'), loadBuild('baseline')]);
    expect(simd.simd).toBe(true);
    expect(base.simd).toBe(false);
    fc.assert(fc.property(shapeArb, positionArb, fc.boolean(), (s, start, inverse) => {
      fc.pre(start + s.tokens - 1 <= INT32_MAX);
      const a = simd.createRope(configOf(s));
      const b = base.createRope(configOf(s));
      try {
        const x0 = randomFloats(s.tokens * s.numHeads * s.headDim, s.seed);
        const x = x0.slice();
        const y = x0.slice();
        const o = { numHeads: s.numHeads, positions: start, order: s.order, inverse };
        a.apply(x, o);
        b.apply(y, o);
        // The README documents bit-identical results (well within the 3e-7 tolerance).
        expect(x).toEqual(y);
      } finally {
        a.dispose();
        b.dispose();
      }
    }), { ...params, numRuns: 2 * RUNS });
  });
});
