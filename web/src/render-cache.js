// Drawing of "Moving the cache" and of the precision lab's 16-bit figures (Observable Plot):
// each figure's plot, caption and data table from the Worker's numbers. Nothing is computed
// here beyond formatting.
import * as Plot from '@observablehq/plot';
import { fmt } from './math.js';
import { legendSwatches, plotWithRoom } from './render.js';

const COLORS = ['#1f5fbf', '#d1495b', '#2a9d5c', '#8a5cc7', '#e08a00', '#444b59', '#0f9bb5'];
const DASHES = [null, '6,3', '2,2', '8,3,2,3', '1,3', '10,4'];
const SYMBOLS = ['circle', 'triangle', 'square', 'diamond', 'cross', 'star', 'wye'];
const small = (w) => w < 520;
const font = (w) => (small(w) ? 11 : 12);
const style = (w) => ({ fontSize: `${font(w)}px`, background: 'transparent' });
const table = (columns, rows, note) => ({ columns, rows, note });
const SUP = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };
const pow10 = (v) => {
  const e = Math.round(Math.log10(v));
  return Math.abs(Math.log10(v) - e) < 1e-9 ? `10${String(e).replace(/./g, (c) => SUP[c] ?? c)}` : '';
};
const pow2 = (e) => `2${String(e).replace(/./g, (c) => SUP[c] ?? c)}`;

// ---- Moving the cache ---------------------------------------------------------------------
export function renderCache(d, s, width) {
  const out = {};
  const af = d.attentionFactor;
  const scaled = d.factor > 1 ? `yarn, factor ${d.factor} (attention factor ${fmt(af, 5)})` : 'no scaling (attention factor 1)';
  const nkeys = ['exact: rope.shift', 'naive: apply(−drop)', 'expected naive: afⁿ'];
  const rows = d.oldest.flatMap((o) => [
    { n: o.shifts, key: nkeys[0], value: o.exact },
    { n: o.shifts, key: nkeys[1], value: o.naive },
    { n: o.shifts, key: nkeys[2], value: o.expected },
  ]);
  const top = Math.max(...d.oldest.map((o) => o.naive), 1.05);
  out['fig-cnorm'] = {
    plots: [plotWithRoom({
      width, height: 260, marginLeft: 56, marginRight: 16, style: style(width),
      x: { label: 'shifts n →', domain: [0, Math.max(1, d.shifts)], ticks: Math.min(Math.max(1, d.shifts), small(width) ? 4 : 8), tickFormat: (v) => (Number.isInteger(v) ? v : '') },
      y: { type: 'log', label: '↑ key norm / norm when it arrived', grid: true, domain: [0.9, top * 1.1], tickFormat: (v) => fmt(v, 3) },
      marks: [
        Plot.ruleY([1], { stroke: '#999' }),
        ...nkeys.map((k, i) => Plot.line(rows.filter((r) => r.key === k), { x: 'n', y: 'value', stroke: COLORS[i], strokeWidth: i === 2 ? 1.2 : 2, strokeDasharray: DASHES[i] })),
        ...nkeys.slice(0, 2).map((k, i) => Plot.dot(rows.filter((r) => r.key === k), { x: 'n', y: 'value', stroke: COLORS[i], symbol: SYMBOLS[i], r: 3 })),
      ],
    }), legendSwatches(nkeys)],
    caption: `The norm of the cache's oldest key${d.rot < d.dim ? ` (its ${d.rot} rotated channels)` : ''} after n shifts of ${d.drop} tokens, relative to its norm when it arrived (${scaled}; log scale). ` +
      `Moved with rope.shift it stays at ${fmt(d.oldest.at(-1).exact, 9)}; rotated back by a negative angle with apply it grows to ${fmt(d.oldest.at(-1).naive, 6)} = af^${d.shifts} (${fmt(af ** d.shifts, 6)}): ` +
      'the key already carries the attention factor from when it arrived, and apply multiplies it in again at every shift.',
    table: table(['shifts', 'oldest key (token)', 'exact', 'naive', 'af^n'], d.oldest.map((o) => [o.shifts, o.token, o.exact.toFixed(9), o.naive.toFixed(9), o.expected.toFixed(9)])),
  };
  const skeys = ['before the shifts', 'after: exact shift', 'after: naive shift'];
  const srows = d.scores.flatMap((r) => [
    { slot: r.slot, key: skeys[0], value: r.before },
    { slot: r.slot, key: skeys[1], value: r.exact },
    { slot: r.slot, key: skeys[2], value: r.naive },
  ]);
  // Where groups of keys that went through a different number of shifts meet.
  const bounds = [];
  for (let i = 1; i < d.scores.length; i++) if (d.scores[i].shifts !== d.scores[i - 1].shifts) bounds.push(i - 0.5);
  out['fig-cscores'] = {
    plots: [plotWithRoom({
      width, height: 300, marginLeft: 56, marginRight: 16, style: style(width),
      x: { label: 'cache slot (position after the shifts) →', domain: [0, d.slots - 1] },
      y: { label: '↑ score q·k/√d', grid: true },
      marks: [
        Plot.ruleY([0], { stroke: '#999' }),
        Plot.ruleX(bounds, { stroke: '#bbb', strokeDasharray: '2,3' }),
        ...skeys.map((k, i) => Plot.line(srows.filter((r) => r.key === k), { x: 'slot', y: 'value', stroke: COLORS[i], strokeWidth: i === 0 ? 3.2 : 1.3, strokeOpacity: i === 0 ? 0.45 : 1, strokeDasharray: DASHES[i] })),
      ],
    }), legendSwatches(skeys)],
    caption: `The scores of the next token's query against the ${d.slots} cached keys after ${d.shifts} shift${d.shifts === 1 ? '' : 's'} of ${d.drop} (${scaled}). ` +
      `Before any shift (the query at ${d.streamPos}, each key where it arrived) and after the exact shift (the query at ${d.slots}) the scores agree to ${fmt(d.exactVsBefore, 2)}: only distances matter, and shift keeps them. ` +
      `The naive shift scales each score by af to the number of shifts its key went through (dotted lines separate the groups; up to ${fmt(d.naiveRatio, 4)}×), which sharpens the softmax: the largest attention weight is ${fmt(d.topWeight.naive, 3)} instead of ${fmt(d.topWeight.exact, 3)}.`,
    table: table(['slot', 'token', 'shifts', 'before', 'exact shift', 'naive shift', 'rebuilt at the slot'],
      d.scores.map((r) => [r.slot, r.token, r.shifts, r.before.toFixed(7), r.exact.toFixed(7), r.naive.toFixed(7), r.rebuilt.toFixed(7)])),
  };
  // The naive score over the exact one, per slot: a staircase af^k, k the key's shifts.
  const ratios = d.scores.filter((r) => Math.abs(r.exact) > 0.05).map((r) => ({ slot: r.slot, shifts: r.shifts, ratio: r.naive / r.exact }));
  const steps = [...new Set(d.scores.map((r) => r.shifts))].map((k) => ({ k, value: af ** k, x1: d.scores.find((r) => r.shifts === k).slot, x2: d.scores.findLast((r) => r.shifts === k).slot }));
  out['fig-cratio'] = {
    plots: [plotWithRoom({
      width, height: 240, marginLeft: 56, marginRight: 16, style: style(width),
      x: { label: 'cache slot →', domain: [0, d.slots - 1] },
      y: { label: '↑ naive score / exact score', grid: true, domain: [0.9, Math.max(1.1, af ** d.shifts * 1.1)] },
      marks: [
        Plot.ruleY([1], { stroke: '#999' }),
        Plot.ruleY(steps, { x1: 'x1', x2: 'x2', y: 'value', stroke: COLORS[0], strokeWidth: 6, strokeOpacity: 0.4 }),
        Plot.dot(ratios, { x: 'slot', y: 'ratio', r: 1.8, fill: COLORS[1] }),
      ],
    }), legendSwatches(['af^k, k = shifts the key went through', 'naive / exact, per key'].map((k) => k.replace('af^k', 'afᵏ')), { offset: 0 })],
    caption: `Per key, the naive shift's score over the exact one (keys whose exact score is under 0.05 in size left out): a staircase of powers of the attention factor ${fmt(af, 5)}, one step per shift the key went through (${steps.map((st) => `${st.k} shift${st.k === 1 ? '' : 's'}: slots ${st.x1}–${st.x2}`).join('; ')}).`,
    table: table(['shifts', 'slots', 'af^k', 'naive / exact (mean)'], steps.map((st) => {
      const rs = ratios.filter((r) => r.shifts === st.k);
      return [st.k, `${st.x1}–${st.x2}`, st.value.toFixed(7), rs.length ? (rs.reduce((a, r) => a + r.ratio, 0) / rs.length).toFixed(7) : '—'];
    })),
  };
  return out;
}

// ---- Precision lab: the kernel's 16-bit paths ---------------------------------------------------
const DNAMES = { float32: 'float32 (kernel)', float16: 'float16 (kernel)', bfloat16: 'bfloat16 (kernel)' };
export function renderPrecision16(d, s, width) {
  const out = {};
  const keys = Object.values(DNAMES);
  const rows = d.series.map((r) => ({ ...r, key: DNAMES[r.dtype], err: Math.max(r.error, 1e-10) }));
  const bounds = [[2 ** -11, `${pow2(-11)}: half an ulp of float16`], [2 ** -8, `${pow2(-8)}: half an ulp of bfloat16`]];
  // The float16 bound labelled below its line, the bfloat16 one above (they are 8× apart).
  const boundLabels = (x0) => bounds.map((bd, i) => Plot.text([bd], { x: () => x0, y: (b) => b[0], text: (b) => b[1], textAnchor: 'start', dy: i === 0 ? 9 : -7, dx: 2, fill: '#555', fontSize: font(width) - 1 }));
  const boundMarks = [Plot.ruleY(bounds.map((b) => b[0]), { stroke: '#888', strokeDasharray: '4,3' }), ...boundLabels(1)];
  out['fig-prec16'] = {
    plots: [plotWithRoom({
      width, height: 320, marginLeft: 56, marginRight: 16, style: style(width),
      x: { type: 'log', label: 'position m →', tickFormat: pow10, ticks: small(width) ? 4 : 7 },
      y: { type: 'log', label: '↑ max |y − y₆₄| / max |y₆₄|', grid: true, domain: [1e-9, 1e-1], tickFormat: pow10 },
      marks: [
        ...boundMarks,
        ...keys.map((k, i) => Plot.line(rows.filter((r) => r.key === k), { x: 'position', y: 'err', stroke: COLORS[i], strokeWidth: 1.6, strokeDasharray: DASHES[i] })),
        ...keys.map((k, i) => Plot.dot(rows.filter((r) => r.key === k), { x: 'position', y: 'err', symbol: SYMBOLS[i], stroke: COLORS[i], r: 2.5 })),
      ],
    }), legendSwatches(keys, { symbols: true })],
    caption: `The same vector rotated by the kernel itself in float32, float16 and bfloat16 (apply on a Uint16Array of bit patterns) at positions 1 to 10⁶, against a float64 rotation of the same input (its 16-bit rounding, for the 16-bit paths) with the angles m · rope.invFreq. ` +
      `The 16-bit results are the float32 path's rounded to nearest even${d.bitExact ? ' (checked bit for bit here at every position)' : ' (NOT bit for bit here: see the data)'}, so they stay within half an ulp of their format at every position: the error comes from storing the result, not from the position.`,
    table: table(['position', ...keys], d.positions.map((p) => [p, ...Object.keys(DNAMES).map((k) => fmt(d.series.find((r) => r.dtype === k && r.position === p).error, 3))])),
  };
  const prow = d.perPair.map((r) => ({ ...r, key: DNAMES[r.dtype], err: Math.max(r.error, 1e-10) }));
  out['fig-prec16pair'] = {
    plots: [plotWithRoom({
      width, height: 280, marginLeft: 56, marginRight: 16, style: style(width),
      x: { label: 'pair i →' },
      y: { type: 'log', label: `↑ error of pair at m = ${d.ppos.toLocaleString('en')}`, grid: true, domain: [1e-10, 1e-1], tickFormat: pow10 },
      marks: [
        boundMarks[0], ...boundLabels(0),
        ...keys.map((k, i) => Plot.dot(prow.filter((r) => r.key === k), { x: 'pair', y: 'err', symbol: SYMBOLS[i], stroke: COLORS[i], r: 3, strokeWidth: 1.4 })),
      ],
    }), legendSwatches(keys, { symbols: true })],
    caption: `Per pair at position ${d.ppos.toLocaleString('en')}: the larger of its two elements' errors over the pair's length, for the kernel's three element types. ` +
      `Largest element error over every position, in units of its bound (float32: 3·10⁻⁷·max|x|; float16 and bfloat16: half an ulp at |y₆₄| plus that): float32 ${fmt(d.worst.float32, 3)}, float16 ${fmt(d.worst.float16, 3)}, bfloat16 ${fmt(d.worst.bfloat16, 3)} (≤ 1 holds the bound).`,
    table: table(['pair', ...keys], [...new Set(prow.map((r) => r.pair))].map((p) => [p, ...Object.keys(DNAMES).map((k) => fmt(d.perPair.find((r) => r.pair === p && r.dtype === k).error, 3))])),
  };
  return out;
}
