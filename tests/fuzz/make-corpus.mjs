// Writes the seed corpus tests/fuzz/corpus/seed-NN deterministically (xorshift32 bytes, with
// a few hand-set leading bytes that steer rope_fuzz.cpp's decoder toward each entry point).
// Re-running it rewrites the same files: node tests/fuzz/make-corpus.mjs
import { mkdirSync, writeFileSync } from 'node:fs';

const dir = new URL('./corpus/', import.meta.url);
mkdirSync(dir, { recursive: true });
const sizes = [16, 48, 96, 160, 256, 384, 512, 768, 1024, 2048, 96, 300];
sizes.forEach((n, k) => {
  let s = (0x9e3779b9 ^ (k * 0x85ebca6b)) >>> 0 || 1;
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    bytes[i] = s & 0xff;
  }
  writeFileSync(new URL(`seed-${String(k).padStart(2, '0')}`, dir), bytes);
});
console.log(`wrote ${sizes.length} seeds to ${dir.pathname}`);
