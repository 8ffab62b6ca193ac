#!/usr/bin/env node
// examples/browser-worker as a user gets it: npm pack the repository (the package as
// published), copy the example into an empty folder, npm install the tarball there, build
// it with Vite (the repository's node_modules/.bin/vite, run in that folder, so `rope-wasm`
// resolves from the folder's own node_modules like in a user's app), serve the build on
// 127.0.0.1, open it in Debian's Chromium (playwright-core) and check:
//   - both .wasm builds were emitted as assets, the worker as its own chunk;
//   - the page's rotated tensors equal a float64 RoPE computed here (3e-7 x max|x|, the
//     package's stated precision), the worker ran the SIMD build, the page's buffers were
//     transferred (detached) rather than copied;
//   - no console error, no page error, no request leaving the origin.
// Usage: node tests/examples/browser-worker.mjs [--serve]   (--serve: keep serving, print the URL)
// Exits 0 when all holds; skips (exit 0, with a note) only where /usr/bin/chromium is absent.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../bench/run-browser.js';
import { serve } from '../bench/static-server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const TOLERANCE = 3e-7; // x max|x|: the package's stated precision (README "Precision")
const keepServing = process.argv.includes('--serve');
const log = (m) => console.log(`browser-worker: ${m}`);
const failures = [];
const check = (ok, what) => {
  if (!ok) failures.push(what);
  log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
};

if (!existsSync(CHROMIUM)) {
  log(`SKIPPED: ${CHROMIUM} not found`);
  process.exit(0);
}

// ---- float64 reference: Hugging Face's x * cos + rotate_half(x) * sin (half layout), or
// pairs (2i, 2i+1) (interleaved); default or linear frequencies.
function referenceRope(x, { headDim, base = 10000, layout = 'half', scaling = null }, { numHeads, positions }, tokens) {
  const half = headDim / 2;
  const factor = scaling?.type === 'linear' ? scaling.factor : 1;
  if (scaling && scaling.type !== 'linear') throw new Error('reference: only linear scaling');
  const inv = Array.from({ length: half }, (_, i) => 1 / base ** ((2 * i) / headDim) / factor);
  const pos = typeof positions === 'number' ? Array.from({ length: tokens }, (_, t) => positions + t) : positions;
  const y = new Float64Array(x.length);
  for (let t = 0; t < tokens; t++) {
    for (let h = 0; h < numHeads; h++) {
      const o = (t * numHeads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const c = Math.cos(pos[t] * inv[i]);
        const s = Math.sin(pos[t] * inv[i]);
        const [a, b] = layout === 'half' ? [o + i, o + i + half] : [o + 2 * i, o + 2 * i + 1];
        y[a] = x[a] * c - x[b] * s;
        y[b] = x[b] * c + x[a] * s;
      }
    }
  }
  return y;
}

const work = mkdtempSync(join(tmpdir(), 'rope-browser-worker-'));
let server;
let context;
try {
  // ---- the app, as a user has it: the example's files + the package from npm
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop();
  const app = join(work, 'app');
  cpSync(join(ROOT, 'examples/browser-worker'), app, { recursive: true, filter: (src) => !/(node_modules|[/\\]dist)$/.test(src) });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'browser-worker-example', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund', '--prefer-offline', join(work, tarball)], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'] });
  log(`installed ${tarball} into ${app}`);
  execFileSync(join(ROOT, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: app, stdio: ['ignore', 'inherit', 'inherit'] });
  const assets = readdirSync(join(app, 'dist/assets'));
  check(assets.some((f) => /^rope-simd-.*\.wasm$/.test(f)) && assets.some((f) => /^rope-baseline-.*\.wasm$/.test(f)),
    `vite build emitted both .wasm builds (${assets.filter((f) => f.endsWith('.wasm')).join(', ')})`);
  check(assets.some((f) => /^worker-.*\.js$/.test(f)), 'vite build emitted the worker as its own module chunk');

  // ---- serve and open
  server = await serve(join(app, 'dist'));
  const origin = new URL(server.url).origin;
  const profile = join(work, 'profile');
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const foreign = [];
  const requests = [];
  // Every request of the page and its Worker: record, and refuse any to another origin.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    requests.push(url);
    if (new URL(url).origin !== origin) {
      foreign.push(url);
      return route.abort();
    }
    return route.continue();
  });
  context.on('request', (r) => {
    if (!r.url().startsWith('data:') && new URL(r.url()).origin !== origin) foreign.push(r.url());
  });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('worker', (w) => w.on('console', (m) => { if (m.type() === 'error') errors.push(`worker console: ${m.text()}`); }));
  await page.goto(`${server.url}index.html`);
  await page.waitForFunction(() => window.ropeExample, null, { timeout: 60000 });
  const result = await page.evaluate(() => window.ropeExample);
  const shown = await page.textContent('#status');
  check(result.ok, `the page finished (${result.ok ? shown : result.error})`);
  if (result.ok) {
    for (const r of result.results) {
      const { headDim } = r.config;
      const heads = [r.options.numHeads, r.options.numKvHeads];
      let worst = 0;
      r.inputs.forEach((x, i) => {
        const ref = referenceRope(x, r.config, { ...r.options, numHeads: heads[i] }, r.tokens);
        const maxX = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        const err = r.outputs[i].reduce((m, v, j) => Math.max(m, Math.abs(v - ref[j])), 0) / maxX;
        worst = Math.max(worst, err);
      });
      check(r.outputs.length === r.inputs.length && r.outputs.every((o, i) => o.length === r.inputs[i].length && o.length === r.tokens * heads[i] * headDim),
        `${r.op}: ${r.outputs.length} tensor(s) came back whole`);
      check(worst <= TOLERANCE, `${r.op} ${JSON.stringify(r.options)}: max |y - y_f64| / max|x| = ${worst.toExponential(2)} (<= ${TOLERANCE})`);
      check(r.detached === true, `${r.op}: the page's ArrayBuffers were transferred (detached), not copied`);
      check(r.simd === true, `${r.op}: the worker ran the SIMD build`);
    }
  }
  const wasm = requests.filter((u) => u.endsWith('.wasm'));
  check(wasm.length === 1 && /rope-simd-/.test(wasm[0]), `one .wasm fetched, the SIMD build (${wasm.map((u) => u.slice(origin.length)).join(', ')})`);
  check(errors.length === 0, `no console or page errors${errors.length ? `: ${errors.join('; ')}` : ''}`);
  check(foreign.length === 0, `no request left ${origin} (${requests.length} requests${foreign.length ? `; foreign: ${foreign.join(', ')}` : ''})`);
  if (keepServing) {
    await context.close();
    context = null;
    log(`serving ${server.url}index.html until Ctrl-C`);
    await new Promise(() => {});
  }
} finally {
  await context?.close();
  await server?.close();
  rmSync(work, { recursive: true, force: true });
}
if (failures.length) {
  log(`FAILED: ${failures.length} check(s)`);
  process.exit(1);
}
log('all checks passed');
