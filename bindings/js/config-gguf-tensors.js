// Reading one small tensor of a GGUF file (llama.cpp's per-pair RoPE factors: rope_freqs,
// rope_factors_long / rope_factors_short) without reading the rest of the file: the byte
// range of the tensor alone, through a Blob slice or an HTTP range request.
//
// Where a tensor's bytes are: @huggingface/gguf's `tensorDataOffset` (the end of the
// tensor directory rounded up to `general.alignment`, default 32) plus the tensor's own
// `offset` (gguf-py's GGUFWriter and llama.cpp's gguf.cpp lay tensor data out the same way).
import { fail } from './errors.js';
import { CODE } from './config-import-common.js';

// ggml_type: GGML_TYPE_F32 = 0, GGML_TYPE_F16 = 1 (ggml.h).
const F32 = 0;
const F16 = 1;

// IEEE half to double, exactly (every half is a double).
function halfToNumber(h) {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * The values of the 1-D F32 (or F16) tensor `info` with `count` entries, read from
 * `reader(start, end)` (a function giving the bytes [start, end) as an ArrayBuffer).
 */
export async function readFactorTensor(parsed, info, count, reader) {
  const name = `tensor ${info.name}`;
  const shape = info.shape.map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  if (shape.slice(1).some((d) => d !== 1) || n !== count) {
    fail(CODE, name, `must have shape [${count}] (rotaryDim / 2 pairs), has [${shape.join(', ')}]`, shape);
  }
  const type = Number(info.dtype);
  if (type !== F32 && type !== F16) fail(CODE, name, 'must be an F32 or F16 tensor (ggml type 0 or 1)', type);
  const width = type === F32 ? 4 : 2;
  const start = Number(parsed.tensorDataOffset + BigInt(info.offset));
  const end = start + n * width;
  const bytes = await reader(start, end, name);
  if (bytes.byteLength !== end - start) {
    fail(CODE, name, `data must be ${end - start} bytes at offset ${start}, the source gave ${bytes.byteLength}`, bytes.byteLength);
  }
  const view = new DataView(bytes);
  const little = parsed.littleEndian !== false;
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = type === F32 ? view.getFloat32(i * 4, little) : halfToNumber(view.getUint16(i * 2, little));
  return out;
}

/** A reader of the byte range [start, end) of a Blob: only those bytes are read. */
export function blobReader(blob) {
  return async (start, end) => blob.slice(start, end).arrayBuffer();
}

/** A reader of the byte range [start, end) of a URL: one HTTP range request. */
export function urlReader(url, fetchFn) {
  return async (start, end, name) => {
    let res;
    try {
      res = await fetchFn(url, { headers: { Range: `bytes=${start}-${end - 1}` } });
    } catch (e) {
      fail(CODE, name, `could not be fetched (${e && e.message})`, url);
    }
    if (res.status !== 206) {
      // A 200 would be the whole file: not read (the body is cancelled).
      if (res.body && typeof res.body.cancel === 'function') await res.body.cancel();
      fail(CODE, name, `needs a range request (HTTP 206) for bytes ${start}-${end - 1}, the server answered ${res.status}`, url);
    }
    return res.arrayBuffer();
  };
}
