// M-RoPE benchmark cases (Node and Chromium run this module): each M-RoPE call against 1-D
// RoPE on the same tensor, in paired samples, zero-copy RopeBuffers, SIMD build.
//   prefill: Qwen2-VL geometry, 2048 tokens x 28 heads x 128, a prompt of text, a 56 x 56
//            patch image (784 tokens) and a 4-frame video, positions from mropePositions;
//   decode:  one token x 28 heads at the position after that prompt, given as HF's decode
//            step gives it (a number: every stream equal) and as an explicit 3-stream list;
//   vision:  the vision tower's 2-D RoPE, 1024 patches x 16 heads x 80, visionPositions.
import { timePair } from './bench-cases.js';

function fill(buf, seed) {
  const v = buf.view();
  let s = seed >>> 0;
  for (let i = 0; i < v.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    v[i] = s / 2147483648 - 1;
  }
}

export async function runMropeCases({ makeLib, mropePositions, visionPositions, log = () => {} }) {
  const rows = [];
  const lib = await makeLib();
  // Prefill.
  {
    log('M-RoPE prefill');
    const segments = [{ text: 64 }, { image: [1, 56, 56] }, { text: 200 }, { video: [4, 28, 28] }];
    const used = mropePositions(segments, { model: 'qwen2-vl' }).positions.length / 3;
    segments.push({ text: 2048 - used });
    const { positions } = mropePositions(segments, { model: 'qwen2-vl' });
    const tokens = positions.length / 3;
    const m = lib.createRope({ headDim: 128, base: 1e6, mrope: { section: [16, 24, 24] } });
    const plain = lib.createRope({ headDim: 128, base: 1e6 });
    const buf = lib.alloc(tokens * 28 * 128);
    fill(buf, 1);
    const om = { numHeads: 28, positions };
    const op = { numHeads: 28, positions: 0 };
    const image = positions.reduce((n, p, i) => n + (i < tokens && (positions[i + tokens] !== p || positions[i + 2 * tokens] !== p) ? 1 : 0), 0);
    const pair = timePair(() => m.apply(buf, om), () => plain.apply(buf, op));
    rows.push({ case: `prefill ${tokens} x 28 x 128 (${image} image/video tokens)`, mropeMs: pair.aMs, plainMs: pair.bMs, ratio: pair.ratio, target: 1.1 });
    // Decode at the next position.
    log('M-RoPE decode');
    const next = mropePositions(segments, { model: 'qwen2-vl' }).nextPosition;
    const q = lib.alloc(28 * 128);
    fill(q, 2);
    const dn = { numHeads: 28, positions: next };
    const dl = { numHeads: 28, positions: Int32Array.from([next, next, next]) };
    const dp = { numHeads: 28, positions: next };
    const a = timePair(() => m.apply(q, dn), () => plain.apply(q, dp));
    rows.push({ case: 'decode 1 x 28 x 128, position as a number (every stream)', mropeMs: a.aMs, plainMs: a.bMs, ratio: a.ratio, target: 1.3 });
    const b = timePair(() => m.apply(q, dl), () => plain.apply(q, dp));
    rows.push({ case: 'decode 1 x 28 x 128, 3-stream Int32Array', mropeMs: b.aMs, plainMs: b.bMs, ratio: b.ratio, target: 1.3 });
    q.dispose();
    buf.dispose();
    m.dispose();
    plain.dispose();
  }
  // Vision tower.
  {
    log('M-RoPE vision');
    const pos = visionPositions([1, 32, 32]);
    const v = lib.createRope({ headDim: 80, base: 10000, mrope: { section: [20, 20], mode: 'vision' } });
    const plain = lib.createRope({ headDim: 80, base: 10000 });
    const buf = lib.alloc(1024 * 16 * 80);
    fill(buf, 3);
    const ov = { numHeads: 16, positions: pos };
    const op = { numHeads: 16, positions: 0 };
    const pair = timePair(() => v.apply(buf, ov), () => plain.apply(buf, op));
    rows.push({ case: 'vision 2-D, 1024 patches x 16 x 80', mropeMs: pair.aMs, plainMs: pair.bMs, ratio: pair.ratio, target: 1.15 });
    buf.dispose();
    v.dispose();
    plain.dispose();
  }
  return rows;
}
