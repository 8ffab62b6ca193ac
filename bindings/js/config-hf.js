// Hugging Face config.json to a RopeConfig. Every problem is a RopeError with code
// CONFIG_INVALID naming the key. The mapping follows transformers' modeling_rope_utils.py
// (the 4.56/4.57 file with yarn `truncate`/`mscale`/`mscale_all_dim`, and the 5.x
// `rope_parameters` form, decba1d2ea 5.16.0.dev0 for M-RoPE, proportional and the
// per-family rules in config-hf-families.js).
import { fail } from './errors.js';
import { isPlainObject } from './validate.js';
import { CODE, agree, checkLayoutOption, has, num, validated } from './config-import-common.js';
import { defaultLayerTypes, familyName, familyOf } from './config-hf-families.js';
import { visionFromHF } from './config-hf-vision.js';

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
// Hugging Face rope_scaling types (plus "su", the old name of longrope; "mrope", the legacy
// name of default with M-RoPE sections, for the families whose modeling code has M-RoPE:
// qwen2_vl/configuration_qwen2_vl.py:128-129 at decba1d2ea) and their keys.
const HF_TYPES = {
  default: 'default', linear: 'linear', dynamic: 'dynamic', yarn: 'yarn', llama3: 'llama3', longrope: 'longrope', su: 'longrope',
  proportional: 'proportional', mrope: 'default',
};
const HF_SCALING_KEYS = {
  default: [],
  linear: ['factor'],
  dynamic: ['factor'],
  yarn: ['factor', 'original_max_position_embeddings', 'beta_fast', 'beta_slow', 'mscale', 'mscale_all_dim', 'attention_factor', 'truncate'],
  llama3: ['factor', 'low_freq_factor', 'high_freq_factor', 'original_max_position_embeddings'],
  longrope: ['short_factor', 'long_factor', 'factor', 'attention_factor', 'original_max_position_embeddings'],
  // modeling_rope_utils.py:193-266 at decba1d2ea (Gemma 4's full-attention layers).
  proportional: ['factor'],
};
// Keys transformers exempts from rope validation in the M-RoPE families
// (`ignore_keys_at_rope_validation`); mrope_interleaved is not read at all.
const HF_MROPE_KEYS = ['mrope_section', 'mrope_interleaved'];
// Keys that may sit in any rope_scaling / rope_parameters dict without meaning scaling.
const HF_COMMON_KEYS = ['rope_type', 'type', 'rope_theta', 'partial_rotary_factor'];
const HF_TYPE_LIST = Object.keys(HF_TYPES).map((t) => JSON.stringify(t)).join(', ');
const LAYER_KINDS = ['full_attention', 'sliding_attention'];

// A rope_type (or type) value: a known type name, else a RopeError naming that key, so a
// misspelt type is blamed before anything that depends on the type.
function checkType(v, name, fam) {
  if (typeof v !== 'string') fail(CODE, name, `must be a string, one of ${HF_TYPE_LIST}`, v);
  if (v === 'mrope' && !(fam && fam.mrope)) {
    fail(CODE, name, 'is multimodal RoPE (3-D positions), which transformers only has in the multimodal families ' +
      '(qwen2_vl, qwen2_5_vl, qwen3_vl, qwen3_5, glm4v, ...): model_type says which', v);
  }
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
// `rope_parameters` (possibly one per layer type: `layerType` picks it, resolved by
// hfLayer); 4.x writes `rope_scaling`.
function hfRopeDict(c, layerType, where, fam) {
  let params = has(c, 'rope_parameters') ? c.rope_parameters : null;
  let prefix = 'rope_parameters';
  if (params !== null) {
    if (!isPlainObject(params)) fail(CODE, `${where}rope_parameters`, 'must be an object or null', params);
    if (isPerLayer(params)) {
      if (layerType === undefined) {
        fail(CODE, 'options.layerType', `is required: ${where}rope_parameters holds one set per layer type ` +
          `(${Object.keys(params).join(', ')}); pass options.layerType (one of them) or options.layerIndex`, undefined);
      }
      if (!has(params, layerType) && !(fam && fam.perLayer && fam.perLayer[layerType] !== undefined)) {
        fail(CODE, 'options.layerType', `must be one of ${Object.keys(params).join(', ')}`, layerType);
      }
      // A family's layer type with no entry gets the class's {"rope_type": "default"}.
      params = has(params, layerType) ? params[layerType] : {};
      if (params === null) return null; // "skip when set to None, possibly a NoPE layer"
      if (!isPlainObject(params)) fail(CODE, `${where}rope_parameters.${layerType}`, 'must be an object or null', params);
      prefix = `rope_parameters.${layerType}`;
    }
  }
  const scaling = has(c, 'rope_scaling') ? c.rope_scaling : null;
  if (scaling !== null && !isPlainObject(scaling)) fail(CODE, `${where}rope_scaling`, 'must be an object or null', scaling);
  // Per-layer families (Gemma 3): 4.x rope_scaling is the full-attention layers' only.
  const scalingApplies = !(fam && fam.perLayer) || layerType === 'full_attention';
  if (params !== null && scaling !== null && scalingApplies) {
    // Both forms present: they must say the same thing (after each names a known type).
    for (const key of ['rope_type', 'type']) {
      if (has(params, key) && params[key] !== null) checkType(params[key], `${where}${prefix}.${key}`, fam);
      if (has(scaling, key) && scaling[key] !== null) checkType(scaling[key], `${where}rope_scaling.${key}`, fam);
    }
    for (const key of Object.keys(scaling)) {
      if (has(params, key) && JSON.stringify(params[key]) !== JSON.stringify(scaling[key])) {
        fail(CODE, `${where}rope_scaling.${key}`, `contradicts ${where}${prefix}.${key} (${JSON.stringify(params[key])})`, scaling[key]);
      }
    }
    return { dict: { ...scaling, ...params }, prefix };
  }
  if (params !== null) return { dict: params, prefix };
  if (scaling !== null && scalingApplies) return { dict: scaling, prefix: 'rope_scaling' };
  return { dict: {}, prefix: 'rope_scaling' };
}

function isPerLayer(params) {
  const values = Object.values(params);
  return values.length > 0 && values.every((v) => isPlainObject(v) || v === null) && values.some((v) => v !== null);
}

// ---------------------------------------------------------------------------------------
// Layers: which layer options.layerType / options.layerIndex picks, and whether the model
// needs one (its RoPE-using layers differ, or some layers have no RoPE where one could be
// applied by mistake: Llama 4's NoPE layers).

const NOPE = Symbol('no RoPE');

function checkLayerIndex(index, count, what) {
  if (!Number.isInteger(index) || index < 0) fail(CODE, 'options.layerIndex', 'must be an integer >= 0', index);
  if (count === undefined) fail(CODE, 'options.layerIndex', `needs the layer list (${what}) in the config`, index);
  if (index >= count) fail(CODE, 'options.layerIndex', `must be < the number of layers (${count}, from ${what})`, index);
  return index;
}

function layerTypesOf(c, fam, get, where) {
  let types = has(c, 'layer_types') && c.layer_types !== null ? c.layer_types : undefined;
  if (types !== undefined) {
    if (!Array.isArray(types) || types.some((t) => typeof t !== 'string')) fail(CODE, `${where}layer_types`, 'must be a list of strings', types);
    // gemma4/configuration_gemma4.py:197-201: the last layer is forced to full_attention.
    if (fam && fam.layers === 'gemma4' && types.length > 0) types = [...types.slice(0, -1), 'full_attention'];
    return { types, what: `${where}layer_types` };
  }
  if (fam === undefined) return { types: undefined, what: `${where}layer_types` };
  const derived = defaultLayerTypes(fam, get);
  return { types: derived, what: `${where}num_hidden_layers and the class's default layer pattern` };
}

// Llama 4: no_rope_layers[il] = 1 where RoPE is used (llama4/configuration_llama4.py:179-182).
function llama4RopeLayers(c, get, where) {
  const given = has(c, 'no_rope_layers') ? c.no_rope_layers : null;
  if (given !== null && (!Array.isArray(given) || given.some((v) => v !== 0 && v !== 1))) {
    fail(CODE, `${where}no_rope_layers`, 'must be a list of 0 (NoPE) and 1 (RoPE)', given);
  }
  if (given !== null && given.length > 0) return { uses: given.map((v) => v === 1), what: `${where}no_rope_layers` };
  const n = num(get('num_hidden_layers'), `${where}num_hidden_layers`, { positive: true, integer: true });
  const interval = num(get('no_rope_layer_interval'), `${where}no_rope_layer_interval`, { positive: true, integer: true });
  return {
    uses: Array.from({ length: n }, (_, il) => (il + 1) % interval !== 0),
    what: `${where}num_hidden_layers and no_rope_layer_interval (no_rope_layers is empty: int((il+1) % ${interval} != 0))`,
  };
}

/**
 * The layer type the options pick: a string, undefined (the model's layers share one RoPE
 * or the config has no per-layer RoPE) or NOPE (the picked layer has no RoPE).
 */
function hfLayer(c, fam, get, where, o) {
  const { types, what } = layerTypesOf(c, fam, get, where);
  const params = has(c, 'rope_parameters') && isPlainObject(c.rope_parameters) && isPerLayer(c.rope_parameters) ? c.rope_parameters : null;
  const localBase = has(c, 'rope_local_base_freq') && c.rope_local_base_freq !== null;
  const perLayer = (fam && fam.perLayer) || params !== null || localBase;

  if (fam && fam.layers === 'llama4') {
    const { uses, what: usesWhat } = llama4RopeLayers(c, get, where);
    const kinds = types ?? uses.map((u) => (u ? 'chunked_attention' : 'full_attention'));
    if (o.layerIndex !== undefined) {
      const i = checkLayerIndex(o.layerIndex, uses.length, usesWhat);
      return uses[i] ? kinds[i] : NOPE;
    }
    if (o.layerType !== undefined) {
      const picked = kinds.map((k, i) => (k === o.layerType ? i : -1)).filter((i) => i >= 0);
      if (picked.length === 0) fail(CODE, 'options.layerType', `must be one of ${[...new Set(kinds)].join(', ')}`, o.layerType);
      const rope = picked.filter((i) => uses[i]);
      if (rope.length === 0) return NOPE;
      if (rope.length !== picked.length) {
        fail(CODE, 'options.layerType', `names layers with and without RoPE (${usesWhat}): pass options.layerIndex`, o.layerType);
      }
      return o.layerType;
    }
    fail(CODE, 'options.layerIndex', `is required: Llama 4 has NoPE layers (${usesWhat}); pass options.layerIndex ` +
      '(configFromHF returns null for a NoPE layer) or options.layerType "chunked_attention" (the RoPE layers)', undefined);
  }

  let layerType = o.layerType;
  if (o.layerIndex !== undefined) {
    if (o.layerType !== undefined) fail(CODE, 'options.layerIndex', 'and options.layerType both pick a layer: pass one', o.layerIndex);
    if (types !== undefined) {
      layerType = types[checkLayerIndex(o.layerIndex, types.length, what)];
    } else {
      if (perLayer) fail(CODE, 'options.layerIndex', `needs ${where}layer_types to know the layer's type: pass options.layerType`, o.layerIndex);
      // No layer types: every layer has the same RoPE; the index need only exist.
      const n = get('num_hidden_layers');
      checkLayerIndex(o.layerIndex, Number.isInteger(n) && n > 0 ? n : undefined, `${where}num_hidden_layers`);
    }
  }
  if (fam && fam.noRope && fam.noRope.includes(layerType)) return NOPE;
  if (perLayer) {
    if (layerType === undefined) {
      const why = params !== null ? `${where}rope_parameters holds one set per layer type (${Object.keys(params).join(', ')})`
        : localBase ? `${where}rope_local_base_freq gives sliding-window layers their own RoPE (this base, no scaling)`
          : `${familyName(get('model_type')) ?? 'this model'} has a RoPE per layer type (full_attention, sliding_attention)`;
      fail(CODE, 'options.layerType', `is required: ${why}; pass options.layerType ("full_attention" or "sliding_attention") ` +
        `or options.layerIndex (mapped through ${what})`, undefined);
    }
    const allowed = params !== null && !(fam && fam.perLayer) ? Object.keys(params) : LAYER_KINDS;
    if (!allowed.includes(layerType)) fail(CODE, 'options.layerType', `must be one of ${allowed.join(', ')}`, layerType);
    return layerType;
  }
  if (o.layerType !== undefined && (types === undefined || !types.includes(o.layerType))) {
    fail(CODE, 'options.layerType', 'is only meaningful when the config has a RoPE per layer type (rope_parameters per ' +
      `layer type, rope_local_base_freq, or layer_types${types ? `: ${[...new Set(types)].join(', ')}` : ''})`, o.layerType);
  }
  return undefined;
}

function hfScaling(c, dict, prefix, maxPos, fam) {
  const key = (k) => `${prefix}.${k}`;
  // Each spelling is checked before they are compared, so a misspelt one is what is blamed.
  // Compared by what they mean: transformers 5 saves a legacy {"type": "mrope"} as
  // {"type": "mrope", "rope_type": "default"} (qwen2_vl/configuration_qwen2_vl.py:128-129).
  const typeEntry = agree([[key('rope_type'), dict.rope_type], [key('type'), dict.type]], (v, n) => HF_TYPES[checkType(v, n, fam)]);
  const common = fam && fam.mrope ? [...HF_COMMON_KEYS, ...HF_MROPE_KEYS] : HF_COMMON_KEYS;
  if (typeEntry === undefined && Object.keys(dict).some((k) => dict[k] !== undefined && !common.includes(k))) {
    failMissingType(dict, prefix);
  }
  const rawType = typeEntry ? typeEntry.v : 'default';
  const type = HF_TYPES[rawType];
  for (const k of Object.keys(dict)) {
    if (dict[k] === undefined || common.includes(k) || HF_SCALING_KEYS[type].includes(k)) continue;
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
    case 'proportional': {
      // partial_rotary_factor is the proportion of rotated pairs here, not a rotaryDim
      // (configFromHF keeps rotaryDim = headDim); `.get("factor", 1.0)`.
      const s = { type, partialRotaryFactor: 1 };
      const factor = opt('factor', { positive: true });
      if (factor !== null) s.factor = factor;
      return s;
    }
    default:
      return null;
  }
}

/**
 * A RopeConfig from a parsed Hugging Face `config.json` (a multimodal config's
 * `text_config` is used for the known multimodal families, and otherwise when the top level
 * has no attention geometry). options.layout overrides the layout the model family implies;
 * options.layerType / options.layerIndex pick a layer of a model whose layers differ (null
 * for a layer without RoPE); options.vision returns the vision tower's RoPE.
 */
export function configFromHF(config, options) {
  const o = checkLayoutOption(options, ['layout', 'layerType', 'layerIndex', 'vision']);
  if (!isPlainObject(config)) fail(CODE, 'config', 'must be a parsed config.json object', config);
  if (o.vision !== undefined && typeof o.vision !== 'boolean') fail('INVALID_TYPE', 'options.vision', 'must be a boolean', o.vision);
  if (o.vision) {
    if (o.layerType !== undefined || o.layerIndex !== undefined) fail(CODE, 'options.vision', 'takes no layerType / layerIndex (the tower\'s layers share one RoPE)', o.vision);
    return visionFromHF(config, o);
  }
  if (o.layerType !== undefined && typeof o.layerType !== 'string') fail(CODE, 'options.layerType', 'must be a string', o.layerType);

  let c = config;
  let where = '';
  const topFamily = familyOf(config.model_type);
  if (isPlainObject(config.text_config) &&
      (topFamily !== undefined || familyOf(config.text_config.model_type) !== undefined || (!has(c, 'num_attention_heads') && !has(c, 'n_head')))) {
    c = config.text_config;
    where = 'text_config.';
  }
  const at = (k) => `${where}${k}`;
  const modelType = has(c, 'model_type') ? c.model_type : (has(config, 'model_type') ? config.model_type : undefined);
  if (modelType !== undefined && typeof modelType !== 'string') fail(CODE, at('model_type'), 'must be a string', modelType);
  const fam = familyOf(modelType) ?? topFamily;
  // The config class's defaults for the keys a Hub config.json may leave out.
  if (fam !== undefined) c = { ...fam.defaults, ...c, model_type: modelType };
  const get = (k) => (has(c, k) ? c[k] : undefined);

  const layerType = hfLayer(c, fam, get, where, o);
  if (layerType === NOPE) return null;

  // The per-layer-type rules: the family's, or Gemma 3's 4.x form under another model_type
  // (rope_local_base_freq for the sliding layers, 4.x rope_scaling for the full ones only).
  const rules = fam ?? (has(c, 'rope_local_base_freq') && c.rope_local_base_freq !== null
    ? { perLayer: { full_attention: 10000, sliding_attention: 10000 } } : undefined);
  const picked = hfRopeDict(c, layerType, where, rules);
  if (picked === null) return null;
  let { dict, prefix } = picked;
  // Gemma 4 without rope_parameters: the class default per layer type.
  if (fam && fam.defaultRopeParameters && !has(c, 'rope_parameters') && !has(c, 'rope_scaling')) {
    dict = fam.defaultRopeParameters[layerType];
    prefix = `rope_parameters.${layerType}`;
  }
  const pfx = where + prefix;

  // Head geometry.
  const heads = agree([[at('num_attention_heads'), c.num_attention_heads], [at('n_head'), c.n_head]],
    (v, n) => num(v, n, { positive: true, integer: true }));
  const hidden = agree([[at('hidden_size'), c.hidden_size], [at('n_embd'), c.n_embd]],
    (v, n) => num(v, n, { positive: true, integer: true }));
  let headDim;
  let headDimKey;
  // Gemma 4's full-attention layers: per_layer_config overrides (head_dim = global_head_dim,
  // num_key_value_heads = num_global_key_value_heads when attention_k_eq_v), derived in
  // __post_init__ unless config.json has them (configuration_gemma4.py:210-224): a saved
  // config keeps per_layer_config (keyed by layer index) instead of global_head_dim.
  let layerOverride = null;
  let overrideKey = '';
  if (fam && fam.layers === 'gemma4' && layerType === 'full_attention' && has(c, 'per_layer_config') && c.per_layer_config !== null) {
    if (!isPlainObject(c.per_layer_config)) fail(CODE, at('per_layer_config'), 'must be an object (layer index -> overrides)', c.per_layer_config);
    const { types } = layerTypesOf(c, fam, get, where);
    const index = o.layerIndex ?? (types ? types.indexOf('full_attention') : -1);
    if (index >= 0 && isPlainObject(c.per_layer_config[String(index)])) {
      layerOverride = c.per_layer_config[String(index)];
      overrideKey = `${at('per_layer_config')}.${index}`;
    }
  }
  if (layerOverride !== null && has(layerOverride, 'head_dim')) {
    headDim = num(layerOverride.head_dim, `${overrideKey}.head_dim`, { positive: true, integer: true });
    headDimKey = `${overrideKey}.head_dim`;
  } else if (fam && fam.layers === 'gemma4' && layerType === 'full_attention') {
    headDim = num(c.global_head_dim, at('global_head_dim'), { positive: true, integer: true });
    headDimKey = at('global_head_dim');
  } else if (has(c, 'qk_rope_head_dim') && c.qk_rope_head_dim !== null) {
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

  // Head counts: num_key_value_heads defaults to num_attention_heads (every config class's
  // `if self.num_key_value_heads is None`). Gemma 4's full-attention layers use
  // num_global_key_value_heads when attention_k_eq_v.
  let kvEntry = has(c, 'num_key_value_heads') && c.num_key_value_heads !== null
    ? { name: at('num_key_value_heads'), v: num(c.num_key_value_heads, at('num_key_value_heads'), { positive: true, integer: true }) } : undefined;
  if (layerOverride !== null && has(layerOverride, 'num_key_value_heads')) {
    kvEntry = { name: `${overrideKey}.num_key_value_heads`, v: num(layerOverride.num_key_value_heads, `${overrideKey}.num_key_value_heads`, { positive: true, integer: true }) };
  } else if (layerOverride === null && fam && fam.layers === 'gemma4' && layerType === 'full_attention' && c.attention_k_eq_v === true &&
      has(c, 'num_global_key_value_heads') && c.num_global_key_value_heads !== null) {
    kvEntry = { name: at('num_global_key_value_heads'), v: num(c.num_global_key_value_heads, at('num_global_key_value_heads'), { positive: true, integer: true }) };
  }

  // Rotated channels: partial_rotary_factor (top level or in the rope dict), GPT-NeoX's
  // rotary_pct, or GPT-J/CodeGen's absolute rotary_dim. transformers computes
  // int(head_dim * partial_rotary_factor), i.e. truncates. A family's class default (GLM-4:
  // 0.5, Qwen3.5: 0.25, GLM-4V: 1.0) applies when the config gives none.
  const fraction = agree([
    [at('partial_rotary_factor'), c.partial_rotary_factor],
    [`${pfx}.partial_rotary_factor`, dict.partial_rotary_factor],
    [at('rotary_pct'), c.rotary_pct],
  ], (v, n) => {
    const f = num(v, n, { positive: true });
    if (f > 1) fail(CODE, n, 'must be <= 1', v);
    return f;
  }) ?? (fam && fam.partialRotaryFactor !== undefined ? { name: `${at('partial_rotary_factor')} (class default ${fam.partialRotaryFactor})`, v: fam.partialRotaryFactor } : undefined);

  // Base: rope_theta (4.x top level or 5.x rope dict), GPT-NeoX's rotary_emb_base. Gemma's
  // sliding-window layers: rope_local_base_freq (4.x) or their rope_parameters entry.
  let baseEntry;
  if (rules && rules.perLayer && layerType !== undefined) {
    const topKey = layerType === 'sliding_attention' ? 'rope_local_base_freq' : 'rope_theta';
    baseEntry = agree([[at(topKey), c[topKey]], [`${pfx}.rope_theta`, dict.rope_theta]], (v, n) => num(v, n, { positive: true }));
    if (baseEntry === undefined) baseEntry = { name: `${at(topKey)} (class default)`, v: rules.perLayer[layerType] };
  } else {
    baseEntry = agree([
      [at('rope_theta'), c.rope_theta],
      [`${pfx}.rope_theta`, dict.rope_theta],
      [at('rotary_emb_base'), c.rotary_emb_base],
    ], (v, n) => num(v, n, { positive: true }));
  }
  // 10000 is PreTrainedConfig's default_theta (GPT-J hard-codes it); some classes set their own.
  const base = baseEntry ? baseEntry.v : (fam && fam.theta !== undefined ? fam.theta : 10000);

  const maxEntry = agree([[at('max_position_embeddings'), c.max_position_embeddings], [at('n_positions'), c.n_positions]],
    (v, n) => num(v, n, { positive: true, integer: true }));
  const scaling = hfScaling(c, dict, pfx, maxEntry ? maxEntry.v : null, fam);

  let rotaryDim = headDim;
  let rotaryKey = headDimKey;
  if (scaling !== null && scaling.type === 'proportional') {
    // The proportion is of the rotated pairs; the rotation spans the whole head.
    scaling.partialRotaryFactor = fraction ? fraction.v : 1;
  } else if (fraction !== undefined) {
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

  // M-RoPE: the family's modeling code decides chunked or interleaved (mrope_interleaved
  // is not read by transformers); mrope_section in the rope dict, else the class fallback.
  let mrope;
  let mropeKey = `${pfx}.mrope_section`;
  if (fam && fam.mrope) {
    let section = dict.mrope_section;
    if (section === undefined || section === null) {
      if (fam.mrope.section === null) fail(CODE, mropeKey, `is required: ${familyName(modelType)}'s modeling code reads rope_parameters["mrope_section"]`, section);
      section = fam.mrope.section;
      mropeKey = `${mropeKey} (class default [${section.join(', ')}])`;
    }
    if (!Array.isArray(section) || section.some((v) => typeof v !== 'number')) fail(CODE, mropeKey, 'must be a list of 3 pair counts', section);
    if (dict.mrope_interleaved !== undefined && dict.mrope_interleaved !== null && typeof dict.mrope_interleaved !== 'boolean') {
      fail(CODE, `${pfx}.mrope_interleaved`, 'must be a boolean (transformers does not read it: the model class decides)', dict.mrope_interleaved);
    }
    mrope = { section: [...section], mode: fam.mrope.mode };
  }

  // Layout.
  let layout = o.layout;
  if (layout === undefined) {
    if (modelType === undefined) fail(CODE, 'model_type', 'is missing, so the layout is unknown: pass options.layout', undefined);
    if (fam !== undefined) layout = fam.layout;
    else if (modelType === 'deepseek_v3' && c.rope_interleave === false) layout = 'half';
    else if (HF_INTERLEAVED.has(modelType)) layout = 'interleaved';
    else if (HF_HALF.has(modelType)) layout = 'half';
    else fail(CODE, at('model_type'), 'is a family whose pairing rope-wasm does not know: pass options.layout ("half" or "interleaved")', modelType);
  }

  const result = { headDim, rotaryDim, base, layout, scaling };
  if (mrope !== undefined) result.mrope = mrope;
  if (heads !== undefined) {
    result.numHeads = heads.v;
    result.numKvHeads = kvEntry ? kvEntry.v : heads.v;
  }
  const snake = (k) => k.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);
  return validated(result, (arg) => {
    if (arg.startsWith('config.scaling.')) return `${pfx}.${snake(arg.slice('config.scaling.'.length))}`;
    if (arg === 'config.base') return baseEntry ? baseEntry.name : at('rope_theta');
    if (arg === 'config.headDim') return headDimKey;
    if (arg === 'config.rotaryDim') return rotaryKey;
    return arg;
  }, { mrope: mropeKey, scaling: pfx, numHeads: heads && heads.name, numKvHeads: kvEntry ? kvEntry.name : at('num_key_value_heads') });
}
