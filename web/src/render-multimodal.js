// Drawing of the multimodal and model sections (Observable Plot): each figure's plot, caption
// and data table from the Worker's numbers. Nothing is computed here beyond formatting.
import * as Plot from '@observablehq/plot';
import { fmt } from './math.js';
import { plotWithRoom } from './render.js';

const COLORS = ['#1f5fbf', '#d1495b', '#2a9d5c', '#8a5cc7', '#e08a00', '#444b59', '#0f9bb5'];
const DASHES = [null, '6,3', '2,2', '8,3,2,3'];
const STREAM_COLORS = { t: '#e08a00', h: '#1f5fbf', w: '#2a9d5c' };
const STREAMS = ['t', 'h', 'w'];
const small = (w) => w < 520;
const font = (w) => (small(w) ? 11 : 12);
const style = (w) => ({ fontSize: `${font(w)}px`, background: 'transparent' });
const table = (columns, rows, note) => ({ columns, rows, note });
const range = (n) => Array.from({ length: n }, (_, i) => i);

// Band ticks thinned to about one per `px` pixels (a round step: 1, 2, 5, 10, ...).
function everyNth(n, width, px = 28) {
  const steps = [1, 2, 5, 10, 20, 25, 50, 100, 200, 500];
  return steps.find((s) => (n / s) * px <= width) ?? 1000;
}

function legendBoxes(items) {
  const el = document.createElement('div');
  el.className = 'legend-row';
  for (const [label, color, glyph] of items) {
    const span = document.createElement('span');
    span.className = 'legend-item';
    const sw = document.createElement('span');
    sw.setAttribute('aria-hidden', 'true');
    sw.className = 'swatch';
    sw.style.background = color;
    if (glyph) sw.textContent = glyph;
    span.append(sw, document.createTextNode(label));
    el.append(span);
  }
  return el;
}

function note(text) {
  const p = document.createElement('p');
  p.className = 'empty';
  p.textContent = text;
  return p;
}

// Grids of many cells are drawn as one raster image (a pixel per cell) instead of thousands
// of rectangles: the browser paints them in a fraction of the time.
const RASTER_CELLS = 600;
function gridAxis(n, { label, raster, reverse = false, every, format = (v) => v, ...rest }) {
  if (raster) {
    return { domain: [-0.5, n - 0.5], label, reverse, ticks: range(n).filter((v) => v % every === 0), tickFormat: format, ...rest };
  }
  return { type: 'band', domain: range(n), label, tickFormat: (v) => (v % every === 0 ? format(v) : ''), ...rest };
}
function gridMarks(data, { x, y, fill, nx, ny, raster, inset = 0.4 }) {
  return raster
    ? Plot.raster(data, { x, y, fill, width: nx, height: ny, x1: -0.5, x2: nx - 0.5, y1: -0.5, y2: ny - 0.5, imageRendering: 'pixelated' })
    : Plot.cell(data, { x, y, fill, inset });
}
function outline(cell, raster, { stroke = '#d1495b', strokeWidth = 3 } = {}) {
  return raster
    ? Plot.rect([cell], { x1: cell.c - 0.5, x2: cell.c + 0.5, y1: cell.r - 0.5, y2: cell.r + 0.5, stroke, strokeWidth, fill: 'none' })
    : Plot.cell([cell], { x: 'c', y: 'r', stroke, strokeWidth, fill: 'none' });
}

// A heatmap of scores over a grid of cells { r, c, value }, the query cell outlined. The
// colour range is the figure's own (min to max), so small variations show.
function gridHeat(cells, { rows, cols, value, width, label, query }) {
  const cell = Math.max(8, Math.min(34, Math.floor((Math.min(width, 720) - 70) / cols)));
  const raster = rows * cols > RASTER_CELLS;
  const vals = cells.map((c) => c[value]);
  return plotWithRoom({
    width: cell * cols + 60, height: cell * rows + 50, marginLeft: 44, marginRight: 16, marginTop: 6, marginBottom: 44,
    style: style(width),
    x: gridAxis(cols, { label: 'column →', raster, every: everyNth(cols, cell * cols, 22), labelAnchor: 'center', labelOffset: 34 }),
    y: gridAxis(rows, { label: '↑ row', raster, reverse: true, every: everyNth(rows, cell * rows, 18) }),
    color: { type: 'linear', scheme: 'viridis', domain: [Math.min(...vals), Math.max(...vals)], legend: true, label, width: Math.min(280, width - 24), marginLeft: 12, marginRight: 12 },
    marks: [
      gridMarks(cells, { x: 'c', y: 'r', fill: value, nx: cols, ny: rows, raster }),
      outline(query, raster),
      Plot.text([query], { x: 'c', y: 'r', text: () => 'q', fill: '#111', fontWeight: 700, stroke: 'white', strokeWidth: 3, paintOrder: 'stroke' }),
    ],
  });
}

// ---- Images and video (M-RoPE) ------------------------------------------------------------
export function renderMrope(d, s, width) {
  const out = {};
  const T = d.T;
  const streamRows = d.tokens.flatMap((tk) => STREAMS.map((st) => ({ i: tk.i, stream: st, pos: tk[st], kind: tk.kind })));
  const cellW = (width - 40) / T;
  const bounds = [];
  let at = 0;
  for (const seg of d.segments) {
    const n = 'text' in seg ? seg.text : (seg.image ?? seg.video).reduce((a, b) => a * b, 1) / (s.merge * s.merge);
    const what = 'text' in seg ? `text ${n}` : `${seg.image ? 'image' : 'video'} ${(seg.image ?? seg.video).join('×')}`;
    if (n > 0) bounds.push({ start: at, end: at + n, what, mid: at + n / 2 - 0.5 });
    at += n;
  }
  const maxPos = Math.max(...streamRows.map((r) => r.pos), 1);
  const showNums = cellW >= 17;
  const rasterStrip = T * 3 > RASTER_CELLS;
  const streamIndex = Object.fromEntries(STREAMS.map((st, k) => [st, k]));
  const tokenPlot = plotWithRoom({
    width, height: 190, marginLeft: 34, marginRight: 8, marginTop: 34, marginBottom: 44,
    style: style(width),
    x: gridAxis(T, { label: 'token index in the prompt →', raster: rasterStrip, every: everyNth(T, width - 40, 30), labelOffset: 36, ...(rasterStrip ? {} : { padding: 0.05 }) }),
    y: rasterStrip ? { domain: [-0.5, 2.5], reverse: true, ticks: [0, 1, 2], tickFormat: (k) => STREAMS[k], label: null } : { type: 'band', domain: STREAMS, label: null },
    color: { type: 'linear', scheme: 'blues', domain: [0, maxPos], legend: false },
    marks: [
      rasterStrip
        ? Plot.raster(streamRows, { x: 'i', y: (r) => streamIndex[r.stream], fill: 'pos', width: T, height: 3, x1: -0.5, x2: T - 0.5, y1: -0.5, y2: 2.5, imageRendering: 'pixelated' })
        : Plot.cell(streamRows, { x: 'i', y: 'stream', fill: 'pos' }),
      ...(showNums && !rasterStrip ? [Plot.text(streamRows, { x: 'i', y: 'stream', text: 'pos', fill: (r) => (r.pos > maxPos * 0.55 ? 'white' : '#1d2330'), fontSize: font(width) - 2 })] : []),
      rasterStrip
        ? Plot.ruleX(bounds.slice(1), { x: (b) => b.start - 0.5, stroke: '#d1495b', strokeWidth: 2 })
        : Plot.ruleX(bounds.slice(1), { x: 'start', stroke: '#d1495b', strokeWidth: 2, dx: -cellW / 2 }),
      Plot.text(bounds, { x: (b) => Math.max(0, Math.min(T - 1, Math.round(b.mid))), frameAnchor: 'top', dy: -28, text: (b) => {
        const px = (b.end - b.start) * cellW;
        return px >= b.what.length * 7 ? b.what : px >= 10 ? b.what[0] : '';
      }, fontWeight: 600, fill: '#2c3443', lineAnchor: 'top' }),
    ],
  });
  const jumpText = `Text after the image starts at ${d.jump.nextText}: the image began at ${d.jump.imageStart} and moved the position on by max(h, w)/merge = max(${s.ih}, ${s.iw})/${s.merge} = ${d.jump.byMax}, not by its ${d.jump.imageTokens} tokens. ` +
    `Why: its rows and columns count from where it starts, so its largest position (the longer side's last row or column) is ${d.jump.imageStart} + ${d.jump.byMax} − 1, and the text simply continues after it; position space grows with the image's side, not its area.`;
  out['fig-mtokens'] = {
    plots: [tokenPlot],
    caption: `Every token's (t, h, w) positions as mropePositions returns them for ${d.modelName} (${T} tokens; darker = larger position${showNums ? '' : '; numbers in the data table'}). Text tokens have the same position on all three streams. ${jumpText} The prompt's ropeDelta is ${d.ropeDelta}; decoding continues at ${d.nextPosition}.`,
    table: table(['token', 'kind', 't', 'h', 'w'], d.tokens.map((tk) => [tk.i, tk.kind === 'text' ? 'text' : `${tk.kind}${tk.kind === 'video' ? ` frame ${tk.f}` : ''} row ${tk.r} col ${tk.c}`, tk.t, tk.h, tk.w])),
  };
  // The image as its grid of merged tokens, each with its (h, w).
  const gcell = Math.max(14, Math.min(48, Math.floor((Math.min(width, 640) - 60) / d.grid.w)));
  const labelled = gcell >= 34;
  const gridRaster = d.cells.length > RASTER_CELLS;
  out['fig-mgrid'] = {
    plots: [plotWithRoom({
      width: gcell * d.grid.w + 60, height: gcell * d.grid.h + 56, marginLeft: 44, marginRight: 16, marginTop: 10, marginBottom: 46,
      style: style(width),
      x: gridAxis(d.grid.w, { label: 'column →', raster: gridRaster, every: everyNth(d.grid.w, gcell * d.grid.w, 22), labelAnchor: 'center', labelOffset: 34 }),
      y: gridAxis(d.grid.h, { label: '↑ row', raster: gridRaster, reverse: true, every: everyNth(d.grid.h, gcell * d.grid.h, 18) }),
      color: { type: 'linear', domain: [0, 1], range: ['#d3dff2', '#e6edf8'] },
      marks: [
        gridMarks(d.cells, { x: 'c', y: 'r', fill: (c) => (c.r + c.c) % 2, nx: d.grid.w, ny: d.grid.h, raster: gridRaster, inset: 0.5 }),
        ...(labelled ? [Plot.text(d.cells, { x: 'c', y: 'r', text: (c) => `${c.h},${c.w}`, fontSize: font(width) - 2, fill: '#1d2330' })] : []),
        outline(d.query, gridRaster, { stroke: '#111', strokeWidth: 2.5 }),
      ],
    })],
    caption: `The image's ${d.cells.length} tokens (${s.ih}×${s.iw} patches merged ${s.merge}×${s.merge}) as its grid${labelled ? ', each labelled h,w' : ''}. All have t = ${d.cells[0].t}; row r has h = ${d.cells[0].h} + r and column c has w = ${d.cells[0].w} + c. The outlined token is the query patch of the heatmaps below.`,
    table: table(['row', 'col', 'token', 't', 'h', 'w'], d.cells.map((c) => [c.r, c.c, c.i, c.t, c.h, c.w])),
  };
  // Which stream turns each pair: chunked (Qwen2-VL) against interleaved (Qwen3-VL).
  const strip = ['chunked', 'interleaved'].flatMap((mode) => d.strips[mode].streams.map((k, i) => ({ mode: `${mode} ${d.strips[mode].model} [${d.strips[mode].section.join(', ')}]`, pair: i, stream: STREAMS[k] ?? '?' })));
  const modes = [...new Set(strip.map((r) => r.mode))];
  const pw = (width - (small(width) ? 16 : 24)) / 64;
  out['fig-mpairs'] = {
    plots: [plotWithRoom({
      width, height: 170, marginLeft: small(width) ? 8 : 12, marginRight: 12, marginTop: 24, marginBottom: 40,
      style: style(width),
      x: { type: 'band', domain: range(64), label: 'pair i (head dim 128) →', labelOffset: 34, tickFormat: (i) => (i % everyNth(64, width - 24, 26) === 0 ? i : ''), padding: 0.06 },
      y: { type: 'band', domain: modes, axis: null, padding: 0.5 },
      color: { type: 'categorical', domain: STREAMS, range: STREAMS.map((st) => STREAM_COLORS[st]) },
      marks: [
        Plot.cell(strip, { x: 'pair', y: 'mode', fill: 'stream' }),
        ...(pw >= 11 ? [Plot.text(strip, { x: 'pair', y: 'mode', text: 'stream', fill: 'white', fontWeight: 600, fontSize: font(width) - 2 })] : []),
        Plot.text(modes, { y: (m) => m, frameAnchor: 'left', dy: -18, text: (m) => m, fontWeight: 600, textAnchor: 'start' }),
      ],
    }), legendBoxes(STREAMS.map((st) => [{ t: 't: temporal (frame)', h: 'h: row', w: 'w: column' }[st], STREAM_COLORS[st], st]))],
    caption: `Which position turns each pair, measured with the kernel (one stream set to 1 at a time). Chunked sections give the fast pairs to t and the slow ones to h and w, so rows and columns only get low frequencies; interleaved sections alternate t, h, w, giving every stream fast and slow pairs (the last ${64 - 3 * 20} pairs stay on t).`,
    table: table(['pair', ...modes], range(64).map((i) => [i, ...modes.map((m) => strip.find((r) => r.mode === m && r.pair === i).stream)])),
  };
  const heat = (value) => gridHeat(d.cells, { rows: d.grid.h, cols: d.grid.w, value, width, label: 'score q·k/√d (this figure\'s range)', query: d.query });
  const spread = (key) => fmt(Math.max(...d.cells.map((c) => c[key])) - Math.min(...d.cells.map((c) => c[key])), 3);
  const rowsTable = (key) => table(['row', 'col', 'dh', 'dw', 'flattened distance', 'score'], d.cells.map((c) => [c.r, c.c, c.dh, c.dw, c.flat, c[key].toFixed(6)]));
  out['fig-mheat'] = {
    plots: [heat('score2d')],
    caption: `M-RoPE (${d.modelName}, ${d.rope.mode} sections [${d.rope.section.join(', ')}], base ${d.rope.base.toLocaleString('en')}): the score of the query patch (row ${d.query.r}, column ${d.query.c}) against every patch of the image, q and k the same random-but-fixed vectors, rotated by the kernel at their (t, h, w). It depends on the 2-D offset (dh, dw) only: patches the same rows and columns away score the same. Scores here span ${spread('score2d')}: ${d.rope.mode === 'chunked' ? 'chunked sections leave rows and columns only slow pairs, so the score changes gently across the image' : 'interleaved sections give rows and columns fast pairs too, so the score changes quickly with the offset'}.`,
    table: rowsTable('score2d'),
  };
  out['fig-mheat1d'] = {
    plots: [heat('score1d')],
    caption: `The same vectors with plain 1-D RoPE over the flattened token index (what a text-only model does with an image's tokens): a patch directly below the query is ${d.grid.w} tokens away, as far as one ${d.grid.w} columns to the side, and the score follows that flattened distance, not the image's geometry (scores span ${spread('score1d')}).`,
    table: rowsTable('score1d'),
  };
  return out;
}

// ---- Inside the vision tower (2-D RoPE) ---------------------------------------------------
export function renderVision(d, s, width) {
  const out = {};
  const { h: H, w: W } = d.grid;
  const cell = Math.max(14, Math.min(40, Math.floor((Math.min(width, 640) - 60) / W)));
  const m2 = d.merge * d.merge;
  const cells = d.order.map((o) => ({ ...o, r: o.h, c: o.w }));
  const orderRaster = cells.length > RASTER_CELLS;
  out['fig-vorder'] = {
    plots: [plotWithRoom({
      width: cell * W + 60, height: cell * H + 56, marginLeft: 44, marginRight: 16, marginTop: 10, marginBottom: 46,
      style: style(width),
      x: gridAxis(W, { label: 'column w →', raster: orderRaster, every: everyNth(W, cell * W, 22), labelAnchor: 'center', labelOffset: 34 }),
      y: gridAxis(H, { label: '↑ row h', raster: orderRaster, reverse: true, every: everyNth(H, cell * H, 18) }),
      color: { type: 'linear', domain: [0, 1], range: ['#f3d9c4', '#c9d8f0'] },
      marks: [
        gridMarks(cells, { x: 'c', y: 'r', fill: (o) => (Math.floor(o.h / d.merge) + Math.floor(o.w / d.merge)) % 2, nx: W, ny: H, raster: orderRaster, inset: 0.5 }),
        ...(cell >= 22 ? [Plot.text(cells, { x: 'c', y: 'r', text: 'i', fill: '#1d2330', fontSize: font(width) - 2 })] : []),
        Plot.line(cells.slice().sort((a, b) => a.i - b.i).slice(0, Math.min(cells.length, 4 * m2)), { x: 'c', y: 'r', stroke: '#d1495b', strokeWidth: 1.5, strokeOpacity: 0.8, marker: 'arrow' }),
      ],
    })],
    caption: `The tower's patch order for a ${H}×${W}-patch image (visionPositions, merge ${d.merge}): ${cell >= 22 ? 'each patch shows its place in the sequence' : 'its place in the sequence is in the data table'}; the two tones mark the ${d.merge}×${d.merge} blocks merged into one language-model token, each block's ${m2} patches contiguous (the red path follows the first ${Math.min(cells.length, 4 * m2)}). Each patch is rotated by its own (h, w), wherever it sits in the sequence.`,
    table: table(['index', 'h', 'w', 'merge block'], d.order.map((o) => [o.i, o.h, o.w, o.block])),
  };
  const maxAbs = Math.max(...d.offsets.map((o) => Math.abs(o.score)), 1e-9);
  const ow = 2 * W - 1;
  const oh = 2 * H - 1;
  const ocell = Math.max(5, Math.min(22, Math.floor((Math.min(width, 720) - 70) / ow)));
  const raster = ow * oh > 1200;
  out['fig-voffset'] = {
    plots: [plotWithRoom({
      width: ocell * ow + 60, height: ocell * oh + 50, marginLeft: 44, marginRight: 16, marginTop: 6, marginBottom: 44,
      style: style(width),
      x: raster ? { domain: [-W + 0.5, W - 0.5], label: 'dw →', labelAnchor: 'center', labelOffset: 32 }
        : { type: 'band', domain: range(ow).map((j) => j - (W - 1)), label: 'dw →', labelAnchor: 'center', labelOffset: 32, tickFormat: (v) => (v % everyNth(ow, ocell * ow, 24) === 0 ? v : '') },
      y: raster ? { domain: [-H + 0.5, H - 0.5], label: '↑ dh', reverse: true }
        : { type: 'band', domain: range(oh).map((j) => j - (H - 1)), label: '↑ dh', tickFormat: (v) => (v % everyNth(oh, ocell * oh, 18) === 0 ? v : '') },
      color: { type: 'diverging', scheme: 'PuOr', pivot: 0, domain: [-maxAbs, maxAbs], legend: true, label: 'score q·k/√d', width: Math.min(280, width - 24), marginLeft: 12, marginRight: 12 },
      marks: raster ? [
        // Many offsets: one image (a pixel per offset) instead of thousands of rectangles.
        Plot.raster(d.offsets, { x: 'dw', y: 'dh', fill: 'score', width: ow, height: oh, x1: -W + 0.5, x2: W - 0.5, y1: -H + 0.5, y2: H - 0.5, imageRendering: 'pixelated' }),
        Plot.rect([0], { x1: -0.5, x2: 0.5, y1: -0.5, y2: 0.5, stroke: '#111', strokeWidth: 2, fill: 'none' }),
      ] : [
        Plot.cell(d.offsets, { x: 'dw', y: 'dh', fill: 'score' }),
        Plot.cell([{ dh: 0, dw: 0 }], { x: 'dw', y: 'dh', stroke: '#111', strokeWidth: 2, fill: 'none' }),
      ],
    })],
    caption: `The score of two patches as a function of their offset (dh, dw), head dim ${d.headDim} (sections [${d.section.join(', ')}], mode 'vision'), computed by the kernel with q at patch (${d.anchor.h}, ${d.anchor.w}). Separable: S(dh, dw) = S(dh, 0) + S(0, dw) − S(0, 0) to ${fmt(d.sepResidual, 2)}. The same wherever the pair sits: all ${d.pairs.toLocaleString('en')} pairs of the grid's patches match S at their offset to ${fmt(d.shiftResidual, 2)} (float32 rounding; scores up to ${fmt(d.sMax, 3)}).`,
    table: table(['dh', 'dw', 'score'], d.offsets.filter((o) => Math.abs(o.dh) <= 4 && Math.abs(o.dw) <= 4).map((o) => [o.dh, o.dw, o.score.toFixed(7)]), 'Offsets up to ±4 shown.'),
  };
  const keys = [...new Set(d.profile.map((p) => p.axis))];
  out['fig-vprofile'] = {
    plots: [plotWithRoom({
      width, height: 260, marginLeft: 52, marginRight: 16, marginBottom: 42,
      style: style(width),
      x: { label: 'offset (dh or dw) →', labelOffset: 36 },
      y: { label: '↑ part of the score', grid: true },
      marks: [
        Plot.ruleY([0], { stroke: '#999' }),
        ...keys.map((k, i) => Plot.line(d.profile.filter((p) => p.axis === k), { x: 'delta', y: 'value', stroke: COLORS[i], strokeWidth: 2, strokeDasharray: DASHES[i] })),
        ...keys.map((k, i) => Plot.dot(d.profile.filter((p) => p.axis === k), { x: 'delta', y: 'value', stroke: COLORS[i], symbol: i ? 'triangle' : 'circle', r: 2.5 })),
      ],
    }), legendBoxes(keys.map((k, i) => [k, COLORS[i], i ? '▲' : '●']))],
    caption: 'The two parts the score splits into: one from the row offset alone (the h half of the pairs), one from the column offset alone (the w half). Each is a 1-D RoPE of head dim ' + `${d.headDim / 2}, with its own frequencies (the first ${fmt(d.invFreq[1], 3)}, ${fmt(d.invFreq[2], 3)}, … restart in the w half).`,
    table: table(['part', 'offset', 'value'], d.profile.map((p) => [p.axis, p.delta, p.value.toFixed(6)])),
  };
  return out;
}

// ---- Your model ---------------------------------------------------------------------------
const typeLabel = (t) => t ?? 'every layer';

export function renderModel(d, s, width) {
  const out = {};
  const ok = d.results.filter((r) => !r.error);
  const keys = ok.map((r) => typeLabel(r.layerType));
  const rows = ok.flatMap((r) => r.pairs.map((p) => ({ ...p, key: typeLabel(r.layerType) })));
  const first = ok[0];
  const errorNote = d.results.filter((r) => r.error).map((r) => `${typeLabel(r.layerType)}: ${r.error.code}${r.error.argument ? ` at ${r.error.argument}` : ''}`).join('; ');
  if (first) {
    const lines = [
      { v: first.trained, label: `trained ${first.trained.toLocaleString('en')}`, color: '#555', dash: '4,3' },
      ...(first.extended !== first.trained ? [{ v: first.extended, label: `extended ${first.extended.toLocaleString('en')}`, color: COLORS[1], dash: '2,2' }] : []),
      ...(first.len !== first.extended ? [{ v: first.len, label: `chosen ${first.len.toLocaleString('en')}`, color: COLORS[3], dash: '6,2' }] : []),
    ];
    const finite = rows.filter((r) => Number.isFinite(r.wavelength) && r.wavelength > 0);
    out['fig-mspectrum'] = {
      plots: [plotWithRoom({
        width, height: 320, marginLeft: 60, marginRight: 16, marginBottom: 42,
        style: style(width),
        x: { label: 'pair i →', labelOffset: 36 },
        y: { type: 'log', label: '↑ wavelength 2π/θᵢ (positions)', grid: true },
        marks: [
          ...lines.map((l) => Plot.ruleY([l.v], { stroke: l.color, strokeDasharray: l.dash, strokeWidth: 1.5 })),
          ...lines.map((l, j) => Plot.text([l.v], { y: (v) => v, frameAnchor: j % 2 ? 'right' : 'left', dx: j % 2 ? -4 : 4, dy: -7, textAnchor: j % 2 ? 'end' : 'start', text: () => l.label, fill: l.color, fontWeight: 600, stroke: 'white', strokeWidth: 3, paintOrder: 'stroke' })),
          ...keys.map((k, i) => Plot.line(finite.filter((r) => r.key === k), { x: 'pair', y: 'wavelength', stroke: COLORS[i], strokeWidth: 2, strokeDasharray: DASHES[i] })),
          ...keys.map((k, i) => Plot.dot(finite.filter((r) => r.key === k), { x: 'pair', y: 'wavelength', stroke: COLORS[i], symbol: i ? 'triangle' : 'circle', r: 2.2 })),
        ],
      }), legendBoxes(keys.map((k, i) => [k, COLORS[i], i ? '▲' : '●']))],
      caption: `${d.source.name}: the wavelength of every pair as configFromHF's RoPE uses it (rope.frequencies at ${first.len.toLocaleString('en')} positions, scaling included), against the length it was trained on (${first.trained.toLocaleString('en')}) and the length it is extended to (${first.extended.toLocaleString('en')}).${rows.length > finite.length ? ` ${rows.length - finite.length} pairs never turn (frequency 0) and are left out.` : ''}${errorNote ? ` Not read: ${errorNote}.` : ''}`,
      table: table(['pair', ...keys.flatMap((k) => [`${k} θ base`, `${k} θ in use`, `${k} wavelength`])],
        first.pairs.map((p) => [p.pair, ...ok.flatMap((r) => (r.pairs[p.pair] ? [fmt(r.pairs[p.pair].baseFreq, 5), fmt(r.pairs[p.pair].freq, 5), fmt(r.pairs[p.pair].wavelength, 5)] : ['—', '—', '—']))])),
    };
    const reach = rows.flatMap((r) => [{ ...r, series: `${r.key}: reached at ${first.len.toLocaleString('en')}`, value: r.reach }, { ...r, series: `${r.key}: trained`, value: r.trainedAngle }]).filter((r) => r.value > 0);
    const skeys = [...new Set(reach.map((r) => r.series))];
    out['fig-munseen'] = {
      plots: [plotWithRoom({
        width, height: 320, marginLeft: 60, marginRight: 16, marginBottom: 42,
        style: style(width),
        x: { label: 'pair i →', labelOffset: 36 },
        y: { type: 'log', label: '↑ largest angle (rad)', grid: true },
        marks: [
          Plot.ruleY([2 * Math.PI], { stroke: '#999' }),
          Plot.text([2 * Math.PI], { y: (v) => v, frameAnchor: 'right', dy: -7, dx: -4, textAnchor: 'end', text: () => 'one turn (2π)', fill: '#555' }),
          ...skeys.map((k, i) => Plot.line(reach.filter((r) => r.series === k), { x: 'pair', y: 'value', stroke: k.endsWith('trained') ? '#9aa1ad' : COLORS[Math.floor(i / 2)], strokeWidth: k.endsWith('trained') ? 6 : 2, strokeOpacity: k.endsWith('trained') ? 0.5 : 1, strokeDasharray: k.endsWith('trained') ? null : DASHES[Math.floor(i / 2)] })),
          Plot.dot(reach.filter((r) => r.unseen && !r.series.endsWith('trained')), { x: 'pair', y: 'value', symbol: 'times', stroke: COLORS[1], r: 4, strokeWidth: 2 }),
        ],
      }), legendBoxes([['trained (grey band)', '#9aa1ad'], ...keys.map((k, i) => [`${k}: reached at ${first.len.toLocaleString('en')}`, COLORS[i]]), ['× never seen in training', COLORS[1], '×']])],
      caption: `At ${first.len.toLocaleString('en')} positions, ${ok.map((r) => `${r.unseen} of ${r.pairs.length} pairs${ok.length > 1 ? ` (${typeLabel(r.layerType)})` : ''}`).join(', ')} meet angles never seen in training (×): past the largest angle the trained length gave them, which was less than a full turn. Pairs that turned at least once in training have seen every angle.`,
      table: table(['pair', ...ok.flatMap((r) => [`${typeLabel(r.layerType)} trained (rad)`, `${typeLabel(r.layerType)} reached`, `${typeLabel(r.layerType)} unseen`])],
        first.pairs.map((p) => [p.pair, ...ok.flatMap((r) => (r.pairs[p.pair] ? [fmt(r.pairs[p.pair].trainedAngle, 4), fmt(r.pairs[p.pair].reach, 4), r.pairs[p.pair].unseen ? 'yes' : 'no'] : ['—', '—', '—']))])),
    };
  } else {
    const msg = `configFromHF could not read this config (${errorNote}), so there is no RoPE to draw. The layers figure below is read from the config by this page.`;
    out['fig-mspectrum'] = { plots: [note(msg)], caption: msg, table: table(['layer type', 'error'], d.results.map((r) => [typeLabel(r.layerType), `${r.error.code}: ${r.error.message}`])) };
    out['fig-munseen'] = { plots: [note(msg)], caption: msg, table: table(['layer type', 'error'], d.results.map((r) => [typeLabel(r.layerType), `${r.error.code}: ${r.error.message}`])) };
  }
  // Layers: their attention type and whether they have RoPE.
  const n = d.plan.layers;
  const kindOf = (i) => (!d.plan.rope[i] ? 'no RoPE (NoPE)' : d.plan.types ? d.plan.types[i] : 'RoPE');
  const layers = range(n).map((i) => ({ layer: i, kind: kindOf(i) }));
  const kinds = [...new Set(layers.map((l) => l.kind))];
  const palette = { 'no RoPE (NoPE)': '#d1495b', full_attention: '#1f5fbf', sliding_attention: '#9cc3ee', RoPE: '#1f5fbf' };
  const glyph = { 'no RoPE (NoPE)': '∅', full_attention: 'F', sliding_attention: 'S', RoPE: 'R' };
  const lw = (width - 20) / Math.max(n, 1);
  out['fig-mlayers'] = {
    plots: [n ? plotWithRoom({
      width, height: 120, marginLeft: 10, marginRight: 10, marginTop: 10, marginBottom: 42,
      style: style(width),
      x: { type: 'band', domain: range(n), label: 'layer →', labelOffset: 36, tickFormat: (i) => (i % everyNth(n, width - 20, 26) === 0 ? i : ''), padding: 0.08 },
      y: { axis: null, domain: [0, 1] },
      color: { type: 'categorical', domain: kinds, range: kinds.map((k) => palette[k] ?? '#8a5cc7') },
      marks: [
        Plot.barY(layers, { x: 'layer', y: 1, fill: 'kind' }),
        ...(lw >= 12 ? [Plot.text(layers, { x: 'layer', y: 0.5, text: (l) => glyph[l.kind] ?? '', fill: (l) => (l.kind === 'sliding_attention' ? '#1d2330' : 'white'), fontWeight: 700 })] : []),
      ],
    }) : note('The config does not say how many layers the model has (num_hidden_layers).'), legendBoxes(kinds.map((k) => [k, palette[k] ?? '#8a5cc7', glyph[k]]))],
    caption: n
      ? `The ${n} layers of ${d.source.name}: ${kinds.map((k) => `${layers.filter((l) => l.kind === k).length} ${k}`).join(', ')}.` +
        (d.plan.ropeFrom ? ` Layers without RoPE from ${d.plan.ropeFrom}.` : ' Every layer has RoPE.') + (d.plan.typesFrom ? ` Layer types from ${d.plan.typesFrom}.` : '')
      : 'The config does not give the number of layers.',
    table: table(['layer', 'attention', 'RoPE'], layers.map((l) => [l.layer, d.plan.types ? d.plan.types[l.layer] : '—', d.plan.rope[l.layer] ? 'yes' : 'no'])),
  };
  return out;
}
