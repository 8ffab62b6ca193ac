// Every figure's numbers, computed with the rope-wasm kernel (rope.apply / applyQK /
// frequencies / invFreq). Runs in the compute Worker; pure functions of (lib, state).
// The only JS arithmetic on top is bookkeeping (dot products, sums) and the explicitly
// labelled comparisons from math.js.
import { normalizeState, ropeConfig } from './state.js';
import {
  ANGLE_RULES, additiveTerms, dot, invFreq64, linspaceInt, logspaceInt, meanStd, mulberry32, gaussian,
  norm, pairChannels, relError, roformerBound, rotateWith, sinusoidal, tokenVector, tokenize,
} from './math.js';
import { mrope, vision, model, tile, withRope } from './multimodal.js';
import { cache, precision16 } from './cache.js';


/**
 * cos/sin of every pair at every position, as the kernel computes them: a vector whose
 * pairs are all (1, 0) rotated by rope.apply. Returns { cos, sin } as [position][pair]
 * (divided by the attention factor, so they are unit-circle values).
 */
export function unitRotations(rope, positions, seqLen) {
  const d = rope.headDim;
  const pairs = rope.rotaryDim / 2;
  const unit = new Float32Array(d);
  for (let i = 0; i < pairs; i++) unit[pairChannels(rope.layout, i, rope.rotaryDim)[0]] = 1;
  const x = tile(unit, positions.length);
  const opts = { numHeads: 1, positions: Int32Array.from(positions) };
  if (seqLen) opts.seqLen = seqLen;
  rope.apply(x, opts);
  const att = rope.attentionFactor || 1;
  const cos = [];
  const sin = [];
  for (let t = 0; t < positions.length; t++) {
    const c = new Float64Array(pairs);
    const s = new Float64Array(pairs);
    for (let i = 0; i < pairs; i++) {
      const [a, b] = pairChannels(rope.layout, i, rope.rotaryDim);
      c[i] = x[t * d + a] / att;
      s[i] = x[t * d + b] / att;
    }
    cos.push(c);
    sin.push(s);
  }
  return { cos, sin };
}

/** Up to `max` pair indices spread over 0..pairs-1 (always including the first and last). */
export function samplePairs(pairs, max) {
  if (pairs <= max) return Array.from({ length: pairs }, (_, i) => i);
  return linspaceInt(pairs - 1, max);
}

// ---- 1. the rotation plane -------------------------------------------------------------
export function rotation(lib, state) {
  const s = normalizeState(state);
  return withRope(lib, ropeConfig(s), (rope) => {
    const x = tokenVector('rope', 'x', s.seed, s.dim);
    const positions = s.pos;
    const maxPos = Math.max(...positions.map((p) => Math.abs(p)), 1);
    const seqLen = maxPos + 1;
    const y = tile(x, positions.length);
    rope.apply(y, { numHeads: 1, positions: Int32Array.from(positions), seqLen });
    const fr = rope.frequencies({ seqLen });
    const [a, b] = pairChannels(s.layout, s.pair, s.rot);
    const theta = fr.freq[s.pair];
    const points = positions.map((pos, t) => {
      const v = y.subarray(t * s.dim, (t + 1) * s.dim);
      const px = v[a];
      const py = v[b];
      const measured = Math.atan2(py, px) - Math.atan2(x[b], x[a]);
      return {
        pos, x: px, y: py, angle: pos * theta,
        measuredAngle: Math.atan2(Math.sin(measured), Math.cos(measured)),
        pairNorm: Math.hypot(px, py), norm: norm(v),
      };
    });
    // All pairs side by side: each pair's (cos, sin) from 0 to the largest position.
    const trajPositions = linspaceInt(maxPos, 96);
    const { cos, sin } = unitRotations(rope, trajPositions, seqLen);
    const shown = samplePairs(s.rot / 2, 32);
    const trajectories = [];
    for (const i of shown) {
      trajPositions.forEach((pos, t) => trajectories.push({ pair: i, pos, x: cos[t][i], y: sin[t][i] }));
    }
    const lastPos = positions[positions.length - 1];
    const turns = shown.map((i) => ({ pair: i, theta: fr.freq[i], angle: lastPos * fr.freq[i], turns: (lastPos * fr.freq[i]) / (2 * Math.PI) }));
    return {
      pair: s.pair, channels: [a, b], theta, input: { x: x[a], y: x[b], norm: norm(x) },
      points, trajectories, turns, shownPairs: shown, attentionFactor: rope.attentionFactor,
    };
  });
}

// ---- 2. shift the sentence ---------------------------------------------------------------
export function shift(lib, state) {
  const s = normalizeState(state);
  const tokens = tokenize(s.text).slice(0, 48);
  if (tokens.length === 0) return { tokens: [], empty: true };
  const lower = tokens.map((t) => t.toLowerCase());
  const qw = lower.includes(s.qw.toLowerCase()) ? s.qw.toLowerCase() : lower[0];
  const kw = lower.includes(s.kw.toLowerCase()) ? s.kw.toLowerCase() : lower[Math.min(1, lower.length - 1)];
  const n = tokens.length;
  const d = s.dim;
  const scale = 1 / Math.sqrt(d);
  const positions = tokens.map((_, i) => s.off + i + 1);
  const seqLen = s.off + n + 1;
  return withRope(lib, ropeConfig(s), (rope) => {
    // The sentence's own q and k, rotated at their positions.
    const q = new Float32Array(n * d);
    const k = new Float32Array(n * d);
    lower.forEach((t, i) => {
      q.set(tokenVector(t, 'q', s.seed, d), i * d);
      k.set(tokenVector(t, 'k', s.seed, d), i * d);
    });
    rope.applyQK(q, k, { numHeads: 1, numKvHeads: 1, positions: Int32Array.from(positions), seqLen });
    const matrix = [];
    for (let m = 0; m < n; m++) {
      for (let j = 0; j < n; j++) {
        matrix.push({ m, n: j, score: dot(q.subarray(m * d, m * d + d), k.subarray(j * d, j * d + d)) * scale });
      }
    }
    const qIdx = lower.map((t, i) => (t === qw ? i : -1)).filter((i) => i >= 0);
    const kIdx = lower.map((t, i) => (t === kw ? i : -1)).filter((i) => i >= 0);
    const occurrences = [];
    for (const i of qIdx) for (const j of kIdx) occurrences.push({ qi: i, ki: j, qPos: positions[i], kPos: positions[j], distance: positions[j] - positions[i], score: matrix[i * n + j].score });
    // The same pair of contents (qw as query, kw as key) placed at every position: Toeplitz.
    const qv = tokenVector(qw, 'q', s.seed, d);
    const kv = tokenVector(kw, 'k', s.seed, d);
    const qt = tile(qv, n);
    const kt = tile(kv, n);
    rope.applyQK(qt, kt, { numHeads: 1, numKvHeads: 1, positions: Int32Array.from(positions), seqLen });
    const toeplitz = [];
    let diagSpread = 0;
    const byDiag = new Map();
    for (let m = 0; m < n; m++) {
      for (let j = 0; j < n; j++) {
        const score = dot(qt.subarray(m * d, m * d + d), kt.subarray(j * d, j * d + d)) * scale;
        toeplitz.push({ m, n: j, score });
        const key = j - m;
        const prev = byDiag.get(key);
        if (prev === undefined) byDiag.set(key, [score, score]);
        else byDiag.set(key, [Math.min(prev[0], score), Math.max(prev[1], score)]);
      }
    }
    for (const [lo, hi] of byDiag.values()) diagSpread = Math.max(diagSpread, hi - lo);
    // Per-pair contributions to the score of the first two occurrences at equal distance.
    const pairOf = (i, j, label) => {
      const rows = [];
      const qa = q.subarray(i * d, i * d + d);
      const ka = k.subarray(j * d, j * d + d);
      for (let p = 0; p < s.rot / 2; p++) {
        const [a, b] = pairChannels(s.layout, p, s.rot);
        rows.push({ pair: p, label, value: (qa[a] * ka[a] + qa[b] * ka[b]) * scale });
      }
      if (s.rot < d) {
        let pass = 0;
        for (let c = s.rot; c < d; c++) pass += qa[c] * ka[c];
        rows.push({ pair: 'pass', label, value: pass * scale });
      }
      return rows;
    };
    const byDistance = new Map();
    for (const o of occurrences) {
      if (!byDistance.has(o.distance)) byDistance.set(o.distance, []);
      byDistance.get(o.distance).push(o);
    }
    let compared = [...byDistance.values()].find((list) => list.length >= 2) ?? [occurrences[0]].filter(Boolean);
    compared = compared.slice(0, 2);
    const contributions = compared.flatMap((o) => pairOf(o.qi, o.ki, `${tokens[o.qi]}@${o.qPos} · ${tokens[o.ki]}@${o.kPos}`));
    return { tokens, positions, qw, kw, matrix, occurrences, toeplitz, diagSpread, compared, contributions };
  });
}

// ---- 3. frequencies and the angle heatmap --------------------------------------------------
export function frequencies(lib, state) {
  const s = normalizeState(state);
  return withRope(lib, ropeConfig(s), (rope) => {
    const fr = rope.frequencies({ seqLen: s.ctx });
    const pairs = [];
    for (let i = 0; i < s.rot / 2; i++) {
      pairs.push({ pair: i, baseFreq: fr.baseFreq[i], freq: fr.freq[i], wavelength: fr.wavelength[i], turns: (s.ctx * fr.freq[i]) / (2 * Math.PI) });
    }
    const rows = linspaceInt(s.ctx - 1, 128);
    const { cos, sin } = unitRotations(rope, rows, s.ctx);
    const heat = [];
    rows.forEach((pos, t) => {
      for (let i = 0; i < s.rot / 2; i++) {
        let ang = Math.atan2(sin[t][i], cos[t][i]);
        if (ang < 0) ang += 2 * Math.PI;
        heat.push({ pos, pair: i, angle: ang });
      }
    });
    const fullTurns = pairs.filter((p) => p.wavelength <= s.ctx).length;
    return { ctx: s.ctx, pairs, heat, rows, fullTurns, attentionFactor: fr.attentionFactor };
  });
}

// ---- 4. long-term decay ------------------------------------------------------------------
export const DECAY_BASES = [10000, 500000, 1000000];

export function decay(lib, state) {
  const s = normalizeState(state);
  const distances = s.dscale === 'log' ? [0, ...logspaceInt(1, s.range, 700)] : linspaceInt(s.range, 700);
  const bases = [...DECAY_BASES];
  if (!bases.includes(s.base)) bases.push(s.base);
  const x = tokenVector('decay', 'x', s.seed, s.dim);
  const xx = dot(x, x);
  const rand = mulberry32(s.seed * 7919 + 17);
  const samples = 32;
  const qs = [];
  const ks = [];
  for (let r = 0; r < samples; r++) {
    qs.push(gaussian(s.dim, rand));
    ks.push(gaussian(s.dim, rand));
  }
  const curves = [];
  for (const base of bases) {
    withRope(lib, { headDim: s.dim, rotaryDim: s.rot, base, layout: s.layout }, (rope) => {
      const opts = { numHeads: 1, positions: Int32Array.from(distances) };
      const { cos, sin } = unitRotations(rope, distances);
      const xr = tile(x, distances.length);
      rope.apply(xr, opts);
      const rnd = distances.map(() => []);
      for (let r = 0; r < samples; r++) {
        const kr = tile(ks[r], distances.length);
        rope.apply(kr, opts);
        const qn = norm(qs[r]) * norm(ks[r]);
        distances.forEach((_, t) => rnd[t].push(dot(qs[r], kr.subarray(t * s.dim, (t + 1) * s.dim)) / qn));
      }
      distances.forEach((dist, t) => {
        const ms = meanStd(rnd[t]);
        curves.push({
          base, distance: dist,
          bound: roformerBound(cos[t], sin[t]),
          identical: dot(x, xr.subarray(t * s.dim, (t + 1) * s.dim)) / xx,
          randomMean: ms.mean, randomLo: ms.mean - ms.std, randomHi: ms.mean + ms.std,
        });
      });
    });
  }
  return { range: s.range, scale: s.dscale, bases, samples, curves, points: distances.length };
}

// ---- 5. context extension -----------------------------------------------------------------
export const METHODS = ['linear', 'dynamic', 'yarn', 'llama3', 'longrope'];

/** The comparison's common settings: from the state's scaling where it has them. */
export function scalingParams(s) {
  const sc = s.scaling || {};
  return {
    factor: Number.isFinite(sc.factor) ? sc.factor : s.factor,
    orig: Number.isFinite(sc.originalMaxPositionEmbeddings) ? sc.originalMaxPositionEmbeddings
      : Number.isFinite(sc.maxPositionEmbeddings) && sc.type === 'dynamic' ? sc.maxPositionEmbeddings : s.orig,
    len: s.len,
  };
}

/** The scaling config compared for `method`: the state's own when it is that type. */
export function methodScaling(method, s) {
  if (s.scaling && s.scaling.type === method) return s.scaling;
  const { factor, orig } = scalingParams(s);
  switch (method) {
    case 'linear': return { type: 'linear', factor };
    case 'dynamic': return { type: 'dynamic', factor, maxPositionEmbeddings: orig };
    case 'yarn': return { type: 'yarn', factor, originalMaxPositionEmbeddings: orig };
    case 'llama3': return { type: 'llama3', factor, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: orig };
    default: return null; // longrope needs the model's per-pair factor lists
  }
}

export function scaling(lib, state) {
  const s = normalizeState(state);
  const { factor, orig, len } = scalingParams(s);
  const base = { headDim: s.dim, rotaryDim: s.rot, base: s.base, layout: s.layout };
  const unscaled = withRope(lib, base, (rope) => rope.frequencies({ seqLen: len }));
  const methods = [];
  for (const method of METHODS) {
    const sc = methodScaling(method, s);
    if (!sc) {
      methods.push({ method, missing: 'needs the model\'s short_factor / long_factor lists: paste a longrope rope_scaling or load its config.json' });
      continue;
    }
    try {
      withRope(lib, { ...base, scaling: sc }, (rope) => {
        const fr = rope.frequencies({ seqLen: len });
        const pairs = [];
        let beyond = 0;
        for (let i = 0; i < s.rot / 2; i++) {
          const trained = orig * unscaled.freq[i];
          const reach = len * fr.freq[i];
          // Angles never seen in training: past the trained range and short of a full turn there.
          const unseen = reach > trained * (1 + 1e-9) && trained < 2 * Math.PI;
          if (unseen) beyond++;
          pairs.push({
            pair: i, scale: unscaled.freq[i] / fr.freq[i], before: unscaled.wavelength[i], after: fr.wavelength[i],
            interp: fr.interpWeight[i], trained, reach, unseen,
          });
        }
        methods.push({ method, config: rope.scaling, attentionFactor: fr.attentionFactor, pairs, beyond, selected: !!(s.scaling && s.scaling.type === method) });
      });
    } catch (e) {
      methods.push({ method, error: `${e.code ?? 'ERROR'}: ${e.message}` });
    }
  }
  // The unscaled rope read at the target length, for reference.
  let unscaledBeyond = 0;
  for (let i = 0; i < s.rot / 2; i++) {
    const trained = orig * unscaled.freq[i];
    if (len * unscaled.freq[i] > trained * (1 + 1e-9) && trained < 2 * Math.PI) unscaledBeyond++;
  }
  return { factor, orig, len, methods, unscaledBeyond, pairsCount: s.rot / 2 };
}

// ---- 6. precision lab ----------------------------------------------------------------------
export const PRECISION_RULES = ['float32', 'bf16pos', 'bf16freq'];

export function precision(lib, state) {
  const s = normalizeState(state);
  const x = tokenVector('precision', 'x', s.seed, s.dim);
  const positions = [...new Set([...logspaceInt(1, 2147483647, 46), s.ppos])].sort((a, b) => a - b);
  const th = invFreq64(s.base, s.rot);
  return withRope(lib, { headDim: s.dim, rotaryDim: s.rot, base: s.base, layout: s.layout }, (rope) => {
    const wasmFreq = rope.invFreq;
    let freqDiff = 0;
    for (let i = 0; i < th.length; i++) freqDiff = Math.max(freqDiff, Math.abs(wasmFreq[i] - th[i]) / th[i]);
    const y = tile(x, positions.length);
    rope.apply(y, { numHeads: 1, positions: Int32Array.from(positions) });
    const series = [];
    const perPair = [];
    positions.forEach((p, t) => {
      const ref = rotateWith(x, s.layout, s.rot, (i) => ANGLE_RULES.reference(p, th[i]));
      const kernel = y.subarray(t * s.dim, (t + 1) * s.dim);
      series.push({ method: 'wasm kernel', position: p, error: relError(kernel, ref, x) });
      const sims = {};
      for (const rule of PRECISION_RULES) {
        sims[rule] = rotateWith(x, s.layout, s.rot, (i) => ANGLE_RULES[rule](p, th[i]));
        series.push({ method: rule, position: p, error: relError(sims[rule], ref, x) });
      }
      if (p === s.ppos) {
        for (let i = 0; i < s.rot / 2; i++) {
          const [a, b] = pairChannels(s.layout, i, s.rot);
          const pn = Math.hypot(x[a], x[b]) || 1;
          const e = (v) => Math.hypot(v[a] - ref[a], v[b] - ref[b]) / pn;
          perPair.push({ pair: i, method: 'wasm kernel', error: e(kernel) });
          for (const rule of PRECISION_RULES) perPair.push({ pair: i, method: rule, error: e(sims[rule]) });
        }
      }
    });
    const at = (method, p) => series.find((r) => r.method === method && r.position === p).error;
    const summary = ['wasm kernel', ...PRECISION_RULES].map((m) => ({ method: m, error: at(m, s.ppos) }));
    return { ppos: s.ppos, positions, series, perPair, summary, freqDiff, lab16: precision16(lib, s) };
  });
}

// ---- 7. layout ------------------------------------------------------------------------------
export function layout(lib, state) {
  const s = normalizeState(state);
  const other = s.layout === 'half' ? 'interleaved' : 'half';
  const q = tokenVector('cat', 'q', s.seed, s.dim);
  const k = tokenVector('sleeping', 'k', s.seed, s.dim);
  const delta = 2;
  const shifts = Array.from({ length: 64 }, (_, m) => m);
  const scale = 1 / Math.sqrt(s.dim);
  const cfg = ropeConfig(s);
  const rows = [];
  const spread = {};
  withRope(lib, cfg, (rope) => withRope(lib, { ...cfg, layout: other }, (wrongRope) => {
    const qt = tile(q, shifts.length);
    const kRight = tile(k, shifts.length);
    const kWrong = tile(k, shifts.length);
    const kPos = Int32Array.from(shifts, (m) => m + delta);
    rope.apply(qt, { numHeads: 1, positions: Int32Array.from(shifts), seqLen: 80 });
    rope.apply(kRight, { numHeads: 1, positions: kPos, seqLen: 80 });
    wrongRope.apply(kWrong, { numHeads: 1, positions: kPos, seqLen: 80 });
    for (const [label, kk] of [['same layout for q and k', kRight], [`k rotated as ${other}`, kWrong]]) {
      let lo = Infinity;
      let hi = -Infinity;
      shifts.forEach((m) => {
        const score = dot(qt.subarray(m * s.dim, (m + 1) * s.dim), kk.subarray(m * s.dim, (m + 1) * s.dim)) * scale;
        lo = Math.min(lo, score);
        hi = Math.max(hi, score);
        rows.push({ kind: label, m, score });
      });
      spread[label] = hi - lo;
    }
  }));
  // Partial rotary: how much each channel changes between position 0 and position 7.
  const channels = withRope(lib, cfg, (rope) => {
    const v = tile(tokenVector('rope', 'x', s.seed, s.dim), 1);
    const before = Float32Array.from(v);
    rope.apply(v, { numHeads: 1, positions: 7 });
    return Array.from(v, (val, c) => ({ channel: c, change: Math.abs(val - before[c]), rotates: c < s.rot }));
  });
  return { other, delta, rows, spread, channels, rightLabel: 'same layout for q and k', wrongLabel: `k rotated as ${other}` };
}

// ---- 8. RoPE vs sinusoidal ------------------------------------------------------------------
export function sinusoidalCompare(lib, state) {
  const s = normalizeState(state);
  const q = tokenVector('cat', 'q', s.seed, s.dim);
  const k = tokenVector('sleeping', 'k', s.seed, s.dim);
  const delta = 2;
  const shifts = Array.from({ length: 96 }, (_, m) => m);
  const scale = 1 / Math.sqrt(s.dim);
  return withRope(lib, { headDim: s.dim, base: s.base, layout: s.layout }, (rope) => {
    const qt = tile(q, shifts.length);
    const kt = tile(k, shifts.length);
    rope.apply(qt, { numHeads: 1, positions: Int32Array.from(shifts) });
    rope.apply(kt, { numHeads: 1, positions: Int32Array.from(shifts, (m) => m + delta) });
    const rows = [];
    const norms = [];
    for (const m of shifts) {
      const pm = sinusoidal(m, s.dim, s.base);
      const pn = sinusoidal(m + delta, s.dim, s.base);
      const t = additiveTerms(q, k, pm, pn);
      const qa = Float64Array.from(q, (v, i) => v + pm[i]);
      const qr = qt.subarray(m * s.dim, (m + 1) * s.dim);
      rows.push({ m, term: 'content x·y', value: t.content * scale });
      rows.push({ m, term: 'x·p(n)', value: t.xPos * scale });
      rows.push({ m, term: 'p(m)·y', value: t.posY * scale });
      rows.push({ m, term: 'p(m)·p(n)', value: t.posPos * scale });
      rows.push({ m, term: 'additive total', value: (t.content + t.xPos + t.posY + t.posPos) * scale });
      rows.push({ m, term: 'RoPE (wasm)', value: dot(qr, kt.subarray(m * s.dim, (m + 1) * s.dim)) * scale });
      norms.push({ m, kind: '|x + p(m)| additive', value: norm(qa) });
      norms.push({ m, kind: '|R(m) x| RoPE (wasm)', value: norm(qr) });
    }
    const spreadOf = (term) => {
      const v = rows.filter((r) => r.term === term).map((r) => r.value);
      return Math.max(...v) - Math.min(...v);
    };
    return { delta, rows, norms, contentNorm: norm(q), additiveSpread: spreadOf('additive total'), ropeSpread: spreadOf('RoPE (wasm)') };
  });
}

export const COMPUTE = {
  rotation, shift, frequencies, decay, scaling, precision, layout, sinusoidal: sinusoidalCompare,
  mrope, vision, model, cache,
};
