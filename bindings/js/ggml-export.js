// rope.toGGML(): the arguments of ggml's ggml_rope_ext that reproduce a Rope, up to ggml's
// float32 angles. The mapping follows llama.cpp's from Hugging Face configs (docs/ggml.md):
//
// - mode: NORMAL (0) for the interleaved layout, NEOX (2) for half; n_dims = rotaryDim.
// - linear: freq_scale = 1/factor. yarn: freq_scale = 1/factor, ext_factor = 1, n_ctx_orig,
//   beta_fast / beta_slow; ggml's rope_yarn multiplies cos/sin by 1 + 0.1 ln(1/freq_scale) itself
//   whenever ext_factor != 0, so attn_factor is this rope's attention factor divided by that, as
//   llama.cpp's context divides it (src/llama-context.cpp, "we need to cancel this factor").
// - llama3 and longrope: per-pair freq_factors (ggml divides theta by them), as llama.cpp's
//   converter writes rope_freqs / rope_factors_long|short; longrope's regime and attention
//   factor are those at options.seqLen.
// - proportional: freq_factors [1]*a + [1e30]*(rest) and freq_scale = 1/factor (llama.cpp's Gemma 4).
// - dynamic: ggml has no dynamic NTK; the base in force at options.seqLen as freq_base (llama.cpp
//   bakes a static NTK base into freq_base the same way), valid for that sequence length only.
// - yarn whose ramp ggml cannot express (truncate: false: ggml always floors/ceils the correction
//   dims, or a range where ggml's float32 dims or its clamping differ): the same frequencies as
//   freq_factors with ext_factor 0, which ggml applies exactly.
// - the rope's own freqFactors multiply into freq_factors (ggml's theta / ff).
// - mrope: ggml_rope_multi, not ggml_rope_ext: RopeError GGML_UNSUPPORTED.
//
// Every result is checked against the rope's own frequencies (rope.frequencies) with ggml's
// formulas before it is returned, so no parameter set that ggml would turn into other
// frequencies or another magnitude leaves this function.
import { RopeError, describe, fail } from './errors.js';
import { checkKeys, checkObject } from './validate.js';

export const GGML_ROPE_TYPE_NORMAL = 0;
export const GGML_ROPE_TYPE_NEOX = 2;

const CODE = 'GGML_UNSUPPORTED';
// llama_hparams' yarn_beta_fast / yarn_beta_slow defaults (what llama.cpp passes when a GGUF has none).
const DEFAULT_BETA_FAST = 32;
const DEFAULT_BETA_SLOW = 1;
// The frequency Gemma 4's converter gives a pair that does not turn (llama.cpp conversion/gemma.py).
const STILL_PAIR_FACTOR = 1e30;
const INT32_MAX = 2147483647;
// Relative agreement demanded between the frequencies ggml will compute from the result (in
// float64, from the float32 arguments it receives) and the rope's: 16x float32's rounding, far
// below any structural difference (a pair interpolated instead of kept differs by the factor).
const AGREE = 1e-6;

const f32 = Math.fround;

function unsupported(argument, value, why) {
  throw new RopeError(CODE, `toGGML: ${argument} ${why}, got ${describe(value)}`, { argument, value });
}

// ggml.c ggml_rope_yarn_corr_dim / ggml_rope_yarn_corr_dims in float, as ggml computes them.
function ggmlCorrDim(nDims, nCtxOrig, nRot, base) {
  const logf = (x) => f32(Math.log(f32(x)));
  const ratio = f32(nCtxOrig / f32(f32(f32(nRot) * 2) * f32(Math.PI)));
  return f32(f32(nDims * logf(ratio)) / f32(2 * logf(base)));
}
function ggmlCorrDims(nDims, nCtxOrig, base, betaFast, betaSlow) {
  const start = Math.floor(ggmlCorrDim(nDims, nCtxOrig, betaFast, base));
  const end = Math.ceil(ggmlCorrDim(nDims, nCtxOrig, betaSlow, base));
  return [Math.max(0, start), Math.min(nDims - 1, end)];
}

// The per-pair frequency and the magnitude ggml_rope_ext gives for these arguments, in float64
// from the float32 values ggml receives (its float32 angle rounding aside).
function ggmlModel(p) {
  const base = f32(p.freqBase);
  const fs = f32(p.freqScale);
  const ext = f32(p.extFactor);
  const pairs = p.nDims / 2;
  const freq = new Float64Array(pairs);
  const corr = ext !== 0 ? ggmlCorrDims(p.nDims, p.nCtxOrig, base, f32(p.betaFast), f32(p.betaSlow)) : null;
  for (let i = 0; i < pairs; i++) {
    const ff = p.freqFactors ? p.freqFactors[i] : 1;
    const extrap = Math.pow(base, (-2 * i) / p.nDims) / ff;
    if (ext === 0) {
      freq[i] = fs * extrap;
    } else {
      const y = (i - corr[0]) / Math.max(0.001, corr[1] - corr[0]);
      const rampMix = (1 - Math.min(1, Math.max(0, y))) * ext;
      freq[i] = fs * extrap * (1 - rampMix) + extrap * rampMix;
    }
  }
  const magnitude = f32(p.attnFactor) * (ext !== 0 ? 1 + 0.1 * Math.log(1 / fs) : 1);
  return { freq, magnitude };
}

// Null when ggml's frequencies and magnitude for `p` are the rope's (`info`), else why not.
function disagreement(p, info) {
  const model = ggmlModel(p);
  for (let i = 0; i < model.freq.length; i++) {
    const want = info.freq[i];
    const got = model.freq[i];
    // A pair that does not turn: ggml's 1e30 leaves it ~1e-30 rad per position.
    const slack = want === 0 ? 1e-20 * info.baseFreq[i] : AGREE * want;
    if (!(Math.abs(got - want) <= slack)) return { pair: i, want, got };
  }
  if (!(Math.abs(model.magnitude - info.attentionFactor) <= AGREE * info.attentionFactor)) {
    return { pair: -1, want: info.attentionFactor, got: model.magnitude };
  }
  return null;
}

// freq_factors as ggml's F32 tensor holds them; every entry must be a float32 ggml can divide by.
function toFloat32Factors(values, argumentOf) {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const r = f32(v);
    if (!(r > 0) || (r === Infinity && v !== Infinity)) {
      const argument = argumentOf(i);
      const pair = argument.endsWith(']') ? '' : ` pair ${i}`;
      unsupported(argument, v, `gives${pair} a freq_factors entry outside float32's range (ggml's freq_factors is an F32 tensor)`);
    }
    out[i] = r;
  }
  return out;
}

// ggml_rope_ext takes int n_ctx_orig; only YaRN (ext_factor != 0) reads it.
function ctxOrig(v) {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.min(Math.floor(v), INT32_MAX) : 0;
}

/**
 * The arguments of ggml_rope_ext (ggml.h) that reproduce `rope`, up to ggml's float32 angles:
 * { mode, nDims, nCtxOrig, freqBase, freqScale, extFactor, attnFactor, betaFast, betaSlow,
 * freqFactors } (freqFactors: ggml's optional tensor c, one entry per rotated pair, or null).
 * options.seqLen picks the regime of longrope and the base of dynamic (default: the sequence
 * length in force, as rope.frequencies()). A RopeError GGML_UNSUPPORTED where none exist.
 */
export function toGGML(rope, options = {}) {
  if (rope === null || typeof rope !== 'object' || typeof rope.frequencies !== 'function') {
    fail('INVALID_TYPE', 'rope', 'must be a Rope (from lib.createRope)', rope);
  }
  if (rope.disposed) throw new RopeError('DISPOSED', 'toGGML: this Rope has been disposed', { argument: 'rope' });
  checkObject(options, 'options');
  checkKeys(options, ['seqLen'], 'options');
  const mrope = rope.mrope;
  if (mrope !== null && mrope !== undefined) {
    unsupported('rope.mrope', mrope,
      `is multi-section RoPE (mode ${JSON.stringify(mrope.mode)}, section [${mrope.section.join(', ')}]), which ggml rotates ` +
      'with ggml_rope_multi (modes MROPE 8, VISION 24, IMROPE 40; four sections, four position streams), not ggml_rope_ext');
  }
  // Validates options.seqLen (SEQ_LEN_INVALID naming it) and gives the frequencies in force there.
  const info = rope.frequencies(options.seqLen === undefined ? {} : { seqLen: options.seqLen });
  const s = rope.scaling;
  const nDims = rope.rotaryDim;
  const pairs = nDims / 2;
  const own = rope.freqFactors; // Float64Array or null
  const ownAt = (i) => (own ? own[i] : 1);
  const ownArg = (i) => `rope.freqFactors[${i}]`;
  const base = rope.base;
  if (!Number.isFinite(f32(base))) unsupported('rope.base', base, 'is beyond float32 (ggml_rope_ext takes float freq_base)');

  const common = {
    mode: rope.layout === 'interleaved' ? GGML_ROPE_TYPE_NORMAL : GGML_ROPE_TYPE_NEOX,
    nDims,
    nCtxOrig: 0,
    freqBase: base,
    freqScale: 1,
    extFactor: 0,
    attnFactor: info.attentionFactor,
    betaFast: DEFAULT_BETA_FAST,
    betaSlow: DEFAULT_BETA_SLOW,
    freqFactors: own ? toFloat32Factors(own, ownArg) : null,
  };
  // Every pair's frequency as a freq_factors divisor of ggml's theta = p * base^(-2i/n_dims):
  // exact for any static set of frequencies (llama3, longrope, yarn ggml's ramp cannot express).
  const factorForm = (extra) => ({
    ...common,
    ...extra,
    freqScale: 1,
    extFactor: 0,
    attnFactor: info.attentionFactor,
    freqFactors: toFloat32Factors(Array.from({ length: pairs }, (_, i) => info.baseFreq[i] / info.freq[i]),
      (i) => (own && !(f32(own[i]) > 0 && (f32(own[i]) < Infinity || own[i] === Infinity)) ? ownArg(i) : 'rope.scaling')),
  });

  let result;
  switch (s === null ? 'default' : s.type) {
    case 'default':
      result = common;
      break;
    case 'linear':
      result = { ...common, freqScale: 1 / s.factor };
      break;
    case 'dynamic': {
      // The base in force at this sequence length: freq_k = base'^(-2k/n_dims) / ff_k.
      // Read off the first pair past 0 that turns (a freqFactors entry of Infinity stills one).
      let k = 1;
      while (k < pairs - 1 && !(info.freq[k] > 0 && Number.isFinite(ownAt(k)))) k++;
      const ratio = (info.freq[k] * ownAt(k)) / info.baseFreq[k];
      const freqBase = !(ratio > 0) || ratio === 1 ? base : base * Math.pow(ratio, -nDims / (2 * k));
      if (!Number.isFinite(f32(freqBase))) {
        unsupported('options.seqLen', options.seqLen, `gives a dynamic NTK base (${freqBase}) beyond float32`);
      }
      result = { ...common, freqBase, nCtxOrig: ctxOrig(s.maxPositionEmbeddings) };
      break;
    }
    case 'yarn': {
      const nCtxOrig = ctxOrig(s.originalMaxPositionEmbeddings);
      const yarn = {
        ...common,
        nCtxOrig,
        freqScale: 1 / s.factor,
        extFactor: 1,
        betaFast: s.betaFast,
        betaSlow: s.betaSlow,
        // ggml multiplies by 1 + 0.1 ln(1/freq_scale) when ext_factor != 0: divide it out.
        attnFactor: info.attentionFactor / (1 + 0.1 * Math.log(s.factor)),
      };
      // ggml's YaRN ramp cannot express truncate: false (it always floors/ceils the correction
      // dims), a non-integer original context (n_ctx_orig is an int), or a range ggml computes
      // differently (float32 dims, MAX(0.001f, high - low) on an empty range): the same
      // frequencies as freq_factors instead.
      const native = s.truncate !== false && nCtxOrig === s.originalMaxPositionEmbeddings && disagreement(yarn, info) === null;
      result = native ? yarn : factorForm({ nCtxOrig, betaFast: s.betaFast, betaSlow: s.betaSlow });
      break;
    }
    case 'llama3':
    case 'longrope':
      result = factorForm({ nCtxOrig: ctxOrig(s.originalMaxPositionEmbeddings) });
      break;
    case 'proportional': {
      const turning = Math.floor((s.partialRotaryFactor * nDims) / 2);
      result = {
        ...common,
        freqScale: 1 / s.factor,
        freqFactors: toFloat32Factors(Array.from({ length: pairs }, (_, i) => (i < turning ? 1 : STILL_PAIR_FACTOR) * ownAt(i)), ownArg),
      };
      break;
    }
    default:
      return unsupported('rope.scaling.type', s.type, 'has no ggml mapping');
  }
  const off = disagreement(result, info);
  if (off !== null) {
    const where = off.pair < 0 ? `a magnitude of ${off.got} instead of ${off.want}` : `pair ${off.pair} a frequency of ${off.got} instead of ${off.want}`;
    unsupported(s === null ? 'rope.freqFactors' : 'rope.scaling', s ?? own, `has no ggml_rope_ext equivalent: ggml would give ${where}`);
  }
  return result;
}
