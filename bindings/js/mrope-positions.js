// Position builders for multimodal RoPE (M-RoPE): Hugging Face transformers' `get_rope_index`
// (the language model's 3 x T position ids) and the vision towers' 2-D rotary position ids,
// computed from a list of segments instead of input_ids + grids. See docs/multimodal.md.
//
// Sources (huggingface/transformers; paths under src/transformers/):
//   'hf-v5' = commit decba1d2ea4ed3cbf0495d1828abad4b2dba1846 (5.16.0.dev0), the rule since
//             "Unify 3D position ids (#43972)", c281a2de8998e66e93fac30a236225528531df9b:
//             models/qwen2_vl/modeling_qwen2_vl.py         get_vision_position_ids, get_rope_index
//             models/qwen2_5_vl/modeling_qwen2_5_vl.py     get_rope_index (time_interval)
//             models/qwen3_vl/modeling_qwen3_vl.py         get_rope_index (videos split per frame)
//             models/glm4v/modeling_glm4v.py               get_rope_index (same as qwen3_vl)
//             vision_utils.py                              get_vision_position_ids (vision towers)
//   'hf-v4' = commit ae9ef2e1510eff1e9a620cad9648d0cca5c547cb (4.57.0.dev0), the same files'
//             get_rope_index, which scans input_ids, and rot_pos_emb in the vision towers.
//
// The rule, per segment, with cur = 0 at the start:
//   text n:   positions cur .. cur+n-1 on all three streams; cur += n.
//   vision:   grid [t, h, w] in patches, m = spatialMergeSize, h' = h/m, w' = w/m; tokens in
//             row-major order over (t, h', w'): p_t = cur + k*interval, p_h = cur + row,
//             p_w = cur + col. Then
//               hf-v5: cur += max(h, w) // m                      (= max(h', w'))
//               hf-v4: cur  = max(positions of this block) + 1
//             The two agree unless (t-1)*interval >= max(h', w').
//   interval: qwen2.5-vl videos tokens_per_second * int(second_per_grid_t) (both releases
//             truncate second_per_grid_t: v5 `int(...)`, v4 `torch.as_tensor(..., dtype=long)`);
//             qwen2.5-vl images 1 in v5, 0 in v4 (v4 sets second_per_grid_t = 0 for images);
//             every other model 1.
//   qwen3-vl / glm-4v split a video grid [t, h, w] into t frames [1, h, w]
//             (torch.repeat_interleave(video_grid_thw, video_grid_thw[:, 0])), each positioned
//             like an image; their processors put timestamp text between the frames, which a
//             caller gives as text segments between { video: [1, h, w] } segments.
//   ropeDelta = max(all positions) + 1 - T, nextPosition = max + 1 = T + ropeDelta.
import { fail } from './errors.js';
import { INT32_MAX, checkInteger, checkKeys, checkObject, isPlainObject } from './validate.js';

const MODELS = ['qwen2-vl', 'qwen2.5-vl', 'qwen3-vl', 'glm-4v'];
const RULES = ['hf-v5', 'hf-v4'];
const OPTION_KEYS = ['model', 'spatialMergeSize', 'tokensPerSecond', 'rule'];
const VISION_OPTION_KEYS = ['spatialMergeSize'];
const SEGMENT_KEYS = ['text', 'image', 'video', 'secondsPerGrid'];
const KIND_KEYS = { text: ['text'], image: ['image'], video: ['video', 'secondsPerGrid'] };

// HF defaults: spatial_merge_size 2 in every one of these vision configs; tokens_per_second 4 in
// Qwen2_5_VLVisionConfig (configuration_qwen2_5_vl.py; released checkpoints say 2); a video
// without second_per_grid_ts counts as 1 second per grid (modeling_qwen2_5_vl.py get_rope_index).
const DEFAULT_MERGE = 2;
const DEFAULT_TOKENS_PER_SECOND = 4;
const DEFAULT_SECONDS_PER_GRID = 1;

// Output size caps: the typed arrays stay below 2^31 entries.
const MAX_TOKENS = Math.floor(INT32_MAX / 3);
const MAX_PATCHES = Math.floor(INT32_MAX / 2);

const MODEL_CHOICES = MODELS.map((m) => JSON.stringify(m)).join(', ');

function readMerge(value, name) {
  if (value === undefined) return DEFAULT_MERGE;
  return checkInteger(value, name, 'CONFIG_INVALID', { min: 1, max: INT32_MAX });
}

function readOptions(options) {
  checkObject(options, 'options');
  checkKeys(options, OPTION_KEYS, 'options');
  const model = options.model;
  if (!MODELS.includes(model)) fail('CONFIG_INVALID', 'options.model', `must be one of ${MODEL_CHOICES}`, model);
  const merge = readMerge(options.spatialMergeSize, 'options.spatialMergeSize');
  const tokensPerSecond = options.tokensPerSecond === undefined
    ? DEFAULT_TOKENS_PER_SECOND
    : checkInteger(options.tokensPerSecond, 'options.tokensPerSecond', 'CONFIG_INVALID', { min: 1, max: INT32_MAX });
  const rule = options.rule === undefined ? 'hf-v5' : options.rule;
  if (!RULES.includes(rule)) fail('CONFIG_INVALID', 'options.rule', `must be one of ${RULES.map((r) => JSON.stringify(r)).join(', ')}`, rule);
  return { model, merge, tokensPerSecond, v4: rule === 'hf-v4' };
}

/** [t, h, w] in patches, each a positive int32, h and w divisible by the merge size. */
function readGrid(grid, name, merge) {
  const arrayLike = Array.isArray(grid) || (ArrayBuffer.isView(grid) && !(grid instanceof DataView));
  if (!arrayLike || grid.length !== 3) {
    fail('INVALID_TYPE', name, 'must be an array [t, h, w] of 3 integers (a grid in patches, as image_grid_thw)', grid);
  }
  const t = checkInteger(grid[0], `${name}[0]`, 'POSITION_INVALID', { min: 1, max: INT32_MAX });
  const h = checkInteger(grid[1], `${name}[1]`, 'POSITION_INVALID', { min: 1, max: INT32_MAX });
  const w = checkInteger(grid[2], `${name}[2]`, 'POSITION_INVALID', { min: 1, max: INT32_MAX });
  if (h % merge !== 0) fail('POSITION_INVALID', `${name}[1]`, `must be divisible by the spatial merge size ${merge}`, h);
  if (w % merge !== 0) fail('POSITION_INVALID', `${name}[2]`, `must be divisible by the spatial merge size ${merge}`, w);
  return [t, h, w];
}

/** Returns { kind, n } for text, { kind, grid, secondsPerGrid } for vision. */
function readSegment(seg, name, merge) {
  if (!isPlainObject(seg)) fail('INVALID_TYPE', name, 'must be an object: { text }, { image } or { video }', seg);
  checkKeys(seg, SEGMENT_KEYS, name);
  let kind;
  for (const k of ['text', 'image', 'video']) {
    if (seg[k] === undefined) continue;
    if (kind !== undefined) fail('POSITION_INVALID', name, `must have exactly one of text, image, video; it has ${kind} and ${k}`, seg);
    kind = k;
  }
  if (kind === undefined) fail('POSITION_INVALID', name, 'must have one of text, image, video', seg);
  checkKeys(seg, KIND_KEYS[kind], `${name}`);
  if (kind === 'text') return { kind, n: checkInteger(seg.text, `${name}.text`, 'POSITION_INVALID', { min: 0 }) };
  const grid = readGrid(seg[kind], `${name}.${kind}`, merge);
  let secondsPerGrid = DEFAULT_SECONDS_PER_GRID;
  if (seg.secondsPerGrid !== undefined) {
    secondsPerGrid = seg.secondsPerGrid;
    if (typeof secondsPerGrid !== 'number' || !Number.isFinite(secondsPerGrid) || secondsPerGrid < 0) {
      fail('POSITION_INVALID', `${name}.secondsPerGrid`, 'must be a finite number >= 0 (temporal_patch_size / fps)', secondsPerGrid);
    }
  }
  return { kind, grid, secondsPerGrid };
}

function overflow(name, position) {
  fail('POSITION_INVALID', name, `would reach a position beyond int32 (max ${INT32_MAX})`, position);
}

/**
 * Hugging Face `get_rope_index` for one prompt given as segments.
 * Returns { positions: Int32Array(3*T) stream-major [t...][h...][w...], ropeDelta, nextPosition }.
 */
export function mropePositions(segments, options) {
  const o = readOptions(options);
  if (!Array.isArray(segments)) fail('INVALID_TYPE', 'segments', 'must be an array of segments ({ text }, { image } or { video })', segments);
  const m = o.merge;
  const splitVideos = o.model === 'qwen3-vl' || o.model === 'glm-4v';

  // Pass 1: validate, lay out blocks, find T and the largest position before allocating.
  // A vision block is `frames` copies (frames > 1 only for split videos) of a [tt, hh, ww]
  // grid of merged tokens, copy f starting at start + f*advance.
  const blocks = [];
  let cur = 0;
  let max = -1;
  let tokens = 0;
  for (let i = 0; i < segments.length; i++) {
    const name = `segments[${i}]`;
    const seg = readSegment(segments[i], name, m);
    if (seg.kind === 'text') {
      if (seg.n === 0) continue;
      const last = cur + seg.n - 1;
      if (last > INT32_MAX) overflow(name, last);
      blocks.push({ text: true, start: cur, n: seg.n });
      max = Math.max(max, last);
      tokens += seg.n;
      cur += seg.n;
    } else {
      const [t, h, w] = seg.grid;
      const hh = h / m;
      const ww = w / m;
      const frames = splitVideos && seg.kind === 'video' ? t : 1;
      const tt = t / frames;
      let interval = 1;
      if (o.model === 'qwen2.5-vl') {
        if (seg.kind === 'video') interval = o.tokensPerSecond * Math.trunc(seg.secondsPerGrid);
        else if (o.v4) interval = 0;
      }
      // Largest offset from a frame's start, and how far the next block starts from it.
      const frameMax = Math.max(tt > 1 ? (tt - 1) * interval : 0, hh - 1, ww - 1);
      const advance = o.v4 ? frameMax + 1 : Math.max(hh, ww);
      const last = cur + (frames - 1) * advance + frameMax;
      if (last > INT32_MAX) overflow(name, last);
      const count = t * hh * ww;
      blocks.push({ text: false, start: cur, frames, advance, tt, hh, ww, interval });
      max = Math.max(max, last);
      tokens += count;
      cur += frames * advance;
    }
    if (tokens > MAX_TOKENS) {
      fail('SIZE_OVERFLOW', name, `brings the prompt beyond ${MAX_TOKENS} tokens (3 x T positions must fit one Int32Array)`, tokens);
    }
  }

  // Pass 2: fill.
  const T = tokens;
  const positions = new Int32Array(3 * T);
  let j = 0;
  for (const b of blocks) {
    if (b.text) {
      for (let k = 0; k < b.n; k++, j++) {
        const p = b.start + k;
        positions[j] = p;
        positions[T + j] = p;
        positions[2 * T + j] = p;
      }
      continue;
    }
    for (let f = 0; f < b.frames; f++) {
      const base = b.start + f * b.advance;
      for (let k = 0; k < b.tt; k++) {
        const pt = base + k * b.interval;
        for (let r = 0; r < b.hh; r++) {
          for (let c = 0; c < b.ww; c++, j++) {
            positions[j] = pt;
            positions[T + j] = base + r;
            positions[2 * T + j] = base + c;
          }
        }
      }
    }
  }
  const nextPosition = max + 1;
  return { positions, ropeDelta: nextPosition - T, nextPosition };
}

/**
 * The vision tower's rotary position ids for one grid [t, h, w] (in patches): 2 x N, N = t*h*w,
 * [h...][w...], in merge-block order (each m x m block contiguous), repeated t times.
 */
export function visionPositions(grid, options = {}) {
  checkObject(options, 'options');
  checkKeys(options, VISION_OPTION_KEYS, 'options');
  const m = readMerge(options.spatialMergeSize, 'options.spatialMergeSize');
  const [t, h, w] = readGrid(grid, 'grid', m);
  const N = t * h * w;
  if (N > MAX_PATCHES) fail('SIZE_OVERFLOW', 'grid', `must hold at most ${MAX_PATCHES} patches (2 x N positions must fit one Int32Array)`, N);
  const out = new Int32Array(2 * N);
  const hb = h / m;
  const wb = w / m;
  const frame = h * w;
  let j = 0;
  for (let br = 0; br < hb; br++) {
    for (let bc = 0; bc < wb; bc++) {
      for (let r = 0; r < m; r++) {
        for (let c = 0; c < m; c++, j++) {
          out[j] = br * m + r;
          out[N + j] = bc * m + c;
        }
      }
    }
  }
  for (let f = 1; f < t; f++) {
    out.copyWithin(f * frame, 0, frame);
    out.copyWithin(N + f * frame, N, N + frame);
  }
  return out;
}
