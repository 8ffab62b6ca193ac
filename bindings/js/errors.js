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
  'MROPE_INVALID',
  'FREQ_FACTORS_INVALID',
  'ALIASED_TENSORS',
  'DTYPE_INVALID',
  'STRIDE_INVALID',
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

// What a core status is about, for statuses the JS checks cannot all anticipate.
const STATUS_ARGUMENTS = {
  SCALING_INVALID: 'config.scaling',
  MROPE_INVALID: 'config.mrope',
  FREQ_FACTORS_INVALID: 'config.freqFactors',
  SEQ_LEN_INVALID: 'options.seqLen',
};

/**
 * Throws the RopeError for a non-OK core status, naming what the call was about (and the
 * argument and value, when the caller passes them in `details`).
 */
export function throwStatus(status, what, details = {}) {
  const code = STATUS_CODES[status] ?? 'INTERNAL';
  const argument = details.argument ?? STATUS_ARGUMENTS[code];
  const got = 'value' in details ? `, got ${describe(details.value)}` : '';
  let message;
  if (code === 'OUT_OF_MEMORY') {
    message = `${what}: the wasm heap cannot hold what this call needs (out of memory)`;
  } else if (code === 'SCALING_INVALID') {
    // The core refuses scaling whose frequencies or attention factor would make finite
    // tensors non-finite (src/rope_apply.cpp, update_frequencies).
    message = `${what}: ${argument} gives frequencies or an attention factor outside the usable range ` +
      `(position x frequency must stay finite at every int32 position, the attention factor within [1e-15, 1e15])${got}`;
  } else {
    message = `${what} failed in the core with ${code}${argument ? ` (${argument}${got})` : ''}`;
  }
  const out = { ...details };
  if (argument !== undefined) out.argument = argument;
  throw new RopeError(code, message, out);
}
