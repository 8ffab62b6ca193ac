// Compiled with tsc --noEmit against the installed package: the hand-written .d.ts must
// describe the API as the tests use it (a type error here fails the package test).
import { loadRope, RopeError, simdSupported, type Rope, type RopeBuffer, type RopeConfig, type ApplyOptions } from 'rope-wasm';

async function main(): Promise<void> {
  const lib = await loadRope({ simd: 'auto', wasmUrl: new URL('https://example.invalid/') });
  const simd: boolean = lib.simd && simdSupported();
  const config: RopeConfig = { headDim: 128, rotaryDim: 64, base: 500000, layout: 'half' };
  const rope: Rope = lib.createRope(config);
  const buf: RopeBuffer = lib.alloc(128);
  const opts: ApplyOptions = { numHeads: 1, positions: new Int32Array([5]), order: 'token-major', inverse: false };
  rope.apply(buf, opts);
  rope.apply(new Float32Array(256), { numHeads: 2, positions: 3 });
  rope.applyQK(new Float32Array(256), buf, { numHeads: 2, numKvHeads: 1, positions: [7] });
  const f: Float64Array = rope.invFreq;
  const a: number = rope.attentionFactor + f[0] + lib.heapStats().bytesInUse;
  const view: Float32Array = buf.view();
  const pf = rope.frequencies({ seqLen: 4096 });
  const w: Float64Array = pf.wavelength;
  void [simd, a, view, w];
  buf.dispose();
  rope.dispose();
  try {
    lib.createRope({ headDim: 7 });
  } catch (e) {
    if (e instanceof RopeError) {
      const code: string = e.code;
      void code;
    }
  }
}
void main;
