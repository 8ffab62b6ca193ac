// The page's one shared state, and its round trip through the URL query string.
// Pure: no DOM, so the unit tests (tests/web) cover it directly.

export const SECTIONS = ['rotation', 'shift', 'frequencies', 'decay', 'scaling', 'precision', 'layout', 'sinusoidal', 'mrope', 'vision', 'model', 'cache', 'benchmark'];
export const MM_MODELS = ['qwen2-vl', 'qwen2.5-vl', 'qwen3-vl'];
export const VISION_HEAD_DIMS = [80, 72];
export const SCALING_TYPES = ['linear', 'dynamic', 'yarn', 'llama3', 'longrope'];
export const CACHE_FACTORS = [1, 2, 4, 8, 16, 32];
export const CACHE_DROPS = [8, 16, 32, 64, 128];
/** The cache has 512 slots; at most half of them are shifted out in all. */
export const CACHE_MOVED = 256;
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
  // Images and video (M-RoPE): the prompt, and the query patch of the image.
  mm: 'qwen2-vl',
  pre: 4,
  ih: 12,
  iw: 16,
  merge: 2,
  mid: 2,
  vt: 2,
  vh: 8,
  vw: 8,
  post: 3,
  qr: 2,
  qc: 5,
  // Inside the vision tower (2-D RoPE).
  vgh: 8,
  vgw: 12,
  vhd: 80,
  vr: 2,
  vc: 3,
  // Your model: a shipped config (by id) or a pasted one (its JSON text); the length checked.
  model: 'llama-3.1-8b',
  cfg: '',
  mlen: 0,
  // Moving the cache: yarn factor (1 = no scaling), number of shifts, tokens dropped per shift.
  cfac: 8,
  cshifts: 4,
  cdrop: 32,
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
  s.mm = MM_MODELS.includes(s.mm) ? s.mm : DEFAULTS.mm;
  s.merge = clampInt(s.merge, 1, 4, DEFAULTS.merge);
  const grid = (v, dflt) => {
    const n = clampInt(v, s.merge, 64, dflt);
    return Math.max(s.merge, n - (n % s.merge));
  };
  s.ih = grid(s.ih, DEFAULTS.ih);
  s.iw = grid(s.iw, DEFAULTS.iw);
  s.vh = grid(s.vh, DEFAULTS.vh);
  s.vw = grid(s.vw, DEFAULTS.vw);
  s.vt = clampInt(s.vt, 0, 8, DEFAULTS.vt);
  s.pre = clampInt(s.pre, 0, 64, DEFAULTS.pre);
  s.mid = clampInt(s.mid, 0, 64, DEFAULTS.mid);
  s.post = clampInt(s.post, 0, 64, DEFAULTS.post);
  s.qr = clampInt(s.qr, 0, s.ih / s.merge - 1, 0);
  s.qc = clampInt(s.qc, 0, s.iw / s.merge - 1, 0);
  s.vgh = grid(s.vgh, DEFAULTS.vgh);
  s.vgw = grid(s.vgw, DEFAULTS.vgw);
  s.vgh = Math.min(s.vgh, 32 - (32 % s.merge));
  s.vgw = Math.min(s.vgw, 32 - (32 % s.merge));
  s.vhd = VISION_HEAD_DIMS.includes(Number(s.vhd)) ? Number(s.vhd) : DEFAULTS.vhd;
  s.vr = clampInt(s.vr, 0, s.vgh - 1, 0);
  s.vc = clampInt(s.vc, 0, s.vgw - 1, 0);
  s.model = /^[a-z0-9.-]{1,64}$/.test(String(s.model)) ? String(s.model) : DEFAULTS.model;
  s.cfg = typeof s.cfg === 'string' ? s.cfg.slice(0, 60000) : '';
  s.mlen = clampInt(s.mlen, 0, 2 ** 31 - 1, 0);
  s.cfac = CACHE_FACTORS.includes(Number(s.cfac)) ? Number(s.cfac) : DEFAULTS.cfac;
  s.cdrop = CACHE_DROPS.includes(Number(s.cdrop)) ? Number(s.cdrop) : DEFAULTS.cdrop;
  s.cshifts = clampInt(s.cshifts, 0, CACHE_MOVED / s.cdrop, DEFAULTS.cshifts);
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
