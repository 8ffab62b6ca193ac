// configFromHF(config, { vision: true }): the vision tower's 2-D RoPE as a RopeConfig with
// mrope { mode: 'vision' } (consecutive sections, the frequency index restarting in each).
//
// transformers decba1d2ea (5.16.0.dev0):
// - Qwen2-VL / Qwen2.5-VL / Qwen3-VL / Qwen3.5: `head_dim = width // num_heads` and
//   `VisionRotaryEmbedding(head_dim // 2)` with its hard-coded theta 10000
//   (qwen2_vl/modeling_qwen2_vl.py:239-248, :670-671 with width = embed_dim;
//   qwen2_5_vl/modeling_qwen2_5_vl.py:369-370 and qwen3_vl/modeling_qwen3_vl.py:630-631 with
//   width = hidden_size): inv[j] = 10000^(-2j / (D/2)), j < D/4, emb = cat(rpe, rpe) with
//   rpe = [h * inv | w * inv], rotate_half over all D channels. So pairs (i, i + D/2): the
//   first D/4 take the row, the next D/4 the column, each from frequency index 0.
// - Llama 4 (llama4/modeling_llama4.py:990-1017): freq_dim = hidden_size // heads // 2,
//   rope_freq[j] = rope_theta^(-2j / freq_dim), j < freq_dim/2; complex (interleaved) pairs:
//   the first D/4 take x + 1, the next D/4 take y + 1 (the positions are the caller's).
//   rope_theta from vision_config (PreTrainedConfig's default 10000).
import { fail } from './errors.js';
import { isPlainObject } from './validate.js';
import { CODE, agree, has, num, validated } from './config-import-common.js';
import { familyOf } from './config-hf-families.js';

export function visionFromHF(config, o) {
  const fam = familyOf(config.model_type);
  if (fam === undefined || fam.vision === undefined) {
    fail(CODE, 'model_type', 'is not a model whose vision tower\'s RoPE configFromHF knows ' +
      '(qwen2_vl, qwen2_5_vl, qwen3_vl, qwen3_vl_moe, qwen3_5, qwen3_5_moe, llama4): options.vision needs one', config.model_type);
  }
  const v = fam.vision;
  const vc0 = has(config, 'vision_config') ? config.vision_config : {};
  if (!isPlainObject(vc0)) fail(CODE, 'vision_config', 'must be an object', vc0);
  const vc = { ...v.defaults, ...vc0 };
  const at = (k) => `vision_config.${k}`;
  const width = num(vc[v.width], at(v.width), { positive: true, integer: true });
  const heads = num(vc[v.heads], at(v.heads), { positive: true, integer: true });
  if (width % heads !== 0) fail(CODE, at(v.width), `must be a multiple of ${at(v.heads)} (${heads})`, width);
  const headDim = width / heads;
  const headKey = `${at(v.width)} / ${at(v.heads)}`;
  if (headDim % 4 !== 0) fail(CODE, headKey, 'must give a head dim that is a multiple of 4 (two position streams of pairs)', headDim);
  let base = 10000;
  let baseKey = `${at('rope_theta')} (VisionRotaryEmbedding's 10000)`;
  if (v.theta !== null) {
    const params = has(vc, 'rope_parameters') && isPlainObject(vc.rope_parameters) ? vc.rope_parameters : {};
    const entry = agree([[at('rope_theta'), vc.rope_theta], [at('rope_parameters.rope_theta'), params.rope_theta]],
      (x, n) => num(x, n, { positive: true }));
    if (entry !== undefined) {
      base = entry.v;
      baseKey = entry.name;
    } else {
      baseKey = `${at('rope_theta')} (default 10000)`;
    }
  }
  const result = {
    headDim, rotaryDim: headDim, base, layout: o.layout ?? v.layout, scaling: null,
    mrope: { section: [headDim / 4, headDim / 4], mode: 'vision' },
    numHeads: heads, numKvHeads: heads,
  };
  return validated(result, (arg) => (arg === 'config.base' ? baseKey : arg === 'config.headDim' ? headKey : arg),
    { mrope: headKey, numHeads: at(v.heads), numKvHeads: at(v.heads) });
}
