import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULTS, SECTIONS, normalizeState, parsePositions, queryToState, ropeConfig, sanitizeScaling, stateToQuery } from '../../web/src/state.js';

describe('URL state', () => {
  it('the defaults give an empty query and parse back to the defaults', () => {
    expect(stateToQuery(DEFAULTS)).toBe('');
    expect(queryToState('')).toEqual(normalizeState(DEFAULTS));
  });

  it('round-trips a full non-default state', () => {
    const s = normalizeState({
      base: 500000, dim: 128, rot: 96, layout: 'interleaved', seed: 42, section: 'precision', pos: [1, 5, 900],
      pair: 7, text: 'a b a b', qw: 'a', kw: 'b', off: 12, ctx: 8192, range: 200000, dscale: 'linear',
      scaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 32768, betaFast: 16 },
      factor: 4, orig: 32768, len: 131072, ppos: 16777217, wrong: true,
    });
    const q = stateToQuery(s);
    expect(queryToState(q)).toEqual(s);
    for (const key of ['base', 'dim', 'rot', 'layout', 'seed', 'section', 'pos', 'scaling', 'ppos', 'wrong']) expect(q).toContain(`${key}=`);
  });

  it('round-trips any valid state (property)', () => {
    const arb = fc.record({
      base: fc.constantFrom(100, 10000, 500000, 1000000, 1234.5),
      dim: fc.constantFrom(8, 16, 64, 128, 256),
      layout: fc.constantFrom('half', 'interleaved'),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      section: fc.constantFrom(...SECTIONS),
      pos: fc.array(fc.integer({ min: -1e6, max: 2 ** 31 - 1 }), { minLength: 1, maxLength: 8 }),
      text: fc.string({ minLength: 1, maxLength: 60 }).filter((t) => t.trim() !== ''),
      ctx: fc.integer({ min: 16, max: 1 << 20 }),
      wrong: fc.boolean(),
      ppos: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    });
    fc.assert(fc.property(arb, (partial) => {
      const s = normalizeState(partial);
      expect(queryToState(stateToQuery(s))).toEqual(s);
    }));
  });

  it('clamps and repairs bad values instead of failing', () => {
    const s = queryToState('?dim=7&rot=999&base=-3&layout=diagonal&section=nope&pos=a,b&range=123&scaling=%7Bbroken&pair=999');
    expect(s.dim).toBe(6);
    expect(s.rot).toBe(6);
    expect(s.base).toBe(DEFAULTS.base);
    expect(s.layout).toBe('half');
    expect(s.section).toBe('rotation');
    expect(s.pos).toEqual(DEFAULTS.pos);
    expect(s.range).toBe(DEFAULTS.range);
    expect(s.scaling).toBeNull();
    expect(s.pair).toBe(2);
  });

  it('rot follows dim when the URL gives only dim', () => {
    expect(queryToState('?dim=128').rot).toBe(128);
    expect(queryToState('?dim=128&rot=32').rot).toBe(32);
  });

  it('parses position lists', () => {
    expect(parsePositions('0, 3 7;9')).toEqual([0, 3, 7, 9]);
    expect(parsePositions('1.5, 2')).toEqual([2]);
    expect(parsePositions('')).toEqual(DEFAULTS.pos);
    expect(parsePositions('1,2,3,4,5,6,7,8,9,10')).toHaveLength(8);
  });

  it('keeps only usable scaling objects', () => {
    expect(sanitizeScaling({ type: 'bogus', factor: 2 })).toBeNull();
    expect(sanitizeScaling({ type: 'linear', factor: 2, junk: 'x' })).toEqual({ type: 'linear', factor: 2 });
    expect(sanitizeScaling({ type: 'longrope', shortFactor: [1, 2], longFactor: [3, 'x'] })).toEqual({ type: 'longrope', shortFactor: [1, 2] });
  });

  it('builds the RopeConfig the figures use', () => {
    const s = normalizeState({ dim: 64, rot: 32, base: 500000, layout: 'interleaved', scaling: { type: 'linear', factor: 2 } });
    expect(ropeConfig(s)).toEqual({ headDim: 64, rotaryDim: 32, base: 500000, layout: 'interleaved', scaling: { type: 'linear', factor: 2 } });
    expect(ropeConfig(s, { scaled: false }).scaling).toBeUndefined();
  });
});
