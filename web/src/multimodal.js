// The numbers of the multimodal and model sections (images and video with M-RoPE, the vision
// tower's 2-D RoPE, "your model"), computed with rope-wasm's public API in the compute
// Worker: mropePositions / visionPositions for the positions, createRope + apply (with
// RopeConfig.mrope) for every rotation, configFromHF + frequencies for a model's config.
// Pure functions of (lib, state); the only JS arithmetic on top is dot products.
import { configFromHF, mropePositions, visionPositions } from 'rope-wasm';
import { normalizeState } from './state.js';
import { dot, pairChannels, tokenVector } from './math.js';
import { MODEL_CONFIGS, modelConfig } from './configs/index.js';

/** Runs fn with a rope made for it, disposed afterwards (shared by the Worker's computations). */
export function withRope(lib, cfg, fn) {
  const rope = lib.createRope(cfg);
  try {
    return fn(rope);
  } finally {
    rope.dispose();
  }
}

/** `vec` repeated once per position (one head per token). */
export function tile(vec, count) {
  const out = new Float32Array(vec.length * count);
  for (let t = 0; t < count; t++) out.set(vec, t * vec.length);
  return out;
}

/**
 * The language models' M-RoPE, from their published config.json files (head_dim 128):
 * Qwen2-VL and Qwen2.5-VL rope_scaling { type: mrope, mrope_section: [16, 24, 24] },
 * rope_theta 1e6; Qwen3-VL text_config.rope_scaling { mrope_interleaved: true,
 * mrope_section: [24, 20, 20] }, rope_theta 5e6. Qwen2.5-VL's vision_config says
 * tokens_per_second 2; its processor samples 2 fps with temporal_patch_size 2, so one
 * second per temporal patch.
 */
export const MM_ROPES = {
  'qwen2-vl': { name: 'Qwen2-VL', headDim: 128, base: 1e6, section: [16, 24, 24], mode: 'chunked' },
  'qwen2.5-vl': { name: 'Qwen2.5-VL', headDim: 128, base: 1e6, section: [16, 24, 24], mode: 'chunked', tokensPerSecond: 2, secondsPerGrid: 1 },
  'qwen3-vl': { name: 'Qwen3-VL', headDim: 128, base: 5e6, section: [24, 20, 20], mode: 'interleaved' },
};
export const STREAMS = ['t', 'h', 'w'];

/** The prompt the state describes, as mropePositions segments. */
export function promptSegments(s) {
  const M = MM_ROPES[s.mm];
  const video = { video: [s.vt, s.vh, s.vw] };
  if (M.secondsPerGrid !== undefined) video.secondsPerGrid = M.secondsPerGrid;
  const segs = [{ text: s.pre }, { image: [1, s.ih, s.iw] }, { text: s.mid }];
  if (s.vt > 0) segs.push(video);
  segs.push({ text: s.post });
  return segs;
}

/** Which stream turns each pair, measured with the kernel: one stream at position 1 at a time. */
export function pairStreams(lib, headDim, section, mode) {
  const pairs = headDim / 2;
  return withRope(lib, { headDim, base: 10000, mrope: { section, mode } }, (rope) => {
    const streams = section.length;
    const unit = new Float32Array(headDim);
    for (let i = 0; i < pairs; i++) unit[pairChannels('half', i, headDim)[0]] = 1;
    const x = tile(unit, streams);
    const pos = new Int32Array(streams * streams);
    for (let k = 0; k < streams; k++) pos[k * streams + k] = 1; // token k: stream k at 1
    rope.apply(x, { numHeads: 1, positions: pos });
    const out = [];
    for (let i = 0; i < pairs; i++) {
      let stream = -1;
      for (let k = 0; k < streams; k++) {
        const [a, b] = pairChannels('half', i, headDim);
        if (Math.abs(x[k * headDim + b]) > 1e-6 || Math.abs(x[k * headDim + a] - 1) > 1e-6) stream = k;
      }
      out.push(stream);
    }
    return out;
  });
}

// ---- Images and video (M-RoPE) ------------------------------------------------------------
export function mrope(lib, state) {
  const s = normalizeState(state);
  const M = MM_ROPES[s.mm];
  const opts = { model: s.mm, spatialMergeSize: s.merge };
  if (M.tokensPerSecond !== undefined) opts.tokensPerSecond = M.tokensPerSecond;
  const segments = promptSegments(s);
  const { positions, ropeDelta, nextPosition } = mropePositions(segments, opts);
  const T = positions.length / 3;
  // Each token's kind and place (text, image row/col, video frame/row/col).
  const tokens = [];
  for (const seg of segments) {
    if ('text' in seg) for (let i = 0; i < seg.text; i++) tokens.push({ kind: 'text' });
    else {
      const [t, h, w] = seg.image ?? seg.video;
      const kind = seg.image ? 'image' : 'video';
      for (let f = 0; f < t; f++) for (let r = 0; r < h / s.merge; r++) for (let c = 0; c < w / s.merge; c++) tokens.push({ kind, f, r, c });
    }
  }
  tokens.forEach((tk, i) => { tk.i = i; tk.t = positions[i]; tk.h = positions[T + i]; tk.w = positions[2 * T + i]; });
  const gh = s.ih / s.merge;
  const gw = s.iw / s.merge;
  const image = tokens.filter((t) => t.kind === 'image');
  const query = image.find((t) => t.r === s.qr && t.c === s.qc);
  const d = M.headDim;
  const scale = 1 / Math.sqrt(d);
  const q0 = tokenVector('patch', 'q', s.seed, d);
  const k0 = tokenVector('patch', 'k', s.seed, d);
  const N = image.length;
  // M-RoPE: q at the query patch's (t, h, w), k at every patch's, rotated by the kernel.
  const score2d = withRope(lib, { headDim: d, base: M.base, mrope: { section: M.section, mode: M.mode } }, (rope) => {
    const q = Float32Array.from(q0);
    rope.apply(q, { numHeads: 1, positions: Int32Array.from([query.t, query.h, query.w]) });
    const k = tile(k0, N);
    const pos = new Int32Array(3 * N);
    image.forEach((tk, j) => { pos[j] = tk.t; pos[N + j] = tk.h; pos[2 * N + j] = tk.w; });
    rope.apply(k, { numHeads: 1, positions: pos });
    return image.map((_, j) => dot(q, k.subarray(j * d, (j + 1) * d)) * scale);
  });
  // Plain 1-D RoPE of the same model over the flattened token index.
  const score1d = withRope(lib, { headDim: d, base: M.base }, (rope) => {
    const q = Float32Array.from(q0);
    rope.apply(q, { numHeads: 1, positions: Int32Array.from([query.i]) });
    const k = tile(k0, N);
    rope.apply(k, { numHeads: 1, positions: Int32Array.from(image, (tk) => tk.i) });
    return image.map((_, j) => dot(q, k.subarray(j * d, (j + 1) * d)) * scale);
  });
  const cells = image.map((tk, j) => ({
    r: tk.r, c: tk.c, t: tk.t, h: tk.h, w: tk.w, i: tk.i,
    dh: tk.h - query.h, dw: tk.w - query.w, flat: tk.i - query.i, score2d: score2d[j], score1d: score1d[j],
  }));
  const afterImage = tokens[s.pre + N];
  const strips = {
    chunked: { model: 'Qwen2-VL / Qwen2.5-VL', section: [16, 24, 24], streams: pairStreams(lib, 128, [16, 24, 24], 'chunked') },
    interleaved: { model: 'Qwen3-VL', section: [24, 20, 20], streams: pairStreams(lib, 128, [24, 20, 20], 'interleaved') },
  };
  return {
    model: s.mm, modelName: M.name, rope: { headDim: d, base: M.base, section: M.section, mode: M.mode },
    segments, T, ropeDelta, nextPosition, tokens, grid: { h: gh, w: gw }, query: { r: s.qr, c: s.qc, t: query.t, h: query.h, w: query.w, i: query.i },
    cells, strips,
    jump: { imageStart: s.pre, imageTokens: N, nextText: afterImage ? afterImage.t : nextPosition, byMax: Math.max(gh, gw) },
  };
}

// ---- Inside the vision tower (2-D RoPE) ---------------------------------------------------
/**
 * The vision towers' RoPE: head_dim = embed_dim / num_heads (Qwen2-VL and Qwen2.5-VL: 1280 /
 * 16 = 80; Qwen3-VL: 1152 / 16 = 72), a RoPE of head_dim/2 channels per axis (section
 * [head_dim/4, head_dim/4], the frequencies restarting in each), theta 10000, rotate_half.
 */
export function vision(lib, state) {
  const s = normalizeState(state);
  const H = s.vgh;
  const W = s.vgw;
  const d = s.vhd;
  const hw = visionPositions([1, H, W], { spatialMergeSize: s.merge });
  const N = H * W;
  const order = Array.from({ length: N }, (_, i) => ({ i, h: hw[i], w: hw[N + i], block: Math.floor(i / (s.merge * s.merge)) }));
  const scale = 1 / Math.sqrt(d);
  const q0 = tokenVector('vision', 'q', s.seed, d);
  const k0 = tokenVector('vision', 'k', s.seed, d);
  const cfg = { headDim: d, base: 10000, mrope: { section: [d / 4, d / 4], mode: 'vision' } };
  return withRope(lib, cfg, (rope) => {
    // Every patch's q and k, rotated at its (h, w) in the tower's order: all N x N scores.
    const q = tile(q0, N);
    const k = tile(k0, N);
    rope.apply(q, { numHeads: 1, positions: hw });
    rope.apply(k, { numHeads: 1, positions: hw });
    // The score as a function of the offset: q at the anchor patch, k at anchor + (dh, dw).
    const offs = [];
    for (let dh = -(H - 1); dh <= H - 1; dh++) for (let dw = -(W - 1); dw <= W - 1; dw++) offs.push([dh, dw]);
    const qa = Float32Array.from(q0);
    rope.apply(qa, { numHeads: 1, positions: Int32Array.from([s.vr, s.vc]) });
    const ka = tile(k0, offs.length);
    const pos = new Int32Array(2 * offs.length);
    offs.forEach(([dh, dw], j) => { pos[j] = s.vr + dh; pos[offs.length + j] = s.vc + dw; });
    rope.apply(ka, { numHeads: 1, positions: pos });
    const S = new Map();
    const offsets = offs.map(([dh, dw], j) => {
      const score = dot(qa, ka.subarray(j * d, (j + 1) * d)) * scale;
      S.set(`${dh},${dw}`, score);
      return { dh, dw, score };
    });
    const at = (dh, dw) => S.get(`${dh},${dw}`);
    // Separable: S(dh, dw) = S(dh, 0) + S(0, dw) - S(0, 0).
    let sepResidual = 0;
    let sMax = 0;
    for (const o of offsets) {
      sepResidual = Math.max(sepResidual, Math.abs(o.score - at(o.dh, 0) - at(0, o.dw) + at(0, 0)));
      sMax = Math.max(sMax, Math.abs(o.score));
    }
    // Shift-invariant: every pair of patches of the grid has the anchor's score at its offset.
    let shiftResidual = 0;
    for (let m = 0; m < N; m++) {
      const qm = q.subarray(m * d, (m + 1) * d);
      for (let n = 0; n < N; n++) {
        const v = dot(qm, k.subarray(n * d, (n + 1) * d)) * scale;
        shiftResidual = Math.max(shiftResidual, Math.abs(v - at(order[n].h - order[m].h, order[n].w - order[m].w)));
      }
    }
    const profile = [];
    for (let dh = -(H - 1); dh <= H - 1; dh++) profile.push({ axis: 'rows: S(dh, 0) − S(0, 0)', delta: dh, value: at(dh, 0) - at(0, 0) });
    for (let dw = -(W - 1); dw <= W - 1; dw++) profile.push({ axis: 'columns: S(0, dw) − S(0, 0)', delta: dw, value: at(0, dw) - at(0, 0) });
    return {
      grid: { h: H, w: W }, merge: s.merge, headDim: d, section: cfg.mrope.section, anchor: { h: s.vr, w: s.vc },
      order, offsets, profile, sepResidual, shiftResidual, sMax, pairs: N * N, invFreq: Array.from(rope.invFreq),
    };
  });
}

// ---- Your model ---------------------------------------------------------------------------
const GEOMETRY = ['head_dim', 'hidden_size', 'num_attention_heads', 'n_embd', 'n_head', 'qk_rope_head_dim'];

/** The language model's part of a config.json: text_config when the top level has no geometry. */
export function textPart(json) {
  const top = GEOMETRY.some((k) => json[k] !== undefined && json[k] !== null);
  return !top && json.text_config && typeof json.text_config === 'object' ? json.text_config : json;
}

/** Each layer's attention kind and whether it has RoPE, as transformers builds them. */
export function layerPlan(json) {
  const t = textPart(json);
  const n = Number.isInteger(t.num_hidden_layers) ? t.num_hidden_layers : Number.isInteger(t.n_layer) ? t.n_layer : 0;
  let types = Array.isArray(t.layer_types) && t.layer_types.length ? t.layer_types.slice(0, n || undefined) : null;
  let typesFrom = types ? 'layer_types' : null;
  if (!types && t.rope_local_base_freq !== undefined && Number.isInteger(t.sliding_window_pattern) && n) {
    // Gemma 3 (transformers 4.x): sliding unless (i + 1) % sliding_window_pattern == 0.
    types = Array.from({ length: n }, (_, i) => ((i + 1) % t.sliding_window_pattern ? 'sliding_attention' : 'full_attention'));
    typesFrom = `sliding_window_pattern ${t.sliding_window_pattern}`;
  }
  let rope = Array.from({ length: n }, () => true);
  let ropeFrom = null;
  if (Array.isArray(t.no_rope_layers)) {
    // Llama 4: 1 = the layer uses RoPE, 0 = NoPE; an empty list means every
    // no_rope_layer_interval-th layer (default 4) has none (Llama4TextConfig).
    if (t.no_rope_layers.length) {
      rope = rope.map((_, i) => t.no_rope_layers[i] !== 0);
      ropeFrom = 'no_rope_layers';
    } else {
      const every = Number.isInteger(t.no_rope_layer_interval) ? t.no_rope_layer_interval : 4;
      rope = rope.map((_, i) => (i + 1) % every !== 0);
      ropeFrom = `no_rope_layers is empty: every ${every}th layer (no_rope_layer_interval ${every})`;
    }
  }
  return { layers: n, types, typesFrom, rope, ropeFrom };
}

/** configFromHF per layer type where the config has one RoPE per type, else once. */
export function readConfig(json) {
  const plan = layerPlan(json);
  const kinds = [...new Set(plan.types ?? [])];
  const reads = [];
  let first;
  try {
    reads.push({ layerType: null, config: configFromHF(json) });
    return { plan, reads };
  } catch (e) {
    first = e;
  }
  const perType = /layerType|rope_local_base_freq|rope_parameters$/.test(String(first.argument ?? ''));
  if (perType) {
    const rp = textPart(json).rope_parameters;
    const types = kinds.length ? kinds : rp && typeof rp === 'object' ? Object.keys(rp) : ['full_attention', 'sliding_attention'];
    for (const layerType of types) {
      try {
        reads.push({ layerType, config: configFromHF(json, { layerType }) });
      } catch (e) {
        reads.push({ layerType, error: { code: e.code ?? 'ERROR', argument: e.argument ?? null, message: e.message } });
      }
    }
  } else {
    reads.push({ layerType: null, error: { code: first.code ?? 'ERROR', argument: first.argument ?? null, message: first.message } });
  }
  return { plan, reads };
}

function plain(cfg) {
  const out = {};
  for (const [k, v] of Object.entries(cfg)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)) out[k] = plain(v);
    else out[k] = ArrayBuffer.isView(v) ? Array.from(v) : v;
  }
  return out;
}

export function model(lib, state) {
  const s = normalizeState(state);
  let json;
  let source;
  if (s.cfg) {
    json = JSON.parse(s.cfg);
    source = { id: null, name: 'pasted config.json' };
  } else {
    const m = modelConfig(s.model) ?? MODEL_CONFIGS[0];
    json = m.json;
    source = { id: m.id, name: m.name, repo: m.repo, note: m.note ?? null };
  }
  const t = textPart(json);
  const { plan, reads } = readConfig(json);
  const maxPos = Number.isFinite(t.max_position_embeddings) ? t.max_position_embeddings : Number.isFinite(t.n_positions) ? t.n_positions : null;
  const results = reads.map((r) => {
    if (r.error) return { layerType: r.layerType, error: r.error };
    const cfg = r.config;
    const sc = cfg.scaling ?? null;
    const trained = sc?.originalMaxPositionEmbeddings ?? (sc?.type === 'dynamic' ? sc.maxPositionEmbeddings : null)
      ?? (Number.isFinite(t.original_max_position_embeddings) ? t.original_max_position_embeddings : null) ?? maxPos ?? 4096;
    const extended = maxPos ?? trained;
    const len = s.mlen || extended;
    try {
      return withRope(lib, cfg, (rope) => {
        const fr = rope.frequencies({ seqLen: len });
        const pairs = [];
        let unseen = 0;
        for (let i = 0; i < fr.freq.length; i++) {
          const trainedAngle = trained * fr.baseFreq[i];
          const reach = len * fr.freq[i];
          // Angles never seen in training: past the trained range, which covered less than a turn.
          const never = fr.freq[i] > 0 && reach > trainedAngle * (1 + 1e-9) && trainedAngle < 2 * Math.PI;
          if (never) unseen++;
          pairs.push({ pair: i, baseFreq: fr.baseFreq[i], freq: fr.freq[i], wavelength: fr.wavelength[i], trainedAngle, reach, unseen: never });
        }
        return { layerType: r.layerType, config: plain(cfg), attentionFactor: fr.attentionFactor, trained, extended, len, pairs, unseen };
      });
    } catch (e) {
      return { layerType: r.layerType, config: plain(cfg), error: { code: e.code ?? 'ERROR', argument: e.argument ?? null, message: e.message } };
    }
  });
  return {
    source, modelType: json.model_type ?? null, textModelType: t !== json ? t.model_type ?? null : null, plan, results,
    numHeads: t.num_attention_heads ?? null, numKvHeads: t.num_key_value_heads ?? null, maxPos,
  };
}
