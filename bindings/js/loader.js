// Loads and instantiates one wasm build (SIMD or baseline) in Node, browsers, workers
// and bundlers. The Emscripten glue is told to use our instantiateWasm hook, so the glue
// never fetches or touches Node APIs itself (Emscripten 3.1.6's Node paths break in ESM).
import { RopeError } from './errors.js';
import { simdSupported } from './simd.js';

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];

const isNode = typeof process === 'object' && process !== null &&
  typeof process.versions === 'object' && typeof process.versions.node === 'string';

// Literal URLs so bundlers (Vite, webpack) see and emit both .wasm files.
function defaultWasmUrl(variant) {
  return variant === 'simd'
    ? new URL('./rope-simd.wasm', import.meta.url)
    : new URL('./rope-baseline.wasm', import.meta.url);
}

async function importGlue(variant) {
  const mod = variant === 'simd' ? await import('./rope-simd.mjs') : await import('./rope-baseline.mjs');
  return mod.default;
}

function checkMagic(bytes, where) {
  const head = Array.from(bytes.subarray(0, 4));
  if (head.length < 4 || head.some((b, i) => b !== WASM_MAGIC[i])) {
    const hex = head.map((b) => b.toString(16).padStart(2, '0')).join(' ') || '(empty)';
    const hint = head[0] === 0x3c
      ? ' (that is text, likely an HTML page: the server did not find the .wasm; pass wasmUrl, ' +
        'or exclude rope-wasm from your bundler\'s dependency pre-bundling)'
      : '';
    throw new RopeError('WASM_INVALID',
      `${where} is not a WebAssembly binary: expected magic bytes 00 61 73 6d, got ${hex}${hint}`,
      { argument: where });
  }
}

async function readNodeFile(url) {
  const spec = 'node:fs/promises';
  const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ spec);
  const urlSpec = 'node:url';
  const { fileURLToPath } = await import(/* webpackIgnore: true */ /* @vite-ignore */ urlSpec);
  try {
    return new Uint8Array(await readFile(fileURLToPath(url)));
  } catch (e) {
    throw new RopeError('WASM_LOAD_FAILED', `could not read the wasm at ${url}: ${e && e.message}`, { argument: 'wasmUrl' });
  }
}

async function fetchBytes(url) {
  let response;
  try {
    response = await fetch(url, { credentials: 'same-origin' });
  } catch (e) {
    throw new RopeError('WASM_LOAD_FAILED', `could not fetch the wasm at ${url}: ${e && e.message}`, { argument: 'wasmUrl' });
  }
  if (!response.ok) {
    throw new RopeError('WASM_LOAD_FAILED', `could not fetch the wasm at ${url}: HTTP ${response.status}`, { argument: 'wasmUrl' });
  }
  return new Uint8Array(await response.arrayBuffer());
}

async function resolveUrl(wasmUrl, variant) {
  if (wasmUrl === undefined) return defaultWasmUrl(variant);
  const text = String(wasmUrl);
  // A URL ending in '/' names the folder that holds both builds.
  const file = text.endsWith('/') ? text + `rope-${variant}.wasm` : text;
  // Relative URLs resolve as the caller would expect: against the page in browsers and
  // workers, against the working directory in Node.
  let base = import.meta.url;
  if (typeof location === 'object' && location && location.href) {
    base = location.href;
  } else if (isNode) {
    const urlSpec = 'node:url';
    const { pathToFileURL } = await import(/* webpackIgnore: true */ /* @vite-ignore */ urlSpec);
    base = pathToFileURL(`${process.cwd()}/`).href;
  }
  return new URL(file, base);
}

async function compileBytes(bytes, where) {
  checkMagic(bytes, where);
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    const hint = simdSupported() ? '' : ' (this engine has no wasm SIMD: if it is rope-simd.wasm, use rope-baseline.wasm)';
    throw new RopeError('WASM_INVALID', `${where} failed to compile: ${e && e.message}${hint}`, { argument: where });
  }
}

/** Compiles (or takes) the WebAssembly.Module for `variant` as the options say. */
async function wasmModuleFor(variant, options) {
  if (options.wasmModule !== undefined) return options.wasmModule;
  if (options.wasmBinary !== undefined) {
    const b = options.wasmBinary;
    const bytes = b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    return compileBytes(bytes, 'wasmBinary');
  }
  const url = await resolveUrl(options.wasmUrl, variant);
  const bytes = isNode && url.protocol === 'file:' ? await readNodeFile(url) : await fetchBytes(url);
  return compileBytes(bytes, options.wasmUrl === undefined ? `the packaged ${url.pathname.split('/').pop()}` : 'wasmUrl');
}

// The option the wasm came from, as errors name it.
function sourceOption(options) {
  return options.wasmModule !== undefined ? 'wasmModule' : options.wasmBinary !== undefined ? 'wasmBinary' : 'wasmUrl';
}

/**
 * Instantiates the Emscripten module for `variant` ('simd' | 'baseline').
 * Resolves to the Module object (Embind functions, _malloc, _free, HEAP views).
 * With `simd` a boolean, the module must be that build: a wasmBinary / wasmModule / wasmUrl
 * file of the other build is a RopeError (WASM_INVALID), thrown before anything of the
 * module is handed out. (The two builds export and import the same names; what tells them
 * apart is the core's own builtWithSimd(), compiled per build, read once instantiated.)
 */
export async function instantiate(variant, options, simd = 'auto') {
  const module = await instantiateGlue(variant, options);
  const argument = sourceOption(options);
  if (typeof module.builtWithSimd !== 'function') {
    throw new RopeError('WASM_INVALID', `the wasm module (${argument}) is not a rope-wasm build of this version: it has no builtWithSimd`, { argument });
  }
  const built = module.builtWithSimd() === true;
  if (simd !== 'auto' && built !== simd) {
    const what = built ? 'the SIMD build (rope-simd.wasm)' : 'the baseline build (rope-baseline.wasm, no SIMD)';
    const want = simd ? 'rope-simd.wasm' : 'rope-baseline.wasm';
    throw new RopeError('WASM_INVALID',
      `${argument} is ${what} but options.simd is ${simd}: pass ${want}, or simd: 'auto' to run the build given (lib.simd then tells which)`,
      { argument, value: options[argument] });
  }
  return module;
}

async function instantiateGlue(variant, options) {
  const [factory, wasmModule] = await Promise.all([importGlue(variant), wasmModuleFor(variant, options)]);
  let failInstantiate;
  const failed = new Promise((_, reject) => { failInstantiate = reject; });
  const ready = factory({
    // No console output from the glue: errors reach callers as RopeErrors instead.
    print() {},
    printErr() {},
    instantiateWasm(imports, receive) {
      WebAssembly.instantiate(wasmModule, imports).then((instance) => {
        // A module that instantiates but is not this build (an empty module, another
        // build's exports) would make the glue throw inside receive: an uncaught error,
        // not a rejected load. Check for its memory, and turn anything receive throws
        // into the load's RopeError.
        if (!Object.values(instance.exports).some((v) => v instanceof WebAssembly.Memory)) {
          throw new Error('it exports no memory');
        }
        receive(instance, wasmModule);
      }).catch((e) => failInstantiate(new RopeError('WASM_INVALID',
        `the wasm module could not be instantiated (${e && e.message}); is it a rope-wasm build of this version?`,
        { argument: sourceOption(options) })));
      return {};
    },
  });
  return Promise.race([ready, failed]);
}
