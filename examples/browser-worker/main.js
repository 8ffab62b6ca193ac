// The page: makes tensors, hands them to a module Worker running rope-wasm, gets them back.
// The tensors' ArrayBuffers go in postMessage's transfer list both ways, so nothing is
// copied between the threads (the page's arrays are detached while the Worker holds them).
// The results are shown in #result and left on window.ropeExample (the test reads them).

// Vite sees this pattern and bundles worker.js (and the rope-wasm it imports) as a module Worker.
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });

// mulberry32: deterministic inputs.
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const randomTensor = (n, seed) => {
  const r = prng(seed);
  return Float32Array.from({ length: n }, () => 2 * r() - 1);
};

// Two jobs: a prefill of q and k (Llama-3-style GQA, linear scaling) and one tensor rotated
// at scattered positions with apply (interleaved layout, GPT-J style).
export const JOBS = [
  {
    op: 'applyQK',
    config: { headDim: 128, base: 500000, scaling: { type: 'linear', factor: 4 } },
    options: { numHeads: 8, numKvHeads: 2, positions: 100 },
    tokens: 6,
    seed: 1,
  },
  {
    op: 'apply',
    config: { headDim: 64, base: 10000, layout: 'interleaved' },
    options: { numHeads: 4, positions: [0, 1, 1000, 65535, 1_000_000] },
    tokens: 5,
    seed: 2,
  },
];

let nextId = 0;
const pending = new Map();
worker.onmessage = ({ data }) => {
  const p = pending.get(data.id);
  pending.delete(data.id);
  if (data.error) p.reject(new Error(`worker: ${data.error}`));
  else p.resolve(data);
};
worker.onerror = (e) => {
  console.error('worker failed:', e.message);
  for (const p of pending.values()) p.reject(new Error(`worker failed: ${e.message}`));
  pending.clear();
};

/** Sends tensors to the worker (transferred, not copied); resolves with them rotated. */
function rotateInWorker(job, tensors) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ id, op: job.op, config: job.config, options: job.options, tensors },
      tensors.map((t) => t.buffer));
  });
}

async function run() {
  const results = [];
  for (const job of JOBS) {
    const { headDim } = job.config;
    const { numHeads, numKvHeads } = job.options;
    const tensors = [randomTensor(job.tokens * numHeads * headDim, job.seed)];
    if (job.op === 'applyQK') tensors.push(randomTensor(job.tokens * numKvHeads * headDim, job.seed + 100));
    const inputs = tensors.map((t) => Array.from(t)); // kept for display and checking
    const reply = rotateInWorker(job, tensors);
    const detached = tensors.every((t) => t.buffer.byteLength === 0); // transferred, not copied
    const { tensors: rotated, simd } = await reply;
    results.push({ ...job, inputs, outputs: rotated.map((t) => Array.from(t)), detached, simd });
  }
  return results;
}

const status = document.getElementById('status');
run().then(
  (results) => {
    window.ropeExample = { ok: true, results };
    status.textContent = `done: ${results.length} jobs rotated in the worker (${results[0].simd ? 'SIMD' : 'baseline'} build)`;
    document.getElementById('result').textContent = results
      .map((r) => `${r.op} ${JSON.stringify(r.options)}: q[0..3] ${r.inputs[0].slice(0, 4).map((v) => v.toFixed(4))} -> ${r.outputs[0].slice(0, 4).map((v) => v.toFixed(4))}`)
      .join('\n');
  },
  (e) => {
    window.ropeExample = { ok: false, error: String(e?.message ?? e) };
    status.textContent = `failed: ${e?.message ?? e}`;
    console.error(e);
  },
);
