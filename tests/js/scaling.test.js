// Context-extension scaling against float64 references for real model configurations.
//
// Reference formulas: Hugging Face transformers, src/transformers/modeling_rope_utils.py
// (the 4.56/4.57 file with yarn `truncate`, `mscale`, `mscale_all_dim`; 5.x computes the
// same), functions _compute_default_rope_parameters, _compute_linear_scaling_rope_parameters,
// _compute_dynamic_ntk_parameters, _compute_yarn_parameters (get_mscale,
// find_correction_dim, find_correction_range, linear_ramp_factor),
// _compute_longrope_parameters, _compute_llama3_parameters, and dynamic_rope_update's
// longrope_frequency_update (long factors once max(position_ids) + 1 exceeds
// original_max_position_embeddings). transformers evaluates them in float32; the
// references below evaluate the same expressions in float64, which is what rope-wasm
// computes (see docs/scaling.md).
//
// Model values are the Hub config.json values of the repository named beside each entry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RopeError, configFromHF, loadRope } from '../../dist/index.js';

// ---------------------------------------------------------------- reference (float64)

function refDefault(base, dim) {
  const out = [];
  for (let j = 0; j < dim; j += 2) out.push(1 / base ** (j / dim));
  return out;
}

function getMscale(scale, mscale = 1) {
  return scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1;
}

function refYarn(base, dim, { factor, original, betaFast = 32, betaSlow = 1, mscale = null, mscaleAllDim = null, truncate = true }) {
  const attention = mscale && mscaleAllDim ? getMscale(factor, mscale) / getMscale(factor, mscaleAllDim) : getMscale(factor);
  const corr = (rot) => (dim * Math.log(original / (rot * 2 * Math.PI))) / (2 * Math.log(base));
  let low = corr(betaFast);
  let high = corr(betaSlow);
  if (truncate) {
    low = Math.floor(low);
    high = Math.ceil(high);
  }
  low = Math.max(low, 0);
  high = Math.min(high, dim - 1);
  if (low === high) high += 0.001;
  const invFreq = [];
  const ramp = [];
  for (let i = 0; i < dim / 2; i++) {
    const posFreq = base ** ((2 * i) / dim);
    const r = Math.min(1, Math.max(0, (i - low) / (high - low)));
    const extraFactor = 1 - r;
    invFreq.push((1 / (factor * posFreq)) * (1 - extraFactor) + (1 / posFreq) * extraFactor);
    ramp.push(r);
  }
  return { invFreq, ramp, attention };
}

function refLlama3(base, dim, { factor, low, high, original }) {
  const lowWl = original / low;
  const highWl = original / high;
  const invFreq = [];
  const weight = [];
  for (const f of refDefault(base, dim)) {
    const wl = (2 * Math.PI) / f;
    if (wl > lowWl) {
      invFreq.push(f / factor);
      weight.push(1);
    } else if (wl < highWl) {
      invFreq.push(f);
      weight.push(0);
    } else {
      const smooth = (original / wl - low) / (high - low);
      invFreq.push(((1 - smooth) * f) / factor + smooth * f);
      weight.push(1 - smooth);
    }
  }
  return { invFreq, weight };
}

function refDynamic(base, dim, factor, maxPos, seqLen) {
  const len = Math.max(seqLen, maxPos);
  return refDefault(base * ((factor * len) / maxPos - (factor - 1)) ** (dim / (dim - 2)), dim);
}

function refLongrope(base, dim, short, long, original, seqLen) {
  const ext = seqLen > original ? long : short;
  return refDefault(base, dim).map((f, i) => 1 / (ext[i] * (1 / f)));
}

// ---------------------------------------------------------------- models

// microsoft/Phi-3.5-mini-instruct config.json rope_scaling lists (48 = 96 / 2 entries).
const PHI35_LONG = [1.0800000429153442, 1.1100000143051147, 1.1399999856948853, 1.340000033378601, 1.5899999141693115,
  1.600000023841858, 1.6200000047683716, 2.620000123977661, 3.2300000190734863, 3.2300000190734863, 4.789999961853027,
  7.400000095367432, 7.700000286102295, 9.09000015258789, 12.199999809265137, 17.670000076293945, 24.46000099182129,
  28.57000160217285, 30.420001983642578, 30.840002059936523, 32.590003967285156, 32.93000411987305, 42.320003509521484,
  44.96000289916992, 50.340003967285156, 50.45000457763672, 57.55000305175781, 57.93000411987305, 58.21000289916992,
  60.1400032043457, 62.61000442504883, 62.62000274658203, 62.71000289916992, 63.1400032043457, 63.1400032043457,
  63.77000427246094, 63.93000411987305, 63.96000289916992, 63.970001220703125, 64.02999877929688, 64.06999969482422,
  64.08000183105469, 64.12000274658203, 64.41000366210938, 64.4800033569336, 64.51000213623047, 64.52999877929688,
  64.83999633789062];
const PHI35_SHORT = [1.0, 1.0199999809265137, 1.0299999713897705, 1.0299999713897705, 1.0499999523162842,
  1.0499999523162842, 1.0499999523162842, 1.0499999523162842, 1.0499999523162842, 1.0699999332427979,
  1.0999999046325684, 1.1099998950958252, 1.1599998474121094, 1.1599998474121094, 1.1699998378753662,
  1.2899998426437378, 1.339999794960022, 1.679999828338623, 1.7899998426437378, 1.8199998140335083, 1.8499997854232788,
  1.8799997568130493, 1.9099997282028198, 1.9399996995925903, 1.9899996519088745, 2.0199997425079346,
  2.0199997425079346, 2.0199997425079346, 2.0199997425079346, 2.0199997425079346, 2.0199997425079346,
  2.0299997329711914, 2.0299997329711914, 2.0299997329711914, 2.0299997329711914, 2.0299997329711914,
  2.0299997329711914, 2.0299997329711914, 2.0299997329711914, 2.0299997329711914, 2.0799996852874756,
  2.0899996757507324, 2.189999580383301, 2.2199995517730713, 2.5899994373321533, 2.729999542236328, 2.749999523162842,
  2.8399994373321533];

// Each model: its Hub config.json (the RoPE-relevant keys, verbatim), the RopeConfig built
// by hand from it, and the float64 reference for a sequence length.
const MODELS = [
  {
    name: 'Llama-2-7b (default)',
    repo: 'meta-llama/Llama-2-7b-hf',
    hf: { model_type: 'llama', hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 32, max_position_embeddings: 4096, rope_theta: 10000.0, rope_scaling: null },
    config: { headDim: 128, base: 10000, layout: 'half' },
    ref: () => ({ invFreq: refDefault(10000, 128), attention: 1 }),
  },
  {
    name: 'Llama-3.1-8B (llama3)',
    repo: 'meta-llama/Llama-3.1-8B',
    hf: { model_type: 'llama', hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8, max_position_embeddings: 131072, rope_theta: 500000.0,
      rope_scaling: { factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192, rope_type: 'llama3' } },
    config: { headDim: 128, base: 500000, layout: 'half', scaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 } },
    ref: () => {
      const r = refLlama3(500000, 128, { factor: 8, low: 1, high: 4, original: 8192 });
      return { invFreq: r.invFreq, weight: r.weight, attention: 1 };
    },
  },
  {
    name: 'Llama-3.2-1B (llama3)',
    repo: 'meta-llama/Llama-3.2-1B',
    hf: { model_type: 'llama', hidden_size: 2048, head_dim: 64, num_attention_heads: 32, num_key_value_heads: 8, max_position_embeddings: 131072, rope_theta: 500000.0,
      rope_scaling: { factor: 32.0, high_freq_factor: 4.0, low_freq_factor: 1.0, original_max_position_embeddings: 8192, rope_type: 'llama3' } },
    config: { headDim: 64, base: 500000, layout: 'half', scaling: { type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 } },
    ref: () => {
      const r = refLlama3(500000, 64, { factor: 32, low: 1, high: 4, original: 8192 });
      return { invFreq: r.invFreq, weight: r.weight, attention: 1 };
    },
  },
  {
    name: 'Mistral-7B-v0.2 (base 1e6)',
    repo: 'mistralai/Mistral-7B-Instruct-v0.2',
    hf: { model_type: 'mistral', hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8, max_position_embeddings: 32768, rope_theta: 1000000.0, sliding_window: null },
    config: { headDim: 128, base: 1e6, layout: 'half' },
    ref: () => ({ invFreq: refDefault(1e6, 128), attention: 1 }),
  },
  {
    name: 'Qwen2.5-7B (yarn)',
    // config.json plus the rope_scaling block the model card tells users to add for long texts.
    repo: 'Qwen/Qwen2.5-7B-Instruct',
    hf: { model_type: 'qwen2', hidden_size: 3584, num_attention_heads: 28, num_key_value_heads: 4, max_position_embeddings: 32768, rope_theta: 1000000.0,
      rope_scaling: { factor: 4.0, original_max_position_embeddings: 32768, type: 'yarn' } },
    config: { headDim: 128, base: 1e6, layout: 'half', scaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 32768 } },
    ref: () => {
      const r = refYarn(1e6, 128, { factor: 4, original: 32768 });
      return { invFreq: r.invFreq, weight: r.ramp, attention: r.attention };
    },
  },
  {
    name: 'DeepSeek-V2-Lite (yarn, mscale)',
    repo: 'deepseek-ai/DeepSeek-V2-Lite',
    hf: { model_type: 'deepseek_v2', hidden_size: 2048, num_attention_heads: 16, kv_lora_rank: 512, q_lora_rank: null, qk_nope_head_dim: 128, qk_rope_head_dim: 64,
      v_head_dim: 128, max_position_embeddings: 163840, rope_theta: 10000,
      rope_scaling: { beta_fast: 32, beta_slow: 1, factor: 40, mscale: 0.707, mscale_all_dim: 0.707, original_max_position_embeddings: 4096, type: 'yarn' } },
    // RoPE covers the qk_rope_head_dim slice; DeepSeek pairs it interleaved.
    config: { headDim: 64, base: 10000, layout: 'interleaved',
      scaling: { type: 'yarn', factor: 40, originalMaxPositionEmbeddings: 4096, betaFast: 32, betaSlow: 1, mscale: 0.707, mscaleAllDim: 0.707 } },
    ref: () => {
      const r = refYarn(10000, 64, { factor: 40, original: 4096, mscale: 0.707, mscaleAllDim: 0.707 });
      return { invFreq: r.invFreq, weight: r.ramp, attention: r.attention };
    },
  },
  {
    name: 'gpt-oss-20b (yarn, truncate false)',
    repo: 'openai/gpt-oss-20b',
    hf: { model_type: 'gpt_oss', hidden_size: 2880, head_dim: 64, num_attention_heads: 64, num_key_value_heads: 8, max_position_embeddings: 131072, rope_theta: 150000,
      rope_scaling: { beta_fast: 32.0, beta_slow: 1.0, factor: 32.0, original_max_position_embeddings: 4096, rope_type: 'yarn', truncate: false } },
    config: { headDim: 64, base: 150000, layout: 'half',
      scaling: { type: 'yarn', factor: 32, originalMaxPositionEmbeddings: 4096, betaFast: 32, betaSlow: 1, truncate: false } },
    ref: () => {
      const r = refYarn(150000, 64, { factor: 32, original: 4096, truncate: false });
      return { invFreq: r.invFreq, weight: r.ramp, attention: r.attention };
    },
  },
  {
    name: 'Phi-3.5-mini (longrope)',
    repo: 'microsoft/Phi-3.5-mini-instruct',
    hf: { model_type: 'phi3', hidden_size: 3072, num_attention_heads: 32, num_key_value_heads: 32, max_position_embeddings: 131072, original_max_position_embeddings: 4096,
      rope_theta: 10000.0, rope_scaling: { long_factor: PHI35_LONG, short_factor: PHI35_SHORT, type: 'longrope' } },
    config: { headDim: 96, base: 10000, layout: 'half',
      scaling: { type: 'longrope', shortFactor: PHI35_SHORT, longFactor: PHI35_LONG, originalMaxPositionEmbeddings: 4096, maxPositionEmbeddings: 131072 } },
    ref: (seqLen) => ({
      invFreq: refLongrope(10000, 96, PHI35_SHORT, PHI35_LONG, 4096, seqLen),
      attention: Math.sqrt(1 + Math.log(131072 / 4096) / Math.log(4096)),
    }),
    seqLens: [1, 4096, 4097, 131072],
  },
  {
    name: 'vicuna-7b-v1.5-16k (linear 4)',
    // config.json has no rope_theta (transformers 4.31 era): LlamaConfig's default 10000.
    repo: 'lmsys/vicuna-7b-v1.5-16k',
    hf: { model_type: 'llama', hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 32, max_position_embeddings: 4096, rope_scaling: { factor: 4.0, type: 'linear' } },
    config: { headDim: 128, base: 10000, layout: 'half', scaling: { type: 'linear', factor: 4 } },
    ref: () => ({ invFreq: refDefault(10000, 128).map((f) => f / 4), attention: 1 }),
  },
  {
    name: 'Llama-2-7b + dynamic NTK 2',
    // Llama-2-7b-hf geometry with the LlamaConfig docstring's example {"type": "dynamic", "factor": 2.0}.
    repo: 'meta-llama/Llama-2-7b-hf (+ transformers LlamaConfig docstring example)',
    hf: { model_type: 'llama', hidden_size: 4096, num_attention_heads: 32, max_position_embeddings: 4096, rope_theta: 10000.0, rope_scaling: { type: 'dynamic', factor: 2.0 } },
    config: { headDim: 128, base: 10000, layout: 'half', scaling: { type: 'dynamic', factor: 2, maxPositionEmbeddings: 4096 } },
    ref: (seqLen) => ({ invFreq: refDynamic(10000, 128, 2, 4096, seqLen), attention: 1 }),
    seqLens: [1, 4096, 4097, 8192, 16384, 1000001],
  },
  {
    name: 'Pythia-160m (rotary_pct 0.25)',
    repo: 'EleutherAI/pythia-160m',
    hf: { model_type: 'gpt_neox', hidden_size: 768, num_attention_heads: 12, rotary_pct: 0.25, rotary_emb_base: 10000, max_position_embeddings: 2048 },
    config: { headDim: 64, rotaryDim: 16, base: 10000, layout: 'half' },
    ref: () => ({ invFreq: refDefault(10000, 16), attention: 1 }),
  },
  {
    name: 'GPT-J-6B (interleaved, rotary_dim 64 of 256)',
    repo: 'EleutherAI/gpt-j-6b',
    hf: { model_type: 'gptj', n_embd: 4096, n_head: 16, rotary_dim: 64, n_positions: 2048 },
    config: { headDim: 256, rotaryDim: 64, base: 10000, layout: 'interleaved' },
    ref: () => ({ invFreq: refDefault(10000, 64), attention: 1 }),
  },
  {
    name: 'Phi-2 (partial_rotary_factor 0.4)',
    repo: 'microsoft/phi-2',
    hf: { model_type: 'phi', hidden_size: 2560, num_attention_heads: 32, partial_rotary_factor: 0.4, rope_theta: 10000.0, max_position_embeddings: 2048 },
    config: { headDim: 80, rotaryDim: 32, base: 10000, layout: 'half' },
    ref: () => ({ invFreq: refDefault(10000, 32), attention: 1 }),
  },
];

// ---------------------------------------------------------------- helpers

const POSITIONS = [0, 1, 17, 4095, 4096, 4097, 32767, 65536, 131071, 500000, 999999, 1000000];

function maxRelErr(got, want) {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.abs(want[i]));
  return worst;
}

// Deterministic test data in [-2, 2).
function data(n, seed = 1) {
  const x = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s / 2 ** 32) * 4 - 2;
  }
  return x;
}

// Rotates x ([tokens, heads, headDim], token-major) in float64 with the reference frequencies.
function refApply(x, cfg, heads, positions, invFreq, af) {
  const d = cfg.headDim;
  const rd = cfg.rotaryDim ?? d;
  const pairs = rd / 2;
  const y = Float64Array.from(x);
  positions.forEach((p, t) => {
    for (let h = 0; h < heads; h++) {
      const o = (t * heads + h) * d;
      for (let i = 0; i < pairs; i++) {
        const angle = p * invFreq[i];
        const c = Math.cos(angle) * af;
        const s = Math.sin(angle) * af;
        const [a, b] = cfg.layout === 'interleaved' ? [o + 2 * i, o + 2 * i + 1] : [o + i, o + i + pairs];
        y[a] = x[a] * c - x[b] * s;
        y[b] = x[b] * c + x[a] * s;
      }
    }
  });
  return y;
}

function maxAbsDiff(a, b) {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxAbs(a) {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

// ---------------------------------------------------------------- tests

for (const simd of [true, false]) {
  describe(`scaling (${simd ? 'SIMD' : 'baseline'} build)`, () => {
    let lib;
    beforeAll(async () => {
      lib = await loadRope({ simd });
    });
    afterAll(() => {
      lib = undefined;
    });

    for (const m of MODELS) {
      describe(`${m.name} — ${m.repo}`, () => {
        it('configFromHF gives the hand-built config', () => {
          const imported = configFromHF(m.hf);
          const want = { rotaryDim: m.config.headDim, scaling: null, ...m.config };
          if (want.scaling) want.scaling = { ...want.scaling };
          expect(imported.headDim).toBe(want.headDim);
          expect(imported.rotaryDim).toBe(want.rotaryDim);
          expect(imported.base).toBe(want.base);
          expect(imported.layout).toBe(want.layout);
          // Both normalize to the same scaling (defaults filled in).
          const a = lib.createRope(imported);
          const b = lib.createRope(m.config);
          try {
            expect(a.scaling).toEqual(b.scaling);
          } finally {
            a.dispose();
            b.dispose();
          }
        });

        for (const source of ['hand-built', 'configFromHF']) {
          it(`invFreq, attentionFactor and frequencies() match the float64 reference (${source})`, () => {
            const rope = lib.createRope(source === 'hand-built' ? m.config : configFromHF(m.hf));
            try {
              for (const seqLen of m.seqLens ?? [1, 1000001]) {
                const ref = m.ref(seqLen);
                const f = rope.frequencies({ seqLen });
                expect(maxRelErr(f.freq, ref.invFreq)).toBeLessThanOrEqual(1e-12);
                expect(f.attentionFactor).toBeCloseTo(ref.attention, 14);
                const base = refDefault(m.config.base, m.config.rotaryDim ?? m.config.headDim);
                expect(maxRelErr(f.baseFreq, base)).toBeLessThanOrEqual(1e-12);
                for (let i = 0; i < f.freq.length; i++) expect(f.wavelength[i]).toBeCloseTo((2 * Math.PI) / f.freq[i], 9);
                if (ref.weight) {
                  expect(Array.from(f.interpWeight)).toEqual(ref.weight.map((w) => expect.closeTo(w, 12)));
                } else {
                  expect(Array.from(f.interpWeight).every(Number.isNaN)).toBe(true);
                }
                // What is in force after a call at this length.
                const x = new Float32Array(rope.headDim);
                rope.apply(x, { numHeads: 1, positions: 0, seqLen });
                expect(maxRelErr(rope.invFreq, ref.invFreq)).toBeLessThanOrEqual(1e-12);
                expect(rope.attentionFactor).toBeCloseTo(ref.attention, 14);
              }
            } finally {
              rope.dispose();
            }
          });

          it(`applied output matches at positions up to 1,000,000 (${source})`, () => {
            const cfg = source === 'hand-built' ? m.config : configFromHF(m.hf);
            const rope = lib.createRope(cfg);
            try {
              const heads = 2;
              // One call over all positions (seqLen = 1000001), and one kept under 4096 so
              // the seq-len-dependent types are also checked in their short regime.
              for (const positions of [POSITIONS, POSITIONS.filter((p) => p < 4096)]) {
                const x = data(positions.length * heads * cfg.headDim, positions.length);
                const y = x.slice();
                rope.apply(y, { numHeads: heads, positions });
                const ref = m.ref(Math.max(...positions) + 1);
                const want = refApply(x, { rotaryDim: cfg.headDim, ...cfg }, heads, positions, ref.invFreq, ref.attention);
                expect(maxAbsDiff(y, want)).toBeLessThanOrEqual(3e-7 * maxAbs(x) * Math.max(1, ref.attention));
              }
            } finally {
              rope.dispose();
            }
          });
        }
      });
    }

    describe('sequence-length dependence', () => {
      const phi = MODELS.find((m) => m.repo === 'microsoft/Phi-3.5-mini-instruct');
      const dyn = MODELS.find((m) => m.config.scaling?.type === 'dynamic');

      it('seqLen defaults to the largest position + 1 (longrope switches at original + 1)', () => {
        const rope = lib.createRope(phi.config);
        try {
          const x = new Float32Array(96);
          rope.apply(x, { numHeads: 1, positions: [4095] });
          expect(maxRelErr(rope.invFreq, phi.ref(4096).invFreq)).toBeLessThanOrEqual(1e-12);
          rope.apply(x, { numHeads: 1, positions: [4096] });
          expect(maxRelErr(rope.invFreq, phi.ref(4097).invFreq)).toBeLessThanOrEqual(1e-12);
          // An explicit seqLen wins over the positions.
          rope.apply(x, { numHeads: 1, positions: [10], seqLen: 100000 });
          expect(maxRelErr(rope.invFreq, phi.ref(100000).invFreq)).toBeLessThanOrEqual(1e-12);
        } finally {
          rope.dispose();
        }
      });

      it('dynamic follows seqLen past maxPositionEmbeddings and reverts below it', () => {
        const rope = lib.createRope(dyn.config);
        try {
          const x = new Float32Array(128);
          for (const seqLen of [9000, 100, 20000, 4096]) {
            rope.apply(x, { numHeads: 1, positions: 0, seqLen });
            expect(maxRelErr(rope.invFreq, dyn.ref(seqLen).invFreq)).toBeLessThanOrEqual(1e-12);
          }
        } finally {
          rope.dispose();
        }
      });

      for (const [label, model, fromSeqLen, toSeqLen] of [
        ['longrope short -> long', phi, 2000, 8000],
        ['longrope long -> short', phi, 8000, 2000],
        ['dynamic 4096 -> 16384', dyn, 4096, 16384],
      ]) {
        it(`rerotate moves cached keys to the new frequencies (${label})`, () => {
          const rope = lib.createRope(model.config);
          try {
            const d = model.config.headDim;
            const heads = 2;
            const positions = [0, 1, 7, 500, 1999];
            const k = data(positions.length * heads * d, 7);
            const cached = k.slice();
            rope.apply(cached, { numHeads: heads, positions, seqLen: fromSeqLen });
            const fresh = k.slice();
            rope.apply(fresh, { numHeads: heads, positions, seqLen: toSeqLen });
            // Without re-rotation the cached keys carry the old frequencies.
            expect(maxAbsDiff(cached, fresh)).toBeGreaterThan(1e-3);
            rope.rerotate(cached, { numHeads: heads, positions, fromSeqLen, toSeqLen });
            const af = model.ref(toSeqLen).attention;
            expect(maxAbsDiff(cached, fresh)).toBeLessThanOrEqual(2e-6 * maxAbs(k) * af * af);
            // The rope is left in the new state.
            expect(maxRelErr(rope.invFreq, model.ref(toSeqLen).invFreq)).toBeLessThanOrEqual(1e-12);
          } finally {
            rope.dispose();
          }
        });
      }

      it('rerotate works in place on a RopeBuffer, head-major', () => {
        const rope = lib.createRope(phi.config);
        const buf = lib.alloc(3 * 96);
        try {
          const k = data(3 * 96, 3);
          const want = k.slice();
          rope.apply(want, { numHeads: 3, positions: 9, order: 'head-major', seqLen: 9000 });
          const v = buf.view();
          v.set(k);
          rope.apply(buf, { numHeads: 3, positions: 9, order: 'head-major', seqLen: 10 });
          rope.rerotate(buf, { numHeads: 3, positions: 9, order: 'head-major', fromSeqLen: 10, toSeqLen: 9000 });
          expect(maxAbsDiff(buf.view(), want)).toBeLessThanOrEqual(2e-6 * maxAbs(k) * 1.5);
        } finally {
          buf.dispose();
          rope.dispose();
        }
      });

      it('rerotate validates its arguments before touching x', () => {
        const rope = lib.createRope(phi.config);
        try {
          const x = data(96);
          const before = x.slice();
          for (const [opts, code, argument] of [
            [{ numHeads: 1, toSeqLen: 5 }, 'SEQ_LEN_INVALID', 'options.fromSeqLen'],
            [{ numHeads: 1, fromSeqLen: 5, toSeqLen: -1 }, 'SEQ_LEN_INVALID', 'options.toSeqLen'],
            [{ numHeads: 1, fromSeqLen: 5, toSeqLen: 6, inverse: true }, 'UNKNOWN_OPTION', 'options.inverse'],
            [{ numHeads: 0, fromSeqLen: 5, toSeqLen: 6 }, 'NUM_HEADS_INVALID', 'options.numHeads'],
            [{ numHeads: 1, fromSeqLen: 5, toSeqLen: 6, positions: [1, 2] }, 'POSITION_INVALID', 'options.positions'],
          ]) {
            let err;
            try {
              rope.rerotate(x, opts);
            } catch (e) {
              err = e;
            }
            expect(err).toBeInstanceOf(RopeError);
            expect(err.code).toBe(code);
            expect(err.argument).toBe(argument);
            expect(x).toEqual(before);
          }
        } finally {
          rope.dispose();
        }
      });
    });

    describe('validation', () => {
      const cases = [
        [{ type: 'yarn', factor: 4 }, 'config.scaling.originalMaxPositionEmbeddings'],
        [{ type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096, betaFast: 0.5 }, 'config.scaling.betaFast'],
        [{ type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096, truncate: 'no' }, 'config.scaling.truncate'],
        [{ type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096, mscale: 1, mscaleAllDim: -10 }, 'config.scaling.mscaleAllDim'],
        [{ type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096, attentionFactor: 0 }, 'config.scaling.attentionFactor'],
        [{ type: 'yarn', factor: -1, originalMaxPositionEmbeddings: 4096 }, 'config.scaling.factor'],
        [{ type: 'llama3', factor: 8, lowFreqFactor: 4, highFreqFactor: 1, originalMaxPositionEmbeddings: 8192 }, 'config.scaling.highFreqFactor'],
        [{ type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4 }, 'config.scaling.originalMaxPositionEmbeddings'],
        [{ type: 'dynamic', factor: 2 }, 'config.scaling.maxPositionEmbeddings'],
        [{ type: 'linear', factor: 2, maxPositionEmbeddings: 4 }, 'config.scaling.maxPositionEmbeddings'],
        [{ type: 'longrope', shortFactor: [1, 1], longFactor: [1, 1, 1, 1], originalMaxPositionEmbeddings: 4096, factor: 2 }, 'config.scaling.shortFactor'],
        [{ type: 'longrope', shortFactor: [1, 1, 1, 1], longFactor: [1, 1, 0, 1], originalMaxPositionEmbeddings: 4096, factor: 2 }, 'config.scaling.longFactor[2]'],
        [{ type: 'longrope', shortFactor: [1, 1, 1, 1], longFactor: [1, 1, 1, 1], originalMaxPositionEmbeddings: 4096, maxPositionEmbeddings: 131072, factor: 8 }, 'config.scaling.factor'],
        [{ type: 'longrope', shortFactor: [1, 1, 1, 1], longFactor: [1, 1, 1, 1], originalMaxPositionEmbeddings: 4096 }, 'config.scaling.factor'],
        [{ type: 'ntk', factor: 2 }, 'config.scaling.type'],
        ['yarn', 'config.scaling'],
      ];
      for (const [scaling, argument] of cases) {
        it(`rejects ${JSON.stringify(scaling)} naming ${argument}`, () => {
          let err;
          try {
            lib.createRope({ headDim: 8, scaling });
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(RopeError);
          expect(err.code).toBe('SCALING_INVALID');
          expect(err.argument).toBe(argument);
        });
      }

      it('a Hugging Face rope_scaling dict (snake_case keys) passed as it is says to use camelCase keys or configFromHF', () => {
        const hf = { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 4096 };
        const cases = [
          // [scaling, argument, value, message fragments]
          [hf, 'config.scaling.rope_type', 'yarn', ['config.scaling.rope_type is a Hugging Face rope_scaling key (got "yarn")',
            'camelCase keys (rope_type -> type, original_max_position_embeddings -> originalMaxPositionEmbeddings)',
            'here { type: "yarn", factor: 4, originalMaxPositionEmbeddings: 4096 }', 'configFromHF(config)']],
          // The old `type` spelling with one snake_case key.
          [{ type: 'yarn', factor: 4, original_max_position_embeddings: 4096 }, 'config.scaling.original_max_position_embeddings', 4096,
            ['original_max_position_embeddings -> originalMaxPositionEmbeddings', 'configFromHF']],
          [{ rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 }, 'config.scaling.rope_type', 'llama3',
            ['low_freq_factor -> lowFreqFactor', 'high_freq_factor -> highFreqFactor']],
        ];
        for (const [scaling, argument, value, fragments] of cases) {
          let err;
          try {
            lib.createRope({ headDim: 8, scaling });
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(RopeError);
          expect(err.code).toBe('SCALING_INVALID');
          expect(err.argument).toBe(argument);
          expect(err.value).toBe(value);
          for (const f of fragments) expect(err.message).toContain(f);
          expect(err.message).not.toContain('got undefined');
        }
        // What it suggests works; a snake_case key no type has is an ordinary unknown key.
        const rope = lib.createRope({ headDim: 8, scaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096 } });
        expect(rope.scaling.type).toBe('yarn');
        rope.dispose();
        expect(() => lib.createRope({ headDim: 8, scaling: { type: 'linear', factor: 2, my_key: 1 } })).toThrow(/config.scaling.my_key is not a key of "linear" scaling/);
      });

      it('longrope factor lists may be any array-like; factors unusable past the original context are refused at creation', () => {
        const base = { type: 'longrope', originalMaxPositionEmbeddings: 4096, attentionFactor: 1.1 };
        const fromInts = lib.createRope({ headDim: 8, scaling: { ...base, shortFactor: Int32Array.from([1, 1, 1, 1]), longFactor: { length: 4, 0: 2, 1: 2, 2: 2, 3: 2 } } });
        const fromArrays = lib.createRope({ headDim: 8, scaling: { ...base, shortFactor: [1, 1, 1, 1], longFactor: [2, 2, 2, 2] } });
        expect(fromInts.frequencies({ seqLen: 9000 }).freq).toEqual(fromArrays.frequencies({ seqLen: 9000 }).freq);
        fromInts.dispose();
        fromArrays.dispose();
        // 1e-300 gives a frequency of 1e300 in the long regime only: createRope says so now,
        // rather than a later apply (or a half-done rerotate) past 4096.
        let err;
        try {
          lib.createRope({ headDim: 8, scaling: { ...base, shortFactor: [1, 1, 1, 1], longFactor: [1e-300, 1, 1, 1] } });
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(RopeError);
        expect(err.code).toBe('SCALING_INVALID');
        expect(err.argument).toBe('config.scaling');
      });

      it('dynamic past its trained length computes rows per call, not a table per step', () => {
        const rope = lib.createRope({ headDim: 64, scaling: { type: 'dynamic', factor: 2, maxPositionEmbeddings: 4096 } });
        const x = data(32 * 64);
        for (let p = 6000; p < 6003; p++) rope.apply(x, { numHeads: 32, positions: p });
        // Only the fixed scratch and recent rows of its two regime states (below and past the
        // trained length): no table of thousands of rows rebuilt per step.
        expect(rope.cacheBytes).toBeLessThan(2 * (264 * 64 * 4 + 64 * 40));
        rope.dispose();
      });

      it('one rope alternating between both sides of longrope and dynamic: each side exact, as a rope that saw only it', () => {
        const n = 24;
        const configs = [
          { headDim: 48, scaling: { type: 'longrope', originalMaxPositionEmbeddings: 4096, maxPositionEmbeddings: 131072,
            shortFactor: Array.from({ length: n }, (_, i) => 1 + i / 40), longFactor: Array.from({ length: n }, (_, i) => 1 + i / 4) } },
          { headDim: 48, scaling: { type: 'dynamic', factor: 2, maxPositionEmbeddings: 4096 } },
        ];
        for (const config of configs) {
          const both = lib.createRope(config);
          const short = lib.createRope(config);
          const long = lib.createRope(config);
          const bytesOne = short.cacheBytes;
          for (let step = 0; step < 4; step++) {
            for (const start of [1000 + step, 6000 + step]) {
              const x = data(3 * 48);
              const y = x.slice();
              both.apply(x, { numHeads: 3, positions: start });
              (start < 4096 ? short : long).apply(y, { numHeads: 3, positions: start });
              expect(Array.from(x)).toEqual(Array.from(y));
            }
          }
          // The memory this costs: at most two tables and two fixed parts.
          expect(both.cacheBytes).toBeLessThanOrEqual(short.cacheBytes + long.cacheBytes);
          expect(bytesOne).toBeGreaterThan(0);
          both.dispose();
          short.dispose();
          long.dispose();
        }
      });

      it('dynamic needs more than one rotated pair', () => {
        expect(() => lib.createRope({ headDim: 2, scaling: { type: 'dynamic', factor: 2, maxPositionEmbeddings: 8 } }))
          .toThrow(expect.objectContaining({ code: 'SCALING_INVALID', argument: 'config.scaling.type' }));
      });

      it('applies Hugging Face defaults and edge cases', () => {
        // betaFast/betaSlow: absent, null and 0 mean 32 / 1 (`get("beta_fast") or 32`).
        const a = lib.createRope({ headDim: 64, base: 10000, scaling: { type: 'yarn', factor: 40, originalMaxPositionEmbeddings: 4096, betaFast: 0, betaSlow: null } });
        const b = lib.createRope({ headDim: 64, base: 10000, scaling: { type: 'yarn', factor: 40, maxPositionEmbeddings: 4096 } });
        try {
          expect(a.scaling.betaFast).toBe(32);
          expect(a.scaling.betaSlow).toBe(1);
          expect(a.scaling.truncate).toBe(true);
          // originalMaxPositionEmbeddings falls back to maxPositionEmbeddings.
          expect(Array.from(a.invFreq)).toEqual(Array.from(b.invFreq));
          expect(a.attentionFactor).toBeCloseTo(0.1 * Math.log(40) + 1, 15);
        } finally {
          a.dispose();
          b.dispose();
        }
        // mscale without mscaleAllDim: get_mscale(factor); both: the ratio; attentionFactor wins.
        const f = 40;
        for (const [extra, want] of [
          [{ mscale: 1 }, getMscale(f)],
          [{ mscale: 1, mscaleAllDim: 0.707 }, getMscale(f, 1) / getMscale(f, 0.707)],
          [{ mscale: 1, mscaleAllDim: 0 }, getMscale(f)],
          [{ mscale: 1, mscaleAllDim: 0.707, attentionFactor: 1.5 }, 1.5],
        ]) {
          const r = lib.createRope({ headDim: 64, scaling: { type: 'yarn', factor: f, originalMaxPositionEmbeddings: 4096, ...extra } });
          try {
            expect(r.attentionFactor).toBeCloseTo(want, 15);
          } finally {
            r.dispose();
          }
        }
        // longrope: factor alone, factor <= 1, explicit attention factor.
        for (const [extra, want] of [
          [{ factor: 8 }, Math.sqrt(1 + Math.log(8) / Math.log(4096))],
          [{ factor: 1 }, 1],
          [{ attentionFactor: 1.25 }, 1.25],
        ]) {
          const r = lib.createRope({ headDim: 8, scaling: { type: 'longrope', shortFactor: [1, 2, 3, 4], longFactor: [5, 6, 7, 8], originalMaxPositionEmbeddings: 4096, ...extra } });
          try {
            expect(r.attentionFactor).toBeCloseTo(want, 15);
          } finally {
            r.dispose();
          }
        }
      });
    });
  });
}
