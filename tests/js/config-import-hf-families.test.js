// configFromHF on the multimodal and per-layer families: real config.json files
// (tests/js/fixtures/hf, see its README) in the 4.x and 5.x forms.
//
// Every expected RopeConfig is written by hand from huggingface/transformers at
// decba1d2ea4ed3cbf0495d1828abad4b2dba1846 (5.16.0.dev0); the file and lines are named at
// each case. The last block builds a rope from every imported config (createRope takes
// mrope, proportional scaling and the head counts) and checks what it reports.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RopeError, configFromHF, loadRope } from '../../dist/index.js';

const fixture = (name) => JSON.parse(readFileSync(new URL(`./fixtures/hf/${name}`, import.meta.url), 'utf8'));
const clone = (x) => JSON.parse(JSON.stringify(x));

function errorOf(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

function expectConfigError(fn, argument, fragment) {
  const err = errorOf(fn);
  expect(err).toBeInstanceOf(RopeError);
  expect(err.code).toBe('CONFIG_INVALID');
  expect(err.argument).toBe(argument);
  if (fragment !== undefined) expect(err.message).toContain(fragment);
  return err;
}

// Vision towers: VisionRotaryEmbedding(head_dim // 2), theta 10000, rotate_half over the
// head: pairs (i, i + D/2), D/4 row pairs then D/4 column pairs, each from index 0
// (qwen2_vl/modeling_qwen2_vl.py:239-248, :670-671, :711-713; qwen3_vl/modeling_qwen3_vl.py:630-631).
const visionRope = (headDim, heads, layout = 'half', base = 10000) => ({
  headDim, rotaryDim: headDim, base, layout, scaling: null,
  mrope: { section: [headDim / 4, headDim / 4], mode: 'vision' }, numHeads: heads, numKvHeads: heads,
});

describe('Qwen2-VL / Qwen2.5-VL: chunked M-RoPE', () => {
  // hidden_size / num_attention_heads = 3584 / 28 = 128 (no head_dim in Qwen2VLTextConfig);
  // rope_theta 1e6; {"type": "mrope"} -> default (configuration_qwen2_vl.py:121-130);
  // sections [16, 24, 24] doubled over cat(freqs, freqs) (modeling_qwen2_vl.py:180-221).
  const TEXT = {
    headDim: 128, rotaryDim: 128, base: 1e6, layout: 'half', scaling: null,
    mrope: { section: [16, 24, 24], mode: 'chunked' }, numHeads: 28, numKvHeads: 4,
  };
  for (const file of ['qwen2-vl-7b-instruct.json', 'qwen2-vl-7b-instruct.v5.json', 'qwen2.5-vl-7b-instruct.json']) {
    it(`${file}: text and vision tower`, () => {
      expect(configFromHF(fixture(file))).toEqual(TEXT);
      // Qwen2-VL: embed_dim 1280 / num_heads 16; Qwen2.5-VL: hidden_size 1280 / 16
      // (modeling_qwen2_5_vl.py:369-370) -> 80.
      expect(configFromHF(fixture(file), { vision: true })).toEqual(visionRope(80, 16));
    });
  }

  it('reads mrope_section inside a default rope_parameters, and composes it with a scaling type', () => {
    const c = fixture('qwen2-vl-7b-instruct.v5.json');
    c.text_config.rope_parameters = { rope_type: 'default', rope_theta: 1e6, mrope_section: [16, 24, 24] };
    expect(configFromHF(c)).toEqual(TEXT);
    // ROPE_INIT_FUNCTIONS give inv_freq, the sections then pick streams (the notes, section 3).
    c.text_config.rope_parameters = { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 32768, rope_theta: 1e6, mrope_section: [16, 24, 24] };
    expect(configFromHF(c)).toEqual({ ...TEXT, scaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 32768 } });
  });

  it('refuses sections that do not sum to rotaryDim / 2, a missing section, and mrope on a family without it', () => {
    const c = fixture('qwen2-vl-7b-instruct.json');
    c.rope_scaling.mrope_section = [16, 24, 20];
    expectConfigError(() => configFromHF(c), 'rope_scaling.mrope_section', 'sum to rotaryDim / 2 = 64');
    c.rope_scaling.mrope_section = [16, 24, 24, 0];
    expectConfigError(() => configFromHF(c), 'rope_scaling.mrope_section', 'a list of 3');
    delete c.rope_scaling.mrope_section;
    // modeling_qwen2_vl.py:531 indexes rope_parameters["mrope_section"]: no fallback.
    expectConfigError(() => configFromHF(c), 'rope_scaling.mrope_section', 'is required');
    const v5 = fixture('qwen2-vl-7b-instruct.v5.json');
    v5.text_config.rope_parameters.mrope_section = [16, 24, 25];
    expectConfigError(() => configFromHF(v5), 'text_config.rope_parameters.mrope_section');
    // A Llama config with an M-RoPE type: not a multimodal family.
    expectConfigError(() => configFromHF({ model_type: 'llama', hidden_size: 4096, num_attention_heads: 32, rope_scaling: { type: 'mrope', mrope_section: [16, 24, 24] } }),
      'rope_scaling.type', 'multimodal');
  });
});

describe('Qwen3-VL / Qwen3.5: interleaved M-RoPE', () => {
  // head_dim 128, rope_theta 5e6, [24, 20, 20], apply_interleaved_mrope
  // (modeling_qwen3_vl.py:326, :352-387); mrope_interleaved is only exempted from validation
  // (configuration_qwen3_vl.py:79): the class decides.
  const TEXT = {
    headDim: 128, rotaryDim: 128, base: 5e6, layout: 'half', scaling: null,
    mrope: { section: [24, 20, 20], mode: 'interleaved' }, numHeads: 32, numKvHeads: 8,
  };
  for (const file of ['qwen3-vl-8b-instruct.json', 'qwen3-vl-8b-instruct.v5.json']) {
    it(`${file}: text and vision tower (hidden_size 1152 / 16 heads = 72)`, () => {
      expect(configFromHF(fixture(file))).toEqual(TEXT);
      expect(configFromHF(fixture(file), { vision: true })).toEqual(visionRope(72, 16));
    });
  }

  it('ignores mrope_interleaved as transformers does, and falls back to the class section', () => {
    const c = fixture('qwen3-vl-8b-instruct.json');
    c.text_config.rope_scaling.mrope_interleaved = false;
    expect(configFromHF(c).mrope).toEqual({ section: [24, 20, 20], mode: 'interleaved' });
    delete c.text_config.rope_scaling.mrope_section;
    expect(configFromHF(c).mrope).toEqual({ section: [24, 20, 20], mode: 'interleaved' });
    c.text_config.rope_scaling.mrope_section = [24, 24, 24];
    expectConfigError(() => configFromHF(c), 'text_config.rope_scaling.mrope_section', 'at most');
    // The MoE variant: the same class rules (modeling_qwen3_vl_moe.py:757, :796-815).
    const moe = fixture('qwen3-vl-8b-instruct.json');
    moe.model_type = 'qwen3_vl_moe';
    moe.text_config.model_type = 'qwen3_vl_moe_text';
    expect(configFromHF(moe)).toEqual(TEXT);
  });

  it('Qwen3.5: partial rotary (256 * 0.25 = 64), [11, 11, 10] over 32 pairs, linear-attention layers without RoPE', () => {
    // modeling_qwen3_5.py:101, :118-121 (dim = int(head_dim * partial_rotary_factor)).
    const want = {
      headDim: 256, rotaryDim: 64, base: 1e7, layout: 'half', scaling: null,
      mrope: { section: [11, 11, 10], mode: 'interleaved' }, numHeads: 16, numKvHeads: 4,
    };
    const c = fixture('qwen3.5.json');
    expect(configFromHF(c)).toEqual(want);
    expect(configFromHF(c, { layerIndex: 3 })).toEqual(want);
    expect(configFromHF(c, { layerIndex: 0 })).toBe(null);
    expect(configFromHF(c, { layerType: 'linear_attention' })).toBe(null);
    // Without partial_rotary_factor: the class's 0.25 "for BC" (configuration_qwen3_5.py).
    delete c.text_config.rope_parameters.partial_rotary_factor;
    expect(configFromHF(c).rotaryDim).toBe(64);
    expect(configFromHF(fixture('qwen3.5.json'), { vision: true })).toEqual(visionRope(72, 16));
    const moe = fixture('qwen3.5.json');
    moe.model_type = 'qwen3_5_moe';
    moe.text_config.model_type = 'qwen3_5_moe_text';
    expect(configFromHF(moe)).toEqual(want);
  });
});

describe('GLM', () => {
  it('GLM-4.1V: chunked [8, 12, 12] over R/2 = 32, interleaved pairs, partial rotary from the config', () => {
    // modeling_glm4v.py:403-450 (apply_mrope, not doubled), :453-495 (rotate_half_llm).
    const want = {
      headDim: 128, rotaryDim: 64, base: 10000, layout: 'interleaved', scaling: null,
      mrope: { section: [8, 12, 12], mode: 'chunked' }, numHeads: 32, numKvHeads: 2,
    };
    const c = fixture('glm-4.1v-9b-thinking.json');
    expect(configFromHF(c)).toEqual(want);
    // Glm4vTextConfig has no partial_rotary_factor default: compute_default_rope_parameters'
    // .get("partial_rotary_factor", 1.0), so R = 128 and [8, 12, 12] no longer fits.
    delete c.text_config.partial_rotary_factor;
    expectConfigError(() => configFromHF(c), 'text_config.rope_scaling.mrope_section', 'sum to rotaryDim / 2 = 64');
    c.text_config.rope_scaling.mrope_section = [16, 24, 24];
    expect(configFromHF(c)).toEqual({ ...want, rotaryDim: 128, mrope: { section: [16, 24, 24], mode: 'chunked' } });
  });

  it('GLM-4 (interleaved) and GLM-4.5 (half), partial 0.5 (class default too)', async () => {
    const glm4 = { headDim: 128, rotaryDim: 64, base: 10000, layout: 'interleaved', scaling: null, numHeads: 32, numKvHeads: 2 };
    const glm45 = { headDim: 128, rotaryDim: 64, base: 1e6, layout: 'half', scaling: null, numHeads: 96, numKvHeads: 8 };
    expect(configFromHF(fixture('glm-4-9b-0414.json'))).toEqual(glm4);
    expect(configFromHF(fixture('glm-4.5.json'))).toEqual(glm45);
    for (const [file, want] of [['glm-4-9b-0414.json', glm4], ['glm-4.5.json', glm45]]) {
      const c = fixture(file);
      delete c.partial_rotary_factor; // kwargs.setdefault("partial_rotary_factor", 0.5)
      expect(configFromHF(c)).toEqual(want);
    }
    const lib = await loadRope({ simd: false });
    const rope = lib.createRope(configFromHF(fixture('glm-4.5.json')));
    try {
      expect(rope.invFreq.length).toBe(32);
      expect(rope.invFreq[1]).toBeCloseTo(1e6 ** (-2 / 64), 12);
    } finally {
      rope.dispose();
    }
  });
});

describe('Llama 4: NoPE layers, llama3 with low == high, vision tower', () => {
  // text_config: head_dim 128, rope_theta 5e5, llama3 factor 16 low = high = 1 (the smoothed
  // band is empty); view_as_complex pairs (modeling_llama4.py:178-242); no_rope_layers []
  // -> int((il+1) % 4 != 0) (configuration_llama4.py:179-182).
  const ROPE = {
    headDim: 128, rotaryDim: 128, base: 5e5, layout: 'interleaved', numHeads: 40, numKvHeads: 8,
    scaling: { type: 'llama3', factor: 16, lowFreqFactor: 1, highFreqFactor: 1, originalMaxPositionEmbeddings: 8192 },
  };
  for (const file of ['llama-4-scout-17b-16e-instruct.json', 'llama-4-scout-17b-16e-instruct.v5.json']) {
    it(`${file}`, () => {
      const c = fixture(file);
      expect(configFromHF(c, { layerIndex: 0 })).toEqual(ROPE);
      expect(configFromHF(c, { layerIndex: 2 })).toEqual(ROPE);
      expect(configFromHF(c, { layerIndex: 3 })).toBe(null);
      expect(configFromHF(c, { layerIndex: 47 })).toBe(null);
      // layer_types derived from no_rope_layers: chunked_attention where RoPE is used.
      expect(configFromHF(c, { layerType: 'chunked_attention' })).toEqual(ROPE);
      expect(configFromHF(c, { layerType: 'full_attention' })).toBe(null);
      expectConfigError(() => configFromHF(c), 'options.layerIndex', 'NoPE');
      expectConfigError(() => configFromHF(c, { layerIndex: 48 }), 'options.layerIndex', '48');
      // Vision: hidden_size 1408 / 16 heads = 88; freq_dim 44, rope_theta 10000 from
      // vision_config; complex pairs (modeling_llama4.py:990-1017).
      expect(configFromHF(c, { vision: true })).toEqual(visionRope(88, 16, 'interleaved'));
    });
  }

  it('an explicit no_rope_layers list decides', () => {
    const c = fixture('llama-4-scout-17b-16e-instruct.json');
    c.text_config.no_rope_layers = Array.from({ length: 48 }, (_, i) => (i % 2 ? 0 : 1));
    expect(configFromHF(c, { layerIndex: 1 })).toBe(null);
    expect(configFromHF(c, { layerIndex: 2 })).toEqual(ROPE);
    c.text_config.no_rope_layers = [1, 2];
    expectConfigError(() => configFromHF(c, { layerIndex: 0 }), 'text_config.no_rope_layers');
  });
});

describe('Gemma 3 / 3n / 4: RoPE per layer type', () => {
  // Gemma3TextConfig defaults (the 4B text_config sets only hidden_size, layers, scaling,
  // window): 8 heads, 4 kv heads, head_dim 256; full attention: rope_theta 1e6 + the 4.x
  // rope_scaling; sliding: rope_local_base_freq 1e4, default (configuration_gemma3.py:80-162).
  const FULL = { headDim: 256, rotaryDim: 256, base: 1e6, layout: 'half', scaling: { type: 'linear', factor: 8 }, numHeads: 8, numKvHeads: 4 };
  const SLIDING = { headDim: 256, rotaryDim: 256, base: 10000, layout: 'half', scaling: null, numHeads: 8, numKvHeads: 4 };
  for (const file of ['gemma-3-4b-it.json', 'gemma-3-4b-it.v5.json']) {
    it(`${file}`, async () => {
      const c = fixture(file);
      expect(configFromHF(c, { layerType: 'full_attention' })).toEqual(FULL);
      expect(configFromHF(c, { layerType: 'sliding_attention' })).toEqual(SLIDING);
      // sliding unless (i+1) % 6 == 0.
      expect(configFromHF(c, { layerIndex: 5 })).toEqual(FULL);
      expect(configFromHF(c, { layerIndex: 0 })).toEqual(SLIDING);
      expect(configFromHF(c, { layerIndex: 33 })).toEqual(SLIDING);
      expectConfigError(() => configFromHF(c), 'options.layerType', 'options.layerIndex');
      expectConfigError(() => configFromHF(c, { layerIndex: 34 }), 'options.layerIndex');
      expectConfigError(() => configFromHF(c, { layerType: 'global' }), 'options.layerType');
      const lib = await loadRope({ simd: false });
      for (const cfg of [FULL, SLIDING]) lib.createRope(cfg).dispose();
    });
  }

  it('Gemma 3 without rope_local_base_freq or rope_theta: the class default_theta per layer type', () => {
    const c = { model_type: 'gemma3_text', num_hidden_layers: 26 };
    expect(configFromHF(c, { layerType: 'full_attention' }).base).toBe(1e6);
    expect(configFromHF(c, { layerIndex: 1 }).base).toBe(10000);
    // sliding_window_pattern (the 4.x int) sets the default layer_types.
    expect(configFromHF({ ...c, sliding_window_pattern: 2 }, { layerIndex: 1 }).base).toBe(1e6);
  });

  it('Gemma 3n: full attention every 5th layer (layer_types), 8 heads / 2 kv heads', () => {
    const c = fixture('gemma-3n-e4b-it.json');
    const full = { headDim: 256, rotaryDim: 256, base: 1e6, layout: 'half', scaling: null, numHeads: 8, numKvHeads: 2 };
    expect(configFromHF(c, { layerIndex: 4 })).toEqual(full);
    expect(configFromHF(c, { layerIndex: 3 })).toEqual({ ...full, base: 10000 });
    expectConfigError(() => configFromHF(c), 'options.layerType');
  });

  it('Gemma 4: proportional RoPE over global_head_dim 512 on full attention, its own head_dim and base on sliding', () => {
    // configuration_gemma4.py:203-224 (global_head_dim, num_global_key_value_heads when
    // attention_k_eq_v); modeling_rope_utils.py:193-266 (proportional: rotaryDim = headDim).
    const c = fixture('gemma-4.json');
    const full = {
      headDim: 512, rotaryDim: 512, base: 1e6, layout: 'half', scaling: { type: 'proportional', partialRotaryFactor: 0.25 },
      numHeads: 8, numKvHeads: 2,
    };
    const sliding = { headDim: 256, rotaryDim: 256, base: 10000, layout: 'half', scaling: null, numHeads: 8, numKvHeads: 4 };
    expect(configFromHF(c, { layerType: 'full_attention' })).toEqual(full);
    expect(configFromHF(c, { layerIndex: 29 })).toEqual(full);
    expect(configFromHF(c, { layerIndex: 0 })).toEqual(sliding);
    // attention_k_eq_v false: the full layers keep num_key_value_heads.
    const noKeq = clone(c);
    noKeq.text_config.attention_k_eq_v = false;
    expect(configFromHF(noKeq, { layerType: 'full_attention' }).numKvHeads).toBe(4);
    // No rope_parameters: the class default (proportional 0.25 at 1e6, default 1e4).
    const bare = clone(c);
    delete bare.text_config.rope_parameters;
    expect(configFromHF(bare, { layerType: 'full_attention' })).toEqual(full);
    expect(configFromHF(bare, { layerType: 'sliding_attention' })).toEqual(sliding);
    // The last layer is forced to full_attention (configuration_gemma4.py:197-201).
    const last = clone(c);
    last.text_config.layer_types[29] = 'sliding_attention';
    expect(configFromHF(last, { layerIndex: 29 })).toEqual(full);
    // A config saved by transformers 5 keeps per_layer_config (global_head_dim is popped).
    const saved = clone(c);
    delete saved.text_config.global_head_dim;
    delete saved.text_config.num_global_key_value_heads;
    saved.text_config.per_layer_config = Object.fromEntries([5, 11, 17, 23, 29].map((i) => [String(i), { head_dim: 512, num_key_value_heads: 2 }]));
    expect(configFromHF(saved, { layerType: 'full_attention' })).toEqual(full);
    expect(configFromHF(saved, { layerIndex: 11 })).toEqual(full);
    expect(configFromHF(saved, { layerIndex: 10 })).toEqual(sliding);
    // A proportion out of range names the key.
    const bad = clone(c);
    bad.text_config.rope_parameters.full_attention.partial_rotary_factor = 1.5;
    expectConfigError(() => configFromHF(bad, { layerType: 'full_attention' }), 'text_config.rope_parameters.full_attention.partial_rotary_factor');
  });
});

describe('options', () => {
  it('vision needs a family with a known tower; layerIndex needs a layer list', () => {
    expectConfigError(() => configFromHF(fixture('gemma-3-4b-it.json'), { vision: true }), 'model_type');
    expectConfigError(() => configFromHF(fixture('glm-4.1v-9b-thinking.json'), { vision: true }), 'model_type');
    expect(errorOf(() => configFromHF(fixture('qwen2-vl-7b-instruct.json'), { vision: 'yes' })).code).toBe('INVALID_TYPE');
    expectConfigError(() => configFromHF(fixture('qwen2-vl-7b-instruct.json'), { vision: true, layerIndex: 0 }), 'options.vision');
    // All layers share one RoPE: an index in range is fine, out of range is not.
    expect(configFromHF(fixture('qwen2-vl-7b-instruct.json'), { layerIndex: 27 }).mrope.mode).toBe('chunked');
    expectConfigError(() => configFromHF(fixture('qwen2-vl-7b-instruct.json'), { layerIndex: 28 }), 'options.layerIndex');
    expectConfigError(() => configFromHF({ model_type: 'llama', hidden_size: 4096, num_attention_heads: 32 }, { layerIndex: 0 }), 'options.layerIndex');
    expectConfigError(() => configFromHF(fixture('gemma-3-4b-it.json'), { layerIndex: 1.5 }), 'options.layerIndex');
  });

  it('numKvHeads defaults to numHeads and must divide it', () => {
    // LlamaConfig: num_key_value_heads None -> num_attention_heads.
    expect(configFromHF({ model_type: 'llama', hidden_size: 4096, num_attention_heads: 32 }).numKvHeads).toBe(32);
    // A family's class default applies when the key is absent (Glm4MoeConfig: 8).
    const c = fixture('glm-4.5.json');
    delete c.num_key_value_heads;
    expect(configFromHF(c).numKvHeads).toBe(8);
    c.num_key_value_heads = 7;
    expectConfigError(() => configFromHF(c), 'num_key_value_heads', 'divide');
    // The vision tower's own head count: numKvHeads = numHeads.
    expect(configFromHF(fixture('qwen3-vl-8b-instruct.json'), { vision: true }).numKvHeads).toBe(16);
  });
});

describe('createRope takes every imported config', () => {
  let lib;
  beforeAll(async () => {
    lib = await loadRope({ simd: false });
  });

  const cases = [
    ['qwen2-vl-7b-instruct.json', {}], ['qwen2-vl-7b-instruct.json', { vision: true }], ['qwen2-vl-7b-instruct.v5.json', {}],
    ['qwen2.5-vl-7b-instruct.json', {}], ['qwen2.5-vl-7b-instruct.json', { vision: true }],
    ['qwen3-vl-8b-instruct.json', {}], ['qwen3-vl-8b-instruct.v5.json', { vision: true }], ['qwen3.5.json', {}], ['qwen3.5.json', { vision: true }],
    ['glm-4.1v-9b-thinking.json', {}], ['glm-4-9b-0414.json', {}], ['glm-4.5.json', {}],
    ['llama-4-scout-17b-16e-instruct.json', { layerIndex: 0 }], ['llama-4-scout-17b-16e-instruct.v5.json', { vision: true }],
    ['gemma-3-4b-it.json', { layerIndex: 5 }], ['gemma-3-4b-it.v5.json', { layerIndex: 0 }], ['gemma-3n-e4b-it.json', { layerIndex: 4 }],
    ['gemma-4.json', { layerType: 'full_attention' }], ['gemma-4.json', { layerType: 'sliding_attention' }],
  ];
  for (const [file, options] of cases) {
    it(`${file} ${JSON.stringify(options)}`, () => {
      const cfg = configFromHF(fixture(file), options);
      const rope = lib.createRope(cfg);
      try {
        expect(rope.headDim).toBe(cfg.headDim);
        expect(rope.rotaryDim).toBe(cfg.rotaryDim);
        expect(rope.mrope).toEqual(cfg.mrope ?? null);
        expect(rope.numHeads).toBe(cfg.numHeads);
        expect(rope.numKvHeads).toBe(cfg.numKvHeads);
        expect(rope.invFreq.length).toBe(cfg.rotaryDim / 2);
      } finally {
        rope.dispose();
      }
    });
  }

  it('Gemma 4 full attention: inv[k] = 1e6^(-2k/512) for k < int(0.25 * 512 // 2) = 64, else 0 (modeling_rope_utils.py:242-264)', () => {
    const rope = lib.createRope(configFromHF(fixture('gemma-4.json'), { layerType: 'full_attention' }));
    try {
      const inv = rope.invFreq;
      for (let k = 0; k < 256; k++) {
        if (k < 64) expect(inv[k]).toBeCloseTo(1e6 ** (-(2 * k) / 512), 15);
        else expect(inv[k]).toBe(0);
      }
    } finally {
      rope.dispose();
    }
  });
});
