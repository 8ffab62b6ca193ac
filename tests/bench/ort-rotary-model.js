// A one-node ONNX model running onnxruntime's RotaryEmbedding operator (com.microsoft
// contrib op), written as protobuf bytes in code (no Python or onnx package needed).
//   inputs:  input [1, tokens, heads*headDim] float32, position_ids [1, tokens] int64
//   initializers: cos_cache, sin_cache [maxPos, rotaryDim/2] float32 (float64 cos/sin of p*invFreq)
//   output:  output, same shape as input
// Attributes: interleaved (0 half / 1 interleaved), num_heads.

import { bytes, concat, float32, int, msg, str } from '../js/protobuf-writer.js';

const FLOAT = 1;
const INT64 = 7;

function tensorType(field, elemType, dims) {
  return msg(field, [msg(1, [int(1, elemType), msg(2, dims.map((d) => msg(1, [typeof d === 'number' ? int(1, d) : str(2, d)])))])]);
}
const valueInfo = (field, name, elemType, dims) => msg(field, [str(1, name), tensorType(2, elemType, dims)]);
function initializer(name, dims, data) {
  return msg(5, [...dims.map((d) => int(1, d)), int(2, FLOAT), str(8, name), bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength))]);
}
const intAttr = (name, v) => msg(5, [str(1, name), int(3, v), int(20, 2)]);
const floatAttr = (name, v) => msg(5, [str(1, name), float32(2, v), int(20, 1)]);

/** ONNX model bytes for RotaryEmbedding with cos/sin caches of `maxPos` rows. */
export function rotaryEmbeddingModel({ headDim, numHeads, base = 10000, layout = 'half', maxPos }) {
  const pairs = headDim / 2;
  const cos = new Float32Array(maxPos * pairs);
  const sin = new Float32Array(maxPos * pairs);
  for (let p = 0; p < maxPos; p++) {
    for (let i = 0; i < pairs; i++) {
      const a = p * Math.pow(base, (-2 * i) / headDim);
      cos[p * pairs + i] = Math.cos(a);
      sin[p * pairs + i] = Math.sin(a);
    }
  }
  const node = msg(1, [
    str(1, 'input'), str(1, 'position_ids'), str(1, 'cos_cache'), str(1, 'sin_cache'),
    str(2, 'output'), str(3, 'rope'), str(4, 'RotaryEmbedding'), str(7, 'com.microsoft'),
    intAttr('interleaved', layout === 'interleaved' ? 1 : 0), intAttr('num_heads', numHeads), floatAttr('scale', 1),
  ]);
  const graph = msg(7, [
    node, str(2, 'rotary'),
    initializer('cos_cache', [maxPos, pairs], cos), initializer('sin_cache', [maxPos, pairs], sin),
    valueInfo(11, 'input', FLOAT, [1, 'S', numHeads * headDim]),
    valueInfo(11, 'position_ids', INT64, [1, 'S']),
    valueInfo(12, 'output', FLOAT, [1, 'S', numHeads * headDim]),
  ]);
  return concat([int(1, 8), msg(8, [str(1, ''), int(2, 17)]), msg(8, [str(1, 'com.microsoft'), int(2, 1)]), str(2, 'rope-wasm-bench'), graph]);
}
