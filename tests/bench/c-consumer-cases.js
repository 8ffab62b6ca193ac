// npm run bench's "C consumer in wasm" rows: does a C program built against the installed
// library with -msimd128 (a consumer's build: tests/bench/c-consumer-cases.sh) get the
// package's speed? The C API's prefill (2048 x 32 x 128) and decode (1 x 32 x 128, a new
// position every 32 calls) from tests/bench/c-consumer-cases.c, timed inside wasm (each
// sample is one loop of calls in C), against the package's zero-copy RopeBuffer path (dist,
// SIMD build, the whole JS call), timed as bench-cases.js times its "simd buffer" rows. Both
// run in this Node process; samples alternate (C, package, package, C, ...) and the figure is
// the median of the per-pair ratios, so drift on a shared machine hits both alike.
// Target: the C consumer's time within 1.05x of the package's.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { LAYERS } from './bench-cases.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SHAPES = [
  { name: 'prefill', index: 0, tokens: 2048, heads: 32, headDim: 128, start: 0 },
  { name: 'decode', index: 1, tokens: 1, heads: 32, headDim: 128, start: 4096 },
];
export const C_CONSUMER_TARGET = 1.05;
const SAMPLES = 31;
const WARMUP_MS = 600;
const MIN_SAMPLE_MS = 10; // longer than bench-cases.js's 5: prefill is memory-bound and a shared machine is noisy

/** Builds it (incrementally); returns { path } or { skipped: reason }. */
function build() {
  try {
    const out = execFileSync('bash', [`${ROOT}tests/bench/c-consumer-cases.sh`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { path: out.trim().split('\n').pop() };
  } catch (e) {
    const why = (`${e.stdout ?? ''}`.trim().split('\n').pop() || e.message).slice(0, 200);
    return { skipped: `the C consumer could not be built (bash tests/bench/c-consumer-cases.sh: ${why})` };
  }
}

// The package's call for a shape: apply on a RopeBuffer; decode steps positions as
// bench-cases.js's decodeLoop (a new one every LAYERS calls, wrapping after 2048).
function packageCall(lib, s) {
  const rope = lib.createRope({ headDim: s.headDim });
  const buf = lib.alloc(s.tokens * s.heads * s.headDim);
  buf.view().fill(0.5);
  const opts = { numHeads: s.heads, positions: s.start };
  const last = s.start + 2047;
  let k = 0;
  const call = s.tokens > 1 ? () => rope.apply(buf, opts) : () => {
    rope.apply(buf, opts);
    if (++k === LAYERS) {
      k = 0;
      opts.positions = opts.positions === last ? s.start : opts.positions + 1;
    }
  };
  return { call, dispose: () => { buf.dispose(); rope.dispose(); } };
}

function pairedSamples(cSample, pkgCall) {
  // Warm-up, the two sides alternating (WARMUP_MS in all; V8 tiers wasm up from its baseline
  // compiler in the background), which also gives each side's calls per sample (>= MIN_SAMPLE_MS).
  const t0 = performance.now();
  const spent = [0, 0];
  const calls = [0, 0];
  while (performance.now() - t0 < WARMUP_MS || calls[0] < 2 || calls[1] < 2) {
    for (const [i, fn] of [[0, () => cSample(1)], [1, pkgCall]]) {
      const t1 = performance.now();
      fn();
      spent[i] += performance.now() - t1;
      calls[i]++;
    }
  }
  const [cReps, pReps] = [0, 1].map((i) => Math.max(1, Math.ceil(MIN_SAMPLE_MS / (spent[i] / calls[i]))));
  const pkgSample = () => {
    const t0 = performance.now();
    for (let i = 0; i < pReps; i++) pkgCall();
    return (performance.now() - t0) / pReps;
  };
  const c = [];
  const p = [];
  const ratios = [];
  for (let i = 0; i < SAMPLES; i++) {
    let tc, tp;
    if (i % 2 === 0) { tc = cSample(cReps); tp = pkgSample(); } else { tp = pkgSample(); tc = cSample(cReps); }
    c.push(tc);
    p.push(tp);
    ratios.push(tc / tp);
  }
  const median = (v) => v.sort((a, b) => a - b)[v.length >> 1];
  return { cMs: median(c), packageMs: median(p), ratio: median(ratios) };
}

/** Returns { rows: [{ size, shape, cMs, packageMs, ratio }] } or { skipped }. */
export async function runCConsumerCases({ makeLib, log = () => {} }) {
  log('C consumer in wasm: building (tests/bench/c-consumer-cases.sh)');
  const built = build();
  if (built.skipped) return built;
  log('C consumer in wasm: running against the package');
  // The bytes given (Emscripten 3.1.6's glue would fetch() a file path under Node 20).
  const m = await createRequire(import.meta.url)(built.path)({ wasmBinary: readFileSync(built.path.replace(/\.cjs$/, '.wasm')) });
  if (m._cc_simd128() !== 1) return { skipped: `${built.path} was built without -msimd128` };
  if (m._cc_prepare() !== 0) throw new Error('C consumer: rope_create/alloc failed');
  const lib = await makeLib();
  const rows = [];
  for (const s of SHAPES) {
    const pkg = packageCall(lib, s);
    const r = pairedSamples((reps) => m._cc_sample_ms(s.index, reps), pkg.call);
    pkg.dispose();
    rows.push({ size: s.name, shape: `${s.tokens} x ${s.heads} x ${s.headDim}`, ...r });
  }
  return { rows };
}

/** Prints the section (rows and targets) as bench.js prints its others; time and f are bench.js's formatters. */
export function printCConsumerRows(result, { time, f }) {
  console.log('\nC consumer in wasm (Node): the C API from a -msimd128 consumer build of the installed library, timed inside wasm,');
  console.log('vs the package\'s zero-copy RopeBuffer path (SIMD build, whole JS call); one process, paired samples');
  if (result.skipped) {
    console.log('targets');
    console.log(`  SKIPPED [node] C consumer within ${C_CONSUMER_TARGET.toFixed(2)}x of the package: ${result.skipped}`);
    return;
  }
  for (const r of result.rows) {
    const note = r.size === 'decode' ? `; new position every N=${LAYERS} calls` : '';
    console.log(`  [node    ] ${r.size.padEnd(7)} ${r.shape.padEnd(14)}  C API ${time(r.cMs)} vs package ${time(r.packageMs)}  ratio ${f(r.ratio)}${note}`);
  }
  console.log('targets');
  for (const r of result.rows) {
    console.log(`  ${r.ratio <= C_CONSUMER_TARGET ? 'MET   ' : 'MISSED'} [node] ${r.size} C consumer within ${C_CONSUMER_TARGET.toFixed(2)}x of the package (C API time / package time, paired): ${f(r.ratio)}`);
  }
}
