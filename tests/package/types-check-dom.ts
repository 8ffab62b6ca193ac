// Compiled by pack-test.sh with lib "dom" only: the options whose types come from the
// global scope (URL, Blob, fetch, WebAssembly.Module) take the real types there.
import { configFromGGUF, loadRope, type ConfigFromGGUFOptions, type LoadOptions } from 'rope-wasm';

async function main(): Promise<void> {
  const byUrl: LoadOptions = { wasmUrl: new URL('https://example.invalid/rope-wasm/') };
  const byModule: LoadOptions = { simd: false, wasmModule: await WebAssembly.compile(new Uint8Array(8)) };
  await loadRope(byUrl);
  await loadRope(byModule);
  const gguf: ConfigFromGGUFOptions = { fetch: (input, init) => fetch(input, init) };
  await configFromGGUF(new Blob([new Uint8Array(8)]), { fetch });
  await configFromGGUF(new URL('https://example.invalid/model.gguf'), gguf);
  // @ts-expect-error a Response is not a source
  await configFromGGUF(new Response('x'));
  // @ts-expect-error wasmUrl is a string or a URL
  await loadRope({ wasmUrl: new Request('https://example.invalid/') });
}
void main;
