// RopeConfig.mrope and RopeConfig.freqFactors: checks and defaults. Every problem is a
// RopeError naming the key (MROPE_INVALID, FREQ_FACTORS_INVALID), thrown before the core.
import { fail } from './errors.js';
import { checkKeys, isPlainObject } from './validate.js';

// In the core's order (src/rope_config.h MropeMode, 1-based there: 0 is "none").
export const MROPE_MODES = ['chunked', 'interleaved', 'vision'];
const MAX_STREAMS = 4;

/**
 * { section: number[], mode } for a rope rotating `rotaryDim` channels, or null. Hugging
 * Face's semantics: 'chunked' (Qwen2-VL, Qwen2.5-VL, GLM-4V) contiguous sections summing to
 * rotaryDim/2; 'interleaved' (Qwen3-VL, Qwen3.5) three streams, pair i on h when i % 3 == 1
 * and i < 3*S_h, on w when i % 3 == 2 and i < 3*S_w, else t; 'vision' (vision towers) the
 * frequency index restarting in each section, no scaling.
 */
export function normalizeMrope(mrope, rotaryDim, scaling) {
  if (mrope === undefined || mrope === null) return null;
  if (!isPlainObject(mrope)) fail('MROPE_INVALID', 'config.mrope', 'must be an object { section: number[], mode? } or null', mrope);
  checkKeys(mrope, ['section', 'mode'], 'config.mrope');
  const mode = mrope.mode === undefined ? 'chunked' : mrope.mode;
  if (!MROPE_MODES.includes(mode)) {
    fail('MROPE_INVALID', 'config.mrope.mode', `must be one of ${MROPE_MODES.map((m) => JSON.stringify(m)).join(', ')}`, mode);
  }
  const sec = mrope.section;
  if (sec === null || typeof sec !== 'object' || !Number.isInteger(sec.length)) {
    fail('MROPE_INVALID', 'config.mrope.section', 'must be an array of pair counts, one per position stream (HF mrope_section)', sec);
  }
  if (sec.length < 1 || sec.length > MAX_STREAMS) fail('MROPE_INVALID', 'config.mrope.section', `must have 1 to ${MAX_STREAMS} entries`, sec);
  const section = [];
  for (let k = 0; k < sec.length; k++) {
    const v = sec[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail('MROPE_INVALID', `config.mrope.section[${k}]`, 'must be an integer >= 0', v);
    section.push(v);
  }
  const pairs = rotaryDim / 2;
  const sum = section.reduce((a, b) => a + b, 0);
  if (mode === 'interleaved' && section.length !== 3) {
    fail('MROPE_INVALID', 'config.mrope.section', 'must have 3 entries (t, h, w) with mode "interleaved"', sec);
  }
  if (mode !== 'interleaved' && sum !== pairs) {
    fail('MROPE_INVALID', 'config.mrope.section', `must sum to rotaryDim / 2 = ${pairs} with mode ${JSON.stringify(mode)} (it sums to ${sum})`, sec);
  }
  if (mode === 'vision') {
    const zero = section.indexOf(0);
    if (zero >= 0) fail('MROPE_INVALID', `config.mrope.section[${zero}]`, 'must be >= 1 with mode "vision" (each section is a RoPE of its own)', 0);
    if (scaling !== null) fail('SCALING_INVALID', 'config.scaling', 'must be null with mrope mode "vision" (the vision towers scale none)', scaling);
  }
  return { section, mode };
}

/** rotaryDim/2 numbers > 0 (Infinity allowed: a pair that never turns), or null. */
export function normalizeFreqFactors(ff, rotaryDim) {
  if (ff === undefined || ff === null) return null;
  const pairs = rotaryDim / 2;
  if (typeof ff !== 'object' || !Number.isInteger(ff.length)) {
    fail('FREQ_FACTORS_INVALID', 'config.freqFactors', `must be an array of rotaryDim / 2 = ${pairs} numbers > 0, or null`, ff);
  }
  if (ff.length !== pairs) fail('FREQ_FACTORS_INVALID', 'config.freqFactors', `must have rotaryDim / 2 = ${pairs} entries`, ff);
  const out = new Float64Array(pairs);
  for (let i = 0; i < pairs; i++) {
    const v = ff[i];
    if (typeof v !== 'number' || !(v > 0)) fail('FREQ_FACTORS_INVALID', `config.freqFactors[${i}]`, 'must be a number > 0 (Infinity allowed)', v);
    out[i] = v;
  }
  return out;
}
