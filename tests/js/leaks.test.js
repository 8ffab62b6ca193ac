// Leak checks on both builds, measured with lib.heapStats(): 100,000 create/apply/dispose
// cycles and 100,000 buffer alloc/dispose cycles leave the wasm heap where it started;
// failed and out-of-memory calls leave nothing behind; the FinalizationRegistry frees
// what callers forget (in a child `node --expose-gc`, tests/robustness/finalization.mjs).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { RopeError, loadRope } from '../../dist/index.js';
import { BUILDS } from './builds.js';

const CYCLES = 100_000;
const run = promisify(execFile);

describe.each(BUILDS)('heap on the %s build', (build) => {
  let lib;
  beforeAll(async () => {
    // A fresh instance: nothing else in this file's process has touched its heap.
    lib = await loadRope({ simd: build === 'simd' });
  });

  it('heapStats() reports memory size and bytes in use, and follows alloc/dispose', () => {
    const s0 = lib.heapStats();
    expect(Object.keys(s0).sort()).toEqual(['bytesInUse', 'memoryBytes']);
    expect(Number.isInteger(s0.memoryBytes) && s0.memoryBytes % 65536 === 0).toBe(true);
    expect(Number.isInteger(s0.bytesInUse) && s0.bytesInUse > 0 && s0.bytesInUse < s0.memoryBytes).toBe(true);
    const b = lib.alloc(100_000);
    const s1 = lib.heapStats();
    expect(s1.bytesInUse - s0.bytesInUse).toBeGreaterThanOrEqual(400_000);
    expect(s1.bytesInUse - s0.bytesInUse).toBeLessThan(400_000 + 64);
    b.dispose();
    expect(lib.heapStats().bytesInUse).toBe(s0.bytesInUse);
    // The check is sensitive: one undisposed rope shows.
    const r = lib.createRope({ headDim: 16 });
    expect(lib.heapStats().bytesInUse).toBeGreaterThan(s0.bytesInUse);
    r.dispose();
    expect(lib.heapStats().bytesInUse).toBe(s0.bytesInUse);
  });

  it('every newer entry point (M-RoPE, views, 16-bit buffers, applyQKV, shift, cosSinCache, toGGML) leaves the heap where it started', () => {
    const mrope = lib.createRope({ headDim: 64, mrope: { section: [8, 12, 12] }, freqFactors: Array.from({ length: 32 }, (_, i) => 1 + i) });
    const plain = lib.createRope({ headDim: 64, scaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096 } });
    const fused = lib.alloc(5 * (4 + 2 * 2) * 64);
    const u16 = new Uint16Array(5 * 2 * 64).fill(0x3c00);
    const streams = Int32Array.from({ length: 3 * 5 }, (_, i) => i % 7);
    const cycle = (i) => {
      const b = lib.alloc(2 * 64, { dtype: i & 1 ? 'float16' : 'bfloat16' });
      mrope.apply(new Float32Array(5 * 64), { numHeads: 1, positions: streams });
      plain.applyQKV(fused, { numHeads: 4, numKvHeads: 2, positions: i & 1023 });
      plain.shift(fused, { numHeads: 4, fromPositions: 10, toPositions: 3, tokenStride: 8 * 64, numTokens: 5 });
      plain.apply(u16, { numHeads: 2, positions: i & 1023, dtype: 'float16' });
      plain.apply(b, { numHeads: 2, positions: 5 });
      if (i % 50 === 0) {
        plain.cosSinCache({ length: 64, dtype: 'float16' });
        plain.toGGML();
      }
      b.dispose();
    };
    cycle(1023); // sizes the scratch and the cos/sin tables (positions stay below 1024 + 5)
    cycle(0);
    const before = lib.heapStats();
    for (let i = 1; i <= 5000; i++) cycle(i);
    const after = lib.heapStats();
    expect(after.bytesInUse).toBe(before.bytesInUse);
    expect(after.memoryBytes).toBe(before.memoryBytes);
    fused.dispose();
    mrope.dispose();
    plain.dispose();
  });

  it(`${CYCLES.toLocaleString('en')} create/apply/applyQK/dispose cycles leave the heap where it started`, () => {
    const x = new Float32Array(2 * 16);
    const k = new Float32Array(16);
    const q = lib.alloc(4 * 16);
    const pos = new Int32Array(1);
    const cycle = (i) => {
      // Every 1000th cycle: another layout, a bigger table, per-token positions, head-major.
      const odd = i % 1000 === 999;
      const rope = lib.createRope({ headDim: 16, rotaryDim: odd ? 8 : 16, layout: i & 1 ? 'half' : 'interleaved' });
      x[0] = 1;
      rope.apply(x, { numHeads: 2, positions: odd ? 100_000 + i : i & 63 });
      pos[0] = -i;
      rope.applyQK(q, k, { numHeads: 4, numKvHeads: 1, positions: pos, order: odd ? 'head-major' : 'token-major' });
      rope.dispose();
    };
    cycle(0); // the first call sizes the copying path's reusable scratch
    const before = lib.heapStats();
    for (let i = 1; i <= CYCLES; i++) cycle(i);
    const after = lib.heapStats();
    expect(after.bytesInUse).toBe(before.bytesInUse);
    expect(after.memoryBytes).toBe(before.memoryBytes);
    q.dispose();
  });

  it(`${CYCLES.toLocaleString('en')} buffer alloc/dispose cycles leave the heap where it started`, () => {
    const before = lib.heapStats();
    for (let i = 0; i < CYCLES; i++) {
      const b = lib.alloc((i * 37) % 8192); // includes length 0
      if (b.length > 0) b.view()[b.length - 1] = i;
      b.dispose();
    }
    // Interleaved lifetimes: a window of 64 live buffers.
    const live = [];
    for (let i = 0; i < CYCLES / 10; i++) {
      live.push(lib.alloc(1 + (i * 131) % 2048));
      if (live.length > 64) live.shift().dispose();
    }
    for (const b of live) b.dispose();
    const after = lib.heapStats();
    expect(after.bytesInUse).toBe(before.bytesInUse);
    expect(after.memoryBytes).toBe(before.memoryBytes);
  });

  it('failed calls (in JS and in the core) and out-of-memory leave nothing behind', () => {
    const rope = lib.createRope({ headDim: 16 });
    const x = new Float32Array(64); // 2 tokens x 2 heads
    rope.apply(x, { numHeads: 2, positions: [1, 2] }); // size the scratch
    const before = lib.heapStats().bytesInUse;
    const codes = new Set();
    const expectFail = (fn) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(RopeError);
        codes.add(e.code);
        return;
      }
      throw new Error('expected a RopeError');
    };
    for (let i = 0; i < 2000; i++) {
      expectFail(() => rope.apply(x, { numHeads: 3 }));
      expectFail(() => rope.apply(x, { numHeads: 2, positions: [1, NaN] }));
      expectFail(() => rope.applyQK(x, x, { numHeads: 2, numKvHeads: 2 }));
      expectFail(() => lib.createRope({ headDim: 15 }));
      // Accepted by the JS checks, refused by the core after its allocations: a yarn factor
      // so small that position * frequency would overflow.
      expectFail(() => lib.createRope({ headDim: 16, scaling: { type: 'yarn', factor: 1e-300, originalMaxPositionEmbeddings: 4096 } }));
    }
    // Out of memory, repeatedly: a buffer, and a copy too large for the heap.
    for (let i = 0; i < 20; i++) {
      expectFail(() => lib.alloc(2 ** 29 - 1));
    }
    expect([...codes].sort()).toEqual(['ALIASED_TENSORS', 'HEAD_DIM_INVALID', 'LENGTH_INVALID', 'OUT_OF_MEMORY', 'POSITION_INVALID', 'SCALING_INVALID']);
    expect(lib.heapStats().bytesInUse).toBe(before);
    // Still working.
    x.fill(0);
    x[0] = 1;
    rope.apply(x, { numHeads: 2, positions: 2 });
    expect(x[0]).toBeCloseTo(Math.cos(2), 6);
    rope.dispose();
  });

  it('the copying path\'s scratch is the only thing kept between calls, and releaseScratch gives it back', () => {
    const before = lib.heapStats().bytesInUse;
    lib.releaseScratch();
    const bare = lib.heapStats().bytesInUse;
    expect(bare).toBeLessThanOrEqual(before);
    const rope = lib.createRope({ headDim: 64 });
    const afterCreate = lib.heapStats().bytesInUse;
    rope.apply(new Float32Array(64 * 1000), { numHeads: 1, positions: 0 }); // 256 KB copied through the scratch
    expect(lib.heapStats().bytesInUse - afterCreate).toBeGreaterThanOrEqual(256_000); // scratch + cache table
    rope.dispose();
    lib.releaseScratch();
    expect(lib.heapStats().bytesInUse).toBe(bare);
  });
});

describe('FinalizationRegistry frees what callers forget', () => {
  const script = fileURLToPath(new URL('../robustness/finalization.mjs', import.meta.url));
  for (const build of BUILDS) {
    it(`${build} build: 200 dropped ropes and buffers are freed after GC; kept ones are not`, async () => {
      const { stdout } = await run(process.execPath, ['--expose-gc', script, build], { timeout: 30000 });
      const r = JSON.parse(stdout.trim().split('\n').pop());
      expect(r.simd).toBe(build === 'simd');
      expect(r.peak - r.withKept).toBeGreaterThan(200 * (1024 * 4 + 64 * 264 * 4)); // the forgotten objects' memory
      expect(r.after).toBe(r.withKept); // all of it freed by the registry, none of the kept
      expect(r.keptIntact).toBe(true);
      expect(r.keptWorks).toBe(true);
      expect(r.end).toBe(r.baseline);
    });
  }
});
