// Drawing: turns each figure's computed data into Observable Plot charts, a caption and a
// data table. No numbers are computed here beyond formatting and the diagram geometry.
import * as Plot from '@observablehq/plot';
import { fmt, pairChannels } from './math.js';

const COLORS = ['#1f5fbf', '#d1495b', '#2a9d5c', '#8a5cc7', '#e08a00', '#444b59', '#0f9bb5'];
const DASHES = [null, '6,3', '2,2', '8,3,2,3', '1,3', '10,4'];
const SYMBOLS = ['circle', 'triangle', 'square', 'diamond', 'cross', 'star', 'wye'];
const small = (w) => w < 520;

// Every chart goes through here: axis labels get room of their own, so an x label never
// sits on the tick labels (it goes below them) and a y label never on the top tick (it goes
// above it). tests/e2e checks every figure's label and tick boxes at 1280 and 375 px.
// The chart is only described here; materialize() draws it when the page puts the figure in
// place, one figure per main-thread task (so no task is long while figures are drawn).
export function plotWithRoom(opts) {
  return { deferredPlot: true, opts };
}

/** A figure's plots entry as a DOM node: draws a deferred chart, passes nodes through. */
export function materialize(p) {
  return p && p.deferredPlot ? drawWithRoom(p.opts) : p;
}

function drawWithRoom(opts) {
  const o = { ...opts };
  const shown = (axis) => axis && axis.axis !== null && axis.label !== null && axis.label !== undefined;
  if (shown(o.x) && o.x.axis !== 'top') {
    const mb = Math.max(o.marginBottom ?? 30, 44);
    if (o.height) o.height += mb - (o.marginBottom ?? 30);
    o.marginBottom = mb;
    o.x = { labelOffset: mb - 6, ...o.x };
  }
  if (shown(o.y) && !o.fy) {
    const mt = Math.max(o.marginTop ?? 20, 30);
    if (o.height) o.height += mt - (o.marginTop ?? 20);
    o.marginTop = mt;
  }
  return Plot.plot(o);
}
const font = (w) => (small(w) ? 11 : 12);

function baseOpts(width, extra = {}) {
  return { width, style: { fontSize: `${font(width)}px`, background: 'transparent' }, marginLeft: 52, marginRight: 16, ...extra };
}

function table(columns, rows, note) {
  return { columns, rows, note };
}

const SUP = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };
const pow10 = (v) => {
  const e = Math.round(Math.log10(v));
  return Math.abs(Math.log10(v) - e) < 1e-9 ? `10${String(e).replace(/./g, (c) => SUP[c] ?? c)}` : '';
};
const sub = (n) => String(n).replace(/[0-9-]/g, (c) => '₀₁₂₃₄₅₆₇₈₉'[c] ?? '₋');

// Series drawn with colour AND dash AND an end label, so colour is never the only cue.
function seriesLines(data, { x, y, z, keys, labels = true, width, strokeWidth = 1.6, fx, fy }) {
  const marks = [];
  keys.forEach((key, i) => {
    const rows = data.filter((d) => d[z] === key);
    const extra = {};
    if (fx) extra.fx = fx;
    if (fy) extra.fy = fy;
    marks.push(Plot.line(rows, { x, y, stroke: COLORS[i % COLORS.length], strokeWidth, strokeDasharray: DASHES[i % DASHES.length], ...extra }));
    if (labels) {
      marks.push(Plot.text(rows, Plot.selectLast({ x, y, text: () => String(key), fill: COLORS[i % COLORS.length], dx: -4, dy: -8, textAnchor: 'end', fontWeight: 600, fontSize: font(width), stroke: 'white', strokeWidth: 3, paintOrder: 'stroke', ...extra })));
    }
  });
  return marks;
}

// A legend whose samples show colour, dash pattern and symbol, as the series are drawn.
export function legendSwatches(keys, { symbols = false, offset = 0 } = {}) {
  const el = document.createElement('div');
  el.className = 'legend-row';
  const NS = 'http://www.w3.org/2000/svg';
  keys.forEach((key, j) => {
    const i = j + offset;
    const item = document.createElement('span');
    item.className = 'legend-item';
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('width', '30');
    svg.setAttribute('height', '12');
    svg.setAttribute('aria-hidden', 'true');
    const line = document.createElementNS(NS, 'line');
    for (const [k, v] of Object.entries({ x1: 1, y1: 6, x2: 29, y2: 6, stroke: COLORS[i % COLORS.length], 'stroke-width': 2.2 })) line.setAttribute(k, v);
    if (DASHES[i % DASHES.length]) line.setAttribute('stroke-dasharray', DASHES[i % DASHES.length]);
    svg.append(line);
    if (symbols) {
      const t = document.createElementNS(NS, 'text');
      for (const [k, v] of Object.entries({ x: 15, y: 10, 'text-anchor': 'middle', 'font-size': 10, fill: COLORS[i % COLORS.length] })) t.setAttribute(k, v);
      t.textContent = SYMBOL_GLYPHS[i % SYMBOL_GLYPHS.length];
      svg.append(t);
    }
    item.append(svg, document.createTextNode(String(key)));
    el.append(item);
  });
  return el;
}
const SYMBOL_GLYPHS = ['●', '▲', '■', '◆', '✚', '★', 'Y'];

// ---- 1 ----
export function renderRotation(d, s, width) {
  const out = {};
  const w = Math.min(width, 460);
  const R = Math.max(...d.points.map((p) => p.pairNorm), Math.hypot(d.input.x, d.input.y)) * 1.25;
  const circle = Array.from({ length: 121 }, (_, t) => ({ x: (R / 1.25) * Math.cos((t / 120) * 2 * Math.PI), y: (R / 1.25) * Math.sin((t / 120) * 2 * Math.PI) }));
  const pts = d.points.map((p, i) => {
    const r = Math.hypot(p.x, p.y) || 1;
    return { ...p, i, lx: p.x + (p.x / r) * R * 0.13, ly: p.y + (p.y / r) * R * 0.13 };
  });
  // Angle arcs (diagram geometry): from the unrotated direction, counter-clockwise by m·θ mod 2π.
  const phi0 = Math.atan2(d.input.y, d.input.x);
  const arcs = [];
  pts.filter((p) => p.pos !== 0).forEach((p, k) => {
    const sweep = ((p.angle % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
    const rr = (R / 1.25) * (0.22 + 0.1 * k);
    for (let t = 0; t <= 40; t++) {
      const u = phi0 + (sweep * t) / 40;
      arcs.push({ i: p.i, x: rr * Math.cos(u), y: rr * Math.sin(u) });
    }
  });
  const [a, b] = d.channels;
  const plane = plotWithRoom(baseOpts(w, {
    // Equal units on both axes, so the circle is a circle.
    height: w - 62 - (small(w) ? 40 : 24) + 20 + 40, marginLeft: 62, marginRight: small(w) ? 40 : 24, marginTop: 20, marginBottom: 40,
    x: { domain: [-R, R], label: `channel ${a} (q${sub(a)})`, labelAnchor: 'center' },
    y: { domain: [-R, R], label: `channel ${b} (q${sub(b)})`, labelAnchor: 'center' },
    marks: [
      Plot.ruleX([0], { stroke: '#ccc' }),
      Plot.ruleY([0], { stroke: '#ccc' }),
      Plot.line(circle, { x: 'x', y: 'y', stroke: '#b0b6c2', strokeDasharray: '3,3' }),
      Plot.arrow(pts, { x1: 0, y1: 0, x2: 'x', y2: 'y', stroke: (p) => COLORS[p.i % COLORS.length], strokeWidth: 2.5, headLength: 10 }),
      Plot.dot(pts, { x: 'x', y: 'y', symbol: (p) => SYMBOLS[p.i % SYMBOLS.length], fill: (p) => COLORS[p.i % COLORS.length], r: 4 }),
      Plot.line(arcs, { x: 'x', y: 'y', z: 'i', stroke: (a) => COLORS[a.i % COLORS.length], strokeDasharray: '3,2', strokeWidth: 1.3 }),
      ...['start', 'end'].map((anchor) => Plot.text(pts.filter((p) => (anchor === 'start') === (p.x >= 0)), { x: 'lx', y: 'ly', text: (p) => `pos ${p.pos}\n${fmt(p.angle)} rad`, textAnchor: anchor, fill: (p) => COLORS[p.i % COLORS.length], fontWeight: 600, fontSize: font(w), stroke: 'white', strokeWidth: 3, paintOrder: 'stroke' })),
    ],
  }));
  out['fig-plane'] = {
    plots: [plane],
    caption: `Pair ${d.pair} (channels ${a} and ${b}, θ = ${fmt(d.theta, 4)} rad per position) of one vector at positions ${d.points.map((p) => p.pos).join(', ')}. ` +
      `The dashed circle has the pair's length: every point is on it (length ${fmt(d.points[0]?.pairNorm ?? 0, 4)}); the whole vector's norm is ${fmt(d.input.norm, 5)} at every position.`,
    table: table(['position', 'angle m·θ (rad)', 'measured angle (mod 2π)', `ch ${a}`, `ch ${b}`, 'pair length', 'vector norm'],
      d.points.map((p) => [p.pos, fmt(p.angle, 5), fmt(p.measuredAngle, 5), fmt(p.x, 5), fmt(p.y, 5), fmt(p.pairNorm, 6), fmt(p.norm, 7)])),
  };
  const cols = width < 420 ? 4 : width < 620 ? 6 : 8;
  const traj = d.trajectories.map((t) => ({ ...t, col: d.shownPairs.indexOf(t.pair) % cols, row: Math.floor(d.shownPairs.indexOf(t.pair) / cols) }));
  const last = d.shownPairs.map((p, k) => {
    const rows = traj.filter((t) => t.pair === p);
    return { ...rows[rows.length - 1], col: k % cols, row: Math.floor(k / cols) };
  });
  const unit = Array.from({ length: 61 }, (_, t) => ({ x: Math.cos((t / 60) * 2 * Math.PI), y: Math.sin((t / 60) * 2 * Math.PI) }));
  const cell = (width - 20) / cols;
  const turnsOf = new Map(d.turns.map((t) => [t.pair, t]));
  const facetLabels = d.shownPairs.map((p, k) => ({ pair: p, col: k % cols, row: Math.floor(k / cols), label: `pair ${p}\n${fmt(turnsOf.get(p).turns, 2)} turns` }));
  const allPairs = plotWithRoom({
    width, height: Math.ceil(d.shownPairs.length / cols) * (cell + 34) + 10, marginLeft: 10, marginRight: 10, marginTop: 34, marginBottom: 0,
    style: { fontSize: `${font(width) - 1}px`, background: 'transparent' },
    x: { domain: [-1.25, 1.25], axis: null }, y: { domain: [-1.25, 1.25], axis: null },
    fx: { axis: null, padding: 0.08 }, fy: { axis: null, padding: 0.3 },
    marks: [
      Plot.line(d.shownPairs.flatMap((p, k) => unit.map((u) => ({ ...u, col: k % cols, row: Math.floor(k / cols) }))), { x: 'x', y: 'y', z: 'col', fx: 'col', fy: 'row', stroke: '#d5d9e0' }),
      Plot.line(traj, { x: 'x', y: 'y', z: 'pair', fx: 'col', fy: 'row', stroke: COLORS[0], strokeWidth: 1.2, curve: 'linear' }),
      Plot.dot(traj, { x: 'x', y: 'y', fx: 'col', fy: 'row', fill: COLORS[0], r: traj.length > 400 ? 0.8 : 1.6 }),
      Plot.arrow(last, { x1: 0, y1: 0, x2: 'x', y2: 'y', fx: 'col', fy: 'row', stroke: COLORS[1], strokeWidth: 1.8, headLength: 6 }),
      Plot.text(facetLabels, { frameAnchor: 'top', dy: -30, lineAnchor: 'top', text: 'label', fx: 'col', fy: 'row', fontSize: font(width) - 1 }),
    ],
  });
  out['fig-allpairs'] = {
    plots: [allPairs],
    caption: `${d.shownPairs.length === d.turns.length && d.shownPairs.length < 16 ? 'All' : d.shownPairs.length} pairs (of ${s.rot / 2}), each traced on the unit circle from position 0 to ${s.pos[s.pos.length - 1]} (blue), ending at the red arrow. ` +
      `Fast pairs (low i) wrap around many times; slow pairs (high i) barely move.`,
    table: table(['pair', 'θ (rad/position)', `angle at ${s.pos[s.pos.length - 1]}`, 'turns'], d.turns.map((t) => [t.pair, fmt(t.theta, 5), fmt(t.angle, 5), fmt(t.turns, 4)])),
  };
  return out;
}

// ---- 2 ----
export function renderShift(d, s, width) {
  const out = {};
  if (d.empty) return out;
  const n = d.tokens.length;
  const labels = d.tokens.map((t, i) => `${t}${sub(d.positions[i])}`);
  const cellPx = Math.max(10, Math.min(30, (Math.min(width, 560) - 90) / n));
  const size = cellPx * n + 90;
  const hi = new Set(d.occurrences.map((o) => `${o.qi},${o.ki}`));
  const focus = d.matrix.filter((c) => hi.has(`${c.m},${c.n}`));
  const heat = (cells, title, marks = []) => plotWithRoom({
    width: size + 20, height: size, marginLeft: 84, marginBottom: 84, marginTop: 8, marginRight: 10,
    style: { fontSize: `${font(width) - 1}px`, background: 'transparent' },
    x: { type: 'band', domain: d3range(n), tickFormat: (i) => labels[i], tickRotate: -60, label: `key (n) →`, labelAnchor: 'right' },
    y: { type: 'band', domain: d3range(n), tickFormat: (i) => labels[i], label: `↑ query (m)` },
    color: { type: 'diverging', scheme: 'PuOr', pivot: 0, legend: true, label: title, width: Math.min(260, width - 20), marginLeft: 12, marginRight: 12 },
    marks: [Plot.cell(cells, { x: 'n', y: 'm', fill: 'score', inset: 0.3 }), ...marks],
  });
  out['fig-scores'] = {
    plots: [heat(d.matrix, 'score q·k/√d', [
      Plot.cell(focus, { x: 'n', y: 'm', stroke: '#111', strokeWidth: 2, fill: 'none' }),
      Plot.text(focus, { x: 'n', y: 'm', text: (c) => fmt(c.score, 3), fill: '#111', fontSize: Math.max(8, cellPx * 0.32), stroke: 'white', strokeWidth: 2, paintOrder: 'stroke' }),
    ])],
    caption: `Scores q(m)·k(n)/√d of the sentence's own tokens after RoPE. Boxed cells pair “${d.qw}” (query) with “${d.kw}” (key); boxes with the same distance n − m hold the same score.`,
    table: table(['query', 'key', 'distance', 'score'], d.occurrences.map((o) => [labels[o.qi], labels[o.ki], o.distance, o.score.toFixed(7)])),
  };
  out['fig-toeplitz'] = {
    plots: [heat(d.toeplitz, `“${d.qw}”·“${d.kw}” score`)],
    caption: `The same two contents placed at every position: q = “${d.qw}” at m, k = “${d.kw}” at n. Every diagonal is constant (largest spread along a diagonal: ${fmt(d.diagSpread, 2)}, float32 rounding).`,
    table: table(['distance n − m', 'score'], [...new Map(d.toeplitz.map((c) => [c.n - c.m, c.score])).entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => [k, v.toFixed(7)])),
  };
  const compared = [...new Set(d.contributions.map((c) => c.label))];
  const bars = d.contributions.filter((c) => c.label === compared[0]);
  const dots = d.contributions.filter((c) => c.label === compared[1]);
  const pairsDomain = [...new Set(d.contributions.map((c) => c.pair))];
  out['fig-contrib'] = {
    plots: [plotWithRoom(baseOpts(width, {
      height: 260, marginBottom: 40,
      x: { type: 'band', domain: pairsDomain, label: 'pair i →', tickFormat: (p) => (p === 'pass' ? 'pass' : (p % tickStep(pairsDomain.length, width) === 0 ? p : '')) },
      y: { label: '↑ contribution to the score', grid: true },
      marks: [
        Plot.ruleY([0]),
        Plot.barY(bars, { x: 'pair', y: 'value', fill: COLORS[0], fillOpacity: 0.75, inset: 0.5 }),
        Plot.dot(dots, { x: 'pair', y: 'value', symbol: 'diamond', stroke: COLORS[1], strokeWidth: 2, r: 4 }),
      ],
    })), legendMarks(compared, width)],
    caption: compared.length > 1
      ? `Each pair's share of the score for ${compared[0]} (bars) and ${compared[1]} (diamonds). Same distance, so every pair contributes the same amount: the diamonds sit on the bar tops. Fast pairs carry fine position, slow ones coarse.`
      : `Each pair's share of the score for ${compared[0] ?? 'the chosen words'} (bars). Pick words that occur twice at the same distance to compare.`,
    table: table(['pair', ...compared], pairsDomain.map((p) => [p, ...compared.map((l) => fmt(d.contributions.find((c) => c.pair === p && c.label === l).value, 6))])),
  };
  return out;
}

function legendMarks(labels, width) {
  const el = document.createElement('div');
  el.className = 'legend-row';
  el.style.cssText = 'display:flex;gap:16px;flex-wrap:wrap;font-size:0.82rem;margin-top:4px';
  labels.forEach((l, i) => {
    const span = document.createElement('span');
    span.textContent = `${i === 0 ? '▮ bars' : '◆ diamonds'}: ${l}`;
    span.style.color = COLORS[i];
    el.append(span);
  });
  void width;
  return el;
}

function d3range(n) {
  return Array.from({ length: n }, (_, i) => i);
}

// ---- 3 ----
export function renderFrequencies(d, s, width) {
  const out = {};
  const scaled = d.pairs.some((p) => Math.abs(p.freq - p.baseFreq) > 1e-12 * p.baseFreq);
  const rows = d.pairs.flatMap((p) => [
    { pair: p.pair, series: 'wavelength in use', value: p.wavelength },
    ...(scaled ? [{ pair: p.pair, series: 'unscaled', value: (2 * Math.PI) / p.baseFreq }] : []),
  ]);
  const keys = scaled ? ['wavelength in use', 'unscaled'] : ['wavelength in use'];
  out['fig-wavelength'] = {
    plots: [plotWithRoom(baseOpts(width, {
      height: 300, marginLeft: 60,
      x: { label: 'pair i →' },
      y: { type: 'log', label: '↑ wavelength 2π/θᵢ (positions)', grid: true },
      marks: [
        Plot.ruleY([d.ctx], { stroke: COLORS[1], strokeWidth: 2, strokeDasharray: '5,3' }),
        Plot.text([d.ctx], { y: (v) => v, frameAnchor: 'left', dx: 4, dy: -8, text: () => `context ${d.ctx.toLocaleString('en')}`, fill: COLORS[1], fontWeight: 600 }),
        ...seriesLines(rows, { x: 'pair', y: 'value', z: 'series', keys, width, labels: scaled }),
        Plot.dot(d.pairs, { x: 'pair', y: 'wavelength', symbol: (p) => (p.wavelength <= d.ctx ? 'circle' : 'times'), stroke: (p) => (p.wavelength <= d.ctx ? COLORS[0] : COLORS[1]), r: 3 }),
      ],
    }))],
    caption: `Wavelength of each pair (log scale) against a context of ${d.ctx.toLocaleString('en')} (base ${s.base}). ` +
      `${d.fullTurns} of ${d.pairs.length} pairs (circles) complete at least one turn inside the context; the rest (×) never do.` +
      (scaled ? ' The dashed line shows the unscaled wavelengths (context-extension scaling is on).' : ''),
    table: table(['pair', 'θ base (rad/pos)', 'θ in use', 'wavelength', 'turns in context'], d.pairs.map((p) => [p.pair, fmt(p.baseFreq, 5), fmt(p.freq, 5), fmt(p.wavelength, 5), fmt(p.turns, 4)])),
  };
  const step = d.rows.length > 1 ? d.rows[1] - d.rows[0] : 1;
  const nextRow = new Map(d.rows.map((p, k) => [p, k + 1 < d.rows.length ? d.rows[k + 1] : d.ctx]));
  out['fig-heatmap'] = {
    plots: [plotWithRoom(baseOpts(width, {
      height: 320, marginLeft: 64, marginBottom: 38,
      x: { label: 'pair i →', domain: [0, d.pairs.length] },
      y: { label: '↑ position m', domain: [0, d.ctx], reverse: false },
      color: { type: 'linear', scheme: 'sinebow', domain: [0, 2 * Math.PI], legend: true, marginLeft: 12, marginRight: 12, width: 280, label: 'angle m·θᵢ mod 2π (rad)', ticks: [0, Math.PI / 2, Math.PI, 1.5 * Math.PI, 2 * Math.PI], tickFormat: (v) => ['0', 'π/2', 'π', '3π/2', '2π'][Math.round(v / (Math.PI / 2))] },
      marks: [Plot.rect(d.heat, { x1: 'pair', x2: (c) => c.pair + 1, y1: 'pos', y2: (c) => nextRow.get(c.pos), fill: 'angle', inset: 0, shapeRendering: 'crispEdges' })],
    }))],
    caption: `The angle of every pair at positions 0 to ${d.ctx.toLocaleString('en')} (a cyclic colour scale: the same colour means the same angle). ` +
      `Left columns cycle so fast that they look like noise at this sampling (every ${step} positions); right columns change smoothly or not at all.`,
    table: table(['position', ...d.pairs.slice(0, 8).map((p) => `pair ${p.pair}`)], d.rows.slice(0, 40).map((pos) => [pos, ...d.pairs.slice(0, 8).map((p) => fmt(d.heat.find((c) => c.pos === pos && c.pair === p.pair).angle, 4))]),
      'Angles in radians, first 8 pairs and first 40 sampled positions.'),
  };
  return out;
}

// ---- 4 ----
export function renderDecay(d, s, width) {
  const out = {};
  const keys = d.bases.map((b) => `base ${b.toLocaleString('en')}`);
  const log = d.scale === 'log';
  const rows = d.curves.filter((c) => !log || c.distance > 0).map((c) => ({ ...c, key: `base ${c.base.toLocaleString('en')}` }));
  const xAxis = { label: 'relative distance n − m →', tickFormat: '~s', ...(log ? { type: 'log' } : {}) };
  const sampling = log ? `${d.points} distances spaced evenly on a log scale (every distance up to about 100)` : `every ${Math.max(1, Math.round(d.range / (d.points - 1)))} positions`;
  out['fig-bound'] = {
    plots: [plotWithRoom(baseOpts(width, {
      height: 300,
      x: xAxis,
      y: { label: '↑ RoFormer bound factor (1/(d/2)) Σⱼ |Sⱼ|', grid: true },
      marks: [Plot.ruleY([0]), ...seriesLines(rows, { x: 'distance', y: 'bound', z: 'key', keys, width, labels: false })],
    })), legendSwatches(keys)],
    caption: `The RoFormer upper bound on |score| (its distance-dependent factor, as in Su et al. 2021 fig. 2), from the kernel's cos/sin of every pair, d = ${s.rot}. It is an upper bound: real scores are not forced to follow it. Distances: ${sampling}.`,
    table: table(['distance', ...keys], decayTable(rows, keys, 'bound')),
  };
  const fy = (c) => c.key;
  out['fig-similarity'] = {
    plots: [plotWithRoom(baseOpts(width, {
      height: 130 * keys.length + 40, marginRight: 16, marginTop: 24,
      x: xAxis,
      y: { label: '↑ cosine similarity', grid: true, domain: [-1, 1] },
      fy: { axis: null, domain: keys, padding: 0.18 },
      marks: [
        Plot.ruleY([0], { stroke: '#999' }),
        Plot.areaY(rows, { x: 'distance', y1: 'randomLo', y2: 'randomHi', fy, fill: COLORS[2], fillOpacity: 0.22 }),
        Plot.line(rows, { x: 'distance', y: 'randomMean', fy, stroke: COLORS[2], strokeWidth: 1.4, strokeDasharray: '5,3' }),
        Plot.line(rows, { x: 'distance', y: 'identical', fy, stroke: COLORS[0], strokeWidth: 1.3 }),
        Plot.text(keys, { fy: (k) => k, frameAnchor: 'top-right', dy: 2, dx: -4, text: (k) => k, fontWeight: 600 }),
      ],
    })), legendFor([['identical content: cos(x, R(n−m)x)', COLORS[0], 'solid'], [`random q, k (${d.samples} pairs): mean`, COLORS[2], 'dashed'], ['± 1 standard deviation', COLORS[2], 'band']])],
    caption: `Solid: the similarity of a vector with itself moved by the distance. Dashed: the mean over ${d.samples} random (q, k) pairs, with a ±1 sd band: it stays at zero at every distance (up to the sampling error of ${d.samples} pairs, about ±${fmt(1 / Math.sqrt(s.rot * d.samples), 1)}), so "decay" is not something random content shows. Distances up to ${d.range.toLocaleString('en')}: ${sampling}.`,
    table: table(['distance', ...keys.flatMap((k) => [`${k} identical`, `${k} random mean`])],
      decayTable(rows, keys, ['identical', 'randomMean'])),
  };
  return out;
}

function decayTable(rows, keys, field) {
  const fields = Array.isArray(field) ? field : [field];
  const byDist = new Map();
  for (const r of rows) {
    if (!byDist.has(r.distance)) byDist.set(r.distance, {});
    byDist.get(r.distance)[r.key] = r;
  }
  const dists = [...byDist.keys()];
  const pick = dists.filter((_, i) => i % Math.max(1, Math.ceil(dists.length / 60)) === 0);
  return pick.map((dist) => [dist, ...keys.flatMap((k) => fields.map((f) => fmt(byDist.get(dist)[k][f], 4)))]);
}

function legendFor(items) {
  const el = document.createElement('div');
  el.className = 'legend-row';
  el.style.cssText = 'display:flex;gap:14px;flex-wrap:wrap;font-size:0.82rem;margin-top:4px;align-items:center';
  for (const [label, color, style] of items) {
    const span = document.createElement('span');
    span.style.cssText = 'display:inline-flex;align-items:center;gap:6px';
    const sw = document.createElement('span');
    sw.setAttribute('aria-hidden', 'true');
    if (style === 'band') sw.style.cssText = `display:inline-block;width:22px;height:10px;background:${color};opacity:0.3`;
    else if (style === 'dot') sw.style.cssText = `display:inline-block;width:8px;height:8px;border-radius:50%;background:${color}`;
    else if (style === 'triangle') {
      sw.textContent = '▲';
      sw.style.cssText = `color:${color};font-size:11px`;
    } else sw.style.cssText = `display:inline-block;width:22px;height:0;border-top:2px ${style} ${color}`;
    span.append(sw, document.createTextNode(label));
    el.append(span);
  }
  return el;
}

// ---- 5 ----
export function renderScaling(d, s, width) {
  const out = {};
  const ok = d.methods.filter((m) => m.pairs);
  const keys = ok.map((m) => m.method);
  const problems = d.methods.filter((m) => !m.pairs).map((m) => `${m.method}: ${m.error ?? m.missing}`);
  const scaleRows = ok.flatMap((m) => m.pairs.map((p) => ({ ...p, method: m.method })));
  const badList = (el) => {
    if (!problems.length) return el;
    const box = document.createElement('div');
    box.append(el);
    const ul = document.createElement('ul');
    ul.className = 'method-error';
    for (const p of problems) {
      const li = document.createElement('li');
      li.textContent = `Not shown: ${p}`;
      ul.append(li);
    }
    box.append(ul);
    return box;
  };
  out['fig-scale'] = {
    plots: [plotWithRoom(baseOpts(width, {
      height: 300,
      x: { label: 'pair i →' },
      y: { type: 'log', label: '↑ frequency divided by (θ / θ scaled)', grid: true },
      marks: [Plot.ruleY([1], { stroke: '#999' }), ...seriesLines(scaleRows, { x: 'pair', y: 'scale', z: 'method', keys, width }),
        ...keys.map((k, i) => Plot.dot(scaleRows.filter((r) => r.method === k), { x: 'pair', y: 'scale', symbol: SYMBOLS[i], stroke: COLORS[i], r: 2.5 }))],
    })), badList(legendSwatches(keys, { symbols: true }))],
    caption: `How much each method slows each pair, at the target length ${d.len.toLocaleString('en')} (factor ${d.factor}, trained ${d.orig.toLocaleString('en')}). 1 = unchanged. Linear slows every pair by the factor; yarn and llama3 leave the fast pairs alone; dynamic depends on the length.`,
    table: table(['pair', ...keys.map((k) => `${k} ÷`), ...keys.map((k) => `${k} interp`)],
      ok[0] ? ok[0].pairs.map((p) => [p.pair, ...ok.map((m) => fmt(m.pairs[p.pair].scale, 5)), ...ok.map((m) => (Number.isNaN(m.pairs[p.pair].interp) ? '—' : fmt(m.pairs[p.pair].interp, 3)))]) : []),
  };
  const dumb = scaleRows;
  const wb = plotWithRoom(baseOpts(width, {
    height: 120 * keys.length + 64, marginTop: 24,
    x: { label: 'pair i →' },
    y: { type: 'log', label: '↑ wavelength (positions)', grid: true },
    fy: { domain: keys, axis: null, padding: 0.2 },
    marks: [
      Plot.ruleY([d.orig], { stroke: '#777', strokeDasharray: '4,3' }),
      Plot.ruleY([d.len], { stroke: COLORS[1], strokeDasharray: '2,2' }),
      Plot.ruleX(dumb, { x: 'pair', y1: 'before', y2: 'after', fy: 'method', stroke: COLORS[0], strokeWidth: 3, strokeOpacity: 0.5 }),
      Plot.dot(dumb, { x: 'pair', y: 'before', fy: 'method', fill: '#777', r: 2 }),
      Plot.dot(dumb, { x: 'pair', y: 'after', fy: 'method', symbol: 'triangle', fill: COLORS[0], r: 2.5 }),
      Plot.text(keys, { fy: (k) => k, frameAnchor: 'top-left', dx: 6, dy: 4, text: (k) => k, fontWeight: 600, fill: '#1d2330', stroke: 'white', strokeWidth: 3, paintOrder: 'stroke' }),
    ],
  }));
  out['fig-wavebars'] = {
    plots: [wb, legendFor([['before', '#777', 'dot'], ['after', COLORS[0], 'triangle'], ['stretch', COLORS[0], 'solid'], [`trained length ${d.orig}`, '#777', 'dashed'], [`target length ${d.len}`, COLORS[1], 'dotted']])],
    caption: `Each pair's wavelength before (grey dot) and after (triangle) scaling, joined by a bar: the bar's length is how far the method stretched that pair.`,
    table: table(['method', 'pair', 'before', 'after'], dumb.filter((r) => r.pair % Math.max(1, Math.ceil(d.pairsCount / 16)) === 0).map((r) => [r.method, r.pair, fmt(r.before, 5), fmt(r.after, 5)])),
  };
  const rangeRows = [
    ...(ok[0] ? ok[0].pairs.map((p) => ({ pair: p.pair, method: `trained (0–${d.orig})`, value: p.trained })) : []),
    ...scaleRows.map((r) => ({ pair: r.pair, method: r.method, value: r.reach, unseen: r.unseen })),
  ];
  const rkeys = [...(ok[0] ? [`trained (0–${d.orig})`] : []), ...keys];
  out['fig-range'] = {
    plots: [plotWithRoom(baseOpts(width, {
      height: 320,
      x: { label: 'pair i →' },
      y: { type: 'log', label: '↑ largest angle reached (rad)', grid: true },
      marks: [
        Plot.ruleY([2 * Math.PI], { stroke: '#999' }),
        Plot.text([2 * Math.PI], { y: (v) => v, frameAnchor: 'right', dy: -7, dx: -4, text: () => 'one full turn (2π)', fill: '#555' }),
        Plot.line(rangeRows.filter((r) => r.method === rkeys[0]), { x: 'pair', y: 'value', stroke: '#9aa1ad', strokeWidth: 7, strokeOpacity: 0.45 }),
        ...seriesLines(rangeRows.filter((r) => r.method !== rkeys[0]), { x: 'pair', y: 'value', z: 'method', keys, width, labels: false }),
        Plot.dot(rangeRows.filter((r) => r.unseen), { x: 'pair', y: 'value', symbol: 'times', stroke: COLORS[1], r: 4, strokeWidth: 2 }),
      ],
    })), legendFor([[rkeys[0], '#9aa1ad', 'band']]), legendSwatches(keys)],
    caption: `The largest angle each pair reaches at the target length, against what it reached in training (thick grey band; a method on the band reaches exactly the trained angles). ` +
      `× marks a pair that meets angles it never saw in training (beyond the trained range, which covered less than a full turn). ` +
      `Unscaled, ${d.unscaledBeyond} of ${d.pairsCount} pairs would; ${ok.map((m) => `${m.method}: ${m.beyond}`).join(', ')}.`,
    table: table(['method', 'attention factor', 'pairs with unseen angles'], [['unscaled', '1', d.unscaledBeyond], ...ok.map((m) => [m.method, fmt(m.attentionFactor, 5), m.beyond]), ...d.methods.filter((m) => !m.pairs).map((m) => [m.method, '—', m.error ?? m.missing])]),
  };
  return out;
}

// ---- 6 ----
export function renderPrecision(d, s, width) {
  const out = {};
  const names = { 'wasm kernel': 'wasm kernel (float32 out)', float32: 'float32 angles (sim.)', bf16pos: 'bf16 positions (sim.)', bf16freq: 'bf16 frequencies (sim.)' };
  const keys = Object.values(names);
  const rows = d.series.map((r) => ({ ...r, key: names[r.method], err: Math.max(r.error, 1e-10) }));
  out['fig-error'] = {
    plots: [plotWithRoom(baseOpts(width, {
      height: 340, marginLeft: 56,
      x: { type: 'log', label: 'position m →', tickFormat: pow10, ticks: small(width) ? 4 : 9 },
      y: { type: 'log', label: '↑ relative error vs float64', grid: true, domain: [1e-10, 10], tickFormat: pow10 },
      marks: [
        Plot.ruleX([d.ppos], { stroke: '#333', strokeDasharray: '3,3' }),
        Plot.ruleX([2 ** 24], { stroke: '#bbb' }),
        Plot.text([2 ** 24], { x: (v) => v, frameAnchor: 'bottom', dy: -4, dx: 4, textAnchor: 'start', text: () => '2²⁴', fill: '#777' }),
        ...seriesLines(rows, { x: 'position', y: 'err', z: 'key', keys, width, labels: false }),
        ...keys.map((k, i) => Plot.dot(rows.filter((r) => r.key === k), { x: 'position', y: 'err', symbol: SYMBOLS[i], stroke: COLORS[i], r: 2.5 })),
      ],
    })), legendSwatches(keys, { symbols: true })],
    caption: `Error of the rotated vector, ‖y − y₆₄‖/‖x‖, against a float64 reference computed on this page, for positions 1 to 2³¹−1 (log scales; errors below 10⁻¹⁰ drawn at 10⁻¹⁰). The kernel stays at float32 rounding (~10⁻⁷) at every position; float32 angles grow with the position; bfloat16 reaches order-1 errors (the vector points the wrong way) by the thousands. The simulations round only the angle (the rest is float64), so at small positions they can sit below the float32 floor that any float32 output has.`,
    table: table(['position', ...keys], d.positions.map((p) => [p, ...Object.keys(names).map((m) => fmt(d.series.find((r) => r.method === m && r.position === p).error, 3))])),
  };
  const prow = d.perPair.map((r) => ({ ...r, key: names[r.method], err: Math.max(r.error, 1e-10) }));
  out['fig-pairerror'] = {
    plots: [plotWithRoom(baseOpts(width, {
      height: 280, marginLeft: 56,
      x: { label: 'pair i →' },
      y: { type: 'log', label: `↑ error of pair at m = ${d.ppos.toLocaleString('en')}`, grid: true, domain: [1e-10, 10], tickFormat: pow10 },
      marks: [...keys.map((k, i) => Plot.dot(prow.filter((r) => r.key === k), { x: 'pair', y: 'err', symbol: SYMBOLS[i], stroke: COLORS[i], r: 3.2, strokeWidth: 1.5 }))],
    })), legendSwatches(keys, { symbols: true })],
    caption: `Per-pair error at position ${d.ppos.toLocaleString('en')}: the fast pairs (large angles) suffer most from a rounded angle. The kernel's frequencies agree with base^(−2i/d) in float64 to ${fmt(d.freqDiff, 2)} (relative).`,
    table: table(['pair', ...keys], [...new Set(prow.map((r) => r.pair))].map((p) => [p, ...Object.keys(names).map((m) => fmt(d.perPair.find((r) => r.pair === p && r.method === m).error, 3))])),
  };
  return out;
}

// ---- 7 ----
export function renderLayout(d, s, width) {
  const out = {};
  const dim = s.dim;
  const rot = s.rot;
  const cells = [];
  const links = [];
  for (const lay of ['interleaved', 'half']) {
    for (let c = 0; c < dim; c++) cells.push({ lay, c, pair: c < rot ? pairIndex(lay, c, rot) : null });
    for (let i = 0; i < rot / 2; i++) {
      const [a, b] = pairChannels(lay, i, rot);
      links.push({ lay, a, b, i });
    }
  }
  // Arcs joining the channels of the first pairs (diagram geometry only).
  const arcs = [];
  for (const l of links.filter((x) => x.i < Math.min(rot / 2, 6))) {
    const h = 0.2 + 0.75 * ((l.b - l.a) / dim);
    for (let t = 0; t <= 24; t++) {
      const u = (t / 24) * Math.PI;
      arcs.push({ id: `${l.lay}-${l.i}`, lay: l.lay, x: l.a + ((l.b - l.a) * (1 - Math.cos(u))) / 2, y: 0.45 + h * Math.sin(u) });
    }
  }
  const laneLabel = (lay) => `${lay}${lay === s.layout ? ' (in use)' : ''}`;
  const showText = (width - 120) / dim >= 15;
  const pairing = plotWithRoom({
    width, height: 250, marginLeft: small(width) ? 8 : 132, marginRight: 8, marginTop: 30, marginBottom: 30,
    style: { fontSize: `${font(width) - 1}px`, background: 'transparent' },
    x: { domain: [-0.5, dim - 0.5], label: 'channel →', ticks: Math.min(dim, 16) },
    y: { domain: [-1.2, 1.4], axis: null },
    fy: { domain: ['interleaved', 'half'], axis: small(width) ? null : 'left', tickFormat: laneLabel, label: null, padding: 0.1 },
    color: { type: 'categorical', scheme: 'tableau10', domain: d3range(10) },
    marks: [
      Plot.rect(cells.filter((c) => c.pair !== null), { x1: (c) => c.c - 0.45, x2: (c) => c.c + 0.45, y1: -0.4, y2: 0.4, fy: 'lay', fill: (c) => c.pair % 10, fillOpacity: (c) => (c.lay === s.layout ? 0.95 : 0.55) }),
      Plot.rect(cells.filter((c) => c.pair === null), { x1: (c) => c.c - 0.45, x2: (c) => c.c + 0.45, y1: -0.4, y2: 0.4, fy: 'lay', fill: '#eceef2', stroke: '#9aa1ad', strokeDasharray: '2,2' }),
      ...(showText ? [Plot.text(cells, { x: 'c', y: 0, fy: 'lay', text: (c) => (c.pair === null ? '–' : c.pair), fill: (c) => (c.pair === null ? '#888' : 'white'), fontWeight: 600 })] : []),
      Plot.line(arcs, { x: 'x', y: 'y', z: 'id', fy: 'lay', stroke: '#333', strokeWidth: 1.1 }),
      Plot.text(['interleaved', 'half'], { fy: (l) => l, frameAnchor: 'top-left', dy: -24, text: (l) => (small(width) ? laneLabel(l) : ''), fontWeight: 600 }),
      ...(rot < dim ? [Plot.text(['interleaved', 'half'], { fy: (l) => l, x: (rot + dim - 1) / 2, y: -0.8, text: () => `pass-through (${dim - rot} channels)`, fill: '#666' })] : []),
    ],
  });
  out['fig-pairing'] = {
    plots: [pairing],
    caption: `Which channels form pair i (the number in each box${showText ? '' : ', hidden at this width'}; arcs join the first pairs). Interleaved pairs neighbours; half pairs channel i with i + ${rot / 2}. ` +
      (rot < dim ? `Grey dashed boxes (–) are the ${dim - rot} pass-through channels of partial rotary.` : 'All channels rotate (rotary dims = head dim).'),
    table: table(['pair', 'interleaved channels', 'half channels'], Array.from({ length: rot / 2 }, (_, i) => [i, pairChannels('interleaved', i, rot).join(' & '), pairChannels('half', i, rot).join(' & ')])),
  };
  const right = d.rows.filter((r) => r.kind === d.rightLabel);
  const wrong = d.rows.filter((r) => r.kind === d.wrongLabel);
  const shown = s.wrong ? [...right, ...wrong] : right;
  const keys = s.wrong ? [d.rightLabel, d.wrongLabel] : [d.rightLabel];
  // One y range for both states (from both series), so the toggle's effect is visible as is.
  const all = d.rows.map((r) => r.score);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const pad = Math.max(0.1 * (hi - lo), 0.05);
  out['fig-wrong'] = {
    plots: [plotWithRoom(baseOpts(width, {
      height: 280,
      x: { label: 'query position m (key at m + 2) →' },
      y: { label: '↑ score q·k/√d', grid: true, domain: [lo - pad, hi + pad] },
      marks: [...seriesLines(shown, { x: 'm', y: 'score', z: 'kind', keys, width, labels: false, strokeWidth: 2 }),
        ...keys.map((k, i) => Plot.dot(shown.filter((r) => r.kind === k), { x: 'm', y: 'score', symbol: SYMBOLS[i], stroke: COLORS[i], r: 2 }))],
    })), legendSwatches(keys, { symbols: true })],
    caption: s.wrong
      ? `With k rotated as ${d.other} while q uses ${s.layout}, the score of two tokens 2 apart changes with where they sit (spread ${fmt(d.spread[d.wrongLabel], 3)}): the relative property is broken.`
      : `q at m and k at m + 2 with the same pairing: the score is the same wherever the pair sits (spread ${fmt(d.spread[d.rightLabel], 2)}). Tick the box above to rotate k with the other pairing.`,
    table: table(['m', ...keys], right.map((r, i) => [r.m, r.score.toFixed(6), ...(s.wrong ? [wrong[i].score.toFixed(6)] : [])])),
  };
  out['fig-partial'] = {
    plots: [plotWithRoom(baseOpts(width, {
      height: 280,
      x: { type: 'band', label: 'channel →', tickFormat: (c) => (c % tickStep(dim, width) === 0 ? c : '') },
      y: { label: '↑ |change| from position 0 to 7', grid: true },
      marks: [
        Plot.barY(d.channels.filter((c) => !c.rotates), { x: 'channel', y: () => Math.max(...d.channels.map((c) => c.change)), fill: '#eceef2', inset: 0 }),
        Plot.tickY(d.channels.filter((c) => !c.rotates), { x: 'channel', y: 'change', stroke: '#6b7280', strokeWidth: 2 }),
        Plot.barY(d.channels.filter((c) => c.rotates), { x: 'channel', y: 'change', fill: COLORS[0], inset: 0.5 }),
        ...(rot < dim ? [Plot.text([rot], { x: (v) => v, frameAnchor: 'top', dy: 12, textAnchor: 'start', text: () => 'pass-through (grey): change 0', fill: '#374151', fontWeight: 600 })] : []),
      ],
    }))],
    caption: rot < dim
      ? `How much each channel of one vector changes when it moves from position 0 to 7, computed by the kernel. The first ${rot} channels rotate; the last ${dim - rot} (grey, labelled) stay exactly as they were.`
      : `How much each channel changes from position 0 to 7. Set “rotary dims” below the head dim (shared settings) to see partial rotary.`,
    table: table(['channel', 'rotates', '|change|'], d.channels.map((c) => [c.channel, c.rotates ? 'yes' : 'no (pass-through)', fmt(c.change, 5)])),
  };
  return out;
}

// A round tick step (1, 2, 4, 8, ...) leaving about 32 px per label.
function tickStep(n, px) {
  let step = 1;
  while ((n / step) * 32 > px) step *= 2;
  return step;
}

function pairIndex(lay, c, rot) {
  return lay === 'interleaved' ? Math.floor(c / 2) : c % (rot / 2);
}

// ---- 8 ----
export function renderSinusoidal(d, s, width) {
  const out = {};
  const keys = ['content x·y', 'x·p(n)', 'p(m)·y', 'p(m)·p(n)', 'additive total', 'RoPE (wasm)'];
  const w = width;
  out['fig-terms'] = {
    plots: [plotWithRoom(baseOpts(w, {
      height: 320,
      x: { label: 'query position m (key at m + 2) →' },
      y: { label: '↑ term of the score (/√d)', grid: true },
      marks: [Plot.ruleY([0], { stroke: '#999' }), ...seriesLines(d.rows, { x: 'm', y: 'value', z: 'term', keys, width: w, labels: false })],
    })), legendSwatches(keys)],
    caption: `Same two contents (“cat” as query, “sleeping” as key), 2 positions apart, slid along the sequence. Additive (sinusoidal): the four terms and their total, which moves by ${fmt(d.additiveSpread, 3)} as the pair slides. RoPE (computed by the kernel): flat (spread ${fmt(d.ropeSpread, 2)}).`,
    table: table(['m', ...keys], [...new Set(d.rows.map((r) => r.m))].filter((m) => m % 4 === 0).map((m) => [m, ...keys.map((k) => fmt(d.rows.find((r) => r.m === m && r.term === k).value, 5))])),
  };
  const nkeys = ['|x + p(m)| additive', '|R(m) x| RoPE (wasm)'];
  out['fig-norms'] = {
    plots: [plotWithRoom(baseOpts(w, {
      height: 320,
      x: { label: 'position m →' },
      y: { label: '↑ norm of the encoded query', grid: true, zero: true },
      marks: [...seriesLines(d.norms, { x: 'm', y: 'value', z: 'kind', keys: nkeys, width: w, labels: false, strokeWidth: 2 })],
    })), legendSwatches(nkeys)],
    caption: `Adding p(m) changes the vector's length with the position (the content norm is ${fmt(d.contentNorm, 4)}); rotating keeps it exactly.`,
    table: table(['m', ...nkeys], [...new Set(d.norms.map((r) => r.m))].filter((m) => m % 4 === 0).map((m) => [m, ...nkeys.map((k) => fmt(d.norms.find((r) => r.m === m && r.kind === k).value, 6))])),
  };
  return out;
}

// ---- 9 ----
export function renderBenchmark(r, width) {
  const ok = r.best.filter((b) => !b.error);
  const plot = plotWithRoom(baseOpts(width, {
    height: 60 + 44 * ok.length, marginLeft: small(width) ? 96 : 110, marginRight: 70,
    x: { label: 'throughput (GB/s, read + write) →', grid: true },
    y: { label: null, domain: ok.map((b) => b.name) },
    marks: [
      Plot.barX(ok, { y: 'name', x: 'gbps', fill: (b) => COLORS[['wasm SIMD', 'wasm baseline', 'plain JS'].indexOf(b.name)], inset: 4 }),
      Plot.text(ok, { y: 'name', x: 'gbps', text: (b) => `${fmt(b.gbps, 3)} GB/s`, dx: 6, textAnchor: 'start', fontWeight: 600 }),
      Plot.ruleX([0]),
    ],
  }));
  return {
    'fig-bench': {
      plots: [plot],
      caption: `Best of ${Math.max(...r.rounds.map((x) => x.round))} rounds of at least 200 ms each. SIMD is ${fmt(r.ratios.simdOverBaseline, 3)}× the baseline build and ${fmt(r.ratios.simdOverJs, 3)}× plain JS here; all three agree to ${fmt(r.maxDiff, 2)}.`,
      table: table(['round', 'variant', 'calls', 'ms', 'µs per call', 'GB/s'], r.rounds.map((x) => [x.round, x.name, x.iters, fmt(x.ms, 4), fmt(x.perCallUs, 4), fmt(x.gbps, 4)])),
    },
  };
}
