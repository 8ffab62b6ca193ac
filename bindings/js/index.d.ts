// Hand-written types for rope-wasm (Emscripten 3.1.6 cannot emit them); a type test
// (tests/js/types.test-d.ts, checked with tsc) keeps them in step with the code.

/** Options of {@link loadRope}. */
export interface LoadOptions {
  /** Which build to load: `'auto'` (default) picks SIMD where the engine supports it. */
  simd?: boolean | 'auto';
  /**
   * Where the .wasm of the chosen build lives. A URL ending in `/` names a folder holding
   * both `rope-simd.wasm` and `rope-baseline.wasm`. Default: beside the package's JS.
   */
  wasmUrl?: string | URL;
  /** The bytes of the .wasm (either build). */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** A compiled module of the .wasm (either build). */
  wasmModule?: WebAssembly.Module;
}

/** Loads the wasm module once; everything after is synchronous. */
export function loadRope(options?: LoadOptions): Promise<RopeLibrary>;

/** True when this engine supports WebAssembly SIMD (what `simd: 'auto'` uses). */
export function simdSupported(): boolean;

export interface HeapStats {
  /** Size of the wasm memory, in bytes. */
  memoryBytes: number;
  /** Bytes the allocator has handed out and not taken back. */
  bytesInUse: number;
}

export interface RopeLibrary {
  /** Which build is running: true for the SIMD build. */
  readonly simd: boolean;
  /** Creates a rope; throws RopeError on a bad config. Call dispose() when done. */
  createRope(config: RopeConfig): Rope;
  /** `length` float32s in wasm memory (zero-filled), for zero-copy apply calls. */
  alloc(length: number): RopeBuffer;
  /** Wasm memory size and bytes in use. */
  heapStats(): HeapStats;
}

export type RopeLayout = 'half' | 'interleaved';

/** No scaling (Hugging Face "default"). */
export interface DefaultScaling { type: 'default' }
/** Position interpolation: every frequency divided by `factor`. */
export interface LinearScaling { type: 'linear'; factor: number }

export type RopeScaling = DefaultScaling | LinearScaling;

export interface RopeConfig {
  /** Channels per head; even. */
  headDim: number;
  /** Channels that rotate (the first rotaryDim); even, <= headDim. Default headDim. */
  rotaryDim?: number;
  /** "rope_theta". Default 10000. */
  base?: number;
  /** 'half' (default): i with i + rotaryDim/2 (GPT-NeoX, HF rotate_half); 'interleaved': 2i with 2i+1 (GPT-J, Meta). */
  layout?: RopeLayout;
  /** Context-extension scaling with Hugging Face's semantics; null or absent for none. */
  scaling?: RopeScaling | null;
  /** Bound on the cos/sin table in bytes (default 8 MiB); positions past it are computed per call. */
  cacheLimitBytes?: number;
}

export interface ApplyOptions {
  numHeads: number;
  /** The first token's position (default 0; tokens follow it), or one position per token. Negative positions rotate backwards. */
  positions?: number | Int32Array | number[];
  /** 'token-major' = [tokens, heads, headDim] (default); 'head-major' = [heads, tokens, headDim]. */
  order?: 'token-major' | 'head-major';
  /** Rotate by the negative angle (undoes a forward apply). */
  inverse?: boolean;
  /** Sequence length for scaling types that depend on it (default: largest position + 1). */
  seqLen?: number;
}

export interface ApplyQKOptions extends ApplyOptions {
  /** Heads in k (grouped-query attention); q has numHeads. */
  numKvHeads: number;
}

export interface PairFrequencies {
  /** base^(-2i/rotaryDim), before scaling. */
  baseFreq: Float64Array;
  /** The frequency in use, radians per position. */
  freq: Float64Array;
  /** 2*pi / freq, in positions. */
  wavelength: Float64Array;
  /** yarn/llama3: 0 = pair kept, 1 = fully interpolated; NaN for other types. */
  interpWeight: Float64Array;
  attentionFactor: number;
}

export type Tensor = Float32Array | RopeBuffer;

export interface Rope {
  readonly headDim: number;
  readonly rotaryDim: number;
  readonly base: number;
  readonly layout: RopeLayout;
  /** The normalized scaling in use, or null. */
  readonly scaling: Readonly<Record<string, unknown>> | null;
  /** The rotaryDim/2 frequencies in use (a copy). */
  readonly invFreq: Float64Array;
  /** cos and sin are scaled by this (1 without scaling). */
  readonly attentionFactor: number;
  /** Bytes held by the cos/sin cache now. */
  readonly cacheBytes: number;
  readonly disposed: boolean;
  /** Per-pair frequencies at a sequence length. */
  frequencies(options?: { seqLen?: number }): PairFrequencies;
  /** Rotates x in place. A Float32Array is copied in and out; a RopeBuffer is rotated where it lives. */
  apply(x: Tensor, options: ApplyOptions): void;
  /** Rotates q and k in place with one cos/sin lookup. */
  applyQK(q: Tensor, k: Tensor, options: ApplyQKOptions): void;
  dispose(): void;
  [Symbol.dispose](): void;
}

export interface RopeBuffer {
  readonly length: number;
  readonly disposed: boolean;
  /** A fresh view each call; do not keep one across calls that may grow memory. */
  view(): Float32Array;
  dispose(): void;
  [Symbol.dispose](): void;
}

/** Every error rope-wasm throws. `code` is stable; see the README's table. */
export class RopeError extends Error {
  readonly code: string;
  /** The argument at fault, when there is one (e.g. "config.headDim"). */
  readonly argument?: string;
  /** The value it got. */
  readonly value?: unknown;
}
