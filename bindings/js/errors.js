// RopeError and the mapping from the core's status codes to stable string codes.

/** An error from rope-wasm; `code` is stable, `argument` names what was wrong. */
export class RopeError extends Error {
  constructor(code, message, details = {}) {
    super(message);
    this.name = 'RopeError';
    this.code = code;
    if (details.argument !== undefined) this.argument = details.argument;
    if ('value' in details) this.value = details.value;
  }
}

// Index = the core's Status value (src/rope_status.h); keep in step with it.
export const STATUS_CODES = [
  'OK',
  'HEAD_DIM_INVALID',
  'ROTARY_DIM_INVALID',
  'BASE_INVALID',
  'LAYOUT_INVALID',
  'SCALING_INVALID',
  'NUM_HEADS_INVALID',
  'LENGTH_INVALID',
  'POSITION_INVALID',
  'ORDER_INVALID',
  'SEQ_LEN_INVALID',
  'OUT_OF_MEMORY',
  'SIZE_OVERFLOW',
  'NULL_POINTER',
  'TOKEN_COUNT_MISMATCH',
  'CACHE_LIMIT_INVALID',
];

/** A short, readable rendering of any value for error messages. */
export function describe(value) {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? value.slice(0, 40) + '...' : value);
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'boolean' || typeof value === 'symbol') return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an Array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${value.length ?? value.byteLength}`;
  const name = value.constructor && value.constructor.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

/** Throws a RopeError for argument `argument` that got `value`. */
export function fail(code, argument, expectation, value) {
  throw new RopeError(code, `${argument} ${expectation}, got ${describe(value)}`, { argument, value });
}

/** Throws the RopeError for a non-OK core status, naming what the call was about. */
export function throwStatus(status, what) {
  const code = STATUS_CODES[status] ?? 'INTERNAL';
  const message = code === 'OUT_OF_MEMORY'
    ? `${what}: the wasm heap cannot hold what this call needs (out of memory)`
    : `${what} failed in the core with ${code}`;
  throw new RopeError(code, message);
}
