// Line-by-line ports of the vision towers' rotary position ids (the (h, w) index pairs that
// select each patch's rotary angles), from huggingface/transformers. Test-only; shares no
// code with bindings/js. Each returns { h: [...], w: [...] } over all t*h*w patches.
import { arange, cat, expand, flatten, meshgrid, permute, repeat, reshape, stack, transpose, unsqueeze } from './torchlike.js';

function split(posIds) {
  // pos_ids is (N, 2): column 0 is h, column 1 is w.
  const n = posIds.shape[0];
  const h = new Array(n);
  const w = new Array(n);
  for (let i = 0; i < n; i++) {
    h[i] = posIds.data[2 * i];
    w[i] = posIds.data[2 * i + 1];
  }
  return { h, w };
}

/**
 * Qwen2VisionTransformerPretrainedModel.rot_pos_emb, commit ae9ef2e1510eff1e9a620cad9648d0cca5c547cb
 * (4.57.0.dev0), src/transformers/models/qwen2_vl/modeling_qwen2_vl.py:673 (the same body in
 * qwen2_5_vl :336 and glm4v :710).
 */
export function rotPosEmbQwen2VL(gridThw, spatialMergeSize) {
  const posIds = [];
  for (const [t, h, w] of gridThw) {
    // hpos_ids = torch.arange(h).unsqueeze(1).expand(-1, w)
    let hposIds = expand(unsqueeze(arange(h), 1), [-1, w]);
    // hpos_ids = hpos_ids.reshape(h // m, m, w // m, m)
    hposIds = reshape(hposIds, [Math.floor(h / spatialMergeSize), spatialMergeSize, Math.floor(w / spatialMergeSize), spatialMergeSize]);
    // hpos_ids = hpos_ids.permute(0, 2, 1, 3)
    hposIds = permute(hposIds, [0, 2, 1, 3]);
    // hpos_ids = hpos_ids.flatten()
    hposIds = flatten(hposIds);

    // wpos_ids = torch.arange(w).unsqueeze(0).expand(h, -1)
    let wposIds = expand(unsqueeze(arange(w), 0), [h, -1]);
    wposIds = reshape(wposIds, [Math.floor(h / spatialMergeSize), spatialMergeSize, Math.floor(w / spatialMergeSize), spatialMergeSize]);
    wposIds = permute(wposIds, [0, 2, 1, 3]);
    wposIds = flatten(wposIds);
    // pos_ids.append(torch.stack([hpos_ids, wpos_ids], dim=-1).repeat(t, 1))
    posIds.push(repeat(stack([hposIds, wposIds], -1), [t, 1]));
  }
  // pos_ids = torch.cat(pos_ids, dim=0)
  return split(cat(posIds, 0));
}

/**
 * Qwen3VLVisionModel.rot_pos_emb, commit ae9ef2e1510eff1e9a620cad9648d0cca5c547cb,
 * src/transformers/models/qwen3_vl/modeling_qwen3_vl.py:603 (block rows/cols plus intra-block
 * offsets).
 */
export function rotPosEmbQwen3VL(gridThw, mergeSize) {
  const all = [];
  for (const [numFrames, height, width] of gridThw) {
    const mergedH = Math.floor(height / mergeSize);
    const mergedW = Math.floor(width / mergeSize);
    const blockRows = arange(mergedH).data;
    const blockCols = arange(mergedW).data;
    const intraRow = arange(mergeSize).data;
    const intraCol = arange(mergeSize).data;
    // row_idx = block_rows[:, None, None, None] * merge_size + intra_row[None, None, :, None]
    // col_idx = block_cols[None, :, None, None] * merge_size + intra_col[None, None, None, :]
    // both expanded to (merged_h, merged_w, merge_size, merge_size) and reshaped to (-1)
    const rowIdx = [];
    const colIdx = [];
    for (let a = 0; a < mergedH; a++) {
      for (let b = 0; b < mergedW; b++) {
        for (let c = 0; c < mergeSize; c++) {
          for (let d = 0; d < mergeSize; d++) {
            rowIdx.push(blockRows[a] * mergeSize + intraRow[c]);
            colIdx.push(blockCols[b] * mergeSize + intraCol[d]);
          }
        }
      }
    }
    // coords = torch.stack((row_idx, col_idx), dim=-1); if num_frames > 1: coords = coords.repeat(num_frames, 1)
    let coords = stack([{ shape: [rowIdx.length], data: rowIdx }, { shape: [colIdx.length], data: colIdx }], -1);
    if (numFrames > 1) coords = repeat(coords, [numFrames, 1]);
    all.push(coords);
  }
  return split(cat(all, 0));
}

/**
 * transformers.vision_utils.get_vision_position_ids (include_temporal=False), commit
 * decba1d2ea4ed3cbf0495d1828abad4b2dba1846, src/transformers/vision_utils.py:81; what every
 * tower's rot_pos_emb calls at that commit.
 */
export function getVisionPositionIdsUtils(gridThw, spatialMergeSize) {
  const positionIds = [];
  for (const [t, h, w] of gridThw) {
    // hpos_ids, wpos_ids = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    let [hposIds, wposIds] = meshgrid([arange(h), arange(w)]);
    // block_shape = (h // merge_size, merge_size, w // merge_size, merge_size)
    const blockShape = [Math.floor(h / spatialMergeSize), spatialMergeSize, Math.floor(w / spatialMergeSize), spatialMergeSize];
    // hpos_ids = hpos_ids.reshape(block_shape).transpose(1, 2).flatten()
    hposIds = flatten(transpose(reshape(hposIds, blockShape), 1, 2));
    wposIds = flatten(transpose(reshape(wposIds, blockShape), 1, 2));
    // position_ids.append(torch.stack([hpos_ids, wpos_ids], dim=-1).repeat(t, 1))
    positionIds.push(repeat(stack([hposIds, wposIds], -1), [t, 1]));
  }
  return split(cat(positionIds, 0));
}
