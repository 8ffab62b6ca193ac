// Line-by-line port of Hugging Face transformers' get_rope_index at commit
// ae9ef2e1510eff1e9a620cad9648d0cca5c547cb (4.57.0.dev0), which scans input_ids for the
// vision tokens. For one batch row, no attention mask.
//   src/transformers/models/qwen2_vl/modeling_qwen2_vl.py     :925 get_rope_index
//   src/transformers/models/qwen2_5_vl/modeling_qwen2_5_vl.py :956 (second_per_grid_t, tokens_per_second)
//   src/transformers/models/qwen3_vl/modeling_qwen3_vl.py     :916 (video_grid_thw split per frame)
//   src/transformers/models/glm4v/modeling_glm4v.py           :907 (token types from video start/end tokens)
// Test-only; shares no code with bindings/js.
import {
  add, arange, cat, expand, groupbyEnumerate, max, mul, reshape, row, stack, tensor,
} from './torchlike.js';

function assertLength(llmPositions, inputIds) {
  if (llmPositions.shape[1] !== inputIds.length) {
    throw new Error(`shape mismatch: ${llmPositions.shape[1]} positions for ${inputIds.length} tokens`);
  }
}

function result(llmPositions, inputIds) {
  assertLength(llmPositions, inputIds);
  // mrope_position_deltas.append(llm_positions.max() + 1 - len(total_input_ids[i]))
  return {
    positions: [row(llmPositions, 0), row(llmPositions, 1), row(llmPositions, 2)],
    ropeDelta: max(llmPositions) + 1 - inputIds.length,
  };
}

/**
 * Qwen2-VL, Qwen2.5-VL and Qwen3-VL (the three share this body; the model-specific lines are
 * marked). ids = { visionStartTokenId, imageTokenId, videoTokenId }.
 */
export function getRopeIndexQwenV4(model, {
  inputIds, imageGridThw = null, videoGridThw = null, secondPerGridTs = null, spatialMergeSize, tokensPerSecond, ids,
}) {
  // qwen3_vl only: video_grid_thw = torch.repeat_interleave(video_grid_thw, video_grid_thw[:, 0], dim=0); [:, 0] = 1
  if (model === 'qwen3-vl' && videoGridThw !== null) {
    const split = [];
    for (const g of videoGridThw) for (let k = 0; k < g[0]; k++) split.push([1, g[1], g[2]]);
    videoGridThw = split;
  }
  if (imageGridThw === null && videoGridThw === null) {
    // the text-only branch: torch.arange(input_ids.shape[1]).expand(3, ...), deltas 0
    const p = arange(inputIds.length).data;
    return { positions: [p, [...p], [...p]], ropeDelta: 0 };
  }
  const { visionStartTokenId, imageTokenId, videoTokenId } = ids;
  let imageIndex = 0;
  let videoIndex = 0;
  // vision_start_indices = torch.argwhere(input_ids == vision_start_token_id).squeeze(1)
  // vision_tokens = input_ids[vision_start_indices + 1]
  const visionTokens = [];
  inputIds.forEach((t, i) => {
    if (t === visionStartTokenId) visionTokens.push(inputIds[i + 1]);
  });
  const imageNums = visionTokens.filter((t) => t === imageTokenId).length;
  const videoNums = visionTokens.filter((t) => t === videoTokenId).length;
  const inputTokens = inputIds;
  const llmPosIdsList = [];
  let st = 0;
  let remainImages = imageNums;
  let remainVideos = videoNums;
  const index = (value, from) => {
    const i = inputTokens.indexOf(value, from);
    if (i < 0) throw new Error('ValueError: not in list');
    return i;
  };
  for (let n = 0; n < imageNums + videoNums; n++) {
    const edImage = inputTokens.includes(imageTokenId) && remainImages > 0 ? index(imageTokenId, st) : inputTokens.length + 1;
    const edVideo = inputTokens.includes(videoTokenId) && remainVideos > 0 ? index(videoTokenId, st) : inputTokens.length + 1;
    let t, h, w, ed;
    let secondPerGridT; // qwen2_5_vl only
    if (edImage < edVideo) {
      [t, h, w] = imageGridThw[imageIndex];
      secondPerGridT = 0; // qwen2_5_vl: second_per_grid_t = 0
      imageIndex += 1;
      remainImages -= 1;
      ed = edImage;
    } else {
      [t, h, w] = videoGridThw[videoIndex];
      // qwen2_5_vl: second_per_grid_t = second_per_grid_ts[video_index] if given else 1.0
      secondPerGridT = secondPerGridTs !== null ? secondPerGridTs[videoIndex] : 1.0;
      videoIndex += 1;
      remainVideos -= 1;
      ed = edVideo;
    }
    const llmGridT = t;
    const llmGridH = Math.floor(h / spatialMergeSize);
    const llmGridW = Math.floor(w / spatialMergeSize);
    const textLen = ed - st;

    // st_idx = llm_pos_ids_list[-1].max() + 1 if len(llm_pos_ids_list) > 0 else 0
    const stIdx = llmPosIdsList.length > 0 ? max(llmPosIdsList[llmPosIdsList.length - 1]) + 1 : 0;
    // torch.arange(text_len).view(1, -1).expand(3, -1) + st_idx
    llmPosIdsList.push(add(expand(reshape(arange(textLen), [1, -1]), [3, -1]), stIdx));

    let tIndex;
    if (model === 'qwen2.5-vl') {
      // range_tensor = torch.arange(llm_grid_t).view(-1, 1)
      const rangeTensor = reshape(arange(llmGridT), [-1, 1]);
      // expanded_range = range_tensor.expand(-1, llm_grid_h * llm_grid_w)
      const expandedRange = expand(rangeTensor, [-1, llmGridH * llmGridW]);
      // second_per_grid_t = torch.as_tensor(second_per_grid_t, dtype=range_tensor.dtype)  (int64: truncates)
      const secondPerGridTLong = Math.trunc(secondPerGridT);
      // time_tensor = expanded_range * second_per_grid_t * self.config.vision_config.tokens_per_second
      const timeTensor = mul(mul(expandedRange, secondPerGridTLong), tokensPerSecond);
      // time_tensor_long = time_tensor.long(); t_index = time_tensor_long.flatten()
      tIndex = { shape: [numelOf(timeTensor)], data: timeTensor.data.map(Math.trunc) };
    } else {
      // t_index = torch.arange(llm_grid_t).view(-1, 1).expand(-1, llm_grid_h * llm_grid_w).flatten()
      const e = expand(reshape(arange(llmGridT), [-1, 1]), [-1, llmGridH * llmGridW]);
      tIndex = reshape(e, [-1]);
    }
    // h_index = torch.arange(llm_grid_h).view(1, -1, 1).expand(llm_grid_t, -1, llm_grid_w).flatten()
    const hIndex = reshape(expand(reshape(arange(llmGridH), [1, -1, 1]), [llmGridT, -1, llmGridW]), [-1]);
    // w_index = torch.arange(llm_grid_w).view(1, 1, -1).expand(llm_grid_t, llm_grid_h, -1).flatten()
    const wIndex = reshape(expand(reshape(arange(llmGridW), [1, 1, -1]), [llmGridT, llmGridH, -1]), [-1]);
    // llm_pos_ids_list.append(torch.stack([t_index, h_index, w_index]) + text_len + st_idx)
    llmPosIdsList.push(add(stack([tIndex, hIndex, wIndex], 0), textLen + stIdx));
    // st = ed + llm_grid_t * llm_grid_h * llm_grid_w
    st = ed + llmGridT * llmGridH * llmGridW;
  }
  if (st < inputTokens.length) {
    const stIdx = llmPosIdsList.length > 0 ? max(llmPosIdsList[llmPosIdsList.length - 1]) + 1 : 0;
    const textLen = inputTokens.length - st;
    llmPosIdsList.push(add(expand(reshape(arange(textLen), [1, -1]), [3, -1]), stIdx));
  }
  const llmPositions = reshape(cat(llmPosIdsList, 1), [3, -1]);
  return result(llmPositions, inputIds);
}

function numelOf(t) {
  return t.data.length;
}

/** GLM-4V (glm4v/modeling_glm4v.py :907). ids = { imageTokenId, videoStartTokenId, videoEndTokenId }. */
export function getRopeIndexGlm4vV4({ inputIds, imageGridThw = null, videoGridThw = null, spatialMergeSize, ids }) {
  if (imageGridThw === null && videoGridThw === null) {
    const p = arange(inputIds.length).data;
    return { positions: [p, [...p], [...p]], ropeDelta: 0 };
  }
  const { imageTokenId, videoStartTokenId, videoEndTokenId } = ids;
  let imageIndex = 0;
  let videoIndex = 0;
  let videoGroupIndex = 0;
  const inputTokens = inputIds;

  const inputTokenType = [];
  let videoCheckFlg = false;
  for (const token of inputTokens) {
    if (token === videoStartTokenId) videoCheckFlg = true;
    else if (token === videoEndTokenId) videoCheckFlg = false;

    if (token === imageTokenId && !videoCheckFlg) inputTokenType.push('image');
    else if (token === imageTokenId && videoCheckFlg) inputTokenType.push('video');
    else inputTokenType.push('text');
  }

  const inputTypeGroup = [];
  for (const [key, group] of groupbyEnumerate(inputTokenType)) {
    inputTypeGroup.push([key, group[0][0], group[group.length - 1][0] + 1]);
  }

  const llmPosIdsList = [];
  let videoFrameNum = 1;
  for (const [modalityType, startIdx, endIdx] of inputTypeGroup) {
    const stIdx = llmPosIdsList.length > 0 ? max(llmPosIdsList[llmPosIdsList.length - 1]) + 1 : 0;

    if (modalityType === 'image') {
      const [t, h, w] = imageGridThw[imageIndex];
      const llmGridT = t;
      const llmGridH = Math.floor(h / spatialMergeSize);
      const llmGridW = Math.floor(w / spatialMergeSize);

      const tIndex = reshape(expand(reshape(arange(llmGridT), [-1, 1]), [-1, llmGridH * llmGridW]), [-1]);
      const hIndex = reshape(expand(reshape(arange(llmGridH), [1, -1, 1]), [llmGridT, -1, llmGridW]), [-1]);
      const wIndex = reshape(expand(reshape(arange(llmGridW), [1, 1, -1]), [llmGridT, llmGridH, -1]), [-1]);
      llmPosIdsList.push(add(stack([tIndex, hIndex, wIndex], 0), stIdx));

      imageIndex += 1;
      videoFrameNum = 1;
    } else if (modalityType === 'video') {
      const t = videoFrameNum;
      const h = videoGridThw[videoIndex][1];
      const w = videoGridThw[videoIndex][2];
      const llmGridT = t;
      const llmGridH = Math.floor(h / spatialMergeSize);
      const llmGridW = Math.floor(w / spatialMergeSize);

      for (let tIdx = 0; tIdx < llmGridT; tIdx++) {
        // t_index = torch.tensor(t_idx).view(-1, 1).expand(-1, llm_grid_h * llm_grid_w).flatten()
        const tIndex = reshape(expand(reshape(tensor([tIdx]), [-1, 1]), [-1, llmGridH * llmGridW]), [-1]);
        // h_index = torch.arange(llm_grid_h).view(1, -1, 1).expand(1, -1, llm_grid_w).flatten()
        const hIndex = reshape(expand(reshape(arange(llmGridH), [1, -1, 1]), [1, -1, llmGridW]), [-1]);
        // w_index = torch.arange(llm_grid_w).view(1, 1, -1).expand(1, llm_grid_h, -1).flatten()
        const wIndex = reshape(expand(reshape(arange(llmGridW), [1, 1, -1]), [1, llmGridH, -1]), [-1]);
        llmPosIdsList.push(add(stack([tIndex, hIndex, wIndex], 0), stIdx));
      }

      videoGroupIndex += 1;
      if (videoGroupIndex >= videoGridThw[videoIndex][0]) {
        videoIndex += 1;
        videoGroupIndex = 0;
      }
      videoFrameNum += 1;
    } else {
      const textLen = endIdx - startIdx;
      llmPosIdsList.push(add(expand(reshape(arange(textLen), [1, -1]), [3, -1]), stIdx));
      videoFrameNum = 1;
    }
  }
  const llmPositions = reshape(cat(llmPosIdsList, 1), [3, -1]);
  return result(llmPositions, inputIds);
}
