// Moving the cache (rope.shift against the naive apply(-d)) and the kernel's 16-bit paths,
// against float64 computed here.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRope } from 'rope-wasm';
import { cache, precision16, HALF_ULP } from '../../web/src/cache.js';
import { normalizeState, stateToQuery, queryToState } from '../../web/src/state.js';
import { bf16Bits, f16Bits, fromBf16Bits, fromF16Bits, tokenVector } from '../../web/src/math.js';

let lib;
beforeAll(async () => { lib = await loadRope(); });
const S = (patch = {}) => normalizeState(patch);
const yarnAf = (f) => 0.1 * Math.log(f) + 1;

describe('16-bit conversions', () => {
  it('round to nearest even, with subnormals and overflow', () => {
    expect(f16Bits(1)).toBe(0x3c00);
    expect(f16Bits(0.1)).toBe(0x2e66);
    expect(f16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie to even
    expect(f16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(f16Bits(65504)).toBe(0x7bff);
    expect(f16Bits(65520)).toBe(0x7c00);
    expect(f16Bits(2 ** -24)).toBe(1);
    expect(f16Bits(2 ** -25)).toBe(0); // tie to even (zero)
    expect(f16Bits(-2.5)).toBe(0xc100);
    expect(bf16Bits(0.1)).toBe(0x3dcd);
    expect(bf16Bits(1 + 2 ** -8)).toBe(0x3f80);
    for (let h = 0; h < 0x7c00; h += 37) expect(f16Bits(fromF16Bits(h))).toBe(h);
    for (let b = 0; b < 0x7f80; b += 41) expect(bf16Bits(fromBf16Bits(b))).toBe(b);
  });
});

describe('moving the cache', () => {
  it('exact shift keeps norms at 1; the naive one multiplies them by af^n under yarn', () => {
    const r = cache(lib, S({ cfac: 8, cshifts: 4, cdrop: 32 }));
    expect(r.attentionFactor).toBeCloseTo(yarnAf(8), 6);
    for (const o of r.oldest) {
      expect(Math.abs(o.exact - 1)).toBeLessThan(1e-6);
      expect(Math.abs(o.naive / yarnAf(8) ** o.shifts - 1)).toBeLessThan(1e-5);
    }
    expect(r.oldest).toHaveLength(5);
    expect(r.exactVsBefore).toBeLessThan(1e-5);
    expect(r.exactVsRebuilt).toBeLessThan(1e-5);
    expect(r.naiveRatio).toBeCloseTo(yarnAf(8) ** 4, 3);
    expect(r.topWeight.naive).toBeGreaterThan(r.topWeight.exact);
  });
  it('partial rotary: the rotated channels carry the factor, af^n of them after n naive shifts', () => {
    const r = cache(lib, S({ dim: 64, rot: 32, cfac: 8, cshifts: 3, cdrop: 32 }));
    for (const o of r.oldest) {
      expect(Math.abs(o.exact - 1)).toBeLessThan(1e-6);
      expect(Math.abs(o.naive / yarnAf(8) ** o.shifts - 1)).toBeLessThan(1e-5);
    }
  });
  it('without scaling the two ways agree', () => {
    const r = cache(lib, S({ cfac: 1, cshifts: 8, cdrop: 16 }));
    expect(r.attentionFactor).toBe(1);
    for (const o of r.oldest) expect(Math.abs(o.naive - 1)).toBeLessThan(1e-5);
    for (const row of r.scores) expect(Math.abs(row.naive - row.exact)).toBeLessThan(1e-5);
  });
  it('controls: shifts are clamped to half the cache; the state round-trips the URL', () => {
    expect(S({ cdrop: 128, cshifts: 16 }).cshifts).toBe(2);
    expect(S({ cdrop: 8, cshifts: 32 }).cshifts).toBe(32);
    expect(S({ cfac: 3 }).cfac).toBe(8);
    const st = S({ cfac: 16, cshifts: 3, cdrop: 64, section: 'cache' });
    expect(queryToState(stateToQuery(st))).toEqual(st);
    const r = cache(lib, st);
    expect(r.oldest.at(-1).token).toBe(3 * 64);
    expect(r.scores.filter((x) => x.shifts === 3)).toHaveLength(512 - 3 * 64);
  });
});

describe('precision lab, 16-bit paths', () => {
  it('float32 within 3e-7·max|x|, float16 within half an ulp (2^-11), bfloat16 within 2^-8, bit for bit rounded', () => {
    const s = S({ ppos: 1000000 });
    const r = precision16(lib, s);
    expect(r.bitExact).toBe(true);
    for (const k of ['float32', 'float16', 'bfloat16']) expect(r.worst[k]).toBeLessThanOrEqual(1);
    for (const row of r.series) expect(row.error).toBeLessThanOrEqual(HALF_ULP[row.dtype] + 3e-7);
    // Independently here: the float16 output at 1e6 against float64 of the decoded input.
    const x = tokenVector('precision', 'x', 1, 64);
    const xin = Array.from(x, (v) => fromF16Bits(f16Bits(v)));
    const th = Array.from({ length: 32 }, (_, i) => 10000 ** (-i / 32));
    const y = r.outputs.float16.map(fromF16Bits);
    for (let i = 0; i < 32; i++) {
      const t = 1e6 * th[i];
      const ra = xin[i] * Math.cos(t) - xin[i + 32] * Math.sin(t);
      const rb = xin[i] * Math.sin(t) + xin[i + 32] * Math.cos(t);
      expect(Math.abs(y[i] - ra)).toBeLessThanOrEqual(2 ** -11 * Math.abs(ra) + 1e-6);
      expect(Math.abs(y[i + 32] - rb)).toBeLessThanOrEqual(2 ** -11 * Math.abs(rb) + 1e-6);
    }
  });
});
