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

/** Re-throws a RopeError from normalizeConfig as CONFIG_INVALID, naming the source key. */
export function validated(result, keyOf) {
  try {
    normalizeConfig(result);
  } catch (e) {
    if (!(e instanceof RopeError)) throw e;
    const key = keyOf(e.argument ?? '');
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
