// Unit tests of the explainer page's own logic (web/src), run in Node.
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  resolve: { alias: { 'rope-wasm': fileURLToPath(new URL('../../dist/index.js', import.meta.url)) } },
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['tests/web/**/*.test.js'],
    testTimeout: 60000,
    hookTimeout: 60000,
    pool: 'forks',
  },
});
