// RopeConfig: checks and defaults in JS, then the flat form the Embind block takes.
import { RopeError, describe, fail } from './errors.js';
import { checkEvenPositive, checkFinite, checkInteger, checkKeys, checkObject, checkOneOf } from './validate.js';
import { MROPE_MODES, normalizeFreqFactors, normalizeMrope } from './mrope-config.js';
import { normalizeScaling, scalingToCore } from './scaling.js';

export const MAX_HEAD_DIM = 65536;
export const DEFAULT_CACHE_LIMIT_BYTES = 8 * 1024 * 1024;
export const LAYOUTS = ['half', 'interleaved'];

const CONFIG_KEYS = ['headDim', 'rotaryDim', 'base', 'layout', 'scaling', 'cacheLimitBytes', 'numHeads', 'numKvHeads', 'mrope', 'freqFactors'];
// Largest head count of a call (and of RopeConfig.numHeads / numKvHeads).
export const MAX_HEADS = 1 << 20;

// What each layout pairs, and the names other code gives that pairing (model families,
// Hugging Face's and llama.cpp's functions and rope modes), for errors that say which to use.
const LAYOUT_PAIRING = {
  half: 'pairs channel i with i + rotaryDim/2, as GPT-NeoX, Hugging Face\'s rotate_half and llama.cpp\'s NEOX mode do',
  interleaved: 'pairs channel 2i with 2i+1, as GPT-J, Meta\'s Llama code and llama.cpp\'s NORM mode do',
};
const LAYOUT_ALIASES = {
  neox: 'half', 'gpt-neox': 'half', gpt_neox: 'half', gptneox: 'half', rotate_half: 'half', 'rotate-half': 'half',
  is_neox_style: 'half', 'non-interleaved': 'half',
  gptj: 'interleaved', 'gpt-j': 'interleaved', gpt_j: 'interleaved', rotate_every_two: 'interleaved',
  'rotate-every-two': 'interleaved', interleave: 'interleaved', norm: 'interleaved',
};
const useLayout = (layout) => `use layout: '${layout}' (it ${LAYOUT_PAIRING[layout]})`;

// RopeConfig keys other APIs spell differently: the key to use instead.
const KEY_HINTS = {
  is_neox_style: (v) => useLayout(v === false ? 'interleaved' : 'half'),
  isNeoxStyle: (v) => useLayout(v === false ? 'interleaved' : 'half'),
  neox: (v) => useLayout(v === false ? 'interleaved' : 'half'),
  interleaved: (v) => useLayout(v === false ? 'half' : 'interleaved'),
  interleave: (v) => useLayout(v === false ? 'half' : 'interleaved'),
  rope_theta: () => 'use base',
  theta: () => 'use base',
  rope_scaling: () => 'use scaling, with camelCase keys ({ type, factor, ... }); or let configFromHF(config) convert a config.json',
};

/** layout, or a RopeError naming `name`, saying which layout a known other name means. */
export function checkLayout(value, name) {
  if (LAYOUTS.includes(value)) return value;
  const alias = typeof value === 'string' ? LAYOUT_ALIASES[value.toLowerCase()] : undefined;
  if (alias !== undefined) {
    throw new RopeError('LAYOUT_INVALID',
      `${name} must be one of "half", "interleaved", got ${describe(value)}: ${useLayout(alias)}`, { argument: name, value });
  }
  return checkOneOf(value, LAYOUTS, name, 'LAYOUT_INVALID');
}

// An unknown key another API uses (is_neox_style, interleaved, rope_theta, snake_case forms
// of RopeConfig keys): UNKNOWN_OPTION, as checkKeys would say, plus what to use instead.
function checkKeyHints(config) {
  for (const key of Object.keys(config)) {
    if (CONFIG_KEYS.includes(key)) continue;
    const camel = key.replace(/_([a-z0-9])/g, (_, ch) => ch.toUpperCase());
    const hint = KEY_HINTS[key] ? KEY_HINTS[key](config[key]) : CONFIG_KEYS.includes(camel) ? `use ${camel}` : null;
    if (hint === null) continue;
    const argument = `config.${key}`;
    throw new RopeError('UNKNOWN_OPTION',
      `${argument} is not an option (known: ${CONFIG_KEYS.join(', ')}), got ${describe(config[key])}: ${hint}`,
      { argument, value: config[key] });
  }
}

/** Validates a RopeConfig and returns it with every default filled in. */
export function normalizeConfig(config) {
  checkObject(config, 'config');
  checkKeyHints(config);
  checkKeys(config, CONFIG_KEYS, 'config');
  const headDim = checkEvenPositive(config.headDim, 'config.headDim', 'HEAD_DIM_INVALID', MAX_HEAD_DIM);
  const rotaryDim = config.rotaryDim === undefined
    ? headDim
    : checkEvenPositive(config.rotaryDim, 'config.rotaryDim', 'ROTARY_DIM_INVALID', MAX_HEAD_DIM);
  if (rotaryDim > headDim) {
    fail('ROTARY_DIM_INVALID', 'config.rotaryDim', `must be <= headDim (${headDim})`, rotaryDim);
  }
  const base = config.base === undefined ? 10000 : checkFinite(config.base, 'config.base', 'BASE_INVALID', { min: 1, minExclusive: true });
  const layout = config.layout === undefined ? 'half' : checkLayout(config.layout, 'config.layout');
  const cacheLimitBytes = config.cacheLimitBytes === undefined
    ? DEFAULT_CACHE_LIMIT_BYTES
    : checkFinite(config.cacheLimitBytes, 'config.cacheLimitBytes', 'CACHE_LIMIT_INVALID', { min: 0 });
  const scaling = normalizeScaling(config.scaling, rotaryDim);
  // The model's head counts (configFromHF returns them): applyQK's defaults for numHeads and
  // numKvHeads. apply always takes numHeads, since it rotates q or k.
  const heads = (key) => (config[key] === undefined || config[key] === null
    ? null : checkInteger(config[key], `config.${key}`, 'NUM_HEADS_INVALID', { min: 1, max: MAX_HEADS }));
  const numHeads = heads('numHeads');
  const numKvHeads = heads('numKvHeads');
  const mrope = normalizeMrope(config.mrope, rotaryDim, scaling);
  const freqFactors = normalizeFreqFactors(config.freqFactors, rotaryDim);
  return { headDim, rotaryDim, base, layout, scaling, cacheLimitBytes, numHeads, numKvHeads, mrope, freqFactors };
}

/**
 * The flat object the Embind value_object expects. Longrope factor arrays and freq factors
 * are written by the caller into wasm memory at `factorPtrs` (short, long, freq), or 0.
 */
export function configToCore(cfg, factorPtrs = [0, 0, 0]) {
  const section = cfg.mrope ? cfg.mrope.section : [];
  return {
    mropeMode: cfg.mrope ? MROPE_MODES.indexOf(cfg.mrope.mode) + 1 : 0,
    mropeStreams: section.length,
    mropeSection0: section[0] ?? 0,
    mropeSection1: section[1] ?? 0,
    mropeSection2: section[2] ?? 0,
    mropeSection3: section[3] ?? 0,
    freqFactorsPtr: factorPtrs[2] ?? 0,
    freqFactorCount: cfg.freqFactors ? cfg.freqFactors.length : 0,
    headDim: cfg.headDim,
    rotaryDim: cfg.rotaryDim,
    base: cfg.base,
    layout: LAYOUTS.indexOf(cfg.layout),
    cacheLimitBytes: cfg.cacheLimitBytes,
    ...scalingToCore(cfg.scaling, cfg.rotaryDim),
    shortFactorPtr: factorPtrs[0],
    longFactorPtr: factorPtrs[1],
  };
}
