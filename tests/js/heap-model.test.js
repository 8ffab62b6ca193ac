// Model-based fuzzing (fast-check commands) of wasm-memory ownership, on both builds: random
// sequences of alloc, dispose, memory growth, and apply / applyQK calls on views of every
// kind (whole views, subarrays, hand-made views, stale views of disposed or grown memory,
// views that run past a buffer or straddle two, views of metadata and unowned memory,
// Float32Array copies of any size). After every command the model checks that each live
// buffer holds exactly what it should: a refused call changed nothing anywhere; an accepted
// one rotated exactly the addressed floats, as the float64 reference says, and nothing else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadRope } from '../../dist/index.js';
import { BUILDS } from './builds.js';
import { TOLERANCE, maxAbs, maxAbsDiff, randomFloats, range, referenceRope } from './reference.js';

const RUNS = Number(process.env.ROPE_PROPERTY_RUNS ?? 60) >> 1;
const SEED = Number(process.env.ROPE_PROPERTY_SEED ?? 20261201);
const D = 32;

// The real system: a library, a rope, and the buffers the commands made.
class Real {
  constructor(lib) {
    this.lib = lib;
    this.rope = lib.createRope({ headDim: D });
    this.buffers = []; // { buf, disposed, stale: [views kept from before] }
  }
}

// What the model expects: each buffer's contents (Float32Array copies), and whether it lives.
class Model {
  constructor() {
    this.contents = [];
    this.live = [];
  }
}

function checkAll(model, real) {
  for (let i = 0; i < model.contents.length; i++) {
    if (!model.live[i]) continue;
    const v = real.buffers[i].buf.view();
    expect(Buffer.from(v.buffer, v.byteOffset, v.byteLength).equals(Buffer.from(model.contents[i].buffer)), `buffer ${i}`).toBe(true);
  }
}

class AllocCmd {
  constructor(tokens, seed) { this.tokens = tokens; this.seed = seed; }
  check() { return true; }
  run(model, real) {
    const buf = real.lib.alloc(this.tokens * D);
    const data = randomFloats(this.tokens * D, this.seed);
    buf.view().set(data);
    real.buffers.push({ buf, stale: [buf.view()] });
    model.contents.push(data.slice());
    model.live.push(true);
    checkAll(model, real);
  }
  toString() { return `alloc(${this.tokens} tokens)`; }
}

class DisposeCmd {
  constructor(pick) { this.pick = pick; }
  check(model) { return model.live.some((l) => l); }
  run(model, real) {
    const idx = model.live.map((l, i) => (l ? i : -1)).filter((i) => i >= 0);
    const i = idx[this.pick % idx.length];
    real.buffers[i].buf.dispose();
    model.live[i] = false;
    checkAll(model, real);
  }
  toString() { return `dispose(#${this.pick})`; }
}

// Grows wasm memory (a big buffer, freed again): views taken before are stale.
class GrowCmd {
  check() { return true; }
  run(model, real) {
    const before = real.lib.heapStats().memoryBytes;
    const big = real.lib.alloc(before / 4);
    big.dispose();
    checkAll(model, real);
  }
  toString() { return 'grow'; }
}

// A tensor argument of a given kind. Returns { x, owner (buffer index or -1), offset (floats
// into it), expect: 'ok' | error code } or null when the kind is not possible now.
function makeTensor(kind, model, real, pick, len) {
  const liveIdx = model.live.map((l, i) => (l ? i : -1)).filter((i) => i >= 0);
  const deadIdx = model.live.map((l, i) => (l ? -1 : i)).filter((i) => i >= 0);
  const heap = real.lib.alloc(1); // the current heap buffer
  const heapBuffer = heap.view().buffer;
  heap.dispose();
  switch (kind) {
    case 'copy':
      return { x: randomFloats(len * D, pick + 3), owner: -1, expect: 'ok' };
    case 'whole':
    case 'sub':
    case 'byHand':
    case 'long': {
      if (liveIdx.length === 0) return null;
      const i = liveIdx[pick % liveIdx.length];
      const v = real.buffers[i].buf.view();
      const tokens = v.length / D;
      if (kind === 'whole') return { x: v, owner: i, offset: 0, expect: 'ok' };
      const t0 = pick % tokens;
      const n = Math.max(1, Math.min(len, tokens - t0));
      if (kind === 'sub') return { x: v.subarray(t0 * D, (t0 + n) * D), owner: i, offset: t0 * D, expect: 'ok' };
      if (kind === 'byHand') return { x: new Float32Array(v.buffer, v.byteOffset + 4 * t0 * D, n * D), owner: i, offset: t0 * D, expect: 'ok' };
      return { x: new Float32Array(v.buffer, v.byteOffset + 4 * t0 * D, (tokens - t0 + 1) * D), owner: -1, expect: 'HEAP_VIEW_INVALID' };
    }
    case 'staleDisposed': {
      if (deadIdx.length === 0) return null;
      const i = deadIdx[pick % deadIdx.length];
      return { x: real.buffers[i].stale[0], owner: -1, expect: 'DISPOSED' };
    }
    case 'staleGrown': {
      const grown = real.buffers.filter((b, i) => model.live[i] && b.stale[0].length === 0);
      if (grown.length === 0) return null;
      return { x: grown[pick % grown.length].stale[0], owner: -1, expect: 'INVALID_TYPE' };
    }
    case 'unowned':
      // Static data, the stack and allocator metadata start at the bottom of memory.
      return { x: new Float32Array(heapBuffer, 256 + 64 * (pick % 8), len * D), owner: -1, expect: 'HEAP_VIEW_INVALID' };
    default:
      throw new Error(kind);
  }
}

class ApplyCmd {
  constructor(kind, kKind, qk, len, pick, position) {
    Object.assign(this, { kind, kKind, qk, len, pick, position });
  }
  check() { return true; }
  run(model, real) {
    const a = makeTensor(this.kind, model, real, this.pick, this.len);
    const b = this.qk ? makeTensor(this.kKind, model, real, this.pick >> 3, this.len) : null;
    if (a === null || (this.qk && b === null)) return;
    const tokens = a.x.length / D;
    const parts = this.qk ? [a, b] : [a];
    // Same tokens for q and k: k gets as many heads as makes its length fit, or is refused.
    const kHeads = this.qk ? b.x.length / (D * Math.max(tokens, 1)) : 0;
    const copies = parts.map((p) => (p.owner === -1 && p.expect === 'ok' ? p.x.slice() : null));
    const lengths = parts.map((p) => p.x.length); // before the call: it may grow memory
    let err = null;
    try {
      if (this.qk) real.rope.applyQK(a.x, b.x, { numHeads: 1, numKvHeads: Number.isInteger(kHeads) && kHeads >= 1 ? kHeads : 1, positions: this.position });
      else real.rope.apply(a.x, { numHeads: 1, positions: this.position });
    } catch (e) {
      err = e;
    }
    const bad = parts.find((p) => p.expect !== 'ok');
    const sameOwner = this.qk && a.owner >= 0 && a.owner === b.owner &&
      a.offset < b.offset + b.x.length && b.offset < a.offset + a.x.length;
    if (bad) {
      // Refused with the first bad argument's code (each tensor is checked before lengths).
      expect(err?.code, `${this}`).toBe(bad.expect);
      checkAll(model, real);
      return;
    }
    if (this.qk && (!Number.isInteger(kHeads) || kHeads < 1 || sameOwner)) {
      expect(err?.code).toMatch(/LENGTH_INVALID|TOKEN_COUNT_MISMATCH|ALIASED_TENSORS/);
      checkAll(model, real);
      return;
    }
    expect(err, `${this}`).toBe(null);
    // Each accepted part was rotated at positions start.., and nothing else changed.
    parts.forEach((p, n) => {
      const heads = n === 0 ? 1 : kHeads;
      const length = lengths[n];
      const before = p.owner >= 0 ? model.contents[p.owner].subarray(p.offset, p.offset + length) : copies[n];
      // A fresh view: the call may have grown memory (the cos/sin table), making p.x stale.
      const after = p.owner >= 0 ? real.buffers[p.owner].buf.view().subarray(p.offset, p.offset + before.length) : p.x;
      expect(after.length).toBe(before.length);
      const ref = referenceRope(before, { headDim: D, invFreq: real.rope.invFreq, numHeads: heads, positions: range(this.position, tokens) });
      expect(maxAbsDiff(after, ref)).toBeLessThanOrEqual(TOLERANCE * Math.max(maxAbs(before), 1e-30));
      if (p.owner >= 0) model.contents[p.owner].set(after, p.offset);
    });
    checkAll(model, real);
  }
  toString() { return `${this.qk ? 'applyQK' : 'apply'}(${this.kind}${this.qk ? `, ${this.kKind}` : ''}, len ${this.len}, pick ${this.pick}, at ${this.position})`; }
}

const KINDS = ['copy', 'whole', 'sub', 'byHand', 'long', 'staleDisposed', 'staleGrown', 'unowned'];
const commands = [
  fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 1e6 })).map(([t, s]) => new AllocCmd(t, s)),
  fc.nat().map((p) => new DisposeCmd(p)),
  fc.constant(new GrowCmd()),
  fc.tuple(fc.constantFrom(...KINDS), fc.constantFrom(...KINDS), fc.boolean(), fc.integer({ min: 1, max: 12 }), fc.nat(), fc.integer({ min: -5000, max: 70000 }))
    .map(([k, kk, qk, len, pick, pos]) => new ApplyCmd(k, kk, qk, len, pick, pos)),
];

describe.each(BUILDS)('wasm memory ownership, model-based, on the %s build', (build) => {
  it('random sequences of allocs, disposals, growth and calls on views of every kind keep every buffer exact', async () => {
    await fc.assert(fc.asyncProperty(fc.commands(commands, { maxCommands: 60, size: 'max' }), async (cmds) => {
      const lib = await loadRope({ simd: build === 'simd' });
      const real = new Real(lib);
      fc.modelRun(() => ({ model: new Model(), real }), cmds);
      for (let i = 0; i < real.buffers.length; i++) real.buffers[i].buf.dispose();
      real.rope.dispose();
    }), { numRuns: RUNS, seed: SEED });
  });
});
