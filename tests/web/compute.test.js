// The page's figure computations (web/src/compute.js) run against the real package, in
// Node: each figure's claim holds, and controls change what they should.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRope } from 'rope-wasm';
import * as C from '../../web/src/compute.js';
import { normalizeState } from '../../web/src/state.js';
import { tokenVector } from '../../web/src/math.js';

let lib;
beforeAll(async () => { lib = await loadRope(); });
const S = (patch = {}) => normalizeState(patch);
const th = (base, d, i) => base ** ((-2 * i) / d);

describe('unitRotations', () => {
  it('reads cos and sin of every pair from the kernel', () => {
    const rope = lib.createRope({ headDim: 16, base: 10000, layout: 'interleaved' });
    const { cos, sin } = C.unitRotations(rope, [0, 5, 1000]);
    for (const [t, p] of [0, 5, 1000].entries()) {
      for (let i = 0; i < 8; i++) {
        expect(cos[t][i]).toBeCloseTo(Math.cos(p * th(10000, 16, i)), 5);
        expect(sin[t][i]).toBeCloseTo(Math.sin(p * th(10000, 16, i)), 5);
      }
    }
    rope.dispose();
  });
  it('samples pairs evenly, keeping both ends', () => {
    expect(C.samplePairs(8, 16)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const s = C.samplePairs(64, 16);
    expect(s).toHaveLength(16);
    expect(s[0]).toBe(0);
    expect(s.at(-1)).toBe(63);
  });
});

describe('figures', () => {
  it('rotation: norms kept, angles m·theta, pair and positions from the state', () => {
    const r = C.rotation(lib, S({ pos: [0, 3, 7], pair: 2 }));
    expect(r.points.map((p) => p.pos)).toEqual([0, 3, 7]);
    for (const p of r.points) {
      expect(p.norm).toBeCloseTo(r.input.norm, 4);
      expect(p.angle).toBeCloseTo(p.pos * th(10000, 64, 2), 9);
      const wrapped = Math.atan2(Math.sin(p.angle), Math.cos(p.angle));
      expect(p.measuredAngle).toBeCloseTo(wrapped, 4);
    }
    expect(r.channels).toEqual([2, 34]);
    expect(C.rotation(lib, S({ layout: 'interleaved', pair: 2 })).channels).toEqual([4, 5]);
  });

  it('shift: equal distance gives equal scores, the Toeplitz matrix is constant on diagonals', () => {
    const r = C.shift(lib, S());
    expect(r.compared).toHaveLength(2);
    expect(r.compared.map((o) => [o.qPos, o.kPos])).toEqual([[2, 4], [9, 11]]);
    expect(Math.abs(r.compared[0].score - r.compared[1].score)).toBeLessThan(1e-5);
    expect(r.diagSpread).toBeLessThan(1e-5);
    const sum = r.contributions.filter((c) => c.label === r.contributions[0].label).reduce((a, c) => a + c.value, 0);
    expect(sum).toBeCloseTo(r.compared[0].score, 5);
    const shifted = C.shift(lib, S({ off: 500 }));
    expect(shifted.positions[0]).toBe(501);
    expect(shifted.compared[0].score).toBeCloseTo(r.compared[0].score, 4);
    expect(C.shift(lib, S({ text: '   ' })).tokens).toHaveLength(15); // blank text falls back to the default sentence
  });

  it('shift: partial rotary adds a pass-through share', () => {
    const r = C.shift(lib, S({ rot: 32 }));
    expect(r.contributions.some((c) => c.pair === 'pass')).toBe(true);
  });

  it('frequencies: wavelengths 2π/θ and the count of full turns', () => {
    const r = C.frequencies(lib, S({ ctx: 2048, base: 500000 }));
    expect(r.pairs).toHaveLength(32);
    r.pairs.forEach((p, i) => expect(p.wavelength).toBeCloseTo((2 * Math.PI) / th(500000, 64, i), 3));
    expect(r.fullTurns).toBe(r.pairs.filter((p) => p.wavelength <= 2048).length);
    expect(r.heat.length).toBe(r.rows.length * 32);
  });

  it('decay: random mean near zero, identical content starts at 1, the bound at 0 is (n+1)/2', () => {
    const r = C.decay(lib, S({ range: 4096 }));
    expect(r.bases).toEqual([10000, 500000, 1000000]);
    const zero = r.curves.find((c) => c.base === 10000 && c.distance === 0);
    expect(zero.identical).toBeCloseTo(1, 5);
    expect(zero.bound).toBeCloseTo(33 / 2, 4);
    for (const c of r.curves) expect(Math.abs(c.randomMean)).toBeLessThan(0.15);
    expect(Math.max(...r.curves.map((c) => c.distance))).toBe(4096);
    expect(C.decay(lib, S({ base: 1234 })).bases).toContain(1234);
  });

  it('scaling: linear divides every frequency; longrope needs its lists', () => {
    const r = C.scaling(lib, S({ factor: 4 }));
    const linear = r.methods.find((m) => m.method === 'linear');
    for (const p of linear.pairs) expect(p.scale).toBeCloseTo(4, 6);
    // 32768 positions from 4096 need a factor of 8: 4 leaves the slow pairs past their trained angles.
    expect(linear.beyond).toBeGreaterThan(0);
    expect(C.scaling(lib, S({ factor: 8 })).methods.find((m) => m.method === 'linear').beyond).toBe(0);
    expect(r.methods.find((m) => m.method === 'longrope').missing).toMatch(/short_factor/);
    const lf = Array.from({ length: 32 }, (_, i) => 1 + i);
    const lr = C.scaling(lib, S({ scaling: { type: 'longrope', shortFactor: lf.map(() => 1), longFactor: lf, originalMaxPositionEmbeddings: 4096, maxPositionEmbeddings: 32768 } }));
    const m = lr.methods.find((x) => x.method === 'longrope');
    expect(m.error).toBeUndefined();
    m.pairs.forEach((p, i) => expect(p.scale).toBeCloseTo(lf[i], 6));
    expect(m.selected).toBe(true);
  });

  it('precision: kernel at float32 rounding at every position; float32 angles are not', () => {
    const r = C.precision(lib, S({ ppos: 16777217 }));
    for (const row of r.series.filter((x) => x.method === 'wasm kernel')) expect(row.error).toBeLessThan(1e-6);
    expect(r.summary.find((x) => x.method === 'float32').error).toBeGreaterThan(1e-3);
    expect(r.positions).toContain(16777217);
    expect(r.positions.at(-1)).toBe(2147483647);
    expect(r.freqDiff).toBeLessThan(1e-12);
    expect(r.perPair).toHaveLength(4 * 32);
  });

  it('layout: same pairing keeps the score, the other pairing breaks it; pass-through channels unchanged', () => {
    const r = C.layout(lib, S({ rot: 48 }));
    expect(r.spread[r.rightLabel]).toBeLessThan(1e-5);
    expect(r.spread[r.wrongLabel]).toBeGreaterThan(1e-2);
    for (const c of r.channels) if (!c.rotates) expect(c.change).toBe(0);
    expect(r.channels.filter((c) => c.rotates)).toHaveLength(48);
  });

  it('sinusoidal: additive moves with position, RoPE does not, and the terms add up', () => {
    const r = C.sinusoidalCompare(lib, S());
    expect(r.ropeSpread).toBeLessThan(1e-5);
    expect(r.additiveSpread).toBeGreaterThan(0.1);
    const at = (m, term) => r.rows.find((x) => x.m === m && x.term === term).value;
    const parts = ['content x·y', 'x·p(n)', 'p(m)·y', 'p(m)·p(n)'].reduce((a, t) => a + at(10, t), 0);
    expect(parts).toBeCloseTo(at(10, 'additive total'), 9);
    const q = tokenVector('cat', 'q', 1, 64);
    const qn = Math.hypot(...q);
    for (const n of r.norms.filter((x) => x.kind.startsWith('|R(m)'))) expect(n.value).toBeCloseTo(qn, 4);
  });
});
