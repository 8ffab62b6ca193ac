// configFromHF and configFromGGUF: key mapping, layouts, defaults and errors.
//
// HF semantics: transformers' modeling_rope_utils.py (4.56/4.57, and the 5.x
// `rope_parameters` form). GGUF keys and rope modes: llama.cpp (gguf-py constants
// `{arch}.rope.*`, `llama_model_rope_type()`: NORM = consecutive pairs, NEOX = halves).
// The GGUF files are written by this test with its own minimal GGUF v3 writer.
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { RopeError, configFromGGUF, configFromHF, loadRope } from '../../dist/index.js';

function errorOf(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

async function asyncErrorOf(fn) {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

function expectConfigError(err, argument) {
  expect(err).toBeInstanceOf(RopeError);
  expect(err.code).toBe('CONFIG_INVALID');
  expect(err.argument).toBe(argument);
}

// deepseek-ai/DeepSeek-V2-Lite config.json (RoPE keys).
const DEEPSEEK_V2_LITE = {
  model_type: 'deepseek_v2', hidden_size: 2048, num_attention_heads: 16, qk_nope_head_dim: 128, qk_rope_head_dim: 64,
  max_position_embeddings: 163840, rope_theta: 10000,
  rope_scaling: { beta_fast: 32, beta_slow: 1, factor: 40, mscale: 0.707, mscale_all_dim: 0.707, original_max_position_embeddings: 4096, type: 'yarn' },
};
const DEEPSEEK_V2_LITE_ROPE = {
  headDim: 64, rotaryDim: 64, base: 10000, layout: 'interleaved', numHeads: 16, numKvHeads: 16,
  scaling: { type: 'yarn', factor: 40, originalMaxPositionEmbeddings: 4096, betaFast: 32, betaSlow: 1, mscale: 0.707, mscaleAllDim: 0.707 },
};

describe('configFromHF', () => {
  it('maps the 4.x rope_scaling form', () => {
    expect(configFromHF(DEEPSEEK_V2_LITE)).toEqual(DEEPSEEK_V2_LITE_ROPE);
    // meta-llama/Llama-3.1-8B
    expect(configFromHF({
      model_type: 'llama', hidden_size: 4096, num_attention_heads: 32, max_position_embeddings: 131072, rope_theta: 500000.0,
      rope_scaling: { factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192, rope_type: 'llama3' },
    })).toEqual({
      headDim: 128, rotaryDim: 128, base: 500000, layout: 'half', numHeads: 32, numKvHeads: 32,
      scaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 },
    });
  });

  it('maps the 5.x rope_parameters form (as transformers 5.7 saves DeepSeek-V2-Lite)', () => {
    const v5 = { ...DEEPSEEK_V2_LITE };
    delete v5.rope_scaling;
    delete v5.rope_theta;
    v5.rope_parameters = { beta_fast: 32, beta_slow: 1, factor: 40, mscale: 0.707, mscale_all_dim: 0.707,
      original_max_position_embeddings: 4096, rope_theta: 10000, rope_type: 'yarn', type: 'yarn' };
    expect(configFromHF(v5)).toEqual(DEEPSEEK_V2_LITE_ROPE);
    // Both forms present and agreeing is fine; disagreeing names the key.
    expect(configFromHF({ ...v5, rope_scaling: DEEPSEEK_V2_LITE.rope_scaling })).toEqual(DEEPSEEK_V2_LITE_ROPE);
    expectConfigError(errorOf(() => configFromHF({ ...v5, rope_scaling: { ...DEEPSEEK_V2_LITE.rope_scaling, factor: 4 } })), 'rope_scaling.factor');
  });

  it('picks one set of a per-layer-type rope_parameters', () => {
    const c = {
      model_type: 'gemma3_text', hidden_size: 640, head_dim: 256, num_attention_heads: 4, num_key_value_heads: 1, max_position_embeddings: 32768,
      rope_parameters: {
        full_attention: { rope_type: 'linear', factor: 8.0, rope_theta: 1000000.0 },
        sliding_attention: { rope_type: 'default', rope_theta: 10000.0 },
      },
    };
    expect(configFromHF(c, { layerType: 'full_attention' })).toEqual({ headDim: 256, rotaryDim: 256, base: 1e6, layout: 'half', scaling: { type: 'linear', factor: 8 }, numHeads: 4, numKvHeads: 1 });
    expect(configFromHF(c, { layerType: 'sliding_attention' })).toEqual({ headDim: 256, rotaryDim: 256, base: 10000, layout: 'half', scaling: null, numHeads: 4, numKvHeads: 1 });
    expectConfigError(errorOf(() => configFromHF(c)), 'options.layerType');
    expectConfigError(errorOf(() => configFromHF(c, { layerType: 'global' })), 'options.layerType');
    // The same on a model family configFromHF has no rules for: the dict's own keys.
    const other = { ...c, model_type: 'llama', rope_parameters: { global: c.rope_parameters.full_attention, local: c.rope_parameters.sliding_attention } };
    expect(configFromHF(other, { layerType: 'local' }).base).toBe(10000);
    expectConfigError(errorOf(() => configFromHF(other)), 'options.layerType');
    expectConfigError(errorOf(() => configFromHF(other, { layerType: 'full_attention' })), 'options.layerType');
    // options.layerIndex maps through layer_types, which it then needs.
    expectConfigError(errorOf(() => configFromHF(other, { layerIndex: 0 })), 'options.layerIndex');
    expect(configFromHF({ ...other, layer_types: ['local', 'global'] }, { layerIndex: 1 }).base).toBe(1e6);
    expect(configFromHF({ ...other, layer_types: ['local', 'global'] }, { layerIndex: 0 }).base).toBe(10000);
    expectConfigError(errorOf(() => configFromHF({ ...other, layer_types: ['local', 'global'] }, { layerIndex: 2 })), 'options.layerIndex');
  });

  it('Gemma 3 in the 4.x form: rope_local_base_freq is the sliding layers\' RoPE, so the layer type must be picked', () => {
    // google/gemma-3-1b-it config.json (transformers 4.x): rope_theta 1e6 with linear 8 for
    // global layers; sliding-window layers use rope_local_base_freq 10000 and no scaling.
    const c = {
      model_type: 'gemma3_text', hidden_size: 1152, head_dim: 256, num_attention_heads: 4, max_position_embeddings: 32768,
      rope_theta: 1000000.0, rope_local_base_freq: 10000.0, rope_scaling: { rope_type: 'linear', factor: 8.0 },
    };
    // num_key_value_heads: the Gemma3TextConfig default 4 (configuration_gemma3.py).
    expect(configFromHF(c, { layerType: 'full_attention' })).toEqual({ headDim: 256, rotaryDim: 256, base: 1e6, layout: 'half', scaling: { type: 'linear', factor: 8 }, numHeads: 4, numKvHeads: 4 });
    expect(configFromHF(c, { layerType: 'sliding_attention' })).toEqual({ headDim: 256, rotaryDim: 256, base: 10000, layout: 'half', scaling: null, numHeads: 4, numKvHeads: 4 });
    const err = errorOf(() => configFromHF(c));
    expectConfigError(err, 'options.layerType');
    expect(err.message).toContain('rope_local_base_freq');
    expectConfigError(errorOf(() => configFromHF(c, { layerType: 'local' })), 'options.layerType');
    // The same keys without a model_type (layout given): the same two RoPEs.
    const { model_type: _m, ...anon } = c;
    expect(configFromHF(anon, { layerType: 'sliding_attention', layout: 'half' })).toEqual({ headDim: 256, rotaryDim: 256, base: 10000, layout: 'half', scaling: null, numHeads: 4, numKvHeads: 4 });
    expect(configFromHF(anon, { layerType: 'full_attention', layout: 'half' }).scaling).toEqual({ type: 'linear', factor: 8 });
    // A layer type for a config with one RoPE for every layer is a mistake, not ignored.
    const single = { model_type: 'llama', hidden_size: 4096, num_attention_heads: 32 };
    expectConfigError(errorOf(() => configFromHF(single, { layerType: 'sliding_attention' })), 'options.layerType');
  });

  it('reads older key names: type, su, rotary_emb_base, n_embd/n_head, n_positions', () => {
    const phi3Small = (type) => ({
      model_type: 'phi3', hidden_size: 256, num_attention_heads: 4, max_position_embeddings: 131072, original_max_position_embeddings: 4096,
      rope_scaling: { type, short_factor: Array(32).fill(1), long_factor: Array(32).fill(2) },
    });
    const su = configFromHF(phi3Small('su'));
    expect(su.scaling.type).toBe('longrope');
    expect(su).toEqual(configFromHF(phi3Small('longrope')));
    expect(su.scaling.originalMaxPositionEmbeddings).toBe(4096);
    expect(su.scaling.maxPositionEmbeddings).toBe(131072);
    // EleutherAI/pythia-160m
    expect(configFromHF({ model_type: 'gpt_neox', hidden_size: 768, num_attention_heads: 12, rotary_pct: 0.25, rotary_emb_base: 10000 }))
      .toEqual({ headDim: 64, rotaryDim: 16, base: 10000, layout: 'half', scaling: null, numHeads: 12, numKvHeads: 12 });
    // EleutherAI/gpt-j-6b
    expect(configFromHF({ model_type: 'gptj', n_embd: 4096, n_head: 16, rotary_dim: 64, n_positions: 2048 }))
      .toEqual({ headDim: 256, rotaryDim: 64, base: 10000, layout: 'interleaved', scaling: null, numHeads: 16, numKvHeads: 16 });
    // rope_type and type agreeing.
    expect(configFromHF({ ...DEEPSEEK_V2_LITE, rope_scaling: { ...DEEPSEEK_V2_LITE.rope_scaling, rope_type: 'yarn' } })).toEqual(DEEPSEEK_V2_LITE_ROPE);
  });

  it('truncates head_dim * partial_rotary_factor like int() (microsoft/phi-2)', () => {
    expect(configFromHF({ model_type: 'phi', hidden_size: 2560, num_attention_heads: 32, partial_rotary_factor: 0.4, rope_theta: 10000.0 }))
      .toEqual({ headDim: 80, rotaryDim: 32, base: 10000, layout: 'half', scaling: null, numHeads: 32, numKvHeads: 32 });
    // 5.x keeps partial_rotary_factor in rope_parameters.
    expect(configFromHF({ model_type: 'phi', hidden_size: 2560, num_attention_heads: 32, rope_parameters: { rope_type: 'default', rope_theta: 10000.0, partial_rotary_factor: 0.4 } }).rotaryDim)
      .toBe(32);
  });

  it('follows Hugging Face edge cases for yarn keys', () => {
    const base = { model_type: 'qwen2', hidden_size: 3584, num_attention_heads: 28, max_position_embeddings: 32768, rope_theta: 1000000.0 };
    // original_max_position_embeddings absent: max_position_embeddings.
    expect(configFromHF({ ...base, rope_scaling: { type: 'yarn', factor: 4.0 } }).scaling).toEqual({ type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 32768 });
    // beta 0 / null mean the default (`or 32`); truncate null is falsy.
    expect(configFromHF({ ...base, rope_scaling: { type: 'yarn', factor: 4.0, beta_fast: 0, beta_slow: null, truncate: null } }).scaling)
      .toEqual({ type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 32768, truncate: false });
    // A bad value surfaces with the config.json key name.
    expectConfigError(errorOf(() => configFromHF({ ...base, rope_scaling: { type: 'yarn', factor: 4.0, beta_fast: 0.5 } })), 'rope_scaling.beta_fast');
    expectConfigError(errorOf(() => configFromHF({ ...base, rope_scaling: { type: 'yarn', factor: 4.0, truncate: 'yes' } })), 'rope_scaling.truncate');
  });

  it('derives the layout from model_type, overridable', () => {
    const llama = { model_type: 'llama', hidden_size: 4096, num_attention_heads: 32 };
    expect(configFromHF(llama).layout).toBe('half');
    expect(configFromHF(llama, { layout: 'interleaved' }).layout).toBe('interleaved');
    expect(configFromHF({ ...DEEPSEEK_V2_LITE, model_type: 'deepseek_v3', rope_interleave: false }).layout).toBe('half');
    expect(configFromHF({ ...DEEPSEEK_V2_LITE, model_type: 'deepseek_v3' }).layout).toBe('interleaved');
    expectConfigError(errorOf(() => configFromHF({ hidden_size: 4096, num_attention_heads: 32 })), 'model_type');
    expect(configFromHF({ hidden_size: 4096, num_attention_heads: 32 }, { layout: 'half' }).headDim).toBe(128);
    expectConfigError(errorOf(() => configFromHF({ ...llama, model_type: 'mamba2' })), 'model_type');
    expect(errorOf(() => configFromHF(llama, { layout: 'neox' })).code).toBe('LAYOUT_INVALID');
    expect(errorOf(() => configFromHF(llama, { layuot: 'half' })).code).toBe('UNKNOWN_OPTION');
  });

  it('uses text_config of a multimodal config', () => {
    expect(configFromHF({ model_type: 'llava', text_config: { model_type: 'llama', hidden_size: 4096, num_attention_heads: 32, rope_theta: 500000 } }))
      .toEqual({ headDim: 128, rotaryDim: 128, base: 500000, layout: 'half', scaling: null, numHeads: 32, numKvHeads: 32 });
  });

  const contradictions = [
    ['rope_type vs type', { rope_scaling: { rope_type: 'yarn', type: 'linear', factor: 2 } }, 'rope_scaling.type'],
    ['unknown type', { rope_scaling: { type: 'ntk-by-parts', factor: 2 } }, 'rope_scaling.type'],
    ['multimodal mrope', { rope_scaling: { type: 'mrope', mrope_section: [16, 24, 24] } }, 'rope_scaling.type'],
    ['unknown key', { rope_scaling: { type: 'linear', factor: 2, low_freq_factor: 1 } }, 'rope_scaling.low_freq_factor'],
    ['missing factor', { rope_scaling: { type: 'linear' } }, 'rope_scaling.factor'],
    ['factor not a number', { rope_scaling: { type: 'linear', factor: '2' } }, 'rope_scaling.factor'],
    ['rope_theta vs rotary_emb_base', { rope_theta: 10000, rotary_emb_base: 500000 }, 'rotary_emb_base'],
    ['rotary_dim vs partial_rotary_factor', { rotary_dim: 64, partial_rotary_factor: 0.25 }, 'rotary_dim'],
    ['odd rotary dims', { partial_rotary_factor: 0.2 }, 'partial_rotary_factor'],
    ['head_dim vs qk_rope_head_dim', { head_dim: 128, qk_rope_head_dim: 64 }, 'head_dim'],
    ['hidden_size not a multiple of heads', { hidden_size: 4095 }, 'hidden_size'],
    ['hidden_size vs n_embd', { n_embd: 2048 }, 'n_embd'],
    ['rope_scaling not an object', { rope_scaling: 'linear' }, 'rope_scaling'],
    ['dynamic without max_position_embeddings', { rope_scaling: { type: 'dynamic', factor: 2 } }, 'max_position_embeddings'],
    ['llama3 missing key', { rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, original_max_position_embeddings: 8192 } }, 'rope_scaling.high_freq_factor'],
    ['yarn original vs top-level', { max_position_embeddings: 4096, original_max_position_embeddings: 2048, rope_scaling: { type: 'yarn', factor: 2 } }, 'original_max_position_embeddings'],
    ['longrope factor vs ratio', { max_position_embeddings: 131072, original_max_position_embeddings: 4096,
      rope_scaling: { type: 'longrope', factor: 8, short_factor: Array(64).fill(1), long_factor: Array(64).fill(1) } }, 'rope_scaling.factor'],
    ['longrope list length', { max_position_embeddings: 131072, original_max_position_embeddings: 4096,
      rope_scaling: { type: 'longrope', short_factor: Array(63).fill(1), long_factor: Array(64).fill(1) } }, 'rope_scaling.short_factor'],
  ];
  for (const [label, extra, argument] of contradictions) {
    it(`rejects ${label}, naming ${argument}`, () => {
      const c = { model_type: 'llama', hidden_size: 4096, num_attention_heads: 32, ...extra };
      const err = errorOf(() => configFromHF(c));
      expectConfigError(err, argument);
      expect(err.message).toContain(argument);
    });
  }

  it('blames rope_type, listing the types, when it is misspelt, missing or null (not the first key of a key-sorted config.json)', () => {
    // As json.dumps(sort_keys=True) writes it: factor comes before rope_type.
    const sorted = (rope_scaling) => ({
      hidden_size: 4096, max_position_embeddings: 32768, model_type: 'qwen2', num_attention_heads: 32, rope_scaling, rope_theta: 1e6,
    });
    const types = '"default", "linear", "dynamic", "yarn", "llama3", "longrope", "su", "proportional", "mrope"';
    const cases = [
      // [rope_scaling, argument, value, message fragments]
      [{ factor: 4, original_max_position_embeddings: 4096, rope_type: 'yarnn' }, 'rope_scaling.rope_type', 'yarnn', [types, 'got "yarnn"']],
      // The misspelt spelling is blamed, not the other one it then contradicts.
      [{ factor: 4, original_max_position_embeddings: 4096, rope_type: 'yarnn', type: 'yarn' }, 'rope_scaling.rope_type', 'yarnn', [types]],
      [{ factor: 4, original_max_position_embeddings: 4096, rope_type: 'yarn', type: 'yarnn' }, 'rope_scaling.type', 'yarnn', [types]],
      // A misspelt key: the type is missing, and the stray key is named as the likely typo.
      [{ factor: 4, original_max_position_embeddings: 4096, rope_tpye: 'yarn' }, 'rope_scaling.rope_type', undefined,
        ['is missing', 'factor, original_max_position_embeddings', types, 'rope_scaling.rope_tpye ("yarn") is not a key of any type: a misspelt rope_type?']],
      [{ factor: 4, original_max_position_embeddings: 4096 }, 'rope_scaling.rope_type', undefined, ['is missing', types]],
      [{ factor: 4, rope_type: null }, 'rope_scaling.rope_type', null, ['is null', types]],
      [{ factor: 4, type: null }, 'rope_scaling.type', null, ['is null', 'give type', types]],
    ];
    for (const [rope_scaling, argument, value, fragments] of cases) {
      const err = errorOf(() => configFromHF(sorted(rope_scaling)));
      expectConfigError(err, argument);
      expect(err.value).toBe(value);
      for (const f of fragments) expect(err.message).toContain(f);
    }
    // transformers 5.x rope_parameters, and both forms at once: the misspelt dict is named.
    const v5 = { head_dim: 128, model_type: 'qwen3', rope_parameters: { factor: 4, original_max_position_embeddings: 4096, rope_theta: 1e6, rope_type: 'yarnn' } };
    expectConfigError(errorOf(() => configFromHF(v5)), 'rope_parameters.rope_type');
    const both = { ...v5, rope_scaling: { factor: 4, original_max_position_embeddings: 4096, rope_type: 'yarn' } };
    expectConfigError(errorOf(() => configFromHF(both)), 'rope_parameters.rope_type');
    // A dict without scaling keys is still no scaling.
    expect(configFromHF(sorted({})).scaling).toBe(null);
    expect(configFromHF({ head_dim: 128, model_type: 'qwen3', rope_parameters: { rope_theta: 1e6 } }).scaling).toBe(null);
  });

  it('rejects what is not a config', () => {
    expectConfigError(errorOf(() => configFromHF('{"model_type":"llama"}')), 'config');
    expectConfigError(errorOf(() => configFromHF({ model_type: 'llama' })), 'num_attention_heads');
  });
});

// ---------------------------------------------------------------- GGUF

// A minimal GGUF v3 writer (little-endian): header, key/value pairs, tensor directory,
// alignment padding and the tensor bytes. Values: ['u32' | 'f32' | 'u64' | 'str' | 'bool'
// | 'f32[]' | 'u32[]', value].
const T = { u32: 4, i32: 5, f32: 6, bool: 7, str: 8, arr: 9, u64: 10 };

function writeGGUF(kv, tensors = []) {
  const bytes = [];
  const u8 = (v) => bytes.push(v & 255);
  const u32 = (v) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v, true); bytes.push(...b); };
  const u64 = (v) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(v), true); bytes.push(...b); };
  const f32 = (v) => { const b = new Uint8Array(4); new DataView(b.buffer).setFloat32(0, v, true); bytes.push(...b); };
  const str = (s) => { const b = new TextEncoder().encode(s); u64(b.length); bytes.push(...b); };
  for (const ch of 'GGUF') u8(ch.charCodeAt(0));
  u32(3);
  u64(tensors.length);
  u64(Object.keys(kv).length);
  for (const [key, [type, value]] of Object.entries(kv)) {
    str(key);
    if (type === 'u32') { u32(T.u32); u32(value); }
    else if (type === 'u64') { u32(T.u64); u64(value); }
    else if (type === 'f32') { u32(T.f32); f32(value); }
    else if (type === 'bool') { u32(T.bool); u8(value ? 1 : 0); }
    else if (type === 'str') { u32(T.str); str(value); }
    else if (type === 'f32[]') { u32(T.arr); u32(T.f32); u64(value.length); value.forEach(f32); }
    else if (type === 'u32[]') { u32(T.arr); u32(T.u32); u64(value.length); value.forEach(u32); }
    else throw new Error(type);
  }
  let offset = 0;
  for (const t of tensors) {
    str(t.name);
    u32(1);
    u64(t.data.length);
    u32(0); // GGML_TYPE_F32
    u64(offset);
    offset += 4 * t.data.length;
  }
  while (bytes.length % 32 !== 0) u8(0);
  for (const t of tensors) t.data.forEach(f32);
  return new Uint8Array(bytes).buffer;
}

// Qwen/Qwen2.5-7B-Instruct as llama.cpp's converter writes it (qwen2 arch, NEOX), with the
// model card's yarn block: factor 4, original context 32768.
const QWEN_GGUF = {
  'general.architecture': ['str', 'qwen2'],
  'qwen2.context_length': ['u32', 32768],
  'qwen2.embedding_length': ['u32', 3584],
  'qwen2.attention.head_count': ['u32', 28],
  'qwen2.attention.head_count_kv': ['u32', 4],
  'qwen2.rope.freq_base': ['f32', 1000000],
  'qwen2.rope.scaling.type': ['str', 'yarn'],
  'qwen2.rope.scaling.factor': ['f32', 4],
  'qwen2.rope.scaling.original_context_length': ['u32', 32768],
};
const QWEN_HF = {
  model_type: 'qwen2', hidden_size: 3584, num_attention_heads: 28, num_key_value_heads: 4, max_position_embeddings: 32768, rope_theta: 1000000.0,
  rope_scaling: { factor: 4.0, original_max_position_embeddings: 32768, type: 'yarn' },
};

describe('configFromGGUF', () => {
  let lib;
  beforeAll(async () => {
    lib = await loadRope({ simd: false });
  });

  it('maps qwen2 + yarn to the same rope as configFromHF', async () => {
    const cfg = await configFromGGUF(writeGGUF(QWEN_GGUF));
    expect(cfg).toEqual({ headDim: 128, rotaryDim: 128, base: 1e6, layout: 'half', scaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 32768 }, numHeads: 28, numKvHeads: 4 });
    expect(cfg).toEqual(configFromHF(QWEN_HF));
    const a = lib.createRope(cfg);
    const b = lib.createRope(configFromHF(QWEN_HF));
    try {
      expect(Array.from(a.invFreq)).toEqual(Array.from(b.invFreq));
      expect(a.attentionFactor).toBe(b.attentionFactor);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('reads an ArrayBuffer, a typed array, a Blob and a URL (through options.fetch)', async () => {
    const buf = writeGGUF(QWEN_GGUF);
    const want = await configFromGGUF(buf);
    expect(await configFromGGUF(new Uint8Array(buf))).toEqual(want);
    expect(await configFromGGUF(new Blob([buf]))).toEqual(want);
    const requested = [];
    const fetch = async (url, init) => {
      requested.push([String(url), init.headers.Range]);
      const [, a, b] = /bytes=(\d+)-(\d+)/.exec(init.headers.Range);
      const end = Math.min(Number(b), buf.byteLength - 1);
      return new Response(buf.slice(Number(a), end + 1), { status: 206, headers: { 'content-range': `bytes ${a}-${end}/${buf.byteLength}` } });
    };
    expect(await configFromGGUF('https://example.invalid/qwen.gguf', { fetch })).toEqual(want);
    // Only the header range was asked for: metadata, never tensor data beyond it.
    expect(requested).toEqual([['https://example.invalid/qwen.gguf', 'bytes=0-1999999']]);
  });

  it('a local path or file: URL in Node says to pass a Blob (fs.openAsBlob), which then reads the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rope-gguf-'));
    const path = join(dir, 'qwen.gguf');
    try {
      await writeFile(path, new Uint8Array(writeGGUF(QWEN_GGUF)));
      for (const source of [path, './models/qwen.gguf', pathToFileURL(path).href, pathToFileURL(path)]) {
        const err = await asyncErrorOf(() => configFromGGUF(source));
        expectConfigError(err, 'source');
        expect(err.value).toBe(String(source));
        expect(err.message).toContain(`source is not an http(s) URL, got ${JSON.stringify(String(source))}`);
        expect(err.message).toContain('pass a Blob, e.g. configFromGGUF(await fs.openAsBlob(path))');
        // Not the parser's advice: rope-wasm has no such option.
        expect(err.message).not.toContain('allowLocalFile');
      }
      // What the message says works.
      expect(await configFromGGUF(await openAsBlob(path))).toEqual(configFromHF(QWEN_HF));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // http(s) URLs are still fetched, whatever the case of the scheme.
    const requested = [];
    const fetch = async (url) => {
      requested.push(String(url));
      return new Response('', { status: 404 });
    };
    const err = await asyncErrorOf(() => configFromGGUF('HTTPS://example.invalid/qwen.gguf', { fetch }));
    expectConfigError(err, 'source');
    expect(requested).toEqual(['https://example.invalid/qwen.gguf']);
  });

  it('maps llama (NORM) to interleaved, with key_length, dimension_count and linear scaling', async () => {
    const cfg = await configFromGGUF(writeGGUF({
      'general.architecture': ['str', 'llama'],
      'llama.embedding_length': ['u32', 4096],
      'llama.attention.head_count': ['u32', 32],
      'llama.attention.key_length': ['u32', 128],
      'llama.rope.dimension_count': ['u32', 128],
      'llama.rope.freq_base': ['f32', 10000],
      'llama.rope.scaling.type': ['str', 'linear'],
      'llama.rope.scaling.factor': ['f32', 4],
    }));
    expect(cfg).toEqual({ headDim: 128, rotaryDim: 128, base: 10000, layout: 'interleaved', scaling: { type: 'linear', factor: 4 }, numHeads: 32, numKvHeads: 32 });
  });

  it('reads the old scale_linear key and treats no scaling keys as none', async () => {
    const base = { 'general.architecture': ['str', 'phi2'], 'phi2.embedding_length': ['u32', 2560], 'phi2.attention.head_count': ['u32', 32], 'phi2.rope.dimension_count': ['u32', 32] };
    expect(await configFromGGUF(writeGGUF(base))).toEqual({ headDim: 80, rotaryDim: 32, base: 10000, layout: 'half', scaling: null, numHeads: 32, numKvHeads: 32 });
    expect((await configFromGGUF(writeGGUF({ ...base, 'phi2.rope.scale_linear': ['f32', 2] }))).scaling).toEqual({ type: 'linear', factor: 2 });
    expect((await configFromGGUF(writeGGUF({ ...base, 'phi2.rope.scaling.type': ['str', 'none'] }))).scaling).toBe(null);
  });

  it('maps yarn betas, attention factor and DeepSeek-V2 log multiplier', async () => {
    // deepseek-ai/DeepSeek-V2-Lite as converted: key_length 192 = 128 + 64, rope on 64,
    // yarn_log_multiplier = 0.1 * mscale_all_dim.
    const ds = await configFromGGUF(writeGGUF({
      'general.architecture': ['str', 'deepseek2'],
      'deepseek2.embedding_length': ['u32', 2048],
      'deepseek2.attention.head_count': ['u32', 16],
      'deepseek2.attention.key_length': ['u32', 192],
      'deepseek2.rope.dimension_count': ['u32', 64],
      'deepseek2.rope.freq_base': ['f32', 10000],
      'deepseek2.rope.scaling.type': ['str', 'yarn'],
      'deepseek2.rope.scaling.factor': ['f32', 40],
      'deepseek2.rope.scaling.original_context_length': ['u32', 4096],
      'deepseek2.rope.scaling.yarn_log_multiplier': ['f32', 0.0707],
    }));
    expect(ds.headDim).toBe(64);
    expect(ds.layout).toBe('interleaved');
    expect(ds.scaling.mscale).toBeCloseTo(0.707, 6);
    expect(ds.scaling.mscaleAllDim).toBe(ds.scaling.mscale);
    const a = lib.createRope(ds);
    const b = lib.createRope(configFromHF(DEEPSEEK_V2_LITE));
    try {
      expect(Array.from(a.invFreq)).toEqual(Array.from(b.invFreq));
      expect(a.attentionFactor).toBe(1);
    } finally {
      a.dispose();
      b.dispose();
    }
    const oss = await configFromGGUF(writeGGUF({
      'general.architecture': ['str', 'gpt-oss'],
      'gpt-oss.embedding_length': ['u32', 2880],
      'gpt-oss.attention.head_count': ['u32', 64],
      'gpt-oss.attention.key_length': ['u32', 64],
      'gpt-oss.rope.freq_base': ['f32', 150000],
      'gpt-oss.rope.scaling.type': ['str', 'yarn'],
      'gpt-oss.rope.scaling.factor': ['f32', 32],
      'gpt-oss.rope.scaling.original_context_length': ['u32', 4096],
      'gpt-oss.rope.scaling.yarn_beta_fast': ['f32', 16],
      'gpt-oss.rope.scaling.yarn_beta_slow': ['f32', 2],
      'gpt-oss.rope.scaling.yarn_attn_factor': ['f32', 1.25],
    }));
    expect(oss).toEqual({ headDim: 64, rotaryDim: 64, base: 150000, layout: 'half', numHeads: 64, numKvHeads: 64,
      scaling: { type: 'yarn', factor: 32, originalMaxPositionEmbeddings: 4096, betaFast: 16, betaSlow: 2, attentionFactor: 1.25 } });
  });

  it('refuses what metadata cannot express, naming the key', async () => {
    const llama = {
      'general.architecture': ['str', 'llama'], 'llama.embedding_length': ['u32', 4096], 'llama.attention.head_count': ['u32', 32],
    };
    // Per-pair factors of the wrong length (Llama 3.1's rope_freqs: rotaryDim / 2 = 64).
    let err = await asyncErrorOf(() => configFromGGUF(writeGGUF(llama, [{ name: 'rope_freqs.weight', data: Array(63).fill(1) }])));
    expectConfigError(err, 'tensor rope_freqs.weight');
    // LongRoPE's factors are tensors: a longrope type without them names the tensor.
    err = await asyncErrorOf(() => configFromGGUF(writeGGUF({ ...llama, 'llama.rope.scaling.type': ['str', 'longrope'] })));
    expectConfigError(err, 'tensor rope_factors_long.weight');
    err = await asyncErrorOf(() => configFromGGUF(writeGGUF({ ...llama, 'llama.rope.scaling.type': ['str', 'ntk'], 'llama.rope.scaling.factor': ['f32', 2] })));
    expectConfigError(err, 'llama.rope.scaling.type');
    err = await asyncErrorOf(() => configFromGGUF(writeGGUF({ ...llama, 'llama.rope.scaling.type': ['str', 'yarn'], 'llama.rope.scaling.factor': ['f32', 2],
      'llama.rope.scaling.original_context_length': ['u32', 4096], 'llama.rope.scaling.yarn_ext_factor': ['f32', 0.5] })));
    expectConfigError(err, 'llama.rope.scaling.yarn_ext_factor');
    err = await asyncErrorOf(() => configFromGGUF(writeGGUF({ ...llama, 'llama.rope.scaling.attn_factor': ['f32', 1.2] })));
    expectConfigError(err, 'llama.rope.scaling.attn_factor');
    expect((await configFromGGUF(writeGGUF({ ...llama, 'llama.rope.scaling.attn_factor': ['f32', 1] }))).scaling).toBe(null);
    err = await asyncErrorOf(() => configFromGGUF(writeGGUF({ ...llama, 'llama.rope.freq_base': ['str', '10000'] })));
    expectConfigError(err, 'llama.rope.freq_base');
    // A multimodal architecture without its sections.
    err = await asyncErrorOf(() => configFromGGUF(writeGGUF({
      'general.architecture': ['str', 'qwen2vl'], 'qwen2vl.embedding_length': ['u32', 3584], 'qwen2vl.attention.head_count': ['u32', 28],
    })));
    expectConfigError(err, 'qwen2vl.rope.dimension_sections');
    // An architecture without a known rope mode needs options.layout.
    const other = { 'general.architecture': ['str', 'mystery'], 'mystery.embedding_length': ['u32', 512], 'mystery.attention.head_count': ['u32', 8] };
    expectConfigError(await asyncErrorOf(() => configFromGGUF(writeGGUF(other))), 'general.architecture');
    expect((await configFromGGUF(writeGGUF(other), { layout: 'half' })).headDim).toBe(64);
    // Not a GGUF file at all.
    expectConfigError(await asyncErrorOf(() => configFromGGUF(new TextEncoder().encode('{"model_type":"llama"}'))), 'source');
    expect((await asyncErrorOf(() => configFromGGUF(42))).code).toBe('INVALID_TYPE');
  });
});
