// The copying path on both builds: Float32Arrays outside wasm memory are rotated through a
// bounded scratch, chunk by chunk, for apply and applyQK, in both orders, with start
// positions or position lists, GQA, tokens larger than a chunk, and q/k of which only one is
// in wasm memory. Peak wasm memory stays independent of the tensor size, and every result is
// the same bits as rotating the same data in place in a RopeBuffer.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRope } from '../../dist/index.js';
import { BUILDS } from './builds.js';
import { randomFloats } from './reference.js';

// The bound the README documents for the copying path's scratch (bindings/js/copying.js).
const SCRATCH_MAX = 512 * 1024 + 256 * 1024 + 64;

const bits = (a) => new Uint32Array(a.buffer, a.byteOffset, a.length);
function expectSameBits(a, b, what) {
  expect(a.length).toBe(b.length);
  const x = bits(a);
  const y = bits(b);
  let first = -1;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) { first = i; break; }
  expect(first, `${what}: first differing float`).toBe(-1);
}

// Rotates copies of q (and k) in RopeBuffers: what the copying path must reproduce bit for bit.
function inPlace(lib, rope, q0, k0, options) {
  const qb = lib.alloc(q0.length);
  qb.view().set(q0);
  let kb = null;
  if (k0) {
    kb = lib.alloc(k0.length);
    kb.view().set(k0);
    rope.applyQK(qb, kb, options);
  } else {
    rope.apply(qb, options);
  }
  const out = [qb.view().slice(), kb ? kb.view().slice() : null];
  qb.dispose();
  kb?.dispose();
  return out;
}

describe.each(BUILDS)('the copying path on the %s build', (build) => {
  let lib;
  beforeAll(async () => {
    lib = await loadRope({ simd: build === 'simd' });
  });

  it('peak wasm memory does not depend on the tensor size: 40 MiB of q and k copied, memory never grows', async () => {
    const fresh = await loadRope({ simd: build === 'simd' }); // 16 MiB of wasm memory to start with
    const rope = fresh.createRope({ headDim: 128, base: 500000 });
    const m0 = fresh.heapStats().memoryBytes;
    const tokens = 2048;
    const q = randomFloats(tokens * 32 * 128, 1);
    const k = randomFloats(tokens * 8 * 128, 2);
    const used0 = fresh.heapStats().bytesInUse;
    for (const order of ['token-major', 'head-major']) {
      rope.applyQK(q, k, { numHeads: 32, numKvHeads: 8, positions: 0, order });
      rope.applyQK(q, k, { numHeads: 32, numKvHeads: 8, positions: Int32Array.from({ length: tokens }, (_, t) => 3 * t), order });
      rope.apply(q, { numHeads: 32, positions: 7, order });
    }
    expect(fresh.heapStats().memoryBytes).toBe(m0);
    // What stays allocated: the scratch (bounded) and the cos/sin table (bounded by cacheLimitBytes).
    expect(fresh.heapStats().bytesInUse - used0).toBeLessThanOrEqual(SCRATCH_MAX + rope.cacheBytes + 4096);
    rope.dispose();
  });

  it('token-major and head-major, start or list, GQA, across chunk boundaries: the same bits as in place', () => {
    const rope = lib.createRope({ headDim: 64, layout: 'interleaved' });
    const cases = [
      { tokens: 300, heads: 32, kv: 8 }, // 2048 floats a token: 64 tokens per 512 KiB chunk
      { tokens: 1, heads: 3, kv: 1 },
      { tokens: 77, heads: 5, kv: 5 },
    ];
    for (const { tokens, heads, kv } of cases) {
      for (const order of ['token-major', 'head-major']) {
        for (const positions of [12345, Int32Array.from({ length: tokens }, (_, t) => (t * 7919) % 50000 - 100)]) {
          const q0 = randomFloats(tokens * heads * 64, tokens + heads);
          const k0 = randomFloats(tokens * kv * 64, tokens + kv + 1);
          const options = { numHeads: heads, numKvHeads: kv, positions, order };
          const [wantQ, wantK] = inPlace(lib, rope, q0, k0, options);
          const q = q0.slice();
          const k = k0.slice();
          rope.applyQK(q, k, options);
          expectSameBits(q, wantQ, `q ${tokens}x${heads} ${order}`);
          expectSameBits(k, wantK, `k ${tokens}x${kv} ${order}`);
          // One in wasm memory, the other copied, either way round.
          for (const inWasm of ['q', 'k']) {
            const buf = lib.alloc(inWasm === 'q' ? q0.length : k0.length);
            buf.view().set(inWasm === 'q' ? q0 : k0);
            const other = (inWasm === 'q' ? k0 : q0).slice();
            if (inWasm === 'q') rope.applyQK(buf, other, options);
            else rope.applyQK(other, buf, options);
            expectSameBits(buf.view(), inWasm === 'q' ? wantQ : wantK, `${inWasm} in wasm, ${order}`);
            expectSameBits(other, inWasm === 'q' ? wantK : wantQ, `the other copied, ${order}`);
            buf.dispose();
          }
          const x = q0.slice();
          rope.apply(x, { numHeads: heads, positions, order });
          expectSameBits(x, inPlace(lib, rope, q0, null, { numHeads: heads, positions, order })[0], `apply ${order}`);
        }
      }
    }
    rope.dispose();
  });

  it('a token larger than a chunk is split into head groups; q and k such tokens each on their own', () => {
    const rope = lib.createRope({ headDim: 128 });
    for (const order of ['token-major', 'head-major']) {
      const tokens = 3;
      const heads = 1536; // 768 KiB a token of q
      const q0 = randomFloats(tokens * heads * 128, 5);
      const k0 = randomFloats(tokens * 8 * 128, 6);
      const options = { numHeads: heads, numKvHeads: 8, positions: [5, 900, 70000], order };
      const [wantQ, wantK] = inPlace(lib, rope, q0, k0, options);
      const q = q0.slice();
      const k = k0.slice();
      rope.applyQK(q, k, options);
      expectSameBits(q, wantQ, `q ${order}`);
      expectSameBits(k, wantK, `k ${order}`);
      const x = q0.slice();
      rope.apply(x, { numHeads: heads, positions: 41, order });
      expectSameBits(x, inPlace(lib, rope, q0, null, { numHeads: heads, positions: 41, order })[0], `apply ${order}`);
    }
    rope.dispose();
  });

  it('a position list with RopeBuffers is brought into wasm memory chunk by chunk (memory bounded)', async () => {
    const fresh = await loadRope({ simd: build === 'simd' });
    const rope = fresh.createRope({ headDim: 2 });
    const tokens = 2 * 1024 * 1024; // 8 MiB of positions
    const x = fresh.alloc(2 * tokens);
    const x0 = x.view();
    for (let t = 0; t < tokens; t++) x0[2 * t] = 1;
    const positions = Int32Array.from({ length: tokens }, (_, t) => t % 1000);
    const m0 = fresh.heapStats().memoryBytes;
    rope.apply(x, { numHeads: 1, positions });
    expect(fresh.heapStats().memoryBytes).toBe(m0);
    const v = x.view();
    for (const t of [0, 1, 999, 1000, tokens - 1]) {
      expect(v[2 * t]).toBeCloseTo(Math.cos(positions[t]), 6);
      expect(v[2 * t + 1]).toBeCloseTo(Math.sin(positions[t]), 6);
    }
    x.dispose();
    rope.dispose();
  });
});
