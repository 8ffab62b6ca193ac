// RopeConfig.scaling: Hugging Face rope_scaling types with camelCase keys.
//
// Semantics are those of transformers' modeling_rope_utils.py in the release that has
// yarn's `truncate`, `mscale` and `mscale_all_dim` and uses the given yarn `factor` as is
// (4.56/4.57; 5.x computes the same numbers). The core computes the frequencies; this
// file only checks the keys, fills Hugging Face's defaults and flattens them for Embind.
// Every problem is a RopeError with code SCALING_INVALID naming the key.
import { RopeError, describe, fail } from './errors.js';

export const SCALING_TYPES = ['default', 'linear', 'dynamic', 'yarn', 'llama3', 'longrope', 'proportional'];
const TYPE_CODES = { default: 0, linear: 1, dynamic: 2, yarn: 3, llama3: 4, longrope: 5, proportional: 6 };

const KEYS = {
  default: ['type'],
  linear: ['type', 'factor'],
  dynamic: ['type', 'factor', 'maxPositionEmbeddings'],
  yarn: ['type', 'factor', 'originalMaxPositionEmbeddings', 'maxPositionEmbeddings', 'betaFast', 'betaSlow',
    'mscale', 'mscaleAllDim', 'attentionFactor', 'truncate'],
  llama3: ['type', 'factor', 'lowFreqFactor', 'highFreqFactor', 'originalMaxPositionEmbeddings'],
  longrope: ['type', 'shortFactor', 'longFactor', 'originalMaxPositionEmbeddings', 'maxPositionEmbeddings', 'factor',
    'attentionFactor'],
  proportional: ['type', 'partialRotaryFactor', 'factor'],
};

const CODE = 'SCALING_INVALID';
const PREFIX = 'config.scaling';

// Every camelCase key some type takes, for naming the camelCase form of a snake_case key.
const ALL_KEYS = new Set(Object.values(KEYS).flat());
const camel = (k) => (k === 'rope_type' ? 'type' : k.replace(/_([a-z0-9])/g, (_, ch) => ch.toUpperCase()));

// A Hugging Face rope_scaling dict passed as it is (snake_case keys, `rope_type`): say so,
// rather than "type must be one of ..., got undefined" or "not a key of ... scaling".
function failSnakeCase(scaling, snakeKeys) {
  const first = snakeKeys.includes('rope_type') ? 'rope_type' : snakeKeys[0];
  const renames = snakeKeys.map((k) => `${k} -> ${camel(k)}`);
  const shown = (v) => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? '[...]' : describe(v));
  const converted = Object.keys(scaling).filter((k) => ALL_KEYS.has(camel(k)))
    .map((k) => `${camel(k)}: ${shown(scaling[k])}`).join(', ');
  const argument = `${PREFIX}.${first}`;
  throw new RopeError(CODE,
    `${argument} is a Hugging Face rope_scaling key (got ${describe(scaling[first])}): RopeConfig.scaling takes ` +
    `camelCase keys (${renames.join(', ')}), here { ${converted} }; or let configFromHF(config) convert the whole config.json`,
    { argument, value: scaling[first] });
}

function isAbsent(v) {
  return v === undefined || v === null;
}

function positive(s, key) {
  const v = s[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(CODE, `${PREFIX}.${key}`, 'must be a finite number > 0', v);
  return v;
}

function optionalPositive(s, key) {
  return isAbsent(s[key]) ? null : positive(s, key);
}

function optionalFinite(s, key) {
  const v = s[key];
  if (isAbsent(v)) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(CODE, `${PREFIX}.${key}`, 'must be a finite number', v);
  return v;
}

// yarn reads `rope_scaling.get("beta_fast") or 32`: absent, null and 0 all mean the default.
function beta(s, key, dflt) {
  const v = s[key];
  if (isAbsent(v) || v === 0) return dflt;
  return positive(s, key);
}

function factorList(s, key, pairs) {
  const v = s[key];
  // Any array-like of numbers (Array, any typed array, { length, 0: ..., ... }), as typed.
  if (v === null || typeof v !== 'object' || !Number.isInteger(v.length) || v.length < 0) {
    fail(CODE, `${PREFIX}.${key}`, `must be an array of ${pairs} numbers (one per rotated pair)`, v);
  }
  if (v.length !== pairs) fail(CODE, `${PREFIX}.${key}`, `must have rotaryDim / 2 = ${pairs} entries`, v);
  const out = new Array(pairs);
  for (let i = 0; i < pairs; i++) {
    const f = v[i];
    if (typeof f !== 'number' || !Number.isFinite(f) || f <= 0) fail(CODE, `${PREFIX}.${key}[${i}]`, 'must be a finite number > 0', f);
    out[i] = f;
  }
  return out;
}

// get_mscale(scale, mscale) from transformers' yarn.
function getMscale(scale, mscale = 1) {
  return scale <= 1 ? 1 : 0.1 * mscale * Math.log(scale) + 1;
}

/**
 * Validates `scaling` (for a rope rotating `rotaryDim` channels) and returns it with
 * Hugging Face's defaults filled in, or null for none. Unset optional values are null.
 */
export function normalizeScaling(scaling, rotaryDim) {
  if (isAbsent(scaling)) return null;
  if (typeof scaling !== 'object' || Array.isArray(scaling) || ArrayBuffer.isView(scaling)) {
    fail(CODE, PREFIX, 'must be an object such as { type: "linear", factor: 2 }, or null', scaling);
  }
  const snakeKeys = Object.keys(scaling).filter((k) => k.includes('_') && ALL_KEYS.has(camel(k)));
  if (snakeKeys.length > 0) failSnakeCase(scaling, snakeKeys);
  const type = scaling.type;
  if (!SCALING_TYPES.includes(type)) {
    fail(CODE, `${PREFIX}.type`, `must be one of ${SCALING_TYPES.map((t) => JSON.stringify(t)).join(', ')}`, type);
  }
  for (const key of Object.keys(scaling)) {
    if (!KEYS[type].includes(key)) {
      fail(CODE, `${PREFIX}.${key}`, `is not a key of ${JSON.stringify(type)} scaling (known: ${KEYS[type].join(', ')})`, scaling[key]);
    }
  }
  const s = scaling;
  switch (type) {
    case 'default':
      return null;
    case 'linear':
      return { type, factor: positive(s, 'factor') };
    case 'dynamic': {
      if (rotaryDim <= 2) fail(CODE, `${PREFIX}.type`, 'cannot be "dynamic" with rotaryDim 2 (the base exponent is dim / (dim - 2))', type);
      return { type, factor: positive(s, 'factor'), maxPositionEmbeddings: positive(s, 'maxPositionEmbeddings') };
    }
    case 'yarn': {
      const factor = positive(s, 'factor');
      const original = optionalPositive(s, 'originalMaxPositionEmbeddings');
      const max = optionalPositive(s, 'maxPositionEmbeddings');
      if (original === null && max === null) {
        fail(CODE, `${PREFIX}.originalMaxPositionEmbeddings`, 'is required (or maxPositionEmbeddings, which Hugging Face falls back to)', undefined);
      }
      const betaFast = beta(s, 'betaFast', 32);
      const betaSlow = beta(s, 'betaSlow', 1);
      if (betaFast < betaSlow) fail(CODE, `${PREFIX}.betaFast`, `must be >= betaSlow (${betaSlow})`, betaFast);
      const mscale = optionalFinite(s, 'mscale');
      const mscaleAllDim = optionalFinite(s, 'mscaleAllDim');
      const attentionFactor = optionalPositive(s, 'attentionFactor');
      if (attentionFactor === null && mscale && mscaleAllDim) {
        const derived = getMscale(factor, mscale) / getMscale(factor, mscaleAllDim);
        if (!(derived > 0) || !Number.isFinite(derived)) {
          fail(CODE, `${PREFIX}.mscaleAllDim`, `gives get_mscale(factor, mscale) / get_mscale(factor, mscaleAllDim) = ${derived}, not a usable attention factor`, mscaleAllDim);
        }
      }
      let truncate = true;
      if (s.truncate !== undefined) {
        if (typeof s.truncate !== 'boolean') fail(CODE, `${PREFIX}.truncate`, 'must be a boolean', s.truncate);
        truncate = s.truncate;
      }
      return {
        type, factor, originalMaxPositionEmbeddings: original ?? max, maxPositionEmbeddings: max,
        betaFast, betaSlow, mscale, mscaleAllDim, attentionFactor, truncate,
      };
    }
    case 'llama3': {
      const factor = positive(s, 'factor');
      const lowFreqFactor = positive(s, 'lowFreqFactor');
      const highFreqFactor = positive(s, 'highFreqFactor');
      // Equal factors are valid (Llama 4 Scout: 1 and 1; Hugging Face only warns).
      if (highFreqFactor < lowFreqFactor) fail(CODE, `${PREFIX}.highFreqFactor`, `must be >= lowFreqFactor (${lowFreqFactor})`, highFreqFactor);
      return { type, factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings: positive(s, 'originalMaxPositionEmbeddings') };
    }
    case 'longrope': {
      const pairs = rotaryDim / 2;
      const shortFactor = factorList(s, 'shortFactor', pairs);
      const longFactor = factorList(s, 'longFactor', pairs);
      const original = positive(s, 'originalMaxPositionEmbeddings');
      const max = optionalPositive(s, 'maxPositionEmbeddings');
      const factor = optionalPositive(s, 'factor');
      const attentionFactor = optionalPositive(s, 'attentionFactor');
      // factor and maxPositionEmbeddings / originalMaxPositionEmbeddings are two spellings of
      // one number (transformers 4.x lets the ratio win, 5.x the factor): they must agree.
      if (factor !== null && max !== null && Math.abs(factor - max / original) > 1e-12 * (max / original)) {
        fail(CODE, `${PREFIX}.factor`, `contradicts maxPositionEmbeddings / originalMaxPositionEmbeddings = ${max / original}`, factor);
      }
      if (factor === null && max === null && attentionFactor === null) {
        fail(CODE, `${PREFIX}.factor`, 'is needed to derive the attention factor (or give maxPositionEmbeddings, or attentionFactor)', undefined);
      }
      return { type, shortFactor, longFactor, originalMaxPositionEmbeddings: original, maxPositionEmbeddings: max, factor, attentionFactor };
    }
    case 'proportional': {
      // transformers 5.x (Gemma 4 full attention): the first floor(pf * rotaryDim / 2) pairs
      // turn at base^(-2i/rotaryDim), the rest not at all; every frequency / factor.
      const pf = s.partialRotaryFactor;
      if (typeof pf !== 'number' || !Number.isFinite(pf) || pf < 0 || pf > 1) {
        fail(CODE, `${PREFIX}.partialRotaryFactor`, 'must be a number in [0, 1] (the fraction of pairs that turn)', pf);
      }
      return { type, partialRotaryFactor: pf, factor: isAbsent(s.factor) ? 1 : positive(s, 'factor') };
    }
    default:
      return fail(CODE, `${PREFIX}.type`, 'is not handled', type);
  }
}

/** Scaling fields of the core config (every field present, NaN for "not given"). */
export function scalingToCore(s) {
  const core = {
    scalingType: 0, factor: 1, maxPositionEmbeddings: 0, originalMaxPositionEmbeddings: 0,
    betaFast: 32, betaSlow: 1, mscale: NaN, mscaleAllDim: NaN, attentionFactor: NaN,
    truncate: true, lowFreqFactor: 1, highFreqFactor: 4, factorCount: 0, partialRotaryFactor: 1,
  };
  if (s === null) return core;
  core.scalingType = TYPE_CODES[s.type];
  const num = (v, unset) => (v === null || v === undefined ? unset : v);
  switch (s.type) {
    case 'linear':
      core.factor = s.factor;
      break;
    case 'dynamic':
      core.factor = s.factor;
      core.maxPositionEmbeddings = s.maxPositionEmbeddings;
      break;
    case 'yarn':
      core.factor = s.factor;
      core.originalMaxPositionEmbeddings = s.originalMaxPositionEmbeddings;
      core.maxPositionEmbeddings = num(s.maxPositionEmbeddings, 0);
      core.betaFast = s.betaFast;
      core.betaSlow = s.betaSlow;
      core.mscale = num(s.mscale, NaN);
      core.mscaleAllDim = num(s.mscaleAllDim, NaN);
      core.attentionFactor = num(s.attentionFactor, NaN);
      core.truncate = s.truncate;
      break;
    case 'llama3':
      core.factor = s.factor;
      core.lowFreqFactor = s.lowFreqFactor;
      core.highFreqFactor = s.highFreqFactor;
      core.originalMaxPositionEmbeddings = s.originalMaxPositionEmbeddings;
      break;
    case 'longrope':
      core.factor = num(s.factor, NaN);
      core.originalMaxPositionEmbeddings = s.originalMaxPositionEmbeddings;
      core.maxPositionEmbeddings = num(s.maxPositionEmbeddings, 0);
      core.attentionFactor = num(s.attentionFactor, NaN);
      core.factorCount = s.shortFactor.length;
      break;
    case 'proportional':
      core.factor = s.factor;
      core.partialRotaryFactor = s.partialRotaryFactor;
      break;
    default:
      break;
  }
  return core;
}
