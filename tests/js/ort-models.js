// One-node ONNX models for the onnxruntime interop tests, written as protobuf bytes in code
// (no Python or onnx package), every tensor a graph input so one session serves any caches.
// The protobuf writer is shared with the bench (tests/js/protobuf-writer.js), and
// this writer adds float16 / bfloat16 / int32 element types, empty optional inputs and a
// choice of opset.
//
//   contribRotaryModel: com.microsoft RotaryEmbedding (input, position_ids, cos_cache, sin_cache)
//   onnxRotaryModel:    ai.onnx RotaryEmbedding, opset 23 (X, cos_cache, sin_cache, position_ids)
//   gqaModel:           com.microsoft GroupQueryAttention with do_rotary = 1

import { concat, float32, int, msg, str } from './protobuf-writer.js';

/** ONNX TensorProto.DataType codes, by onnxruntime-web's tensor type names. */
export const ELEM = { float32: 1, int32: 6, int64: 7, float16: 10, bfloat16: 16 };

const dim = (d) => msg(1, [typeof d === 'number' ? int(1, d) : str(2, d)]);
const valueInfo = (field, { name, type, dims }) =>
  msg(field, [str(1, name), msg(2, [msg(1, [int(1, ELEM[type]), msg(2, dims.map(dim))])])]);

// An attribute: an integer (INT, type 2), or { float: v } (FLOAT, type 1).
function attribute(name, v) {
  return typeof v === 'object'
    ? msg(5, [str(1, name), float32(2, v.float), int(20, 1)])
    : msg(5, [str(1, name), int(3, v), int(20, 2)]);
}

/**
 * A model of one node. inputs / outputs: [{ name, type, dims }] (dims: numbers or symbolic
 * names); nodeInputs: the node's input names in order, '' for an omitted optional input.
 */
export function oneNodeModel({ opType, domain = '', opset, irVersion, inputs, outputs, nodeInputs, attributes = {} }) {
  const node = msg(1, [
    ...(nodeInputs ?? inputs.map((i) => i.name)).map((n) => str(1, n)),
    ...outputs.map((o) => str(2, o.name)),
    str(3, 'node'), str(4, opType), str(7, domain),
    ...Object.entries(attributes).map(([k, v]) => attribute(k, v)),
  ]);
  const graph = msg(7, [node, str(2, 'g'), ...inputs.map((i) => valueInfo(11, i)), ...outputs.map((o) => valueInfo(12, o))]);
  const opsets = [msg(8, [str(1, ''), int(2, opset)])];
  if (domain !== '') opsets.push(msg(8, [str(1, domain), int(2, 1)]));
  return concat([int(1, irVersion), ...opsets, str(2, 'rope-wasm-tests'), graph]);
}

/**
 * com.microsoft RotaryEmbedding: input [1, S, numHeads*headSize], position_ids [1, S] int64,
 * cos_cache / sin_cache [maxPos, rotaryDim/2]; output like input.
 */
export function contribRotaryModel({ type = 'float32', numHeads, headSize, rotaryDim, interleaved }) {
  const hidden = numHeads * headSize;
  return oneNodeModel({
    opType: 'RotaryEmbedding', domain: 'com.microsoft', opset: 17, irVersion: 8,
    inputs: [
      { name: 'input', type, dims: [1, 'S', hidden] },
      { name: 'position_ids', type: 'int64', dims: [1, 'S'] },
      { name: 'cos_cache', type, dims: ['P', rotaryDim / 2] },
      { name: 'sin_cache', type, dims: ['P', rotaryDim / 2] },
    ],
    outputs: [{ name: 'output', type, dims: [1, 'S', hidden] }],
    attributes: { interleaved: interleaved ? 1 : 0, num_heads: numHeads, ...(rotaryDim < headSize ? { rotary_embedding_dim: rotaryDim } : {}) },
  });
}

/**
 * ai.onnx RotaryEmbedding (opset 23): X [1, S, numHeads*headSize] (3-D, so num_heads is
 * given), cos_cache / sin_cache [maxPos, rotaryDim/2], position_ids [1, S] int64.
 */
export function onnxRotaryModel({ type = 'float32', numHeads, headSize, rotaryDim, interleaved }) {
  const hidden = numHeads * headSize;
  return oneNodeModel({
    opType: 'RotaryEmbedding', domain: '', opset: 23, irVersion: 11,
    inputs: [
      { name: 'X', type, dims: [1, 'S', hidden] },
      { name: 'cos_cache', type, dims: ['P', rotaryDim / 2] },
      { name: 'sin_cache', type, dims: ['P', rotaryDim / 2] },
      { name: 'position_ids', type: 'int64', dims: [1, 'S'] },
    ],
    outputs: [{ name: 'Y', type, dims: [1, 'S', hidden] }],
    attributes: { interleaved: interleaved ? 1 : 0, num_heads: numHeads, ...(rotaryDim < headSize ? { rotary_embedding_dim: rotaryDim } : {}) },
  });
}

/**
 * com.microsoft GroupQueryAttention, do_rotary = 1, batch 1 (float32 or float16): query [1, S, numHeads*D], key /
 * value [1, S, kvHeads*D], past_key / past_value [1, kvHeads, P, D] (P = 0 for a first
 * prompt), seqlens_k [1] int32 (total - 1), total_sequence_length [1] int32, cos_cache /
 * sin_cache [maxPos, rotaryDim/2]. Outputs: output [1, S, numHeads*D], present_key /
 * present_value [1, kvHeads, total, D] (the keys rotated by the op).
 */
export function gqaModel({ type = 'float32', numHeads, kvHeads, headSize, rotaryDim, interleaved }) {
  const D = headSize;
  return oneNodeModel({
    opType: 'GroupQueryAttention', domain: 'com.microsoft', opset: 17, irVersion: 8,
    inputs: [
      { name: 'query', type, dims: [1, 'S', numHeads * D] },
      { name: 'key', type, dims: [1, 'S', kvHeads * D] },
      { name: 'value', type, dims: [1, 'S', kvHeads * D] },
      { name: 'past_key', type, dims: [1, kvHeads, 'P', D] },
      { name: 'past_value', type, dims: [1, kvHeads, 'P', D] },
      { name: 'seqlens_k', type: 'int32', dims: [1] },
      { name: 'total_sequence_length', type: 'int32', dims: [1] },
      { name: 'cos_cache', type, dims: ['M', rotaryDim / 2] },
      { name: 'sin_cache', type, dims: ['M', rotaryDim / 2] },
    ],
    outputs: [
      { name: 'output', type, dims: [1, 'S', numHeads * D] },
      { name: 'present_key', type, dims: [1, kvHeads, 'T', D] },
      { name: 'present_value', type, dims: [1, kvHeads, 'T', D] },
    ],
    attributes: { num_heads: numHeads, kv_num_heads: kvHeads, do_rotary: 1, rotary_interleaved: interleaved ? 1 : 0 },
  });
}
