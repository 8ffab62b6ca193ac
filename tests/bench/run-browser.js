// Runs the benchmark cases in Debian's Chromium (headless, driven by playwright-core).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from './static-server.js';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];

export async function runInChromium({ timeoutMs = 15 * 60 * 1000, mropeOnly = false } = {}) {
  const server = await serve();
  const profile = await mkdtemp(join(tmpdir(), 'rope-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS,
  });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${server.url}tests/bench/browser.html${mropeOnly ? '?mrope-only' : ''}`);
    await page.waitForFunction(() => window.__benchResult, null, { timeout: timeoutMs, polling: 500 });
    const result = await page.evaluate(() => window.__benchResult);
    if (result.error) throw new Error(`benchmark failed in Chromium: ${result.error}`);
    if (errors.length) throw new Error(`page errors in Chromium: ${errors.join('; ')}`);
    return result;
  } finally {
    await context.close();
    await server.close();
    await rm(profile, { recursive: true, force: true });
  }
}
