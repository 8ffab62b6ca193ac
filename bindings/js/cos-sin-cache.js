// rope.cosSinCache({ length, dtype, seqLen }): the cos/sin tables onnxruntime's RotaryEmbedding
// and GroupQueryAttention take (cos_cache, sin_cache: [length, rotaryDim/2], row p for
// position p, the attention factor included), read out of the core's own kernel.
//
// Method: a block of tokens with one head whose every rotating pair holds (1, 0) is rotated
// by rope.apply at positions 0, 1, ...: the kernel computes a*c - b*s and b*c + a*s from the
// float32 row values c = af*cos, s = af*sin it holds, and with a = 1, b = 0 both are exact,
// so the output pair is (c, s) bit for bit (the half layout puts pair i in channels i and
// i + rotaryDim/2, interleaved in 2i and 2i + 1). Channels past rotaryDim do not rotate and
// are not read. Tokens are rotated in blocks of a bounded size (one reused Float32Array), and
// every block passes the same seqLen, so dynamic / longrope frequencies are those of one
// sequence length for the whole table.
import { COPY_CHUNK_BYTES } from './copying.js';
import { RopeError, fail } from './errors.js';
import { toBfloat16Bits, toFloat16Bits } from './f16.js';
import { checkFinite, checkInteger, checkKeys, checkObject, checkOneOf } from './validate.js';

const KEYS = ['length', 'dtype', 'seqLen'];
export const COS_SIN_DTYPES = ['float32', 'float16', 'bfloat16'];
// Each table (length x rotaryDim/2 elements) is bounded like lib.alloc: at most this many
// elements, so a float32 table's bytes fit in 2^31 - 1 (one ArrayBuffer in every engine, and
// what can be copied into 32-bit wasm memory, where onnxruntime-web's tensors go).
export const COS_SIN_MAX_ELEMENTS = Math.floor((2 ** 31 - 1) / 4);

function alloc(Type, n, what) {
  try {
    return new Type(n);
  } catch (e) {
    if (e instanceof RangeError) {
      throw new RopeError('OUT_OF_MEMORY', `cosSinCache: cannot allocate the ${what} table of ${n} elements (out of memory)`);
    }
    throw e;
  }
}

/**
 * cos and sin tables of `length` rows x rotaryDim/2 columns for positions 0 .. length-1, as
 * `rope.apply` would use them at sequence length `seqLen` (default `length`): float32, or
 * float16 / bfloat16 bit patterns (Uint16Array, rounded to nearest even).
 */
export function cosSinCache(rope, options) {
  if (rope === null || typeof rope !== 'object' || typeof rope.apply !== 'function') {
    fail('INVALID_TYPE', 'rope', 'must be a Rope', rope);
  }
  if (rope.disposed) throw new RopeError('DISPOSED', 'cosSinCache: this Rope has been disposed', { argument: 'rope' });
  checkObject(options, 'options');
  checkKeys(options, KEYS, 'options');
  // One read of each option (a getter could change between reads).
  const length = options.length, dtypeIn = options.dtype, seqLenIn = options.seqLen;
  const rotaryDim = rope.rotaryDim;
  const headDim = rope.headDim;
  const pairs = rotaryDim / 2;
  checkInteger(length, 'options.length', 'LENGTH_INVALID', { min: 1 });
  const maxLength = Math.floor(COS_SIN_MAX_ELEMENTS / pairs);
  if (length > maxLength) {
    fail('SIZE_OVERFLOW', 'options.length',
      `must be <= ${maxLength} for rotaryDim ${rotaryDim} (each table holds length x rotaryDim/2 elements, at most ${COS_SIN_MAX_ELEMENTS})`, length);
  }
  const dtype = dtypeIn === undefined ? 'float32' : checkOneOf(dtypeIn, COS_SIN_DTYPES, 'options.dtype', 'DTYPE_INVALID');
  const seqLen = seqLenIn === undefined ? length : checkFinite(seqLenIn, 'options.seqLen', 'SEQ_LEN_INVALID', { min: 0, minExclusive: true });

  const n = length * pairs;
  const Out = dtype === 'float32' ? Float32Array : Uint16Array;
  const cos = alloc(Out, n, 'cos');
  const sin = alloc(Out, n, 'sin');
  const convert = dtype === 'float16' ? toFloat16Bits : dtype === 'bfloat16' ? toBfloat16Bits : null;

  // Tokens per block: one block fits the copying path's chunk, so each apply is a single
  // copy in, one core call and a copy out.
  const blockTokens = Math.max(1, Math.min(length, Math.floor(COPY_CHUNK_BYTES / (4 * headDim))));
  const block = new Float32Array(blockTokens * headDim);
  const interleaved = rope.layout === 'interleaved';
  const rowCos = convert ? new Float32Array(blockTokens * pairs) : null;
  const rowSin = convert ? new Float32Array(blockTokens * pairs) : null;
  for (let t0 = 0; t0 < length; t0 += blockTokens) {
    const tokens = Math.min(blockTokens, length - t0);
    const x = tokens === blockTokens ? block : block.subarray(0, tokens * headDim);
    x.fill(0);
    for (let t = 0; t < tokens; t++) {
      const o = t * headDim;
      if (interleaved) for (let i = 0; i < pairs; i++) x[o + 2 * i] = 1;
      else x.fill(1, o, o + pairs);
    }
    rope.apply(x, { numHeads: 1, positions: t0, seqLen });
    // Float32 results go straight into the output; float16 / bfloat16 through a block of rows.
    const c = convert ? rowCos : cos;
    const s = convert ? rowSin : sin;
    const base = convert ? 0 : t0 * pairs;
    for (let t = 0; t < tokens; t++) {
      const o = t * headDim;
      const r = base + t * pairs;
      if (interleaved) {
        for (let i = 0; i < pairs; i++) {
          c[r + i] = x[o + 2 * i];
          s[r + i] = x[o + 2 * i + 1];
        }
      } else {
        c.set(x.subarray(o, o + pairs), r);
        s.set(x.subarray(o + pairs, o + 2 * pairs), r);
      }
    }
    if (convert) {
      const m = tokens * pairs;
      convert(rowCos.subarray(0, m), cos, t0 * pairs);
      convert(rowSin.subarray(0, m), sin, t0 * pairs);
    }
  }
  return { cos, sin };
}
