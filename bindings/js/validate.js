// Argument checks shared by the package layer. Each throws a RopeError that names the
// argument and the value it got; none touches wasm memory.
import { fail } from './errors.js';

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

export function isPlainObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

export function checkObject(value, name) {
  if (!isPlainObject(value)) fail('INVALID_TYPE', name, 'must be an object', value);
}

/** Rejects keys outside `allowed`, so a misspelt option is an error rather than ignored. */
export function checkKeys(obj, allowed, name) {
  // for...in rather than Object.keys: no allocation on the per-call path.
  for (const key in obj) {
    if (Object.prototype.hasOwnProperty.call(obj, key) && !allowed.includes(key)) {
      fail('UNKNOWN_OPTION', `${name}.${key}`, `is not an option (known: ${allowed.join(', ')})`, obj[key]);
    }
  }
}

export function checkInteger(value, name, code, { min = -Infinity, max = Infinity } = {}) {
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(code, name, 'must be an integer', value);
  if (value < min) fail(code, name, `must be >= ${min}`, value);
  if (value > max) fail(code, name, `must be <= ${max}`, value);
  return value;
}

export function checkEvenPositive(value, name, code, max) {
  checkInteger(value, name, code, { min: 2, max });
  if (value % 2 !== 0) fail(code, name, 'must be even', value);
  return value;
}

export function checkFinite(value, name, code, { min = -Infinity, minExclusive = false } = {}) {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(code, name, 'must be a finite number', value);
  if (minExclusive ? value <= min : value < min) fail(code, name, `must be ${minExclusive ? '>' : '>='} ${min}`, value);
  return value;
}

export function checkOneOf(value, allowed, name, code) {
  if (!allowed.includes(value)) fail(code, name, `must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, value);
  return value;
}

export function checkBoolean(value, name) {
  if (typeof value !== 'boolean') fail('INVALID_TYPE', name, 'must be a boolean', value);
  return value;
}

/**
 * True for an ArrayBuffer that has been detached: a wasm memory's old buffer after the
 * memory grew (its views then have length 0, and writes through them go nowhere), or a
 * transferred buffer. For rejecting stale views instead of treating them as empty.
 */
export function isDetached(buffer) {
  if (typeof buffer.detached === 'boolean') return buffer.detached;
  if (buffer.byteLength !== 0) return false;
  try {
    buffer.slice(0, 0);
    return false;
  } catch {
    return true;
  }
}
