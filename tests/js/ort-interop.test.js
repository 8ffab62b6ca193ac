// onnxruntime-web interop: caches from cosSinCache fed to onnxruntime's own rotary kernels
// (one-node models built in code, tests/js/ort-models.js) give what rope-wasm's apply gives.
//   - com.microsoft RotaryEmbedding and ai.onnx RotaryEmbedding (opset 23), float32 and
//     float16: both layouts, partial rotary, linear and yarn scaling (attention factor != 1),
//     longrope short and long tables, positions in any order;
//   - com.microsoft GroupQueryAttention with do_rotary = 1: present_key against keys rotated
//     by rope-wasm, and the attention output against softmax(q k^T / sqrt(D)) v computed here
//     (float64) from rope-wasm-rotated q and k, with GQA's head mapping and the causal mask,
//     for a first prompt and for a prompt after a past;
//   - what onnxruntime-web 1.30 does not run: bfloat16 (the exact errors are asserted).
// Expected values come from rope-wasm (apply / applyQK) and onnxruntime; the bounds are
// float32 (or float16) rounding bounds stated with each check.
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosSinCache } from '../../dist/cos-sin-cache.js';
import { toFloat16Bits } from '../../dist/f16.js';
import { loadBuild } from './builds.js';
import { contribRotaryModel, gqaModel, onnxRotaryModel } from './ort-models.js';
import { randomFloats } from './reference.js';

ort.env.wasm.numThreads = 1;

const U32 = 2 ** -24; // float32 unit roundoff
const U16 = 2 ** -11; // float16 unit roundoff

// float16 bits -> number (exact).
function f16Value(h) {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0x1f) return m ? NaN : s * Infinity;
  return e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
}

// Per element of a rotated tensor: |a|*|c| + |b|*|s| (the magnitude the rounding errors of
// a*c -+ b*s scale with), for the pair the element belongs to, and 0 for channels past
// rotaryDim (copied, never rounded).
function pairMagnitudes(x, { cos, sin }, { headDim, rotaryDim, layout, numHeads, positions }) {
  const R2 = rotaryDim / 2;
  const mag = new Float64Array(x.length);
  for (let t = 0; t < positions.length; t++) {
    for (let h = 0; h < numHeads; h++) {
      const o = (t * numHeads + h) * headDim;
      for (let i = 0; i < R2; i++) {
        const ia = layout === 'half' ? o + i : o + 2 * i;
        const ib = layout === 'half' ? o + i + R2 : o + 2 * i + 1;
        const c = Math.abs(cos[positions[t] * R2 + i]), s = Math.abs(sin[positions[t] * R2 + i]);
        const a = Math.abs(x[ia]), b = Math.abs(x[ib]);
        mag[ia] = a * c + b * s;
        mag[ib] = b * c + a * s;
      }
    }
  }
  return mag;
}

// The largest |diff| / bound of each check, printed once at the end (0: bit-identical).
const worstRatios = [];

// Checks |got - want| <= bound(i) everywhere; records the largest ratio (0 = identical).
function expectWithin(got, want, bound, what) {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    const b = bound(i);
    if (!(d <= b)) throw new Error(`${what}: element ${i}: onnxruntime ${got[i]}, rope-wasm ${want[i]}, |diff| ${d} > bound ${b}`);
    if (d > 0) worst = Math.max(worst, d / b);
  }
  worstRatios.push({ check: `${expect.getState().currentTestName} :: ${what}`, worst });
  return worst;
}

function shuffledPositions(n, maxPos, seed) {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s % maxPos;
  });
}

const ROTARY_CASES = [
  { name: 'default, half', config: { headDim: 32 }, length: 128 },
  { name: 'default, interleaved', config: { headDim: 32, layout: 'interleaved' }, length: 128 },
  { name: 'partial rotary 16 of 48, half', config: { headDim: 48, rotaryDim: 16, base: 500000 }, length: 128 },
  { name: 'partial rotary 16 of 48, interleaved', config: { headDim: 48, rotaryDim: 16, layout: 'interleaved' }, length: 128 },
  { name: 'linear x4', config: { headDim: 32, scaling: { type: 'linear', factor: 4 } }, length: 128 },
  { name: 'yarn x16, attention factor 1.277', config: { headDim: 64, scaling: { type: 'yarn', factor: 16, originalMaxPositionEmbeddings: 256 } }, length: 1024 },
  { name: 'yarn x4, interleaved, partial 32 of 64', config: { headDim: 64, rotaryDim: 32, layout: 'interleaved', scaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 128 } }, length: 512 },
  { name: 'longrope short table (seqLen <= original 64)', config: 'longrope', length: 64 },
  { name: 'longrope long table (seqLen > original 64)', config: 'longrope', length: 512 },
  // Dynamic NTK past its trained length: the table of one sequence length (200), used at it.
  { name: 'dynamic NTK, the table of seqLen 200 (> trained 64)', config: { headDim: 32, scaling: { type: 'dynamic', factor: 2, maxPositionEmbeddings: 64 } }, length: 200 },
];

function longropeConfig() {
  return {
    headDim: 32,
    scaling: {
      type: 'longrope', originalMaxPositionEmbeddings: 64, maxPositionEmbeddings: 1024,
      shortFactor: Array.from({ length: 16 }, (_, i) => 1 + i / 16),
      longFactor: Array.from({ length: 16 }, (_, i) => 2 + i / 4),
    },
  };
}

const OPS = [
  { op: 'com.microsoft RotaryEmbedding', model: contribRotaryModel, input: 'input', output: 'output' },
  { op: 'ai.onnx RotaryEmbedding (opset 23)', model: onnxRotaryModel, input: 'X', output: 'Y' },
];

let lib;
const sessions = [];
async function session(bytes) {
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  sessions.push(s);
  return s;
}
beforeAll(async () => {
  lib = await loadBuild('simd');
});
afterAll(async () => {
  for (const s of sessions) await s.release();
  const lines = worstRatios.map((r) => `${r.worst === 0 ? 'identical' : r.worst.toExponential(2).padStart(9)}  ${r.check}`);
  console.log(`largest |onnxruntime - rope-wasm| / bound per check:\n${lines.join('\n')}`);
});

describe.each(OPS)('$op', ({ model, input, output }) => {
  it.each(ROTARY_CASES)('float32 caches, $name: onnxruntime = rope.apply within float32 rounding', async ({ config, length }) => {
    const rope = lib.createRope(config === 'longrope' ? longropeConfig() : config);
    const numHeads = 3;
    const { headDim, rotaryDim, layout } = rope;
    const tables = cosSinCache(rope, { length }); // seqLen = length: the regime of this table
    const positions = shuffledPositions(37, length, 99);
    positions[0] = length - 1; // the last row is used
    const x = new Float32Array(randomFloats(positions.length * numHeads * headDim, 21));
    const want = x.slice();
    rope.apply(want, { numHeads, positions, seqLen: length });
    const s = await session(model({ type: 'float32', numHeads, headSize: headDim, rotaryDim, interleaved: layout === 'interleaved' }));
    const P = rotaryDim / 2;
    const out = await s.run({
      [input]: new ort.Tensor('float32', x, [1, positions.length, numHeads * headDim]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from(positions, BigInt), [1, positions.length]),
      cos_cache: new ort.Tensor('float32', tables.cos, [length, P]),
      sin_cache: new ort.Tensor('float32', tables.sin, [length, P]),
    });
    // Both compute a*c - b*s (b*c + a*s) in float32 from the same float32 c, s: each result
    // has at most three roundings (two products, one sum), so two such results differ by at
    // most 2 * 3u * (|a c| + |b s|) (u = 2^-24); channels past rotaryDim are copied (diff 0).
    const mag = pairMagnitudes(x, tables, { headDim, rotaryDim, layout, numHeads, positions });
    expectWithin(out[output].data, want, (i) => 6 * U32 * mag[i], 'float32');
    rope.dispose();
  });

  it.each(ROTARY_CASES.filter((c) => ['default, half', 'partial rotary 16 of 48, interleaved', 'yarn x16, attention factor 1.277', 'longrope long table (seqLen > original 64)'].includes(c.name)))(
    'float16 caches and input, $name: onnxruntime = rope.apply of the same float16 input within float16 rounding', async ({ config, length }) => {
      const rope = lib.createRope(config === 'longrope' ? longropeConfig() : config);
      const numHeads = 2;
      const { headDim, rotaryDim, layout } = rope;
      const t32 = cosSinCache(rope, { length });
      const t16 = cosSinCache(rope, { length, dtype: 'float16' });
      const positions = shuffledPositions(29, length, 5);
      const x32 = new Float32Array(randomFloats(positions.length * numHeads * headDim, 4));
      const x16 = toFloat16Bits(x32);
      const xq = Float32Array.from(x16, f16Value); // the float16 input, exactly, in float32
      const want = xq.slice();
      rope.apply(want, { numHeads, positions, seqLen: length });
      const s = await session(model({ type: 'float16', numHeads, headSize: headDim, rotaryDim, interleaved: layout === 'interleaved' }));
      const P = rotaryDim / 2;
      const out = await s.run({
        [input]: new ort.Tensor('float16', x16, [1, positions.length, numHeads * headDim]),
        position_ids: new ort.Tensor('int64', BigInt64Array.from(positions, BigInt), [1, positions.length]),
        cos_cache: new ort.Tensor('float16', t16.cos, [length, P]),
        sin_cache: new ort.Tensor('float16', t16.sin, [length, P]),
      });
      const got = Float64Array.from(out[output].data, f16Value);
      // The float16 caches are c, s each within u16 = 2^-11 relative of rope-wasm's float32
      // ones; onnxruntime's arithmetic (float16 or float32) adds up to 3 roundings of u16 on
      // a*c -+ b*s, and the float16 output one more of u16 * |y| (plus half the smallest
      // subnormal, 2^-25): |diff| <= 5 u16 (|a c| + |b s|) + 2^-25 covers all of them.
      const mag = pairMagnitudes(xq, t32, { headDim, rotaryDim, layout, numHeads, positions });
      expectWithin(got, want, (i) => 5 * U16 * mag[i] + 2 ** -25, 'float16');
      rope.dispose();
    });
});

describe('what onnxruntime-web 1.30 does not run', () => {
  it('bfloat16 caches: no bfloat16 kernel for RotaryEmbedding (either) or GroupQueryAttention on the wasm (CPU) provider', async () => {
    const args = { type: 'bfloat16', numHeads: 1, headSize: 8, rotaryDim: 8, interleaved: false };
    await expect(ort.InferenceSession.create(contribRotaryModel(args), { executionProviders: ['wasm'] }))
      .rejects.toThrow("Could not find an implementation for RotaryEmbedding(1) node with name 'node'");
    // ai.onnx RotaryEmbedding has no bfloat16 kernel either; onnxruntime expands it into its
    // function body, whose Mul has no bfloat16 kernel.
    await expect(ort.InferenceSession.create(onnxRotaryModel(args), { executionProviders: ['wasm'] }))
      .rejects.toThrow("Could not find an implementation for Mul(14) node with name ''");
    await expect(ort.InferenceSession.create(gqaModel({ ...args, kvHeads: 1, headSize: 16, rotaryDim: 16 }), { executionProviders: ['wasm'] }))
      .rejects.toThrow("Could not find an implementation for GroupQueryAttention(1) node with name 'node'");
  });
});

// ------------------------------------------------------------ GroupQueryAttention

// softmax(q k^T * scale) v per query head, in float64, over the keys j <= past + s (causal).
// q: [S, numHeads, D], keys / values: [kvHeads, T, D] (T = past + S), out: [S, numHeads, D].
function referenceAttention(q, keys, values, { S, past, numHeads, kvHeads, D }) {
  const T = past + S;
  const group = numHeads / kvHeads;
  const out = new Float64Array(S * numHeads * D);
  const scale = 1 / Math.sqrt(D);
  for (let s = 0; s < S; s++) {
    for (let h = 0; h < numHeads; h++) {
      const g = Math.floor(h / group); // query head h reads key/value head h / (numHeads / kvHeads)
      const logits = [];
      for (let j = 0; j <= past + s; j++) {
        let dot = 0;
        for (let d = 0; d < D; d++) dot += q[(s * numHeads + h) * D + d] * keys[(g * T + j) * D + d];
        logits.push(dot * scale);
      }
      const m = Math.max(...logits);
      const w = logits.map((l) => Math.exp(l - m));
      const z = w.reduce((a, b) => a + b, 0);
      for (let d = 0; d < D; d++) {
        let acc = 0;
        for (let j = 0; j < w.length; j++) acc += w[j] * values[(g * T + j) * D + d];
        out[(s * numHeads + h) * D + d] = acc / z;
      }
    }
  }
  return out;
}

// [S, heads, D] token-major -> [heads, S, D], appended after `past` rows of a [heads, T, D].
function toHeadMajor(x, pastBNSH, { S, past, heads, D }) {
  const T = past + S;
  const out = new Float32Array(heads * T * D);
  for (let h = 0; h < heads; h++) {
    out.set(pastBNSH.subarray(h * past * D, (h + 1) * past * D), h * T * D);
    for (let s = 0; s < S; s++) out.set(x.subarray((s * heads + h) * D, (s * heads + h + 1) * D), (h * T + past + s) * D);
  }
  return out;
}

const GQA_CASES = [
  { name: 'half, full rotary', config: { headDim: 32 } },
  { name: 'interleaved, full rotary', config: { headDim: 32, layout: 'interleaved' } },
  { name: 'half, partial rotary 16 of 32', config: { headDim: 32, rotaryDim: 16 } },
  { name: 'yarn x8, attention factor 1.208, interleaved', config: { headDim: 32, layout: 'interleaved', scaling: { type: 'yarn', factor: 8, originalMaxPositionEmbeddings: 32 } } },
];

describe('com.microsoft GroupQueryAttention, do_rotary = 1', () => {
  it.each(GQA_CASES)('$name: present_key = rope-wasm-rotated keys, output = attention of rope-wasm-rotated q and k', async ({ config }) => {
    const rope = lib.createRope(config);
    const numHeads = 4, kvHeads = 2;
    const { headDim: D, rotaryDim, layout } = rope;
    const maxPos = 64;
    const tables = cosSinCache(rope, { length: maxPos });
    const s = await session(gqaModel({ numHeads, kvHeads, headSize: D, rotaryDim, interleaved: layout === 'interleaved' }));
    // A first prompt (no past: positions 0..5), then a prompt of 3 tokens after a past of 6
    // (positions 6..8; GQA derives them from seqlens_k and the past length).
    for (const [S, past, seed] of [[6, 0, 1], [3, 6, 2]]) {
      const T = past + S;
      const q = new Float32Array(randomFloats(S * numHeads * D, seed));
      const k = new Float32Array(randomFloats(S * kvHeads * D, seed + 10));
      const v = new Float32Array(randomFloats(S * kvHeads * D, seed + 20));
      // The past: keys as a cache holds them (rotated by rope-wasm at positions 0..past-1).
      const pastKeysTM = new Float32Array(randomFloats(past * kvHeads * D, seed + 30));
      if (past > 0) rope.apply(pastKeysTM, { numHeads: kvHeads, positions: 0 });
      const pastK = toHeadMajor(pastKeysTM, new Float32Array(0), { S: past, past: 0, heads: kvHeads, D });
      const pastV = new Float32Array(randomFloats(kvHeads * past * D, seed + 40));
      const out = await s.run({
        query: new ort.Tensor('float32', q, [1, S, numHeads * D]),
        key: new ort.Tensor('float32', k, [1, S, kvHeads * D]),
        value: new ort.Tensor('float32', v, [1, S, kvHeads * D]),
        past_key: new ort.Tensor('float32', pastK, [1, kvHeads, past, D]),
        past_value: new ort.Tensor('float32', pastV, [1, kvHeads, past, D]),
        seqlens_k: new ort.Tensor('int32', Int32Array.from([T - 1]), [1]),
        total_sequence_length: new ort.Tensor('int32', Int32Array.from([T]), [1]),
        cos_cache: new ort.Tensor('float32', tables.cos, [maxPos, rotaryDim / 2]),
        sin_cache: new ort.Tensor('float32', tables.sin, [maxPos, rotaryDim / 2]),
      });
      const qr = q.slice();
      const kr = k.slice();
      rope.applyQK(qr, kr, { numHeads, numKvHeads: kvHeads, positions: past });
      const keys = toHeadMajor(kr, pastK, { S, past, heads: kvHeads, D });
      const values = toHeadMajor(v, pastV, { S, past, heads: kvHeads, D });
      // present_key: the past as given, then k rotated by the op. Same float32 arithmetic on
      // the same c, s as rope-wasm: the float32 bound of the RotaryEmbedding checks.
      const positions = Array.from({ length: S }, (_, i) => past + i);
      const magTM = pairMagnitudes(k, tables, { headDim: D, rotaryDim, layout, numHeads: kvHeads, positions });
      const mag = toHeadMajor(Float32Array.from(magTM), new Float32Array(kvHeads * past * D), { S, past, heads: kvHeads, D });
      expectWithin(out.present_key.data, keys, (i) => 6 * U32 * mag[i], `present_key (past ${past})`);
      expectWithin(out.present_value.data, values, () => 0, `present_value (past ${past})`);
      // The output against float64 attention of rope-wasm's q and k: onnxruntime works in
      // float32 (q.k over D = 32 terms, an exp per logit, a weighted sum over <= 9 values).
      // Logits here are below 3 in size, so their float32 error is below 32 * 2u * 3 ~ 1.2e-5
      // at worst (and the q, k rotation differences 6u relative, below that); a logit error e
      // moves a softmax weight by at most ~e relative, so the output moves by at most
      // ~2e * max|v| (+ the weighted sum's T * u). Bound: 3e-5 * max|v|.
      const want = referenceAttention(qr, keys, values, { S, past, numHeads, kvHeads, D });
      const maxV = values.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      expectWithin(out.output.data, want, () => 3e-5 * maxV, `output (past ${past})`);
    }
    rope.dispose();
  });
});

describe('com.microsoft GroupQueryAttention, do_rotary = 1, float16', () => {
  it.each(GQA_CASES.filter((c) => c.name.startsWith('half, full') || c.name.startsWith('yarn')))(
    '$name: present_key and output within float16 rounding of rope-wasm on the same float16 inputs', async ({ config }) => {
      const rope = lib.createRope(config);
      const numHeads = 4, kvHeads = 2;
      const { headDim: D, rotaryDim, layout } = rope;
      const maxPos = 64;
      const t32 = cosSinCache(rope, { length: maxPos });
      const t16 = cosSinCache(rope, { length: maxPos, dtype: 'float16' });
      const s = await session(gqaModel({ type: 'float16', numHeads, kvHeads, headSize: D, rotaryDim, interleaved: layout === 'interleaved' }));
      const S = 7;
      const half = (n, seed) => toFloat16Bits(new Float32Array(randomFloats(n, seed)));
      const q16 = half(S * numHeads * D, 3), k16 = half(S * kvHeads * D, 4), v16 = half(S * kvHeads * D, 5);
      const out = await s.run({
        query: new ort.Tensor('float16', q16, [1, S, numHeads * D]),
        key: new ort.Tensor('float16', k16, [1, S, kvHeads * D]),
        value: new ort.Tensor('float16', v16, [1, S, kvHeads * D]),
        past_key: new ort.Tensor('float16', new Uint16Array(0), [1, kvHeads, 0, D]),
        past_value: new ort.Tensor('float16', new Uint16Array(0), [1, kvHeads, 0, D]),
        seqlens_k: new ort.Tensor('int32', Int32Array.from([S - 1]), [1]),
        total_sequence_length: new ort.Tensor('int32', Int32Array.from([S]), [1]),
        cos_cache: new ort.Tensor('float16', t16.cos, [maxPos, rotaryDim / 2]),
        sin_cache: new ort.Tensor('float16', t16.sin, [maxPos, rotaryDim / 2]),
      });
      const q = Float32Array.from(q16, f16Value), k = Float32Array.from(k16, f16Value), v = Float32Array.from(v16, f16Value);
      const qr = q.slice(), kr = k.slice();
      rope.applyQK(qr, kr, { numHeads, numKvHeads: kvHeads });
      const none = new Float32Array(0);
      const keys = toHeadMajor(kr, none, { S, past: 0, heads: kvHeads, D });
      const values = toHeadMajor(v, none, { S, past: 0, heads: kvHeads, D });
      const positions = Array.from({ length: S }, (_, i) => i);
      const magTM = pairMagnitudes(k, t32, { headDim: D, rotaryDim, layout, numHeads: kvHeads, positions });
      const mag = toHeadMajor(Float32Array.from(magTM), none, { S, past: 0, heads: kvHeads, D });
      // As for RotaryEmbedding in float16: |diff| <= 5 u16 (|a c| + |b s|) + 2^-25.
      expectWithin(Float64Array.from(out.present_key.data, f16Value), keys, (i) => 5 * U16 * mag[i] + 2 ** -25, 'present_key float16');
      // The output: q and k rotated in float16 are within ~5 u16 relative of rope-wasm's, so
      // a logit (|q.k| / sqrt(D) < 3 here) moves by < 2 * 5 u16 * 3 ~ 0.015, a softmax
      // weight by ~1.5% relative, the output by < 2 * 0.015 * max|v|, and the float16 output
      // rounds once more (u16 * max|v|): bound 0.035 * max|v|.
      const want = referenceAttention(qr, keys, values, { S, past: 0, numHeads, kvHeads, D });
      const maxV = values.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      expectWithin(Float64Array.from(out.output.data, f16Value), want, () => 0.035 * maxV, 'output float16');
      rope.dispose();
    });
});
