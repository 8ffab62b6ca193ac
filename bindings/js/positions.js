// ApplyOptions.positions: checks, and the form the core takes. One position stream for 1-D
// RoPE; `streams` of them (stream-major) for a rope with mrope.
//   - undefined or a number p: tokens at p, p+1, ... on every stream (for M-RoPE: text only,
//     which equals 1-D RoPE bit for bit);
//   - one Int32Array / BigInt64Array / number[] of streams * tokens, stream-major
//     ([t...][h...][w...], ggml's order; one per token for 1-D RoPE);
//   - with mrope: an array of `streams` arrays, one per stream, each one per token.
// BigInt positions (int64 position_ids of onnxruntime and transformers.js) must fit int32.
import { fail } from './errors.js';
import { INT32_MAX, INT32_MIN, checkInteger } from './validate.js';

const STREAM_NAMES = ['t', 'h', 'w', 'e'];

function checkNumber(p, name) {
  if (typeof p !== 'number' || !Number.isInteger(p) || p < INT32_MIN || p > INT32_MAX) {
    fail('POSITION_INVALID', name, `must be an integer in [${INT32_MIN}, ${INT32_MAX}]`, p);
  }
}

// A BigInt64Array as an Int32Array, every value checked.
function fromBigInt(list, name) {
  const out = new Int32Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (v < -2147483648n || v > 2147483647n) fail('POSITION_INVALID', `${name}[${i}]`, `must be within int32 [${INT32_MIN}, ${INT32_MAX}]`, v);
    out[i] = Number(v);
  }
  return out;
}

// Checks one flat list of `n` positions; returns it as an Int32Array or a checked number[].
function flatList(list, n, name, lib, what) {
  if (list instanceof Int32Array || list instanceof BigInt64Array) lib._checkNotDetached(list, name);
  if (list.length !== n) fail('POSITION_INVALID', name, `must have ${what}`, list);
  if (Array.isArray(list)) {
    for (let i = 0; i < list.length; i++) checkNumber(list[i], `${name}[${i}]`);
    return list;
  }
  if (list instanceof BigInt64Array) {
    if (list.buffer === lib._heapBuffer()) lib._heapViewAddress(list, name);
    return fromBigInt(list, name);
  }
  // Positions that live in this library's wasm memory must lie inside a live RopeBuffer
  // (like any heap view), and are copied first: the call's own scratch may grow memory and
  // detach them before they are read.
  if (list.buffer === lib._heapBuffer()) {
    lib._heapViewAddress(list, name);
    return list.slice();
  }
  return list;
}

const isList = (v) => v instanceof Int32Array || v instanceof BigInt64Array || Array.isArray(v);

/** positions -> { start, list, streams }: list (Int32Array or number[], streams * tokens) or null. */
export function resolvePositions(positions, tokens, streams, lib) {
  const name = 'options.positions';
  if (positions === undefined) return { start: 0, list: null, streams };
  if (typeof positions === 'number') {
    checkInteger(positions, name, 'POSITION_INVALID', { min: INT32_MIN, max: INT32_MAX });
    if (tokens > 0 && positions + tokens - 1 > INT32_MAX) {
      fail('POSITION_INVALID', name, `plus ${tokens - 1} (the last token) must be <= ${INT32_MAX}`, positions);
    }
    return { start: positions, list: null, streams };
  }
  if (streams > 1 && Array.isArray(positions) && positions.length > 0 && isList(positions[0])) {
    // One array per stream.
    if (positions.length !== streams) {
      fail('POSITION_INVALID', name, `must hold ${streams} position streams (${STREAM_NAMES.slice(0, streams).join(', ')}: one per mrope section), one array each`, positions);
    }
    const out = new Int32Array(streams * tokens);
    for (let k = 0; k < streams; k++) {
      const s = positions[k];
      const sname = `${name}[${k}]`;
      if (!isList(s)) fail('POSITION_INVALID', sname, `(stream ${STREAM_NAMES[k]}) must be an Int32Array, a BigInt64Array or an array of integers`, s);
      out.set(flatList(s, tokens, sname, lib, `one position per token (${tokens}) (stream ${STREAM_NAMES[k]})`), k * tokens);
    }
    return { start: 0, list: out, streams };
  }
  if (isList(positions)) {
    const what = streams > 1
      ? `${streams} x ${tokens} entries: ${streams} position streams (${STREAM_NAMES.slice(0, streams).join(', ')}), stream-major, one per token each; or pass ${streams} arrays, or a number for text-only`
      : `one position per token (${tokens})`;
    return { start: 0, list: flatList(positions, streams * tokens, name, lib, what), streams };
  }
  return fail('POSITION_INVALID', name, `must be a number, an Int32Array, a BigInt64Array or an array of integers${streams > 1 ? ` (or ${streams} of them, one per stream)` : ''}`, positions);
}

// The sequence length a call without seqLen uses: its largest position + 1 (at least 1),
// over every stream.
export function defaultSeqLen(pos, tokens) {
  let max = pos.start + tokens - 1;
  if (pos.list) {
    max = -1;
    for (let i = 0; i < pos.list.length; i++) if (pos.list[i] > max) max = pos.list[i];
  }
  return Math.max(1, max + 1);
}
