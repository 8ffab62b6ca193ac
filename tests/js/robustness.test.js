// Robustness on both builds: out of memory is a RopeError and the module keeps working;
// heap growth during a call never drops a write; limits near 32-bit wasm memory; scaling
// whose frequencies cannot be used is refused rather than turning tensors into NaN.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RopeError, loadRope } from '../../dist/index.js';
import { BUILDS } from './builds.js';
import { expectRopeError } from './expect-error.js';
import { fillHeap } from './heap.js';
import { TOLERANCE, maxAbs, maxAbsDiff, randomFloats, range, referenceRope } from './reference.js';

function checkRotation(rope, x0, x, numHeads, start, order = 'token-major') {
  const tokens = x0.length / (numHeads * rope.headDim);
  const positions = typeof start === 'number' ? range(start, tokens) : start;
  const ref = referenceRope(x0, { headDim: rope.headDim, rotaryDim: rope.rotaryDim, layout: rope.layout,
    invFreq: rope.invFreq, numHeads, positions, order });
  expect(maxAbsDiff(x, ref)).toBeLessThanOrEqual(TOLERANCE * maxAbs(x0));
}

// Fills what fillHeap leaves with 1 MiB buffers, then 64 KiB ones: afterwards not even the
// copying path's bounded scratch (under 1 MiB) can be had.
function fillHeapFinely(lib, held) {
  for (const floats of [256 * 1024, 16 * 1024]) {
    try {
      for (;;) held.push(lib.alloc(floats));
    } catch (e) {
      expect(e.code).toBe('OUT_OF_MEMORY');
    }
  }
}

describe.each(BUILDS)('out of memory on the %s build', (build) => {
  let lib;
  let held = [];
  beforeAll(async () => {
    lib = await loadRope({ simd: build === 'simd' });
  });
  afterAll(() => {
    for (const b of held) b.dispose();
  });

  it('a tensor copy, a rope and a buffer the heap cannot hold are RopeErrors; nothing is aborted or changed', () => {
    const small = lib.createRope({ headDim: 64 });
    const keep = lib.alloc(3 * 64);
    const k0 = randomFloats(keep.length, 5);
    keep.view().set(k0);
    held = fillHeap(lib);
    // A 256 MiB Float32Array in either order, q and k of 256 MiB: the copying path's scratch
    // is bounded (under 1 MiB, chunk by chunk), so these fit in what the full heap has left.
    lib.releaseScratch();
    const big = new Float32Array(64 * 1024 * 1024);
    big[0] = 1;
    big[big.length - 1] = 2;
    small.apply(big, { numHeads: 1, positions: 0, order: 'head-major' });
    expect(big[0]).toBe(1); // position 0: unrotated
    const lastToken = big.length / 64 - 1;
    expect(big[big.length - 1]).toBeCloseTo(2 * Math.cos(lastToken * small.invFreq[31]), 4);
    const k = new Float32Array(1024 * 64);
    k[0] = 1;
    small.applyQK(big, k, { numHeads: 1024, numKvHeads: 1, order: 'head-major', positions: 3 });
    expect(k[0]).toBeCloseTo(Math.cos(3), 6);
    // Once even that scratch cannot be had: OUT_OF_MEMORY, and neither array is changed.
    lib.releaseScratch();
    const filler = [];
    fillHeapFinely(lib, filler);
    held.push(...filler);
    const big0 = big.slice(0, 4096);
    const kBefore = k.slice();
    expectRopeError(() => small.apply(big, { numHeads: 1, positions: 0, order: 'head-major' }), 'OUT_OF_MEMORY', 'apply', 'out of memory');
    expectRopeError(() => small.applyQK(big, k, { numHeads: 1024, numKvHeads: 1, positions: 9 }), 'OUT_OF_MEMORY', 'applyQK');
    expect(big.slice(0, 4096)).toEqual(big0);
    expect(k).toEqual(kBefore);
    const inUse = lib.heapStats().bytesInUse;
    // A rope whose fixed cache (264 rows of 65536 floats, 69 MB) does not fit.
    expectRopeError(() => lib.createRope({ headDim: 65536 }), 'OUT_OF_MEMORY');
    expectRopeError(() => lib.alloc(16 * 1024 * 1024), 'OUT_OF_MEMORY', 'alloc');
    expect(lib.heapStats().bytesInUse).toBe(inUse);
    // A table that cannot grow is not an error: rows past it are computed per call.
    const x0 = randomFloats(4 * 64, 6);
    const x = x0.slice();
    small.apply(x, { numHeads: 1, positions: 12000 });
    checkRotation(small, x0, x, 1, 12000);
    // Buffers alive through all of this still hold their data and work in place.
    expect(keep.view()).toEqual(k0);
    small.apply(keep, { numHeads: 1, positions: 7 });
    checkRotation(small, k0, keep.view(), 1, 7);
    small.dispose();
    keep.dispose();
  });

  it('after freeing, the same module works at the sizes that failed', () => {
    for (const b of held) b.dispose();
    held = [];
    const rope = lib.createRope({ headDim: 65536, rotaryDim: 128 });
    const x0 = randomFloats(2 * 65536, 8);
    const x = x0.slice();
    rope.apply(x, { numHeads: 1, positions: 3 });
    checkRotation(rope, x0, x, 1, 3);
    rope.dispose();
    const b = lib.alloc(16 * 1024 * 1024);
    expect(b.view().length).toBe(16 * 1024 * 1024);
    b.dispose();
  });
});

describe.each(BUILDS)('heap growth during calls on the %s build', (build) => {
  let lib;
  beforeAll(async () => {
    lib = await loadRope({ simd: build === 'simd' });
  });

  it('a RopeBuffer alive across growth: its next view() is valid and holds the data; no write is dropped', () => {
    const buf = lib.alloc(4 * 128);
    const b0 = randomFloats(buf.length, 1);
    buf.view().set(b0);
    const stale = buf.view();
    // The cos/sin table growing to 131072 rows (64 MiB) grows memory inside apply, between
    // the copy of x into wasm memory and the copy back.
    const rope = lib.createRope({ headDim: 128, cacheLimitBytes: 2 ** 27 });
    const m0 = lib.heapStats().memoryBytes;
    const x0 = randomFloats(96 * 1024 * 128, 2);
    const x = x0.slice();
    const positions = Int32Array.from({ length: 96 }, (_, t) => 5 + 1300 * t);
    rope.apply(x, { numHeads: 1024, positions, order: 'head-major' });
    expect(lib.heapStats().memoryBytes).toBeGreaterThan(m0);
    expect(stale.length).toBe(0); // what the README warns of: old views go stale
    // Heads 0 and 1023, all 96 tokens (head-major: [heads, tokens, headDim]).
    for (const h of [0, 1023]) {
      const lo = h * 96 * 128;
      checkRotation(rope, x0.subarray(lo, lo + 96 * 128), x.subarray(lo, lo + 96 * 128), 1, positions);
    }
    const fresh = buf.view();
    expect(fresh.length).toBe(buf.length);
    expect(fresh).toEqual(b0);
    rope.apply(buf, { numHeads: 1, positions: 9 });
    checkRotation(rope, b0, buf.view(), 1, 9);
    rope.dispose();
    buf.dispose();
  });

  it('applyQK: q in a RopeBuffer, k a Float32Array, memory growing during the call: both rotated', async () => {
    const lib = await loadRope({ simd: build === 'simd' }); // a fresh, small heap
    const rope = lib.createRope({ headDim: 64, layout: 'interleaved', cacheLimitBytes: 2 ** 27 });
    const tokens = 2048;
    const q = lib.alloc(tokens * 2 * 64);
    const q0 = randomFloats(q.length, 3);
    q.view().set(q0);
    const m0 = lib.heapStats().memoryBytes;
    const k0 = randomFloats(tokens * 256 * 64, 4); // 128 MiB, numKvHeads 256, copied in chunks
    const k = k0.slice();
    // Positions up to 2^18: the table grows to 2^18 rows (64 MiB) on the way.
    const positions = Int32Array.from({ length: tokens }, (_, t) => 100 + 127 * t);
    rope.applyQK(q, k, { numHeads: 2, numKvHeads: 256, positions });
    expect(lib.heapStats().memoryBytes).toBeGreaterThan(m0);
    checkRotation(rope, q0, q.view(), 2, positions);
    const slice = 4; // first tokens of k, in full
    checkRotation(rope, k0.subarray(0, slice * 256 * 64), k.subarray(0, slice * 256 * 64), 256, positions.subarray(0, slice));
    // The last token of k too (the copy back reached the end).
    const last = (tokens - 1) * 256 * 64;
    const refLast = referenceRope(k0.subarray(last), { headDim: 64, layout: 'interleaved', invFreq: rope.invFreq, numHeads: 256, positions: [positions[tokens - 1]] });
    expect(maxAbsDiff(k.subarray(last), refLast)).toBeLessThanOrEqual(TOLERANCE * maxAbs(k0));
    q.dispose();
    rope.dispose();
    lib.releaseScratch();
  });

  it('a view of the wasm heap passed as x is rotated in place even when the call grows memory', async () => {
    const lib = await loadRope({ simd: build === 'simd' }); // a fresh, small heap
    // x: a view of a 64 MiB RopeBuffer (8M tokens of headDim 2), taken before the call;
    // the cos/sin table growing to 2^23 rows (64 MiB) grows memory during the call.
    const tokens = 8 * 1024 * 1024;
    const rope = lib.createRope({ headDim: 2, cacheLimitBytes: 2 ** 27 });
    const buf = lib.alloc(2 * tokens);
    const view = buf.view();
    for (let t = 0; t < tokens; t++) view[2 * t] = 1;
    const positions = new Int32Array(tokens);
    for (let t = 0; t < tokens; t++) positions[t] = (t * 7919) % 8000000 - 50000;
    lib.releaseScratch();
    const m0 = lib.heapStats().memoryBytes;
    rope.apply(view, { numHeads: 1, positions });
    expect(lib.heapStats().memoryBytes).toBeGreaterThan(m0);
    expect(view.length).toBe(0); // stale now; the data went to the heap
    const y = buf.view();
    for (const t of [0, 1, 12345, tokens >> 1, tokens - 1]) {
      expect(y[2 * t]).toBeCloseTo(Math.cos(positions[t]), 6);
      expect(y[2 * t + 1]).toBeCloseTo(Math.sin(positions[t]), 6);
    }
    buf.dispose();
    rope.dispose();
    lib.releaseScratch();
  });
});

describe.each(BUILDS)('limits on the %s build', (build) => {
  let lib;
  beforeAll(async () => {
    lib = await loadRope({ simd: build === 'simd' });
  });

  it('cacheLimitBytes past 32-bit sizes: the table is bounded, no out-of-bounds write', () => {
    // 4 GiB + 4 KiB used to wrap to a 4 KiB table in 32-bit wasm that rows were then written
    // far past (a RuntimeError, "memory access out of bounds", and a corrupted heap).
    for (const cacheLimitBytes of [2 ** 32 + 4096, 2 ** 33, 2 ** 31, 1e300]) {
      const rope = lib.createRope({ headDim: 2, cacheLimitBytes });
      const keep = lib.alloc(256);
      keep.view().fill(3);
      for (const p of [2 ** 29, 2 ** 27, 2 ** 31 - 1]) {
        const x = new Float32Array([1, 0]);
        rope.apply(x, { numHeads: 1, positions: p });
        expect(x[0]).toBeCloseTo(Math.cos(p), 6);
        expect(x[1]).toBeCloseTo(Math.sin(p), 6);
      }
      expect(keep.view().every((v) => v === 3)).toBe(true);
      expect(rope.cacheBytes).toBeLessThan(2 ** 31);
      keep.dispose();
      rope.dispose();
    }
    const y = new Float32Array([1, 0, 0, 0]);
    const r = lib.createRope({ headDim: 4 });
    r.apply(y, { numHeads: 1, positions: 1 });
    expect(y[0]).toBeCloseTo(Math.cos(1), 6);
    r.dispose();
  });

  it('scaling whose frequencies or attention factor would turn finite tensors into NaN is SCALING_INVALID', () => {
    const bad = [
      { type: 'linear', factor: 1e-300 },
      { type: 'yarn', factor: 1e-300, originalMaxPositionEmbeddings: 4096 },
      { type: 'yarn', factor: 2, originalMaxPositionEmbeddings: 4096, attentionFactor: 1e300 },
      { type: 'yarn', factor: 2, originalMaxPositionEmbeddings: 4096, attentionFactor: 1e-300 },
    ];
    for (const scaling of bad) {
      const err = expectRopeError(() => lib.createRope({ headDim: 8, scaling }), 'SCALING_INVALID', 'config.scaling');
      expect(err.argument).toBe('config.scaling');
    }
    // Factors inside the range still work, and finite inputs stay finite at int32 extremes.
    for (const scaling of [{ type: 'linear', factor: 1e-3 }, { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096, attentionFactor: 1e3 }]) {
      const rope = lib.createRope({ headDim: 8, scaling });
      for (const p of [2 ** 31 - 1, -(2 ** 31)]) {
        const x = randomFloats(8, 2);
        rope.apply(x, { numHeads: 1, positions: p });
        expect(x.every(Number.isFinite)).toBe(true);
        rope.apply(x, { numHeads: 1, positions: p, inverse: true });
        expect(maxAbsDiff(x, randomFloats(8, 2))).toBeLessThan(1e-5);
      }
      rope.dispose();
    }
  });

  it('negative positions rotate backwards: apply at -p equals inverse at p', () => {
    const rope = lib.createRope({ headDim: 64, layout: 'interleaved' });
    for (const p of [1, 77, 65536, 2 ** 31 - 1]) {
      const x0 = randomFloats(64, p);
      const a = x0.slice();
      const b = x0.slice();
      rope.apply(a, { numHeads: 1, positions: -p });
      rope.apply(b, { numHeads: 1, positions: p, inverse: true });
      expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(2 * TOLERANCE * maxAbs(x0));
    }
    // INT32_MIN itself is a valid position; one below is not.
    const x = randomFloats(64, 1);
    rope.apply(x, { numHeads: 1, positions: -(2 ** 31) });
    expectRopeError(() => rope.apply(x, { numHeads: 1, positions: -(2 ** 31) - 1 }), 'POSITION_INVALID', 'options.positions', '-2147483649');
    rope.dispose();
  });

  it('sizes whose bytes overflow 32-bit memory, and head counts that overflow a token, are refused before any copy', () => {
    const rope = lib.createRope({ headDim: 65536 });
    const x = new Float32Array(65536);
    expectRopeError(() => rope.apply(x, { numHeads: 2 ** 20 }), 'LENGTH_INVALID', 'x.length');
    expectRopeError(() => rope.apply(x, { numHeads: 2 ** 20 + 1 }), 'NUM_HEADS_INVALID', 'options.numHeads');
    expectRopeError(() => rope.applyQK(x, new Float32Array(8), { numHeads: 1, numKvHeads: 2 ** 31 }), 'NUM_HEADS_INVALID', 'options.numKvHeads');
    expectRopeError(() => lib.alloc(2 ** 29), 'SIZE_OVERFLOW', 'length', String(2 ** 29));
    expectRopeError(() => lib.alloc(Infinity), 'LENGTH_INVALID', 'length', 'Infinity');
    expectRopeError(() => lib.createRope({ headDim: 8, cacheLimitBytes: -1 }), 'CACHE_LIMIT_INVALID', 'config.cacheLimitBytes', '-1');
    expectRopeError(() => lib.createRope({ headDim: 8, cacheLimitBytes: NaN }), 'CACHE_LIMIT_INVALID', 'NaN');
    expectRopeError(() => lib.createRope({ headDim: 65538 }), 'HEAD_DIM_INVALID', '65538');
    rope.dispose();
  });
});

describe('stale views and foreign modules', () => {
  it('isDetached tells a stale view of wasm memory from an empty array', async () => {
    const { isDetached } = await import('../../dist/validate.js');
    const lib = await loadRope();
    const buf = lib.alloc(4);
    const view = buf.view();
    expect(isDetached(view.buffer)).toBe(false);
    expect(isDetached(new Float32Array(0).buffer)).toBe(false);
    expect(isDetached(new ArrayBuffer(0))).toBe(false);
    const big = lib.alloc(32 * 1024 * 1024); // grows memory: the old buffer is detached
    expect(view.length).toBe(0);
    expect(isDetached(view.buffer)).toBe(true);
    expect(isDetached(buf.view().buffer)).toBe(false);
    big.dispose();
    buf.dispose();
  });

  it('a WebAssembly.Module that is not a rope-wasm build is WASM_INVALID, not an uncaught error', async () => {
    const empty = await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    for (const simd of [true, false]) {
      let err;
      try {
        await loadRope({ simd, wasmModule: empty });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RopeError);
      expect(err.code).toBe('WASM_INVALID');
      expect(err.argument).toBe('wasmModule');
    }
    // Loading works as usual afterwards.
    const lib = await loadRope();
    expect(lib.heapStats().bytesInUse).toBeGreaterThan(0);
  });
});
