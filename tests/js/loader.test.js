// loadRope's ways of finding the wasm: default (beside the JS), wasmUrl, wasmBinary,
// wasmModule; the SIMD choice; and clear errors for what is not a wasm.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { RopeError, loadRope, simdSupported } from '../../dist/index.js';

const distUrl = new URL('../../dist/', import.meta.url);

async function rotateOne(lib) {
  const rope = lib.createRope({ headDim: 2 });
  const x = new Float32Array([1, 0]);
  rope.apply(x, { numHeads: 1, positions: 1 });
  rope.dispose();
  return x;
}

describe('loadRope', () => {
  it("'auto' picks SIMD where the engine supports it (Node 20 does)", async () => {
    expect(simdSupported()).toBe(true);
    const lib = await loadRope();
    expect(lib.simd).toBe(true);
    expect(Array.from(await rotateOne(lib))).toEqual([Math.fround(Math.cos(1)), Math.fround(Math.sin(1))]);
  });

  it('wasmUrl: a file URL, and a folder URL ending in /', async () => {
    const a = await loadRope({ simd: false, wasmUrl: new URL('rope-baseline.wasm', distUrl) });
    expect(a.simd).toBe(false);
    const b = await loadRope({ wasmUrl: distUrl.href });
    expect(b.simd).toBe(true);
  });

  it('a relative wasmUrl resolves against the working directory in Node', async () => {
    const cwd = process.cwd();
    try {
      process.chdir(new URL('../..', import.meta.url).pathname);
      const lib = await loadRope({ wasmUrl: './dist/' });
      expect(lib.simd).toBe(true);
    } finally {
      process.chdir(cwd);
    }
  });

  it('wasmBinary (ArrayBuffer or Uint8Array) and wasmModule; simd reports the build given', async () => {
    const bytes = await readFile(new URL('rope-baseline.wasm', distUrl));
    const a = await loadRope({ wasmBinary: new Uint8Array(bytes) });
    expect(a.simd).toBe(false);
    const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const b = await loadRope({ wasmBinary: ab });
    expect(b.simd).toBe(false);
    const mod = await WebAssembly.compile(await readFile(new URL('rope-simd.wasm', distUrl)));
    const c = await loadRope({ wasmModule: mod });
    expect(c.simd).toBe(true);
    expect(await rotateOne(c)).toEqual(await rotateOne(a));
  });

  it('a wasmBinary / wasmModule / wasmUrl of the other build than simd: true | false asks for is a RopeError', async () => {
    const builds = {
      simd: new Uint8Array(await readFile(new URL('rope-simd.wasm', distUrl))),
      baseline: new Uint8Array(await readFile(new URL('rope-baseline.wasm', distUrl))),
    };
    const named = { simd: 'the SIMD build (rope-simd.wasm)', baseline: 'the baseline build (rope-baseline.wasm, no SIMD)' };
    for (const [given, simd] of [['baseline', true], ['simd', false]]) {
      const want = simd ? 'rope-simd.wasm' : 'rope-baseline.wasm';
      const sources = [
        ['wasmBinary', builds[given]],
        ['wasmModule', await WebAssembly.compile(builds[given])],
        ['wasmUrl', new URL(`rope-${given}.wasm`, distUrl)],
      ];
      for (const [argument, value] of sources) {
        const err = await loadRope({ [argument]: value, simd }).catch((e) => e);
        expect(err).toBeInstanceOf(RopeError);
        expect(err).toMatchObject({ code: 'WASM_INVALID', argument });
        expect(err.value).toBe(value);
        expect(err.message).toContain(`${argument} is ${named[given]} but options.simd is ${simd}: pass ${want}, or simd: 'auto'`);
      }
      // The build it asks for loads; with 'auto' (or no simd) either does, and lib.simd says which runs.
      expect((await loadRope({ wasmBinary: builds[given], simd: !simd })).simd).toBe(!simd);
      expect((await loadRope({ wasmBinary: builds[given], simd: 'auto' })).simd).toBe(given === 'simd');
      const lib = await loadRope({ wasmModule: await WebAssembly.compile(builds[given]) });
      expect(lib.simd).toBe(given === 'simd');
      expect(Array.from(await rotateOne(lib))).toEqual([Math.fround(Math.cos(1)), Math.fround(Math.sin(1))]);
    }
  });

  it('an HTML page where the wasm should be is a clear RopeError', async () => {
    const html = new TextEncoder().encode('<!doctype html><html></html>');
    await expect(loadRope({ wasmBinary: html })).rejects.toMatchObject({
      name: 'RopeError', code: 'WASM_INVALID', message: expect.stringContaining('3c 21 64 6f'),
    });
  });

  it('a missing file and bad options are RopeErrors', async () => {
    await expect(loadRope({ wasmUrl: new URL('nope.wasm', distUrl) })).rejects.toMatchObject({ code: 'WASM_LOAD_FAILED', message: expect.stringContaining('nope.wasm') });
    await expect(loadRope({ simd: 'yes' })).rejects.toMatchObject({ code: 'INVALID_TYPE', message: expect.stringContaining('options.simd') });
    await expect(loadRope({ wasmBinary: 'abc' })).rejects.toMatchObject({ code: 'INVALID_TYPE' });
    await expect(loadRope({ wasmModule: {} })).rejects.toMatchObject({ code: 'INVALID_TYPE' });
    await expect(loadRope({ wasmPath: 'x' })).rejects.toBeInstanceOf(RopeError);
  });

  it('two library instances are independent', async () => {
    const a = await loadRope();
    const b = await loadRope();
    const ra = a.createRope({ headDim: 4 });
    const bufB = b.alloc(4);
    expect(() => ra.apply(bufB, { numHeads: 1 })).toThrow(/another rope-wasm library/);
    ra.dispose();
    bufB.dispose();
  });
});
