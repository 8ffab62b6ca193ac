// End-to-end checks of the built explainer page in Debian's Chromium (playwright-core).
// Run by tests/e2e/run.sh, which builds and serves the page and sets E2E_URL and
// E2E_SCREENSHOTS. Every expected number is computed here, in float64, independently of
// the page (only the page's deterministic token vectors are imported, to know the input).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { tokenVector } from '../../web/src/math.js';

const URL_BASE = process.env.E2E_URL;
const SHOTS = process.env.E2E_SCREENSHOTS;
if (!URL_BASE || !SHOTS) throw new Error('run through tests/e2e/run.sh (E2E_URL and E2E_SCREENSHOTS unset)');
const ORIGIN = new URL(URL_BASE).origin;
const SECTIONS = ['rotation', 'shift', 'frequencies', 'decay', 'scaling', 'precision', 'layout', 'sinusoidal', 'benchmark'];
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

// ---- independent float64 references ---------------------------------------------------------
const theta = (base, d, i) => Math.pow(base, (-2 * i) / d);
function rope64(x, pos, { base = 10000, d = x.length, rot = d, layout = 'half' } = {}) {
  const y = Array.from(x);
  for (let i = 0; i < rot / 2; i++) {
    const [a, b] = layout === 'interleaved' ? [2 * i, 2 * i + 1] : [i, i + rot / 2];
    const t = pos * theta(base, rot, i);
    y[a] = x[a] * Math.cos(t) - x[b] * Math.sin(t);
    y[b] = x[a] * Math.sin(t) + x[b] * Math.cos(t);
  }
  return y;
}
const dot = (a, b) => a.reduce((s, v, i) => s + v * b[i], 0);
const norm = (a) => Math.sqrt(dot(a, a));
const close = (a, b, rel, what) => assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b), 1e-300),
  `${what}: ${a} vs ${b} (relative tolerance ${rel})`);

// ---- browser helpers ---------------------------------------------------------------------------
let context;
let userDataDir;
const problems = [];

async function openPage({ width = 1280, height = 900, url = URL_BASE, reducedMotion = 'no-preference' } = {}) {
  const page = await context.newPage();
  await page.setViewportSize({ width, height });
  await page.emulateMedia({ reducedMotion });
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => { if (new URL(r.url()).origin !== ORIGIN && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) problems.push(`external request: ${r.url()}`); });
  await page.goto(url);
  await ready(page);
  return page;
}

async function ready(page) {
  await page.waitForFunction(() => window.ropeExplainer && window.ropeExplainer.renders >= 8, null, { timeout: 30000 });
  await page.evaluate(() => window.ropeExplainer.idle());
}

/** Runs `action`, then waits until figure `figId` has been redrawn and every figure is computed. */
async function act(page, figId, action) {
  const before = await page.$eval(`#${figId}`, (el) => Number(el.dataset.rendered || 0));
  await action();
  await page.waitForFunction(([id, n]) => Number(document.getElementById(id).dataset.rendered || 0) > n, [figId, before], { timeout: 20000 });
  await page.evaluate(() => window.ropeExplainer.idle());
}

async function table(page, figId) {
  return page.$eval(`#${figId} [data-table] table`, (t) => {
    const head = [...t.tHead.rows[0].cells].map((c) => c.textContent);
    const rows = [...t.tBodies[0].rows].map((r) => Object.fromEntries([...r.cells].map((c, i) => [head[i], c.textContent])));
    return { head, rows };
  });
}
const num = (page, sel) => page.$eval(sel, (el) => Number(el.textContent));
const caption = (page, figId) => page.$eval(`#${figId} figcaption`, (el) => el.textContent);
const state = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.ropeExplainer.state)));

async function shoot(page, name) {
  await page.addStyleTag({ content: '.global { position: static !important; }' });
  const el = await page.$(`#${name}`);
  await el.scrollIntoViewIfNeeded();
  await el.screenshot({ path: path.join(SHOTS, `${page.viewportSize().width}px-${name}.png`) });
}

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rope-e2e-chromium-'));
  // A fresh profile directory (playwright passes it to Chromium as --user-data-dir).
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
});

after(async () => {
  await context?.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
});

// ---- the checks ----------------------------------------------------------------------------------
describe('explainer page (laptop width)', () => {
  let page;
  before(async () => { page = await openPage(); });
  after(async () => { await page.close(); });

  it('loads with no console errors, no external requests, and reports the SIMD build', async () => {
    assert.deepEqual(problems, []);
    assert.equal(await page.evaluate(() => window.ropeExplainer.simd), true);
    assert.match(await page.textContent('#status'), /SIMD build/);
    assert.deepEqual(await page.evaluate(() => window.ropeExplainer.errors), []);
  });

  it('renders every figure with data, a wasm badge, a caption and a data table', async () => {
    const figs = await page.$$eval('[data-figure]', (els) => els.map((el) => ({
      id: el.id, kind: el.dataset.figure, rendered: Number(el.dataset.rendered || 0),
      marks: el.querySelectorAll('[data-plot] svg path, [data-plot] svg rect, [data-plot] svg circle, [data-plot] svg line').length,
      badge: el.querySelector('[data-badge]').textContent, caption: el.querySelector('figcaption').textContent,
      rows: el.querySelectorAll('[data-table] tbody tr').length, svgLabel: el.querySelector('[data-plot] svg')?.getAttribute('aria-label') ?? '',
    })));
    assert.equal(figs.length, 20);
    for (const f of figs.filter((x) => x.kind !== 'benchmark')) {
      assert.ok(f.rendered >= 1, `${f.id} rendered`);
      assert.ok(f.marks >= 5, `${f.id} has marks (${f.marks})`);
      assert.match(f.badge, /^computed by wasm \(SIMD\) in [\d.]+ ms$/, `${f.id} badge`);
      assert.ok(f.caption.length > 40, `${f.id} caption`);
      assert.ok(f.rows >= 1, `${f.id} table rows`);
      assert.equal(f.svgLabel, f.caption, `${f.id} svg has the caption as its accessible name`);
    }
    for (const id of SECTIONS) await shoot(page, id);
  });

  it('1. rotation plane: angles m·θ and an unchanged norm, against float64', async () => {
    const x = Array.from(tokenVector('rope', 'x', 1, 64));
    let t = await table(page, 'fig-plane');
    assert.deepEqual(t.rows.map((r) => Number(r.position)), [0, 3, 7]);
    for (const r of t.rows) {
      close(Number(r['vector norm']), norm(x), 1e-5, 'norm kept');
      close(Number(r['angle m·θ (rad)']), Number(r.position) * 1, 1e-4, 'angle of pair 0');
      const y = rope64(x, Number(r.position));
      if (Number(r.position) > 0) close(Number(r['ch 0']), y[0], 1e-3, `channel 0 at ${r.position}`);
    }
    // The pair slider (by keyboard) changes the pair and its frequency.
    await act(page, 'fig-plane', async () => { await page.focus('#c-pair'); await page.keyboard.press('ArrowRight'); });
    assert.equal((await state(page)).pair, 1);
    t = await table(page, 'fig-plane');
    close(Number(t.rows[2]['angle m·θ (rad)']), 7 * theta(10000, 64, 1), 1e-4, 'angle of pair 1 at 7');
    assert.match(await caption(page, 'fig-plane'), /channels 1 and 33/);
    // Scrubbing moves the last position.
    await act(page, 'fig-plane', () => page.$eval('#c-scrub', (el) => { el.value = '20'; el.dispatchEvent(new Event('input', { bubbles: true })); }));
    t = await table(page, 'fig-plane');
    assert.deepEqual(t.rows.map((r) => Number(r.position)), [0, 3, 20]);
    close(Number(t.rows[2]['angle m·θ (rad)']), 20 * theta(10000, 64, 1), 1e-4, 'scrubbed angle');
    // Typed positions.
    await act(page, 'fig-plane', async () => { await page.fill('#c-pos', '5, 1000'); await page.press('#c-pos', 'Enter'); await page.$eval('#c-pos', (el) => el.dispatchEvent(new Event('change'))); });
    t = await table(page, 'fig-plane');
    assert.deepEqual(t.rows.map((r) => Number(r.position)), [5, 1000]);
    const turns = await table(page, 'fig-allpairs');
    close(Number(turns.rows[0].turns), 1000 / (2 * Math.PI), 1e-3, 'pair 0 turns by 1000');
    // Play (animation allowed here) advances the last position; press again to stop.
    const before = (await state(page)).pos.at(-1);
    await page.click('#c-play');
    await page.waitForFunction((b) => window.ropeExplainer.state.pos.at(-1) !== b, before);
    await page.click('#c-play');
    assert.equal(await page.getAttribute('#c-play', 'aria-pressed'), 'false');
    await page.evaluate(() => window.ropeExplainer.idle());
  });

  it('2. shifting the sentence: equal scores at equal distance, Toeplitz matrix, per-pair parts', async () => {
    const q = Array.from(tokenVector('cat', 'q', 1, 64));
    const k = Array.from(tokenVector('sleeping', 'k', 1, 64));
    const ref = dot(rope64(q, 2), rope64(k, 4)) / 8;
    const a = await num(page, '#shift-score-a');
    const b = await num(page, '#shift-score-b');
    close(a, ref, 1e-4, 'cat@2 · sleeping@4');
    close(b, ref, 1e-4, 'cat@9 · sleeping@11');
    assert.ok(Math.abs(a - b) < 1e-5);
    const spread = /largest spread along a diagonal: ([\d.e-]+)/.exec(await caption(page, 'fig-toeplitz'));
    assert.ok(spread && Number(spread[1]) < 1e-5, 'Toeplitz: constant along diagonals');
    const contrib = await table(page, 'fig-contrib');
    assert.equal(contrib.rows.length, 32);
    const [c1, c2] = contrib.head.slice(1);
    for (const r of contrib.rows) close(Number(r[c1]), Number(r[c2]), 1e-3, `pair ${r.pair} contribution`);
    // The shift slider moves every position but keeps the scores.
    await act(page, 'fig-scores', () => page.$eval('#c-off', (el) => { el.value = '100'; el.dispatchEvent(new Event('input', { bubbles: true })); }));
    const shifted = await table(page, 'fig-scores');
    assert.ok(shifted.rows.some((r) => r.query === 'cat₁₀₂'), 'positions shifted by 100');
    close(await num(page, '#shift-score-a'), ref, 1e-4, 'score after shifting');
    // The key word changes which scores are boxed.
    await act(page, 'fig-scores', async () => { await page.selectOption('#c-kw', 'the'); });
    const kThe = Array.from(tokenVector('the', 'k', 1, 64));
    const rows = (await table(page, 'fig-scores')).rows;
    const r = rows.find((x) => x.query === 'cat₁₀₂' && x.key === 'The₁₀₁');
    close(Number(r.score), dot(rope64(q, 102), rope64(kThe, 101)) / 8, 1e-4, 'cat · the');
    await act(page, 'fig-scores', async () => { await page.selectOption('#c-qw', 'mat'); });
    assert.ok((await table(page, 'fig-scores')).rows.every((x) => x.query.startsWith('mat')));
    // Typing a sentence re-tokenizes.
    await act(page, 'fig-scores', async () => { await page.fill('#c-text', 'a dog saw a dog'); });
    const st = await state(page);
    assert.equal(st.text, 'a dog saw a dog');
    const words = await page.$$eval('#c-qw option', (o) => o.map((x) => x.value));
    assert.deepEqual(words, ['a', 'dog', 'saw']);
    await act(page, 'fig-scores', async () => { await page.fill('#c-seed', '5'); await page.$eval('#c-seed', (el) => el.dispatchEvent(new Event('change'))); });
    assert.equal((await state(page)).seed, 5);
    const qa = Array.from(tokenVector('a', 'q', 5, 64));
    const kd = Array.from(tokenVector('dog', 'k', 5, 64));
    const rs = (await table(page, 'fig-scores')).rows;
    const hit = rs.find((x) => x.query === 'a₁₀₁' && x.key === 'dog₁₀₂');
    close(Number(hit.score), dot(rope64(qa, 101), rope64(kd, 102)) / 8, 1e-4, 'a · dog with seed 5');
  });

  it('3. frequencies: wavelengths and full turns follow base, dims and context length', async () => {
    const fullTurns = (base, d, ctx) => Array.from({ length: d / 2 }, (_, i) => (2 * Math.PI) / theta(base, d, i)).filter((w) => w <= ctx).length;
    assert.equal(await num(page, '#freq-fullturns'), fullTurns(10000, 64, 4096));
    await act(page, 'fig-wavelength', () => page.selectOption('#c-ctx', '512'));
    assert.equal(await num(page, '#freq-fullturns'), fullTurns(10000, 64, 512));
    await act(page, 'fig-wavelength', () => page.selectOption('#c-base', '500000'));
    close(await num(page, '#freq-slowest'), (2 * Math.PI) / theta(500000, 64, 31), 1e-3, 'slowest wavelength, base 500k');
    assert.equal(await num(page, '#freq-fullturns'), fullTurns(500000, 64, 512));
    await act(page, 'fig-wavelength', () => page.selectOption('#c-dim', '128'));
    const t = await table(page, 'fig-wavelength');
    assert.equal(t.rows.length, 64);
    close(Number(t.rows[63].wavelength), (2 * Math.PI) / theta(500000, 128, 63), 1e-3, 'slowest wavelength, d 128');
    const heat = await table(page, 'fig-heatmap');
    close(Number(heat.rows[1]['pair 1']), (Number(heat.rows[1].position) * theta(500000, 128, 1)) % (2 * Math.PI), 1e-3, 'heatmap angle');
    await act(page, 'fig-wavelength', () => page.selectOption('#c-dim', '64'));
    await act(page, 'fig-wavelength', () => page.selectOption('#c-base', '10000'));
  });

  it('4. decay: bound shrinks, random vectors average zero, range and axis controls work', async () => {
    let t = await table(page, 'fig-similarity');
    for (const r of t.rows) {
      for (const key of t.head.filter((h) => h.endsWith('random mean'))) assert.ok(Math.abs(Number(r[key])) < 0.12, `random mean ${r[key]} at ${r.distance}`);
    }
    const b = await table(page, 'fig-bound');
    const col = b.head[1];
    assert.ok(Number(b.rows[0][col]) > 2 * Number(b.rows.at(-1)[col]), 'bound shrinks');
    // identical content: cos(x, R(r)x) at distance 1 from float64.
    const x = Array.from(tokenVector('decay', 'x', (await state(page)).seed, 64));
    const first = t.rows.find((r) => Number(r.distance) === 1);
    close(Number(first['base 10,000 identical']), dot(x, rope64(x, 1)) / dot(x, x), 1e-3, 'identical content at distance 1');
    assert.equal(Number(t.rows.at(-1).distance) <= 50000, true);
    await act(page, 'fig-bound', () => page.selectOption('#c-range', '1000000'));
    const all = await page.evaluate(() => window.ropeExplainer.results.decay.curves.map((c) => c.distance));
    assert.equal(Math.max(...all), 1000000);
    await act(page, 'fig-bound', () => page.selectOption('#c-dscale', 'linear'));
    t = await table(page, 'fig-similarity');
    const d1 = Number(t.rows[1].distance) - Number(t.rows[0].distance);
    const d2 = Number(t.rows[2].distance) - Number(t.rows[1].distance);
    assert.ok(Math.abs(d1 - d2) <= 1, 'linear spacing');
    assert.match(await caption(page, 'fig-similarity'), /every \d+ positions/);
    await act(page, 'fig-bound', () => page.selectOption('#c-range', '50000'));
  });

  it('5. context extension: per-pair factors of every method against float64 formulas', async () => {
    const d = 64;
    const half = d / 2;
    let t = await table(page, 'fig-scale');
    const col = (name) => t.rows.map((r) => Number(r[name]));
    for (const v of col('linear ÷')) close(v, 8, 1e-4, 'linear factor');
    // llama3 (Hugging Face's _compute_llama3_parameters), factor 8, trained 4096, low 1, high 4.
    const llama3 = Array.from({ length: half }, (_, i) => {
      const wl = (2 * Math.PI) / theta(10000, d, i);
      if (wl < 4096 / 4) return 1;
      if (wl > 4096 / 1) return 8;
      const smooth = (4096 / wl - 1) / (4 - 1);
      return 1 / ((1 - smooth) / 8 + smooth);
    });
    col('llama3 ÷').forEach((v, i) => close(v, llama3[i], 1e-3, `llama3 pair ${i}`));
    // dynamic NTK at 32768 from 4096, factor 8.
    const newBase = 10000 * ((8 * 32768) / 4096 - 7) ** (d / (d - 2));
    col('dynamic ÷').forEach((v, i) => close(v, (newBase / 10000) ** ((2 * i) / d), 1e-3, `dynamic pair ${i}`));
    const yarn = col('yarn ÷');
    close(yarn[0], 1, 1e-6, 'yarn keeps the fastest pair');
    close(yarn[half - 1], 8, 1e-6, 'yarn interpolates the slowest pair');
    assert.equal(await num(page, '#scaling-unscaled'), Array.from({ length: half }, (_, i) => theta(10000, d, i))
      .filter((th) => 4096 * th < 2 * Math.PI && 32768 * th > 4096 * th).length);
    // The factor control.
    await act(page, 'fig-scale', async () => { await page.fill('#c-factor', '4'); await page.$eval('#c-factor', (el) => el.dispatchEvent(new Event('change'))); });
    t = await table(page, 'fig-scale');
    for (const v of col('linear ÷')) close(v, 4, 1e-4, 'linear factor 4');
    // Target length: dynamic follows it.
    await act(page, 'fig-scale', async () => { await page.fill('#c-len', '8192'); await page.$eval('#c-len', (el) => el.dispatchEvent(new Event('change'))); });
    t = await table(page, 'fig-scale');
    const nb = 10000 * ((4 * 8192) / 4096 - 3) ** (d / (d - 2));
    close(col('dynamic ÷')[half - 1], (nb / 10000) ** ((2 * (half - 1)) / d), 1e-3, 'dynamic at 8192');
    // Trained length.
    await act(page, 'fig-scale', async () => { await page.fill('#c-orig', '2048'); await page.$eval('#c-orig', (el) => el.dispatchEvent(new Event('change'))); });
    assert.match(await page.textContent('#scaling-summary'), /trained on 2,048/);
    // Choosing a method applies it to the other figures (frequencies show the scaled wavelengths).
    await act(page, 'fig-wavelength', () => page.selectOption('#c-stype', 'linear'));
    assert.deepEqual((await state(page)).scaling, { type: 'linear', factor: 4 });
    const w = await table(page, 'fig-wavelength');
    close(Number(w.rows[0]['θ in use']), 1 / 4, 1e-4, 'scaled θ of pair 0');
    assert.match(await caption(page, 'fig-wavelength'), /scaling is on/);
    // longrope cannot be made up from a factor: the page asks for the model's lists.
    await act(page, 'fig-scale', () => page.selectOption('#c-stype', 'longrope'));
    assert.equal((await state(page)).scaling, null);
    assert.match(await page.textContent('#paste-status'), /short_factor and long_factor/);
    assert.equal(await page.$eval('details.paste', (d) => d.open), true);
    assert.equal(await page.inputValue('#c-stype'), '');
    // longrope: paste a rope_scaling with per-pair lists (the page's head dim 64 -> 32 pairs).
    const longFactor = Array.from({ length: half }, (_, i) => 1 + i / 4);
    const shortFactor = Array.from({ length: half }, () => 1);
    await act(page, 'fig-scale', async () => {
      await page.fill('#c-paste', JSON.stringify({ rope_type: 'longrope', short_factor: shortFactor, long_factor: longFactor, factor: 4, original_max_position_embeddings: 2048 }));
      await page.click('#c-paste-apply');
    });
    assert.match(await page.textContent('#paste-status'), /longrope/);
    t = await table(page, 'fig-scale');
    col('longrope ÷').forEach((v, i) => close(v, longFactor[i], 1e-4, `longrope pair ${i}`));
    const range = await table(page, 'fig-range');
    const lr = range.rows.find((r) => r.method === 'longrope');
    close(Number(lr['attention factor']), Math.sqrt(1 + Math.log(4) / Math.log(2048)), 1e-4, 'longrope attention factor');
    // A whole config.json from a file.
    const config = { model_type: 'llama', hidden_size: 4096, num_attention_heads: 32, max_position_embeddings: 131072, rope_theta: 500000,
      rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 } };
    await act(page, 'fig-scale', () => page.setInputFiles('#c-file', { name: 'config.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(config)) }));
    const st = await state(page);
    assert.equal(st.dim, 128);
    assert.equal(st.base, 500000);
    assert.equal(st.scaling.type, 'llama3');
    assert.match(await page.textContent('#paste-status'), /head dim 128.*llama3/);
    for (const id of ['scaling', 'frequencies']) await shoot(page, id);
    // Bad JSON is reported, not applied.
    await page.fill('#c-paste', '{oops');
    await page.click('#c-paste-apply');
    assert.match(await page.textContent('#paste-status'), /not valid JSON/);
    assert.equal((await state(page)).scaling.type, 'llama3');
    // Back to the defaults for the next checks.
    await act(page, 'fig-scale', () => page.evaluate(() => window.ropeExplainer.setState({ dim: 64, rot: 64, base: 10000, scaling: null, factor: 8, orig: 4096, len: 32768 })));
  });

  it('6. precision lab: the kernel stays at float32 rounding; float32/bf16 angles do not', async () => {
    assert.ok(await num(page, '#prec-kernel') < 1e-6);
    const f32At = async (p) => {
      const x = Array.from(tokenVector('precision', 'x', 5, 64));
      const ref = rope64(x, p);
      const y = Array.from(x);
      for (let i = 0; i < 32; i++) {
        const t = Math.fround(Math.fround(p) * Math.fround(theta(10000, 64, i)));
        y[i] = x[i] * Math.cos(t) - x[i + 32] * Math.sin(t);
        y[i + 32] = x[i] * Math.sin(t) + x[i + 32] * Math.cos(t);
      }
      return norm(y.map((v, i) => v - ref[i])) / norm(x);
    };
    close(await num(page, '#prec-f32'), await f32At(1000000), 1e-2, 'float32 angle error at 1e6');
    assert.ok(await num(page, '#prec-bf16pos') > 0.1);
    await act(page, 'fig-error', () => page.selectOption('#c-ppos', '1000'));
    close(await num(page, '#prec-f32'), await f32At(1000), 1e-2, 'float32 angle error at 1000');
    await act(page, 'fig-error', () => page.selectOption('#c-ppos', '2147483647'));
    assert.ok(await num(page, '#prec-kernel') < 1e-6, 'kernel at int32 max');
    const rows = (await table(page, 'fig-error')).rows;
    assert.ok(rows.length >= 40);
    for (const r of rows) assert.ok(Number(r['wasm kernel (float32 out)']) < 1e-6, `kernel error at ${r.position}`);
    assert.ok(Number(rows.at(-1)['float32 angles (sim.)']) > 0.1, 'float32 angles fail at 2^31');
  });

  it('7. layout: the wrong-pairing toggle breaks the relative property; partial rotary passes channels through', async () => {
    assert.ok(await num(page, '#layout-spread') < 1e-5);
    await act(page, 'fig-wrong', () => page.check('#c-wrong'));
    assert.ok(await num(page, '#layout-spread') > 1e-2);
    assert.match(await caption(page, 'fig-wrong'), /broken/);
    assert.equal((await table(page, 'fig-wrong')).head.length, 3);
    await act(page, 'fig-partial', () => page.selectOption('#c-rot', '32'));
    const t = await table(page, 'fig-partial');
    for (const r of t.rows) {
      if (Number(r.channel) >= 32) {
        assert.equal(r.rotates, 'no (pass-through)');
        assert.equal(Number(r['|change|']), 0, `channel ${r.channel} unchanged`);
      }
    }
    assert.ok(t.rows.slice(0, 32).some((r) => Number(r['|change|']) > 0.01));
    assert.match(await caption(page, 'fig-pairing'), /32 pass-through channels/);
    await act(page, 'fig-plane', () => page.selectOption('#c-layout', 'interleaved'));
    const p = (await state(page)).pair;
    assert.match(await caption(page, 'fig-plane'), new RegExp(`channels ${2 * p} and ${2 * p + 1},`));
    await shoot(page, 'layout');
    await act(page, 'fig-wrong', () => page.uncheck('#c-wrong'));
  });

  it('8. RoPE vs sinusoidal: the additive score moves with position, RoPE does not', async () => {
    assert.ok(await num(page, '#sin-rope') < 1e-5);
    assert.ok(await num(page, '#sin-additive') > 0.1);
    const t = await table(page, 'fig-norms');
    for (const r of t.rows) assert.ok(Math.abs(Number(r['|R(m) x| RoPE (wasm)']) - Number(t.rows[0]['|R(m) x| RoPE (wasm)'])) < 1e-4);
  });

  it('9. benchmark: SIMD, baseline and plain JS in a Worker, with GB/s and ratios', async () => {
    await act(page, 'fig-bench', () => page.click('#c-bench'));
    const t = await table(page, 'fig-bench');
    const names = new Set(t.rows.map((r) => r.variant));
    assert.deepEqual([...names].sort(), ['plain JS', 'wasm SIMD', 'wasm baseline'].sort());
    for (const r of t.rows) assert.ok(Number(r['GB/s']) > 0 && Number(r.calls) > 0, `${r.variant} measured`);
    assert.match(await caption(page, 'fig-bench'), /SIMD is [\d.]+× the baseline build and [\d.]+× plain JS/);
    assert.match(await page.textContent('#bench-note'), /Timer resolution here: [\d.]+ µs/);
    assert.match(await page.textContent('#fig-bench [data-badge]'), /Worker/);
    await shoot(page, 'benchmark');
  });

  it('the copy-link button reports what it did', async () => {
    await page.click('#c-copy');
    await page.waitForFunction(() => document.getElementById('c-copy').textContent !== 'Copy link to this view');
  });

  it('the URL round-trips the full state', async () => {
    await page.click('.toc a[data-section="decay"]');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('section') === 'decay');
    await page.waitForTimeout(700); // let the scroll settle (the section follows what is on screen)
    const s = await state(page);
    assert.equal(s.section, 'decay');
    const url = await page.evaluate(() => location.href);
    assert.notEqual(new URL(url).search, '', 'state is in the URL');
    const other = await openPage({ url });
    assert.deepEqual(await state(other), s);
    for (const id of ['c-base', 'c-dim', 'c-rot', 'c-layout', 'c-seed', 'c-pos', 'c-text', 'c-ctx', 'c-range', 'c-ppos']) {
      assert.equal(await other.inputValue(`#${id}`), await page.inputValue(`#${id}`), id);
    }
    assert.deepEqual(await other.evaluate(() => window.ropeExplainer.results.shift.occurrences),
      await page.evaluate(() => window.ropeExplainer.results.shift.occurrences));
    await other.close();
  });

  it('a link to a section opens at that section', async () => {
    const other = await openPage({ url: `${URL_BASE}?section=precision&ppos=65536` });
    await other.waitForTimeout(800);
    const top = await other.$eval('#precision', (el) => el.getBoundingClientRect().top);
    assert.ok(Math.abs(top) < 200, `precision section at the top (top = ${top})`);
    assert.equal(await other.$eval('.toc a[data-section="precision"]', (a) => a.getAttribute('aria-current')), 'true');
    assert.equal(await other.inputValue('#c-ppos'), '65536');
    await other.close();
  });

  it('every control has a label', async () => {
    const unlabeled = await page.$$eval('input, select, textarea', (els) => els.filter((el) => !el.labels || el.labels.length === 0).map((el) => el.id));
    assert.deepEqual(unlabeled, []);
  });
});

describe('explainer page (reduced motion)', () => {
  it('Play steps once instead of animating', async () => {
    const page = await openPage({ reducedMotion: 'reduce' });
    assert.equal(await page.textContent('#c-play'), 'Step +1');
    const before = (await state(page)).pos.at(-1);
    await act(page, 'fig-plane', () => page.click('#c-play'));
    assert.equal((await state(page)).pos.at(-1), before + 1);
    await page.waitForTimeout(400);
    assert.equal((await state(page)).pos.at(-1), before + 1, 'no animation keeps going');
    await page.close();
  });
});

describe('explainer page (phone width, 375px)', () => {
  it('has no horizontal scroll and every figure fits', async () => {
    const page = await openPage({ width: 375, height: 800 });
    const { scrollWidth, clientWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
    assert.ok(scrollWidth <= clientWidth, `scrollWidth ${scrollWidth} > clientWidth ${clientWidth}`);
    const wide = await page.$$eval('[data-figure] svg', (svgs) => svgs.map((s) => s.getBoundingClientRect()).filter((r) => r.right > 375.5 || r.left < -0.5).length);
    assert.equal(wide, 0);
    await act(page, 'fig-bench', () => page.click('#c-bench'));
    for (const id of SECTIONS) await shoot(page, id);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
