import { describe, expect, it } from 'vitest';
import * as rope from 'rope-wasm';
import { applyModelConfig, isWholeConfig, parseModelJson, patchFromRopeConfig, scalingFromForm, wrapRopeScaling } from '../../web/src/model-config.js';
import { normalizeState } from '../../web/src/state.js';
import { methodScaling, scalingParams } from '../../web/src/compute.js';

const S = (p = {}) => normalizeState(p);

describe('the scaling form', () => {
  it('builds each type from factor and trained length', () => {
    expect(scalingFromForm(S(), { type: '', factor: 4, orig: 2048 }).scaling).toBeNull();
    expect(scalingFromForm(S(), { type: 'linear', factor: 4, orig: 2048 }).scaling).toEqual({ type: 'linear', factor: 4 });
    expect(scalingFromForm(S(), { type: 'dynamic', factor: 2, orig: 2048 }).scaling).toEqual({ type: 'dynamic', factor: 2, maxPositionEmbeddings: 2048 });
    expect(scalingFromForm(S(), { type: 'llama3', factor: 8, orig: 8192 }).scaling)
      .toEqual({ type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 });
  });
  it('keeps pasted per-type settings when only the factor changes', () => {
    const s = S({ scaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096, betaFast: 16 } });
    expect(scalingFromForm(s, { type: 'yarn', factor: 8, orig: 4096 }).scaling.betaFast).toBe(16);
  });
  it('refuses longrope without lists, and says why', () => {
    const r = scalingFromForm(S(), { type: 'longrope', factor: 4, orig: 4096 });
    expect(r.scaling).toBeNull();
    expect(r.message).toMatch(/short_factor/);
  });
  it('ignores nonsense numbers', () => {
    const r = scalingFromForm(S(), { type: 'linear', factor: NaN, orig: -5 });
    expect(r.factor).toBe(8);
    expect(r.orig).toBe(4096);
  });
  it('the comparison uses the state scaling where it has the numbers', () => {
    const s = S({ scaling: { type: 'dynamic', factor: 2, maxPositionEmbeddings: 1024 } });
    expect(scalingParams(s)).toEqual({ factor: 2, orig: 1024, len: s.len });
    expect(methodScaling('dynamic', s)).toBe(s.scaling);
    expect(methodScaling('yarn', s)).toEqual({ type: 'yarn', factor: 2, originalMaxPositionEmbeddings: 1024 });
    expect(methodScaling('longrope', s)).toBeNull();
  });
});

describe('pasted JSON', () => {
  it('parses or explains', () => {
    expect(parseModelJson('').error).toMatch(/empty/);
    expect(parseModelJson('[1]').error).toMatch(/not a JSON object/);
    expect(parseModelJson('{x').error).toMatch(/not valid JSON/);
    expect(parseModelJson('{"factor": 2}').json).toEqual({ factor: 2 });
  });
  it('tells a config.json from a rope_scaling dict', () => {
    expect(isWholeConfig({ model_type: 'llama' })).toBe(true);
    expect(isWholeConfig({ rope_type: 'yarn', factor: 4 })).toBe(false);
  });
  it('wraps a rope_scaling dict with the page geometry', () => {
    const c = wrapRopeScaling({ rope_type: 'yarn', factor: 4, original_max_position_embeddings: 1000 }, S({ dim: 128, rot: 64, base: 500000 }));
    expect(c).toMatchObject({ head_dim: 128, rope_theta: 500000, max_position_embeddings: 4000, partial_rotary_factor: 0.5 });
  });
  it('turns a RopeConfig into a state patch', () => {
    const p = patchFromRopeConfig({ headDim: 96, rotaryDim: 96, base: 10000, layout: 'half', scaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 4096 } }, S());
    expect(p).toMatchObject({ dim: 96, rot: 96, factor: 4, orig: 4096, len: 16384, pair: 0 });
    expect(patchFromRopeConfig({ headDim: 64, scaling: null }, S()).scaling).toBeNull();
  });
});

describe('applyModelConfig with the package configFromHF', () => {
  it('reads a Llama 3.1 config.json', () => {
    const r = applyModelConfig({ model_type: 'llama', hidden_size: 4096, num_attention_heads: 32, max_position_embeddings: 131072, rope_theta: 500000,
      rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 } }, S(), rope);
    expect(r.error).toBeUndefined();
    expect(r.patch).toMatchObject({ dim: 128, rot: 128, base: 500000, layout: 'half', orig: 8192, factor: 8, len: 65536 });
    expect(r.patch.scaling.type).toBe('llama3');
  });
  it('reads a bare rope_scaling dict with the page geometry', () => {
    const r = applyModelConfig({ rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32768 }, S({ layout: 'interleaved' }), rope);
    expect(r.error).toBeUndefined();
    expect(r.patch.scaling).toMatchObject({ type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 32768 });
    expect(r.patch.layout).toBe('interleaved');
  });
  it('reports what configFromHF rejects', () => {
    const r = applyModelConfig({ rope_type: 'nonsense', factor: 4 }, S(), rope);
    expect(r.error).toMatch(/CONFIG_INVALID|SCALING_INVALID/);
  });
  it('says so when the package has no configFromHF', () => {
    expect(applyModelConfig({}, S(), {}).error).toMatch(/no configFromHF/);
  });
});
