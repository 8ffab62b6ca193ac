// The multimodal and model sections' own logic: state fields, the prompt, layer plans,
// configFromHF per layer type, and the Worker's numbers against float64 (the real package).
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRope } from 'rope-wasm';
import { normalizeState, queryToState, stateToQuery, DEFAULTS } from '../../web/src/state.js';
import { layerPlan, model, mrope, promptSegments, readConfig, textPart, vision } from '../../web/src/multimodal.js';
import { MODEL_CONFIGS, modelConfig } from '../../web/src/configs/index.js';
import { tokenVector } from '../../web/src/math.js';

let lib;
beforeAll(async () => { lib = await loadRope(); });

describe('state of the new sections', () => {
  it('grids are multiples of the merge size, patches inside the grid', () => {
    const s = normalizeState({ ih: 13, iw: 1, merge: 2, qr: 99, qc: -3, vgh: 40, vr: 50 });
    expect([s.ih, s.iw]).toEqual([12, 2]);
    expect([s.qr, s.qc]).toEqual([5, 0]);
    expect(s.vgh).toBe(32);
    expect(s.vr).toBe(31);
    expect(normalizeState({ mm: 'gpt-4v', vhd: 64, model: '../x' })).toMatchObject({ mm: 'qwen2-vl', vhd: 80, model: 'llama-3.1-8b' });
  });
  it('round-trips through the URL, a pasted config included', () => {
    const cfg = JSON.stringify({ model_type: 'llama', head_dim: 64 });
    const s = normalizeState({ mm: 'qwen3-vl', ih: 20, merge: 1, qr: 7, vhd: 72, cfg, mlen: 8192 });
    expect(queryToState(stateToQuery(s))).toEqual(s);
    expect(stateToQuery(DEFAULTS)).toBe('');
  });
});

describe('prompt and positions', () => {
  it('builds the segments of the form, video optional', () => {
    expect(promptSegments(normalizeState({}))).toEqual([{ text: 4 }, { image: [1, 12, 16] }, { text: 2 }, { video: [2, 8, 8] }, { text: 3 }]);
    expect(promptSegments(normalizeState({ vt: 0, mm: 'qwen2.5-vl' }))).toEqual([{ text: 4 }, { image: [1, 12, 16] }, { text: 2 }, { text: 3 }]);
    expect(promptSegments(normalizeState({ mm: 'qwen2.5-vl' }))[3]).toEqual({ video: [2, 8, 8], secondsPerGrid: 1 });
  });
  it('positions follow the HF rule: text after an image jumps by max(h, w)/merge', () => {
    const d = mrope(lib, normalizeState({ vt: 0, mid: 1, post: 0 }));
    expect(d.T).toBe(4 + 48 + 1);
    const img = d.tokens.filter((t) => t.kind === 'image');
    expect(img.every((t) => t.t === 4 && t.h === 4 + t.r && t.w === 4 + t.c)).toBe(true);
    expect(d.tokens.at(-1)).toMatchObject({ kind: 'text', t: 12, h: 12, w: 12 });
    expect(d.jump).toEqual({ imageStart: 4, imageTokens: 48, nextText: 12, byMax: 8 });
    expect(d.ropeDelta).toBe(13 - 53);
  });
  it('pair streams as Hugging Face assigns them', () => {
    const d = mrope(lib, normalizeState({}));
    expect(d.strips.chunked.streams).toEqual([...Array(16).fill(0), ...Array(24).fill(1), ...Array(24).fill(2)]);
    expect(d.strips.interleaved.streams).toEqual(Array.from({ length: 64 }, (_, i) => (i % 3 === 1 && i < 60 ? 1 : i % 3 === 2 && i < 60 ? 2 : 0)));
  });
  it('the M-RoPE score is a function of the 2-D offset; 1-D of the flattened distance', () => {
    const a = mrope(lib, normalizeState({ qr: 1, qc: 1 }));
    const b = mrope(lib, normalizeState({ qr: 3, qc: 4 }));
    const at = (d, dh, dw) => d.cells.find((c) => c.dh === dh && c.dw === dw);
    for (const [dh, dw] of [[0, 1], [1, 0], [2, 3], [-1, 2]]) {
      expect(Math.abs(at(a, dh, dw).score2d - at(b, dh, dw).score2d)).toBeLessThan(2e-6);
    }
    // 1-D: the patch below is as far as w' = 8 tokens to the right would be: a different score than M-RoPE's.
    expect(at(a, 1, 0).flat).toBe(8);
    expect(Math.abs(at(a, 1, 0).score1d - at(a, 1, 0).score2d)).toBeGreaterThan(1e-3);
  });
});

describe('vision tower', () => {
  it('separable and shift-invariant to float32 rounding, and the float64 value at an offset', () => {
    const s = normalizeState({ vgh: 6, vgw: 8, vr: 1, vc: 2, seed: 3 });
    const d = vision(lib, s);
    expect(d.sepResidual).toBeLessThan(1e-5);
    expect(d.shiftResidual).toBeLessThan(1e-5);
    expect(d.pairs).toBe(48 * 48);
    const q = Array.from(tokenVector('vision', 'q', 3, 80));
    const k = Array.from(tokenVector('vision', 'k', 3, 80));
    const rot = (x, h, w) => {
      const y = [...x];
      for (let i = 0; i < 40; i++) {
        const t = (i < 20 ? h : w) * Math.pow(10000, (-2 * (i % 20)) / 40);
        y[i] = x[i] * Math.cos(t) - x[i + 40] * Math.sin(t);
        y[i + 40] = x[i] * Math.sin(t) + x[i + 40] * Math.cos(t);
      }
      return y;
    };
    const o = d.offsets.find((x) => x.dh === 3 && x.dw === -5);
    const ref = rot(q, 1, 2).reduce((acc, v, i) => acc + v * rot(k, 4, -3)[i], 0) / Math.sqrt(80);
    expect(Math.abs(o.score - ref)).toBeLessThan(2e-5);
  });
});

describe('your model', () => {
  it('ships real configs, each with its repository', () => {
    expect(MODEL_CONFIGS.length).toBe(11);
    for (const m of MODEL_CONFIGS) {
      expect(m.repo).toMatch(/^[\w.-]+\/[\w.-]+$/);
      const t = textPart(m.json);
      expect(Number.isInteger(t.num_hidden_layers)).toBe(true);
    }
  });
  it('layer plans: Gemma 3 by sliding_window_pattern, gpt-oss by layer_types, Llama 4 NoPE every 4th', () => {
    const g = layerPlan(modelConfig('gemma-3-1b').json);
    expect(g.types.filter((t) => t === 'full_attention').length).toBe(4);
    expect(g.types[5]).toBe('full_attention');
    const o = layerPlan(modelConfig('gpt-oss-20b').json);
    expect(o.types.slice(0, 2)).toEqual(['sliding_attention', 'full_attention']);
    const l4 = layerPlan(modelConfig('llama-4-scout').json);
    expect(l4.rope.filter((r) => !r).length).toBe(12);
    expect(l4.rope[3]).toBe(false);
    expect(layerPlan({ num_hidden_layers: 4, no_rope_layers: [1, 0, 1, 1] }).rope).toEqual([true, false, true, true]);
  });
  it('configFromHF once, or per layer type when the config has a RoPE per type; refusals kept', () => {
    expect(readConfig(modelConfig('llama-3.1-8b').json).reads).toMatchObject([{ layerType: null, config: { headDim: 128, base: 500000 } }]);
    const g = readConfig(modelConfig('gemma-3-1b').json).reads;
    expect(g.map((r) => [r.layerType, r.config.base])).toEqual([['sliding_attention', 10000], ['full_attention', 1000000]]);
    for (const m of MODEL_CONFIGS) {
      for (const r of readConfig(m.json).reads) {
        if (r.error) expect(r.error.code).toMatch(/^[A-Z_]+$/);
        else expect(r.config.headDim).toBeGreaterThan(0);
      }
    }
  });
  it('pairs meeting unseen angles: none at the trained length, some past it', () => {
    const at = (mlen) => model(lib, normalizeState({ model: 'llama-3.1-8b', mlen })).results[0].unseen;
    expect(at(8192)).toBe(0);
    expect(at(131072)).toBeGreaterThan(0);
    const pasted = model(lib, normalizeState({ cfg: JSON.stringify({ model_type: 'qwen2', hidden_size: 896, num_attention_heads: 14, num_hidden_layers: 24, max_position_embeddings: 32768, rope_theta: 1e6 }) }));
    expect(pasted.source.name).toBe('pasted config.json');
    expect(pasted.results[0].config.headDim).toBe(64);
  });
});
