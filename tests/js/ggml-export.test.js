// toGGML(rope): ggml_rope_ext's arguments for a rope. The expected values come from a port of
// ggml's own CPU RoPE (tests/js/ggml-reference/ggml-rope.js, from ggml's source): vectors
// rotated by the port driven by toGGML's arguments must equal rope-wasm's `apply`
// - in float32 (the port rounding every step as ggml does), within a bound derived from ggml's
//   float32 angle arithmetic (below), and
// - in float64 (the same port without rounding), within 3e-7 * max|x|, plus only the float32
//   rounding of freq_factors that ggml's F32 tensor imposes: this shows the arguments are the
//   exact ones, not merely close.
import { describe, expect, it } from 'vitest';
import { toGGML } from '../../dist/ggml-export.js';
import { BUILDS, loadBuild } from './builds.js';
import { expectRopeError } from './expect-error.js';
import { randomFloats } from './reference.js';
import { ggmlRopeExt, ropeYarnCorrDims } from './ggml-reference/ggml-rope.js';

const U = 2 ** -24; // float32 unit roundoff
const POSITIONS = Int32Array.from([0, 1, 2, 5, 31, 100, 1000, 2047, 2048, 4095, 4096, 8191, 8192, 16385, 32768, 65535, 99999, 100000]);
const NUM_HEADS = 2;

const longropeFactors = (pairs, step) => Array.from({ length: pairs }, (_, i) => 1 + step * i + 0.0123 * Math.sin(i));

// Each case: a RopeConfig (headDim and layout are filled in per run), options for toGGML and
// apply (seqLen), and the freq_factors toGGML must return before float32 rounding, computed here
// from the config's meaning (the frequencies rope-wasm reports), never from toGGML.
const CASES = [
  { name: 'none', config: {} },
  { name: 'linear 4', config: { scaling: { type: 'linear', factor: 4 } } },
  { name: 'linear 3 (1/3 not a float32)', config: { scaling: { type: 'linear', factor: 3 } } },
  { name: 'yarn, default betas', config: { scaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096 } }, yarnNative: true },
  { name: 'yarn, custom betas', config: { base: 50000, scaling: { type: 'yarn', factor: 8, originalMaxPositionEmbeddings: 2048, betaFast: 16, betaSlow: 2 } }, yarnNative: true },
  { name: 'yarn, mscale == mscaleAllDim (DeepSeek)', config: { scaling: { type: 'yarn', factor: 40, originalMaxPositionEmbeddings: 4096, mscale: 0.707, mscaleAllDim: 0.707 } }, yarnNative: true },
  { name: 'yarn, mscale != mscaleAllDim', config: { scaling: { type: 'yarn', factor: 16, originalMaxPositionEmbeddings: 4096, mscale: 1, mscaleAllDim: 0.5 } }, yarnNative: true },
  { name: 'yarn, explicit attentionFactor', config: { scaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096, attentionFactor: 1.2 } }, yarnNative: true },
  { name: 'yarn, truncate: false (gpt-oss)', config: { base: 150000, scaling: { type: 'yarn', factor: 32, originalMaxPositionEmbeddings: 4096, truncate: false } }, factorForm: true },
  // HF: low 0, high -1 after clamping, every pair extrapolated; ggml's MAX(0.001f, high - low) makes
  // pairs >= 1 interpolated instead: returned in the freq-factors form.
  { name: 'yarn, empty correction range (ggml\'s ramp differs)', config: { scaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4 } }, factorForm: true },
  { name: 'yarn, non-integer originalMaxPositionEmbeddings', config: { scaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096.5 } }, factorForm: true },
  { name: 'yarn, factor 0.5', config: { scaling: { type: 'yarn', factor: 0.5, originalMaxPositionEmbeddings: 4096 } }, yarnNative: true },
  { name: 'llama3', config: { base: 500000, scaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 } }, factorForm: true },
  { name: 'llama3, low == high (Llama 4)', config: { base: 500000, scaling: { type: 'llama3', factor: 16, lowFreqFactor: 1, highFreqFactor: 1, originalMaxPositionEmbeddings: 8192 } }, factorForm: true },
  { name: 'longrope, short regime', longrope: true, seqLen: 4096, factorForm: true },
  { name: 'longrope, long regime', longrope: true, seqLen: 100001, factorForm: true },
  { name: 'proportional (Gemma 4)', config: { base: 1e6, scaling: { type: 'proportional', partialRotaryFactor: 0.25 } }, proportional: true },
  { name: 'proportional, factor 2', config: { base: 1e6, scaling: { type: 'proportional', partialRotaryFactor: 0.5, factor: 2 } }, proportional: true },
  { name: 'dynamic, seqLen within max', config: { scaling: { type: 'dynamic', factor: 2, maxPositionEmbeddings: 2048 } }, seqLen: 2000 },
  { name: 'dynamic, seqLen past max', config: { scaling: { type: 'dynamic', factor: 2, maxPositionEmbeddings: 2048 } }, seqLen: 100001 },
  { name: 'freqFactors', ownFactors: true, config: {} },
  { name: 'freqFactors + yarn', ownFactors: true, config: { scaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096 } }, yarnNative: true },
  { name: 'freqFactors + llama3', ownFactors: true, config: { base: 500000, scaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 } }, factorForm: true },
  { name: 'freqFactors + proportional', ownFactors: true, config: { base: 1e6, scaling: { type: 'proportional', partialRotaryFactor: 0.5 } }, proportional: true },
];
// Full and partial rotary (the channels past rotaryDim are copied by both).
const SHAPES = [{ headDim: 64, rotaryDim: 64 }, { headDim: 96, rotaryDim: 64 }];
const LAYOUTS = ['half', 'interleaved'];

function configFor(c, shape, layout) {
  const pairs = shape.rotaryDim / 2;
  const config = { ...c.config, headDim: shape.headDim, rotaryDim: shape.rotaryDim, layout };
  if (c.longrope) {
    config.scaling = {
      type: 'longrope', shortFactor: longropeFactors(pairs, 0.01), longFactor: longropeFactors(pairs, 0.5),
      originalMaxPositionEmbeddings: 4096, maxPositionEmbeddings: 131072,
    };
  }
  if (c.ownFactors) {
    // Not float32 values, one still pair (Infinity), one fast pair.
    config.freqFactors = Array.from({ length: pairs }, (_, i) => (i === pairs - 3 ? Infinity : i === 1 ? 0.7 : 1 + 0.1 * Math.cos(i)));
  }
  return config;
}

// The freq_factors (float64, before float32 rounding) each case means, or null.
function intendedFactors(c, rope, info) {
  const pairs = rope.rotaryDim / 2;
  const own = rope.freqFactors;
  if (c.factorForm) return Float64Array.from({ length: pairs }, (_, i) => info.baseFreq[i] / info.freq[i]);
  if (c.proportional) {
    const a = Math.floor((rope.scaling.partialRotaryFactor * rope.rotaryDim) / 2);
    return Float64Array.from({ length: pairs }, (_, i) => (i < a ? 1 : 1e30) * (own ? own[i] : 1));
  }
  return own ? Float64Array.from(own) : null;
}

// Compares rope-wasm's rotation of x with the port's, pair by pair, with per-element bounds.
// Returns the largest error / bound ratio seen (<= 1, else it throws) and the largest error.
function compare(rope, x, got, want, info, g, bound) {
  const { headDim, rotaryDim } = rope;
  const pairs = rotaryDim / 2;
  const half = rope.layout === 'half';
  let worst = 0;
  let maxErr = 0;
  for (let t = 0; t < POSITIONS.length; t++) {
    for (let h = 0; h < NUM_HEADS; h++) {
      const off = (t * NUM_HEADS + h) * headDim;
      for (let i = 0; i < pairs; i++) {
        const a = off + (half ? i : 2 * i);
        const b = off + (half ? i + pairs : 2 * i + 1);
        const r = Math.hypot(x[a], x[b]);
        const tol = bound(POSITIONS[t], i, r);
        for (const j of [a, b]) {
          const err = Math.abs(got[j] - want[j]);
          if (!(err <= tol)) {
            throw new Error(`position ${POSITIONS[t]}, pair ${i}: rope-wasm ${got[j]}, ggml port ${want[j]}, error ${err} > bound ${tol}`);
          }
          worst = Math.max(worst, err / tol);
          maxErr = Math.max(maxErr, err);
        }
      }
      for (let j = off + rotaryDim; j < off + headDim; j++) expect(want[j]).toBe(got[j]);
    }
  }
  return { worst, maxErr };
}

function rotateWithRope(rope, x, seqLen) {
  const y = Float32Array.from(x);
  rope.apply(y, { numHeads: NUM_HEADS, positions: POSITIONS, ...(seqLen === undefined ? {} : { seqLen }) });
  return y;
}

const shapeFor = (rope) => ({ headDim: rope.headDim, numHeads: NUM_HEADS, positions: POSITIONS });

// ggml's float32 angle error for pair i at position p, relative to the angle theta = p * freq_i:
// - theta_i is a running float32 product p * theta_scale^i: i roundings, and theta_scale =
//   powf(base, -2/n) is off by <= 1 ulp (2u) plus -2/n's rounding, which moves base^(-2i/n) by
//   <= (2i/n) ln(base) u <= ln(base) u; so (i + 2i) u + ln(base) u;
// - theta/ff, ff's float32 rounding, freq_scale's rounding and product, YaRN's mix: <= 12 u; in
//   the ramp the mix weight's rounding moves theta by <= 2u * (extrap - interp) <= 4u * theta / freq_scale.
// The magnitude (cos/sin rounding, attn_factor * ggml's mscale, rotate_pairs' two products and a
// sum, and rope-wasm's own float32 rotation) adds <= 16 u of af * |(x0, x1)|.
function float32Bound(info, g) {
  const lnBase = Math.log(g.freqBase);
  const ramp = g.extFactor !== 0 ? 4 / g.freqScale : 0;
  const af = info.attentionFactor;
  return (p, i, r) => {
    const theta = Math.abs(p * info.freq[i]);
    return af * r * (theta * U * (3 * i + lnBase + 12 + ramp) + 16 * U);
  };
}

// The float64 port: 3e-7 * max|x| (rope-wasm's float32 cos/sin and rotation), plus the angle error
// from rounding freq_factors to float32 (|ff32 / ff - 1| <= u, checked separately).
function float64Bound(info, g, intended, maxAbs) {
  const af = info.attentionFactor;
  return (p, i, r) => {
    let rounding = 0;
    if (intended !== null && Number.isFinite(intended[i]) && intended[i] < 1e29) {
      rounding = Math.abs(g.freqFactors[i] / intended[i] - 1);
    }
    return 3e-7 * maxAbs + af * r * Math.abs(p * info.freq[i]) * rounding;
  };
}

const maxAbsOf = (x) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe.each(BUILDS)('toGGML (%s build)', (build) => {
  // Largest error / bound: float32 port; float64 port where freq_factors are exact float32
  // values (the bound is 3e-7 * max|x| alone), and where their float32 rounding is allowed for.
  const worst = { f32: 0, f64: 0, f64Rounded: 0, f64Err: 0 };
  for (const c of CASES) {
    for (const shape of SHAPES) {
      for (const layout of LAYOUTS) {
        it(`${c.name}, ${layout}, headDim ${shape.headDim} / rotaryDim ${shape.rotaryDim}: ggml's rope_ext with these arguments is this rope`, async () => {
          const lib = await loadBuild(build);
          const rope = lib.createRope(configFor(c, shape, layout));
          try {
            const opts = c.seqLen === undefined ? {} : { seqLen: c.seqLen };
            const g = toGGML(rope, opts);
            const info = rope.frequencies(opts);
            // The mapping's fixed parts.
            expect(g.mode).toBe(layout === 'interleaved' ? 0 : 2);
            expect(g.nDims).toBe(shape.rotaryDim);
            if (c.yarnNative) {
              expect(g.extFactor).toBe(1);
              expect(g.freqScale).toBe(1 / rope.scaling.factor);
              expect(g.nCtxOrig).toBe(rope.scaling.originalMaxPositionEmbeddings);
              expect([g.betaFast, g.betaSlow]).toEqual([rope.scaling.betaFast, rope.scaling.betaSlow]);
            } else {
              expect(g.extFactor).toBe(0);
            }
            // freq_factors: the intended values, correctly rounded to float32.
            const intended = intendedFactors(c, rope, info);
            if (intended === null) {
              expect(g.freqFactors).toBeNull();
            } else {
              expect(g.freqFactors).toBeInstanceOf(Float32Array);
              expect(Array.from(g.freqFactors)).toEqual(Array.from(intended, Math.fround));
            }
            const x = randomFloats(POSITIONS.length * NUM_HEADS * shape.headDim, 7 + shape.headDim);
            const got = rotateWithRope(rope, x, c.seqLen);
            const want32 = ggmlRopeExt(x, shapeFor(rope), g, { precision: 'f32' });
            worst.f32 = Math.max(worst.f32, compare(rope, x, got, want32, info, g, float32Bound(info, g)).worst);
            const want64 = ggmlRopeExt(x, shapeFor(rope), g, { precision: 'f64' });
            const r64 = compare(rope, x, got, want64, info, g, float64Bound(info, g, intended, maxAbsOf(x)));
            const rounded = intended !== null && intended.some((v, i) => g.freqFactors[i] !== v && v < 1e29);
            if (rounded) {
              worst.f64Rounded = Math.max(worst.f64Rounded, r64.worst);
            } else {
              worst.f64 = Math.max(worst.f64, r64.worst);
              worst.f64Err = Math.max(worst.f64Err, r64.maxErr / maxAbsOf(x));
            }
          } finally {
            rope.dispose();
          }
        });
      }
    }
  }
  it('used the bounds (largest error / bound ratios)', () => {
    console.log(`toGGML ${build}: largest error / bound: float32 port ${worst.f32.toFixed(3)}; float64 port ` +
      `${worst.f64.toFixed(3)} (largest error ${worst.f64Err.toExponential(2)} * max|x|) with exact freq_factors, ` +
      `${worst.f64Rounded.toFixed(3)} with float32-rounded ones`);
    for (const v of [worst.f32, worst.f64, worst.f64Rounded]) expect(v).toBeLessThanOrEqual(1);
    expect(worst.f32).toBeGreaterThan(0);
  });

  it('the bounds catch wrong arguments (attn_factor not divided by ggml\'s mscale, llama3 without freq_factors, freq_scale in float32, YaRN form where ggml\'s ramp differs)', async () => {
    const lib = await loadBuild(build);
    const shape = { headDim: 64, rotaryDim: 64 };
    const ropes = [];
    const check = (c, mutate, precision) => {
      const rope = lib.createRope(configFor(c, shape, 'half'));
      ropes.push(rope);
      const g = { ...toGGML(rope), ...mutate(toGGML(rope)) };
      const info = rope.frequencies();
      const x = randomFloats(POSITIONS.length * NUM_HEADS * 64, 3);
      const want = ggmlRopeExt(x, shapeFor(rope), g, { precision });
      const bound = precision === 'f32' ? float32Bound(info, g) : float64Bound(info, g, intendedFactors(c, rope, info), maxAbsOf(x));
      // Unchanged arguments pass; the changed ones must not.
      const right = toGGML(rope);
      const wantRight = ggmlRopeExt(x, shapeFor(rope), right, { precision });
      compare(rope, x, rotateWithRope(rope, x), wantRight, info, right, precision === 'f32' ? float32Bound(info, right)
        : float64Bound(info, right, intendedFactors(c, rope, info), maxAbsOf(x)));
      return () => compare(rope, x, rotateWithRope(rope, x), want, info, g, bound);
    };
    const yarn = CASES.find((c) => c.name === 'yarn, default betas');
    expect(check(yarn, (g) => ({ attnFactor: 1 + 0.1 * Math.log(4) }), 'f32')).toThrow(/bound/);
    const llama3 = CASES.find((c) => c.name === 'llama3');
    expect(check(llama3, () => ({ freqFactors: null }), 'f32')).toThrow(/bound/);
    // A float32 freq_scale (1/3 rounded) is visible to the float64 port at large positions.
    const linear3 = CASES.find((c) => c.name === 'linear 3 (1/3 not a float32)');
    expect(check(linear3, (g) => ({ freqScale: Math.fround(g.freqScale) }), 'f64')).toThrow(/bound/);
    // yarn's ramp without ggml's floor/ceil (truncate: false) in the native form: off.
    const gptoss = CASES.find((c) => c.name === 'yarn, truncate: false (gpt-oss)');
    expect(check(gptoss, () => ({ freqFactors: null, freqScale: 1 / 32, extFactor: 1, attnFactor: 1 }), 'f32')).toThrow(/bound/);
    // An empty correction range in ggml's YaRN form: ggml interpolates pairs HF extrapolates.
    const empty = CASES.find((c) => c.name.startsWith('yarn, empty correction range'));
    expect(check(empty, () => ({ freqFactors: null, freqScale: 1 / 4, extFactor: 1, nCtxOrig: 4, attnFactor: 1 }), 'f32')).toThrow(/bound/);
    for (const r of ropes) r.dispose();
  });
});

describe('toGGML: llama.cpp\'s mapping, value by value', () => {
  it('yarn: attn_factor * (1 + 0.1 ln(1/freq_scale)) is the rope\'s attention factor (llama.cpp divides it the same way)', async () => {
    const lib = await loadBuild('simd');
    for (const scaling of [
      { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096 },
      { type: 'yarn', factor: 40, originalMaxPositionEmbeddings: 4096, mscale: 0.707, mscaleAllDim: 0.707 },
      { type: 'yarn', factor: 16, originalMaxPositionEmbeddings: 4096, mscale: 1, mscaleAllDim: 0.5 },
      { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096, attentionFactor: 1.2 },
      { type: 'yarn', factor: 0.5, originalMaxPositionEmbeddings: 4096 },
    ]) {
      const rope = lib.createRope({ headDim: 64, scaling });
      const g = toGGML(rope);
      const ggmlMscale = 1 + 0.1 * Math.log(1 / g.freqScale); // ops.cpp rope_yarn
      expect(g.attnFactor * ggmlMscale).toBeCloseTo(rope.attentionFactor, 14);
      rope.dispose();
    }
    // HF's default yarn: get_mscale(s) / (1 + 0.1 ln s) = 1, as llama.cpp computes it.
    const rope = lib.createRope({ headDim: 64, scaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096 } });
    expect(toGGML(rope).attnFactor).toBe(1);
    // DeepSeek's mscale == mscale_all_dim: llama.cpp's 1 / (1 + 0.1 ln 40).
    const ds = lib.createRope({ headDim: 64, scaling: { type: 'yarn', factor: 40, originalMaxPositionEmbeddings: 4096, mscale: 0.707, mscaleAllDim: 0.707 } });
    expect(toGGML(ds).attnFactor).toBeCloseTo(1 / (1 + 0.1 * Math.log(40)), 15);
    rope.dispose();
    ds.dispose();
  });

  it('yarn: ggml\'s correction dims in float32 are the floor/ceil Hugging Face takes (the ramp is the same pairs)', async () => {
    const lib = await loadBuild('simd');
    const rope = lib.createRope({ headDim: 128, scaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096 } });
    const g = toGGML(rope);
    const [low, high] = ropeYarnCorrDims(g.nDims, g.nCtxOrig, g.freqBase, g.betaFast, g.betaSlow, 'f32');
    const w = rope.frequencies().interpWeight;
    // interpWeight (Hugging Face's ramp) is 0 up to low and 1 from high on; ggml's rope_yarn_ramp the same.
    for (let i = 0; i < 64; i++) {
      if (i <= low) expect(w[i]).toBe(0);
      if (i >= high) expect(w[i]).toBe(1);
    }
    expect([low, high]).toEqual([20, 46]);
    rope.dispose();
  });

  it('llama3: freq_factors are llama.cpp\'s rope_freqs (1, factor, or 1 / ((1 - smooth) / factor + smooth))', async () => {
    const lib = await loadBuild('simd');
    const s = { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 };
    const rope = lib.createRope({ headDim: 128, base: 500000, scaling: s });
    const g = toGGML(rope);
    // convert_hf_to_gguf.py LlamaModel.generate_extra_tensors, in float64 from base^(-2i/n).
    for (let i = 0; i < 64; i++) {
      const freq = 1 / Math.pow(500000, (2 * i) / 128);
      const wavelen = (2 * Math.PI) / freq;
      let rf;
      if (wavelen < 8192 / 4) rf = 1;
      else if (wavelen > 8192 / 1) rf = 8;
      else {
        const smooth = (8192 / wavelen - 1) / (4 - 1);
        rf = 1 / ((1 - smooth) / 8 + smooth);
      }
      expect(g.freqFactors[i]).toBe(Math.fround(rf));
    }
    expect([g.freqBase, g.freqScale, g.extFactor, g.attnFactor]).toEqual([500000, 1, 0, 1]);
    rope.dispose();
  });

  it('longrope: the short factors up to originalMaxPositionEmbeddings, the long ones past it, with longrope\'s attention factor', async () => {
    const lib = await loadBuild('simd');
    const shortFactor = longropeFactors(32, 0.01);
    const longFactor = longropeFactors(32, 0.5);
    const rope = lib.createRope({ headDim: 64, scaling: { type: 'longrope', shortFactor, longFactor, originalMaxPositionEmbeddings: 4096, maxPositionEmbeddings: 131072 } });
    const short = toGGML(rope, { seqLen: 4096 });
    const long = toGGML(rope, { seqLen: 4097 });
    expect(Array.from(short.freqFactors)).toEqual(shortFactor.map(Math.fround));
    expect(Array.from(long.freqFactors)).toEqual(longFactor.map(Math.fround));
    // sqrt(1 + ln(s) / ln(L)), s = 131072 / 4096, in both regimes (Hugging Face's, as llama.cpp's converter writes attn_factor).
    const af = Math.sqrt(1 + Math.log(32) / Math.log(4096));
    expect(short.attnFactor).toBeCloseTo(af, 15);
    expect(long.attnFactor).toBeCloseTo(af, 15);
    expect(short.nCtxOrig).toBe(4096);
    rope.dispose();
  });

  it('proportional: [1]*a + [1e30]*(rest), as llama.cpp\'s Gemma 4 converter writes rope_freqs', async () => {
    const lib = await loadBuild('simd');
    const rope = lib.createRope({ headDim: 512, base: 1e6, scaling: { type: 'proportional', partialRotaryFactor: 0.25 } });
    const g = toGGML(rope);
    expect(Array.from(g.freqFactors)).toEqual([...Array(64).fill(1), ...Array(192).fill(Math.fround(1e30))]);
    expect([g.mode, g.nDims, g.freqBase, g.freqScale, g.extFactor]).toEqual([2, 512, 1e6, 1, 0]);
    rope.dispose();
  });

  it('dynamic: the base at that sequence length (no ggml equivalent of dynamic NTK), the plain base within maxPositionEmbeddings', async () => {
    const lib = await loadBuild('simd');
    const rope = lib.createRope({ headDim: 128, scaling: { type: 'dynamic', factor: 2, maxPositionEmbeddings: 2048 } });
    expect(toGGML(rope, { seqLen: 2048 }).freqBase).toBe(10000);
    // transformers: base * ((factor * seq_len / max) - (factor - 1)) ** (dim / (dim - 2)).
    const want = 10000 * Math.pow((2 * 5000) / 2048 - 1, 128 / 126);
    expect(toGGML(rope, { seqLen: 5000 }).freqBase).toBeCloseTo(want, 8);
    rope.dispose();
  });
});

describe('toGGML: where ggml_rope_ext has no equivalent, and bad arguments', () => {
  it('M-RoPE is ggml_rope_multi: GGML_UNSUPPORTED naming rope.mrope', async () => {
    const lib = await loadBuild('simd');
    for (const mode of ['chunked', 'interleaved']) {
      const rope = lib.createRope({ headDim: 16, mrope: { section: [2, 3, 3], mode } });
      const err = expectRopeError(() => toGGML(rope), 'GGML_UNSUPPORTED', 'rope.mrope', 'ggml_rope_multi', `"${mode}"`);
      expect(err.argument).toBe('rope.mrope');
      rope.dispose();
    }
  });

  it('freq factors or a base float32 cannot hold: GGML_UNSUPPORTED naming the entry and its value', async () => {
    const lib = await loadBuild('simd');
    const tiny = lib.createRope({ headDim: 8, freqFactors: [1, 1e-50, 1, 1] });
    const err = expectRopeError(() => toGGML(tiny), 'GGML_UNSUPPORTED', 'rope.freqFactors[1]', 'float32', '1e-50');
    expect(err.value).toBe(1e-50);
    const longrope = lib.createRope({ headDim: 8, scaling: { type: 'longrope', shortFactor: [1, 1, 1, 1e39], longFactor: [1, 1, 1, 1], originalMaxPositionEmbeddings: 4096, factor: 2 } });
    expectRopeError(() => toGGML(longrope, { seqLen: 10 }), 'GGML_UNSUPPORTED', 'rope.scaling gives pair 3', 'float32', '1e+39');
    expect(toGGML(longrope, { seqLen: 5000 }).freqFactors).toEqual(new Float32Array([1, 1, 1, 1]));
    longrope.dispose();
    const big = lib.createRope({ headDim: 8, base: 1e39 });
    expectRopeError(() => toGGML(big), 'GGML_UNSUPPORTED', 'rope.base', 'float32', '1e+39');
    tiny.dispose();
    big.dispose();
  });

  it('options are checked: unknown keys, seqLen, a disposed rope, not a rope', async () => {
    const lib = await loadBuild('simd');
    const rope = lib.createRope({ headDim: 8 });
    expectRopeError(() => toGGML(rope, { seq: 4 }), 'UNKNOWN_OPTION', 'options.seq');
    expectRopeError(() => toGGML(rope, { seqLen: -1 }), 'SEQ_LEN_INVALID', 'options.seqLen');
    expectRopeError(() => toGGML(rope, null), 'INVALID_TYPE', 'options');
    expectRopeError(() => toGGML({}), 'INVALID_TYPE', 'rope');
    rope.dispose();
    expectRopeError(() => toGGML(rope), 'DISPOSED', 'toGGML');
  });
});

describe('ggml\'s context shift (a documented ggml behaviour, shown with the port)', () => {
  // llama.cpp's K-shift rotates cached keys by the position delta with ggml_rope_ext(_inplace)
  // and the same ext_factor / attn_factor (src/llama-kv-cache.cpp build_rope_shift): the keys
  // already carry ggml's YaRN magnitude, and every shift multiplies it in again.
  it('rotating already-rotated YaRN keys by a delta multiplies them by the magnitude once more per shift', async () => {
    const lib = await loadBuild('simd');
    const rope = lib.createRope({ headDim: 64, scaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096 } });
    const g = toGGML(rope);
    const m = rope.attentionFactor; // 1 + 0.1 ln 4 = 1.1386...
    const shape = (positions) => ({ headDim: 64, numHeads: 1, positions: Int32Array.from(positions) });
    const k = randomFloats(64, 11);
    let cached = ggmlRopeExt(k, shape([100]), g, { precision: 'f64' });
    const delta = 37;
    for (let n = 1; n <= 3; n++) {
      cached = ggmlRopeExt(cached, shape([delta]), g, { precision: 'f64' });
      // What a fresh rotation at the shifted position gives (rope-wasm's, and so HF's):
      const fresh = Float32Array.from(k);
      rope.apply(fresh, { numHeads: 1, positions: [100 + n * delta] });
      for (let j = 0; j < 64; j++) expect(cached[j]).toBeCloseTo(fresh[j] * m ** n, 5);
    }
    // A shift that passes attn_factor = 1 / (1 + 0.1 ln(1/freq_scale)) rotates without rescaling.
    const pure = { ...g, attnFactor: 1 / (1 + 0.1 * Math.log(1 / g.freqScale)) };
    const shifted = ggmlRopeExt(ggmlRopeExt(k, shape([100]), g, { precision: 'f64' }), shape([delta]), pure, { precision: 'f64' });
    const fresh = Float32Array.from(k);
    rope.apply(fresh, { numHeads: 1, positions: [100 + delta] });
    for (let j = 0; j < 64; j++) expect(shifted[j]).toBeCloseTo(fresh[j], 6);
    rope.dispose();
  });
});
