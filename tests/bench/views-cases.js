// Benchmark cases for tensors as runtimes hold them (Node and Chromium run this module):
// every row a pair timed in alternating samples, zero-copy RopeBuffers, SIMD build.
//   16-bit: fp16 / bf16 prefill (2048 x 32 x 128) and decode (1 x 32 x 128) against float32,
//           and against the in-place 16-bit streaming pass over the same buffer (the ceiling);
//   fused:  applyQKV on [T, (32 + 2*8) * 128] against applyQK on separate q and k;
//   MLA:    the 64-channel slice of 192-channel heads against a contiguous 64-channel tensor;
//   batch:  [4, 32, 512, 128] with a start per sequence against one head-major call;
//   shift:  a 4096-token KV cache (8 heads x 128) moved by 512 positions against one apply.
// "floor": the same comparison for the work a row cannot avoid, without the rotation (the
// 16-bit conversions; a streaming pass over a strided view's elements): no kernel can beat it.
import { timePair } from './bench-cases.js';

function fill(view, seed) {
  let s = seed >>> 0;
  for (let i = 0; i < view.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    view[i] = view instanceof Uint16Array ? 0x3c00 + (s & 0x3ff) : s / 2147483648 - 1;
  }
}

export async function runViewCases({ makeLib, log = () => {} }) {
  const rows = [];
  const lib = await makeLib();
  const rope = lib.createRope({ headDim: 128, base: 500000 });
  for (const size of [{ name: 'prefill', tokens: 2048 }, { name: 'decode', tokens: 1 }]) {
    const n = size.tokens * 32 * 128;
    const f32 = lib.alloc(n);
    fill(f32.view(), 1);
    const opts = { numHeads: 32, positions: 4096 };
    for (const dtype of ['bfloat16', 'float16']) {
      log(`views: ${dtype} ${size.name}`);
      const b = lib.alloc(n, { dtype });
      fill(b.view(), 2);
      const pair = timePair(() => rope.apply(b, opts), () => rope.apply(f32, opts));
      // The ceiling: the 16-bit streaming pass (widen, x*a + b, round back) over the same
      // buffer, the conversions a 16-bit rotation needs over the same bytes.
      const ceil = timePair(() => rope.apply(b, opts), () => lib._streamPass(b, 0.999, 0.001));
      // The floor of the ratio: that 16-bit pass alone (no rotation) against the float32 call.
      const floor = timePair(() => lib._streamPass(b, 0.999, 0.001), () => rope.apply(f32, opts));
      rows.push({ case: `${dtype} ${size.name} ${size.tokens} x 32 x 128 / float32`, ratio: pair.ratio, aMs: pair.aMs, bMs: pair.bMs,
        target: size.name === 'prefill' ? (dtype === 'bfloat16' ? 0.65 : 0.75) : 1.6, ceiling: ceil.bMs / ceil.aMs,
        floor: floor.ratio, floorWhat: 'the 16-bit stream pass alone / the float32 call' });
      b.dispose();
    }
    f32.dispose();
  }
  for (const size of [{ name: 'prefill', tokens: 2048 }, { name: 'decode', tokens: 1 }]) {
    log(`views: applyQKV ${size.name}`);
    const T = size.tokens;
    const fused = lib.alloc(T * 48 * 128);
    fill(fused.view(), 3);
    const q = lib.alloc(T * 32 * 128);
    const k = lib.alloc(T * 8 * 128);
    fill(q.view(), 4);
    fill(k.view(), 5);
    const o = { numHeads: 32, numKvHeads: 8, positions: 100 };
    const pair = timePair(() => rope.applyQKV(fused, o), () => rope.applyQK(q, k, o));
    const row = { case: `applyQKV fused ${size.name} (${T} tokens) / applyQK on separate q, k`, ratio: pair.ratio, aMs: pair.aMs, bMs: pair.bMs, target: 1.1 };
    if (T > 1) {
      // The floor at prefill: a streaming pass over the same q and k heads of the fused buffer
      // (40 of each token's 48 heads) against the streaming passes over separate q and k.
      const runs = { offset: 0, runs: T, runLength: 40 * 128, stride: 48 * 128 };
      const floor = timePair(() => lib._streamPassStrided(fused, runs, 0.999, 0.001), () => {
        lib._streamPass(q, 0.999, 0.001);
        lib._streamPass(k, 0.999, 0.001);
      });
      Object.assign(row, { floor: floor.ratio, floorWhat: 'a stream pass over the same elements / over contiguous q and k' });
    }
    rows.push(row);
    fused.dispose();
    q.dispose();
    k.dispose();
  }
  {
    log('views: MLA slice');
    const mla = lib.createRope({ headDim: 64 });
    const T = 2048;
    const heads = 16;
    const wide = lib.alloc(T * heads * 192);
    const slim = lib.alloc(T * heads * 64);
    fill(wide.view(), 6);
    fill(slim.view(), 7);
    const ow = { numHeads: heads, offset: 128, headStride: 192, numTokens: T, positions: 0 };
    const os = { numHeads: heads, positions: 0 };
    const pair = timePair(() => mla.apply(wide, ow), () => mla.apply(slim, os));
    // The floor: a streaming pass over the same 64-of-192 elements against one over the
    // contiguous tensor (what the memory system charges for the stride alone).
    const runs = { offset: 128, runs: T * heads, runLength: 64, stride: 192 };
    const floor = timePair(() => lib._streamPassStrided(wide, runs, 0.999, 0.001), () => lib._streamPass(slim, 0.999, 0.001));
    rows.push({ case: `MLA slice (64 of 192 channels, ${T} x ${heads}) / contiguous 64-channel tensor`, ratio: pair.ratio, aMs: pair.aMs, bMs: pair.bMs, target: 1.15,
      floor: floor.ratio, floorWhat: 'a stream pass over the same elements / over the contiguous tensor' });
    wide.dispose();
    slim.dispose();
    mla.dispose();
  }
  {
    log('views: batch');
    const B = 4;
    const S = 512;
    const x = lib.alloc(B * 32 * S * 128);
    fill(x.view(), 8);
    const ob = { numHeads: 32, order: 'head-major', batch: B, positions: [0, 100, 200, 300] };
    const oh = { numHeads: 32, order: 'head-major', positions: 0 };
    const pair = timePair(() => rope.apply(x, ob), () => rope.apply(x, oh));
    rows.push({ case: `[4, 32, 512, 128] batch, a start per sequence / one head-major call of the same bytes`, ratio: pair.ratio, aMs: pair.aMs, bMs: pair.bMs, target: 1.05 });
    x.dispose();
  }
  {
    log('views: shift');
    const T = 4096;
    const kc = lib.alloc(T * 8 * 128);
    fill(kc.view(), 9);
    const os = { numHeads: 8, fromPositions: 512, toPositions: 0 };
    const oa = { numHeads: 8, positions: 0 };
    const pair = timePair(() => rope.shift(kc, os), () => rope.apply(kc, oa));
    rows.push({ case: `shift of a ${T}-token KV cache (8 x 128) / one apply over it`, ratio: pair.ratio, aMs: pair.aMs, bMs: pair.bMs, target: 1.3 });
    kc.dispose();
  }
  rope.dispose();
  return rows;
}
