// Benchmark cases for memory safety and bounded memory (Node; printed by bench.js):
// - the cost of checking a heap view at decode (a RopeBuffer, a view of one, a subarray);
// - peak wasm memory of applyQK on Float32Arrays at prefill (Llama-3.1-8B geometry, 16K and
//   64K tokens), against two apply calls: the copying path's scratch is bounded, so both
//   stay at the same figure whatever the length;
// - one longrope rope serving two sequences on either side of its original context
//   (Phi-3.5: positions 1000+i and 6000+i, alternating per call) against one sequence.
import { timeIt, timePair } from './bench-cases.js';

const MiB = 2 ** 20;

// A decode-style loop: call i at position start + floor(i / 32), wrapping after 1024.
function decodeLoop(start, call) {
  let k = 0;
  let pos = start;
  return () => {
    call(pos);
    if (++k === 32) {
      k = 0;
      pos = pos === start + 1023 ? start : pos + 1;
    }
  };
}

export async function runSafetyCases({ makeLib, log = () => {} }) {
  const rows = [];

  // Heap-view checks at decode: 1 token x 32 heads x 128 at position 4096.
  {
    log('heap views at decode');
    const lib = await makeLib();
    const rope = lib.createRope({ headDim: 128, base: 500000 });
    const buf = lib.alloc(32 * 128);
    buf.view().fill(0.5);
    // Other live buffers, as a runtime's KV cache has them (the lookup is a binary search).
    const others = Array.from({ length: 64 }, () => lib.alloc(8 * 128));
    const o = { numHeads: 32, positions: 4096 };
    const bufMs = timeIt(decodeLoop(4096, (p) => { o.positions = p; rope.apply(buf, o); }));
    const view = buf.view();
    const viewMs = timeIt(decodeLoop(4096, (p) => { o.positions = p; rope.apply(view, o); }));
    const sub = view.subarray(0, 16 * 128);
    const o16 = { numHeads: 16, positions: 4096 };
    const subMs = timeIt(decodeLoop(4096, (p) => { o16.positions = p; rope.apply(sub, o16); }));
    rows.push({ case: 'decode, RopeBuffer', value: bufMs * 1e6, unit: 'ns/call' });
    rows.push({ case: 'decode, view() of a RopeBuffer (checked: inside one live buffer)', value: viewMs * 1e6, unit: 'ns/call' });
    rows.push({ case: 'decode, subarray of a view (16 heads)', value: subMs * 1e6, unit: 'ns/call' });
    for (const b of others) b.dispose();
    buf.dispose();
    rope.dispose();
  }

  // Peak wasm memory of the copying path at prefill.
  for (const tokens of [16384, 65536]) {
    log(`copying path peak memory, ${tokens} tokens`);
    const q = new Float32Array(tokens * 32 * 128).fill(0.5);
    const k = new Float32Array(tokens * 8 * 128).fill(0.5);
    const scaling = { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 };
    const peak = async (run) => {
      const lib = await makeLib();
      const rope = lib.createRope({ headDim: 128, base: 500000, scaling });
      const t0 = performance.now();
      run(rope);
      const ms = performance.now() - t0;
      const bytes = lib.heapStats().memoryBytes;
      rope.dispose();
      return { bytes, ms };
    };
    const qk = await peak((rope) => rope.applyQK(q, k, { numHeads: 32, numKvHeads: 8, positions: 0 }));
    const two = await peak((rope) => {
      rope.apply(q, { numHeads: 32, positions: 0 });
      rope.apply(k, { numHeads: 8, positions: 0 });
    });
    rows.push({ case: `applyQK, Float32Array q and k, ${tokens / 1024}K tokens (${((q.length + k.length) * 4 / MiB).toFixed(0)} MiB): peak wasm memory`, value: qk.bytes / MiB, unit: 'MiB', ms: qk.ms });
    rows.push({ case: `two apply calls, the same tensors: peak wasm memory`, value: two.bytes / MiB, unit: 'MiB', ms: two.ms });
  }

  // longrope alternating between its two regimes.
  {
    log('longrope, alternating regimes');
    const lib = await makeLib();
    const n = 48; // Phi-3.5-mini: headDim 96, 32 heads
    const scaling = {
      type: 'longrope', originalMaxPositionEmbeddings: 4096, maxPositionEmbeddings: 131072,
      shortFactor: Array.from({ length: n }, (_, i) => 1 + i / 47), longFactor: Array.from({ length: n }, (_, i) => 1 + i),
    };
    const rope = lib.createRope({ headDim: 96, scaling });
    const buf = lib.alloc(32 * 96);
    buf.view().fill(0.5);
    const a = { numHeads: 32, positions: 1000 };
    const b = { numHeads: 32, positions: 6000 };
    let i = 0;
    const single = decodeLoop(1000, (p) => { a.positions = p; rope.apply(buf, a); });
    const alternating = () => {
      const o = (i & 1) === 0 ? a : b;
      o.positions = ((i & 1) === 0 ? 1000 : 6000) + ((i >> 6) & 1023);
      i++;
      rope.apply(buf, o);
    };
    const pair = timePair(alternating, single);
    rows.push({ case: 'longrope, one sequence (positions 1000+i)', value: pair.bMs * 1e6, unit: 'ns/call' });
    rows.push({ case: 'longrope, two sequences alternating (1000+i, 6000+i)', value: pair.aMs * 1e6, unit: 'ns/call', ratio: pair.ratio });
    rows.push({ case: 'longrope cos/sin cache with both regimes', value: rope.cacheBytes / 1024, unit: 'KiB' });
    buf.dispose();
    rope.dispose();
  }
  return rows;
}
