// RopeConfig.scaling: Hugging Face rope_scaling types, camelCase keys.
// (Only the unscaled and linear forms for now; the scaling issue adds the rest.)
import { fail } from './errors.js';
import { checkFinite, checkKeys, checkObject } from './validate.js';

export const SCALING_TYPES = ['default', 'linear'];
const TYPE_CODES = { default: 0, linear: 1, dynamic: 2, yarn: 3, llama3: 4, longrope: 5 };

export function normalizeScaling(scaling, rotaryDim) {
  void rotaryDim;
  if (scaling === undefined || scaling === null) return null;
  checkObject(scaling, 'config.scaling');
  if (!SCALING_TYPES.includes(scaling.type)) {
    fail('SCALING_INVALID', 'config.scaling.type', `must be one of ${SCALING_TYPES.map((t) => JSON.stringify(t)).join(', ')}`, scaling.type);
  }
  if (scaling.type === 'default') {
    checkKeys(scaling, ['type'], 'config.scaling');
    return null;
  }
  checkKeys(scaling, ['type', 'factor'], 'config.scaling');
  const factor = checkFinite(scaling.factor, 'config.scaling.factor', 'SCALING_INVALID', { min: 0, minExclusive: true });
  return { type: 'linear', factor };
}

/** Scaling fields of the core config (every field present, NaN for "not given"). */
export function scalingToCore(s) {
  const core = {
    scalingType: 0, factor: 1, maxPositionEmbeddings: 0, originalMaxPositionEmbeddings: 0,
    betaFast: 32, betaSlow: 1, mscale: NaN, mscaleAllDim: NaN, attentionFactor: NaN,
    truncate: true, lowFreqFactor: 1, highFreqFactor: 4, factorCount: 0,
  };
  if (s === null) return core;
  core.scalingType = TYPE_CODES[s.type];
  core.factor = s.factor;
  return core;
}
