// The public API on both wasm builds against a float64 reference.
import { beforeAll, describe, expect, it } from 'vitest';
import { RopeError, loadRope } from '../../dist/index.js';
import { BUILDS, loadBuild } from './builds.js';
import { expectRopeError } from './expect-error.js';
import { TOLERANCE, defaultInvFreq, maxAbs, maxAbsDiff, randomFloats, range, referenceRope } from './reference.js';

function expectClose(actual, expected, x0, factor = 1) {
  const bound = TOLERANCE * maxAbs(x0) * factor;
  expect(maxAbsDiff(actual, expected)).toBeLessThanOrEqual(bound);
}

describe.each(BUILDS)('%s build', (build) => {
  let lib;
  beforeAll(async () => {
    lib = await loadBuild(build);
  });

  it('reports which build is running', () => {
    expect(lib.simd).toBe(build === 'simd');
  });

  it('config.numHeads / numKvHeads: exposed on the rope, applyQK\'s defaults; without them numKvHeads is required by name', () => {
    const rope = lib.createRope({ headDim: 64, numHeads: 4, numKvHeads: 2 });
    expect(rope.numHeads).toBe(4);
    expect(rope.numKvHeads).toBe(2);
    const q0 = randomFloats(3 * 4 * 64, 1);
    const k0 = randomFloats(3 * 2 * 64, 2);
    const q = q0.slice();
    const k = k0.slice();
    rope.applyQK(q, k, { positions: 10 });
    expectClose(q, referenceRope(q0, { headDim: 64, invFreq: rope.invFreq, numHeads: 4, positions: range(10, 3) }), q0);
    expectClose(k, referenceRope(k0, { headDim: 64, invFreq: rope.invFreq, numHeads: 2, positions: range(10, 3) }), k0);
    // apply rotates q or k, so it never guesses: numHeads stays required there.
    expectRopeError(() => rope.apply(q, { positions: 1 }), 'NUM_HEADS_INVALID', 'options.numHeads');
    rope.dispose();
    const plain = lib.createRope({ headDim: 64 });
    expect(plain.numHeads).toBe(null);
    const err = expectRopeError(() => plain.applyQK(q, k, { numHeads: 4 }), 'NUM_HEADS_INVALID', 'options.numKvHeads is required for applyQK', 'grouped-query');
    expect(err.argument).toBe('options.numKvHeads');
    expectRopeError(() => lib.createRope({ headDim: 64, numKvHeads: 0 }), 'NUM_HEADS_INVALID', 'config.numKvHeads');
    plain.dispose();
  });

  const shapes = [
    { headDim: 128, rotaryDim: 128, numHeads: 4, tokens: 5 },
    { headDim: 64, rotaryDim: 64, numHeads: 3, tokens: 300 },
    { headDim: 256, rotaryDim: 64, numHeads: 2, tokens: 4 }, // GPT-J: 64 of 256 rotate
    { headDim: 80, rotaryDim: 32, numHeads: 2, tokens: 3 }, // Phi-2: 0.4 of 80
    { headDim: 6, rotaryDim: 6, numHeads: 1, tokens: 7 }, // odd pair count: tails only
    { headDim: 10, rotaryDim: 6, numHeads: 3, tokens: 2 },
  ];
  for (const layout of ['half', 'interleaved']) {
    for (const order of ['token-major', 'head-major']) {
      for (const s of shapes) {
        it(`matches float64 (${layout}, ${order}, headDim ${s.headDim}, rotaryDim ${s.rotaryDim})`, () => {
          const rope = lib.createRope({ headDim: s.headDim, rotaryDim: s.rotaryDim, layout });
          const x0 = randomFloats(s.tokens * s.numHeads * s.headDim, s.headDim + s.tokens);
          const x = x0.slice();
          rope.apply(x, { numHeads: s.numHeads, positions: 11, order });
          const ref = referenceRope(x0, { ...s, layout, order, invFreq: defaultInvFreq(10000, s.rotaryDim), positions: range(11, s.tokens) });
          expectClose(x, ref, x0);
          // Pass-through channels are untouched, bit for bit.
          for (let v = 0; v < s.tokens * s.numHeads; v++) {
            for (let d = s.rotaryDim; d < s.headDim; d++) expect(x[v * s.headDim + d]).toBe(x0[v * s.headDim + d]);
          }
          rope.dispose();
        });
      }
    }
  }

  it('is exact at huge positions (up to 2^24 and past 10^6), both layouts', () => {
    const positions = Int32Array.from([0, 1, 1000, 65535, 1_000_000, 2 ** 20 + 7, 2 ** 24 - 1, 2 ** 24, 2 ** 31 - 1, -3, -(2 ** 24)]);
    for (const layout of ['half', 'interleaved']) {
      for (const base of [10000, 500000, 1e6]) {
        const rope = lib.createRope({ headDim: 128, base, layout });
        const x0 = randomFloats(positions.length * 2 * 128, 3);
        const x = x0.slice();
        rope.apply(x, { numHeads: 2, positions });
        const ref = referenceRope(x0, { headDim: 128, layout, invFreq: defaultInvFreq(base, 128), numHeads: 2, positions });
        expectClose(x, ref, x0);
        rope.dispose();
      }
    }
  });

  it('reports invFreq in float64 and attentionFactor 1', () => {
    const rope = lib.createRope({ headDim: 128, rotaryDim: 64, base: 500000 });
    const f = rope.invFreq;
    expect(f).toBeInstanceOf(Float64Array);
    expect(f.length).toBe(32);
    const ref = defaultInvFreq(500000, 64);
    for (let i = 0; i < 32; i++) expect(Math.abs(f[i] - ref[i]) / ref[i]).toBeLessThan(1e-15);
    expect(rope.attentionFactor).toBe(1);
    expect([rope.headDim, rope.rotaryDim, rope.base, rope.layout]).toEqual([128, 64, 500000, 'half']);
    f[0] = 42; // a copy: the rope is not affected
    expect(rope.invFreq[0]).toBe(1);
    rope.dispose();
  });

  it('offsets and per-token positions (number, Int32Array, number[]) agree with the reference', () => {
    const rope = lib.createRope({ headDim: 32 });
    const x0 = randomFloats(5 * 2 * 32, 8);
    const positions = [7, 3, 1_000_000, 0, 7];
    for (const p of [positions, Int32Array.from(positions)]) {
      const x = x0.slice();
      rope.apply(x, { numHeads: 2, positions: p });
      expectClose(x, referenceRope(x0, { headDim: 32, invFreq: rope.invFreq, numHeads: 2, positions }), x0);
    }
    const a = x0.slice();
    rope.apply(a, { numHeads: 2, positions: 40 });
    const b = x0.slice();
    rope.apply(b, { numHeads: 2, positions: range(40, 5) });
    expect(a).toEqual(b);
    const c = x0.slice();
    rope.apply(c, { numHeads: 2 }); // default offset 0
    expectClose(c, referenceRope(x0, { headDim: 32, invFreq: rope.invFreq, numHeads: 2, positions: range(0, 5) }), x0);
    rope.dispose();
  });

  it('inverse undoes forward, and equals the negated-angle reference', () => {
    for (const layout of ['half', 'interleaved']) {
      const rope = lib.createRope({ headDim: 64, rotaryDim: 48, layout });
      const x0 = randomFloats(20 * 4 * 64, 4);
      const x = x0.slice();
      rope.apply(x, { numHeads: 4, positions: 123456 });
      rope.apply(x, { numHeads: 4, positions: 123456, inverse: true });
      expectClose(x, x0, x0, 2);
      const y = x0.slice();
      rope.apply(y, { numHeads: 4, positions: 99, inverse: true });
      expectClose(y, referenceRope(x0, { headDim: 64, rotaryDim: 48, layout, invFreq: rope.invFreq, numHeads: 4, positions: range(99, 20), inverse: true }), x0);
      rope.dispose();
    }
  });

  it('applyQK rotates grouped-query q and k like two applies, both orders', () => {
    for (const order of ['token-major', 'head-major']) {
      const rope = lib.createRope({ headDim: 64, layout: 'interleaved' });
      const tokens = 9;
      const q0 = randomFloats(tokens * 8 * 64, 1);
      const k0 = randomFloats(tokens * 2 * 64, 2);
      const q = q0.slice();
      const k = k0.slice();
      rope.applyQK(q, k, { numHeads: 8, numKvHeads: 2, positions: 500, order });
      const q2 = q0.slice();
      const k2 = k0.slice();
      rope.apply(q2, { numHeads: 8, positions: 500, order });
      rope.apply(k2, { numHeads: 2, positions: 500, order });
      expect(q).toEqual(q2);
      expect(k).toEqual(k2);
      expectClose(k, referenceRope(k0, { headDim: 64, layout: 'interleaved', invFreq: rope.invFreq, numHeads: 2, positions: range(500, tokens), order }), k0);
      rope.dispose();
    }
  });

  it('the score q(m).k(n) depends only on m - n (relative property)', () => {
    const rope = lib.createRope({ headDim: 64 });
    const q0 = randomFloats(64, 21);
    const k0 = randomFloats(64, 22);
    const score = (m, n) => {
      const q = q0.slice();
      const k = k0.slice();
      rope.apply(q, { numHeads: 1, positions: m });
      rope.apply(k, { numHeads: 1, positions: n });
      let s = 0;
      for (let i = 0; i < 64; i++) s += q[i] * k[i];
      return s;
    };
    const s0 = score(2, 4);
    for (const [m, n] of [[9, 11], [1000, 1002], [100000, 100002], [-7, -5]]) {
      expect(Math.abs(score(m, n) - s0)).toBeLessThan(2e-5);
    }
    expect(Math.abs(score(2, 40) - s0)).toBeGreaterThan(1e-3); // another distance, another score
    rope.dispose();
  });

  it('preserves the norm of every vector', () => {
    const rope = lib.createRope({ headDim: 128 });
    const x0 = randomFloats(16 * 128, 5);
    const x = x0.slice();
    rope.apply(x, { numHeads: 1, positions: 77777 });
    for (let t = 0; t < 16; t++) {
      let a = 0;
      let b = 0;
      for (let d = 0; d < 128; d++) {
        a += x0[t * 128 + d] ** 2;
        b += x[t * 128 + d] ** 2;
      }
      expect(Math.abs(Math.sqrt(a) - Math.sqrt(b)) / Math.sqrt(a)).toBeLessThan(1e-6);
    }
    rope.dispose();
  });

  it('RopeBuffer: zero-copy apply, and valid after the heap grows', () => {
    const rope = lib.createRope({ headDim: 64 });
    const buf = lib.alloc(3 * 2 * 64);
    expect(buf.length).toBe(384);
    expect(buf.view().every((v) => v === 0)).toBe(true);
    const x0 = randomFloats(384, 6);
    buf.view().set(x0);
    const before = lib.heapStats().memoryBytes;
    const big = lib.alloc(16 * 1024 * 1024); // 64 MiB: forces memory.grow
    expect(lib.heapStats().memoryBytes).toBeGreaterThan(before);
    expect(buf.view().length).toBe(384); // a fresh view after growth
    expect(buf.view()).toEqual(x0);
    rope.apply(buf, { numHeads: 2, positions: 5 });
    expectClose(buf.view(), referenceRope(x0, { headDim: 64, invFreq: rope.invFreq, numHeads: 2, positions: range(5, 3) }), x0);
    // A view of the wasm heap passed as a Float32Array is also rotated in place.
    const v = buf.view();
    rope.apply(v, { numHeads: 2, positions: 5, inverse: true });
    expectClose(buf.view(), x0, x0, 2);
    big.dispose();
    buf.dispose();
    rope.dispose();
  });

  it('alloc gives 64-byte-aligned buffers, page-aligned from 64 KiB, whatever was allocated before', () => {
    const held = [];
    // Odd sizes in between: wasm's malloc alone would hand out blocks at 8 mod 16.
    for (const length of [1, 3, 5, 7, 100, 4096, 12345, 2, 32 * 128, 16 * 1024, 16 * 1024 + 3, 2048 * 32 * 128]) {
      const buf = lib.alloc(length);
      const align = 4 * length >= 64 * 1024 ? 4096 : 64;
      expect(buf.view().byteOffset % align, `alloc(${length})`).toBe(0);
      held.push(buf, lib.alloc(length % 7 + 1));
    }
    for (const b of held) b.dispose();
  });

  it('a stale view (taken before memory grew) is an error, not a silent no-op', () => {
    const rope = lib.createRope({ headDim: 8 });
    const buf = lib.alloc(8);
    const stale = buf.view();
    const big = lib.alloc(48 * 1024 * 1024); // grows memory: `stale` is detached
    expect(stale.length).toBe(0);
    expect(() => rope.apply(stale, { numHeads: 1, positions: 1 })).toThrow(expect.objectContaining({ code: 'INVALID_TYPE', message: expect.stringContaining('stale view') }));
    big.dispose();
    buf.dispose();
    rope.dispose();
  });

  it('positions that live in wasm memory survive the call growing memory', async () => {
    const fresh = await loadRope({ simd: build === 'simd' }); // 16 MiB of memory to start with
    const rope = fresh.createRope({ headDim: 16 });
    const tokens = 4;
    const holder = fresh.alloc(tokens);
    const v = holder.view();
    const positions = new Int32Array(v.buffer, v.byteOffset, tokens);
    positions.set([5, 900, 3, 70000]);
    const heads = 1 << 16; // a 16 MiB tensor: copying it in must grow memory
    const x0 = randomFloats(tokens * heads * 16, 12);
    const x = x0.slice();
    const before = fresh.heapStats().memoryBytes;
    rope.apply(x, { numHeads: heads, positions, order: 'head-major' });
    expect(fresh.heapStats().memoryBytes).toBeGreaterThan(before);
    expectClose(x, referenceRope(x0, { headDim: 16, invFreq: rope.invFreq, numHeads: heads, positions: [5, 900, 3, 70000], order: 'head-major' }), x0);
    holder.dispose();
    rope.dispose();
  });

  it('applyQK takes RopeBuffers and Float32Arrays mixed', () => {
    const rope = lib.createRope({ headDim: 16 });
    const q = lib.alloc(2 * 4 * 16);
    const q0 = randomFloats(q.length, 9);
    q.view().set(q0);
    const k = randomFloats(2 * 1 * 16, 10);
    const k0 = k.slice();
    rope.applyQK(q, k, { numHeads: 4, numKvHeads: 1, positions: [3, 8] });
    expectClose(q.view(), referenceRope(q0, { headDim: 16, invFreq: rope.invFreq, numHeads: 4, positions: [3, 8] }), q0);
    expectClose(k, referenceRope(k0, { headDim: 16, invFreq: rope.invFreq, numHeads: 1, positions: [3, 8] }), k0);
    q.dispose();
    rope.dispose();
  });

  it('large Float32Arrays (the chunked copying path) match the reference, offsets and per-token positions', () => {
    const rope = lib.createRope({ headDim: 128, layout: 'interleaved' });
    const tokens = 300; // 300 x 8 x 128 floats = 1.2 MiB: copied in chunks
    const x0 = randomFloats(tokens * 8 * 128, 31);
    const positions = Int32Array.from({ length: tokens }, (_, t) => (t * 7919) % 100000 - 500);
    const x = x0.slice();
    rope.apply(x, { numHeads: 8, positions });
    expectClose(x, referenceRope(x0, { headDim: 128, layout: 'interleaved', invFreq: rope.invFreq, numHeads: 8, positions }), x0);
    const y = x0.slice();
    rope.apply(y, { numHeads: 8, positions: 70000 });
    expectClose(y, referenceRope(x0, { headDim: 128, layout: 'interleaved', invFreq: rope.invFreq, numHeads: 8, positions: range(70000, tokens) }), x0);
    rope.apply(y, { numHeads: 8, positions: 70000, inverse: true });
    expectClose(y, x0, x0, 2);
    rope.dispose();
  });

  it('zero tokens is a no-op', () => {
    const rope = lib.createRope({ headDim: 8 });
    expect(() => rope.apply(new Float32Array(0), { numHeads: 3 })).not.toThrow();
    rope.dispose();
  });
});

describe('SIMD and baseline builds agree', () => {
  it('bit for bit, both layouts, with tails', async () => {
    const [simd, base] = await Promise.all([loadBuild('simd'), loadBuild('baseline')]);
    for (const layout of ['half', 'interleaved']) {
      for (const rotaryDim of [2, 6, 8, 14, 64, 126, 128]) {
        const cfg = { headDim: 128, rotaryDim, layout };
        const a = simd.createRope(cfg);
        const b = base.createRope(cfg);
        const x0 = randomFloats(7 * 5 * 128, rotaryDim);
        const x = x0.slice();
        const y = x0.slice();
        a.apply(x, { numHeads: 5, positions: 1000 });
        b.apply(y, { numHeads: 5, positions: 1000 });
        expect(x).toEqual(y);
        a.dispose();
        b.dispose();
      }
    }
  });
});

describe.each(BUILDS)('bad input on the %s build', (build) => {
  let lib;
  beforeAll(async () => {
    lib = await loadBuild(build);
  });

  it('bad configs name the argument and value', () => {
    expectRopeError(() => lib.createRope({ headDim: 7 }), 'HEAD_DIM_INVALID', 'config.headDim', 'even', '7');
    expectRopeError(() => lib.createRope({ headDim: 0 }), 'HEAD_DIM_INVALID', 'config.headDim', '0');
    expectRopeError(() => lib.createRope({ headDim: '64' }), 'HEAD_DIM_INVALID', 'config.headDim', '"64"');
    expectRopeError(() => lib.createRope({ headDim: 64, rotaryDim: 128 }), 'ROTARY_DIM_INVALID', 'config.rotaryDim', '<= headDim', '128');
    expectRopeError(() => lib.createRope({ headDim: 64, rotaryDim: 33 }), 'ROTARY_DIM_INVALID', 'even', '33');
    expectRopeError(() => lib.createRope({ headDim: 64, base: -1 }), 'BASE_INVALID', 'config.base', '-1');
    expectRopeError(() => lib.createRope({ headDim: 64, base: NaN }), 'BASE_INVALID', 'config.base', 'NaN');
    expectRopeError(() => lib.createRope({ headDim: 64, layout: 'neox' }), 'LAYOUT_INVALID', 'config.layout', '"neox"');
    expectRopeError(() => lib.createRope({ headDim: 64, rope_theta: 5 }), 'UNKNOWN_OPTION', 'config.rope_theta');
    expectRopeError(() => lib.createRope(null), 'INVALID_TYPE', 'config', 'null');
  });

  it('bad apply arguments name the argument and value, and leave the data alone', () => {
    const rope = lib.createRope({ headDim: 8 });
    const x = randomFloats(24, 1);
    const x0 = x.slice();
    expectRopeError(() => rope.apply(x, { numHeads: 5 }), 'LENGTH_INVALID', 'x.length', '24');
    expectRopeError(() => rope.apply(x, { numHeads: 0 }), 'NUM_HEADS_INVALID', 'options.numHeads', '0');
    expectRopeError(() => rope.apply(x, { numHeads: 1.5 }), 'NUM_HEADS_INVALID', 'options.numHeads', '1.5');
    expectRopeError(() => rope.apply(x, { numHeads: 1, positions: 1.5 }), 'POSITION_INVALID', 'options.positions', '1.5');
    expectRopeError(() => rope.apply(x, { numHeads: 1, positions: Infinity }), 'POSITION_INVALID', 'options.positions', 'Infinity');
    expectRopeError(() => rope.apply(x, { numHeads: 1, positions: NaN }), 'POSITION_INVALID', 'NaN');
    expectRopeError(() => rope.apply(x, { numHeads: 1, positions: [0, 1, NaN] }), 'POSITION_INVALID', 'options.positions[2]', 'NaN');
    expectRopeError(() => rope.apply(x, { numHeads: 1, positions: [0, 1, 2.5] }), 'POSITION_INVALID', 'options.positions[2]', '2.5');
    expectRopeError(() => rope.apply(x, { numHeads: 1, positions: [0, 1] }), 'POSITION_INVALID', 'one position per token (3)');
    expectRopeError(() => rope.apply(x, { numHeads: 1, positions: 2 ** 31 - 2 }), 'POSITION_INVALID', '2147483646');
    expectRopeError(() => rope.apply(x, { numHeads: 1, positions: new Float32Array(3) }), 'POSITION_INVALID', 'Float32Array');
    expectRopeError(() => rope.apply(x, { numHeads: 1, order: 'row-major' }), 'ORDER_INVALID', 'options.order', '"row-major"');
    expectRopeError(() => rope.apply(x, { numHeads: 1, inverse: 1 }), 'INVALID_TYPE', 'options.inverse', '1');
    expectRopeError(() => rope.apply(x, { numHeads: 1, heads: 1 }), 'UNKNOWN_OPTION', 'options.heads');
    expectRopeError(() => rope.apply(Array.from(x), { numHeads: 1 }), 'INVALID_TYPE', 'x', 'Array');
    expectRopeError(() => rope.apply(new Float64Array(24), { numHeads: 1 }), 'INVALID_TYPE', 'x', 'Float64Array');
    expectRopeError(() => rope.apply(x), 'INVALID_TYPE', 'options', 'undefined');
    expect(x).toEqual(x0);
    const k = randomFloats(16, 2);
    expectRopeError(() => rope.applyQK(x, k, { numHeads: 1, numKvHeads: 1 }), 'TOKEN_COUNT_MISMATCH', 'k', 'numKvHeads');
    expectRopeError(() => rope.applyQK(x, x, { numHeads: 1, numKvHeads: 1 }), 'ALIASED_TENSORS');
    // Two different arrays over overlapping bytes of one buffer are aliased too.
    const shared = randomFloats(24, 3);
    const sharedCopy = shared.slice();
    expectRopeError(() => rope.applyQK(shared.subarray(0, 16), shared.subarray(8, 24), { numHeads: 1, numKvHeads: 1 }), 'ALIASED_TENSORS');
    expect(shared).toEqual(sharedCopy);
    // Options are read once: a getter that changes its answer cannot slip past validation.
    let reads = 0;
    const sneaky = { get numHeads() { reads++; return reads === 1 ? 3 : 1; } };
    const y = randomFloats(24, 4);
    rope.apply(y, sneaky); // validated and applied as 3 heads x 1 token
    expect(reads).toBe(1);
    expectRopeError(() => rope.applyQK(x, k, { numHeads: 1 }), 'NUM_HEADS_INVALID', 'options.numKvHeads', 'undefined');
    expect(x).toEqual(x0);
    rope.dispose();
  });

  // apply(RopeBuffer or small Float32Array, { numHeads, positions: number }) is checked
  // inline (the decode path); it must give the general path's bits, errors, read-once
  // options and state.
  it('the inline RopeBuffer path equals the general path', () => {
    for (const layout of ['half', 'interleaved']) {
      for (const [headDim, numHeads, tokens] of [[128, 4, 3], [6, 2, 5], [64, 3, 1]]) {
        const rope = lib.createRope({ headDim, layout });
        const x0 = randomFloats(tokens * numHeads * headDim, headDim + tokens);
        const buf = lib.alloc(x0.length);
        buf.view().set(x0);
        rope.apply(buf, { numHeads, positions: 4093 }); // inline path
        const y = x0.slice();
        rope.apply(y, { numHeads, positions: Int32Array.from(range(4093, tokens)) }); // general path
        expect(buf.view()).toEqual(y);
        const z = x0.slice();
        rope.apply(z, { numHeads, positions: 4093 }); // inline copying path
        expect(z).toEqual(y);
        buf.dispose();
        rope.dispose();
      }
    }
    const rope = lib.createRope({ headDim: 8 });
    const buf = lib.alloc(16);
    const x0 = randomFloats(16, 9);
    buf.view().set(x0);
    expectRopeError(() => rope.apply(buf, { numHeads: 1, positions: 1.5 }), 'POSITION_INVALID', 'options.positions', '1.5');
    expectRopeError(() => rope.apply(buf, { numHeads: 1, positions: 2 ** 31 - 1 }), 'POSITION_INVALID', 'options.positions', 'last token');
    expectRopeError(() => rope.apply(buf, { numHeads: 1, positions: -(2 ** 31) - 1 }), 'POSITION_INVALID', 'options.positions');
    expectRopeError(() => rope.apply(buf, { numHeads: 0 }), 'NUM_HEADS_INVALID', 'options.numHeads', '0');
    expectRopeError(() => rope.apply(buf, { numHeads: 3 }), 'LENGTH_INVALID', 'x.length', '16');
    expectRopeError(() => rope.apply(buf, { numHeads: 1, position: 3 }), 'UNKNOWN_OPTION', 'options.position');
    // numKvHeads belongs to applyQK only; applyQK refuses unknown keys too.
    expectRopeError(() => rope.apply(buf, { numHeads: 1, numKvHeads: 1 }), 'UNKNOWN_OPTION', 'options.numKvHeads');
    const kbuf = lib.alloc(16);
    expectRopeError(() => rope.applyQK(buf, kbuf, { numHeads: 1, numKvHeads: 1, position: 3 }), 'UNKNOWN_OPTION', 'options.position');
    expectRopeError(() => rope.applyQK(buf, kbuf, { numHeads: 1, numKvHeads: 1, numKVHeads: 1 }), 'UNKNOWN_OPTION', 'options.numKVHeads');
    kbuf.dispose();
    expect(buf.view()).toEqual(x0);
    // Every documented option is accepted, by apply and by applyQK.
    const all = { numHeads: 1, positions: 2, order: 'token-major', inverse: false, seqLen: 8 };
    const viaAll = x0.slice();
    rope.apply(viaAll, all);
    const viaFew = x0.slice();
    rope.apply(viaFew, { numHeads: 1, positions: 2, seqLen: 8 });
    expect(viaAll).toEqual(viaFew);
    const q2 = x0.slice();
    const k2 = x0.slice();
    rope.applyQK(q2, k2, { ...all, numKvHeads: 1 });
    expect(q2).toEqual(viaFew);
    expect(k2).toEqual(viaFew);
    // Inherited enumerable keys are not options (only own keys are checked).
    const inherited = Object.create({ extra: 1 });
    inherited.numHeads = 1;
    inherited.positions = 0;
    const viaPlain = x0.slice();
    rope.apply(viaPlain, { numHeads: 1, positions: 0 });
    expect(() => rope.apply(buf, inherited)).not.toThrow();
    expect(buf.view()).toEqual(viaPlain);
    buf.view().set(x0);
    const arr = x0.slice();
    expectRopeError(() => rope.apply(arr, { numHeads: 1, positions: 2 ** 31 - 1 }), 'POSITION_INVALID', 'options.positions');
    expectRopeError(() => rope.apply(arr, { numHeads: 3 }), 'LENGTH_INVALID', 'x.length', '16');
    expect(arr).toEqual(x0);
    // Read once, also when the inline checks hand over to the general path.
    let reads = 0;
    const sneaky = { get numHeads() { reads++; return reads === 1 ? 2 : 1; }, positions: 0.5 };
    expectRopeError(() => rope.apply(buf, sneaky), 'POSITION_INVALID', 'options.positions');
    expect(reads).toBe(1);
    rope.apply(buf, { numHeads: 2, positions: -3 }); // negative positions rotate backwards
    const ref = referenceRope(x0, { headDim: 8, numHeads: 2, layout: 'half', invFreq: defaultInvFreq(10000, 8), positions: [-3] });
    expectClose(buf.view(), ref, x0);
    buf.dispose();
    rope.dispose();
    // applyQK's inline path: same bits as the general path, same errors.
    for (const layout of ['half', 'interleaved']) {
      const r = lib.createRope({ headDim: 128, layout });
      const q0 = randomFloats(2 * 4 * 128, 21), k0 = randomFloats(2 * 2 * 128, 22);
      const qb = lib.alloc(q0.length), kb = lib.alloc(k0.length);
      qb.view().set(q0);
      kb.view().set(k0);
      r.applyQK(qb, kb, { numHeads: 4, numKvHeads: 2, positions: 77 });
      const q = q0.slice(), k = k0.slice();
      r.applyQK(q, k, { numHeads: 4, numKvHeads: 2, positions: [77, 78] });
      expect(qb.view()).toEqual(q);
      expect(kb.view()).toEqual(k);
      qb.view().set(q0);
      expectRopeError(() => r.applyQK(qb, qb, { numHeads: 4, numKvHeads: 4 }), 'ALIASED_TENSORS');
      expectRopeError(() => r.applyQK(qb, kb, { numHeads: 4, numKvHeads: 1 }), 'TOKEN_COUNT_MISMATCH', 'k');
      expectRopeError(() => r.applyQK(qb, kb, { numHeads: 4, numKvHeads: 0 }), 'NUM_HEADS_INVALID', 'options.numKvHeads', '0');
      expectRopeError(() => r.applyQK(qb, kb, { numHeads: 4, numKvHeads: 2, positions: 2 ** 31 - 1 }), 'POSITION_INVALID', 'options.positions');
      let kvReads = 0;
      const sneakyQK = { numHeads: 4, get numKvHeads() { kvReads++; return kvReads === 1 ? 2 : 4; }, positions: 0.5 };
      expectRopeError(() => r.applyQK(qb, kb, sneakyQK), 'POSITION_INVALID', 'options.positions');
      expect(kvReads).toBe(1);
      kb.dispose();
      expectRopeError(() => r.applyQK(qb, kb, { numHeads: 4, numKvHeads: 2 }), 'DISPOSED', 'k');
      expect(qb.view()).toEqual(q0);
      qb.dispose();
      r.dispose();
    }
    // The sequence length in force follows the call, as on the general path.
    const dyn = lib.createRope({ headDim: 64, scaling: { type: 'dynamic', factor: 2, maxPositionEmbeddings: 2048 } });
    const d = lib.alloc(64);
    dyn.apply(d, { numHeads: 1, positions: 5000 });
    expect(dyn.frequencies().freq).toEqual(dyn.frequencies({ seqLen: 5001 }).freq);
    expect(dyn.frequencies().freq).not.toEqual(dyn.frequencies({ seqLen: 1 }).freq);
    d.dispose();
    dyn.dispose();
  });

  it('disposed ropes and buffers, foreign buffers, bad alloc sizes', async () => {
    const rope = lib.createRope({ headDim: 8 });
    const buf = lib.alloc(8);
    buf.dispose();
    buf.dispose(); // idempotent
    expectRopeError(() => rope.apply(buf, { numHeads: 1 }), 'DISPOSED', 'x');
    expectRopeError(() => buf.view(), 'DISPOSED');
    rope.dispose();
    expectRopeError(() => rope.apply(new Float32Array(8), { numHeads: 1 }), 'DISPOSED', 'apply');
    expectRopeError(() => rope.invFreq, 'DISPOSED');
    const other = await loadBuild(build === 'simd' ? 'baseline' : 'simd');
    const foreign = other.alloc(8);
    const r2 = lib.createRope({ headDim: 8 });
    expectRopeError(() => r2.apply(foreign, { numHeads: 1 }), 'FOREIGN_BUFFER', 'x');
    foreign.dispose();
    expectRopeError(() => lib.alloc(-1), 'LENGTH_INVALID', 'length', '-1');
    expectRopeError(() => lib.alloc(2 ** 31), 'SIZE_OVERFLOW', 'length', '2147483648');
    expectRopeError(() => lib.alloc(1.5), 'LENGTH_INVALID', '1.5');
    // using: Symbol.dispose frees
    {
      const b = lib.alloc(4);
      b[Symbol.dispose]();
      expect(b.disposed).toBe(true);
    }
    // The module still works after all of that.
    const x = new Float32Array([1, 0, 0, 0, 0, 0, 0, 0]);
    r2.apply(x, { numHeads: 1, positions: 1 });
    expect(x[0]).toBeCloseTo(Math.cos(1), 6);
    expect(x[4]).toBeCloseTo(Math.sin(1), 6);
    r2.dispose();
  });

  it('out of memory is a RopeError and the module keeps working', () => {
    let err;
    const held = [];
    try {
      for (let i = 0; i < 64; i++) held.push(lib.alloc(256 * 1024 * 1024 / 4 * 3)); // 768 MiB each
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RopeError);
    expect(err.code).toBe('OUT_OF_MEMORY');
    for (const b of held) b.dispose();
    const rope = lib.createRope({ headDim: 8 });
    const x = new Float32Array(8);
    x[0] = 1;
    rope.apply(x, { numHeads: 1, positions: 2 });
    expect(x[0]).toBeCloseTo(Math.cos(2), 6);
    rope.dispose();
  });
});
