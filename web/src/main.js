// The page controller: one shared state (mirrored in the URL), a compute Worker running
// rope-wasm, and a renderer per section.
import * as ropeWasm from 'rope-wasm';
import { DEFAULTS, SECTIONS, normalizeState, queryToState, stateToQuery, parsePositions } from './state.js';
import { scalingFromForm, applyModelConfig, parseModelJson } from './model-config.js';
import { tokenize, fmt } from './math.js';
import {
  renderRotation, renderShift, renderFrequencies, renderDecay, renderScaling, renderPrecision, renderLayout,
  renderSinusoidal, renderBenchmark, materialize,
} from './render.js';
import { renderMrope, renderVision, renderModel } from './render-multimodal.js';
import { renderCache, renderPrecision16 } from './render-cache.js';
import { MODEL_CONFIGS } from './configs/index.js';

const KINDS = ['rotation', 'shift', 'frequencies', 'decay', 'scaling', 'precision', 'layout', 'sinusoidal', 'mrope', 'vision', 'model', 'cache'];
const RENDER = {
  rotation: renderRotation, shift: renderShift, frequencies: renderFrequencies, decay: renderDecay,
  scaling: renderScaling, precision: (d, s, w) => ({ ...renderPrecision(d, s, w), ...renderPrecision16(d.lab16, s, w) }), layout: renderLayout, sinusoidal: renderSinusoidal,
  mrope: renderMrope, vision: renderVision, model: renderModel, cache: renderCache,
};
const $ = (id) => document.getElementById(id);
const reducedMotion = window.matchMedia('(prefers-reduced-motion: reduce)');

let state = queryToState(location.search);
const results = {};
const timings = {};
const app = {
  get state() { return state; }, results, timings, drawMs: {}, figMs: {}, simd: null, renders: 0, errors: [], bench: null,
  setState: (patch) => setState(patch),
};
window.ropeExplainer = app;

// ---- the compute worker -------------------------------------------------------------------
const worker = new Worker(new URL('./compute.worker.js', import.meta.url), { type: 'module' });
let nextId = 1;
const inflight = new Map(); // kind -> id
const pending = new Set();
const waiters = new Map(); // id -> resolve (for the idle promise)
worker.onmessage = (event) => {
  const msg = event.data;
  if (inflight.get(msg.kind) !== msg.id) return;
  inflight.delete(msg.kind);
  if (msg.simd !== undefined && app.simd === null) setLoaded(msg.simd);
  if (msg.ok) {
    results[msg.kind] = msg.data;
    timings[msg.kind] = { ms: msg.ms, simd: msg.simd };
    drawKind(msg.kind);
  } else {
    app.errors.push(`${msg.kind}: ${msg.error}`);
    showError(msg.kind, msg.error);
    if (app.simd === null) setStatus(`The figures could not be computed: ${msg.error}`, 'error');
  }
  if (pending.has(msg.kind)) {
    pending.delete(msg.kind);
    request(msg.kind);
  }
  checkIdle();
};
worker.onerror = (e) => {
  app.errors.push(`worker: ${e.message}`);
  setStatus(`The compute worker failed: ${e.message}`, 'error');
};

function request(kind) {
  if (inflight.has(kind)) {
    pending.add(kind);
    return;
  }
  const id = nextId++;
  inflight.set(kind, id);
  worker.postMessage({ id, kind, state: { ...state } });
}

let idleResolvers = [];
function checkIdle() {
  if (inflight.size === 0 && pending.size === 0 && drawing.size === 0) {
    for (const r of idleResolvers) r();
    idleResolvers = [];
  }
}
/** Resolves when every figure has been computed for the current state (used by tests). */
app.idle = () => new Promise((resolve) => {
  idleResolvers.push(resolve);
  checkIdle();
});

// ---- status and badges --------------------------------------------------------------------
function setStatus(text, kind) {
  const el = $('status');
  el.textContent = text;
  el.className = `status ${kind ?? ''}`;
}
function setLoaded(simd) {
  app.simd = simd;
  setStatus(`rope-wasm loaded: ${simd ? 'SIMD' : 'baseline (no SIMD in this engine)'} build, in a Web Worker`, 'ok');
  document.body.dataset.build = simd ? 'simd' : 'baseline';
}
function figuresOf(kind) {
  return [...document.querySelectorAll(`[data-figure="${kind}"]`)];
}
function showError(kind, error) {
  for (const fig of figuresOf(kind)) {
    const badge = fig.querySelector('[data-badge]');
    badge.textContent = `error: ${error}`;
    badge.classList.add('error');
    fig.dataset.error = error;
  }
}

const TABLE_ROWS = 400;
function renderTable(container, t) {
  container.replaceChildren();
  if (!t) return;
  const wrap = document.createElement('div');
  wrap.className = 'table-wrap';
  wrap.tabIndex = 0;
  wrap.setAttribute('role', 'region');
  wrap.setAttribute('aria-label', 'data table');
  const table = document.createElement('table');
  const thead = table.createTHead().insertRow();
  for (const c of t.columns) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = c;
    thead.append(th);
  }
  const tbody = table.createTBody();
  // A table is a text alternative, not a dump: very long ones show their first rows.
  const shown = t.rows.length > TABLE_ROWS ? t.rows.slice(0, TABLE_ROWS) : t.rows;
  for (const row of shown) {
    const tr = tbody.insertRow();
    for (const v of row) tr.insertCell().textContent = String(v);
  }
  wrap.append(table);
  container.append(wrap);
  const notes = [t.note, shown !== t.rows ? `The first ${TABLE_ROWS} of ${t.rows.length.toLocaleString('en')} rows.` : null].filter(Boolean);
  if (notes.length) {
    const p = document.createElement('p');
    p.className = 'note';
    p.textContent = notes.join(' ');
    container.append(p);
  }
}

function putFigure(id, fig, badgeText, { deferTable = false } = {}) {
  const el = $(id);
  if (!el || !fig) return;
  const plot = el.querySelector('[data-plot]');
  const t0 = performance.now();
  plot.replaceChildren(...fig.plots.filter(Boolean).map(materialize));
  const t1 = performance.now();
  for (const svg of plot.querySelectorAll('svg')) {
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', fig.caption);
  }
  el.querySelector('[data-caption]').textContent = fig.caption;
  const putTable = () => {
    const t2 = performance.now();
    renderTable(el.querySelector('[data-table]'), fig.table);
    app.figMs[id] = { plot: t1 - t0, table: performance.now() - t2 };
  };
  if (!deferTable) putTable();
  const badge = el.querySelector('[data-badge]');
  badge.classList.remove('error');
  badge.textContent = badgeText;
  delete el.dataset.error;
  if (!deferTable) el.dataset.rendered = String(Number(el.dataset.rendered || 0) + 1);
  return () => {
    putTable();
    el.dataset.rendered = String(Number(el.dataset.rendered || 0) + 1);
  };
}

// Figure widths, kept up to date by a ResizeObserver (reading clientWidth after a figure
// changed would make the browser lay out the whole page first, in the middle of a task).
const widthCache = new Map();
const widthObserver = typeof ResizeObserver === 'function' ? new ResizeObserver((entries) => {
  for (const e of entries) widthCache.set(e.target.closest('figure').id, e.contentRect.width);
}) : null;
function figureWidth(id) {
  let w = widthCache.get(id);
  if (!w) {
    const el = $(id);
    const plot = el?.querySelector('[data-plot]');
    w = plot?.clientWidth || el?.clientWidth || 600;
    widthCache.set(id, w);
    if (widthObserver && plot) widthObserver.observe(plot);
  }
  return Math.max(260, Math.floor(w));
}

// Figures are put in place one per main-thread task, so drawing never blocks the page for
// long; a newer result of the same kind supersedes a drawing under way.
const drawing = new Map(); // kind -> generation
let drawGeneration = 0;
const yieldToMain = () => new Promise((resolve) => { setTimeout(resolve, 0); });

async function drawKind(kind) {
  const data = results[kind];
  if (!data) return;
  const gen = ++drawGeneration;
  drawing.set(kind, gen);
  const t = timings[kind];
  const badge = `computed by wasm (${t.simd ? 'SIMD' : 'baseline'}) in ${t.ms < 10 ? t.ms.toFixed(1) : Math.round(t.ms)} ms`;
  const figs = figuresOf(kind);
  const t0 = performance.now();
  let slowest = 0;
  // One description per distinct figure width (side-by-side figures are narrower).
  // Widths read once, before any figure changes (reading them later would force a layout of
  // the whole page per figure).
  const widths = figs.map((fig) => figureWidth(fig.id));
  const byWidth = new Map();
  try {
    for (const w of widths) if (!byWidth.has(w)) byWidth.set(w, RENDER[kind](data, state, w));
    await yieldToMain();
    for (const [i, fig] of figs.entries()) {
      if (drawing.get(kind) !== gen) return;
      let f0 = performance.now();
      const putTable = putFigure(fig.id, byWidth.get(widths[i])[fig.id], badge, { deferTable: true });
      slowest = Math.max(slowest, performance.now() - f0);
      await yieldToMain();
      if (drawing.get(kind) !== gen) return;
      f0 = performance.now();
      putTable();
      slowest = Math.max(slowest, performance.now() - f0);
      await yieldToMain();
    }
  } catch (e) {
    app.errors.push(`render ${kind}: ${e.message}`);
    console.error(e);
    showError(kind, `drawing failed: ${e.message}`);
    if (drawing.get(kind) === gen) drawing.delete(kind);
    checkIdle();
    return;
  }
  if (drawing.get(kind) !== gen) return;
  summarize(kind, data);
  app.drawMs[kind] = { total: performance.now() - t0, slowestFigure: slowest };
  app.renders++;
  drawing.delete(kind);
  checkIdle();
}

// Short text summaries above the figures (the claims, in words, with the numbers).
function summarize(kind, d) {
  const s0 = state;
  const yes = (ok, text) => `<span class="${ok ? 'ok' : 'no'}">${ok ? '✓' : '✗'}</span> ${text}`;
  if (kind === 'shift') {
    const el = $('shift-summary');
    const c = d.compared;
    if (c && c.length >= 2) {
      const diff = Math.abs(c[0].score - c[1].score);
      el.innerHTML = yes(diff < 1e-5, `“${esc(d.qw)}”·“${esc(d.kw)}” at (${c[0].qPos}, ${c[0].kPos}): score <output id="shift-score-a">${c[0].score.toFixed(6)}</output>; ` +
        `at (${c[1].qPos}, ${c[1].kPos}): <output id="shift-score-b">${c[1].score.toFixed(6)}</output>. Same distance (${c[0].distance}), same score (difference ${fmt(diff, 2)}).`);
    } else if (c && c.length === 1) {
      el.innerHTML = `“${esc(d.qw)}” at ${c[0].qPos} and “${esc(d.kw)}” at ${c[0].kPos}: score <output id="shift-score-a">${c[0].score.toFixed(6)}</output>. Type a sentence where the pair occurs twice at the same distance to compare.`;
    } else {
      el.textContent = 'Pick a query word and a key word from the sentence.';
    }
  } else if (kind === 'frequencies') {
    $('freq-summary').innerHTML = `Fastest pair: wavelength <output id="freq-fastest">${fmt(d.pairs[0].wavelength, 4)}</output> positions; slowest: <output id="freq-slowest">${fmt(d.pairs[d.pairs.length - 1].wavelength, 4)}</output> positions. ` +
      `<output id="freq-fullturns">${d.fullTurns}</output> of ${d.pairs.length} pairs complete a turn within ${d.ctx.toLocaleString('en')} positions.`;
  } else if (kind === 'scaling') {
    const ok = d.methods.filter((m) => m.pairs);
    const missing = d.methods.filter((m) => !m.pairs);
    $('scaling-summary').innerHTML = `Target ${d.len.toLocaleString('en')} positions from a model trained on ${d.orig.toLocaleString('en')} (factor ${d.factor}). ` +
      `Unscaled, <output id="scaling-unscaled">${d.unscaledBeyond}</output> of ${d.pairsCount} pairs would meet angles never seen in training. ` +
      ok.map((m) => `${m.method}: <output data-method="${m.method}">${m.beyond}</output>`).join(', ') + '.' +
      (state.scaling ? ` <b>${state.scaling.type}</b> is applied to the other figures.` : ' No scaling is applied to the other figures.') +
      (missing.length ? ` <br>Not shown: ${missing.map((m) => `<b>${m.method}</b> (${esc(m.error ?? m.missing)})`).join('; ')}.` : '');
  } else if (kind === 'precision') {
    const k = d.summary.find((r) => r.method === 'wasm kernel');
    const f = d.summary.find((r) => r.method === 'float32');
    $('precision-summary').innerHTML = yes(k.error < 1e-6, `At position ${d.ppos.toLocaleString('en')}: wasm kernel error <output id="prec-kernel">${fmt(k.error, 3)}</output>, ` +
      `float32 angles <output id="prec-f32">${fmt(f.error, 3)}</output>, bf16 positions <output id="prec-bf16pos">${fmt(d.summary[2].error, 3)}</output>, bf16 frequencies <output id="prec-bf16freq">${fmt(d.summary[3].error, 3)}</output>.`);
    const l = d.lab16;
    const e16 = (t) => l.summary.find((r) => r.dtype === t).error;
    $('precision16-summary').innerHTML = yes(l.bitExact && l.worst.float16 <= 1 && l.worst.bfloat16 <= 1 && l.worst.float32 <= 1, `The kernel at position ${l.ppos.toLocaleString('en')}: float32 <output id="prec16-f32">${fmt(e16('float32'), 3)}</output>, ` +
      `float16 <output id="prec16-f16">${fmt(e16('float16'), 3)}</output> (half an ulp: 2⁻¹¹ = ${fmt(2 ** -11, 3)}), bfloat16 <output id="prec16-bf16">${fmt(e16('bfloat16'), 3)}</output> (2⁻⁸ = ${fmt(2 ** -8, 3)}). ` +
      `16-bit results ${l.bitExact ? '' : '<b>not</b> '}equal to the float32 path's rounded to nearest even, bit for bit, at every position (1 to 10⁶).`);
  } else if (kind === 'layout') {
    const el = $('layout-summary');
    const right = d.spread[d.rightLabel];
    const wrong = d.spread[d.wrongLabel];
    el.className = `callout${state.wrong ? ' bad' : ''}`;
    el.innerHTML = state.wrong
      ? yes(false, `Relative property broken: the score of a pair 2 apart varies by <output id="layout-spread">${fmt(wrong, 3)}</output> with position.`)
      : yes(true, `Relative property holds: the score of a pair 2 apart varies by only <output id="layout-spread">${fmt(right, 2)}</output> with position.`);
  } else if (kind === 'mrope') {
    const below = d.cells.find((c) => c.dh === 1 && c.dw === 0);
    const right = d.cells.find((c) => c.dh === 0 && c.dw === 1);
    $('mrope-summary').innerHTML = `${esc(d.modelName)}: ${d.T} tokens. The image (${s0.ih}×${s0.iw} patches, merge ${s0.merge}) takes ${d.jump.imageTokens} tokens but moves the position on by only <output id="mm-jump">${d.jump.byMax}</output>; the next token is at <output id="mm-next">${d.jump.nextText}</output>. ropeDelta <output id="mm-delta">${d.ropeDelta}</output>, decoding continues at <output id="mm-nextpos">${d.nextPosition}</output>.` +
      (below && right ? ` Query patch (${d.query.r}, ${d.query.c}): M-RoPE score with the patch below <output id="mm-below">${below.score2d.toFixed(6)}</output>, to the right <output id="mm-right">${right.score2d.toFixed(6)}</output>; 1-D RoPE: below (${below.flat} tokens on) <output id="mm-below1d">${below.score1d.toFixed(6)}</output>, right <output id="mm-right1d">${right.score1d.toFixed(6)}</output>.` : '');
  } else if (kind === 'vision') {
    $('vision-summary').innerHTML = yes(d.sepResidual < 1e-4 && d.shiftResidual < 1e-4, `Separable: largest |S(dh, dw) − S(dh, 0) − S(0, dw) + S(0, 0)| = <output id="vis-sep">${fmt(d.sepResidual, 2)}</output>. ` +
      `Shift-invariant: over all ${d.pairs.toLocaleString('en')} pairs of the ${d.grid.h}×${d.grid.w} grid, the largest difference from S at their offset is <output id="vis-shift">${fmt(d.shiftResidual, 2)}</output> (scores up to ${fmt(d.sMax, 3)}).`);
  } else if (kind === 'model') {
    summarizeModel(d);
  } else if (kind === 'cache') {
    const o = d.oldest.at(-1);
    $('cache-summary').innerHTML = yes(Math.abs(o.exact - 1) < 1e-5, `Attention factor <output id="cache-af">${d.attentionFactor.toFixed(7)}</output>. After <output id="cache-n">${d.shifts}</output> shift${d.shifts === 1 ? '' : 's'} of ${d.drop} tokens, the oldest key's norm ` +
      `(relative to when it arrived): exact shift <output id="cache-exact">${o.exact.toFixed(9)}</output>, naive <output id="cache-naive">${o.naive.toFixed(7)}</output> ` +
      `(af<sup>${d.shifts}</sup> = ${(d.attentionFactor ** d.shifts).toFixed(7)}). Scores after the exact shift match those before it to <output id="cache-scorediff">${fmt(d.exactVsBefore, 2)}</output>.`);
  } else if (kind === 'sinusoidal') {
    $('sinusoidal-summary').innerHTML = `Sliding the pair along the sequence, the additive score moves by <output id="sin-additive">${fmt(d.additiveSpread, 3)}</output>; the RoPE score by <output id="sin-rope">${fmt(d.ropeSpread, 2)}</output>.`;
  }
}

// What configFromHF read, per layer type, as a table above the model's figures.
function summarizeModel(d) {
  const status = $('model-status');
  const ok = d.results.filter((r) => !r.error);
  const bad = d.results.filter((r) => r.error);
  const lt = (t) => t ?? 'every layer';
  status.className = bad.length ? 'callout bad' : 'callout';
  status.innerHTML = `<b>${esc(d.source.name)}</b>${d.source.repo ? ` (${esc(d.source.repo)})` : ''}: model_type ${esc(d.textModelType ? `${d.modelType} / ${d.textModelType}` : d.modelType ?? '—')}. ` +
    (ok.length ? `configFromHF read ${ok.length === 1 && ok[0].layerType === null ? 'one RoPE for every layer' : ok.map((r) => esc(lt(r.layerType))).join(' and ')}. ` : '') +
    (bad.length ? `<br>configFromHF (this version of rope-wasm) does not read ${bad.map((r) => `${esc(lt(r.layerType))}: <code>${esc(r.error.code)}</code> ${esc(r.error.message)}`).join('; ')}` : '') +
    (d.source.note ? `<br><span class="note">${esc(d.source.note)}.</span>` : '');
  const cols = ['layer type', 'headDim', 'rotaryDim', 'base', 'layout', 'scaling', 'numHeads / numKvHeads', 'attention factor', 'trained', 'extended'];
  const rows = d.results.map((r) => {
    if (r.error) return [lt(r.layerType), `not read: ${r.error.code}${r.error.argument ? ` (${r.error.argument})` : ''}`, '', '', '', '', '', '', '', ''];
    const c = r.config;
    const sc = c.scaling ? Object.entries(c.scaling).map(([k, v]) => `${k}: ${Array.isArray(v) ? `[${v.length} values]` : v}`).join(', ') : 'none';
    const extra = c.mrope ? ` · mrope ${c.mrope.mode} [${c.mrope.section.join(', ')}]` : '';
    const heads = c.numHeads !== undefined && c.numHeads !== null ? `${c.numHeads} / ${c.numKvHeads ?? '—'}` : `— (config.json: ${d.numHeads ?? '—'} / ${d.numKvHeads ?? '—'})`;
    return [lt(r.layerType), c.headDim, c.rotaryDim ?? c.headDim, c.base, c.layout, sc + extra, heads, fmt(r.attentionFactor, 5), r.trained, r.extended];
  });
  renderTable($('model-reads'), { columns: cols, rows });
  $('model-reads').querySelector('table')?.setAttribute('id', 'model-reads-table');
}

function esc(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
}

// ---- state changes ------------------------------------------------------------------------
function syncUrl() {
  const q = stateToQuery(state);
  const url = `${location.pathname}${q}${location.hash}`;
  if (url !== `${location.pathname}${location.search}${location.hash}`) history.replaceState(null, '', url);
}

function setState(patch, { recompute = KINDS } = {}) {
  const before = state;
  state = normalizeState({ ...state, ...patch });
  syncUrl();
  syncControls();
  const changed = Object.keys(state).filter((k) => JSON.stringify(state[k]) !== JSON.stringify(before[k]));
  if (changed.length === 0 || (changed.length === 1 && changed[0] === 'section')) return;
  for (const kind of recompute) request(kind);
}

// ---- controls -----------------------------------------------------------------------------
function ensureOption(select, value, label) {
  const v = String(value);
  if (![...select.options].some((o) => o.value === v)) {
    const o = new Option(label ?? v, v);
    select.add(o);
  }
  select.value = v;
}

function syncControls() {
  const s = state;
  ensureOption($('c-base'), s.base, `${s.base.toLocaleString('en')} (custom)`);
  ensureOption($('c-dim'), s.dim);
  const rots = [...new Set([s.dim, s.dim * 0.75, s.dim / 2, s.dim / 4, s.rot].map((r) => r - (r % 2)).filter((r) => r >= 2 && r <= s.dim))].sort((a, b) => b - a);
  const rotSel = $('c-rot');
  if (rotSel.dataset.for !== `${s.dim}|${s.rot}`) {
    rotSel.replaceChildren(...rots.map((r) => new Option(r === s.dim ? `${r} (all)` : `${r} (${Math.round((100 * r) / s.dim)}%)`, String(r))));
    rotSel.dataset.for = `${s.dim}|${s.rot}`;
  }
  rotSel.value = String(s.rot);
  $('c-layout').value = s.layout;
  if (document.activeElement !== $('c-seed')) $('c-seed').value = String(s.seed);
  if (document.activeElement !== $('c-pos')) $('c-pos').value = s.pos.join(', ');
  const last = s.pos[s.pos.length - 1];
  const scrub = $('c-scrub');
  scrub.max = String(Math.max(64, last));
  scrub.min = String(Math.min(0, last));
  scrub.value = String(last);
  $('o-scrub').textContent = String(last);
  $('c-pair').max = String(s.rot / 2 - 1);
  $('c-pair').value = String(s.pair);
  $('o-pair').textContent = String(s.pair);
  if (document.activeElement !== $('c-text')) $('c-text').value = s.text;
  const words = [...new Set(tokenize(s.text).map((t) => t.toLowerCase()))].slice(0, 48);
  for (const [id, key] of [['c-qw', 'qw'], ['c-kw', 'kw']]) {
    const sel = $(id);
    if (sel.dataset.for !== words.join('|')) {
      sel.replaceChildren(...words.map((w) => new Option(w, w)));
      sel.dataset.for = words.join('|');
    }
    const want = s[key].toLowerCase();
    sel.value = words.includes(want) ? want : words[key === 'qw' ? 0 : Math.min(1, words.length - 1)] ?? '';
  }
  $('c-off').value = String(s.off);
  $('o-off').textContent = String(s.off);
  ensureOption($('c-ctx'), s.ctx);
  $('c-range').value = String(s.range);
  $('c-dscale').value = s.dscale;
  $('c-stype').value = s.scaling ? s.scaling.type : '';
  if (document.activeElement !== $('c-factor')) $('c-factor').value = String(s.scaling?.factor ?? s.factor);
  if (document.activeElement !== $('c-orig')) $('c-orig').value = String(s.scaling?.originalMaxPositionEmbeddings ?? (s.scaling?.type === 'dynamic' ? s.scaling.maxPositionEmbeddings : undefined) ?? s.orig);
  if (document.activeElement !== $('c-len')) $('c-len').value = String(s.len);
  ensureOption($('c-ppos'), s.ppos);
  $('c-wrong').checked = s.wrong;
  $('c-mm').value = s.mm;
  for (const k of ['pre', 'ih', 'iw', 'mid', 'vt', 'vh', 'vw', 'post', 'vgh', 'vgw']) {
    const el = $(`c-${k}`);
    if (document.activeElement !== el) el.value = String(s[k]);
    if (['ih', 'iw', 'vh', 'vw', 'vgh', 'vgw'].includes(k)) { el.step = String(s.merge); el.min = String(s.merge); }
  }
  $('c-merge').value = String(s.merge);
  $('c-vmerge').value = String(s.merge);
  for (const [k, max] of [['qr', s.ih / s.merge - 1], ['qc', s.iw / s.merge - 1], ['vr', s.vgh - 1], ['vc', s.vgw - 1]]) {
    $(`c-${k}`).max = String(max);
    $(`c-${k}`).value = String(s[k]);
    $(`o-${k}`).textContent = String(s[k]);
  }
  $('c-vhd').value = String(s.vhd);
  $('c-cfac').value = String(s.cfac);
  $('c-cdrop').value = String(s.cdrop);
  $('c-cshifts').max = String(256 / s.cdrop);
  $('c-cshifts').value = String(s.cshifts);
  $('o-cshifts').textContent = String(s.cshifts);
  const msel = $('c-model');
  const wantOpts = [...MODEL_CONFIGS.map((m) => [m.id, m.name]), ...(s.cfg ? [['pasted', 'your pasted config']] : [])];
  if (msel.dataset.for !== wantOpts.map((o) => o[0]).join('|')) {
    msel.replaceChildren(...wantOpts.map(([v, l]) => new Option(l, v)));
    msel.dataset.for = wantOpts.map((o) => o[0]).join('|');
  }
  msel.value = s.cfg ? 'pasted' : s.model;
  if (document.activeElement !== $('c-mlen')) $('c-mlen').value = s.mlen ? String(s.mlen) : '';
  for (const a of document.querySelectorAll('.toc a')) a.setAttribute('aria-current', String(a.dataset.section === s.section));
}

function num(id) {
  return Number($(id).value);
}

function wireControls() {
  for (const form of document.querySelectorAll('form')) form.addEventListener('submit', (e) => e.preventDefault());
  $('c-base').addEventListener('change', () => setState({ base: num('c-base') }));
  $('c-dim').addEventListener('change', () => {
    const dim = num('c-dim');
    const frac = state.rot / state.dim;
    const rot = Math.max(2, Math.round((dim * frac) / 2) * 2);
    setState({ dim, rot, pair: Math.min(state.pair, rot / 2 - 1), scaling: state.scaling?.type === 'longrope' ? null : state.scaling });
  });
  $('c-rot').addEventListener('change', () => {
    const rot = num('c-rot');
    setState({ rot, pair: Math.min(state.pair, rot / 2 - 1), scaling: state.scaling?.type === 'longrope' && state.scaling.shortFactor?.length !== rot / 2 ? null : state.scaling });
  });
  $('c-layout').addEventListener('change', () => setState({ layout: $('c-layout').value }));
  $('c-seed').addEventListener('change', () => setState({ seed: num('c-seed') }));
  $('c-copy').addEventListener('click', async () => {
    const btn = $('c-copy');
    try {
      await navigator.clipboard.writeText(location.href);
      btn.textContent = 'Link copied';
    } catch {
      btn.textContent = 'Copy the address bar';
    }
    setTimeout(() => { btn.textContent = 'Copy link to this view'; }, 2000);
  });
  $('c-pos').addEventListener('change', () => setState({ pos: parsePositions($('c-pos').value) }));
  $('c-scrub').addEventListener('input', () => {
    const pos = [...state.pos];
    pos[pos.length - 1] = num('c-scrub');
    setState({ pos }, { recompute: ['rotation'] });
  });
  $('c-pair').addEventListener('input', () => setState({ pair: num('c-pair') }, { recompute: ['rotation'] }));
  $('c-play').addEventListener('click', togglePlay);
  $('c-text').addEventListener('input', debounce(() => setState({ text: $('c-text').value }, { recompute: ['shift'] }), 250));
  $('c-qw').addEventListener('change', () => setState({ qw: $('c-qw').value }, { recompute: ['shift'] }));
  $('c-kw').addEventListener('change', () => setState({ kw: $('c-kw').value }, { recompute: ['shift'] }));
  $('c-off').addEventListener('input', () => setState({ off: num('c-off') }, { recompute: ['shift'] }));
  $('c-ctx').addEventListener('change', () => setState({ ctx: num('c-ctx') }, { recompute: ['frequencies'] }));
  $('c-range').addEventListener('change', () => setState({ range: num('c-range') }, { recompute: ['decay'] }));
  $('c-dscale').addEventListener('change', () => setState({ dscale: $('c-dscale').value }, { recompute: ['decay'] }));
  const scalingChange = () => {
    const r = scalingFromForm(state, { type: $('c-stype').value, factor: num('c-factor'), orig: num('c-orig') });
    $('paste-status').textContent = r.message ?? '';
    $('paste-status').className = r.message ? 'callout bad' : 'callout';
    if (r.message) $('c-paste').closest('details').open = true;
    setState({ scaling: r.scaling, factor: r.factor, orig: r.orig, len: num('c-len') });
  };
  for (const id of ['c-stype', 'c-factor', 'c-orig', 'c-len']) $(id).addEventListener('change', scalingChange);
  $('c-paste-apply').addEventListener('click', () => usePasted($('c-paste').value));
  $('c-file').addEventListener('change', async () => {
    const file = $('c-file').files[0];
    if (file) usePasted(await file.text(), file.name);
  });
  $('c-ppos').addEventListener('change', () => setState({ ppos: num('c-ppos') }, { recompute: ['precision'] }));
  $('c-wrong').addEventListener('change', () => setState({ wrong: $('c-wrong').checked }, { recompute: ['layout'] }));
  $('c-bench').addEventListener('click', runBenchmark);
  // Images and video, the vision tower, your model.
  $('c-mm').addEventListener('change', () => setState({ mm: $('c-mm').value }, { recompute: ['mrope'] }));
  for (const k of ['pre', 'ih', 'iw', 'mid', 'vt', 'vh', 'vw', 'post']) {
    $(`c-${k}`).addEventListener('change', () => setState({ [k]: num(`c-${k}`) }, { recompute: ['mrope'] }));
  }
  for (const k of ['vgh', 'vgw']) $(`c-${k}`).addEventListener('change', () => setState({ [k]: num(`c-${k}`) }, { recompute: ['vision'] }));
  for (const id of ['c-merge', 'c-vmerge']) $(id).addEventListener('change', () => setState({ merge: num(id) }, { recompute: ['mrope', 'vision'] }));
  for (const k of ['qr', 'qc']) $(`c-${k}`).addEventListener('input', () => setState({ [k]: num(`c-${k}`) }, { recompute: ['mrope'] }));
  for (const k of ['vr', 'vc']) $(`c-${k}`).addEventListener('input', () => setState({ [k]: num(`c-${k}`) }, { recompute: ['vision'] }));
  $('c-cfac').addEventListener('change', () => setState({ cfac: num('c-cfac') }, { recompute: ['cache'] }));
  $('c-cdrop').addEventListener('change', () => setState({ cdrop: num('c-cdrop') }, { recompute: ['cache'] }));
  $('c-cshifts').addEventListener('input', () => setState({ cshifts: num('c-cshifts') }, { recompute: ['cache'] }));
  $('c-vhd').addEventListener('change', () => setState({ vhd: num('c-vhd') }, { recompute: ['vision'] }));
  $('c-model').addEventListener('change', () => {
    if ($('c-model').value !== 'pasted') setState({ model: $('c-model').value, cfg: '' }, { recompute: ['model'] });
  });
  $('c-mlen').addEventListener('change', () => setState({ mlen: $('c-mlen').value === '' ? 0 : num('c-mlen') }, { recompute: ['model'] }));
  $('c-mpaste-apply').addEventListener('click', () => useModelJson($('c-mpaste').value, 'the pasted config'));
  $('c-mfile').addEventListener('change', async () => {
    const file = $('c-mfile').files[0];
    if (file) useModelJson(await file.text(), file.name);
  });
}

function useModelJson(text, name) {
  const parsed = parseModelJson(text);
  if (parsed.error) {
    $('model-status').textContent = `Could not read ${name}: ${parsed.error}`;
    $('model-status').className = 'callout bad';
    $('model-paste').open = true;
    return;
  }
  setState({ cfg: JSON.stringify(parsed.json) }, { recompute: ['model'] });
}

function usePasted(text, name = 'pasted JSON') {
  const status = $('paste-status');
  const parsed = parseModelJson(text);
  if (parsed.error) {
    status.textContent = `Could not read ${name}: ${parsed.error}`;
    status.className = 'callout bad';
    return;
  }
  const r = applyModelConfig(parsed.json, state, ropeWasm);
  status.className = r.error ? 'callout bad' : 'callout';
  status.textContent = r.error ? `Could not use ${name}: ${r.error}` : `Using ${name}: ${r.message}`;
  if (!r.error) setState(r.patch);
}

function debounce(fn, ms) {
  let t;
  return (...a) => {
    clearTimeout(t);
    t = setTimeout(() => fn(...a), ms);
  };
}

// Play: moves the last position forward one step at a time. With reduced motion it steps
// once per press instead of animating.
let playTimer = null;
function togglePlay() {
  const btn = $('c-play');
  const step = () => {
    const pos = [...state.pos];
    pos[pos.length - 1] = pos[pos.length - 1] >= 64 ? 0 : pos[pos.length - 1] + 1;
    setState({ pos }, { recompute: ['rotation'] });
  };
  if (reducedMotion.matches) {
    step();
    return;
  }
  if (playTimer) {
    clearInterval(playTimer);
    playTimer = null;
    btn.textContent = 'Play';
    btn.setAttribute('aria-pressed', 'false');
  } else {
    playTimer = setInterval(step, 150);
    btn.textContent = 'Pause';
    btn.setAttribute('aria-pressed', 'true');
  }
}
function updatePlayLabel() {
  const btn = $('c-play');
  if (reducedMotion.matches) {
    if (playTimer) togglePlay();
    btn.textContent = 'Step +1';
    btn.removeAttribute('aria-pressed');
  } else if (!playTimer) {
    btn.textContent = 'Play';
    btn.setAttribute('aria-pressed', 'false');
  }
}

// ---- benchmark ----------------------------------------------------------------------------
function runBenchmark() {
  const btn = $('c-bench');
  const progress = $('bench-progress');
  btn.disabled = true;
  progress.textContent = 'Running in a Web Worker…';
  const bench = new Worker(new URL('./bench.worker.js', import.meta.url), { type: 'module' });
  bench.onmessage = (event) => {
    const msg = event.data;
    if (msg.type === 'progress') {
      progress.textContent = `Running in a Web Worker… ${msg.done} of ${msg.total} timings done`;
      return;
    }
    bench.terminate();
    btn.disabled = false;
    if (msg.type === 'error') {
      progress.textContent = `The benchmark failed: ${msg.error}`;
      app.errors.push(`bench: ${msg.error}`);
      return;
    }
    app.bench = msg.result;
    progress.textContent = 'Done. Run again to re-measure.';
    drawBenchmark();
  };
  bench.onerror = (e) => {
    btn.disabled = false;
    progress.textContent = `The benchmark worker failed: ${e.message}`;
    app.errors.push(`bench worker: ${e.message}`);
  };
  bench.postMessage({ type: 'run' });
}

function drawBenchmark() {
  const r = app.bench;
  if (!r) return;
  const out = renderBenchmark(r, figureWidth('fig-bench'));
  const simd = r.best.find((b) => b.name === 'wasm SIMD');
  putFigure('fig-bench', out['fig-bench'], `measured by wasm (${simd && !simd.error ? 'SIMD' : 'baseline'}) and plain JS in a Worker`);
  $('bench-note').textContent = `Timer resolution here: ${fmt(r.resolution * 1000, 3)} µs (browsers coarsen performance.now(); ` +
    `${r.crossOriginIsolated ? 'this page is cross-origin isolated' : 'this page is not cross-origin isolated, so expect 100 µs or coarser'}). ` +
    `Each timing loops for at least 200 ms, so one call's time (${fmt(r.best[0].perCallUs ?? 0, 3)} µs for SIMD) is an average over many calls, not a single reading. ` +
    `Results vary with the device, the browser and what else is running.`;
}

// ---- sections, resize, start ----------------------------------------------------------------
function trackSections() {
  const io = new IntersectionObserver((entries) => {
    const visible = entries.filter((e) => e.isIntersecting).sort((a, b) => a.boundingClientRect.top - b.boundingClientRect.top);
    if (visible.length && !app.scrollingTo) setState({ section: visible[0].target.id });
  }, { rootMargin: '-30% 0px -60% 0px' });
  for (const id of SECTIONS) io.observe($(id));
  for (const a of document.querySelectorAll('.toc a')) {
    a.addEventListener('click', () => setState({ section: a.dataset.section }));
  }
}

let lastWidth = 0;
const redraw = debounce(() => {
  if (Math.abs(window.innerWidth - lastWidth) < 8) return;
  lastWidth = window.innerWidth;
  widthCache.clear(); // measured afresh once (sections off screen give no resize events)
  for (const kind of KINDS) drawKind(kind);
  drawBenchmark();
}, 150);

// Every figure has the same parts: the "computed by" badge, the plot, a caption and a data
// table (the text alternative). index.html declares the figures (spelling the parts out only
// where it has initial text for them); the parts of the others are made here.
function buildFigureShells() {
  for (const fig of document.querySelectorAll('figure[data-figure]')) {
    if (fig.children.length > 0) continue;
    fig.innerHTML = '<p class="badge" data-badge></p><div class="plot" data-plot></div>'
      + '<figcaption data-caption></figcaption>'
      + '<details class="table"><summary>Data table</summary><div data-table></div></details>';
  }
}

function start() {
  buildFigureShells();
  lastWidth = window.innerWidth;
  syncControls();
  wireControls();
  updatePlayLabel();
  reducedMotion.addEventListener('change', updatePlayLabel);
  for (const kind of KINDS) request(kind);
  window.addEventListener('resize', redraw);
  if (state.section !== DEFAULTS.section) {
    // Open at the linked section; again once the figures have their heights.
    app.scrollingTo = true;
    const target = state.section;
    $(target).scrollIntoView({ behavior: 'instant', block: 'start' });
    app.idle().then(() => requestAnimationFrame(() => {
      $(target).scrollIntoView({ behavior: 'instant', block: 'start' });
      setTimeout(() => { app.scrollingTo = false; }, 300);
    }));
  }
  trackSections();
}

start();
