// M-RoPE (chunked, interleaved, vision), freq factors and proportional scaling through the
// package on both builds, against float64 references written from the Hugging Face source
// (transformers decba1d2ea, 5.16.0.dev0):
//   chunked     models/qwen2_vl/modeling_qwen2_vl.py apply_multimodal_rotary_pos_emb
//               (cos/sin split into mrope_section * 2 chunks, chunk i takes stream i % 3)
//   interleaved models/qwen3_vl/modeling_qwen3_vl.py apply_interleaved_mrope
//               (freqs_t[..., 1:3*S_h:3] = h, freqs_t[..., 2:3*S_w:3] = w)
//   vision      models/qwen2_vl/modeling_qwen2_vl.py VisionRotaryEmbedding(head_dim // 2) applied
//               to the (h, w) stream, `rotary_pos_emb = cat(h * inv, w * inv)`
//   proportional modeling_rope_utils.py _compute_proportional_rope_parameters
// Every accepted position form, the copying path and RopeBuffers, applyQK, inverse; text-only
// M-RoPE bit-identical to 1-D; positions past 1e5; bad input named.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { mropePositions, visionPositions } from '../../dist/index.js';
import { BUILDS, loadBuild } from './builds.js';
import { expectRopeError } from './expect-error.js';
import { TOLERANCE, maxAbs, maxAbsDiff, randomFloats } from './reference.js';

const RUNS = Number(process.env.ROPE_PROPERTY_RUNS ?? 60);
const SEED = Number(process.env.ROPE_PROPERTY_SEED ?? 20261201);

// The stream of pair i under each Hugging Face function (written from the slicing, not from
// the package's code).
function hfStream(mode, sec, i) {
  if (mode === 'interleaved') {
    for (let j = 1; j < 3 * sec[1]; j += 3) if (j === i) return 1;
    for (let j = 2; j < 3 * sec[2]; j += 3) if (j === i) return 2;
    return 0;
  }
  let acc = 0;
  for (let k = 0; k < sec.length; k++) {
    acc += sec[k];
    if (i < acc) return k;
  }
  throw new Error('pair past the sections');
}

function hfInvFreq(mode, sec, base, rotaryDim) {
  if (mode === 'vision') return sec.flatMap((s) => Array.from({ length: s }, (_, j) => 1 / base ** ((2 * j) / (2 * s))));
  return Array.from({ length: rotaryDim / 2 }, (_, i) => 1 / base ** ((2 * i) / rotaryDim));
}

// x: [tokens, heads, headDim]; pos: stream-major Int32Array of streams x tokens.
function referenceMrope(x, { headDim, rotaryDim = headDim, layout, numHeads, inv, mode, sec, pos, tokens }) {
  const y = Float64Array.from(x);
  const pairs = rotaryDim / 2;
  for (let t = 0; t < tokens; t++) {
    for (let h = 0; h < numHeads; h++) {
      const off = (t * numHeads + h) * headDim;
      for (let i = 0; i < pairs; i++) {
        const angle = pos[hfStream(mode, sec, i) * tokens + t] * inv[i];
        const c = Math.cos(angle);
        const s = Math.sin(angle);
        const a = layout === 'interleaved' ? off + 2 * i : off + i;
        const b = layout === 'interleaved' ? off + 2 * i + 1 : off + i + pairs;
        y[a] = x[a] * c - x[b] * s;
        y[b] = x[b] * c + x[a] * s;
      }
    }
  }
  return y;
}

const MODELS = {
  'Qwen2-VL-7B (chunked)': { config: { headDim: 128, base: 1e6, mrope: { section: [16, 24, 24] } }, numHeads: 4 },
  'Qwen3-VL-8B (interleaved)': { config: { headDim: 128, base: 5e6, mrope: { section: [24, 20, 20], mode: 'interleaved' } }, numHeads: 4 },
  'Qwen3.5 (interleaved, partial)': { config: { headDim: 256, rotaryDim: 64, base: 1e7, mrope: { section: [11, 11, 10], mode: 'interleaved' } }, numHeads: 2 },
  'GLM-4.1V (chunked, interleaved pairs)': { config: { headDim: 128, rotaryDim: 64, base: 10000, layout: 'interleaved', mrope: { section: [8, 12, 12] } }, numHeads: 3 },
  'Qwen2-VL vision tower': { config: { headDim: 80, base: 10000, mrope: { section: [20, 20], mode: 'vision' } }, numHeads: 2, vision: true },
  'Llama 4 vision tower': { config: { headDim: 88, base: 10000, layout: 'interleaved', mrope: { section: [22, 22], mode: 'vision' } }, numHeads: 2, vision: true },
};

describe.each(BUILDS)('M-RoPE on the %s build', (build) => {
  let lib;
  beforeAll(async () => {
    lib = await loadBuild(build);
  });

  for (const [name, { config, numHeads, vision }] of Object.entries(MODELS)) {
    it(`${name}: a real prompt's positions, every accepted form, copying and in place, match float64`, () => {
      const rope = lib.createRope(config);
      const mode = config.mrope.mode ?? 'chunked';
      const sec = config.mrope.section;
      const streams = sec.length;
      let pos;
      if (vision) {
        pos = visionPositions([2, 16, 12]); // 384 patches, h then w
      } else {
        pos = mropePositions([{ text: 20 }, { image: [1, 28, 36] }, { text: 30 }, { video: [4, 8, 8] }, { text: 7 }],
          { model: mode === 'interleaved' ? 'qwen3-vl' : 'qwen2-vl' }).positions;
      }
      const tokens = pos.length / streams;
      for (const offset of [0, 123456]) {
        const shifted = pos.map((p) => p + offset);
        const x0 = randomFloats(tokens * numHeads * config.headDim, tokens + offset);
        const inv = hfInvFreq(mode, sec, config.base, config.rotaryDim ?? config.headDim);
        const want = referenceMrope(x0, { ...config, layout: config.layout ?? 'half', numHeads, inv, mode, sec, pos: shifted, tokens });
        const forms = {
          'Int32Array streams x tokens': shifted,
          'BigInt64Array': BigInt64Array.from(shifted, (v) => BigInt(v)),
          'number[]': Array.from(shifted),
          'one array per stream': Array.from({ length: streams }, (_, k) => shifted.subarray(k * tokens, (k + 1) * tokens)),
        };
        let first = null;
        for (const [form, positions] of Object.entries(forms)) {
          const x = x0.slice();
          rope.apply(x, { numHeads, positions });
          expect(maxAbsDiff(x, want), `${form}, offset ${offset}`).toBeLessThanOrEqual(TOLERANCE * maxAbs(x0));
          if (first === null) first = x;
          else expect(Array.from(x)).toEqual(Array.from(first));
        }
        const buf = lib.alloc(x0.length);
        buf.view().set(x0);
        rope.apply(buf, { numHeads, positions: shifted });
        expect(Array.from(buf.view())).toEqual(Array.from(first));
        rope.apply(buf, { numHeads, positions: shifted, inverse: true });
        expect(maxAbsDiff(buf.view(), x0)).toBeLessThanOrEqual(2e-6);
        buf.dispose();
      }
      expect(rope.mrope).toEqual({ section: sec, mode });
      rope.dispose();
    });
  }

  it('text-only positions (a number, or equal streams) are 1-D RoPE bit for bit', () => {
    const m = lib.createRope({ headDim: 128, base: 1e6, mrope: { section: [16, 24, 24] } });
    const plain = lib.createRope({ headDim: 128, base: 1e6 });
    const x0 = randomFloats(37 * 4 * 128, 3);
    const a = x0.slice();
    const b = x0.slice();
    m.apply(a, { numHeads: 4, positions: 90000 });
    plain.apply(b, { numHeads: 4, positions: 90000 });
    expect(Array.from(a)).toEqual(Array.from(b));
    const list = Int32Array.from({ length: 37 }, (_, t) => 5 * t);
    const c = x0.slice();
    const d = x0.slice();
    m.apply(c, { numHeads: 4, positions: [list, list, list] });
    plain.apply(d, { numHeads: 4, positions: list });
    expect(Array.from(c)).toEqual(Array.from(d));
    m.dispose();
    plain.dispose();
  });

  it('a decode step with explicit stream positions (the inline path) equals the general path; repeated prefills reuse nothing stale', () => {
    const rope = lib.createRope({ headDim: 128, base: 1e6, mrope: { section: [16, 24, 24] } });
    const buf = lib.alloc(28 * 128);
    const x0 = randomFloats(buf.length, 21);
    buf.view().set(x0);
    rope.apply(buf, { numHeads: 28, positions: Int32Array.from([900, 40, 41]) });
    const viaGeneral = x0.slice();
    rope.apply(viaGeneral, { numHeads: 28, positions: [[900], [40], [41]] });
    expect(Array.from(buf.view())).toEqual(Array.from(viaGeneral));
    expectRopeError(() => rope.apply(buf, { numHeads: 28, positions: Int32Array.from([1, 2]) }), 'POSITION_INVALID', 'options.positions');
    // The same prompt twice, then with one position changed: each as a fresh rope gives it.
    const { positions } = mropePositions([{ text: 3 }, { image: [1, 8, 8] }, { text: 2 }], { model: 'qwen2-vl' });
    const tokens = positions.length / 3;
    const p0 = randomFloats(tokens * 4 * 128, 22);
    const once = (r, pos) => { const b = lib.alloc(p0.length); b.view().set(p0); r.apply(b, { numHeads: 4, positions: pos }); const out = b.view().slice(); b.dispose(); return Array.from(out); };
    const fresh = (pos) => { const r = lib.createRope({ headDim: 128, base: 1e6, mrope: { section: [16, 24, 24] } }); const out = once(r, pos); r.dispose(); return out; };
    const a = once(rope, positions);
    expect(once(rope, positions)).toEqual(a);
    const changed = positions.slice();
    changed[tokens + 5] += 1;
    expect(once(rope, changed)).toEqual(fresh(changed));
    buf.dispose();
    rope.dispose();
  });

  it('applyQK on a prefill (copied in chunks) and a decode step, as a Qwen2-VL runtime would', () => {
    const rope = lib.createRope({ headDim: 128, base: 1e6, mrope: { section: [16, 24, 24] }, numHeads: 28, numKvHeads: 4 });
    const { positions, nextPosition } = mropePositions([{ text: 5 }, { image: [1, 44, 44] }, { text: 9 }], { model: 'qwen2-vl' });
    const tokens = positions.length / 3;
    const q0 = randomFloats(tokens * 28 * 128, 11);
    const k0 = randomFloats(tokens * 4 * 128, 12);
    const q = q0.slice();
    const k = k0.slice();
    rope.applyQK(q, k, { positions });
    const inv = hfInvFreq('chunked', [16, 24, 24], 1e6, 128);
    const ref = (x0, heads, pos, n) => referenceMrope(x0, { headDim: 128, layout: 'half', numHeads: heads, inv, mode: 'chunked', sec: [16, 24, 24], pos, tokens: n });
    expect(maxAbsDiff(q, ref(q0, 28, positions, tokens))).toBeLessThanOrEqual(TOLERANCE * maxAbs(q0));
    expect(maxAbsDiff(k, ref(k0, 4, positions, tokens))).toBeLessThanOrEqual(TOLERANCE * maxAbs(k0));
    // Decode: every stream at nextPosition, then +1 per step: a plain number.
    const dq = lib.alloc(28 * 128);
    const dk = lib.alloc(4 * 128);
    const dq0 = randomFloats(dq.length, 13);
    dq.view().set(dq0);
    rope.applyQK(dq, dk, { positions: nextPosition });
    const p3 = Int32Array.from([nextPosition, nextPosition, nextPosition]);
    expect(maxAbsDiff(dq.view(), ref(dq0, 28, p3, 1))).toBeLessThanOrEqual(TOLERANCE * maxAbs(dq0));
    dq.dispose();
    dk.dispose();
    rope.dispose();
  });

  it('property: random sections, modes, shapes and stream positions match float64', () => {
    const arb = fc.record({
      halfRot: fc.integer({ min: 1, max: 40 }),
      extra: fc.integer({ min: 0, max: 8 }),
      layout: fc.constantFrom('half', 'interleaved'),
      mode: fc.constantFrom('chunked', 'interleaved', 'vision'),
      cut: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 3, maxLength: 3 }),
      streams: fc.integer({ min: 1, max: 4 }),
      heads: fc.integer({ min: 1, max: 3 }),
      tokens: fc.integer({ min: 1, max: 300 }),
      seed: fc.integer({ min: 1, max: 1 << 28 }),
      spread: fc.constantFrom(3, 1000, 2 ** 20),
    });
    fc.assert(fc.property(arb, (a) => {
      const pairs = a.halfRot;
      let streams = a.mode === 'interleaved' ? 3 : a.streams;
      if (a.mode === 'vision') streams = Math.min(streams, pairs);
      // Sections: pairs split at random points (interleaved sections need not sum to pairs).
      let sec;
      if (a.mode === 'interleaved') sec = a.cut.map((c) => c % (pairs + 1));
      else {
        const points = a.cut.slice(0, streams - 1).map((c) => c % (pairs + 1)).sort((x, y) => x - y);
        sec = [...points, pairs].map((p, i, all) => p - (i ? all[i - 1] : 0));
        if (a.mode === 'vision') sec = Array.from({ length: streams }, (_, i) => (i < streams - 1 ? 1 : pairs - streams + 1));
      }
      const headDim = 2 * pairs + 2 * a.extra;
      const rope = lib.createRope({ headDim, rotaryDim: 2 * pairs, layout: a.layout, mrope: { section: sec, mode: a.mode } });
      try {
        const pos = Int32Array.from({ length: streams * a.tokens }, (_, i) => ((i * 2654435761 + a.seed) >>> 0) % a.spread - (a.spread >> 2));
        const x0 = randomFloats(a.tokens * a.heads * headDim, a.seed);
        const x = x0.slice();
        rope.apply(x, { numHeads: a.heads, positions: pos });
        const inv = hfInvFreq(a.mode, sec, 10000, 2 * pairs);
        const want = referenceMrope(x0, { headDim, rotaryDim: 2 * pairs, layout: a.layout, numHeads: a.heads, inv, mode: a.mode, sec, pos, tokens: a.tokens });
        expect(maxAbsDiff(x, want)).toBeLessThanOrEqual(TOLERANCE * maxAbs(x0));
      } finally {
        rope.dispose();
      }
    }), { numRuns: RUNS, seed: SEED });
  });

  it('bad input: each a RopeError naming the argument and value, nothing written', () => {
    expectRopeError(() => lib.createRope({ headDim: 128, mrope: { section: [16, 24, 23] } }), 'MROPE_INVALID', 'config.mrope.section', 'must sum to rotaryDim / 2 = 64', 'sums to 63');
    expectRopeError(() => lib.createRope({ headDim: 128, mrope: { section: [16, 48], mode: 'interleaved' } }), 'MROPE_INVALID', 'config.mrope.section', '3 entries');
    expectRopeError(() => lib.createRope({ headDim: 128, mrope: { section: [16, 24, 24], mode: 'axial' } }), 'MROPE_INVALID', 'config.mrope.mode');
    expectRopeError(() => lib.createRope({ headDim: 128, mrope: { section: [16, 24.5, 23.5] } }), 'MROPE_INVALID', 'config.mrope.section[1]');
    expectRopeError(() => lib.createRope({ headDim: 128, mrope: { sections: [16, 24, 24] } }), 'UNKNOWN_OPTION', 'config.mrope.sections');
    expectRopeError(() => lib.createRope({ headDim: 80, mrope: { section: [20, 20], mode: 'vision' }, scaling: { type: 'linear', factor: 2 } }), 'SCALING_INVALID', 'config.scaling', 'vision');
    expectRopeError(() => lib.createRope({ headDim: 80, mrope: { section: [40, 0], mode: 'vision' } }), 'MROPE_INVALID', 'config.mrope.section[1]');
    expectRopeError(() => lib.createRope({ headDim: 8, freqFactors: [1, 1, 1] }), 'FREQ_FACTORS_INVALID', 'config.freqFactors', '4 entries');
    expectRopeError(() => lib.createRope({ headDim: 8, freqFactors: [1, 0, 1, 1] }), 'FREQ_FACTORS_INVALID', 'config.freqFactors[1]');
    expectRopeError(() => lib.createRope({ headDim: 8, freqFactors: [1, -2, 1, 1] }), 'FREQ_FACTORS_INVALID', 'config.freqFactors[1]');
    expectRopeError(() => lib.createRope({ headDim: 8, freqFactors: [1, NaN, 1, 1] }), 'FREQ_FACTORS_INVALID', 'config.freqFactors[1]');
    const rope = lib.createRope({ headDim: 64, mrope: { section: [8, 12, 12] } });
    const x0 = randomFloats(4 * 64, 1);
    const x = x0.slice();
    const t4 = Int32Array.from([0, 1, 2, 3]);
    expectRopeError(() => rope.apply(x, { numHeads: 1, positions: [t4, t4] }), 'POSITION_INVALID', 'options.positions', '3 position streams');
    expectRopeError(() => rope.apply(x, { numHeads: 1, positions: [t4, t4, t4.subarray(1)] }), 'POSITION_INVALID', 'options.positions[2]', 'stream w');
    expectRopeError(() => rope.apply(x, { numHeads: 1, positions: t4 }), 'POSITION_INVALID', 'options.positions', '3 x 4 entries');
    expectRopeError(() => rope.apply(x, { numHeads: 1, positions: BigInt64Array.from([0n, 1n, 2n, 3n, 0n, 1n, 2n, 3n, 0n, 1n, 2n, 2n ** 40n]) }), 'POSITION_INVALID', 'options.positions[11]', 'int32');
    expectRopeError(() => rope.apply(x, { numHeads: 1, positions: [t4, t4, [0, 1, 2, 1.5]] }), 'POSITION_INVALID', 'options.positions[2][3]');
    expect(x).toEqual(x0);
    rope.dispose();
  });

  it('proportional (Gemma 4 full attention): the first pf * D/2 pairs at base^(-2i/D), the rest still', () => {
    const rope = lib.createRope({ headDim: 512, base: 1e6, scaling: { type: 'proportional', partialRotaryFactor: 0.25 } });
    const want = Array.from({ length: 256 }, (_, k) => (k < 64 ? 1 / 1e6 ** ((2 * k) / 512) : 0));
    // (within an ulp or two: the core's pow is musl's, the reference's V8's)
    rope.invFreq.forEach((f, k) => expect(Math.abs(f - want[k])).toBeLessThanOrEqual(4e-16 * want[k]));
    expect(Array.from(rope.invFreq.subarray(64)).every((f) => f === 0)).toBe(true);
    const x0 = randomFloats(512, 5);
    const x = x0.slice();
    rope.apply(x, { numHeads: 1, positions: 70000 });
    for (let k = 0; k < 256; k++) {
      const c = Math.cos(70000 * want[k]);
      const s = Math.sin(70000 * want[k]);
      expect(Math.abs(x[k] - (x0[k] * c - x0[k + 256] * s))).toBeLessThanOrEqual(TOLERANCE);
      if (k >= 64) expect(x[k]).toBe(x0[k]);
    }
    expect(rope.scaling).toEqual({ type: 'proportional', partialRotaryFactor: 0.25, factor: 1 });
    rope.dispose();
    expectRopeError(() => lib.createRope({ headDim: 64, scaling: { type: 'proportional', partialRotaryFactor: 2 } }), 'SCALING_INVALID', 'config.scaling.partialRotaryFactor');
  });

  it('freqFactors divide each pair\'s frequency; Infinity stops a pair', () => {
    const rope = lib.createRope({ headDim: 8, base: 10000, freqFactors: [1, 2, Infinity, 4] });
    const base = [0, 1, 2, 3].map((i) => 1 / 10000 ** ((2 * i) / 8));
    const got = Array.from(rope.invFreq);
    [base[0], base[1] / 2, 0, base[3] / 4].forEach((f, i) => expect(Math.abs(got[i] - f)).toBeLessThanOrEqual(4e-16 * f));
    expect(got[2]).toBe(0);
    expect(Array.from(rope.freqFactors)).toEqual([1, 2, Infinity, 4]);
    const x0 = randomFloats(8, 2);
    const x = x0.slice();
    rope.apply(x, { numHeads: 1, positions: 1000 });
    expect(x[2]).toBe(x0[2]);
    expect(x[6]).toBe(x0[6]);
    rope.dispose();
  });
});
