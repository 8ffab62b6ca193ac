// The page's one shared state, and its round trip through the URL query string.
// Pure: no DOM, so the unit tests (tests/web) cover it directly.

export const SECTIONS = ['rotation', 'shift', 'frequencies', 'decay', 'scaling', 'precision', 'layout', 'sinusoidal', 'benchmark'];
export const SCALING_TYPES = ['linear', 'dynamic', 'yarn', 'llama3', 'longrope'];
export const DECAY_RANGES = [512, 4096, 50000, 200000, 1000000];

export const DEFAULTS = Object.freeze({
  base: 10000,
  dim: 64,
  rot: 64,
  layout: 'half',
  seed: 1,
  section: 'rotation',
  pos: [0, 3, 7],
  pair: 0,
  text: 'The cat is sleeping peacefully. Then the cat is sleeping on the mat.',
  qw: 'cat',
  kw: 'sleeping',
  off: 0,
  ctx: 4096,
  range: 50000,
  dscale: 'log',
  scaling: null,
  factor: 8,
  orig: 4096,
  len: 32768,
  ppos: 1000000,
  wrong: false,
});

const clampInt = (v, lo, hi, dflt) => {
  const n = Number(v);
  if (!Number.isFinite(n)) return dflt;
  return Math.min(hi, Math.max(lo, Math.round(n)));
};
const even = (n) => n - (n % 2);

/** Parses a comma list of integer positions (keeps at most 8, each in int32 range). */
export function parsePositions(text, dflt = DEFAULTS.pos) {
  const out = String(text ?? '')
    .split(/[\s,;]+/)
    .filter((s) => s !== '')
    .map(Number)
    .filter((n) => Number.isInteger(n) && Math.abs(n) <= 2147483647)
    .slice(0, 8);
  return out.length ? out : [...dflt];
}

/** Checks a scaling object (camelCase, as RopeConfig.scaling) loosely; null when unusable. */
export function sanitizeScaling(s) {
  if (!s || typeof s !== 'object' || !SCALING_TYPES.includes(s.type)) return null;
  const out = { type: s.type };
  for (const [k, v] of Object.entries(s)) {
    if (k === 'type') continue;
    if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
    else if (typeof v === 'boolean') out[k] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x))) out[k] = [...v];
  }
  return out;
}

/** Fills every field, clamps numbers to what the page can draw, keeps dims consistent. */
export function normalizeState(partial = {}) {
  const s = { ...DEFAULTS, ...partial };
  const base = Number(s.base);
  s.base = Number.isFinite(base) && base > 1 && base <= 1e12 ? base : DEFAULTS.base;
  s.dim = even(clampInt(s.dim, 2, 512, DEFAULTS.dim));
  s.rot = even(clampInt(s.rot, 2, s.dim, s.dim));
  s.layout = s.layout === 'interleaved' ? 'interleaved' : 'half';
  s.seed = clampInt(s.seed, 0, 2 ** 31 - 1, DEFAULTS.seed);
  s.section = SECTIONS.includes(s.section) ? s.section : DEFAULTS.section;
  s.pos = Array.isArray(s.pos) ? parsePositions(s.pos.join(','), DEFAULTS.pos) : parsePositions(s.pos);
  s.pair = clampInt(s.pair, 0, s.rot / 2 - 1, 0);
  s.text = String(s.text ?? '').slice(0, 400);
  if (s.text.trim() === '') s.text = DEFAULTS.text;
  s.qw = String(s.qw ?? '').slice(0, 40);
  s.kw = String(s.kw ?? '').slice(0, 40);
  s.off = clampInt(s.off, 0, 1000000, 0);
  s.ctx = clampInt(s.ctx, 16, 4194304, DEFAULTS.ctx);
  s.range = DECAY_RANGES.includes(Number(s.range)) ? Number(s.range) : DEFAULTS.range;
  s.dscale = s.dscale === 'linear' ? 'linear' : 'log';
  s.scaling = sanitizeScaling(s.scaling);
  const factor = Number(s.factor);
  s.factor = Number.isFinite(factor) && factor >= 1 && factor <= 1024 ? factor : DEFAULTS.factor;
  s.orig = clampInt(s.orig, 16, 4194304, DEFAULTS.orig);
  s.len = clampInt(s.len, 16, 16777216, DEFAULTS.len);
  s.ppos = clampInt(s.ppos, 1, 2147483647, DEFAULTS.ppos);
  s.wrong = s.wrong === true || s.wrong === 'true' || s.wrong === '1' || s.wrong === 1;
  return s;
}

/** State -> query string (only the fields that differ from the defaults). */
export function stateToQuery(state) {
  const s = normalizeState(state);
  const p = new URLSearchParams();
  for (const key of Object.keys(DEFAULTS)) {
    const v = s[key];
    const d = DEFAULTS[key];
    if (key === 'pos') {
      if (v.join(',') !== d.join(',')) p.set(key, v.join(','));
    } else if (key === 'scaling') {
      if (v) p.set(key, JSON.stringify(v));
    } else if (key === 'wrong') {
      if (v) p.set(key, '1');
    } else if (key === 'rot') {
      if (v !== s.dim) p.set(key, String(v));
    } else if (v !== d) {
      p.set(key, String(v));
    }
  }
  const q = p.toString();
  return q ? `?${q}` : '';
}

/** Query string -> normalized state (unknown or broken fields fall back to defaults). */
export function queryToState(search) {
  const p = new URLSearchParams(search);
  const partial = {};
  for (const key of Object.keys(DEFAULTS)) {
    if (!p.has(key)) continue;
    const raw = p.get(key);
    if (key === 'scaling') {
      try { partial.scaling = JSON.parse(raw); } catch { partial.scaling = null; }
    } else {
      partial[key] = raw;
    }
  }
  if (!p.has('rot') && p.has('dim')) partial.rot = partial.dim;
  return normalizeState(partial);
}

/** The RopeConfig the state describes (what every wasm figure is computed with). */
export function ropeConfig(state, { scaled = true } = {}) {
  const s = normalizeState(state);
  const cfg = { headDim: s.dim, rotaryDim: s.rot, base: s.base, layout: s.layout };
  if (scaled && s.scaling) cfg.scaling = s.scaling;
  return cfg;
}
