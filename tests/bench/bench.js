// npm run bench: one run per environment (Node, Chromium, native), one table.
//   node tests/bench/bench.js [--no-browser] [--no-native]
// Cases (tests/bench/bench-cases.js): decode (1 x 32 x 128 at position 4096, a new position
// every N = 32 calls), decode past the cos/sin table (position 1,000,000), prefill
// (2048 x 32 x 128), small (128 x 8 x 64); both layouts; zero-copy RopeBuffer path on both
// builds, the copying path, applyQK, onnxruntime-web's RotaryEmbedding, plain JS.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { loadRope, mropePositions, visionPositions } from '../../dist/index.js';
import { LAYERS, SIZES, runCases } from './bench-cases.js';
import { runInChromium } from './run-browser.js';
import { runMropeCases } from './mrope-cases.js';
import { runViewCases } from './views-cases.js';
import { runSafetyCases } from './safety-cases.js';

const args = new Set(process.argv.slice(2));
// --safety-only: just the memory-safety and bounded-memory cases (Node), for quick looks.
const safetyOnly = args.has('--safety-only');
const root = fileURLToPath(new URL('../..', import.meta.url));
const note = (m) => process.stderr.write(`  ${m}\n`);

const envs = [];
note('Node: running');
ort.env.wasm.numThreads = 1;
// Each build is compiled once and instantiated afresh per size: fresh memory (so each size's
// peak is its own) with shared compiled code (V8 tiers wasm up from its baseline compiler
// per module; recompiling per size would time baseline-compiled code).
const dist = new URL('../../dist/', import.meta.url);
const modules = {
  simd: await WebAssembly.compile(await readFile(new URL('rope-simd.wasm', dist))),
  baseline: await WebAssembly.compile(await readFile(new URL('rope-baseline.wasm', dist))),
};
const makeLibs = async () => ({
  simd: await loadRope({ wasmModule: modules.simd }),
  baseline: await loadRope({ wasmModule: modules.baseline }),
});
// BENCH_SIZES=decode,small limits the sizes (Node only; for quick looks).
const only = process.env.BENCH_SIZES ? process.env.BENCH_SIZES.split(',') : null;
const sizes = only ? SIZES.filter((s) => only.includes(s.name)) : SIZES;
// --mrope-only: just the M-RoPE rows (Node and Chromium), for quick looks.
const mropeOnly = args.has('--mrope-only') || args.has('--views-only');
// --views-only: just the views rows (16-bit, fused QKV, MLA, batch, shift).
const viewsOnly = args.has('--views-only');
const makeSimd = () => loadRope({ wasmModule: modules.simd });
if (!safetyOnly && !mropeOnly) envs.push({ env: 'node', rows: await runCases({ makeLibs, ort, log: note, sizes }) });
const mropeEnvs = [];
if (!safetyOnly && !viewsOnly) mropeEnvs.push({ env: 'node', rows: await runMropeCases({ makeLib: makeSimd, mropePositions, visionPositions, log: note }) });
const viewEnvs = [];
if (!safetyOnly && (!mropeOnly || viewsOnly)) viewEnvs.push({ env: 'node', rows: await runViewCases({ makeLib: makeSimd, log: note }) });

if (!args.has('--no-browser') && !safetyOnly) {
  note('Chromium: running (a few minutes)');
  const r = await runInChromium({ mropeOnly });
  if (!mropeOnly) envs.push({ env: 'chromium', rows: r.rows, info: r.userAgent.match(/Chrome\/[\d.]+/)?.[0] });
  if (!viewsOnly) mropeEnvs.push({ env: 'chromium', rows: r.mrope });
  if (!mropeOnly || viewsOnly) viewEnvs.push({ env: 'chromium', rows: r.views });
}

// Native: the same core and 128-bit kernels compiled for x86-64 (Google Benchmark).
const native = new Map();
const nativeBin = `${root}/build-native/rope_native_bench`;
if (safetyOnly || mropeOnly) args.add('--no-native');
if (!args.has('--no-native') && existsSync(nativeBin)) {
  note('native: running');
  const out = JSON.parse(execFileSync(nativeBin, ['--benchmark_format=json', '--benchmark_min_time=0.2'], { encoding: 'utf8' }));
  const sizeNames = ['decode', 'prefill', 'small'];
  for (const b of out.benchmarks) {
    if (b.aggregate_name !== 'median') continue;
    const m = b.run_name.match(/BM_(Rope|Stream)\/(\d)(?:\/(\d))?/);
    if (!m) continue;
    const key = m[1] === 'Rope' ? `${sizeNames[+m[2]]}/${m[3] === '1' ? 'interleaved' : 'half'}` : `stream/${sizeNames[+m[2]]}`;
    native.set(key, b.real_time / 1e6); // ns -> ms
  }
}
// The same kernel calls compiled to wasm SIMD and timed inside wasm (no JS call around each):
// the kernel-to-kernel side of the wasm-to-native ratio.
const wasmLoop = new Map();
const wasmLoopJs = `${root}/build-wasm/rope_wasm_kernel_bench.cjs`;
if (native.size && existsSync(wasmLoopJs)) {
  note('wasm kernel loop (Node): running');
  const out = execFileSync(process.execPath, ['--no-experimental-fetch', wasmLoopJs], { encoding: 'utf8' });
  for (const line of out.trim().split('\n')) {
    const r = JSON.parse(line);
    wasmLoop.set(r.layout === 'stream' ? `stream/${r.size}` : `${r.size}/${r.layout}`, r.ns / 1e6);
  }
}

// ---- the table ----
const f = (v, d = 2) => (v == null || !Number.isFinite(v) ? '' : v >= 1000 ? v.toFixed(0) : v.toFixed(d));
const time = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(2)} us` : `${ms.toFixed(3)} ms`);
const lines = [];
const header = ['env', 'size', 'layout', 'variant', 'time', 'GB/s', 'x ceiling', 'vs ORT', 'vs plain JS', 'max err', 'wasm mem', 'note'];
lines.push(header);
for (const { env, rows } of envs) {
  const ortBy = new Map(rows.filter((r) => r.variant === 'onnxruntime-web').map((r) => [`${r.size}/${r.layout}`, r]));
  for (const r of rows) {
    const o = ortBy.get(`${r.size}/${r.layout}`);
    let vsOrt = '';
    let vsPlain = '';
    let noteText = '';
    if (r.variant === 'simd copying' && o) vsOrt = `${f(o.ms / r.ms, 1)}x faster`;
    if (r.variant === 'simd buffer' || r.variant === 'baseline buffer') vsPlain = `${f(r.plainMs / r.ms, 0)}x (tuned ${f(r.tunedMs / r.ms, 1)}x)`;
    if (r.variant === 'simd copying') noteText = `kernel+2 copies ${time(r.kernelPlusCopiesMs)}`;
    if (r.variant === 'simd applyQK') noteText = `two applies ${time(r.twoAppliesMs)}; paired ratio ${f(r.qkRatio)}`;
    if (r.layers) noteText = `new position every N=${r.layers} calls`;
    if (env === 'node' && r.variant === 'simd buffer' && native.has(`${r.size}/${r.layout}`)) {
      noteText += `${noteText ? '; ' : ''}JS call/native ${f(r.ms / native.get(`${r.size}/${r.layout}`))}`;
    }
    const isRope = !r.variant.startsWith('plain') && r.variant !== 'onnxruntime-web';
    lines.push([env, r.size, r.layout, r.variant, time(r.ms), f(r.bytes / r.ms / 1e6, 1), isRope || r.variant.startsWith('plain') ? f(r.ceilingMs / r.ms) : '',
      vsOrt, vsPlain, r.err != null ? r.err.toExponential(1) : '', r.peak ? `${(r.peak / 1048576).toFixed(0)} MiB` : '', noteText]);
  }
}
for (const [key, ms] of native) {
  if (key.startsWith('stream/')) continue;
  const [size, layout] = key.split('/');
  const shape = SIZES.find((s) => s.name === size);
  const bytes = 8 * shape.tokens * shape.heads * shape.headDim;
  lines.push(['native', size, layout, 'simd128 (SSE2)', time(ms), f(bytes / ms / 1e6, 1), f(native.get(`stream/${size}`) / ms), '', '', '', '', 'Google Benchmark, same kernels']);
  const w = wasmLoop.get(key);
  if (w != null) {
    lines.push(['wasm loop', size, layout, 'simd kernel', time(w), f(bytes / w / 1e6, 1), f(wasmLoop.get(`stream/${size}`) / w), '', '', '', '', `timed inside wasm (Node); wasm/native ${f(w / ms)}`]);
  }
}
const widths = header.map((_, i) => Math.max(...lines.map((l) => String(l[i]).length)));
console.log(`rope-wasm benchmark: ${cpus().length} x ${cpus()[0]?.model}, Node ${process.version}${envs[1]?.info ? `, ${envs[1].info}` : ''}`);
console.log('time: median of repeated samples; GB/s: bytes read + written; x ceiling: the SIMD in-place x = x*a + b over the same bytes in the same run / this time;');
console.log('vs ORT: onnxruntime-web RotaryEmbedding (wasm, 1 thread, whole session.run) time / rope-wasm copying-path time; max err: max|y - y_f64| / max|x|;');
console.log('wasm mem: peak wasm memory of a fresh library running that size (tensor, cos/sin cache, scratch).');
for (const l of lines) console.log(l.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd());

// ---- targets (printed, never asserted: a noisy 2-core machine) ----
console.log('\ntargets');
for (const { env, rows } of envs) {
  const get = (size, layout, variant) => rows.find((r) => r.size === size && r.layout === layout && r.variant === variant);
  const check = (label, value, ok) => console.log(`  ${ok ? 'MET   ' : 'MISSED'} [${env}] ${label}: ${f(value)}`);
  // Only the sizes this run measured (BENCH_SIZES can limit them).
  const sizesRun = ['decode', 'prefill', 'small'].filter((s) => rows.some((r) => r.size === s));
  const ceilingTarget = { prefill: 0.9, decode: 0.7, small: 0.6 };
  for (const layout of ['half', 'interleaved']) {
    for (const s of sizesRun) {
      const simd = get(s, layout, 'simd buffer');
      check(`${s} ${layout} >= ${ceilingTarget[s].toFixed(2)} of ceiling${s === 'decode' ? ` (N=${LAYERS})` : ''}`, simd.ceilingMs / simd.ms, simd.ceilingMs / simd.ms >= ceilingTarget[s]);
      const base = get(s, layout, 'baseline buffer');
      check(`${s} ${layout} SIMD >= 3x baseline`, base.ms / simd.ms, base.ms / simd.ms >= 3);
      check(`${s} ${layout} >= 200x plain JS (HF port)`, simd.plainMs / simd.ms, simd.plainMs / simd.ms >= 200);
      const cp = get(s, layout, 'simd copying');
      check(`${s} ${layout} copying path <= kernel + 2 copies (ratio)`, cp.ms / cp.kernelPlusCopiesMs, cp.ms <= cp.kernelPlusCopiesMs * 1.05);
      const qk = get(s, layout, 'simd applyQK');
      check(`${s} ${layout} applyQK no slower than two applies (ratio, paired samples)`, qk.qkRatio, qk.qkRatio <= 1.02);
      const o = get(s, layout, 'onnxruntime-web');
      if (o) {
        const need = s === 'decode' ? 30 : 10;
        check(`${s} ${layout} >= ${need}x onnxruntime-web (copying path)`, o.ms / cp.ms, o.ms / cp.ms >= need);
      }
    }
  }
  for (const s of sizesRun) {
    const ratio = get(s, 'interleaved', 'simd buffer').ms / get(s, 'half', 'simd buffer').ms;
    check(`${s} interleaved within 5% of half (time ratio)`, ratio, ratio <= 1.05);
  }
  if (env === 'node') {
    if (native.size && !wasmLoop.size) console.log('  SKIPPED [node] wasm kernel within 1.15x of native: build-wasm/rope_wasm_kernel_bench.cjs not built (npm run bench builds it)');
    for (const [key, ms] of native) {
      if (key.startsWith('stream/') || !wasmLoop.has(key)) continue;
      const [s, layout] = key.split('/');
      const ratio = wasmLoop.get(key) / ms;
      const api = get(s, layout, 'simd buffer');
      check(`${s} ${layout} wasm kernel within 1.15x of native 128-bit (kernel loop${api ? `; whole JS call ${f(api.ms / ms)}` : ''})`, ratio, ratio <= 1.15);
    }
  }
}

// ---- the same kernel loop's 16-bit, MLA and fused-QKV cases (inside wasm, no JS call) ----
if (wasmLoop.size) {
  const w = (k) => wasmLoop.get(k);
  const rows = [];
  for (const s of ['decode', 'prefill']) {
    for (const t of ['bf16', 'fp16']) {
      if (!wasmLoop.has(`${s}/half ${t}`)) continue;
      rows.push(`${s} ${t}: rotation ${time(w(`${s}/half ${t}`))}, the 16-bit stream pass alone ${time(w(`${s}/stream ${t}`))}, ` +
        `float32 rotation ${time(w(`${s}/half`))} (rotation / float32 ${f(w(`${s}/half ${t}`) / w(`${s}/half`))}, stream pass alone / float32 ${f(w(`${s}/stream ${t}`) / w(`${s}/half`))})`);
    }
  }
  if (wasmLoop.has('mla/strided')) {
    rows.push(`MLA slice / contiguous: rotation ${f(w('mla/strided') / w('mla/contiguous'))}, stream pass over the same elements ${f(w('mla/stream strided') / w('mla/stream contiguous'))}`);
  }
  if (wasmLoop.has('qkv/fused')) {
    rows.push(`fused QKV / separate q, k: rotation ${f(w('qkv/fused') / w('qkv/separate'))}, stream pass over the same elements ${f(w('qkv/stream fused') / w('qkv/stream separate'))} (repeated calls on one buffer: caches stay warm)`);
  }
  if (rows.length) {
    console.log('\nwasm kernel loop (Node, inside wasm): 16-bit tensors and strided views');
    for (const r of rows) console.log(`  ${r}`);
  }
}

// ---- M-RoPE against 1-D RoPE on the same tensor (paired samples) ----
if (mropeEnvs.length) {
  console.log('\nM-RoPE (SIMD build, RopeBuffers; paired samples: M-RoPE call / 1-D RoPE call on the same tensor)');
  const w = Math.max(...mropeEnvs.flatMap((e) => e.rows.map((r) => r.case.length)));
  for (const { env, rows } of mropeEnvs) {
    for (const r of rows) console.log(`  [${env.padEnd(8)}] ${r.case.padEnd(w)}  ${time(r.mropeMs)} vs ${time(r.plainMs)}  ratio ${f(r.ratio)}`);
  }
  console.log('targets');
  for (const { env, rows } of mropeEnvs) {
    for (const r of rows) console.log(`  ${r.ratio <= r.target ? 'MET   ' : 'MISSED'} [${env}] ${r.case} within ${r.target.toFixed(2)}x of 1-D: ${f(r.ratio)}`);
  }
}

// ---- tensors as runtimes hold them (paired samples) ----
if (viewEnvs.length) {
  console.log('\nviews (SIMD build, RopeBuffers; paired samples: the call / its comparison, in one run)');
  const w = Math.max(...viewEnvs.flatMap((e) => e.rows.map((r) => r.case.length)));
  for (const { env, rows } of viewEnvs) {
    for (const r of rows) {
      const ceil = r.ceiling != null ? `, x ceiling (16-bit stream pass over the same bytes) ${f(r.ceiling)}` : '';
      const floor = r.floor != null ? `; floor ${f(r.floor)} (${r.floorWhat})` : '';
      console.log(`  [${env.padEnd(8)}] ${r.case.padEnd(w)}  ${time(r.aMs)} vs ${time(r.bMs)}  ratio ${f(r.ratio)}${ceil}${floor}`);
    }
  }
  console.log('targets');
  for (const { env, rows } of viewEnvs) {
    for (const r of rows) console.log(`  ${r.ratio <= r.target ? 'MET   ' : 'MISSED'} [${env}] ${r.case} <= ${r.target.toFixed(2)}: ${f(r.ratio)}`);
  }
}

// ---- memory safety and bounded memory (Node) ----
if (!args.has('--no-safety') && !mropeOnly) {
  note('Node: safety and memory cases');
  const rows = await runSafetyCases({ makeLib: () => loadRope({ wasmModule: modules.simd }), log: note });
  console.log('\nsafety and memory (Node, SIMD build; applyQK and apply in one run, fresh library per figure)');
  const w = Math.max(...rows.map((r) => r.case.length));
  for (const r of rows) {
    const extra = r.ratio != null ? `  (paired ratio ${f(r.ratio)})` : r.ms != null ? `  (${r.ms.toFixed(0)} ms)` : '';
    console.log(`  ${r.case.padEnd(w)}  ${f(r.value, 1)} ${r.unit}${extra}`);
  }
  const by = (prefix) => rows.filter((r) => r.case.startsWith(prefix));
  const [buf, view] = [by('decode, RopeBuffer')[0], by('decode, view()')[0]];
  const check = (label, value, ok) => console.log(`  ${ok ? 'MET   ' : 'MISSED'} [node] ${label}: ${f(value)}`);
  console.log('targets');
  check('heap-view check at decode: view / RopeBuffer time', view.value / buf.value, view.value / buf.value <= 1.1);
  const qk = by('applyQK, Float32Array');
  const two = by('two apply calls');
  check('copying applyQK peak memory / two applies, 16K tokens', qk[0].value / two[0].value, qk[0].value <= two[0].value * 1.05);
  check('copying applyQK peak memory / two applies, 64K tokens', qk[1].value / two[1].value, qk[1].value <= two[1].value * 1.05);
  check('copying applyQK peak memory, 64K / 16K tokens', qk[1].value / qk[0].value, qk[1].value <= qk[0].value * 1.05);
  const alt = by('longrope, two sequences')[0];
  check('longrope alternating regimes <= 1.5x one regime (paired ratio)', alt.ratio, alt.ratio <= 1.5);
}

// ---- a C consumer's -msimd128 build against the package (Node; tests/bench/c-consumer-cases.js) ----
if (!safetyOnly && !mropeOnly && !args.has('--no-c-consumer')) {
  const { runCConsumerCases, printCConsumerRows } = await import('./c-consumer-cases.js');
  printCConsumerRows(await runCConsumerCases({ makeLib: makeSimd, log: note }), { time, f });
}
