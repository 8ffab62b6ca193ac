// Run from an empty folder where the packed tarball is installed: imports the package
// by name, as a user would, and checks a rotation.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { RopeError, configFromGGUF, loadRope } from 'rope-wasm';

const lib = await loadRope();
assert.equal(lib.simd, true);
const rope = lib.createRope({ headDim: 4, layout: 'interleaved' });
const x = new Float32Array([1, 0, 1, 0]);
rope.apply(x, { numHeads: 1, positions: 3 });
assert.ok(Math.abs(x[0] - Math.cos(3)) < 1e-6 && Math.abs(x[1] - Math.sin(3)) < 1e-6);
assert.ok(Math.abs(x[2] - Math.cos(0.03)) < 1e-6 && Math.abs(x[3] - Math.sin(0.03)) < 1e-6);
assert.throws(() => lib.createRope({ headDim: 3 }), (e) => e instanceof RopeError && e.code === 'HEAD_DIM_INVALID');
const base = await loadRope({ simd: false });
assert.equal(base.simd, false);
rope.dispose();
// The builds as exported files: either loads with simd 'auto', the other build than a boolean
// simd asks for is refused.
const require = createRequire(import.meta.url);
const baselineBytes = await readFile(require.resolve('rope-wasm/rope-baseline.wasm'));
assert.equal((await loadRope({ wasmBinary: baselineBytes })).simd, false);
await assert.rejects(loadRope({ wasmBinary: baselineBytes, simd: true }), (e) => e instanceof RopeError && e.code === 'WASM_INVALID');
// With the @huggingface/gguf the tarball installs: a local path gets rope-wasm's advice.
await assert.rejects(configFromGGUF('./model.gguf'),
  (e) => e instanceof RopeError && e.argument === 'source' && e.message.includes('fs.openAsBlob') && !e.message.includes('allowLocalFile'));
console.log('package consumer: ok (simd and baseline builds load from the installed tarball)');
