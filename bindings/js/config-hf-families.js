// What configFromHF knows per model family beyond the generic config.json keys: the config
// class defaults a Hub config.json may leave out, the M-RoPE kind the modeling code
// hard-wires, per-layer RoPE (layer_types, NoPE layers) and the vision towers' RoPE.
//
// Source: huggingface/transformers at decba1d2ea4ed3cbf0495d1828abad4b2dba1846
// (5.16.0.dev0), src/transformers/models/<family>/configuration_*.py and modeling_*.py;
// the line numbers below are of that commit.

// Hugging Face's model_type of a text config ("qwen2_5_vl_text", "gemma3_text") and of the
// composite config ("qwen2_5_vl", "gemma3") name the same family here.
export function familyName(modelType) {
  if (typeof modelType !== 'string') return undefined;
  const name = modelType.replace(/_text$/, '');
  return FAMILIES[name] ? name : undefined;
}

export function familyOf(modelType) {
  const name = familyName(modelType);
  return name === undefined ? undefined : FAMILIES[name];
}

// Vision towers: { heads: key of the head count, width: key of the attention width,
// theta: where the base is read (null: VisionRotaryEmbedding's hard-coded 10000), layout }.
const QWEN2_VL_VISION = { width: 'embed_dim', heads: 'num_heads', theta: null, layout: 'half', defaults: { embed_dim: 1280, num_heads: 16 } };
const QWEN2_5_VL_VISION = { width: 'hidden_size', heads: 'num_heads', theta: null, layout: 'half', defaults: { hidden_size: 3584, num_heads: 16 } };
const QWEN3_VL_VISION = { width: 'hidden_size', heads: 'num_heads', theta: null, layout: 'half', defaults: { hidden_size: 1152, num_heads: 16 } };
const LLAMA4_VISION = { width: 'hidden_size', heads: 'num_attention_heads', theta: 'rope_theta', layout: 'interleaved', defaults: { hidden_size: 768, num_attention_heads: 16 } };

// Per family:
// - layout: how the modeling code pairs channels (rotate_half -> 'half'; interleaved
//   rotate_half_llm / view_as_complex -> 'interleaved').
// - defaults: the text config class's defaults of the keys configFromHF reads.
// - theta: the class's default_theta (PreTrainedConfig's is 10000).
// - mrope: { mode, section }: the M-RoPE kind of the rotary embedding class (hard-wired per
//   class: `mrope_interleaved` in a config is not read by transformers, only exempted from
//   validation) and the section it falls back to when rope_parameters has none (null: the
//   modeling code indexes mrope_section, so it is required).
// - layers: how layer_types are derived when config.json has none (see layerKinds).
// - vision: the vision tower's RoPE (configFromHF(config, { vision: true })).
const FAMILIES = {
  // qwen2_vl/configuration_qwen2_vl.py:84-130 (type "mrope" -> "default"; default_theta 1e6);
  // modeling_qwen2_vl.py:180-221 (chunked sections, `mrope_section * 2` over cat(freqs, freqs)),
  // :531 (config.rope_parameters["mrope_section"]: no fallback), :239-248, :671 (vision).
  qwen2_vl: {
    layout: 'half', theta: 1e6, mrope: { mode: 'chunked', section: null }, vision: QWEN2_VL_VISION,
    defaults: { hidden_size: 8192, num_attention_heads: 64, num_key_value_heads: 8, num_hidden_layers: 80, max_position_embeddings: 32768 },
  },
  // qwen2_5_vl/configuration_qwen2_5_vl.py (same text class values); modeling_qwen2_5_vl.py:557-593, :369-370.
  qwen2_5_vl: {
    layout: 'half', theta: 1e6, mrope: { mode: 'chunked', section: null }, vision: QWEN2_5_VL_VISION,
    defaults: { hidden_size: 8192, num_attention_heads: 64, num_key_value_heads: 8, num_hidden_layers: 80, max_position_embeddings: 32768 },
  },
  // qwen3_vl/configuration_qwen3_vl.py:75-95 (default_theta 5e5); modeling_qwen3_vl.py:326
  // (fallback [24, 20, 20]), :352-387 (apply_interleaved_mrope), :631 (vision).
  qwen3_vl: {
    layout: 'half', theta: 5e5, mrope: { mode: 'interleaved', section: [24, 20, 20] }, vision: QWEN3_VL_VISION,
    defaults: { hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 32, head_dim: 128, num_hidden_layers: 32, max_position_embeddings: 128000 },
  },
  // qwen3_vl_moe/configuration_qwen3_vl_moe.py:80-107; modeling_qwen3_vl_moe.py:757, :796-815.
  qwen3_vl_moe: {
    layout: 'half', theta: 5e5, mrope: { mode: 'interleaved', section: [24, 20, 20] }, vision: QWEN3_VL_VISION,
    defaults: { hidden_size: 2048, num_attention_heads: 16, num_key_value_heads: 16, num_hidden_layers: 24, max_position_embeddings: 128000 },
  },
  // qwen3_5/configuration_qwen3_5.py: partial_rotary_factor 0.25 "for BC", layer_types
  // "linear_attention" unless (i+1) % full_attention_interval (4) == 0; modeling_qwen3_5.py:101
  // (fallback [11, 11, 10]), :118-121 (dim = int(head_dim * partial_rotary_factor)), :1032 (vision).
  qwen3_5: {
    layout: 'half', theta: 10000, partialRotaryFactor: 0.25, mrope: { mode: 'interleaved', section: [11, 11, 10] }, vision: QWEN3_VL_VISION,
    layers: 'qwen3_5', noRope: ['linear_attention'],
    defaults: { hidden_size: 4096, num_attention_heads: 16, num_key_value_heads: 4, head_dim: 256, num_hidden_layers: 32, max_position_embeddings: 32768 },
  },
  // qwen3_5_moe/configuration_qwen3_5_moe.py:91-128 (same rules as qwen3_5).
  qwen3_5_moe: {
    layout: 'half', theta: 10000, partialRotaryFactor: 0.25, mrope: { mode: 'interleaved', section: [11, 11, 10] }, vision: QWEN3_VL_VISION,
    layers: 'qwen3_5', noRope: ['linear_attention'],
    defaults: { hidden_size: 2048, num_attention_heads: 16, num_key_value_heads: 2, head_dim: 256, num_hidden_layers: 40, max_position_embeddings: 32768 },
  },
  // glm4v/configuration_glm4v.py:108-124 (no partial_rotary_factor default: 1.0 in
  // compute_default_rope_parameters); modeling_glm4v.py:403 (fallback [8, 12, 12]),
  // :407-424 (dim = int(head_dim * partial_rotary_factor)), :445-450 (apply_mrope: sections
  // over R/2, not doubled), :453-495 (rotate_half_llm: interleaved pairs).
  glm4v: {
    layout: 'interleaved', theta: 10000, partialRotaryFactor: 1, mrope: { mode: 'chunked', section: [8, 12, 12] },
    defaults: { hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 2, num_hidden_layers: 40, max_position_embeddings: 32768 },
  },
  // glm4v_moe/configuration_glm4v_moe.py:80-112 (partial_rotary_factor 0.5); modeling_glm4v_moe.py:100-105 (rotate_half), :856.
  glm4v_moe: {
    layout: 'half', theta: 10000, partialRotaryFactor: 0.5, mrope: { mode: 'chunked', section: [8, 12, 12] },
    defaults: { hidden_size: 4096, num_attention_heads: 96, num_key_value_heads: 8, num_hidden_layers: 46, max_position_embeddings: 65536 },
  },
  // glm4/configuration_glm4.py:57-77 (partial_rotary_factor 0.5); modeling_glm4.py:150-195 (interleaved).
  glm4: {
    layout: 'interleaved', theta: 10000, partialRotaryFactor: 0.5,
    defaults: { hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 2, head_dim: 128 },
  },
  // glm4_moe/configuration_glm4_moe.py:93-123 (partial_rotary_factor 0.5); modeling_glm4_moe.py:142-180 (rotate_half).
  glm4_moe: {
    layout: 'half', theta: 10000, partialRotaryFactor: 0.5,
    defaults: { hidden_size: 4096, num_attention_heads: 96, num_key_value_heads: 8, num_hidden_layers: 46, max_position_embeddings: 131072 },
  },
  // llama4/configuration_llama4.py:109-199 (default_theta 5e5; no_rope_layers[il] =
  // int((il+1) % no_rope_layer_interval != 0) when empty; layer_types "chunked_attention"
  // where RoPE is used, else "full_attention"); modeling_llama4.py:178-242 (view_as_complex:
  // interleaved pairs), :990-1017 (vision).
  llama4: {
    layout: 'interleaved', theta: 5e5, layers: 'llama4', vision: LLAMA4_VISION,
    defaults: { hidden_size: 5120, num_attention_heads: 40, num_key_value_heads: 8, head_dim: 128, num_hidden_layers: 48, no_rope_layer_interval: 4 },
  },
  // gemma3/configuration_gemma3.py:80-162: layer_types sliding unless (i+1) %
  // sliding_window_pattern (6) == 0; rope_parameters per layer type; 4.x rope_scaling goes
  // to full_attention; default_theta {global 1e6, local 1e4}, local from rope_local_base_freq.
  gemma3: {
    layout: 'half', layers: 'gemma3', perLayer: { full_attention: 1e6, sliding_attention: 1e4 },
    defaults: { hidden_size: 2304, num_attention_heads: 8, num_key_value_heads: 4, head_dim: 256, num_hidden_layers: 26, max_position_embeddings: 131072 },
  },
  // gemma3n/configuration_gemma3n.py:99-205: full_attention where (i+1) % 5 == 0, same rope rules as gemma3.
  gemma3n: {
    layout: 'half', layers: 'gemma3n', perLayer: { full_attention: 1e6, sliding_attention: 1e4 },
    defaults: { hidden_size: 2048, num_attention_heads: 8, num_key_value_heads: 2, head_dim: 256, num_hidden_layers: 35, max_position_embeddings: 32768 },
  },
  // gemma4/configuration_gemma4.py:153-240: pattern 6 with the last layer forced to
  // full_attention; default rope_parameters {sliding: default 1e4, full: proportional 0.25
  // 1e6}; full-attention layers use global_head_dim (512) and, when attention_k_eq_v,
  // num_global_key_value_heads; no 4.x form. modeling_rope_utils.py:193-266 (proportional).
  gemma4: {
    layout: 'half', layers: 'gemma4', perLayer: { full_attention: 1e6, sliding_attention: 1e4 },
    defaultRopeParameters: {
      sliding_attention: { rope_type: 'default', rope_theta: 10000 },
      full_attention: { rope_type: 'proportional', partial_rotary_factor: 0.25, rope_theta: 1e6 },
    },
    defaults: { hidden_size: 2304, num_attention_heads: 8, num_key_value_heads: 4, head_dim: 256, num_hidden_layers: 30, max_position_embeddings: 131072, global_head_dim: 512 },
  },
};

/**
 * The layer types the family's config class derives when config.json has no layer_types,
 * or undefined when it derives none. `get(key)` reads the config (with class defaults).
 */
export function defaultLayerTypes(fam, get) {
  const n = get('num_hidden_layers');
  if (!Number.isInteger(n) || n <= 0) return undefined;
  const range = Array.from({ length: n }, (_, i) => i);
  switch (fam.layers) {
    case 'gemma3': {
      const p = get('sliding_window_pattern') ?? 6;
      return range.map((i) => ((i + 1) % p ? 'sliding_attention' : 'full_attention'));
    }
    case 'gemma3n':
      return range.map((i) => ((i + 1) % 5 === 0 ? 'full_attention' : 'sliding_attention'));
    case 'gemma4': {
      const t = range.map((i) => ((i + 1) % 6 ? 'sliding_attention' : 'full_attention'));
      t[n - 1] = 'full_attention';
      return t;
    }
    case 'qwen3_5': {
      const p = get('full_attention_interval') ?? 4;
      return range.map((i) => ((i + 1) % p ? 'linear_attention' : 'full_attention'));
    }
    default:
      return undefined;
  }
}
