// Shared by the config importers (config-hf.js, config-gguf.js): checked readers that
// name the key in the source's own spelling, and the final RopeConfig validation.
import { RopeError, fail } from './errors.js';
import { checkLayout, normalizeConfig } from './config.js';
import { checkKeys, isPlainObject } from './validate.js';

export const CODE = 'CONFIG_INVALID';

export function has(obj, key) {
  return obj !== null && typeof obj === 'object' && Object.prototype.hasOwnProperty.call(obj, key) && obj[key] !== undefined;
}

export function num(value, name, { positive = false, integer = false } = {}) {
  if (typeof value === 'bigint') value = Number(value);
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(CODE, name, 'must be a finite number', value);
  if (integer && !Number.isInteger(value)) fail(CODE, name, 'must be an integer', value);
  if (positive && value <= 0) fail(CODE, name, 'must be > 0', value);
  return value;
}

/** The one value several spellings of a key agree on, or undefined; disagreement is an error. */
export function agree(entries, read) {
  let found;
  for (const [name, value] of entries) {
    if (value === undefined || value === null) continue;
    const v = read(value, name);
    if (found !== undefined && found.v !== v) {
      fail(CODE, name, `contradicts ${found.name} (${found.v})`, value);
    }
    if (found === undefined) found = { name, v };
  }
  return found;
}

// The importers' own checks of the keys beyond the 1-D geometry (multimodal RoPE, per-pair
// frequency factors, head counts, proportional scaling), so a problem names the source key;
// normalizeConfig then checks the whole config as createRope will.
export const MROPE_MODES = ['chunked', 'interleaved', 'vision'];

function checkMrope(mrope, cfg, name, scaling) {
  if (mrope === undefined || mrope === null) return;
  const { section, mode = 'chunked' } = mrope;
  if (!MROPE_MODES.includes(mode)) fail(CODE, name, `mode must be one of ${MROPE_MODES.join(', ')}`, mode);
  const pairs = cfg.rotaryDim / 2;
  const streams = mode === 'vision' ? null : 3;
  if (!Array.isArray(section) || section.length === 0 || (streams !== null && section.length !== streams)) {
    fail(CODE, name, `must be ${streams === null ? 'a list' : `a list of ${streams}`} pair counts (one per position stream)`, section);
  }
  section.forEach((s) => {
    if (!Number.isInteger(s) || s < 0) fail(CODE, name, 'must hold integers >= 0 (pairs per position stream)', section);
  });
  const sum = section.reduce((a, b) => a + b, 0);
  // Chunked: transformers splits the rotaryDim/2 frequencies by the sections (torch.split
  // needs the exact sum). Interleaved: uncovered pairs stay on t, but more than rotaryDim/2
  // pairs cannot be meant.
  if (mode === 'interleaved' ? sum > pairs : sum !== pairs) {
    fail(CODE, name, `must ${mode === 'interleaved' ? 'sum to at most' : 'sum to'} rotaryDim / 2 = ${pairs} pairs (sums to ${sum})`, section);
  }
  if (mode === 'vision' && scaling !== null && scaling !== undefined) {
    fail(CODE, name, 'is a vision tower\'s 2-D RoPE, which takes no scaling', section);
  }
}

function checkFreqFactors(f, cfg, name) {
  if (f === undefined || f === null) return;
  const pairs = cfg.rotaryDim / 2;
  if (typeof f !== 'object' || !Number.isInteger(f.length)) fail(CODE, name, `must hold rotaryDim / 2 = ${pairs} numbers`, f);
  if (f.length !== pairs) fail(CODE, name, `must hold rotaryDim / 2 = ${pairs} numbers (one per rotated pair), has ${f.length}`, f);
  for (let i = 0; i < f.length; i++) {
    const v = f[i];
    if (typeof v !== 'number' || Number.isNaN(v) || v <= 0) fail(CODE, `${name}[${i}]`, 'must be a number > 0 (Infinity allowed)', v);
  }
}

function checkProportional(s, cfg, name) {
  const pf = s.partialRotaryFactor;
  if (typeof pf !== 'number' || !Number.isFinite(pf) || pf <= 0 || pf > 1) fail(CODE, `${name}.partial_rotary_factor`, 'must be a number in (0, 1]', pf);
  if (s.factor !== undefined && (typeof s.factor !== 'number' || !Number.isFinite(s.factor) || s.factor <= 0)) {
    fail(CODE, `${name}.factor`, 'must be a finite number > 0', s.factor);
  }
  if (cfg.rotaryDim !== cfg.headDim) fail(CODE, name, `is proportional RoPE, which spans the whole head (rotaryDim = headDim = ${cfg.headDim})`, cfg.rotaryDim);
}

/**
 * Validates an importer's RopeConfig and returns it: the importer-level checks of mrope,
 * freqFactors, head counts and proportional scaling (named by `names[key]`), then
 * normalizeConfig, whose RopeError is re-thrown as CONFIG_INVALID naming the source key
 * (keyOf maps normalizeConfig's argument to it; the extension keys map through `names`).
 */
export function validated(result, keyOf, names = {}) {
  const scalingName = names.scaling ?? 'scaling';
  if (result.scaling && result.scaling.type === 'proportional') checkProportional(result.scaling, result, scalingName);
  checkMrope(result.mrope, result, names.mrope ?? 'mrope', result.scaling);
  checkFreqFactors(result.freqFactors, result, names.freqFactors ?? 'freqFactors');
  for (const k of ['numHeads', 'numKvHeads']) {
    if (result[k] !== undefined && (!Number.isInteger(result[k]) || result[k] <= 0)) fail(CODE, names[k] ?? k, 'must be an integer > 0', result[k]);
  }
  if (result.numHeads !== undefined && result.numKvHeads !== undefined && result.numHeads % result.numKvHeads !== 0) {
    fail(CODE, names.numKvHeads ?? 'numKvHeads', `must divide the number of attention heads (${result.numHeads})`, result.numKvHeads);
  }
  try {
    normalizeConfig(result);
  } catch (e) {
    if (!(e instanceof RopeError)) throw e;
    const arg = e.argument ?? '';
    const ext = /^config\.(mrope|freqFactors|numHeads|numKvHeads)\b(.*)$/.exec(arg);
    const key = ext && names[ext[1]] ? `${names[ext[1]]}${ext[2].replace(/^\.section/, '')}` : keyOf(arg);
    throw new RopeError(CODE, `${key}: ${e.message}`, { argument: key, value: e.value });
  }
  return result;
}

export function checkLayoutOption(options, allowed) {
  if (options === undefined) return {};
  if (!isPlainObject(options)) fail('INVALID_TYPE', 'options', 'must be an object', options);
  checkKeys(options, allowed, 'options');
  if (options.layout !== undefined) checkLayout(options.layout, 'options.layout');
  return options;
}
