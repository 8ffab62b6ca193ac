// Concurrency: library instances are independent (memory, buffers, out-of-memory, disposal),
// and rope-wasm runs in Node worker_threads, several at once, loading the wasm itself or
// taking a WebAssembly.Module from its parent. (The browser Worker: worker-browser.test.js.)
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { loadRope } from '../../dist/index.js';
import { expectRopeError } from './expect-error.js';
import { fillHeap } from './heap.js';
import { TOLERANCE, maxAbs, maxAbsDiff, randomFloats, range, referenceRope } from './reference.js';

const WORKER = new URL('../robustness/node-worker.mjs', import.meta.url);

function runWorker(workerData, timeoutMs = 30000) {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { workerData });
    const timer = setTimeout(() => {
      w.terminate();
      reject(new Error('worker timed out'));
    }, timeoutMs);
    w.once('message', (m) => {
      clearTimeout(timer);
      w.terminate().then(() => resolve(m));
    });
    w.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function jobsFor(seed) {
  return [
    { config: { headDim: 128, base: 500000 }, numHeads: 4, positions: 1000 + seed, repeat: 2001, x: Array.from(randomFloats(3 * 4 * 128, seed)) },
    { config: { headDim: 64, rotaryDim: 32, layout: 'interleaved' }, numHeads: 2, positions: [5, -7, 2 ** 31 - 1], repeat: 1, x: Array.from(randomFloats(3 * 2 * 64, seed + 1)) },
  ];
}

function checkJobs(jobs, results) {
  expect(results.length).toBe(jobs.length);
  jobs.forEach((job, i) => {
    const headDim = job.config.headDim;
    const tokens = job.x.length / (job.numHeads * headDim);
    const positions = typeof job.positions === 'number' ? range(job.positions, tokens) : job.positions;
    const x0 = Float32Array.from(job.x);
    const ref = referenceRope(x0, { headDim, rotaryDim: job.config.rotaryDim ?? headDim, layout: job.config.layout ?? 'half',
      invFreq: Float64Array.from(results[i].invFreq), numHeads: job.numHeads, positions });
    // repeat forward/inverse pairs add their rounding: bound grows with the count.
    expect(maxAbsDiff(results[i].y, ref)).toBeLessThanOrEqual(TOLERANCE * maxAbs(x0) * (1 + job.repeat));
    expect(maxAbsDiff(results[i].y, x0)).toBeGreaterThan(1e-3); // it did rotate
  });
}

describe('Node worker_threads', () => {
  it('three workers at once (SIMD, baseline, SIMD from the parent\'s WebAssembly.Module) agree with float64 and with this thread', async () => {
    const bytes = await readFile(new URL('../../dist/rope-simd.wasm', import.meta.url));
    const wasmModule = await WebAssembly.compile(bytes);
    const jobs = [jobsFor(1), jobsFor(2), jobsFor(3)];
    const [a, b, c] = await Promise.all([
      runWorker({ simd: true, jobs: jobs[0] }),
      runWorker({ simd: false, jobs: jobs[1] }),
      runWorker({ simd: true, wasmModule, jobs: jobs[2] }),
    ]);
    expect([a.simd, b.simd, c.simd]).toEqual([true, false, true]);
    checkJobs(jobs[0], a.results);
    checkJobs(jobs[1], b.results);
    checkJobs(jobs[2], c.results);
    // Bit for bit what this thread computes (both builds give identical results).
    const lib = await loadRope();
    for (const [w, js] of [[a, jobs[0]], [b, jobs[1]], [c, jobs[2]]]) {
      js.forEach((job, i) => {
        const rope = lib.createRope(job.config);
        const x = Float32Array.from(job.x);
        for (let r = 0; r < job.repeat; r++) rope.apply(x, { numHeads: job.numHeads, positions: job.positions, inverse: r % 2 === 1 });
        expect(Array.from(x)).toEqual(w.results[i].y);
        rope.dispose();
      });
    }
  });

  it('a worker that fails to load reports a RopeError-shaped failure without affecting others', async () => {
    const bogus = await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])); // an empty module
    const bad = runWorker({ simd: true, wasmModule: bogus, jobs: [] });
    const good = runWorker({ simd: true, jobs: jobsFor(9) });
    await expect(bad).rejects.toThrow(/could not be instantiated|rope-wasm/);
    checkJobs(jobsFor(9), (await good).results);
  });
});

describe('two library instances in one thread are independent', () => {
  it('memory, buffers, foreign use, disposal and out-of-memory do not cross', async () => {
    const [A, B] = await Promise.all([loadRope({ simd: true }), loadRope({ simd: true })]);
    expect(A).not.toBe(B);
    const sB0 = B.heapStats();
    const a = A.alloc(1024);
    a.view().fill(1);
    expect(B.heapStats()).toEqual(sB0); // A's allocation is not in B's heap
    const b = B.alloc(1024);
    b.view().fill(2);
    expect(a.view().every((v) => v === 1)).toBe(true);
    // Each instance refuses the other's buffers, in every position of every call.
    const ra = A.createRope({ headDim: 64 });
    const rb = B.createRope({ headDim: 64 });
    const foreign = (fn, arg) => expect(expectRopeError(fn, 'FOREIGN_BUFFER').argument).toBe(arg);
    foreign(() => ra.apply(b, { numHeads: 16 }), 'x');
    foreign(() => rb.apply(a, { numHeads: 16 }), 'x');
    foreign(() => ra.applyQK(a, b, { numHeads: 16, numKvHeads: 16 }), 'k');
    foreign(() => rb.applyQK(a, b, { numHeads: 16, numKvHeads: 16 }), 'q');
    expect(a.view().every((v) => v === 1)).toBe(true);
    expect(b.view().every((v) => v === 2)).toBe(true);
    // A view of A's heap given to B is an ordinary Float32Array to B: copied in and out.
    const x0 = randomFloats(1024, 4);
    a.view().set(x0);
    rb.apply(a.view(), { numHeads: 16, positions: 3 });
    const ref = referenceRope(x0, { headDim: 64, invFreq: rb.invFreq, numHeads: 16, positions: [3] });
    expect(maxAbsDiff(a.view(), ref)).toBeLessThanOrEqual(TOLERANCE * maxAbs(x0));
    // Disposing in A leaves B's objects working.
    ra.dispose();
    a.dispose();
    rb.apply(b, { numHeads: 16, positions: 1 });
    expect(b.view()[0]).not.toBe(2);
    // A out of memory; B allocates and computes as usual; A recovers after freeing.
    const held = fillHeap(A);
    const bBig = B.alloc(16 * 1024 * 1024);
    bBig.view()[16 * 1024 * 1024 - 1] = 5;
    expect(bBig.view()[16 * 1024 * 1024 - 1]).toBe(5);
    bBig.dispose();
    expect(B.heapStats().memoryBytes).toBeLessThan(A.heapStats().memoryBytes);
    for (const h of held) h.dispose();
    const ra2 = A.createRope({ headDim: 8 });
    const y = new Float32Array([1, 0, 0, 0, 0, 0, 0, 0]);
    ra2.apply(y, { numHeads: 1, positions: 2 });
    expect(y[0]).toBeCloseTo(Math.cos(2), 6);
    ra2.dispose();
    rb.dispose();
    b.dispose();
  });
});
