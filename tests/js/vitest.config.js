import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['tests/js/**/*.test.js'],
    testTimeout: 60000,
    hookTimeout: 60000,
    pool: 'forks',
  },
});
