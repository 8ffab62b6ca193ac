// Tensors as runtimes hold them: 16-bit element types, an offset, token / head / batch
// strides, a token count, batches (ApplyOptions dtype, offset, tokenStride, headStride,
// batchStride, numTokens, batch; kOffset, kTokenStride, kHeadStride, kBatchStride for
// applyQK's k). Everything is checked here, with errors that name the option, before the
// core (rope_apply_view in src/rope_apply_view.cpp, which checks again) is called once per
// call for tensors in wasm memory, or once per bounded chunk for arrays it must copy.
import { RopeBuffer } from './buffer.js';
import { COPY_CHUNK_BYTES, POSITIONS_MAX_BYTES } from './copying.js';
import { RopeError, fail } from './errors.js';
import { defaultSeqLen } from './positions.js';
import { INT32_MAX, INT32_MIN, checkInteger } from './validate.js';

export const DTYPES = ['float32', 'float16', 'bfloat16'];
export const VIEW_KEYS = ['dtype', 'offset', 'tokenStride', 'headStride', 'batchStride', 'numTokens', 'batch'];
export const K_VIEW_KEYS = ['kOffset', 'kTokenStride', 'kHeadStride', 'kBatchStride'];
const ELEMENT_BYTES = { float32: 4, float16: 2, bfloat16: 2 };
// Elements an offset or stride may take: well inside 2^53 and any wasm32 size.
const MAX_ELEMENTS = 2 ** 31;
// The block of doubles rope_wasm_apply_view reads (bindings/embind.cpp).
const ARG_DOUBLES = 32;

const hasFloat16Array = typeof globalThis.Float16Array === 'function';

/** True for a 16-bit tensor (Uint16Array, Float16Array, or a 16-bit RopeBuffer). */
export function isSixteenBit(x) {
  if (x instanceof RopeBuffer) return x.dtype !== 'float32';
  if (x instanceof Float32Array) return false;
  return x instanceof Uint16Array || (hasFloat16Array && x instanceof globalThis.Float16Array);
}

// A tensor's element type: given, implied by its array, or the RopeBuffer's; contradictions
// are DTYPE_INVALID naming `options.dtype`.
function dtypeOf(x, dtype, name) {
  if (dtype !== undefined && !DTYPES.includes(dtype)) {
    fail('DTYPE_INVALID', 'options.dtype', `must be one of ${DTYPES.map((d) => JSON.stringify(d)).join(', ')}`, dtype);
  }
  let implied;
  if (x instanceof RopeBuffer) implied = x.dtype;
  else if (x instanceof Float32Array) implied = 'float32';
  else if (hasFloat16Array && x instanceof globalThis.Float16Array) implied = 'float16';
  else if (x instanceof Uint16Array) {
    if (dtype === undefined) fail('DTYPE_INVALID', 'options.dtype', `is required for a Uint16Array ${name} (its bits are "float16" or "bfloat16")`, dtype);
    if (dtype === 'float32') fail('DTYPE_INVALID', 'options.dtype', `contradicts ${name}, a Uint16Array (16-bit patterns: "float16" or "bfloat16")`, dtype);
    return dtype;
  } else {
    return fail('INVALID_TYPE', name, 'must be a Float32Array, a Uint16Array (with dtype), a Float16Array or a RopeBuffer', x);
  }
  if (dtype !== undefined && dtype !== implied) {
    fail('DTYPE_INVALID', 'options.dtype', `contradicts ${name}, which holds ${implied} elements`, dtype);
  }
  return implied;
}

/**
 * A tensor argument of a view call: { dtype, ptr (byte address in wasm memory, or -1),
 * array (the caller's typed array to copy through, as Float32Array or Uint16Array), length
 * (elements) }.
 */
export function tensorOf(x, dtype, name, lib) {
  const type = dtypeOf(x, dtype, name);
  if (x instanceof RopeBuffer) return { dtype: type, ptr: RopeBuffer._addressIn(x, lib, name), array: null, length: x.length };
  const bits = x instanceof Float32Array || x instanceof Uint16Array ? x : new Uint16Array(x.buffer, x.byteOffset, x.length);
  if (x.buffer === lib._heapBuffer()) return { dtype: type, ptr: lib._heapViewAddress(x, name), array: null, length: x.length };
  lib._checkNotDetached(x, name);
  return { dtype: type, ptr: -1, array: bits, length: x.length };
}

function elements(v, name) {
  if (v === undefined) return 0;
  return checkInteger(v, name, 'STRIDE_INVALID', { min: 0, max: MAX_ELEMENTS });
}

// The three (stride, count) dimensions of a view, smallest stride first, each stepping past
// everything the smaller ones cover (no allocation: this runs on every view call).
function checkLattice(s1, c1, n1, s2, c2, n2, s3, c3, n3, width) {
  let extent = width;
  const step = (stride, count, name) => {
    if (count <= 1) return;
    if (stride < extent) {
      fail('STRIDE_INVALID', name, `must be >= ${extent} (it would make vectors overlap: each rotates ${width} channels, and the smaller strides cover ${extent} elements)`, stride);
    }
    extent += (count - 1) * stride;
  };
  // Sort the three by stride with comparisons.
  if (s1 > s2) [s1, c1, n1, s2, c2, n2] = [s2, c2, n2, s1, c1, n1];
  if (s2 > s3) [s2, c2, n2, s3, c3, n3] = [s3, c3, n3, s2, c2, n2];
  if (s1 > s2) [s1, c1, n1, s2, c2, n2] = [s2, c2, n2, s1, c1, n1];
  step(s1, c1, n1);
  step(s2, c2, n2);
  step(s3, c3, n3);
}

/**
 * The resolved layout of a view of tensor t ({ offset, ts, hs, bs, tokens, batch, heads,
 * dtype, first, end }) with the core's defaults, or a RopeError naming the option.
 * o: { offset, tokenStride, headStride, batchStride, numTokens, batch } (already read once).
 */
export function resolveView(t, o, heads, headDim, rotaryDim, order, name, names) {
  const offset = elements(o.offset, names.offset);
  let ts = elements(o.tokenStride, names.tokenStride);
  let hs = elements(o.headStride, names.headStride);
  let bs = elements(o.batchStride, names.batchStride);
  const batch = o.batch === undefined ? 1 : checkInteger(o.batch, 'options.batch', 'LENGTH_INVALID', { min: 1, max: MAX_ELEMENTS });
  const strided = ts !== 0 || hs !== 0 || bs !== 0;
  let tokens;
  if (o.numTokens !== undefined) {
    tokens = checkInteger(o.numTokens, 'options.numTokens', 'LENGTH_INVALID', { min: 0, max: MAX_ELEMENTS });
  } else {
    if (strided) fail('LENGTH_INVALID', 'options.numTokens', `is required with strides (${name}.length no longer says how many tokens there are)`, undefined);
    if (offset > t.length) fail('LENGTH_INVALID', names.offset, `must be <= ${name}.length (${t.length})`, offset);
    const per = batch * heads * headDim;
    tokens = (t.length - offset) / per;
    if (!Number.isInteger(tokens)) {
      fail('LENGTH_INVALID', `${name}.length`, `minus offset (${offset}) must be a whole number of ${batch > 1 ? `batch (${batch}) x ` : ''}tokens of numHeads (${heads}) x headDim (${headDim}) = ${per} elements`, t.length);
    }
  }
  if (order === 0) {
    hs = hs || headDim;
    ts = ts || heads * hs;
    bs = bs || tokens * ts;
  } else {
    ts = ts || headDim;
    hs = hs || tokens * ts;
    bs = bs || heads * hs;
  }
  // Vectors must not overlap (the core's rule): by stride, each steps past what the
  // smaller ones cover.
  checkLattice(ts, tokens, names.tokenStride, hs, heads, names.headStride, bs, batch, names.batchStride, rotaryDim);
  const end = tokens === 0 ? offset : offset + (tokens - 1) * ts + (heads - 1) * hs + (batch - 1) * bs + rotaryDim;
  if (end > t.length) {
    fail('STRIDE_INVALID', name, `is too short for the view: its last vector ends at element ${end} (offset ${offset}, ${tokens} tokens x ${heads} heads${batch > 1 ? ` x ${batch} sequences` : ''}, strides ${ts}/${hs}${batch > 1 ? `/${bs}` : ''}), past its length ${t.length}`, t.length);
  }
  return { offset, ts, hs, bs, tokens, batch, heads, dtype: t.dtype, first: offset, end };
}

/**
 * Positions of a batched view call: { start, starts (Int32Array of batch) | null, list
 * (Int32Array of batch * streams * tokens, sequence-major) | null }.
 * With batch B: a number (every sequence starts there), B numbers (a start per sequence), or
 * B * streams * tokens (one per token, sequence-major); BigInt64Array allowed (int32).
 */
export function batchPositions(positions, tokens, batch, streams, name, resolveOne) {
  const asInt32 = (r) => {
    if (r.list !== null && !(r.list instanceof Int32Array)) r.list = Int32Array.from(r.list);
    r.starts = null;
    return r;
  };
  if (positions === undefined || typeof positions === 'number' || positions === null || typeof positions !== 'object' ||
      (batch === 1 && positions.length !== 1)) {
    return asInt32(resolveOne(positions, tokens, streams));
  }
  const n = positions.length;
  if (n === batch && !(streams > 1 && n === batch * streams * tokens) && n !== batch * streams * tokens) {
    const starts = new Int32Array(batch);
    for (let b = 0; b < batch; b++) {
      const v = typeof positions[b] === 'bigint' ? Number(positions[b]) : positions[b];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < INT32_MIN || v + Math.max(tokens, 1) - 1 > INT32_MAX) {
        fail('POSITION_INVALID', `${name}[${b}]`, `must be an integer start whose tokens stay within int32 [${INT32_MIN}, ${INT32_MAX}]`, positions[b]);
      }
      starts[b] = v;
    }
    return { start: 0, starts, list: null, streams };
  }
  if (n !== batch * streams * tokens) {
    fail('POSITION_INVALID', name, `must be a number, ${batch} starts (one per sequence) or ${batch} x ${streams > 1 ? `${streams} streams x ` : ''}${tokens} positions (sequence-major) for batch ${batch}`, positions);
  }
  const r = resolveOne(positions, n / streams, streams);
  const list = r.list instanceof Int32Array ? r.list : Int32Array.from(r.list);
  return { start: 0, starts: null, list, streams };
}

// Sequence length of a call: the largest position + 1.
export function viewSeqLen(pos, tokens, batch) {
  if (!pos.starts) return defaultSeqLen(pos, tokens);
  let max = -1;
  for (let b = 0; b < batch; b++) max = Math.max(max, pos.starts[b] + tokens - 1);
  return Math.max(1, max + 1);
}

/** Throws ALIASED_TENSORS when two resolved views of one array or of wasm memory may share an element. */
export function checkDisjoint(q, qv, k, kv, rotaryDim) {
  const same = (q.array !== null && k.array !== null && q.array.buffer === k.array.buffer) || (q.ptr >= 0 && k.ptr >= 0);
  if (!same || qv.tokens === 0 || kv.tokens === 0) return;
  const byteOf = (t, v, e) => (t.ptr >= 0 ? t.ptr : t.array.byteOffset) + e * ELEMENT_BYTES[v.dtype];
  const qa = byteOf(q, qv, qv.first), qe = byteOf(q, qv, qv.end), ka = byteOf(k, kv, kv.first), ke = byteOf(k, kv, kv.end);
  if (qe <= ka || ke <= qa) return;
  // One lattice: k's first head a whole number of head strides from q's (fused QKV).
  const sameBase = q.ptr >= 0 ? q.ptr === k.ptr : q.array.byteOffset === k.array.byteOffset;
  if (sameBase && qv.dtype === kv.dtype && qv.ts === kv.ts && qv.hs === kv.hs && (qv.batch === 1 || qv.bs === kv.bs)) {
    const delta = kv.offset - qv.offset;
    if (delta % qv.hs === 0) {
      const k0 = delta / qv.hs, k1 = k0 + kv.heads;
      if (!(k0 < qv.heads && 0 < k1)) {
        const lo = Math.min(0, k0), hi = Math.max(qv.heads, k1);
        const dims = [[qv.ts, qv.tokens], [qv.hs, hi - lo], [qv.bs, qv.batch]].sort((a, b) => a[0] - b[0]);
        let extent = rotaryDim;
        let ok = true;
        for (const [stride, count] of dims) {
          if (count <= 1) continue;
          if (stride < extent) ok = false;
          extent += (count - 1) * stride;
        }
        if (ok) return;
      }
    }
  }
  throw new RopeError('ALIASED_TENSORS', 'q and k share memory: their vectors overlap (for one fused buffer, give k an offset past q\'s heads, e.g. kOffset = numHeads * headDim, or use applyQKV)', { argument: 'k' });
}

// ---- running a view call ----

// The argument block's Float64Array, kept while wasm memory and the scratch stay put.
let argView = null;

function writeView(a, o, ptr, length, v) {
  a[o] = ptr;
  a[o + 1] = length;
  a[o + 2] = v.dtype === 'float32' ? 0 : v.dtype === 'float16' ? 1 : 2;
  a[o + 3] = v.heads;
  a[o + 4] = v.order;
  a[o + 5] = v.offset;
  a[o + 6] = v.ts;
  a[o + 7] = v.hs;
  a[o + 8] = v.bs;
  a[o + 9] = v.tokens;
  a[o + 10] = v.batch;
}

// Writes the argument block at argPtr and calls the core once: q (and k when kPtr >= 0).
export function callCore(m, h, argPtr, qPtr, qLength, qv, kPtr, kLength, kv, inverse, relative, seqLen, start, posPtr, startsPtr) {
  const buffer = m.HEAPU8.buffer;
  if (argView === null || argView.buffer !== buffer || argView.byteOffset !== argPtr) argView = new Float64Array(buffer, argPtr, ARG_DOUBLES);
  const a = argView;
  a[0] = kPtr >= 0 ? 2 : 1;
  a[1] = inverse ? 1 : 0;
  a[2] = relative ? 1 : 0;
  a[3] = seqLen;
  a[4] = start;
  a[5] = posPtr;
  a[6] = startsPtr;
  writeView(a, 8, qPtr, qLength, qv);
  if (kPtr >= 0) writeView(a, 20, kPtr, kLength, kv);
  return m._rope_wasm_apply_view(h, argPtr);
}

// Copies the vectors of chunk c (sequence b, tokens t0..t0+n-1, heads h0..h0+g-1) of a view
// of `array` to or from a packed token-major chunk [n][g][rotaryDim] at `at` (bytes).
function copyVectors(m, array, v, c, w, at, toWasm) {
  const heap = v.dtype === 'float32' ? m.HEAPF32 : m.HEAPU16;
  const base = at / ELEMENT_BYTES[v.dtype];
  const run = v.hs === w ? c.g * w : w; // heads contiguous: one run per token
  const runsPerToken = v.hs === w ? 1 : c.g;
  let dst = base;
  for (let t = c.t0; t < c.t0 + c.n; t++) {
    for (let r = 0; r < runsPerToken; r++) {
      const src = v.offset + c.b * v.bs + t * v.ts + (c.h0 + r) * v.hs;
      if (toWasm) heap.set(array.subarray(src, src + run), dst);
      else array.set(heap.subarray(dst, dst + run), src);
      dst += run;
    }
  }
}

/**
 * Runs one view call. parts: [{ t (tensorOf), v (resolveView) }] (x, or q then k); pos:
 * batchPositions' result (with streams); call: { inverse, relative, seqLen }. Tensors in wasm
 * memory are used in place; arrays are copied through a bounded scratch, a chunk of tokens
 * (or of heads of one token) at a time, with the in-wasm part of the same tokens in one core
 * call. Returns the status; throws OUT_OF_MEMORY before anything is rotated.
 */
export function runViewCall(m, h, lib, what, parts, pos, call, rotaryDim) {
  const { tokens, batch } = parts[0].v;
  const streams = pos.streams;
  const two = parts.length === 2;
  const copied = parts[0].t.array !== null || (two && parts[1].t.array !== null);
  const posCount = pos.list ? pos.list.length : 0;
  if (!copied && 4 * posCount <= POSITIONS_MAX_BYTES) {
    const startsCount = pos.starts ? batch : 0;
    const scratch = lib._scratch(256 + 4 * posCount + 4 * startsCount, what);
    if (pos.list) m.HEAP32.set(pos.list, (scratch + 256) >>> 2);
    if (pos.starts) m.HEAP32.set(pos.starts, (scratch + 256 + 4 * posCount) >>> 2);
    const q = parts[0];
    const k = two ? parts[1] : null;
    return callCore(m, h, scratch, q.t.ptr, q.t.length, q.v, k ? k.t.ptr : -1, k ? k.t.length : 0, k ? k.v : null,
      call.inverse, call.relative, call.seqLen, pos.start, pos.list ? scratch + 256 : 0, pos.starts ? scratch + 256 + 4 * posCount : 0);
  }
  // Chunks: per sequence, runs of tokens (all heads) whose copied vectors fit COPY_CHUNK_BYTES;
  // a token too large for one is split into head groups (then q and k run one after the other).
  const w = rotaryDim;
  const perToken = parts.reduce((s, p) => s + (p.t.array ? p.v.heads * w * ELEMENT_BYTES[p.v.dtype] : 0), 0);
  if (parts.length === 2 && perToken > COPY_CHUNK_BYTES) {
    for (const p of parts) {
      const st = runViewCall(m, h, lib, what, [p], pos, call, rotaryDim);
      if (st !== 0) return st;
    }
    return 0;
  }
  const split = perToken > COPY_CHUNK_BYTES;
  const heads = parts[0].v.heads;
  const g = split ? Math.max(1, Math.floor(COPY_CHUNK_BYTES / (w * ELEMENT_BYTES[parts[0].v.dtype]))) : heads;
  const n = split ? 1 : Math.max(1, Math.min(Math.floor(COPY_CHUNK_BYTES / Math.max(perToken, 8)), Math.floor(POSITIONS_MAX_BYTES / (4 * streams))));
  const maxN = Math.min(n, Math.max(tokens, 1));
  const posBytes = pos.list ? Math.ceil((4 * streams * maxN) / 64) * 64 : 0;
  const dataBytes = parts.map((p) => (p.t.array ? Math.ceil((maxN * (split ? g : p.v.heads) * w * ELEMENT_BYTES[p.v.dtype]) / 64) * 64 : 0));
  const scratch = lib._scratch(256 + posBytes + dataBytes[0] + (dataBytes[1] ?? 0), what);
  const at = [scratch + 256 + posBytes, scratch + 256 + posBytes + dataBytes[0]];
  for (let b = 0; b < batch; b++) {
    for (let t0 = 0; t0 < tokens; t0 += n) {
      const nn = Math.min(n, tokens - t0);
      for (let h0 = 0; h0 < heads; h0 += g) {
        const gg = Math.min(g, heads - h0);
        const c = { b, t0, n: nn, h0, g: gg };
        const views = parts.map((p, i) => {
          const ph = split ? gg : p.v.heads;
          if (p.t.array) {
            copyVectors(m, p.t.array, p.v, { ...c, g: ph, h0: split ? h0 : 0 }, w, at[i], true);
            return { ptr: at[i], length: nn * ph * w, view: { dtype: p.v.dtype, heads: ph, order: 0, offset: 0, ts: ph * w, hs: w, bs: 0, tokens: nn, batch: 1 } };
          }
          // In wasm memory: the same tokens (and heads) of the view, in place.
          const offset = p.v.offset + b * p.v.bs + t0 * p.v.ts + (split ? h0 * p.v.hs : 0);
          return { ptr: p.t.ptr, length: p.t.length, view: { dtype: p.v.dtype, heads: ph, order: 0, offset, ts: p.v.ts, hs: p.v.hs, bs: 0, tokens: nn, batch: 1 } };
        });
        let start = 0;
        if (pos.list) {
          for (let k = 0; k < streams; k++) {
            const from = (b * streams + k) * tokens + t0;
            m.HEAP32.set(pos.list.subarray(from, from + nn), ((scratch + 256) >>> 2) + k * nn);
          }
        } else {
          start = (pos.starts ? pos.starts[b] : pos.start) + t0;
        }
        const k = views.length === 2 ? views[1] : null;
        const st = callCore(m, h, scratch, views[0].ptr, views[0].length, views[0].view, k ? k.ptr : -1, k ? k.length : 0, k ? k.view : null,
          call.inverse, call.relative, call.seqLen, start, pos.list ? scratch + 256 : 0, 0);
        if (st !== 0) return st;
        parts.forEach((p, i) => {
          if (p.t.array) copyVectors(m, p.t.array, p.v, { ...c, g: split ? gg : p.v.heads, h0: split ? h0 : 0 }, w, at[i], false);
        });
      }
    }
  }
  return 0;
}

