// The Worker: loads rope-wasm once (the SIMD build where the browser has wasm SIMD; the .wasm
// is fetched from beside the bundled module), then rotates each tensor it is sent, in place,
// and transfers it back.
import { loadRope } from 'rope-wasm';

const libReady = loadRope();
const ropes = new Map(); // one Rope per config: its cos/sin table is reused across calls

self.onmessage = async ({ data: { id, op, config, options, tensors } }) => {
  try {
    const lib = await libReady;
    const key = JSON.stringify(config);
    if (!ropes.has(key)) ropes.set(key, lib.createRope(config));
    const rope = ropes.get(key);
    // Float32Arrays outside wasm memory: rope-wasm copies them in and out in bounded chunks.
    if (op === 'applyQK') rope.applyQK(tensors[0], tensors[1], options);
    else if (op === 'apply') rope.apply(tensors[0], options);
    else throw new Error(`unknown op ${op}`);
    self.postMessage({ id, tensors, simd: lib.simd }, tensors.map((t) => t.buffer));
  } catch (e) {
    self.postMessage({ id, error: `${e.name}: ${e.message}` });
  }
};
