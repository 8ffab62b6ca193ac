// Line-by-line port of Hugging Face transformers' get_rope_index at commit
// decba1d2ea4ed3cbf0495d1828abad4b2dba1846 (5.16.0.dev0, after "Unify 3D position ids (#43972)",
// c281a2de8998e66e93fac30a236225528531df9b). For one batch row, no attention mask.
//   src/transformers/models/qwen2_vl/modeling_qwen2_vl.py     :862 get_vision_position_ids, :914 get_rope_index
//   src/transformers/models/qwen2_5_vl/modeling_qwen2_5_vl.py :892, :944 (time_interval for videos)
//   src/transformers/models/qwen3_vl/modeling_qwen3_vl.py     :880, :932 (video_grid_thw split per frame)
//   src/transformers/models/glm4v/modeling_glm4v.py           :896, :948 (same as qwen3_vl)
// Input is what the processor produces: mm_token_type_ids (0 text, 1 image, 2 video) and the
// grids. Test-only; shares no code with bindings/js.
import {
  add, arange, cat, expand, groupbyEnumerate, max, meshgrid, mul, reshape, row, stack, unsqueeze,
} from './torchlike.js';

// Qwen2VLModel.get_vision_position_ids (identical in the four files).
export function getVisionPositionIds(startPosition, gridThw, tempMergeSize = 1, spatialMergeSize = 1, timeInterval = 1) {
  // llm_grid_t, llm_grid_h, llm_grid_w = grid_thw[0].item() // temp_merge_size, ...
  const llmGridT = Math.floor(gridThw[0] / tempMergeSize);
  const llmGridH = Math.floor(gridThw[1] / spatialMergeSize);
  const llmGridW = Math.floor(gridThw[2] / spatialMergeSize);

  // position_temporal = torch.arange(llm_grid_t) * time_interval
  const positionTemporal = mul(arange(llmGridT), timeInterval);
  // position_height = torch.arange(llm_grid_h) + start_position
  const positionHeight = add(arange(llmGridH), startPosition);
  // position_width = torch.arange(llm_grid_w) + start_position
  const positionWidth = add(arange(llmGridW), startPosition);

  // T_grid, H_grid, W_grid = torch.meshgrid(position_temporal, position_height, position_width, indexing="ij")
  const [tGrid, hGrid, wGrid] = meshgrid([positionTemporal, positionHeight, positionWidth]);
  // vision_position_ids = torch.stack([T_grid, H_grid, W_grid], dim=0).reshape(3, -1)
  const visionPositionIds = reshape(stack([tGrid, hGrid, wGrid], 0), [3, -1]);
  // vision_position_ids[0] += start_position  # must be after time_interval multiply
  const n = visionPositionIds.shape[1];
  for (let i = 0; i < n; i++) visionPositionIds.data[i] += startPosition;
  return visionPositionIds;
}

/**
 * get_rope_index for model 'qwen2-vl' | 'qwen2.5-vl' | 'qwen3-vl' | 'glm-4v'.
 * Returns { positions: [[t...], [h...], [w...]], ropeDelta }.
 */
export function getRopeIndexV5(model, {
  inputIds, mmTokenTypeIds, imageGridThw = null, videoGridThw = null, secondPerGridTs = null,
  spatialMergeSize, tokensPerSecond,
}) {
  // qwen3_vl / glm4v: "Separate video grid thw into multiple grids because timestamps are used to separate videos."
  if ((model === 'qwen3-vl' || model === 'glm-4v') && videoGridThw !== null) {
    // video_grid_thw = torch.repeat_interleave(video_grid_thw, video_grid_thw[:, 0], dim=0); video_grid_thw[:, 0] = 1
    const split = [];
    for (const g of videoGridThw) for (let k = 0; k < g[0]; k++) split.push([1, g[1], g[2]]);
    videoGridThw = split;
  }

  // grid_iters = {1: iter(image_grid_thw), 2: iter(video_grid_thw)}
  const gridIters = {
    1: imageGridThw !== null ? imageGridThw[Symbol.iterator]() : null,
    2: videoGridThw !== null ? videoGridThw[Symbol.iterator]() : null,
  };
  // qwen2_5_vl: iter(second_per_grid_ts) if given else iter([1] * input_ids.shape[1])
  const secondPerGridIter = (secondPerGridTs !== null ? secondPerGridTs : new Array(inputIds.length).fill(1))[Symbol.iterator]();
  const next = (it) => {
    const r = it.next();
    if (r.done) throw new Error('StopIteration');
    return r.value;
  };

  const inputTokenType = mmTokenTypeIds;
  // for key, group in itertools.groupby(enumerate(input_token_type.tolist()), lambda x: x[1])
  const inputTypeGroup = [];
  for (const [key, group] of groupbyEnumerate(inputTokenType)) {
    const startIndex = group[0][0];
    const endIndex = group[group.length - 1][0] + 1;
    inputTypeGroup.push([key, startIndex, endIndex]);
  }

  let currentPos = 0;
  const llmPosIdsList = [];
  for (const [modalityType, startIdx, endIdx] of inputTypeGroup) {
    if (modalityType === 0) {
      // text == 0
      const textLen = endIdx - startIdx;
      // torch.arange(text_len).view(1, -1).expand(3, -1) + current_pos
      llmPosIdsList.push(add(expand(unsqueeze(arange(textLen), 0), [3, -1]), currentPos));
      currentPos += textLen;
    } else {
      // image == 1, video == 2
      const gridThw = next(gridIters[modalityType]);
      let timeInterval = 1;
      if (model === 'qwen2.5-vl') {
        // if modality_type == 2: time_interval = tokens_per_second * int(next(second_per_grid_ts)) else 1
        if (modalityType === 2) timeInterval = tokensPerSecond * Math.trunc(next(secondPerGridIter));
        else timeInterval = 1;
      }
      const visionPositionIds = getVisionPositionIds(currentPos, gridThw, 1, spatialMergeSize, timeInterval);
      llmPosIdsList.push(visionPositionIds);
      // current_pos += max(grid_thw[1], grid_thw[2]) // spatial_merge_size
      currentPos += Math.floor(Math.max(gridThw[1], gridThw[2]) / spatialMergeSize);
    }
  }
  // llm_positions = torch.cat(llm_pos_ids_list, dim=1).reshape(3, -1)
  const llmPositions = reshape(cat(llmPosIdsList, 1), [3, -1]);
  // position_ids[:, batch_idx] = llm_positions  (a shape mismatch raises in torch)
  if (llmPositions.shape[1] !== inputIds.length) {
    throw new Error(`shape mismatch: ${llmPositions.shape[1]} positions for ${inputIds.length} tokens`);
  }
  // mrope_position_deltas.append(llm_positions.max() + 1 - len(current_input_ids))
  const ropeDelta = max(llmPositions) + 1 - inputIds.length;
  return { positions: [row(llmPositions, 0), row(llmPositions, 1), row(llmPositions, 2)], ropeDelta };
}
