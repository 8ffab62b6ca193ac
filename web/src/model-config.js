// Section 5's form and "paste a model's settings" logic: pure functions from inputs to a
// state patch. The conversion of a Hugging Face config is the package's configFromHF.
import { normalizeState } from './state.js';

/**
 * The scaling a form selection describes. `type` '' means none. Keeps the state's own
 * per-type settings (e.g. pasted yarn betas) when the type does not change. Longrope needs
 * per-pair factor lists, which only a pasted config can provide.
 */
export function scalingFromForm(state, { type, factor, orig }) {
  const s = normalizeState(state);
  const f = Number.isFinite(factor) && factor >= 1 ? factor : s.factor;
  const o = Number.isFinite(orig) && orig >= 16 ? Math.round(orig) : s.orig;
  const prev = s.scaling && s.scaling.type === type ? s.scaling : null;
  let scaling = null;
  let message = null;
  switch (type) {
    case '':
      break;
    case 'linear':
      scaling = { type, factor: f };
      break;
    case 'dynamic':
      scaling = { type, factor: f, maxPositionEmbeddings: o };
      break;
    case 'yarn':
      scaling = { ...(prev ?? {}), type, factor: f, originalMaxPositionEmbeddings: o };
      break;
    case 'llama3':
      scaling = { lowFreqFactor: 1, highFreqFactor: 4, ...(prev ?? {}), type, factor: f, originalMaxPositionEmbeddings: o };
      break;
    case 'longrope':
      if (prev && Array.isArray(prev.shortFactor)) {
        scaling = { ...prev };
      } else {
        message = 'longrope needs the model\'s short_factor and long_factor lists: paste its rope_scaling or load its config.json below.';
      }
      break;
    default:
      message = `unknown scaling type ${type}`;
  }
  return { scaling, factor: f, orig: o, message };
}

/** Parses pasted text as JSON; { json } or { error }. */
export function parseModelJson(text) {
  const t = String(text ?? '').trim();
  if (!t) return { error: 'it is empty' };
  try {
    const json = JSON.parse(t);
    if (!json || typeof json !== 'object' || Array.isArray(json)) return { error: 'it is not a JSON object' };
    return { json };
  } catch (e) {
    return { error: `it is not valid JSON (${e.message})` };
  }
}

/** True when the object looks like a whole config.json rather than a rope_scaling dict. */
export function isWholeConfig(json) {
  return ['model_type', 'hidden_size', 'num_attention_heads', 'head_dim', 'rope_theta', 'rope_scaling', 'rope_parameters', 'text_config', 'n_embd']
    .some((k) => Object.prototype.hasOwnProperty.call(json, k));
}

/**
 * Wraps a bare rope_scaling dict into a minimal config.json for configFromHF, using the
 * page's head geometry and base. max_position_embeddings: original x factor when the dict
 * names the original length, else the page's trained length.
 */
export function wrapRopeScaling(scalingDict, state) {
  const s = normalizeState(state);
  const orig = Number(scalingDict.original_max_position_embeddings);
  const factor = Number(scalingDict.factor);
  const max = Number.isFinite(orig) && orig > 0 && Number.isFinite(factor) && factor > 0 ? Math.round(orig * factor) : s.orig;
  const cfg = {
    head_dim: s.dim, num_attention_heads: 1, hidden_size: s.dim, rope_theta: s.base,
    max_position_embeddings: max, rope_scaling: scalingDict,
  };
  if (s.rot !== s.dim) cfg.partial_rotary_factor = s.rot / s.dim;
  return cfg;
}

/** A RopeConfig (from configFromHF) -> the page's state patch. */
export function patchFromRopeConfig(cfg, state) {
  const s = normalizeState(state);
  const patch = { dim: cfg.headDim, rot: cfg.rotaryDim ?? cfg.headDim, base: cfg.base ?? s.base, layout: cfg.layout ?? s.layout };
  const sc = cfg.scaling && cfg.scaling.type !== 'default' ? { ...cfg.scaling } : null;
  for (const k of ['shortFactor', 'longFactor']) if (sc && sc[k]) sc[k] = Array.from(sc[k]);
  patch.scaling = sc;
  if (sc && Number.isFinite(sc.factor)) patch.factor = sc.factor;
  const orig = sc ? (sc.originalMaxPositionEmbeddings ?? (sc.type === 'dynamic' ? sc.maxPositionEmbeddings : undefined)) : undefined;
  if (Number.isFinite(orig)) patch.orig = orig;
  if (sc) {
    const f = Number.isFinite(sc.factor) ? sc.factor : (sc.maxPositionEmbeddings && orig ? sc.maxPositionEmbeddings / orig : s.factor);
    patch.len = Math.round((orig ?? s.orig) * f);
  }
  patch.pair = 0;
  return patch;
}

/**
 * Uses a pasted config.json or rope_scaling dict: converts it with the package's
 * configFromHF (passed in as `api`), returns { patch, message } or { error }.
 */
export function applyModelConfig(json, state, api) {
  if (typeof api.configFromHF !== 'function') {
    return { error: 'this build of rope-wasm has no configFromHF' };
  }
  const whole = isWholeConfig(json);
  const cfgJson = whole ? json : wrapRopeScaling(json, state);
  let cfg;
  let note = '';
  try {
    cfg = api.configFromHF(cfgJson);
  } catch (e) {
    const arg = e && e.argument ? String(e.argument) : '';
    if (arg.endsWith('model_type')) {
      // Unknown family (or a bare rope_scaling): keep the page's pairing.
      try {
        cfg = api.configFromHF(cfgJson, { layout: normalizeState(state).layout });
        note = whole ? ` (pairing: the model family is not known, so the page's ${normalizeState(state).layout} is kept)` : '';
      } catch (e2) {
        return { error: `${e2.code ?? 'ERROR'}: ${e2.message}` };
      }
    } else {
      return { error: `${e.code ?? 'ERROR'}: ${e.message}` };
    }
  }
  const patch = patchFromRopeConfig(cfg, state);
  const sc = patch.scaling;
  const desc = sc ? `${sc.type} scaling${Number.isFinite(sc.factor) ? `, factor ${sc.factor}` : ''}` : 'no scaling';
  return {
    patch,
    config: cfg,
    message: `head dim ${cfg.headDim}, rotary dims ${cfg.rotaryDim}, base ${cfg.base}, ${cfg.layout} pairing, ${desc}${note}.`,
  };
}
