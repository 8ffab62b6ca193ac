// The inline per-call paths of 16-bit tensors and fused QKV buffers, on both builds: apply and
// applyQK on 16-bit RopeBuffers (or Uint16Array views of wasm memory with their dtype) at a
// start position, and applyQKV on a RopeBuffer of any dtype, each one wasm call
// (_rope_wasm_apply_dense, _rope_wasm_apply_qk_dense, _rope_wasm_apply_qkv). Each gives the
// general view path's bytes, bit for bit (the same call with order: 'token-major' spelled
// out, which takes it); every invalid call of those shapes throws the general path's error
// and touches nothing. The library is built over a module whose exports are counted, so each
// case also checks which path ran.
import { beforeAll, describe, expect, it } from 'vitest';
import { RopeError } from '../../dist/index.js';
import { RopeLibrary } from '../../dist/library.js';
import { instantiate } from '../../dist/loader.js';
import { BUILDS } from './builds.js';
import { expectRopeError } from './expect-error.js';

const COUNTED = ['_rope_wasm_apply', '_rope_wasm_apply_qk', '_rope_wasm_apply_view', '_rope_wasm_apply_dense',
  '_rope_wasm_apply_qk_dense', '_rope_wasm_apply_qkv'];

// A RopeLibrary over a module whose per-call exports count their calls.
async function countedLibrary(build) {
  const module = await instantiate(build, {}, build === 'simd');
  const calls = Object.fromEntries(COUNTED.map((n) => [n, 0]));
  for (const name of COUNTED) {
    const fn = module[name];
    expect(typeof fn).toBe('function');
    const counted = (...args) => {
      calls[name]++;
      return fn(...args);
    };
    // The glue's export stub replaces module[name] with the raw export on its first call:
    // that write is ignored, so every call stays counted.
    Object.defineProperty(module, name, { get: () => counted, set: () => {}, configurable: true });
  }
  const reset = () => { for (const n of COUNTED) calls[n] = 0; };
  return { lib: new RopeLibrary(module), calls, reset };
}

// Finite 16-bit patterns of magnitudes about 2^-8 .. 2^8 (no NaN or infinity: bitwise
// comparisons stay meaningful).
function fill16(view, dtype, seed) {
  let s = seed >>> 0;
  for (let i = 0; i < view.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    const sign = (s >>> 31) << 15;
    view[i] = dtype === 'bfloat16'
      ? sign | ((0x77 + ((s >>> 8) & 0xf)) << 7) | (s & 0x7f)
      : sign | ((7 + ((s >>> 8) & 0xf)) << 10) | (s & 0x3ff);
  }
}
function fill32(view, seed) {
  let s = seed >>> 0;
  for (let i = 0; i < view.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    view[i] = s / 2147483648 - 1;
  }
}

// Two RopeBuffers holding the same data.
function twins(lib, n, dtype, seed) {
  const a = lib.alloc(n, { dtype });
  const b = lib.alloc(n, { dtype });
  if (dtype === 'float32') fill32(a.view(), seed);
  else fill16(a.view(), dtype, seed);
  b.view().set(a.view());
  return [a, b];
}

const same = (a, b) => expect(Array.from(a.view())).toEqual(Array.from(b.view()));
const GENERAL = { order: 'token-major' };

// The error fn throws (or null).
function errorOf(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return null;
}

for (const build of BUILDS) {
  describe(`16-bit and fused inline paths on the ${build} build`, () => {
    let lib, calls, reset;
    beforeAll(async () => {
      ({ lib, calls, reset } = await countedLibrary(build));
    });

    const ropes = [
      { headDim: 64 },
      { headDim: 64, layout: 'interleaved' },
      { headDim: 80, rotaryDim: 32 }, // partial rotary: channels past 32 untouched
      { headDim: 6, layout: 'interleaved' }, // odd pair count
    ];

    it('apply: one _rope_wasm_apply_dense call, the general path\'s bytes (both dtypes, layouts, head and token counts)', () => {
      for (const config of ropes) {
        const rope = lib.createRope(config);
        for (const dtype of ['float16', 'bfloat16']) {
          for (const heads of [1, 3, 32]) {
            for (const tokens of [0, 1, 5]) {
              for (const positions of [undefined, 0, 4096, -3]) {
                for (const withDtype of [false, true]) {
                  const n = tokens * heads * config.headDim;
                  const [a, b] = twins(lib, n, dtype, 11 * heads + tokens);
                  const before = Array.from(a.view());
                  const o = { numHeads: heads };
                  if (positions !== undefined) o.positions = positions;
                  if (withDtype) o.dtype = dtype;
                  reset();
                  rope.apply(a, o);
                  expect(calls._rope_wasm_apply_dense).toBe(tokens === 0 ? 0 : 1);
                  expect(calls._rope_wasm_apply_view).toBe(0);
                  rope.apply(b, { ...o, ...GENERAL });
                  expect(calls._rope_wasm_apply_view).toBe(tokens === 0 ? 0 : 1);
                  expect(calls._rope_wasm_apply_dense).toBe(tokens === 0 ? 0 : 1);
                  same(a, b);
                  if (tokens > 0 && positions) expect(Array.from(a.view())).not.toEqual(before);
                  a.dispose();
                  b.dispose();
                }
              }
            }
          }
        }
        rope.dispose();
      }
    });

    it('apply: heap views (a whole view, a subarray of whole tokens) with their dtype take the inline path too', () => {
      const rope = lib.createRope({ headDim: 64 });
      for (const dtype of ['float16', 'bfloat16']) {
        const heads = 4;
        const [a, b] = twins(lib, 6 * heads * 64, dtype, 5);
        for (const [from, to] of [[0, 6], [2, 5]]) {
          reset();
          rope.apply(a.view().subarray(from * heads * 64, to * heads * 64), { numHeads: heads, positions: 100 + from, dtype });
          expect(calls._rope_wasm_apply_dense).toBe(1);
          rope.apply(b.view().subarray(from * heads * 64, to * heads * 64), { numHeads: heads, positions: 100 + from, dtype, ...GENERAL });
          expect(calls._rope_wasm_apply_view).toBe(1);
          same(a, b);
        }
        a.dispose();
        b.dispose();
      }
      rope.dispose();
    });

    it('apply: the sequence length in force afterwards is the general path\'s (dynamic scaling)', () => {
      const config = { headDim: 64, scaling: { type: 'dynamic', factor: 2, maxPositionEmbeddings: 256 } };
      const fast = lib.createRope(config);
      const general = lib.createRope(config);
      for (const dtype of ['float16', 'bfloat16']) {
        for (const [positions, tokens] of [[1000, 3], [10, 1], [500, 2]]) {
          const [a, b] = twins(lib, tokens * 2 * 64, dtype, positions);
          reset();
          fast.apply(a, { numHeads: 2, positions });
          general.apply(b, { numHeads: 2, positions, ...GENERAL });
          expect(calls._rope_wasm_apply_dense).toBe(1);
          same(a, b);
          expect(fast.frequencies().freq).toEqual(general.frequencies().freq);
          a.dispose();
          b.dispose();
        }
      }
      fast.dispose();
      general.dispose();
    });

    it('applyQK: one _rope_wasm_apply_qk_dense call, the general path\'s bytes (GQA head counts, heap views, config defaults)', () => {
      for (const config of ropes) {
        const rope = lib.createRope(config);
        const d = config.headDim;
        for (const dtype of ['float16', 'bfloat16']) {
          for (const [heads, kvHeads] of [[1, 1], [4, 2], [32, 8], [3, 3]]) {
            for (const tokens of [0, 1, 7]) {
              for (const positions of [undefined, 4096]) {
                for (const form of ['buffers', 'views', 'mixed', 'dtype']) {
                  const [qa, qb] = twins(lib, tokens * heads * d, dtype, heads + tokens);
                  const [ka, kb] = twins(lib, tokens * kvHeads * d, dtype, kvHeads + 7 * tokens);
                  const o = { numHeads: heads, numKvHeads: kvHeads };
                  if (positions !== undefined) o.positions = positions;
                  if (form === 'views' || form === 'dtype') o.dtype = dtype;
                  // views: both heap views (dtype given); mixed: a RopeBuffer q and a view k
                  // (dtype implied by q's).
                  const arg = (buf, role) => (tokens > 0 && (form === 'views' || (form === 'mixed' && role === 'k')) ? buf.view() : buf);
                  reset();
                  rope.applyQK(arg(qa, 'q'), arg(ka, 'k'), o);
                  expect(calls._rope_wasm_apply_qk_dense).toBe(tokens === 0 ? 0 : 1);
                  expect(calls._rope_wasm_apply_view).toBe(0);
                  rope.applyQK(arg(qb, 'q'), arg(kb, 'k'), { ...o, ...GENERAL });
                  expect(calls._rope_wasm_apply_view).toBe(tokens === 0 ? 0 : 1);
                  same(qa, qb);
                  same(ka, kb);
                  for (const x of [qa, qb, ka, kb]) x.dispose();
                }
              }
            }
          }
        }
        rope.dispose();
      }
      // Head counts from the config.
      const rope = lib.createRope({ headDim: 64, numHeads: 4, numKvHeads: 2 });
      const [qa, qb] = twins(lib, 4 * 64, 'bfloat16', 1);
      const [ka, kb] = twins(lib, 2 * 64, 'bfloat16', 2);
      reset();
      rope.applyQK(qa, ka, { positions: 9 });
      expect(calls._rope_wasm_apply_qk_dense).toBe(1);
      rope.applyQK(qb, kb, { positions: 9, ...GENERAL });
      same(qa, qb);
      same(ka, kb);
      for (const x of [qa, qb, ka, kb]) x.dispose();
      rope.dispose();
    });

    it('applyQKV: one _rope_wasm_apply_qkv call for every dtype, the general path\'s bytes, v untouched', () => {
      for (const config of ropes) {
        const rope = lib.createRope(config);
        const d = config.headDim;
        for (const dtype of ['float32', 'float16', 'bfloat16']) {
          for (const [heads, kvHeads] of [[1, 1], [4, 2], [32, 8]]) {
            for (const tokens of [1, 3]) {
              for (const withDtype of [false, true]) {
                const row = (heads + 2 * kvHeads) * d;
                const [a, b] = twins(lib, tokens * row, dtype, heads * 3 + tokens);
                const before = Array.from(a.view());
                const o = { numHeads: heads, numKvHeads: kvHeads, positions: 77 };
                if (withDtype) o.dtype = dtype;
                reset();
                rope.applyQKV(a, o);
                expect(calls._rope_wasm_apply_qkv).toBe(1);
                expect(calls._rope_wasm_apply_view).toBe(0);
                rope.applyQKV(b, { ...o, ...GENERAL });
                expect(calls._rope_wasm_apply_view).toBe(1);
                same(a, b);
                const after = a.view();
                for (let t = 0; t < tokens; t++) {
                  for (let i = (heads + kvHeads) * d; i < row; i++) expect(after[t * row + i]).toBe(before[t * row + i]);
                }
                a.dispose();
                b.dispose();
              }
            }
          }
        }
        rope.dispose();
      }
    });

    it('the float32 calls keep their own exports', () => {
      const rope = lib.createRope({ headDim: 64 });
      const x = lib.alloc(2 * 64);
      const k = lib.alloc(64);
      reset();
      rope.apply(x, { numHeads: 2, positions: 3 });
      rope.applyQK(x, k, { numHeads: 2, numKvHeads: 1, positions: 3 });
      expect(calls._rope_wasm_apply).toBe(1);
      expect(calls._rope_wasm_apply_qk).toBe(1);
      expect(calls._rope_wasm_apply_dense + calls._rope_wasm_apply_qk_dense + calls._rope_wasm_apply_view).toBe(0);
      x.dispose();
      k.dispose();
      rope.dispose();
    });

    it('invalid calls of the inline shapes throw the general path\'s RopeError and touch nothing', () => {
      const rope = lib.createRope({ headDim: 64 });
      const d = 64;
      for (const dtype of ['float16', 'bfloat16']) {
        const other = dtype === 'float16' ? 'bfloat16' : 'float16';
        const x = lib.alloc(2 * 4 * d, { dtype });
        const q = lib.alloc(2 * 4 * d, { dtype });
        const k = lib.alloc(2 * 2 * d, { dtype });
        const kOther = lib.alloc(2 * 2 * d, { dtype: other });
        const k32 = lib.alloc(2 * 2 * d);
        const kShort = lib.alloc(1 * 2 * d, { dtype });
        const qkv = lib.alloc(2 * 8 * d, { dtype });
        const gone = lib.alloc(2 * 4 * d, { dtype });
        gone.dispose();
        for (const b of [x, q, k, kOther, kShort, qkv]) fill16(b.view(), b.dtype, 3);
        const kept = [x, q, k, kOther, k32, kShort, qkv];
        const snapshot = () => kept.map((b) => Array.from(b.view()));
        const cases = [
          ['wrong length', 'LENGTH_INVALID', () => rope.apply(x, { numHeads: 3 })],
          ['disposed', 'DISPOSED', () => rope.apply(gone, { numHeads: 4 })],
          ['fractional start', 'POSITION_INVALID', () => rope.apply(x, { numHeads: 4, positions: 1.5 })],
          ['start past int32', 'POSITION_INVALID', () => rope.apply(x, { numHeads: 4, positions: 2 ** 31 - 1 })],
          ['start below int32', 'POSITION_INVALID', () => rope.apply(x, { numHeads: 4, positions: -(2 ** 31) - 1 })],
          ['mismatched dtype', 'DTYPE_INVALID', () => rope.apply(x, { numHeads: 4, dtype: other })],
          ['float32 dtype', 'DTYPE_INVALID', () => rope.apply(x, { numHeads: 4, dtype: 'float32' })],
          ['unknown dtype', 'DTYPE_INVALID', () => rope.apply(x, { numHeads: 4, dtype: 'int8' })],
          ['bad head count', 'NUM_HEADS_INVALID', () => rope.apply(x, { numHeads: 0 })],
          ['view without dtype', 'DTYPE_INVALID', () => rope.apply(x.view(), { numHeads: 4 })],
          ['view of a disposed buffer', 'DISPOSED', () => {
            const t = lib.alloc(4 * d, { dtype });
            const v = t.view();
            t.dispose();
            rope.apply(v, { numHeads: 4, dtype });
          }],
          ['view past a buffer', 'HEAP_VIEW_INVALID', () => rope.apply(new Uint16Array(x.view().buffer, x.view().byteOffset, 3 * 4 * d), { numHeads: 4, dtype })],
          ['qk: q wrong length', 'LENGTH_INVALID', () => rope.applyQK(q, k, { numHeads: 3, numKvHeads: 2 })],
          ['qk: k wrong length', 'LENGTH_INVALID', () => rope.applyQK(q, k, { numHeads: 4, numKvHeads: 3 })],
          ['qk: token counts', 'TOKEN_COUNT_MISMATCH', () => rope.applyQK(q, kShort, { numHeads: 4, numKvHeads: 2 })],
          ['qk: aliased', 'ALIASED_TENSORS', () => rope.applyQK(q, q, { numHeads: 4, numKvHeads: 4 })],
          ['qk: overlapping views', 'ALIASED_TENSORS', () => rope.applyQK(q.view(), q.view().subarray(4 * d), { numHeads: 2, numKvHeads: 1, dtype })],
          ['qk: k of another dtype', 'DTYPE_INVALID', () => rope.applyQK(q, kOther, { numHeads: 4, numKvHeads: 2 })],
          ['qk: float32 k', 'DTYPE_INVALID', () => rope.applyQK(q, k32, { numHeads: 4, numKvHeads: 2 })],
          ['qk: mismatched dtype option', 'DTYPE_INVALID', () => rope.applyQK(q, k, { numHeads: 4, numKvHeads: 2, dtype: other })],
          ['qk: disposed q', 'DISPOSED', () => rope.applyQK(gone, k, { numHeads: 4, numKvHeads: 2 })],
          ['qk: disposed k', 'DISPOSED', () => rope.applyQK(q, gone, { numHeads: 4, numKvHeads: 4 })],
          ['qk: bad start', 'POSITION_INVALID', () => rope.applyQK(q, k, { numHeads: 4, numKvHeads: 2, positions: 2 ** 31 - 1 })],
          ['qk: no kv heads', 'NUM_HEADS_INVALID', () => rope.applyQK(q, k, { numHeads: 4 })],
          ['qkv: wrong length', 'LENGTH_INVALID', () => rope.applyQKV(qkv, { numHeads: 4, numKvHeads: 1 })],
          ['qkv: mismatched dtype', 'DTYPE_INVALID', () => rope.applyQKV(qkv, { numHeads: 4, numKvHeads: 2, dtype: other })],
          ['qkv: bad start', 'POSITION_INVALID', () => rope.applyQKV(qkv, { numHeads: 4, numKvHeads: 2, positions: 2 ** 31 - 1 })],
          ['qkv: disposed', 'DISPOSED', () => rope.applyQKV(gone, { numHeads: 4, numKvHeads: 2 })],
          ['qkv: unknown option', 'UNKNOWN_OPTION', () => rope.applyQKV(qkv, { numHeads: 4, numKvHeads: 2, kOffset: 0 })],
        ];
        for (const [name, code, fn] of cases) {
          const before = snapshot();
          reset();
          const err = expectRopeError(fn, code);
          expect(COUNTED.map((n) => calls[n]), name).toEqual(COUNTED.map(() => 0));
          expect(snapshot(), name).toEqual(before);
          expect(err).toBeInstanceOf(RopeError);
        }
        for (const b of kept) b.dispose();
      }
      rope.dispose();
    });

    it('invalid calls: the inline shapes report exactly what the general path reports', () => {
      const rope = lib.createRope({ headDim: 64 });
      for (const dtype of ['float16', 'bfloat16']) {
        const other = dtype === 'float16' ? 'bfloat16' : 'float16';
        const x = lib.alloc(2 * 4 * 64, { dtype });
        const k = lib.alloc(2 * 2 * 64, { dtype: other });
        const gone = lib.alloc(64, { dtype });
        gone.dispose();
        const pairs = [
          [(o) => rope.apply(x, { numHeads: 3, ...o })],
          [(o) => rope.apply(x, { numHeads: 4, positions: 2 ** 31 - 1, ...o })],
          [(o) => rope.apply(x, { numHeads: 4, dtype: other, ...o })],
          [(o) => rope.apply(gone, { numHeads: 1, ...o })],
          [(o) => rope.applyQK(x, x, { numHeads: 4, numKvHeads: 4, ...o })],
          [(o) => rope.applyQK(x, k, { numHeads: 4, numKvHeads: 2, ...o })],
          [(o) => rope.applyQK(x, gone, { numHeads: 4, numKvHeads: 2, ...o })],
          [(o) => rope.applyQKV(x, { numHeads: 2, numKvHeads: 2, ...o })],
          [(o) => rope.applyQKV(gone, { numHeads: 1, numKvHeads: 1, positions: 0.5, ...o })],
        ];
        for (const [call] of pairs) {
          const a = errorOf(() => call({}));
          const b = errorOf(() => call(GENERAL));
          expect(a).toBeInstanceOf(RopeError);
          expect({ code: a.code, message: a.message, argument: a.argument }).toEqual({ code: b.code, message: b.message, argument: b.argument });
        }
        x.dispose();
        k.dispose();
      }
      rope.dispose();
    });

    it('_streamPass on a 16-bit buffer runs the 16-bit pass over its elements', () => {
      for (const dtype of ['float16', 'bfloat16']) {
        const b = lib.alloc(37, { dtype });
        const one = dtype === 'float16' ? 0x3c00 : 0x3f80; // 1.0
        const three = dtype === 'float16' ? 0x4200 : 0x4040; // 3.0
        b.view().fill(one);
        lib._streamPass(b, 2, 1);
        expect(Array.from(b.view())).toEqual(new Array(37).fill(three));
        b.dispose();
      }
    });
  });
}
