import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ANGLE_RULES, additiveTerms, bf16, dot, fnv1a, gaussian, invFreq64, linspaceInt, logspaceInt, makeJsRope, meanStd,
  mulberry32, norm, pairChannels, relError, roformerBound, rotateWith, sinusoidal, tokenVector, tokenize, fmt,
} from '../../web/src/math.js';

describe('tokens and their vectors', () => {
  it('splits words and punctuation, keeping the seed example positions', () => {
    const t = tokenize('The cat is sleeping peacefully. Then the cat is sleeping on the mat.');
    expect(t).toHaveLength(15);
    expect(t[1]).toBe('cat');
    expect(t[3]).toBe('sleeping');
    expect(t[8]).toBe('cat');
    expect(t[10]).toBe('sleeping');
    expect(t[5]).toBe('.');
    expect(tokenize("l'été, déjà!")).toEqual(["l'été", ',', 'déjà', '!']);
  });

  it('gives each token a deterministic, case-insensitive vector that depends on role and seed', () => {
    const a = tokenVector('Cat', 'q', 1, 64);
    expect(tokenVector('cat', 'q', 1, 64)).toEqual(a);
    expect(tokenVector('cat', 'k', 1, 64)).not.toEqual(a);
    expect(tokenVector('cat', 'q', 2, 64)).not.toEqual(a);
    expect(tokenVector('dog', 'q', 1, 64)).not.toEqual(a);
    expect(a).toBeInstanceOf(Float32Array);
  });

  it('draws roughly standard normal samples', () => {
    const g = gaussian(20000, mulberry32(7));
    const { mean, std } = meanStd(Array.from(g));
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(std - 1)).toBeLessThan(0.03);
  });

  it('hashes with FNV-1a', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
  });
});

describe('pairs and rotations', () => {
  it('pairs channels as each layout says', () => {
    expect(pairChannels('interleaved', 3, 16)).toEqual([6, 7]);
    expect(pairChannels('half', 3, 16)).toEqual([3, 11]);
  });

  it('the float64 reference keeps the norm and depends only on the distance', () => {
    fc.assert(fc.property(fc.integer({ min: -5000, max: 5000 }), fc.integer({ min: -5000, max: 5000 }), fc.integer({ min: 0, max: 1000 }), fc.constantFrom('half', 'interleaved'), (m, n, shift, layout) => {
      const d = 16;
      const th = invFreq64(10000, d);
      const q = tokenVector('q', 'q', 3, d);
      const k = tokenVector('k', 'k', 3, d);
      const rot = (x, p) => rotateWith(x, layout, d, (i) => p * th[i]);
      const a = dot(rot(q, m), rot(k, n));
      const b = dot(rot(q, m + shift), rot(k, n + shift));
      expect(Math.abs(a - b)).toBeLessThan(1e-9);
      expect(Math.abs(norm(rot(q, m)) - norm(q))).toBeLessThan(1e-9);
    }));
  });

  it('leaves pass-through channels alone', () => {
    const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const y = rotateWith(x, 'half', 4, () => 1.0);
    expect(y[4]).toBe(5);
    expect(y[5]).toBe(6);
  });

  it('frequencies are base^(-2i/d)', () => {
    const f = invFreq64(10000, 8);
    expect(Array.from(f)).toEqual([1, 10000 ** -0.25, 10000 ** -0.5, 10000 ** -0.75]);
  });
});

describe('precision simulations', () => {
  it('rounds to bfloat16 with round-to-nearest-even', () => {
    expect(bf16(1)).toBe(1);
    expect(bf16(256)).toBe(256);
    expect(bf16(257)).toBe(256);
    expect(bf16(259)).toBe(260);
    expect(bf16(1000000)).toBe(999424);
    expect(bf16(-3.0)).toBe(-3);
  });

  it('the four angle rules agree at small positions and diverge at large ones', () => {
    const th = 0.0123456789;
    expect(ANGLE_RULES.reference(3, th)).toBe(3 * th);
    expect(Math.abs(ANGLE_RULES.float32(3, th) - 3 * th)).toBeLessThan(1e-8);
    expect(ANGLE_RULES.bf16pos(1000001, 1)).toBe(999424);
    expect(Math.abs(ANGLE_RULES.float32(1e8 + 1, 1) - (1e8 + 1))).toBeGreaterThan(0.5);
    expect(Math.abs(ANGLE_RULES.bf16freq(1000, th) - 1000 * th)).toBeGreaterThan(1e-3);
  });

  it('relError is the norm of the difference over the input norm', () => {
    expect(relError([1, 0], [0, 0], [3, 4])).toBeCloseTo(0.2, 12);
  });
});

describe('sinusoidal encoding and the additive score', () => {
  it('p(0) is sin 0 / cos 0 and p(t) follows seed 002', () => {
    expect(Array.from(sinusoidal(0, 4))).toEqual([0, 1, 0, 1]);
    const p = sinusoidal(5, 4, 10000);
    expect(p[0]).toBeCloseTo(Math.sin(5), 12);
    expect(p[3]).toBeCloseTo(Math.cos(5 / 100), 12);
  });

  it('the four terms sum to the additive score, and p(m).p(n) depends only on n - m', () => {
    const d = 16;
    const x = tokenVector('x', 'q', 1, d);
    const y = tokenVector('y', 'k', 1, d);
    const pm = sinusoidal(10, d);
    const pn = sinusoidal(13, d);
    const t = additiveTerms(x, y, pm, pn);
    const xs = Array.from(x, (v, i) => v + pm[i]);
    const ys = Array.from(y, (v, i) => v + pn[i]);
    expect(t.content + t.xPos + t.posY + t.posPos).toBeCloseTo(dot(xs, ys), 9);
    expect(dot(sinusoidal(40, d), sinusoidal(43, d))).toBeCloseTo(t.posPos, 9);
  });
});

describe('RoFormer bound', () => {
  it('is (n + 1) / 2 at distance 0 and shrinks at large distances', () => {
    const n = 32;
    expect(roformerBound(new Array(n).fill(1), new Array(n).fill(0))).toBeCloseTo((n + 1) / 2, 12);
    const th = invFreq64(10000, 2 * n);
    const at = (r) => roformerBound(Array.from(th, (t) => Math.cos(r * t)), Array.from(th, (t) => Math.sin(r * t)));
    expect(at(1000)).toBeLessThan(at(0) / 2);
  });
});

describe('plain-JS RoPE for the benchmark', () => {
  it('matches the float64 reference (half layout)', () => {
    const d = 32;
    const heads = 2;
    const tokens = 5;
    const apply = makeJsRope(d, 10000, tokens + 3);
    const x = gaussian(d * heads * tokens, mulberry32(9));
    const y = Float32Array.from(x);
    apply(y, heads, 3);
    const th = invFreq64(10000, d);
    for (let t = 0; t < tokens; t++) {
      for (let h = 0; h < heads; h++) {
        const o = (t * heads + h) * d;
        const ref = rotateWith(x.subarray(o, o + d), 'half', d, (i) => (t + 3) * th[i]);
        expect(relError(y.subarray(o, o + d), ref, x.subarray(o, o + d))).toBeLessThan(1e-6);
      }
    }
  });
});

describe('sampling and formatting helpers', () => {
  it('linspaceInt covers both ends without duplicates', () => {
    expect(linspaceInt(10, 3)).toEqual([0, 5, 10]);
    expect(linspaceInt(3, 100)).toEqual([0, 1, 2, 3]);
  });
  it('logspaceInt covers both ends, is increasing and deduplicated', () => {
    const v = logspaceInt(1, 1e6, 50);
    expect(v[0]).toBe(1);
    expect(v[v.length - 1]).toBe(1e6);
    for (let i = 1; i < v.length; i++) expect(v[i]).toBeGreaterThan(v[i - 1]);
  });
  it('fmt is compact', () => {
    expect(fmt(0)).toBe('0');
    expect(fmt(4096)).toBe('4096');
    expect(fmt(0.31749)).toBe('0.317');
    expect(fmt(1.2e-7)).toBe('1.20e-7');
  });
});
