// Lays a prompt out as the Hugging Face processors do (input_ids with the vision special
// tokens and the expanded pad tokens, mm_token_type_ids, the grids), and, beside it, the
// segment list a caller of mropePositions would write for the same prompt. Test-only.
//
// Layouts (huggingface/transformers @ decba1d2ea4ed3cbf0495d1828abad4b2dba1846):
//   Qwen2-VL / Qwen2.5-VL: <|vision_start|> pad x N <|vision_end|> per image or video
//     (the chat template's placeholders, expanded by processing_qwen2_vl.py).
//   Qwen3-VL images: the same; videos per frame (processing_qwen3_vl.py replace_video_token):
//     "<{t:.1f} seconds>" <|vision_start|> <|video_pad|> x frame_seqlen <|vision_end|>.
//   GLM-4V (processing_glm4v.py): images <|begin_of_image|> <|image|> x N <|end_of_image|>;
//     videos <|begin_of_video|> then per frame <|begin_of_image|> <|image|> x N <|end_of_image|>
//     "{int(timestamp)}", then <|end_of_video|>; mm_token_type_ids marks <|image|> inside a
//     video 2 and elsewhere 1 (create_mm_token_type_ids).
// Token ids are the released configs' values; the HF code only compares them. Plain text
// tokens use ids below 1000.

export const QWEN_IDS = { visionStartTokenId: 151652, visionEndTokenId: 151653, imageTokenId: 151655, videoTokenId: 151656 };
export const GLM_IDS = {
  imageStartTokenId: 151339, imageEndTokenId: 151340, videoStartTokenId: 151341, videoEndTokenId: 151342, imageTokenId: 151343,
};

/**
 * prompt: items { text: n } | { image: [t,h,w] } | { video: [t,h,w], secondsPerGrid?, timestampTokens? }
 * (timestampTokens: for qwen3-vl / glm-4v, how many text tokens each frame's timestamp takes;
 * default 3). Returns { inputIds, mmTokenTypeIds, imageGridThw, videoGridThw, secondPerGridTs, segments }.
 */
export function layOut(model, prompt, spatialMergeSize) {
  const inputIds = [];
  const types = [];
  const segments = [];
  const imageGridThw = [];
  const videoGridThw = [];
  const secondPerGridTs = [];
  let textId = 0;
  const text = (ids) => {
    // ids: special token ids, or a count of plain text tokens
    const list = typeof ids === 'number' ? Array.from({ length: ids }, () => (textId++ % 997) + 1) : ids;
    if (list.length === 0) return;
    for (const id of list) {
      inputIds.push(id);
      types.push(0);
    }
    const last = segments[segments.length - 1];
    if (last && last.text !== undefined) last.text += list.length;
    else segments.push({ text: list.length });
  };
  const pads = (id, type, n) => {
    for (let i = 0; i < n; i++) {
      inputIds.push(id);
      types.push(type);
    }
  };
  const merge2 = spatialMergeSize * spatialMergeSize;
  const glm = model === 'glm-4v';
  for (const item of prompt) {
    if (item.text !== undefined) {
      text(item.text);
    } else if (item.image !== undefined) {
      const [t, h, w] = item.image;
      imageGridThw.push([t, h, w]);
      const n = (t * h * w) / merge2;
      if (glm) {
        text([GLM_IDS.imageStartTokenId]);
        pads(GLM_IDS.imageTokenId, 1, n);
        segments.push({ image: [t, h, w] });
        text([GLM_IDS.imageEndTokenId]);
      } else {
        text([QWEN_IDS.visionStartTokenId]);
        pads(QWEN_IDS.imageTokenId, 1, n);
        segments.push({ image: [t, h, w] });
        text([QWEN_IDS.visionEndTokenId]);
      }
    } else {
      const [t, h, w] = item.video;
      videoGridThw.push([t, h, w]);
      if (item.secondsPerGrid !== undefined) secondPerGridTs.push(item.secondsPerGrid);
      const frameSeqlen = (h * w) / merge2;
      const ts = item.timestampTokens ?? 3;
      const extra = item.secondsPerGrid !== undefined ? { secondsPerGrid: item.secondsPerGrid } : {};
      if (model === 'qwen3-vl') {
        for (let f = 0; f < t; f++) {
          text(ts);
          text([QWEN_IDS.visionStartTokenId]);
          pads(QWEN_IDS.videoTokenId, 2, frameSeqlen);
          segments.push({ video: [1, h, w], ...extra });
          text([QWEN_IDS.visionEndTokenId]);
        }
      } else if (glm) {
        text([GLM_IDS.videoStartTokenId]);
        for (let f = 0; f < t; f++) {
          text([GLM_IDS.imageStartTokenId]);
          pads(GLM_IDS.imageTokenId, 2, frameSeqlen);
          segments.push({ video: [1, h, w], ...extra });
          text([GLM_IDS.imageEndTokenId]);
          text(ts);
        }
        text([GLM_IDS.videoEndTokenId]);
      } else {
        text([QWEN_IDS.visionStartTokenId]);
        pads(QWEN_IDS.videoTokenId, 2, t * frameSeqlen);
        segments.push({ video: [t, h, w], ...extra });
        text([QWEN_IDS.visionEndTokenId]);
      }
    }
  }
  return {
    inputIds,
    mmTokenTypeIds: types,
    imageGridThw: imageGridThw.length ? imageGridThw : null,
    videoGridThw: videoGridThw.length ? videoGridThw : null,
    // a batch's videos either all carry second_per_grid_ts or none do
    secondPerGridTs: secondPerGridTs.length && secondPerGridTs.length === videoGridThw.length ? secondPerGridTs : null,
    segments,
  };
}

/**
 * ProcessorMixin.create_mm_token_type_ids (processing_utils.py:920 @ decba1d): 1 for image
 * tokens, 2 for video tokens, 0 otherwise (Qwen2-VL, Qwen2.5-VL, Qwen3-VL).
 */
export function qwenMmTokenTypeIds(inputIds) {
  return inputIds.map((id) => (id === QWEN_IDS.videoTokenId ? 2 : id === QWEN_IDS.imageTokenId ? 1 : 0));
}

/**
 * Glm4vProcessor.create_mm_token_type_ids (glm4v/processing_glm4v.py:167 @ decba1d): <|image|>
 * is 2 where more video starts than video ends precede it (cumsum, inclusive), else 1.
 */
export function glmMmTokenTypeIds(inputIds) {
  let starts = 0;
  let ends = 0;
  return inputIds.map((id) => {
    if (id === GLM_IDS.videoStartTokenId) starts++;
    if (id === GLM_IDS.videoEndTokenId) ends++;
    const isVideoModality = starts > ends;
    if (id === GLM_IDS.imageTokenId) return isVideoModality ? 2 : 1;
    return 0;
  });
}
