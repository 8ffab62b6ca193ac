// The examples as tests (tests/examples/*.test.js): npx vitest run --config tests/examples/vitest.config.js
// `rope-wasm` resolves to the repository's own package (package.json "exports" -> dist/), as
// Node's self-reference resolves it when the example runs as a script.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['tests/examples/**/*.test.js'],
    testTimeout: 120000,
    hookTimeout: 120000,
    pool: 'forks',
  },
});
