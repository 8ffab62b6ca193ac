// mropePositions and visionPositions against Hugging Face transformers.
//
// Expected values come from HF's source, worked by hand below (each derivation is in the
// comment beside it), or from the line-by-line ports in tests/js/mrope-reference/:
//   hf-v5.js   get_rope_index @ decba1d2ea4ed3cbf0495d1828abad4b2dba1846 (5.16.0.dev0)
//   hf-v4.js   get_rope_index @ ae9ef2e1510eff1e9a620cad9648d0cca5c547cb (4.57.0.dev0)
//   vision.js  rot_pos_emb @ ae9ef2e (qwen2_vl, qwen3_vl) and vision_utils.get_vision_position_ids @ decba1d
//   prompts.js the processors' prompt layouts and mm_token_type_ids @ decba1d
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RopeError, mropePositions, visionPositions } from '../../dist/index.js';
import { getRopeIndexGlm4vV4, getRopeIndexQwenV4 } from './mrope-reference/hf-v4.js';
import { getRopeIndexV5 } from './mrope-reference/hf-v5.js';
import { GLM_IDS, QWEN_IDS, glmMmTokenTypeIds, layOut, qwenMmTokenTypeIds } from './mrope-reference/prompts.js';
import { getVisionPositionIdsUtils, rotPosEmbQwen2VL, rotPosEmbQwen3VL } from './mrope-reference/vision.js';

const MODELS = ['qwen2-vl', 'qwen2.5-vl', 'qwen3-vl', 'glm-4v'];

/** { t, h, w } as plain arrays, from the stream-major Int32Array. */
function streams(positions) {
  const T = positions.length / 3;
  return {
    t: Array.from(positions.subarray(0, T)),
    h: Array.from(positions.subarray(T, 2 * T)),
    w: Array.from(positions.subarray(2 * T)),
  };
}

function expectPositions(result, { t, h, w, ropeDelta, nextPosition }) {
  expect(result.positions).toBeInstanceOf(Int32Array);
  expect(result.positions.length).toBe(3 * t.length);
  expect(streams(result.positions)).toEqual({ t, h, w });
  expect(result.ropeDelta).toBe(ropeDelta);
  expect(result.nextPosition).toBe(nextPosition);
  expect(result.nextPosition).toBe(t.length + result.ropeDelta);
}

describe('mropePositions: worked examples from the HF source', () => {
  it('Qwen2-VL text + image + text: the notes\' example (section 4.8), every model and rule', () => {
    // 3 text, image grid [1,4,6] with m=2 (h'=2, w'=3: 6 tokens), 2 text. cur after the image is
    // 3 + max(4,6)//2 = 6 (v5), = max(3+1, 3+2) + 1 = 6 (v4). rope_delta = 8 - 11 = -3.
    const want = {
      t: [0, 1, 2, 3, 3, 3, 3, 3, 3, 6, 7],
      h: [0, 1, 2, 3, 3, 3, 4, 4, 4, 6, 7],
      w: [0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7],
      ropeDelta: -3,
      nextPosition: 8,
    };
    for (const model of MODELS) {
      for (const rule of ['hf-v5', 'hf-v4']) {
        expectPositions(mropePositions([{ text: 3 }, { image: [1, 4, 6] }, { text: 2 }], { model, rule }), want);
      }
    }
  });

  it('Qwen2-VL text + image: image tokens start at cur, rows on h, columns on w', () => {
    // 1 text; image [1,4,4], m=2: h'=w'=2, 4 tokens at cur=1: t 1,1,1,1; h 1,1,2,2; w 1,2,1,2.
    // max 2, T 5: rope_delta = 3 - 5 = -2.
    expectPositions(mropePositions([{ text: 1 }, { image: [1, 4, 4] }], { model: 'qwen2-vl' }), {
      t: [0, 1, 1, 1, 1], h: [0, 1, 1, 2, 2], w: [0, 1, 2, 1, 2], ropeDelta: -2, nextPosition: 3,
    });
  });

  it('Qwen2-VL text + wide image + text: cur advances by max(h, w) // m', () => {
    // 2 text; image [1,2,6]: h'=1, w'=3 at cur=2: t 2,2,2; h 2,2,2; w 2,3,4. cur = 2 + 6//2 = 5.
    // 2 text at 5, 6. max 6, T 7: delta 0.
    expectPositions(mropePositions([{ text: 2 }, { image: [1, 2, 6] }, { text: 2 }], { model: 'qwen2-vl' }), {
      t: [0, 1, 2, 2, 2, 5, 6], h: [0, 1, 2, 2, 2, 5, 6], w: [0, 1, 2, 3, 4, 5, 6], ropeDelta: 0, nextPosition: 7,
    });
  });

  it('Qwen2-VL two images', () => {
    // text 1 (pos 0); image [1,2,4] (h'=1, w'=2) at 1: w 1,2; cur 1 + 4//2 = 3; text at 3;
    // image [1,4,2] (h'=2, w'=1) at 4: h 4,5, w 4,4; cur 4 + 4//2 = 6; text at 6.
    expectPositions(mropePositions(
      [{ text: 1 }, { image: [1, 2, 4] }, { text: 1 }, { image: [1, 4, 2] }, { text: 1 }], { model: 'qwen2-vl' },
    ), {
      t: [0, 1, 1, 3, 4, 4, 6], h: [0, 1, 1, 3, 4, 5, 6], w: [0, 1, 2, 3, 4, 4, 6], ropeDelta: 0, nextPosition: 7,
    });
  });

  it('Qwen2.5-VL video: interval = tokens_per_second * int(second_per_grid_t)', () => {
    // 2 text; video [3,2,4] (h'=1, w'=2: 2 tokens a temporal patch), secondsPerGrid 1.5,
    // tokensPerSecond 2: interval 2 * int(1.5) = 2, so t = 2 + 2k: 2,2,4,4,6,6; w 2,3 per patch.
    // v5: cur = 2 + 4//2 = 4, text 4,5; max 6, T 10: delta -3.
    // v4: text starts at max(video) + 1 = 7: 7,8; max 8: delta -1.
    const segs = [{ text: 2 }, { video: [3, 2, 4], secondsPerGrid: 1.5 }, { text: 2 }];
    expectPositions(mropePositions(segs, { model: 'qwen2.5-vl', tokensPerSecond: 2 }), {
      t: [0, 1, 2, 2, 4, 4, 6, 6, 4, 5],
      h: [0, 1, 2, 2, 2, 2, 2, 2, 4, 5],
      w: [0, 1, 2, 3, 2, 3, 2, 3, 4, 5],
      ropeDelta: -3,
      nextPosition: 7,
    });
    expectPositions(mropePositions(segs, { model: 'qwen2.5-vl', tokensPerSecond: 2, rule: 'hf-v4' }), {
      t: [0, 1, 2, 2, 4, 4, 6, 6, 7, 8],
      h: [0, 1, 2, 2, 2, 2, 2, 2, 7, 8],
      w: [0, 1, 2, 3, 2, 3, 2, 3, 7, 8],
      ropeDelta: -1,
      nextPosition: 9,
    });
  });

  it('Qwen2.5-VL video: second_per_grid_t below 1 truncates to interval 0; the defaults are 1 s and 4 tokens/s', () => {
    // secondsPerGrid 0.5 (fps 4, temporal_patch_size 2): int(0.5) = 0, every t = cur = 2.
    // v4: the video's max is max(2, 2, 3) = 3, so the text starts at 4, as v5's 2 + 4//2.
    const half = [{ text: 2 }, { video: [3, 2, 4], secondsPerGrid: 0.5 }, { text: 2 }];
    const want = {
      t: [0, 1, 2, 2, 2, 2, 2, 2, 4, 5],
      h: [0, 1, 2, 2, 2, 2, 2, 2, 4, 5],
      w: [0, 1, 2, 3, 2, 3, 2, 3, 4, 5],
      ropeDelta: -4,
      nextPosition: 6,
    };
    expectPositions(mropePositions(half, { model: 'qwen2.5-vl', tokensPerSecond: 2 }), want);
    expectPositions(mropePositions(half, { model: 'qwen2.5-vl', tokensPerSecond: 2, rule: 'hf-v4' }), want);
    // No secondsPerGrid (HF: iter([1] * ...)) and no tokensPerSecond (Qwen2_5_VLVisionConfig: 4):
    // interval 4: t = 2, 6, 10 per temporal patch.
    const r = mropePositions([{ text: 2 }, { video: [3, 2, 4] }], { model: 'qwen2.5-vl' });
    expect(streams(r.positions).t).toEqual([0, 1, 2, 2, 6, 6, 10, 10]);
    expect(r.nextPosition).toBe(11);
  });

  it("Qwen2.5-VL: HF v4's docstring example (interval 50; the text after starts at 101)", () => {
    // modeling_qwen2_5_vl.py @ ae9ef2e, get_rope_index docstring: 3 temporal patches, 2 x 2 merged
    // (grid [3,4,4]), fps 1, temporal_patch_size 2 (second_per_grid_t 2), tokens_per_second 25:
    // "vision temporal position_ids: [0, 0, 0, 0, 50, 50, 50, 50, 100, 100, 100, 100]",
    // "height [0, 0, 1, 1, ...]", "width [0, 1, 0, 1, ...]", "text ... [101, 102, 103, 104, 105]".
    // v5 starts the text at 0 + 4//2 = 2 instead.
    const segs = [{ video: [3, 4, 4], secondsPerGrid: 2 }, { text: 5 }];
    const v4 = streams(mropePositions(segs, { model: 'qwen2.5-vl', tokensPerSecond: 25, rule: 'hf-v4' }).positions);
    expect(v4.t).toEqual([0, 0, 0, 0, 50, 50, 50, 50, 100, 100, 100, 100, 101, 102, 103, 104, 105]);
    expect(v4.h).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 101, 102, 103, 104, 105]);
    expect(v4.w).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 101, 102, 103, 104, 105]);
    const v5 = mropePositions(segs, { model: 'qwen2.5-vl', tokensPerSecond: 25 });
    expect(streams(v5.positions).t.slice(12)).toEqual([2, 3, 4, 5, 6]);
    expect(v5.nextPosition).toBe(101); // max is the video's 100; HF's rope_deltas = 101 - 17
    expect(v5.ropeDelta).toBe(101 - 17);
  });

  it('Qwen2.5-VL images: interval 1 in v5 (#45325), 0 in v4 (second_per_grid_t = 0)', () => {
    // An image grid with t = 2 (not what the image processor makes, but the code path):
    // [2,2,2], m=2: one token per temporal patch. v5 t = 1 + k*1: 1, 2; cur = 1 + 1 = 2.
    // v4 t = 1 + k*0: 1, 1; the text starts at max + 1 = 2.
    const segs = [{ text: 1 }, { image: [2, 2, 2] }, { text: 1 }];
    expect(streams(mropePositions(segs, { model: 'qwen2.5-vl' }).positions).t).toEqual([0, 1, 2, 2]);
    expect(streams(mropePositions(segs, { model: 'qwen2.5-vl', rule: 'hf-v4' }).positions).t).toEqual([0, 1, 1, 2]);
    // Qwen2-VL has interval 1 in both; v4 starts the text at max + 1 = 3.
    expect(streams(mropePositions(segs, { model: 'qwen2-vl', rule: 'hf-v4' }).positions).t).toEqual([0, 1, 2, 3]);
  });

  it('Qwen3-VL video frame by frame: every frame at t = cur, as an image; v4 and v5 agree', () => {
    // 2 text; frame [1,4,4] (h'=w'=2) at 2: t 2x4, h 2,2,3,3, w 2,3,2,3; cur 2 + 2 = 4;
    // 2 text (timestamp + vision tokens) 4,5; frame at 6: h 6,6,7,7, w 6,7,6,7; cur 8; 1 text at 8.
    // max 8, T 13: delta -4.
    const segs = [{ text: 2 }, { video: [1, 4, 4] }, { text: 2 }, { video: [1, 4, 4] }, { text: 1 }];
    const want = {
      t: [0, 1, 2, 2, 2, 2, 4, 5, 6, 6, 6, 6, 8],
      h: [0, 1, 2, 2, 3, 3, 4, 5, 6, 6, 7, 7, 8],
      w: [0, 1, 2, 3, 2, 3, 4, 5, 6, 7, 6, 7, 8],
      ropeDelta: -4,
      nextPosition: 9,
    };
    expectPositions(mropePositions(segs, { model: 'qwen3-vl' }), want);
    expectPositions(mropePositions(segs, { model: 'qwen3-vl', rule: 'hf-v4' }), want);
  });

  it('hf-v4 and hf-v5 differ after a multi-frame Qwen2-VL video when (t-1)*interval >= max(h\', w\')', () => {
    // video [3,4,4] (h'=w'=2) at cur 1, interval 1: t 1,2,3 per temporal patch; max 3.
    // v5: text at 1 + 4//2 = 3; v4: at 3 + 1 = 4.
    const segs = [{ text: 1 }, { video: [3, 4, 4] }, { text: 1 }];
    const v5 = mropePositions(segs, { model: 'qwen2-vl' });
    const v4 = mropePositions(segs, { model: 'qwen2-vl', rule: 'hf-v4' });
    expect(streams(v5.positions).t).toEqual([0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3]);
    expect(streams(v4.positions).t).toEqual([0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4]);
    expect([v5.nextPosition, v4.nextPosition]).toEqual([4, 5]);
    // With 2 temporal patches (t-1)*1 = 1 < 2, and the rules agree.
    const two = [{ text: 1 }, { video: [2, 4, 4] }, { text: 1 }];
    expect(mropePositions(two, { model: 'qwen2-vl', rule: 'hf-v4' })).toEqual(mropePositions(two, { model: 'qwen2-vl' }));
  });

  it('GLM-4V image', () => {
    // <|begin_of_image|> is text; the same rule as Qwen2-VL: 1 text, image [1,4,6] at 1
    // (h 1,1,1,2,2,2; w 1,2,3,1,2,3), cur 1 + 3 = 4, 1 text at 4.
    expectPositions(mropePositions([{ text: 1 }, { image: [1, 4, 6] }, { text: 1 }], { model: 'glm-4v' }), {
      t: [0, 1, 1, 1, 1, 1, 1, 4], h: [0, 1, 1, 1, 2, 2, 2, 4], w: [0, 1, 2, 3, 1, 2, 3, 4], ropeDelta: -3, nextPosition: 5,
    });
  });

  it('GLM-4V video frame by frame (<|begin_of_image|> frame <|end_of_image|> timestamp per frame)', () => {
    // text 2 (<|begin_of_video|><|begin_of_image|>); frame [1,2,4] (h'=1, w'=2) at 2: w 2,3; cur 4;
    // text 3 (<|end_of_image|>, "0", <|begin_of_image|>) 4,5,6; frame at 7: w 7,8; cur 9;
    // text 3 (<|end_of_image|>, "2", <|end_of_video|>) 9,10,11. max 11, T 12: delta 0.
    const segs = [{ text: 2 }, { video: [1, 2, 4] }, { text: 3 }, { video: [1, 2, 4] }, { text: 3 }];
    const want = {
      t: [0, 1, 2, 2, 4, 5, 6, 7, 7, 9, 10, 11],
      h: [0, 1, 2, 2, 4, 5, 6, 7, 7, 9, 10, 11],
      w: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
      ropeDelta: 0,
      nextPosition: 12,
    };
    expectPositions(mropePositions(segs, { model: 'glm-4v' }), want);
    expectPositions(mropePositions(segs, { model: 'glm-4v', rule: 'hf-v4' }), want);
  });

  it('Qwen3-VL / GLM-4V: a whole video [t,h,w] is its t frames back to back (HF\'s per-frame split)', () => {
    // video_grid_thw [2,4,4] -> two [1,4,4] grids (repeat_interleave); frames at 1 and 1 + 2 = 3.
    for (const model of ['qwen3-vl', 'glm-4v']) {
      const whole = mropePositions([{ text: 1 }, { video: [2, 4, 4] }, { text: 1 }], { model });
      expectPositions(whole, {
        t: [0, 1, 1, 1, 1, 3, 3, 3, 3, 5],
        h: [0, 1, 1, 2, 2, 3, 3, 4, 4, 5],
        w: [0, 1, 2, 1, 2, 3, 4, 3, 4, 5],
        ropeDelta: -4,
        nextPosition: 6,
      });
      expect(mropePositions([{ text: 1 }, { video: [1, 4, 4] }, { video: [1, 4, 4] }, { text: 1 }], { model })).toEqual(whole);
    }
  });

  it('spatialMergeSize 1: every patch a token', () => {
    // image [1,2,3], m=1: h'=2, w'=3 at 1; cur 1 + 3 = 4.
    expectPositions(mropePositions([{ text: 1 }, { image: [1, 2, 3] }, { text: 1 }], { model: 'qwen2-vl', spatialMergeSize: 1 }), {
      t: [0, 1, 1, 1, 1, 1, 1, 4], h: [0, 1, 1, 1, 2, 2, 2, 4], w: [0, 1, 2, 3, 1, 2, 3, 4], ropeDelta: -3, nextPosition: 5,
    });
  });

  it('grids may be typed arrays (rows of image_grid_thw)', () => {
    const segs = [{ text: 3 }, { image: [1, 4, 6] }, { text: 2 }];
    const typed = [{ text: 3 }, { image: Int32Array.of(1, 4, 6) }, { text: 2 }];
    expect(mropePositions(typed, { model: 'qwen2-vl' })).toEqual(mropePositions(segs, { model: 'qwen2-vl' }));
    expect(visionPositions(Int32Array.of(2, 4, 6))).toEqual(visionPositions([2, 4, 6]));
  });

  it('text only is plain 1-D RoPE; empty prompts give nextPosition 0', () => {
    expectPositions(mropePositions([{ text: 3 }, { text: 0 }, { text: 1 }], { model: 'qwen3-vl' }), {
      t: [0, 1, 2, 3], h: [0, 1, 2, 3], w: [0, 1, 2, 3], ropeDelta: 0, nextPosition: 4,
    });
    expectPositions(mropePositions([], { model: 'qwen2-vl' }), { t: [], h: [], w: [], ropeDelta: 0, nextPosition: 0 });
    expectPositions(mropePositions([{ text: 0 }], { model: 'qwen2-vl' }), { t: [], h: [], w: [], ropeDelta: 0, nextPosition: 0 });
  });

  it('secondsPerGrid and tokensPerSecond are ignored outside qwen2.5-vl, as HF ignores them', () => {
    // Qwen2-VL / Qwen3-VL / GLM-4V get_rope_index take no second_per_grid_ts (it lands in **kwargs).
    for (const model of ['qwen2-vl', 'qwen3-vl', 'glm-4v']) {
      const plain = mropePositions([{ text: 1 }, { video: [3, 4, 4] }, { text: 1 }], { model });
      const timed = mropePositions([{ text: 1 }, { video: [3, 4, 4], secondsPerGrid: 7.5 }, { text: 1 }], { model, tokensPerSecond: 9 });
      expect(timed).toEqual(plain);
    }
  });
});

// ---- Against the line-by-line ports, on random prompts ----

const gridArb = (merge, maxT) => fc.tuple(
  fc.integer({ min: 1, max: maxT }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }),
).map(([t, a, b]) => [t, a * merge, b * merge]);

function promptArb(merge, { imageT, timed }) {
  const item = fc.oneof(
    fc.record({ text: fc.integer({ min: 0, max: 5 }) }),
    fc.record({ image: gridArb(merge, imageT) }),
    timed
      ? fc.record({ video: gridArb(merge, 4), secondsPerGrid: fc.constantFrom(0, 0.5, 1, 1.5, 2, 3.75) })
      : fc.record({ video: gridArb(merge, 4), timestampTokens: fc.integer({ min: 1, max: 4 }) }),
  );
  return fc.array(item, { minLength: 1, maxLength: 6 });
}

function hfV5(model, lay, o) {
  const mm = model === 'glm-4v' ? glmMmTokenTypeIds(lay.inputIds) : qwenMmTokenTypeIds(lay.inputIds);
  return getRopeIndexV5(model, {
    inputIds: lay.inputIds, mmTokenTypeIds: mm, imageGridThw: lay.imageGridThw, videoGridThw: lay.videoGridThw,
    secondPerGridTs: lay.secondPerGridTs, spatialMergeSize: o.merge, tokensPerSecond: o.tps,
  });
}

function hfV4(model, lay, o) {
  if (model === 'glm-4v') {
    return getRopeIndexGlm4vV4({
      inputIds: lay.inputIds, imageGridThw: lay.imageGridThw, videoGridThw: lay.videoGridThw, spatialMergeSize: o.merge, ids: GLM_IDS,
    });
  }
  return getRopeIndexQwenV4(model, {
    inputIds: lay.inputIds, imageGridThw: lay.imageGridThw, videoGridThw: lay.videoGridThw, secondPerGridTs: lay.secondPerGridTs,
    spatialMergeSize: o.merge, tokensPerSecond: o.tps, ids: QWEN_IDS,
  });
}

describe('mropePositions against the ports of get_rope_index, on random prompts', () => {
  for (const model of MODELS) {
    for (const rule of ['hf-v5', 'hf-v4']) {
      it(`${model}, ${rule}`, () => {
        const timed = model === 'qwen2.5-vl';
        const arb = fc.constantFrom(1, 2).chain((merge) => fc.record({
          merge: fc.constant(merge),
          tps: fc.constantFrom(1, 2, 4, 25),
          // images with t > 1 exercise the interval rule for images; GLM-4V v4 uses the frame count
          // for videos only, so any t is fine there too.
          prompt: promptArb(merge, { imageT: 2, timed }),
          dropTiming: fc.boolean(),
        }));
        fc.assert(fc.property(arb, ({ merge, tps, prompt, dropTiming }) => {
          // a batch's videos carry second_per_grid_ts all or none
          const items = dropTiming ? prompt.map(({ secondsPerGrid, ...rest }) => rest) : prompt;
          const lay = layOut(model, items, merge);
          fc.pre(lay.inputIds.length > 0);
          const ref = (rule === 'hf-v5' ? hfV5 : hfV4)(model, lay, { merge, tps });
          const got = mropePositions(lay.segments, { model, spatialMergeSize: merge, tokensPerSecond: tps, rule });
          const s = streams(got.positions);
          expect([s.t, s.h, s.w]).toEqual(ref.positions);
          expect(got.ropeDelta).toBe(ref.ropeDelta);
          expect(got.nextPosition).toBe(lay.inputIds.length + ref.ropeDelta);
        }), { numRuns: 150 });
      });
    }
  }

  it('the ports agree with the worked example of the notes (section 4.8)', () => {
    // A check on the ports themselves: the prompt laid out as Qwen2-VL's processor does it.
    const lay = layOut('qwen2-vl', [{ text: 2 }, { image: [1, 4, 6] }, { text: 1 }], 2);
    // 2 text + <|vision_start|> = 3 text, 6 image tokens, <|vision_end|> + 1 = 2 text.
    expect(lay.segments).toEqual([{ text: 3 }, { image: [1, 4, 6] }, { text: 2 }]);
    const want = [[0, 1, 2, 3, 3, 3, 3, 3, 3, 6, 7], [0, 1, 2, 3, 3, 3, 4, 4, 4, 6, 7], [0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7]];
    for (const ref of [hfV5('qwen2-vl', lay, { merge: 2 }), hfV4('qwen2-vl', lay, { merge: 2 })]) {
      expect(ref.positions).toEqual(want);
      expect(ref.ropeDelta).toBe(-3);
    }
  });
});

// ---- visionPositions ----

function visionStreams(out) {
  const N = out.length / 2;
  return { h: Array.from(out.subarray(0, N)), w: Array.from(out.subarray(N)) };
}

describe('visionPositions', () => {
  it("the notes' example: grid 4 x 6, m = 2, merge-block order", () => {
    const { h, w } = visionStreams(visionPositions([1, 4, 6]));
    expect(h.slice(0, 16)).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3]);
    expect(w.slice(0, 16)).toEqual([0, 1, 0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 0, 1, 0, 1]);
    expect(h.length).toBe(24);
  });

  it('equals the ports of rot_pos_emb (4.57 qwen2_vl and qwen3_vl) and vision_utils (5.x)', () => {
    const grids = [[1, 2, 2], [1, 4, 6], [2, 6, 4], [3, 2, 8], [1, 8, 2], [2, 10, 6], [1, 1, 1], [4, 3, 5], [1, 12, 12]];
    for (const m of [1, 2]) {
      for (const grid of grids) {
        if (grid[1] % m || grid[2] % m) continue;
        const got = visionStreams(visionPositions(grid, { spatialMergeSize: m }));
        expect(got).toEqual(rotPosEmbQwen2VL([grid], m));
        expect(got).toEqual(rotPosEmbQwen3VL([grid], m));
        expect(got).toEqual(getVisionPositionIdsUtils([grid], m));
      }
    }
  });

  it('equals the ports on random grids (fast-check), m = 1, 2, 4', () => {
    const arb = fc.constantFrom(1, 2, 4).chain((m) => fc.tuple(
      fc.constant(m), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }),
    ));
    fc.assert(fc.property(arb, ([m, t, a, b]) => {
      const grid = [t, a * m, b * m];
      const got = visionStreams(visionPositions(grid, { spatialMergeSize: m }));
      expect(got).toEqual(rotPosEmbQwen2VL([grid], m));
      expect(got).toEqual(getVisionPositionIdsUtils([grid], m));
    }), { numRuns: 100 });
  });

  it('m = 1 is row-major; video frames repeat the layout', () => {
    const { h, w } = visionStreams(visionPositions([2, 2, 3], { spatialMergeSize: 1 }));
    expect(h).toEqual([0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1]);
    expect(w).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
  });
});

// ---- Bad input ----

function errorOf(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

function expectError(fn, code, argument, value) {
  const err = errorOf(fn);
  expect(err).toBeInstanceOf(RopeError);
  expect(err.code).toBe(code);
  expect(err.argument).toBe(argument);
  if (arguments.length > 3) {
    if (Number.isNaN(value)) expect(Number.isNaN(err.value)).toBe(true);
    else expect(err.value).toEqual(value);
  }
  expect(err.message).toContain(argument);
  return err;
}

const Q2 = { model: 'qwen2-vl' };
const Q25 = { model: 'qwen2.5-vl' };

describe('mropePositions: bad input', () => {
  it('segments: not an array, not objects, empty or two kinds, unknown keys', () => {
    expectError(() => mropePositions({ text: 1 }, Q2), 'INVALID_TYPE', 'segments', { text: 1 });
    expectError(() => mropePositions(undefined, Q2), 'INVALID_TYPE', 'segments', undefined);
    expectError(() => mropePositions([{ text: 1 }, null], Q2), 'INVALID_TYPE', 'segments[1]', null);
    expectError(() => mropePositions([3], Q2), 'INVALID_TYPE', 'segments[0]', 3);
    expectError(() => mropePositions([{}], Q2), 'POSITION_INVALID', 'segments[0]', {});
    expectError(() => mropePositions([{ text: 1, image: [1, 2, 2] }], Q2), 'POSITION_INVALID', 'segments[0]', { text: 1, image: [1, 2, 2] });
    expectError(() => mropePositions([{ text: 1, images: 2 }], Q2), 'UNKNOWN_OPTION', 'segments[0].images', 2);
    expectError(() => mropePositions([{ image: [1, 2, 2], secondsPerGrid: 1 }], Q25), 'UNKNOWN_OPTION', 'segments[0].secondsPerGrid', 1);
    expectError(() => mropePositions([{ text: 2, secondsPerGrid: 1 }], Q25), 'UNKNOWN_OPTION', 'segments[0].secondsPerGrid', 1);
  });

  it('text counts: negative, non-integer, not a number', () => {
    for (const v of [-1, 1.5, NaN, Infinity, '3', 2n]) {
      expectError(() => mropePositions([{ text: 1 }, { text: v }], Q2), 'POSITION_INVALID', 'segments[1].text', v);
    }
  });

  it('grids: not [t, h, w], entries non-integer or non-positive, h or w not divisible by the merge size', () => {
    for (const g of [[1, 2], [1, 2, 2, 2], 'abc', 5, { 0: 1, 1: 2, 2: 2 }]) {
      expectError(() => mropePositions([{ image: g }], Q2), 'INVALID_TYPE', 'segments[0].image', g);
    }
    for (const [i, v] of [[0, 0], [0, -1], [1, 0], [2, -4], [1, 2.5], [2, NaN], [0, '1'], [1, 2 ** 32]]) {
      const g = [1, 2, 2];
      g[i] = v;
      expectError(() => mropePositions([{ text: 1 }, { video: g }], Q2), 'POSITION_INVALID', `segments[1].video[${i}]`, v);
      expectError(() => visionPositions(g), 'POSITION_INVALID', `grid[${i}]`, v);
    }
    const h = expectError(() => mropePositions([{ image: [1, 3, 4] }], Q2), 'POSITION_INVALID', 'segments[0].image[1]', 3);
    expect(h.message).toContain('divisible');
    expectError(() => mropePositions([{ image: [1, 4, 6] }], { model: 'qwen2-vl', spatialMergeSize: 4 }), 'POSITION_INVALID', 'segments[0].image[2]', 6);
    expectError(() => visionPositions([1, 4, 5]), 'POSITION_INVALID', 'grid[2]', 5);
    expectError(() => visionPositions([1, 6, 4], { spatialMergeSize: 4 }), 'POSITION_INVALID', 'grid[1]', 6);
    expectError(() => visionPositions([1, 2]), 'INVALID_TYPE', 'grid', [1, 2]);
  });

  it('secondsPerGrid: negative or not finite (checked on every model, read by qwen2.5-vl)', () => {
    for (const model of MODELS) {
      for (const v of [-1, NaN, Infinity, '1', null]) {
        expectError(() => mropePositions([{ video: [2, 2, 2], secondsPerGrid: v }], { model }), 'POSITION_INVALID', 'segments[0].secondsPerGrid', v);
      }
    }
  });

  it('options: missing, unknown keys, unknown model, bad merge size, tokensPerSecond or rule', () => {
    expectError(() => mropePositions([{ text: 1 }]), 'INVALID_TYPE', 'options', undefined);
    expectError(() => mropePositions([{ text: 1 }], 'qwen2-vl'), 'INVALID_TYPE', 'options', 'qwen2-vl');
    expectError(() => mropePositions([{ text: 1 }], { model: 'qwen2-vl', mergeSize: 2 }), 'UNKNOWN_OPTION', 'options.mergeSize', 2);
    for (const m of ['qwen2_vl', 'Qwen2-VL', 'qwen3.5', undefined, 2]) {
      expectError(() => mropePositions([{ text: 1 }], { model: m }), 'CONFIG_INVALID', 'options.model', m);
    }
    for (const v of [0, -2, 1.5, '2', NaN]) {
      expectError(() => mropePositions([{ text: 1 }], { model: 'qwen2-vl', spatialMergeSize: v }), 'CONFIG_INVALID', 'options.spatialMergeSize', v);
      expectError(() => visionPositions([1, 2, 2], { spatialMergeSize: v }), 'CONFIG_INVALID', 'options.spatialMergeSize', v);
    }
    for (const v of [0, -1, 2.5, '2', null]) {
      expectError(() => mropePositions([{ text: 1 }], { model: 'qwen2.5-vl', tokensPerSecond: v }), 'CONFIG_INVALID', 'options.tokensPerSecond', v);
    }
    for (const v of ['hf-v3', 'v5', 5, null]) {
      expectError(() => mropePositions([{ text: 1 }], { model: 'qwen2-vl', rule: v }), 'CONFIG_INVALID', 'options.rule', v);
    }
    expectError(() => visionPositions([1, 2, 2], { merge: 2 }), 'UNKNOWN_OPTION', 'options.merge', 2);
    expectError(() => visionPositions([1, 2, 2], null), 'INVALID_TYPE', 'options', null);
  });

  it('positions beyond int32 name the segment and the position it would reach', () => {
    // interval 1 * int(2^31) = 2^31 at the second temporal patch of a video starting at 1.
    expectError(() => mropePositions([{ text: 1 }, { video: [2, 2, 2], secondsPerGrid: 2 ** 31 }], { model: 'qwen2.5-vl', tokensPerSecond: 1 }),
      'POSITION_INVALID', 'segments[1]', 2 ** 31 + 1);
    // v4 starts the text at the video's max + 1 = 2^31 - 1; one text token fits, two do not.
    const big = [{ video: [2, 2, 2], secondsPerGrid: 2 ** 31 - 2 }];
    const ok = mropePositions([...big, { text: 1 }], { model: 'qwen2.5-vl', tokensPerSecond: 1, rule: 'hf-v4' });
    expect(streams(ok.positions).t).toEqual([0, 2 ** 31 - 2, 2 ** 31 - 1]);
    expect(ok.nextPosition).toBe(2 ** 31);
    expectError(() => mropePositions([...big, { text: 2 }], { model: 'qwen2.5-vl', tokensPerSecond: 1, rule: 'hf-v4' }),
      'POSITION_INVALID', 'segments[1]', 2 ** 31);
    // Qwen3-VL frames of [1, 4, 4] advance 2 each: 2^30 frames end at 2^31 - 1, one more overflows.
    expectError(() => mropePositions([{ video: [2 ** 30 + 1, 4, 4] }], { model: 'qwen3-vl' }),
      'POSITION_INVALID', 'segments[0]', 2 ** 31 + 1);
  });

  it('outputs too large for one Int32Array', () => {
    expectError(() => mropePositions([{ image: [1, 65536, 65536] }], Q2), 'SIZE_OVERFLOW', 'segments[0]', 2 ** 30);
    expectError(() => visionPositions([1, 65536, 65536]), 'SIZE_OVERFLOW', 'grid', 2 ** 32);
  });
});

// ---- docs/multimodal.md ----

describe('docs/multimodal.md', () => {
  it('the example runs as written and prints what its comments say', () => {
    const root = new URL('../../', import.meta.url);
    const md = readFileSync(new URL('docs/multimodal.md', root), 'utf8');
    const block = md.match(/```js\n([\s\S]*?)```/);
    expect(block).not.toBeNull();
    const code = block[1];
    expect(code).toContain("from 'rope-wasm'");
    // Inside the package directory Node resolves 'rope-wasm' to the package itself (self-reference
    // through package.json "exports"), i.e. dist/index.js.
    const file = fileURLToPath(new URL(`tests/js/.multimodal-example-${process.pid}.mjs`, root));
    writeFileSync(file, code);
    let out;
    try {
      out = execFileSync(process.execPath, [file], { encoding: 'utf8' });
    } finally {
      rmSync(file, { force: true });
    }
    const expected = code.split('\n').filter((l) => l.startsWith('console.log(')).map((l) => l.split('// ')[1].trim());
    expect(expected.length).toBeGreaterThan(0);
    expect(out.trim().split('\n')).toEqual(expected);
  });
});
