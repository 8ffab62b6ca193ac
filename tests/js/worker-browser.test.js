// rope-wasm in browser module Workers (Debian's Chromium via playwright-core): a page on a
// local server starts two Workers that import dist/index.js; each loads the SIMD build,
// rotates a tensor (as a Float32Array and in a RopeBuffer) and posts it back. Skipped, with
// a note, only where /usr/bin/chromium is absent.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOLERANCE, maxAbs, maxAbsDiff, randomFloats, referenceRope } from './reference.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
// Only these folders are served.
const SERVED = ['dist/', 'tests/robustness/browser/'];

function serve() {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^\/+/, '');
    if (!SERVED.some((p) => path.startsWith(p)) || path.includes('..')) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(join(ROOT, path));
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe.skipIf(!existsSync(CHROMIUM))('browser module Workers (Chromium)', () => {
  let server;
  let browser; // a persistent BrowserContext
  let profile;
  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    server = await serve();
    profile = mkdtempSync(join(tmpdir(), 'rope-chromium-'));
    // A fresh profile each run (Playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: 30000,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
  }, 60000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('two Workers load the SIMD build and rotate like the float64 reference', async () => {
    const jobs = [
      { headDim: 128, numHeads: 4, positions: [0, 1, 1000, 2 ** 31 - 1, -5], layout: 'half', seed: 1 },
      { headDim: 64, numHeads: 2, positions: [7, 1_000_000, -(2 ** 31)], layout: 'interleaved', seed: 2 },
    ].map((j) => ({ ...j, x: Array.from(randomFloats(j.positions.length * j.numHeads * j.headDim, j.seed)) }));
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      const { port } = server.address();
      await page.goto(`http://127.0.0.1:${port}/tests/robustness/browser/index.html#${encodeURIComponent(JSON.stringify(jobs))}`);
      await page.waitForFunction(() => Array.isArray(window.ropeResults), null, { timeout: 30000 });
      const results = await page.evaluate(() => window.ropeResults);
      expect(errors).toEqual([]);
      expect(results.length).toBe(2);
      results.forEach((r, i) => {
        expect(r.ok, r.error).toBe(true);
        expect(r.simdSupported).toBe(true);
        expect(r.simd).toBe(true);
        const job = jobs[i];
        const x0 = Float32Array.from(job.x);
        const ref = referenceRope(x0, { headDim: job.headDim, layout: job.layout, invFreq: Float64Array.from(r.invFreq),
          numHeads: job.numHeads, positions: job.positions });
        expect(maxAbsDiff(r.y, ref)).toBeLessThanOrEqual(TOLERANCE * maxAbs(x0));
        expect(r.z).toEqual(r.y); // the RopeBuffer path gives the same bits
        expect(r.heap.bytesInUse).toBeGreaterThan(0);
      });
    } finally {
      await page.close();
    }
  }, 90000);
});
