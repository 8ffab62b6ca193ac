// Loads both wasm builds once per test file.
import { loadRope } from '../../dist/index.js';

export const BUILDS = ['simd', 'baseline'];

const cache = new Map();
export function loadBuild(name) {
  if (!cache.has(name)) cache.set(name, loadRope({ simd: name === 'simd' }));
  return cache.get(name);
}
