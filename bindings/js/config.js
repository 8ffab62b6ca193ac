// RopeConfig: checks and defaults in JS, then the flat form the Embind block takes.
import { fail } from './errors.js';
import { checkEvenPositive, checkFinite, checkKeys, checkObject, checkOneOf } from './validate.js';
import { normalizeScaling, scalingToCore } from './scaling.js';

export const MAX_HEAD_DIM = 65536;
export const DEFAULT_CACHE_LIMIT_BYTES = 8 * 1024 * 1024;
export const LAYOUTS = ['half', 'interleaved'];

const CONFIG_KEYS = ['headDim', 'rotaryDim', 'base', 'layout', 'scaling', 'cacheLimitBytes'];

/** Validates a RopeConfig and returns it with every default filled in. */
export function normalizeConfig(config) {
  checkObject(config, 'config');
  checkKeys(config, CONFIG_KEYS, 'config');
  const headDim = checkEvenPositive(config.headDim, 'config.headDim', 'HEAD_DIM_INVALID', MAX_HEAD_DIM);
  const rotaryDim = config.rotaryDim === undefined
    ? headDim
    : checkEvenPositive(config.rotaryDim, 'config.rotaryDim', 'ROTARY_DIM_INVALID', MAX_HEAD_DIM);
  if (rotaryDim > headDim) {
    fail('ROTARY_DIM_INVALID', 'config.rotaryDim', `must be <= headDim (${headDim})`, rotaryDim);
  }
  const base = config.base === undefined ? 10000 : checkFinite(config.base, 'config.base', 'BASE_INVALID', { min: 1, minExclusive: true });
  const layout = config.layout === undefined ? 'half' : checkOneOf(config.layout, LAYOUTS, 'config.layout', 'LAYOUT_INVALID');
  const cacheLimitBytes = config.cacheLimitBytes === undefined
    ? DEFAULT_CACHE_LIMIT_BYTES
    : checkFinite(config.cacheLimitBytes, 'config.cacheLimitBytes', 'CACHE_LIMIT_INVALID', { min: 0 });
  const scaling = normalizeScaling(config.scaling, rotaryDim);
  return { headDim, rotaryDim, base, layout, scaling, cacheLimitBytes };
}

/**
 * The flat object the Embind value_object expects. Longrope factor arrays are written
 * by the caller into wasm memory at `factorPtrs` (short, long), or 0 when absent.
 */
export function configToCore(cfg, factorPtrs = [0, 0]) {
  return {
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
