// Hugging Face config.json to a RopeConfig. Every problem is a RopeError with code
// CONFIG_INVALID naming the key. The mapping follows transformers' modeling_rope_utils.py
// (the 4.56/4.57 file with yarn `truncate`/`mscale`/`mscale_all_dim`, and the 5.x
// `rope_parameters` form).
import { fail } from './errors.js';
import { isPlainObject } from './validate.js';
import { CODE, agree, checkLayoutOption, has, num, validated } from './config-import-common.js';

// ---------------------------------------------------------------------------------------
// Layout by family. Hugging Face's own modeling code decides how pairs are formed; these
// are the families whose checkpoints pair channel 2i with 2i+1 (GPT-J's rotate_every_two,
// GLM/Cohere's interleaved rotate_half, DeepSeek's view_as_complex / rope_interleave).
const HF_INTERLEAVED = new Set(['gptj', 'codegen', 'cohere', 'cohere2', 'glm', 'glm4', 'chatglm', 'deepseek_v2', 'deepseek_v3']);
// Families that use rotate_half (channel i with i + rotaryDim/2): the Llama family and the
// GPT-NeoX lineage. Hub checkpoints of these are stored for that pairing.
const HF_HALF = new Set([
  'llama', 'mistral', 'mixtral', 'ministral', 'qwen2', 'qwen2_moe', 'qwen3', 'qwen3_moe', 'phi', 'phi3', 'phimoe',
  'gemma', 'gemma2', 'gemma3_text', 'gpt_neox', 'gpt_neox_japanese', 'gpt_oss', 'olmo', 'olmo2', 'olmoe', 'starcoder2',
  'stablelm', 'falcon', 'granite', 'granitemoe', 'persimmon', 'internlm2', 'yi', 'smollm3', 'nemotron', 'exaone',
  'helium', 'arcee', 'apertus', 'seed_oss', 'hunyuan_v1_dense', 'ernie4_5', 'dbrx', 'mimi',
]);
// Hugging Face rope_scaling types (plus "su", the old name of longrope) and their keys.
const HF_TYPES = { default: 'default', linear: 'linear', dynamic: 'dynamic', yarn: 'yarn', llama3: 'llama3', longrope: 'longrope', su: 'longrope' };
const HF_SCALING_KEYS = {
  default: [],
  linear: ['factor'],
  dynamic: ['factor'],
  yarn: ['factor', 'original_max_position_embeddings', 'beta_fast', 'beta_slow', 'mscale', 'mscale_all_dim', 'attention_factor', 'truncate'],
  llama3: ['factor', 'low_freq_factor', 'high_freq_factor', 'original_max_position_embeddings'],
  longrope: ['short_factor', 'long_factor', 'factor', 'attention_factor', 'original_max_position_embeddings'],
};
// Keys that may sit in any rope_scaling / rope_parameters dict without meaning scaling.
const HF_COMMON_KEYS = ['rope_type', 'type', 'rope_theta', 'partial_rotary_factor'];
const HF_TYPE_LIST = Object.keys(HF_TYPES).map((t) => JSON.stringify(t)).join(', ');

// A rope_type (or type) value: a known type name, else a RopeError naming that key, so a
// misspelt type is blamed before anything that depends on the type.
function checkType(v, name) {
  if (typeof v !== 'string') fail(CODE, name, `must be a string, one of ${HF_TYPE_LIST}`, v);
  if (v === 'mrope') fail(CODE, name, 'is multimodal RoPE (3-D positions), which rope-wasm does not implement', v);
  if (HF_TYPES[v] === undefined) fail(CODE, name, `must be one of ${HF_TYPE_LIST}`, v);
  return v;
}

// A dict with scaling keys but no rope_type/type: transformers cannot use it either (it looks
// the type up and finds none). Its keys would otherwise be blamed as "not a key of default
// scaling", the first one in key order (factor, in a key-sorted config.json), when what is
// wrong is the type: missing, null, or under a misspelt key.
function failMissingType(dict, prefix) {
  const keys = Object.keys(dict).filter((k) => dict[k] !== undefined && !HF_COMMON_KEYS.includes(k));
  const known = new Set(Object.values(HF_SCALING_KEYS).flat());
  const scalingKeys = keys.filter((k) => known.has(k));
  const stray = keys.filter((k) => !known.has(k));
  const typeKey = ['rope_type', 'type'].find((k) => has(dict, k)) ?? 'rope_type';
  const got = dict[typeKey];
  const listed = scalingKeys.length > 0 ? ` but ${prefix} has scaling keys (${scalingKeys.join(', ')})` : '';
  const typo = stray.length > 0
    ? `; ${stray.map((k) => `${prefix}.${k}${typeof dict[k] === 'string' ? ` (${JSON.stringify(dict[k])})` : ''}`).join(', ')} ` +
      `${stray.length === 1 ? 'is' : 'are'} not a key of any type: a misspelt ${typeKey}?`
    : '';
  fail(CODE, `${prefix}.${typeKey}`,
    `is ${got === null ? 'null' : 'missing'}${listed}: give ${typeKey}, one of ${HF_TYPE_LIST}${typo}`, got);
}

// ---------------------------------------------------------------------------------------
// Hugging Face config.json

// The rope dict and the key prefix errors should use. transformers 5 writes
// `rope_parameters` (possibly one per layer type); 4.x writes `rope_scaling`.
function hfRopeDict(c, options) {
  let params = has(c, 'rope_parameters') ? c.rope_parameters : null;
  let prefix = 'rope_parameters';
  if (params !== null) {
    if (!isPlainObject(params)) fail(CODE, 'rope_parameters', 'must be an object or null', params);
    const values = Object.values(params);
    const perLayer = values.length > 0 && values.every((v) => isPlainObject(v));
    if (perLayer) {
      const layerType = options.layerType;
      if (layerType === undefined) {
        fail(CODE, 'rope_parameters', `holds one set per layer type (${Object.keys(params).join(', ')}); pass options.layerType to pick one`, params);
      }
      if (!has(params, layerType)) fail(CODE, `options.layerType`, `must be one of ${Object.keys(params).join(', ')}`, layerType);
      params = params[layerType];
      prefix = `rope_parameters.${layerType}`;
    }
  }
  const scaling = has(c, 'rope_scaling') ? c.rope_scaling : null;
  if (scaling !== null && !isPlainObject(scaling)) fail(CODE, 'rope_scaling', 'must be an object or null', scaling);
  if (params !== null && scaling !== null) {
    // Both forms present: they must say the same thing (after each names a known type).
    for (const key of ['rope_type', 'type']) {
      if (has(params, key) && params[key] !== null) checkType(params[key], `${prefix}.${key}`);
      if (has(scaling, key) && scaling[key] !== null) checkType(scaling[key], `rope_scaling.${key}`);
    }
    for (const key of Object.keys(scaling)) {
      if (has(params, key) && JSON.stringify(params[key]) !== JSON.stringify(scaling[key])) {
        fail(CODE, `rope_scaling.${key}`, `contradicts ${prefix}.${key} (${JSON.stringify(params[key])})`, scaling[key]);
      }
    }
    return { dict: { ...scaling, ...params }, prefix };
  }
  if (params !== null) return { dict: params, prefix };
  if (scaling !== null) return { dict: scaling, prefix: 'rope_scaling' };
  return { dict: {}, prefix: 'rope_scaling' };
}

function hfScaling(c, dict, prefix, maxPos) {
  const key = (k) => `${prefix}.${k}`;
  // Each spelling is checked before they are compared, so a misspelt one is what is blamed.
  const typeEntry = agree([[key('rope_type'), dict.rope_type], [key('type'), dict.type]], checkType);
  if (typeEntry === undefined && Object.keys(dict).some((k) => dict[k] !== undefined && !HF_COMMON_KEYS.includes(k))) {
    failMissingType(dict, prefix);
  }
  const rawType = typeEntry ? typeEntry.v : 'default';
  const type = HF_TYPES[rawType];
  for (const k of Object.keys(dict)) {
    if (dict[k] === undefined || HF_COMMON_KEYS.includes(k) || HF_SCALING_KEYS[type].includes(k)) continue;
    fail(CODE, key(k), `is not a key of ${JSON.stringify(rawType)} scaling (known: ${HF_SCALING_KEYS[type].join(', ') || 'none'})`, dict[k]);
  }
  const opt = (k, o) => (dict[k] === undefined || dict[k] === null ? null : num(dict[k], key(k), o));
  const req = (k, o) => {
    if (dict[k] === undefined || dict[k] === null) fail(CODE, key(k), `is required for ${JSON.stringify(rawType)} scaling`, dict[k]);
    return num(dict[k], key(k), o);
  };
  const topOriginal = has(c, 'original_max_position_embeddings') ? num(c.original_max_position_embeddings, 'original_max_position_embeddings', { positive: true }) : null;
  const needMax = () => {
    if (maxPos === null) fail(CODE, 'max_position_embeddings', `is required for ${JSON.stringify(rawType)} scaling`, undefined);
    return maxPos;
  };
  switch (type) {
    case 'default':
      return null;
    case 'linear':
      return { type, factor: req('factor', { positive: true }) };
    case 'dynamic':
      // transformers' dynamic NTK uses the config's max_position_embeddings.
      return { type, factor: req('factor', { positive: true }), maxPositionEmbeddings: needMax() };
    case 'yarn': {
      const factor = req('factor', { positive: true });
      // `rope_scaling.get("original_max_position_embeddings") or config.max_position_embeddings`
      let original = opt('original_max_position_embeddings', { positive: true });
      if (original === null) original = needMax();
      if (topOriginal !== null && topOriginal !== original) {
        fail(CODE, 'original_max_position_embeddings', `contradicts the ${original} yarn uses`, topOriginal);
      }
      const s = { type, factor, originalMaxPositionEmbeddings: original };
      // `get("beta_fast") or 32`: null and 0 mean the default, as in transformers.
      const bf = opt('beta_fast');
      const bs = opt('beta_slow');
      if (bf) s.betaFast = bf;
      if (bs) s.betaSlow = bs;
      for (const [hf, js] of [['mscale', 'mscale'], ['mscale_all_dim', 'mscaleAllDim']]) {
        const v = opt(hf);
        if (v !== null) s[js] = v;
      }
      const af = opt('attention_factor', { positive: true });
      if (af !== null) s.attentionFactor = af;
      if (dict.truncate !== undefined) {
        // `if truncate:` — JSON null is falsy, like false.
        if (dict.truncate !== null && typeof dict.truncate !== 'boolean') fail(CODE, key('truncate'), 'must be a boolean', dict.truncate);
        s.truncate = dict.truncate === true;
      }
      return s;
    }
    case 'llama3':
      return {
        type,
        factor: req('factor', { positive: true }),
        lowFreqFactor: req('low_freq_factor', { positive: true }),
        highFreqFactor: req('high_freq_factor', { positive: true }),
        originalMaxPositionEmbeddings: req('original_max_position_embeddings', { positive: true }),
      };
    case 'longrope': {
      const lists = {};
      for (const [hf, js] of [['short_factor', 'shortFactor'], ['long_factor', 'longFactor']]) {
        const v = dict[hf];
        if (!Array.isArray(v)) fail(CODE, key(hf), 'must be an array of numbers', v);
        lists[js] = v.map((f, i) => num(f, `${key(hf)}[${i}]`, { positive: true }));
      }
      // Phi-3 keeps the pretraining length at the top level (transformers 4.x reads it
      // there); 5.x also accepts it inside the rope dict. Without either, it is
      // max_position_embeddings.
      const inner = opt('original_max_position_embeddings', { positive: true });
      if (topOriginal !== null && inner !== null && topOriginal !== inner) {
        fail(CODE, key('original_max_position_embeddings'), `contradicts original_max_position_embeddings (${topOriginal})`, inner);
      }
      const original = topOriginal ?? inner ?? needMax();
      const max = maxPos ?? original;
      const factor = opt('factor', { positive: true });
      if (factor !== null && Math.abs(factor - max / original) > 1e-12 * (max / original)) {
        // transformers 4.x replaces factor by the ratio, 5.x keeps factor: they only agree
        // when the two are equal, so anything else is ambiguous.
        fail(CODE, key('factor'), `contradicts max_position_embeddings / original_max_position_embeddings = ${max / original}`, factor);
      }
      const s = { type, ...lists, originalMaxPositionEmbeddings: original, maxPositionEmbeddings: max };
      if (factor !== null) s.factor = factor;
      const af = opt('attention_factor', { positive: true });
      if (af !== null) s.attentionFactor = af;
      return s;
    }
    default:
      return null;
  }
}

/**
 * A RopeConfig from a parsed Hugging Face `config.json` (a multimodal config's
 * `text_config` is used when the top level has no attention geometry).
 * options.layout overrides the layout the model family implies; options.layerType picks
 * one set of a per-layer-type `rope_parameters`.
 */
export function configFromHF(config, options) {
  const o = checkLayoutOption(options, ['layout', 'layerType']);
  if (!isPlainObject(config)) fail(CODE, 'config', 'must be a parsed config.json object', config);
  let c = config;
  let where = '';
  if (!has(c, 'num_attention_heads') && !has(c, 'n_head') && isPlainObject(c.text_config)) {
    c = c.text_config;
    where = 'text_config.';
  }
  const at = (k) => `${where}${k}`;
  const modelType = has(c, 'model_type') ? c.model_type : (has(config, 'model_type') ? config.model_type : undefined);
  if (modelType !== undefined && typeof modelType !== 'string') fail(CODE, at('model_type'), 'must be a string', modelType);

  const { dict, prefix } = hfRopeDict(c, o);
  const pfx = where + prefix;

  // Head geometry.
  const heads = agree([[at('num_attention_heads'), c.num_attention_heads], [at('n_head'), c.n_head]],
    (v, n) => num(v, n, { positive: true, integer: true }));
  const hidden = agree([[at('hidden_size'), c.hidden_size], [at('n_embd'), c.n_embd]],
    (v, n) => num(v, n, { positive: true, integer: true }));
  let headDim;
  let headDimKey;
  if (has(c, 'qk_rope_head_dim') && c.qk_rope_head_dim !== null) {
    // Multi-head latent attention (DeepSeek-V2/V3): RoPE covers only the qk_rope_head_dim
    // slice of each head, and transformers sets head_dim to it for the rotary embedding.
    headDim = num(c.qk_rope_head_dim, at('qk_rope_head_dim'), { positive: true, integer: true });
    headDimKey = at('qk_rope_head_dim');
    if (has(c, 'head_dim') && c.head_dim !== null && c.head_dim !== headDim) {
      fail(CODE, at('head_dim'), `contradicts qk_rope_head_dim (${headDim}), which is what RoPE rotates`, c.head_dim);
    }
  } else if (has(c, 'head_dim') && c.head_dim !== null) {
    headDim = num(c.head_dim, at('head_dim'), { positive: true, integer: true });
    headDimKey = at('head_dim');
  } else {
    if (heads === undefined) fail(CODE, at('num_attention_heads'), 'is required (or head_dim)', undefined);
    if (hidden === undefined) fail(CODE, at('hidden_size'), 'is required (or head_dim)', undefined);
    if (hidden.v % heads.v !== 0) fail(CODE, hidden.name, `must be a multiple of ${heads.name} (${heads.v})`, hidden.v);
    headDim = hidden.v / heads.v;
    headDimKey = `${hidden.name} / ${heads.name}`;
  }

  // Rotated channels: partial_rotary_factor (top level or in the rope dict), GPT-NeoX's
  // rotary_pct, or GPT-J/CodeGen's absolute rotary_dim. transformers computes
  // int(head_dim * partial_rotary_factor), i.e. truncates.
  const fraction = agree([
    [at('partial_rotary_factor'), c.partial_rotary_factor],
    [`${pfx}.partial_rotary_factor`, dict.partial_rotary_factor],
    [at('rotary_pct'), c.rotary_pct],
  ], (v, n) => {
    const f = num(v, n, { positive: true });
    if (f > 1) fail(CODE, n, 'must be <= 1', v);
    return f;
  });
  let rotaryDim = headDim;
  let rotaryKey = headDimKey;
  if (fraction !== undefined) {
    rotaryDim = Math.trunc(headDim * fraction.v);
    rotaryKey = fraction.name;
  }
  if (has(c, 'rotary_dim') && c.rotary_dim !== null) {
    const rd = num(c.rotary_dim, at('rotary_dim'), { positive: true, integer: true });
    if (fraction !== undefined && rd !== rotaryDim) fail(CODE, at('rotary_dim'), `contradicts ${fraction.name} (giving ${rotaryDim})`, rd);
    rotaryDim = rd;
    rotaryKey = at('rotary_dim');
  }
  if (rotaryDim % 2 !== 0 || rotaryDim < 2) fail(CODE, rotaryKey, `must give an even number of rotated channels >= 2 (gives ${rotaryDim})`, rotaryDim);
  if (rotaryDim > headDim) fail(CODE, rotaryKey, `must give at most head_dim (${headDim}) rotated channels`, rotaryDim);

  // Base: rope_theta (4.x top level or 5.x rope dict), GPT-NeoX's rotary_emb_base.
  const baseEntry = agree([
    [at('rope_theta'), c.rope_theta],
    [`${pfx}.rope_theta`, dict.rope_theta],
    [at('rotary_emb_base'), c.rotary_emb_base],
  ], (v, n) => num(v, n, { positive: true }));
  // 10000 is the default of the config classes that omit it (GPT-J hard-codes it).
  const base = baseEntry ? baseEntry.v : 10000;

  const maxEntry = agree([[at('max_position_embeddings'), c.max_position_embeddings], [at('n_positions'), c.n_positions]],
    (v, n) => num(v, n, { positive: true, integer: true }));
  let scaling = hfScaling(c, dict, pfx, maxEntry ? maxEntry.v : null);
  let baseValue = base;

  // Gemma 3 in transformers 4.x: its sliding-window layers (5 of every 6) use a second RoPE,
  // base rope_local_base_freq and no scaling. Applying the global one to every layer would
  // be wrong for most of them, so the layer type must be chosen.
  const perLayerParams = prefix.startsWith('rope_parameters.');
  const local = !perLayerParams && has(c, 'rope_local_base_freq') && c.rope_local_base_freq !== null
    ? num(c.rope_local_base_freq, at('rope_local_base_freq'), { positive: true }) : null;
  if (local !== null) {
    const kinds = ['full_attention', 'sliding_attention'];
    if (o.layerType === undefined) {
      fail(CODE, at('rope_local_base_freq'), 'gives sliding-window layers their own RoPE (this base, no scaling): pass options.layerType "full_attention" or "sliding_attention"', local);
    }
    if (!kinds.includes(o.layerType)) fail(CODE, 'options.layerType', `must be one of ${kinds.join(', ')}`, o.layerType);
    if (o.layerType === 'sliding_attention') {
      baseValue = local;
      scaling = null;
    }
  } else if (o.layerType !== undefined && !perLayerParams) {
    fail(CODE, 'options.layerType', 'is only meaningful when the config has a RoPE per layer type (rope_parameters per layer type, or rope_local_base_freq)', o.layerType);
  }

  // Layout.
  let layout = o.layout;
  if (layout === undefined) {
    if (modelType === undefined) fail(CODE, 'model_type', 'is missing, so the layout is unknown: pass options.layout', undefined);
    if (modelType === 'deepseek_v3' && c.rope_interleave === false) layout = 'half';
    else if (HF_INTERLEAVED.has(modelType)) layout = 'interleaved';
    else if (HF_HALF.has(modelType)) layout = 'half';
    else fail(CODE, at('model_type'), 'is a family whose pairing rope-wasm does not know: pass options.layout ("half" or "interleaved")', modelType);
  }

  const result = { headDim, rotaryDim, base: baseValue, layout, scaling };
  const snake = (k) => k.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);
  return validated(result, (arg) => {
    if (arg.startsWith('config.scaling.')) return `${pfx}.${snake(arg.slice('config.scaling.'.length))}`;
    if (arg === 'config.base') return baseValue !== base ? at('rope_local_base_freq') : baseEntry ? baseEntry.name : at('rope_theta');
    if (arg === 'config.headDim') return headDimKey;
    if (arg === 'config.rotaryDim') return rotaryKey;
    return arg;
  });
}
