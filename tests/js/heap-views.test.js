// Typed arrays over the library's own wasm memory, on both builds: used in place only when
// they lie entirely inside one live RopeBuffer (a view of one, or a subarray of such a view).
// A view of a disposed buffer is DISPOSED; one that runs past its buffer, straddles two,
// sits in allocator metadata, the library's scratch or tables, or freed memory is
// HEAP_VIEW_INVALID, naming the argument, and nothing in wasm memory is written. A sweep and a
// fast-check property try views of every kind against every tensor argument.
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadRope } from '../../dist/index.js';
import { BUILDS } from './builds.js';
import { expectRopeError } from './expect-error.js';
import { TOLERANCE, maxAbs, maxAbsDiff, randomFloats, range, referenceRope } from './reference.js';

const RUNS = Number(process.env.ROPE_PROPERTY_RUNS ?? 60);
const SEED = Number(process.env.ROPE_PROPERTY_SEED ?? 20261201);
const D = 64;

// Bytes of all of wasm memory, to show a refused call wrote nothing anywhere (compared with
// Buffer.equals: a memcmp, fast enough for the whole heap on every run).
const snapshot = (heap) => Buffer.from(new Uint8Array(heap).slice().buffer);
function expectHeapUnchanged(before, heap) {
  expect(Buffer.from(heap).equals(before)).toBe(true);
}

function expectRotated(rope, x0, x, numHeads, start) {
  const ref = referenceRope(x0, { headDim: rope.headDim, invFreq: rope.invFreq, numHeads, positions: range(start, x0.length / (numHeads * rope.headDim)) });
  expect(maxAbsDiff(x, ref)).toBeLessThanOrEqual(TOLERANCE * maxAbs(x0));
}

describe.each(BUILDS)('heap views on the %s build', (build) => {
  let lib;
  let rope;
  let live = [];
  const alloc = (n, seed) => {
    const b = lib.alloc(n);
    b.view().set(randomFloats(n, seed));
    live.push(b);
    return b;
  };
  beforeAll(async () => {
    lib = await loadRope({ simd: build === 'simd' });
    rope = lib.createRope({ headDim: D });
    // Size the cache and the copying path's scratch now, so refused calls below cannot be
    // told apart from accepted ones by the memory they would have allocated.
    rope.apply(new Float32Array(64 * D), { numHeads: 4, positions: [...range(0, 16)] });
  });
  afterEach(() => {
    for (const b of live) b.dispose();
    live = [];
  });

  it('a view kept after its buffer was disposed is DISPOSED, even when a new buffer took the memory', () => {
    const a = lib.alloc(2 * D);
    const stale = a.view();
    const part = stale.subarray(D);
    a.dispose();
    const b = alloc(2 * D, 1);
    const b0 = b.view().slice();
    const k = alloc(2 * D, 13);
    const heap = snapshot(b.view().buffer);
    expect(b.view().byteOffset).toBe(stale.byteOffset); // the allocator reused the block
    const err = expectRopeError(() => rope.apply(stale, { numHeads: 1, positions: 1000 }), 'DISPOSED', 'x', 'disposed');
    expect(err.argument).toBe('x');
    expectRopeError(() => rope.applyQK(stale, k, { numHeads: 1, numKvHeads: 1 }), 'DISPOSED', 'q');
    expectRopeError(() => rope.applyQK(new Float32Array(2 * D), stale, { numHeads: 1, numKvHeads: 1 }), 'DISPOSED', 'k');
    expect(b.view()).toEqual(b0);
    expectHeapUnchanged(heap, b.view().buffer);
    // A part of the stale view, cut before disposal, lies in the new buffer: by address it is
    // a view of b, and is used as one (the README says so).
    rope.apply(part, { numHeads: 1, positions: 3 });
    expectRotated(rope, b0.subarray(D), b.view().subarray(D), 1, 3);
  });

  it('a part of a disposed buffer whose memory nobody took again is DISPOSED', () => {
    const big = lib.alloc(1 << 16); // its own block, page-aligned
    const part = big.view().subarray(4096, 4096 + D);
    big.dispose();
    const keep = alloc(D, 2);
    const heap = snapshot(keep.view().buffer);
    expectRopeError(() => rope.apply(part, { numHeads: 1, positions: 5 }), 'DISPOSED', 'x', 'disposed');
    expectHeapUnchanged(heap, keep.view().buffer);
  });

  it('a view longer than its buffer, or straddling two, is HEAP_VIEW_INVALID and the neighbour is untouched', () => {
    const a = alloc(2 * D, 3);
    const n = alloc(2 * D, 4);
    const v = a.view();
    const heap = snapshot(v.buffer);
    const long = new Float32Array(v.buffer, v.byteOffset, 8 * D);
    const err = expectRopeError(() => rope.apply(long, { numHeads: 1, positions: 1000 }), 'HEAP_VIEW_INVALID', 'x', 'runs past the end');
    expect(err.argument).toBe('x');
    expect(err.value).toBe(long);
    // From inside a into n (a's tail, the allocator's header of n, n's head).
    const nv = n.view();
    const heads = Math.ceil((nv.byteOffset + 4 - (v.byteOffset + 4 * D)) / (4 * D));
    const straddle = new Float32Array(v.buffer, v.byteOffset + 4 * D, heads * D);
    expect(straddle.byteOffset + straddle.byteLength).toBeGreaterThan(nv.byteOffset);
    expect(straddle.byteOffset + straddle.byteLength).toBeLessThanOrEqual(nv.byteOffset + nv.byteLength);
    expectRopeError(() => rope.apply(straddle, { numHeads: heads }), 'HEAP_VIEW_INVALID', 'x');
    expectRopeError(() => rope.applyQK(new Float32Array(2 * D), long, { numHeads: 1, numKvHeads: 4 }), 'HEAP_VIEW_INVALID', 'k');
    expectHeapUnchanged(heap, v.buffer);
  });

  it('views of allocator metadata, static data, the end of memory or unallocated space are refused', () => {
    const a = alloc(2 * D, 5);
    const v = a.view();
    const heap = snapshot(v.buffer);
    const cases = [
      new Float32Array(v.buffer, v.byteOffset - 16, D), // the block header before a
      new Float32Array(v.buffer, 1024, D), // static data and the stack
      new Float32Array(v.buffer, v.buffer.byteLength - 4 * D, D), // the top of memory
    ];
    for (const x of cases) {
      expectRopeError(() => rope.apply(x, { numHeads: 1, positions: 7 }), 'HEAP_VIEW_INVALID', 'x', 'does not start inside any live RopeBuffer');
    }
    expectHeapUnchanged(heap, v.buffer);
  });

  it('views and subarrays inside one live buffer are rotated in place', () => {
    const a = alloc(4 * D, 6);
    const a0 = a.view().slice();
    const v = a.view();
    rope.apply(v.subarray(D, 3 * D), { numHeads: 2, positions: 11 });
    const want = a0.slice();
    want.set(referenceRope(a0.subarray(D, 3 * D), { headDim: D, invFreq: rope.invFreq, numHeads: 2, positions: [11] }), D);
    expect(maxAbsDiff(a.view(), want)).toBeLessThanOrEqual(TOLERANCE);
    // A view made by hand over the same bytes, and q/k as two parts of one buffer.
    const b = alloc(3 * D, 7);
    const b0 = b.view().slice();
    const bv = b.view();
    rope.applyQK(new Float32Array(bv.buffer, bv.byteOffset, 2 * D), bv.subarray(2 * D), { numHeads: 2, numKvHeads: 1, positions: 4 });
    expectRotated(rope, b0.subarray(0, 2 * D), b.view().subarray(0, 2 * D), 2, 4);
    expectRotated(rope, b0.subarray(2 * D), b.view().subarray(2 * D), 1, 4);
    // An empty view at a buffer's end is inside it; nothing to rotate.
    rope.apply(bv.subarray(3 * D), { numHeads: 1 });
  });

  it('positions given as a view of wasm memory must lie inside a live buffer too', () => {
    const p = alloc(4, 8);
    const pv = new Int32Array(p.view().buffer, p.view().byteOffset, 4);
    pv.set([1, 2, 3, 4]);
    const x0 = randomFloats(4 * D, 9);
    const x = x0.slice();
    rope.apply(x, { numHeads: 1, positions: pv });
    const ref = referenceRope(x0, { headDim: D, invFreq: rope.invFreq, numHeads: 1, positions: [1, 2, 3, 4] });
    expect(maxAbsDiff(x, ref)).toBeLessThanOrEqual(TOLERANCE);
    const outside = new Int32Array(pv.buffer, pv.byteOffset + 8, 4); // runs past p
    const y = x0.slice();
    const err = expectRopeError(() => rope.apply(y, { numHeads: 1, positions: outside }), 'HEAP_VIEW_INVALID', 'options.positions');
    expect(err.argument).toBe('options.positions');
    expect(y).toEqual(x0);
    const q = lib.alloc(4 * D);
    live.push(q);
    p.dispose();
    live = live.filter((b) => b !== p);
    expectRopeError(() => rope.applyQK(q, new Float32Array(4 * D), { numHeads: 1, numKvHeads: 1, positions: pv }), 'DISPOSED', 'options.positions');
  });

  it('a view taken before memory grew, and an array whose buffer was transferred, are told apart', () => {
    const a = alloc(D, 10);
    const before = a.view();
    const hog = lib.alloc(32 * 1024 * 1024); // grows memory
    expect(before.length).toBe(0);
    expectRopeError(() => rope.apply(before, { numHeads: 1 }), 'INVALID_TYPE', 'x', 'wasm memory grew');
    hog.dispose();
    const t = new Float32Array(4 * D);
    structuredClone(t.buffer, { transfer: [t.buffer] });
    expectRopeError(() => rope.apply(t, { numHeads: 1 }), 'INVALID_TYPE', 'x', 'transferred');
    expectRopeError(() => rope.applyQK(new Float32Array(D), t, { numHeads: 1, numKvHeads: 1 }), 'INVALID_TYPE', 'k', 'transferred');
    a.dispose();
    live = live.filter((b) => b !== a);
    expectRopeError(() => rope.apply(before, { numHeads: 1 }), 'DISPOSED', 'x');
  });

  it('sweep: a view at every 16-byte offset around two buffers is used iff it lies inside one; a refusal writes nothing', async () => {
    const own = await loadRope({ simd: build === 'simd' }); // no other buffers anywhere near
    const r = own.createRope({ headDim: D });
    const a = own.alloc(2 * D);
    const b = own.alloc(2 * D);
    a.view().set(randomFloats(2 * D, 11));
    b.view().set(randomFloats(2 * D, 12));
    const v = a.view();
    const bOff = b.view().byteOffset;
    const lo = v.byteOffset - 256;
    const hi = bOff + 4 * 2 * D + 256;
    // The bytes around both buffers (a refused call must not write there, nor anywhere: the
    // check runs before any wasm call).
    const win = () => Buffer.from(new Uint8Array(v.buffer, lo - 65536, hi - lo + 131072).slice().buffer);
    for (let off = lo; off < hi; off += 16) {
      const x = new Float32Array(v.buffer, off, D);
      const inside = (off >= v.byteOffset && off + 4 * D <= v.byteOffset + 8 * D) || (off >= bOff && off + 4 * D <= bOff + 8 * D);
      const before = win();
      const x0 = x.slice();
      let err = null;
      try {
        r.apply(x, { numHeads: 1, positions: 2 });
      } catch (e) {
        err = e;
      }
      if (inside) {
        expect(err).toBe(null);
        expectRotated(r, x0, x, 1, 2);
        x.set(x0);
      } else {
        expect(err?.code, `offset ${off - v.byteOffset} from a`).toBe('HEAP_VIEW_INVALID');
        expect(win().equals(before)).toBe(true);
      }
    }
  });

  it('property: views of every kind, as x, q, k or positions, are accepted exactly when inside one live buffer', () => {
    const kinds = ['view', 'subarray', 'byHand', 'long', 'straddle', 'header', 'static', 'top', 'disposedReused', 'disposedFree'];
    fc.assert(fc.property(fc.constantFrom(...kinds), fc.constantFrom('x', 'q', 'k', 'positions'), fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 0, max: 1 << 20 }), (kind, role, heads, seed) => {
        const n = heads * D;
        const a = lib.alloc(2 * n);
        const b = lib.alloc(2 * n);
        const made = [a, b];
        try {
          a.view().set(randomFloats(2 * n, seed));
          b.view().set(randomFloats(2 * n, seed + 1));
          const av = a.view();
          const heapBuf = av.buffer;
          let view;
          let code = null;
          switch (kind) {
            case 'view': view = av; break;
            case 'subarray': view = av.subarray(n); break;
            case 'byHand': view = new Float32Array(heapBuf, av.byteOffset + 4 * n, n); break;
            case 'long': view = new Float32Array(heapBuf, av.byteOffset + 4 * n, 2 * n); code = 'HEAP_VIEW_INVALID'; break;
            case 'straddle': view = new Float32Array(heapBuf, av.byteOffset + 4, 2 * n); code = 'HEAP_VIEW_INVALID'; break;
            case 'header': view = new Float32Array(heapBuf, av.byteOffset - 8, n); code = 'HEAP_VIEW_INVALID'; break;
            case 'static': view = new Float32Array(heapBuf, 512 + 4 * (seed % 64), n); code = 'HEAP_VIEW_INVALID'; break;
            case 'top': view = new Float32Array(heapBuf, heapBuf.byteLength - 4 * n, n); code = 'HEAP_VIEW_INVALID'; break;
            case 'disposedReused': {
              const c = lib.alloc(2 * n);
              view = c.view();
              c.dispose();
              made.push(lib.alloc(2 * n)); // takes c's block
              code = 'DISPOSED';
              break;
            }
            case 'disposedFree': {
              const c = lib.alloc(1 << 16);
              view = c.view().subarray(4096, 4096 + n);
              c.dispose();
              code = 'DISPOSED';
              break;
            }
            default: throw new Error(kind);
          }
          // Positions are read, never written: a hand-made Int32Array over reused memory is, by
          // address, inside the live buffer that took it (see the README on stale views).
          if (role === 'positions' && kind === 'disposedReused') code = null;
          const heads2 = view.length / D;
          const tokensOk = Number.isInteger(heads2) && heads2 >= 1;
          const heap = snapshot(heapBuf);
          let err = null;
          try {
            if (role === 'x') rope.apply(view, { numHeads: tokensOk ? heads2 : 1, positions: 9 });
            else if (role === 'q') rope.applyQK(view, new Float32Array(D), { numHeads: tokensOk ? heads2 : 1, numKvHeads: 1, positions: 9 });
            else if (role === 'k') rope.applyQK(new Float32Array(D), view, { numHeads: 1, numKvHeads: tokensOk ? heads2 : 1, positions: 9 });
            else {
              const pos = new Int32Array(view.buffer, view.byteOffset, view.length);
              rope.apply(new Float32Array(pos.length * D), { numHeads: 1, positions: pos });
            }
          } catch (e) {
            err = e;
          }
          if (code === null) {
            expect(err).toBe(null);
          } else {
            expect(err?.code).toBe(code);
            expect(err.argument).toBe(role === 'positions' ? 'options.positions' : role);
            expectHeapUnchanged(heap, heapBuf);
          }
        } finally {
          for (const m of made) m.dispose();
        }
      }), { numRuns: RUNS, seed: SEED });
  });
});
