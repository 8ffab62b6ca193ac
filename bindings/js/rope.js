// Rope: one configured rotary embedding. Validates every call in JS before any wasm
// memory is touched, then calls the core once and turns a status into a RopeError.
import { RopeBuffer } from './buffer.js';
import { RopeError, fail, throwStatus } from './errors.js';
import { MAX_HEADS, configToCore, normalizeConfig } from './config.js';
import { COPY_CHUNK_BYTES, POSITIONS_MAX_BYTES, rotateCopying } from './copying.js';
import { cosSinCache } from './cos-sin-cache.js';
import { toGGML } from './ggml-export.js';
import { defaultSeqLen, resolvePositions } from './positions.js';
import { K_VIEW_KEYS, VIEW_KEYS, batchPositions, checkDisjoint, isSixteenBit, resolveView, runViewCall, tensorOf, viewSeqLen } from './views.js';
import { INT32_MAX, INT32_MIN, checkBoolean, checkFinite, checkInteger, checkKeys, checkObject, checkOneOf, isDetached } from './validate.js';

const disposeSymbol = Symbol.dispose ?? Symbol.for('Symbol.dispose');
// Position lists up to this many entries take apply's inline path (decode steps).
const INLINE_LIST_MAX = 1024;
const ORDERS = ['token-major', 'head-major'];
const APPLY_KEYS = ['numHeads', 'positions', 'order', 'inverse', 'seqLen', ...VIEW_KEYS];
const APPLY_QK_KEYS = [...APPLY_KEYS, 'numKvHeads', ...K_VIEW_KEYS];
const APPLY_QKV_KEYS = ['numHeads', 'numKvHeads', 'positions', 'order', 'inverse', 'seqLen', ...VIEW_KEYS];
const SHIFT_KEYS = ['numHeads', 'fromPositions', 'toPositions', 'order', 'seqLen', ...VIEW_KEYS];

// What checkCallKeys finds among the options besides the per-call keys:
// nothing, dtype alone (the 16-bit inline paths take it), or another view option.
const NO_VIEW = 0;
const DTYPE_ONLY = 1;
const VIEW = 2;

// checkKeys(options, keys) for the per-call paths (keys: APPLY_KEYS, APPLY_QK_KEYS or
// APPLY_QKV_KEYS; kv: whether numKvHeads is among them); returns NO_VIEW, DTYPE_ONLY or VIEW
// (strides, batch, ...). A switch compares each key with constants (measured 7 ns for a
// two-key object, against 13 ns for a search of the list); any other key goes to checkKeys,
// which reports it. Keep in step with the lists.
function checkCallKeys(options, keys, kv) {
  let view = NO_VIEW;
  for (const key in options) {
    switch (key) {
      case 'numHeads':
      case 'positions':
      case 'order':
      case 'inverse':
      case 'seqLen':
        break;
      case 'dtype':
        if (view === NO_VIEW) view = DTYPE_ONLY;
        break;
      case 'numKvHeads':
        if (kv) break;
      // falls through: checkKeys reports numKvHeads where the call has none
      default:
        checkKeys(options, keys, 'options');
        view = VIEW;
    }
  }
  return view;
}

// The core's rope_dtype of a dtype name.
function dtypeCode(dtype) {
  return dtype === 'float32' ? 0 : dtype === 'float16' ? 1 : 2;
}

// A tensor argument resolved to a wasm address: either a RopeBuffer (or a view of this
// library's heap), used in place, or a Float32Array to copy in and out.
function resolveTensor(x, name, lib) {
  if (x instanceof RopeBuffer) return { ptr: RopeBuffer._addressIn(x, lib, name), length: x.length, array: null };
  if (x instanceof Float32Array) {
    if (x.buffer === lib._heapBuffer()) return { ptr: lib._heapViewAddress(x, name), length: x.length, array: null };
    // A view taken before wasm memory grew (or over a transferred buffer) has length 0:
    // rotating it would silently do nothing.
    lib._checkNotDetached(x, name);
    return { ptr: 0, length: x.length, array: x };
  }
  return fail('INVALID_TYPE', name, 'must be a Float32Array or a RopeBuffer', x);
}

// Copies between callers' arrays and wasm memory through the module's heap views, which the
// glue replaces whenever memory grows, so they are current here; small arrays are copied
// element by element to spare allocating a view per call (decode steps).
function copyIn(m, ptr, src) {
  m.HEAPF32.set(src, ptr >>> 2);
}
function copyOut(m, ptr, dst) {
  const heap = m.HEAPF32;
  const base = ptr >>> 2;
  const n = dst.length;
  if (n <= 256) {
    for (let i = 0; i < n; i++) dst[i] = heap[base + i];
  } else {
    dst.set(heap.subarray(base, base + n));
  }
}

// True when ranges of n and m elements of `size` bytes at byte addresses p and r overlap.
function overlaps(p, n, r, m, size = 4) {
  return p < r + size * m && r < p + size * n;
}

// True when two resolved tensors overlap: both in wasm memory with overlapping addresses,
// or two Float32Arrays over overlapping bytes of one ArrayBuffer (rotating them as two
// copies would let one result overwrite the other).
function sharesMemory(q, tq, k, tk) {
  if (tq.array === null && tk.array === null) return overlaps(tq.ptr, tq.length, tk.ptr, tk.length);
  if (tq.array !== null && tk.array !== null && q.buffer === k.buffer) {
    return q.byteOffset < k.byteOffset + k.byteLength && k.byteOffset < q.byteOffset + q.byteLength;
  }
  return false;
}

// The inline checks' tests (the general path reports what fails them): a valid head
// count; a start position (or none); a start whose tokens all stay within int32.
function isHeadCount(n) {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_HEADS;
}
function isStartOrNone(positions) {
  return positions === undefined || (typeof positions === 'number' && Number.isInteger(positions));
}
function startFits(start, tokens) {
  return start >= INT32_MIN && start + Math.max(tokens, 1) - 1 <= INT32_MAX;
}

// options.order as the core's Order (0 token-major, the default; 1 head-major).
function orderOf(order) {
  return order === undefined ? 0 : ORDERS.indexOf(checkOneOf(order, ORDERS, 'options.order', 'ORDER_INVALID'));
}

// A position resolver whose errors name `name` instead of options.positions.
function rename(resolveOne, p, n, s, name) {
  try {
    return resolveOne(p, n, s);
  } catch (e) {
    if (e instanceof RopeError && typeof e.argument === 'string' && e.argument.startsWith('options.positions')) {
      const argument = name + e.argument.slice('options.positions'.length);
      throw new RopeError(e.code, e.message.split('options.positions').join(name), { argument, value: e.value });
    }
    throw e;
  }
}

// Every position of a batched call as one Int32Array (batch * streams * tokens, sequence-major).
function expandPositions(pos, tokens, batch, streams) {
  if (pos.list) return pos.list instanceof Int32Array ? pos.list : Int32Array.from(pos.list);
  const out = new Int32Array(batch * streams * tokens);
  for (let b = 0; b < batch; b++) {
    const s0 = pos.starts ? pos.starts[b] : pos.start;
    for (let k = 0; k < streams; k++) for (let t = 0; t < tokens; t++) out[(b * streams + k) * tokens + t] = s0 + t;
  }
  return out;
}

export class Rope {
  #lib;
  #m;
  #handle;
  #cfg;
  #pairs;
  // Position streams of a call (the mrope sections; 1 for 1-D RoPE).
  #streams;
  // The sequence length of the last call (what dynamic/longrope frequencies follow).
  #seqLenInForce = 1;

  static #token = Symbol('Rope');

  /** @internal Use RopeLibrary.createRope. */
  constructor(lib, module, cfg, handle, token) {
    if (token !== Rope.#token) throw new RopeError('INVALID_TYPE', 'Rope is created by lib.createRope(config), not new');
    this.#lib = lib;
    this.#m = module;
    this.#cfg = cfg;
    this.#handle = handle;
    this.#pairs = cfg.rotaryDim / 2;
    this.#streams = cfg.mrope ? cfg.mrope.section.length : 1;
  }

  /** @internal */
  static _create(lib, module, config) {
    const cfg = normalizeConfig(config);
    // The out-slot for the handle, plus the longrope factor arrays and freq factors when
    // there are any.
    const factors = cfg.scaling && cfg.scaling.shortFactor ? cfg.scaling.shortFactor.length : 0;
    const ff = cfg.freqFactors ? cfg.freqFactors.length : 0;
    const bytes = 8 + 16 * factors + 8 * ff;
    const tmp = lib._malloc(bytes, 'createRope');
    let handle = 0;
    try {
      const ptrs = [0, 0, 0];
      const f64 = new Float64Array(lib._heapBuffer(), tmp + 8, 2 * factors + ff);
      if (factors > 0) {
        f64.set(cfg.scaling.shortFactor, 0);
        f64.set(cfg.scaling.longFactor, factors);
        ptrs[0] = tmp + 8;
        ptrs[1] = tmp + 8 + 8 * factors;
      }
      if (ff > 0) {
        f64.set(cfg.freqFactors, 2 * factors);
        ptrs[2] = tmp + 8 + 16 * factors;
      }
      const status = module.create(configToCore(cfg, ptrs), tmp);
      handle = new Uint32Array(lib._heapBuffer(), tmp, 1)[0];
      if (status !== 0) throwStatus(status, 'createRope');
    } finally {
      module._free(tmp);
    }
    const rope = new Rope(lib, module, cfg, handle, Rope.#token);
    lib._track(rope, 'rope', handle);
    return rope;
  }

  get headDim() { return this.#cfg.headDim; }
  get rotaryDim() { return this.#cfg.rotaryDim; }
  get base() { return this.#cfg.base; }
  get layout() { return this.#cfg.layout; }
  /** The normalized scaling in use (a copy), or null. */
  get scaling() { return this.#cfg.scaling === null ? null : structuredClone(this.#cfg.scaling); }
  get disposed() { return this.#handle === 0; }
  /** The normalized mrope ({ section, mode }, a copy), or null for 1-D RoPE. */
  get mrope() { return this.#cfg.mrope === null ? null : { section: this.#cfg.mrope.section.slice(), mode: this.#cfg.mrope.mode }; }
  /** The freq factors in use (a copy), or null. */
  get freqFactors() { return this.#cfg.freqFactors === null ? null : this.#cfg.freqFactors.slice(); }
  /** The model's query / key-value head counts given in the config (applyQK's defaults), or null. */
  get numHeads() { return this.#cfg.numHeads; }
  get numKvHeads() { return this.#cfg.numKvHeads; }

  /** The rotaryDim/2 frequencies in use (a copy). */
  get invFreq() {
    this.#check('invFreq');
    const ptr = this.#m.invFreqPtr(this.#handle);
    return new Float64Array(this.#lib._heapBuffer(), ptr, this.#pairs).slice();
  }

  /** The factor cos and sin are scaled by (1 unless scaling says otherwise). */
  get attentionFactor() {
    this.#check('attentionFactor');
    return this.#m.attentionFactor(this.#handle);
  }

  /** Bytes of the cos/sin cache now (table, scratch and per-pair state). */
  get cacheBytes() {
    this.#check('cacheBytes');
    return this.#m.cacheBytes(this.#handle);
  }

  /**
   * Per-pair frequencies at a sequence length (default: the one in force now for types
   * that depend on it, else 1): base frequency, the scaled frequency in use, wavelength
   * 2*pi/freq, the yarn/llama3 interpolation weight (NaN for other types), and the
   * attention factor. Computed by the core; does not change the rope's state.
   */
  frequencies(options = {}) {
    this.#check('frequencies');
    checkObject(options, 'options');
    checkKeys(options, ['seqLen'], 'options');
    const seqLen = options.seqLen === undefined ? Math.max(1, this.#seqLenInForce) : this.#seqLen(options.seqLen);
    const n = this.#pairs;
    const ptr = this.#lib._malloc(8 * (4 * n + 1), 'frequencies');
    try {
      const status = this.#m.pairInfo(this.#handle, seqLen, ptr);
      if (status !== 0) throwStatus(status, 'frequencies');
      const raw = new Float64Array(this.#lib._heapBuffer(), ptr, 4 * n + 1);
      const out = { baseFreq: new Float64Array(n), freq: new Float64Array(n), wavelength: new Float64Array(n),
        interpWeight: new Float64Array(n), attentionFactor: raw[4 * n] };
      for (let i = 0; i < n; i++) {
        out.baseFreq[i] = raw[4 * i];
        out.freq[i] = raw[4 * i + 1];
        out.wavelength[i] = raw[4 * i + 2];
        out.interpWeight[i] = raw[4 * i + 3];
      }
      return out;
    } finally {
      this.#m._free(ptr);
    }
  }

  /** Rotates x in place (x: [tokens, heads, headDim] or [heads, tokens, headDim]). */
  apply(x, options) {
    this.#check('apply');
    checkObject(options, 'options');
    const view = checkCallKeys(options, APPLY_KEYS, false);
    if (view !== NO_VIEW || isSixteenBit(x)) {
      if (view === VIEW || !this.#apply16(x, options)) this.#applyView('apply', x, null, options, false);
      return;
    }
    // Each option is read once: a value that changed between reads (a getter) could
    // otherwise slip past validation into the core.
    const numHeads = options.numHeads, positions = options.positions;
    const order = options.order, inverse = options.inverse, seqLen = options.seqLen;
    // The common decode/prefill call (a RopeBuffer, or a Float32Array small enough to copy
    // in one piece, a start position, defaults otherwise) is checked inline without
    // intermediate objects: it is made once per layer per token, and the general path
    // costs about 30 ns more per call. Anything else, including every invalid value, takes
    // the general path, which reports it.
    // A short Int32Array of positions (a decode step with explicit, e.g. M-RoPE, positions).
    const list = positions instanceof Int32Array && positions.length > 0 && positions.length <= INLINE_LIST_MAX &&
      positions.buffer !== this.#lib._heapBuffer();
    if (order === undefined && inverse === undefined && seqLen === undefined && isHeadCount(numHeads) &&
        (list || isStartOrNone(positions))) {
      // A RopeBuffer or a checked view of one (used in place), or a small Float32Array to copy.
      let ptr = -1;
      let copied = false;
      if (x instanceof RopeBuffer) {
        ptr = RopeBuffer._addressIn(x, this.#lib, 'x');
      } else if (x instanceof Float32Array && x.length > 0) {
        if (x.buffer === this.#lib._heapBuffer()) ptr = this.#lib._heapViewAddress(x, 'x');
        else copied = 4 * x.length <= COPY_CHUNK_BYTES;
      }
      const inWasm = ptr >= 0;
      if (inWasm || copied) {
        const length = x.length;
        const tokens = this.#tokens(length, numHeads, 'x', 'options.numHeads');
        if (list && inWasm && positions.length === this.#streams * tokens) {
          const m = this.#m;
          const posPtr = this.#lib._scratch(4 * positions.length, 'apply');
          // Element by element: cheaper than a typed-array set for a handful of positions.
          const heap = m.HEAP32;
          for (let i = 0, at = posPtr >>> 2; i < positions.length; i++) heap[at + i] = positions[i];
          const status = m._rope_wasm_apply(this.#handle, ptr, length, numHeads, 0, posPtr, 0, 0, 0);
          if (status !== 0) throwStatus(status, 'apply');
          let max = -1;
          for (let i = 0; i < positions.length; i++) if (positions[i] > max) max = positions[i];
          this.#seqLenInForce = Math.max(1, max + 1);
          return;
        }
        const start = positions === undefined ? 0 : positions;
        if (!list && startFits(start, tokens)) {
          if (tokens === 0) return;
          const m = this.#m;
          const at = inWasm ? ptr : this.#lib._scratch(4 * length, 'apply');
          if (copied) copyIn(m, at, x);
          const status = m._rope_wasm_apply(this.#handle, at, length, numHeads, 0, 0, start, 0, 0);
          if (status !== 0) throwStatus(status, 'apply');
          this.#seqLenInForce = Math.max(1, start + tokens);
          if (copied) copyOut(m, at, x);
          return;
        }
      }
    }
    checkInteger(numHeads, 'options.numHeads', 'NUM_HEADS_INVALID', { min: 1, max: MAX_HEADS });
    this.#applyGeneral(x, { numHeads, positions, order, inverse, seqLen });
  }

  // The 16-bit decode/prefill call (a 16-bit RopeBuffer, or a view of wasm memory with its
  // dtype, token-major, a start position, options.dtype at most, equal to the tensor's),
  // checked inline as apply's float32 call is: one core call. Returns false for anything
  // else, including every invalid value, which #applyView then reports; it throws only what
  // #applyView would throw first (a foreign or disposed tensor).
  #apply16(x, options) {
    const numHeads = options.numHeads, positions = options.positions, dtype = options.dtype;
    if (options.order !== undefined || options.inverse !== undefined || options.seqLen !== undefined ||
        !isHeadCount(numHeads) || !isStartOrNone(positions)) return false;
    const ptr = this.#address16(x, dtype, 'x');
    if (ptr < 0) return false;
    const length = x.length;
    const tokens = length / (numHeads * this.#cfg.headDim);
    const start = positions === undefined ? 0 : positions;
    if (!Number.isInteger(tokens) || !startFits(start, tokens)) return false;
    if (tokens === 0) return true;
    const code = (dtype === undefined ? x.dtype : dtype) === 'float16' ? 1 : 2;
    const status = this.#m._rope_wasm_apply_dense(this.#handle, ptr, length, numHeads, 0, code, 0, start, 0, 0);
    if (status !== 0) throwStatus(status, 'apply');
    this.#seqLenInForce = Math.max(1, start + tokens);
    return true;
  }

  // The wasm address of a 16-bit tensor of the inline paths: a 16-bit RopeBuffer whose dtype
  // is `dtype` (or any, when undefined), or a non-empty Uint16Array over wasm memory with
  // dtype 'float16' / 'bfloat16'; after the checks tensorOf makes (which throw the same
  // errors). -1 for anything else (the general path's to judge).
  #address16(x, dtype, name) {
    if (x instanceof RopeBuffer) {
      const type = x.dtype;
      if (type === 'float32' || (dtype !== undefined && dtype !== type)) return -1;
      return RopeBuffer._addressIn(x, this.#lib, name);
    }
    if (x instanceof Uint16Array && x.length > 0 && (dtype === 'float16' || dtype === 'bfloat16') &&
        x.buffer === this.#lib._heapBuffer()) return this.#lib._heapViewAddress(x, name);
    return -1;
  }

  #applyGeneral(x, o) {
    const t = resolveTensor(x, 'x', this.#lib);
    const tokens = this.#tokens(t.length, o.numHeads, 'x', 'options.numHeads');
    const pos = resolvePositions(o.positions, tokens, this.#streams, this.#lib);
    const order = orderOf(o.order);
    const inverse = o.inverse === undefined ? false : checkBoolean(o.inverse, 'options.inverse');
    const seqLen = this.#seqLen(o.seqLen);
    if (tokens === 0) return;
    this.#rotate('apply', [{ array: t.array, ptr: t.ptr, heads: o.numHeads }], tokens, order, pos, inverse, seqLen);
  }

  // One call's rotation: straight into the core for tensors in wasm memory at a start
  // position, else through the bounded copying path (copying.js), which also brings a
  // position list into wasm memory chunk by chunk.
  #rotate(what, parts, tokens, order, pos, inverse, seqLen) {
    const m = this.#m;
    const h = this.#handle;
    const inv = inverse ? 1 : 0;
    let status;
    const inWasm = parts[0].array === null && (parts.length === 1 || parts[1].array === null);
    if (inWasm && (pos.list === null || 4 * pos.list.length <= POSITIONS_MAX_BYTES)) {
      // Tensors in wasm memory, and positions (if any) that fit the scratch bound: one call.
      let posPtr = 0;
      if (pos.list !== null) {
        posPtr = this.#lib._scratch(4 * pos.list.length, what);
        m.HEAP32.set(pos.list, posPtr >>> 2);
      }
      const q = parts[0];
      const k = parts.length === 2 ? parts[1] : undefined;
      const d = this.#cfg.headDim;
      const start = pos.list === null ? pos.start : 0;
      status = k === undefined
        ? m._rope_wasm_apply(h, q.ptr, tokens * q.heads * d, q.heads, order, posPtr, start, inv, seqLen)
        : m._rope_wasm_apply_qk(h, q.ptr, tokens * q.heads * d, k.ptr, tokens * k.heads * d, q.heads, k.heads, order, posPtr, start, inv, seqLen);
    } else {
      // Every chunk uses the whole call's sequence length (what the core would derive).
      const sl = seqLen || defaultSeqLen(pos, tokens);
      const core = {
        m,
        apply: (ptr, length, heads, ord, posPtr, start) => m._rope_wasm_apply(h, ptr, length, heads, ord, posPtr, start, inv, sl),
        applyQK: (qp, ql, kp, kl, qh, kh, ord, posPtr, start) => m._rope_wasm_apply_qk(h, qp, ql, kp, kl, qh, kh, ord, posPtr, start, inv, sl),
      };
      status = rotateCopying(core, this.#lib, what, parts, { tokens, headDim: this.#cfg.headDim, order }, pos);
    }
    if (status !== 0) throwStatus(status, what);
    this.#seqLenInForce = seqLen || defaultSeqLen(pos, tokens);
  }

  /** Rotates q (numHeads heads) and k (numKvHeads heads) in place, one cos/sin lookup for both. */
  applyQK(q, k, options) {
    this.#check('applyQK');
    checkObject(options, 'options');
    const view = checkCallKeys(options, APPLY_QK_KEYS, true);
    if (view !== NO_VIEW || isSixteenBit(q) || isSixteenBit(k)) {
      if (view === VIEW || !this.#applyQK16(q, k, options)) this.#applyView('applyQK', q, k, options, false);
      return;
    }
    // Head counts default to the config's (configFromHF gives them).
    const numHeads = options.numHeads ?? this.#cfg.numHeads ?? undefined;
    const numKvHeads = options.numKvHeads ?? this.#cfg.numKvHeads ?? undefined;
    const positions = options.positions;
    const order = options.order, inverse = options.inverse, seqLen = options.seqLen;
    // Two RopeBuffers (or checked views of them) and a start position (decode): checked
    // inline, as in apply.
    if (order === undefined && inverse === undefined && seqLen === undefined && isHeadCount(numHeads) &&
        isHeadCount(numKvHeads) && isStartOrNone(positions) && this.#inWasm(q) && this.#inWasm(k)) {
      const qPtr = this.#addressOf(q, 'q');
      const kPtr = this.#addressOf(k, 'k');
      const qLength = q.length, kLength = k.length;
      if (!overlaps(qPtr, qLength, kPtr, kLength)) {
        const tokens = this.#tokens(qLength, numHeads, 'q', 'options.numHeads');
        const kTokens = this.#tokens(kLength, numKvHeads, 'k', 'options.numKvHeads');
        const start = positions === undefined ? 0 : positions;
        if (tokens === kTokens && startFits(start, tokens)) {
          if (tokens === 0) return;
          const status = this.#m._rope_wasm_apply_qk(this.#handle, qPtr, qLength, kPtr, kLength, numHeads, numKvHeads, 0, 0, start, 0, 0);
          if (status !== 0) throwStatus(status, 'applyQK');
          this.#seqLenInForce = Math.max(1, start + tokens);
          return;
        }
      }
    }
    for (const [name, v, what] of [['numHeads', numHeads, 'query heads q holds'], ['numKvHeads', numKvHeads, 'key heads k holds (with grouped-query attention fewer than numHeads)']]) {
      if (v === undefined) {
        fail('NUM_HEADS_INVALID', `options.${name}`, `is required for applyQK: the number of ${what}; pass it, or give config.${name} to createRope (configFromHF does)`, v);
      }
      checkInteger(v, `options.${name}`, 'NUM_HEADS_INVALID', { min: 1, max: MAX_HEADS });
    }
    this.#applyQKGeneral(q, k, { numHeads, numKvHeads, positions, order, inverse, seqLen });
  }

  // applyQK's 16-bit call (q and k 16-bit RopeBuffers or views of wasm memory of one dtype,
  // apart), checked inline as #apply16 is; false for the general path to judge.
  #applyQK16(q, k, options) {
    const numHeads = options.numHeads ?? this.#cfg.numHeads ?? undefined;
    const numKvHeads = options.numKvHeads ?? this.#cfg.numKvHeads ?? undefined;
    const positions = options.positions, dtype = options.dtype;
    if (options.order !== undefined || options.inverse !== undefined || options.seqLen !== undefined ||
        !isHeadCount(numHeads) || !isHeadCount(numKvHeads) || !isStartOrNone(positions)) return false;
    // In #applyView's order: q's dtype and address, q's length, aliasing, k's dtype (q's
    // unless given) and address, k's length, token counts, overlap, positions.
    const qPtr = this.#address16(q, dtype, 'q');
    if (qPtr < 0) return false;
    const type = dtype === undefined ? q.dtype : dtype;
    const d = this.#cfg.headDim;
    const qLength = q.length;
    const tokens = qLength / (numHeads * d);
    if (!Number.isInteger(tokens) || q === k) return false;
    const kPtr = this.#address16(k, type, 'k');
    if (kPtr < 0) return false;
    const kLength = k.length;
    const start = positions === undefined ? 0 : positions;
    if (kLength / (numKvHeads * d) !== tokens || overlaps(qPtr, qLength, kPtr, kLength, 2) || !startFits(start, tokens)) return false;
    if (tokens === 0) return true;
    const status = this.#m._rope_wasm_apply_qk_dense(this.#handle, qPtr, qLength, kPtr, kLength, numHeads, numKvHeads, 0,
      type === 'float16' ? 1 : 2, 0, start, 0, 0);
    if (status !== 0) throwStatus(status, 'applyQK');
    this.#seqLenInForce = Math.max(1, start + tokens);
    return true;
  }

  #applyQKGeneral(q, k, o) {
    const tq = resolveTensor(q, 'q', this.#lib);
    const tk = resolveTensor(k, 'k', this.#lib);
    if (q === k || sharesMemory(q, tq, k, tk)) {
      throw new RopeError('ALIASED_TENSORS', 'q and k must be different tensors (they share memory)', { argument: 'k' });
    }
    const tokens = this.#tokens(tq.length, o.numHeads, 'q', 'options.numHeads');
    const kTokens = this.#tokens(tk.length, o.numKvHeads, 'k', 'options.numKvHeads');
    if (tokens !== kTokens) {
      fail('TOKEN_COUNT_MISMATCH', 'k', `must hold as many tokens as q (${tokens}) with numKvHeads ${o.numKvHeads}; it holds ${kTokens}`, k);
    }
    const pos = resolvePositions(o.positions, tokens, this.#streams, this.#lib);
    const order = orderOf(o.order);
    const inverse = o.inverse === undefined ? false : checkBoolean(o.inverse, 'options.inverse');
    const seqLen = this.#seqLen(o.seqLen);
    if (tokens === 0) return;
    this.#rotate('applyQK', [{ array: tq.array, ptr: tq.ptr, heads: o.numHeads }, { array: tk.array, ptr: tk.ptr, heads: o.numKvHeads }],
      tokens, order, pos, inverse, seqLen);
  }

  // Reads every option of a view call once (a getter could otherwise change between reads),
  // into one object shape.
  static #readOptions(options) {
    return {
      numHeads: options.numHeads, numKvHeads: options.numKvHeads, positions: options.positions, order: options.order,
      inverse: options.inverse, seqLen: options.seqLen, dtype: options.dtype, offset: options.offset,
      tokenStride: options.tokenStride, headStride: options.headStride, batchStride: options.batchStride,
      numTokens: options.numTokens, batch: options.batch, kOffset: options.kOffset, kTokenStride: options.kTokenStride,
      kHeadStride: options.kHeadStride, kBatchStride: options.kBatchStride, fromPositions: options.fromPositions,
      toPositions: options.toPositions,
    };
  }

  #heads(v, name, what) {
    if (v === undefined || v === null) fail('NUM_HEADS_INVALID', name, `is required for ${what}`, v);
    return checkInteger(v, name, 'NUM_HEADS_INVALID', { min: 1, max: MAX_HEADS });
  }

  // apply / applyQK / shift on views: 16-bit types, strides, batches (views.js).
  #applyView(what, x, k, options, relative, shiftPositions = null, fused = false) {
    const keys = k === null ? (relative ? SHIFT_KEYS : APPLY_KEYS) : APPLY_QK_KEYS;
    checkKeys(options, keys, 'options');
    const o = Rope.#readOptions(options);
    const numHeads = this.#heads(o.numHeads ?? (k !== null ? this.#cfg.numHeads ?? undefined : undefined), 'options.numHeads', what);
    const numKvHeads = k === null ? 0 : this.#heads(o.numKvHeads ?? this.#cfg.numKvHeads ?? undefined, 'options.numKvHeads', what);
    const order = orderOf(o.order);
    const inverse = o.inverse === undefined ? false : checkBoolean(o.inverse, 'options.inverse');
    const names = { offset: 'options.offset', tokenStride: 'options.tokenStride', headStride: 'options.headStride', batchStride: 'options.batchStride' };
    const tq = tensorOf(x, o.dtype, k === null ? (relative ? 'k' : 'x') : 'q', this.#lib);
    const qv = resolveView(tq, o, numHeads, this.#cfg.headDim, this.#cfg.rotaryDim, order, k === null ? (relative ? 'k' : 'x') : 'q', names);
    qv.order = order;
    const parts = [{ t: tq, v: qv }];
    if (k !== null) {
      const kView = o.kOffset !== undefined || o.kTokenStride !== undefined || o.kHeadStride !== undefined || o.kBatchStride !== undefined;
      if (k === x && !fused && !kView) throw new RopeError('ALIASED_TENSORS', 'q and k must be different tensors (they are the same object; for one fused buffer pass kOffset, or use applyQKV)', { argument: 'k' });
      const tk = tensorOf(k, o.dtype ?? (tq.dtype === 'float32' ? undefined : tq.dtype), 'k', this.#lib);
      if (tk.dtype !== tq.dtype) fail('DTYPE_INVALID', 'k', `must hold the same element type as q (${tq.dtype})`, k);
      // k's token count: given, q's when k is strided, else implied by k's own length.
      const kStrided = o.kTokenStride !== undefined || o.kHeadStride !== undefined || o.kBatchStride !== undefined;
      const ko = { offset: o.kOffset, tokenStride: o.kTokenStride, headStride: o.kHeadStride, batchStride: o.kBatchStride,
        numTokens: o.numTokens ?? (kStrided ? qv.tokens : undefined), batch: o.batch };
      const kv = resolveView(tk, ko, numKvHeads, this.#cfg.headDim, this.#cfg.rotaryDim, order, 'k',
        { offset: 'options.kOffset', tokenStride: 'options.kTokenStride', headStride: 'options.kHeadStride', batchStride: 'options.kBatchStride' });
      kv.order = order;
      if (kv.tokens !== qv.tokens) fail('TOKEN_COUNT_MISMATCH', 'k', `must hold as many tokens as q (${qv.tokens}) with numKvHeads ${numKvHeads}; it holds ${kv.tokens}`, k);
      checkDisjoint(tq, qv, tk, kv, this.#cfg.rotaryDim);
      parts.push({ t: tk, v: kv });
    }
    const resolveOne = (p, n, streams) => resolvePositions(p, n, streams, this.#lib);
    const pos = shiftPositions ?? batchPositions(o.positions, qv.tokens, qv.batch, this.#streams, 'options.positions', resolveOne);
    const seqLen = this.#seqLen(o.seqLen) || (relative ? Math.max(1, this.#seqLenInForce) : viewSeqLen(pos, qv.tokens, qv.batch));
    if (qv.tokens === 0) return;
    const status = runViewCall(this.#m, this.#handle, this.#lib, what, parts, pos, { inverse, relative, seqLen }, this.#cfg.rotaryDim);
    if (status !== 0) throwStatus(status, what);
    if (!relative) this.#seqLenInForce = seqLen;
  }

  /**
   * Rotates q and k in place inside one fused buffer [tokens, (numHeads + 2*numKvHeads) *
   * headDim] (q heads, then k heads, then v heads per token; head-major: [numHeads +
   * 2*numKvHeads, tokens, headDim]); v is not touched.
   */
  applyQKV(qkv, options) {
    this.#check('applyQKV');
    checkObject(options, 'options');
    // The decode/prefill call (a RopeBuffer of any dtype, options.dtype at most equal to
    // its own, token-major, a start position, head counts and nothing else) checked inline:
    // one core call (rope_apply_qkv), no intermediate objects.
    const view = checkCallKeys(options, APPLY_QKV_KEYS, true);
    const h = options.numHeads ?? this.#cfg.numHeads ?? undefined;
    const kh = options.numKvHeads ?? this.#cfg.numKvHeads ?? undefined;
    const p = options.positions;
    if (view !== VIEW && qkv instanceof RopeBuffer && isHeadCount(h) && isHeadCount(kh) && isStartOrNone(p) &&
        options.order === undefined && options.inverse === undefined && options.seqLen === undefined) {
      const dtype = qkv.dtype;
      const tokens = qkv.length / ((h + 2 * kh) * this.#cfg.headDim);
      const start = p === undefined ? 0 : p;
      if ((view === NO_VIEW || options.dtype === dtype) && Number.isInteger(tokens) && tokens > 0 && startFits(start, tokens)) {
        const ptr = RopeBuffer._addressIn(qkv, this.#lib, 'qkv');
        const status = this.#m._rope_wasm_apply_qkv(this.#handle, ptr, qkv.length, h, kh, 0, dtypeCode(dtype), 0, start, 0, 0);
        if (status !== 0) throwStatus(status, 'applyQKV');
        this.#seqLenInForce = Math.max(1, start + tokens);
        return;
      }
    }
    const o = Rope.#readOptions(options);
    const numHeads = this.#heads(o.numHeads ?? this.#cfg.numHeads ?? undefined, 'options.numHeads', 'applyQKV');
    const numKvHeads = this.#heads(o.numKvHeads ?? this.#cfg.numKvHeads ?? undefined, 'options.numKvHeads', 'applyQKV');
    const order = orderOf(o.order);
    const t = tensorOf(qkv, o.dtype, 'qkv', this.#lib);
    const all = numHeads + 2 * numKvHeads;
    const names = { offset: 'options.offset', tokenStride: 'options.tokenStride', headStride: 'options.headStride', batchStride: 'options.batchStride' };
    // The whole fused tensor's layout (checks that its length is whole tokens of all heads).
    const fused = resolveView(t, o, all, this.#cfg.headDim, this.#cfg.rotaryDim, order, 'qkv', names);
    const kOffset = fused.offset + numHeads * fused.hs;
    return this.#applyView('applyQKV', qkv, qkv, {
      numHeads, numKvHeads, positions: o.positions, order: o.order, inverse: o.inverse, seqLen: o.seqLen, dtype: t.dtype,
      offset: fused.offset, tokenStride: fused.ts, headStride: fused.hs, batchStride: fused.bs, numTokens: fused.tokens, batch: fused.batch,
      kOffset, kTokenStride: fused.ts, kHeadStride: fused.hs, kBatchStride: fused.bs,
    }, false, null, true);
  }

  /**
   * Moves keys rotated at fromPositions to toPositions, in place: the result is as if the
   * original keys had been rotated at toPositions, attention factor applied once (never
   * again), whatever the scaling. Both sides use one sequence length: options.seqLen, or the
   * one in force (the last call's); keys rotated under another regime of a seq-len-dependent
   * scaling need rerotate first.
   */
  shift(k, options) {
    this.#check('shift');
    checkObject(options, 'options');
    checkKeys(options, SHIFT_KEYS, 'options');
    const o = Rope.#readOptions(options);
    const numHeads = this.#heads(o.numHeads, 'options.numHeads', 'shift');
    const order = orderOf(o.order);
    const t = tensorOf(k, o.dtype, 'k', this.#lib);
    const v = resolveView(t, o, numHeads, this.#cfg.headDim, this.#cfg.rotaryDim, order, 'k',
      { offset: 'options.offset', tokenStride: 'options.tokenStride', headStride: 'options.headStride', batchStride: 'options.batchStride' });
    const resolveOne = (p, n, streams) => resolvePositions(p, n, streams, this.#lib);
    if (o.fromPositions === undefined) fail('POSITION_INVALID', 'options.fromPositions', 'is required (the positions the keys were rotated at)', undefined);
    if (o.toPositions === undefined) fail('POSITION_INVALID', 'options.toPositions', 'is required (the positions to move the keys to)', undefined);
    const from = batchPositions(o.fromPositions, v.tokens, v.batch, this.#streams, 'options.fromPositions', (p, n, s) => rename(resolveOne, p, n, s, 'options.fromPositions'));
    const to = batchPositions(o.toPositions, v.tokens, v.batch, this.#streams, 'options.toPositions', (p, n, s) => rename(resolveOne, p, n, s, 'options.toPositions'));
    const fl = expandPositions(from, v.tokens, v.batch, this.#streams);
    const tl = expandPositions(to, v.tokens, v.batch, this.#streams);
    // Every token moves by its own to - from (for runs from and to of consecutive positions
    // that is one constant, not a run: the delta list is always per token).
    const list = new Int32Array(fl.length);
    for (let i = 0; i < fl.length; i++) {
      const d = tl[i] - fl[i];
      if (d < INT32_MIN || d > INT32_MAX) fail('POSITION_INVALID', `options.toPositions[${i}]`, `minus fromPositions[${i}] (${fl[i]}) must fit int32`, tl[i]);
      list[i] = d;
    }
    const delta = { start: 0, starts: null, list, streams: this.#streams };
    return this.#applyView('shift', k, null, { numHeads, order: o.order, seqLen: o.seqLen, dtype: o.dtype, offset: o.offset,
      tokenStride: o.tokenStride, headStride: o.headStride, batchStride: o.batchStride, numTokens: o.numTokens, batch: o.batch }, true, delta);
  }

  /**
   * Re-rotates vectors (keys in a cache) rotated under the frequencies of `fromSeqLen` so
   * they carry the frequencies of `toSeqLen`: the inverse rotation under the old state, then
   * the forward rotation under the new one, in place. Same numHeads/positions/order as
   * apply. Only dynamic and longrope change with the sequence length; for the others this
   * returns x as it was (up to float32 rounding).
   */
  rerotate(x, options) {
    this.#check('rerotate');
    const o = this.#options(options, ['numHeads', 'positions', 'order', 'fromSeqLen', 'toSeqLen'], 'numHeads');
    const fromSeqLen = checkFinite(o.fromSeqLen, 'options.fromSeqLen', 'SEQ_LEN_INVALID', { min: 0, minExclusive: true });
    const toSeqLen = checkFinite(o.toSeqLen, 'options.toSeqLen', 'SEQ_LEN_INVALID', { min: 0, minExclusive: true });
    const step = { numHeads: o.numHeads };
    if (o.positions !== undefined) step.positions = o.positions;
    if (o.order !== undefined) step.order = o.order;
    // Everything the two applies check is checked by the first one (they differ only in
    // seqLen, validated above), so a bad argument never leaves x half re-rotated.
    // The inverse pass also divides out the old attention factor, so the forward pass
    // starts from the unrotated vector and applies the new frequencies and factor once.
    this.apply(x, { ...step, inverse: true, seqLen: fromSeqLen });
    this.apply(x, { ...step, seqLen: toSeqLen });
  }

  /**
   * cos and sin tables [length, rotaryDim/2] for positions 0..length-1, attention factor
   * included, computed by the kernel (onnxruntime RotaryEmbedding's cos_cache / sin_cache).
   */
  cosSinCache(options) {
    this.#check('cosSinCache');
    return cosSinCache(this, options);
  }

  /** ggml_rope_ext's arguments that reproduce this rope (docs/ggml.md). */
  toGGML(options) {
    this.#check('toGGML');
    return toGGML(this, options);
  }

  dispose() {
    if (this.#handle === 0) return;
    this.#lib._untrack(this);
    this.#m.destroy(this.#handle);
    this.#handle = 0;
  }

  [disposeSymbol]() {
    this.dispose();
  }

  #check(what) {
    if (this.#handle === 0) throw new RopeError('DISPOSED', `${what}: this Rope has been disposed`, { argument: 'rope' });
  }

  // A RopeBuffer, or a non-empty Float32Array over this library's memory (the inline paths).
  #inWasm(t) {
    return t instanceof RopeBuffer || (t instanceof Float32Array && t.length > 0 && t.buffer === this.#lib._heapBuffer());
  }

  // The wasm address of a tensor #inWasm accepted, after its checks.
  #addressOf(t, name) {
    return t instanceof RopeBuffer ? RopeBuffer._addressIn(t, this.#lib, name) : this.#lib._heapViewAddress(t, name);
  }

  // Checks the options object and returns one read of each option: a value that changed
  // between reads (a getter) could otherwise slip past validation into the core.
  #options(options, keys, required) {
    checkObject(options, 'options');
    checkKeys(options, keys, 'options');
    const o = {
      numHeads: options.numHeads, numKvHeads: options.numKvHeads, positions: options.positions, order: options.order,
      inverse: options.inverse, seqLen: options.seqLen, fromSeqLen: options.fromSeqLen, toSeqLen: options.toSeqLen,
    };
    checkInteger(o[required], `options.${required}`, 'NUM_HEADS_INVALID', { min: 1, max: MAX_HEADS });
    return o;
  }

  #tokens(length, heads, name, headsName) {
    const perToken = heads * this.#cfg.headDim;
    // A float division (exact for these integers), cheaper than % on the per-call path.
    const tokens = length / perToken;
    if (!Number.isInteger(tokens)) {
      fail('LENGTH_INVALID', `${name}.length`,
        `must be a whole number of tokens of ${headsName} (${heads}) x headDim (${this.#cfg.headDim}) = ${perToken} floats`, length);
    }
    return tokens;
  }

  #seqLen(seqLen) {
    if (seqLen === undefined) return 0;
    return checkFinite(seqLen, 'options.seqLen', 'SEQ_LEN_INVALID', { min: 0, minExclusive: true });
  }
}
