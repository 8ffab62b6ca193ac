// Hand-written types for rope-wasm (Emscripten 3.1.6 cannot emit them); a type test
// (tests/package/types-check.ts, compiled by tests/package/pack-test.sh against the packed
// package) keeps them in step with the code.
//
// This file compiles under any "lib" from es2020 up, with or without "dom", with or
// without "esnext.disposable", and with skipLibCheck off. Types that only some libs have
// (URL, Blob, fetch, WebAssembly, Float16Array) are taken from the global scope when it has
// them (see the Global* aliases below) instead of being named directly.

declare global {
  // `[Symbol.dispose]()` members below need `Symbol.dispose` (lib esnext.disposable,
  // TypeScript 5.2+). The same declaration as that lib's (and @types/node's): when the lib
  // has it too, the two merge into one property of one type.
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

/** The global `URL` type, where the lib has one ("dom", @types/node); else nothing. */
type GlobalURL = typeof globalThis extends { URL: { prototype: infer T } } ? T : never;
/** The global `Blob` type, where the lib has one; else nothing. */
type GlobalBlob = typeof globalThis extends { Blob: { prototype: infer T } } ? T : never;
/** `WebAssembly.Module`, where the lib has it ("dom"); else any object (checked at run time). */
type GlobalWasmModule = typeof globalThis extends { WebAssembly: { Module: { prototype: infer T } } } ? T : object;
/** The global `fetch`'s type, where the lib has one; else the part of it configFromGGUF uses. */
type GlobalFetch = typeof globalThis extends { fetch: infer T }
  ? T
  : (input: string, init?: { headers?: Record<string, string> }) => Promise<unknown>;
/** The global `Float16Array` type, where the lib has one (ES2025 / esnext); else nothing. */
type GlobalFloat16Array = typeof globalThis extends { Float16Array: { prototype: infer T } } ? T : never;

/** Options of {@link loadRope}. */
export interface LoadOptions {
  /** Which build to load: `'auto'` (default) picks SIMD where the engine supports it. */
  simd?: boolean | 'auto';
  /**
   * Where the .wasm of the chosen build lives. A URL ending in `/` names a folder holding
   * both `rope-simd.wasm` and `rope-baseline.wasm`. Default: beside the package's JS.
   */
  wasmUrl?: string | GlobalURL;
  /**
   * The bytes of the .wasm: either build with `simd: 'auto'` (default; `lib.simd` tells which
   * runs), the one `simd: true | false` names otherwise (the other is a RopeError, WASM_INVALID).
   */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** A compiled `WebAssembly.Module` of the .wasm; which build, as for `wasmBinary`. */
  wasmModule?: GlobalWasmModule;
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
  /**
   * `length` elements of `options.dtype` (default 'float32') in wasm memory, zero-filled;
   * 64-byte aligned, page-aligned from 64 KiB; for zero-copy calls. A 16-bit buffer's
   * view() is a Uint16Array of the bit patterns.
   */
  alloc<D extends RopeDtype = 'float32'>(length: number, options?: AllocOptions<D>): RopeBuffer<D>;
  /** Wasm memory size and bytes in use. */
  heapStats(): HeapStats;
  /** Frees the scratch block the copying path (arrays outside wasm memory) keeps between calls. */
  releaseScratch(): void;
}

/** Options of {@link RopeLibrary.alloc}. */
export interface AllocOptions<D extends RopeDtype = RopeDtype> {
  /** The element type (default 'float32'). */
  dtype?: D;
}

/**
 * Element types of tensors: float32, or the 16-bit IEEE half ('float16') and bfloat16 bit
 * patterns (rotated in float32, then rounded to nearest even: the float32 result rounded).
 */
export type RopeDtype = 'float32' | 'float16' | 'bfloat16';

export type RopeLayout = 'half' | 'interleaved';

/**
 * Context-extension scaling. Keys are the camelCase forms of Hugging Face's `rope_scaling`
 * keys and mean what transformers' modeling_rope_utils.py makes them mean (the release with
 * yarn `truncate`, `mscale`, `mscale_all_dim`), defaults and edge cases included.
 * Optional numbers may also be `null` (= not given). See docs/scaling.md.
 */

/** No scaling (Hugging Face "default"). */
export interface DefaultScaling { type: 'default' }

/** Position interpolation: every frequency divided by `factor`. */
export interface LinearScaling { type: 'linear'; factor: number }

/**
 * Dynamic NTK: past `maxPositionEmbeddings` the base becomes
 * base * (factor * seqLen / maxPositionEmbeddings - (factor - 1)) ^ (dim / (dim - 2)).
 * Frequencies follow `ApplyOptions.seqLen` (default: largest position + 1).
 */
export interface DynamicScaling { type: 'dynamic'; factor: number; maxPositionEmbeddings: number }

/** YaRN: a per-pair ramp between kept and interpolated frequencies, plus an attention factor. */
export interface YarnScaling {
  type: 'yarn';
  factor: number;
  /** Pretraining context; Hugging Face falls back to `maxPositionEmbeddings`, one of the two is required. */
  originalMaxPositionEmbeddings?: number | null;
  maxPositionEmbeddings?: number | null;
  /** Default 32 (null and 0 also mean the default, as `get("beta_fast") or 32` does). */
  betaFast?: number | null;
  /** Default 1 (null and 0 also mean the default). */
  betaSlow?: number | null;
  /** With `mscaleAllDim` (both non-zero): attentionFactor = get_mscale(factor, mscale) / get_mscale(factor, mscaleAllDim). */
  mscale?: number | null;
  mscaleAllDim?: number | null;
  /** Overrides the derived attention factor (default 0.1 * ln(factor) + 1, or the mscale ratio). */
  attentionFactor?: number | null;
  /** Round the ramp ends to whole pairs (default true; gpt-oss uses false). */
  truncate?: boolean;
}

/**
 * Llama 3.1: long wavelengths divided by `factor`, short ones kept, a smooth blend between.
 * `highFreqFactor` must be >= `lowFreqFactor`; equal is valid (Llama 4 Scout: 1 and 1).
 */
export interface Llama3Scaling {
  type: 'llama3';
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositionEmbeddings: number;
}

/**
 * LongRoPE (Phi-3): per-pair factors, `shortFactor` while seqLen <= originalMaxPositionEmbeddings,
 * `longFactor` beyond. The attention factor defaults to sqrt(1 + ln(factor) / ln(originalMaxPositionEmbeddings))
 * (1 when factor <= 1), factor = `factor` or maxPositionEmbeddings / originalMaxPositionEmbeddings
 * (given both, they must agree).
 */
export interface LongropeScaling {
  type: 'longrope';
  shortFactor: ArrayLike<number>;
  longFactor: ArrayLike<number>;
  originalMaxPositionEmbeddings: number;
  maxPositionEmbeddings?: number | null;
  factor?: number | null;
  attentionFactor?: number | null;
}

/**
 * transformers 5.x "proportional" (Gemma 4's full-attention layers): the first
 * floor(partialRotaryFactor * rotaryDim / 2) pairs turn at base^(-2i/rotaryDim), the rest do
 * not turn; every frequency is divided by `factor` (default 1).
 */
export interface ProportionalScaling {
  type: 'proportional';
  /** The fraction of pairs that turn, in [0, 1]. */
  partialRotaryFactor: number;
  factor?: number | null;
}

export type RopeScaling = DefaultScaling | LinearScaling | DynamicScaling | YarnScaling | Llama3Scaling | LongropeScaling | ProportionalScaling;

/** yarn as {@link Rope.scaling} returns it: Hugging Face's defaults filled in, unset values null. */
export interface ResolvedYarnScaling extends YarnScaling {
  /** originalMaxPositionEmbeddings as given, else maxPositionEmbeddings. */
  originalMaxPositionEmbeddings: number;
  maxPositionEmbeddings: number | null;
  betaFast: number;
  betaSlow: number;
  mscale: number | null;
  mscaleAllDim: number | null;
  attentionFactor: number | null;
  truncate: boolean;
}

/** proportional as {@link Rope.scaling} returns it: factor filled in (default 1). */
export interface ResolvedProportionalScaling extends ProportionalScaling {
  factor: number;
}

/** longrope as {@link Rope.scaling} returns it: the factors as arrays, unset values null. */
export interface ResolvedLongropeScaling extends LongropeScaling {
  shortFactor: number[];
  longFactor: number[];
  maxPositionEmbeddings: number | null;
  factor: number | null;
  attentionFactor: number | null;
}

/**
 * The normalized scaling a rope uses ({@link Rope.scaling}); "default" is `null` there.
 * Each member is also a {@link RopeScaling}, so it can be passed to createRope again.
 */
export type ResolvedScaling = LinearScaling | DynamicScaling | ResolvedYarnScaling | Llama3Scaling | ResolvedLongropeScaling | ResolvedProportionalScaling;

/** Options of {@link configFromHF}. */
export interface ConfigFromHFOptions {
  /** Overrides the layout the model family implies. */
  layout?: RopeLayout;
  /**
   * Picks the RoPE of one layer type of a model whose layers differ: "full_attention" or
   * "sliding_attention" (Gemma 3 / 3n / 4, any per-layer-type `rope_parameters`),
   * "chunked_attention" (Llama 4's RoPE layers; "full_attention" are its NoPE layers),
   * "linear_attention" (Qwen3.5, no RoPE). A layer without RoPE gives null.
   */
  layerType?: string;
  /**
   * Picks the RoPE of layer `layerIndex` (0-based), mapped through `layer_types` (or the
   * class's default pattern) and, for Llama 4, `no_rope_layers`. A NoPE layer gives null.
   */
  layerIndex?: number;
  /**
   * The vision tower's 2-D RoPE instead of the language model's (Qwen2-VL, Qwen2.5-VL,
   * Qwen3-VL, Qwen3.5, Llama 4): `mrope: { section: [D/4, D/4], mode: 'vision' }`.
   */
  vision?: boolean;
}

/**
 * Hugging Face `rope_scaling` / `rope_parameters` types (`"su"` is longrope's old name;
 * `"mrope"` the legacy name of default with `mrope_section`, in the multimodal families).
 */
export type HFRopeType = 'default' | 'linear' | 'dynamic' | 'yarn' | 'llama3' | 'longrope' | 'su' | 'proportional' | 'mrope';

/**
 * A `rope_scaling` (transformers 4.x) or `rope_parameters` (5.x) dict as config.json has it:
 * the keys {@link configFromHF} reads. Which keys a type takes is as in transformers; keys a
 * type does not take are a RopeError. JSON `null` means "not given".
 */
export interface HFRopeParameters {
  rope_type?: HFRopeType | null;
  /** The older spelling of `rope_type`; both may be given if they agree. */
  type?: HFRopeType | null;
  factor?: number | null;
  original_max_position_embeddings?: number | null;
  /** yarn */
  beta_fast?: number | null;
  beta_slow?: number | null;
  mscale?: number | null;
  mscale_all_dim?: number | null;
  attention_factor?: number | null;
  truncate?: boolean | null;
  /** llama3 */
  low_freq_factor?: number | null;
  high_freq_factor?: number | null;
  /** longrope: one factor per rotated pair. */
  short_factor?: readonly number[] | null;
  long_factor?: readonly number[] | null;
  /** transformers 5.x keeps the base and the partial rotary factor here too. */
  rope_theta?: number | null;
  partial_rotary_factor?: number | null;
  /** M-RoPE pairs per position stream (t, h, w) of the multimodal families. */
  mrope_section?: readonly number[] | null;
  /** Not read by transformers (the model class decides chunked or interleaved); ignored. */
  mrope_interleaved?: boolean | null;
}

/**
 * The keys of a Hugging Face `config.json` that {@link configFromHF} reads (older and
 * family-specific spellings included); any other key is allowed and ignored. `JSON.parse`'s
 * result (`any`) and a `Record<string, unknown>` are accepted as they are.
 */
export interface HFConfig {
  /** Picks the layout (e.g. "llama" -> 'half', "gptj" -> 'interleaved'); else pass options.layout. */
  model_type?: string | null;
  /** The base (default 10000); GPT-NeoX spells it rotary_emb_base. */
  rope_theta?: number | null;
  rotary_emb_base?: number | null;
  /** transformers 4.x scaling dict. */
  rope_scaling?: HFRopeParameters | null;
  /** transformers 5.x: one dict, or one per layer type (pick it with options.layerType). */
  rope_parameters?: HFRopeParameters | { [layerType: string]: HFRopeParameters } | null;
  /** Head size; else hidden_size / num_attention_heads. */
  head_dim?: number | null;
  hidden_size?: number | null;
  num_attention_heads?: number | null;
  /** GPT-2/GPT-J spellings of hidden_size, num_attention_heads and max_position_embeddings. */
  n_embd?: number | null;
  n_head?: number | null;
  n_positions?: number | null;
  /** Multi-head latent attention (DeepSeek-V2/V3): the rotated slice of each head. */
  qk_rope_head_dim?: number | null;
  /** Partial rotary: a fraction of head_dim (rotary_pct in GPT-NeoX), or GPT-J's channel count. */
  partial_rotary_factor?: number | null;
  rotary_pct?: number | null;
  rotary_dim?: number | null;
  max_position_embeddings?: number | null;
  /** Phi-3 (longrope) keeps the pretraining length at the top level. */
  original_max_position_embeddings?: number | null;
  /** Gemma 3 (4.x): the base of its sliding-window layers' RoPE (needs options.layerType). */
  rope_local_base_freq?: number | null;
  /** DeepSeek-V3: false for checkpoints stored in the rotate_half pairing. */
  rope_interleave?: boolean | null;
  /** Per-layer attention kinds (e.g. Gemma 3's "sliding_attention" / "full_attention"); options.layerIndex maps through it. */
  layer_types?: readonly string[] | null;
  /** Head counts, returned as numHeads / numKvHeads (num_key_value_heads defaults to num_attention_heads). */
  num_key_value_heads?: number | null;
  num_hidden_layers?: number | null;
  /** Llama 4: 1 where a layer uses RoPE, 0 for NoPE (empty: every 4th layer is NoPE, no_rope_layer_interval). */
  no_rope_layers?: readonly number[] | null;
  no_rope_layer_interval?: number | null;
  /** Gemma 4: the head dim of the full-attention layers (default 512) and their kv heads (with attention_k_eq_v). */
  global_head_dim?: number | null;
  num_global_key_value_heads?: number | null;
  attention_k_eq_v?: boolean | null;
  /** The vision tower's config (options.vision). */
  vision_config?: Record<string, unknown> | null;
  /** A multimodal config's language model, used when the top level has no attention geometry. */
  text_config?: HFConfig | null;
  [key: string]: unknown;
}

/**
 * A RopeConfig from a parsed Hugging Face `config.json`. Throws a RopeError with code
 * CONFIG_INVALID naming the key on unknown or contradictory input.
 *
 * Besides the keys below, the result carries `numHeads` and `numKvHeads` (the model's
 * `num_attention_heads` and `num_key_value_heads`, the latter defaulting to the former; the
 * vision tower's head count for options.vision) when the config gives a head count,
 * `mrope: { section, mode }` for the multimodal families (chunked: Qwen2-VL, Qwen2.5-VL,
 * GLM-4V; interleaved: Qwen3-VL, Qwen3.5; vision: the towers) and `scaling: { type:
 * 'proportional', partialRotaryFactor, factor? }` for Gemma 4's full-attention layers.
 * A model whose layers differ (Gemma's sliding-window layers, Llama 4's NoPE layers) needs
 * options.layerType or options.layerIndex; with them the result is null for a layer
 * without RoPE.
 */
export function configFromHF(config: HFConfig, options?: ConfigFromHFOptions & { layerType?: undefined; layerIndex?: undefined }): RopeConfig;
export function configFromHF(config: HFConfig, options: ConfigFromHFOptions): RopeConfig | null;

/** Options of {@link configFromGGUF}. */
export interface ConfigFromGGUFOptions {
  /** Overrides the architecture's rope mode (NORM = interleaved, NEOX = half). */
  layout?: RopeLayout;
  /** The fetch used for a URL source (range requests). */
  fetch?: GlobalFetch;
  /** "full_attention" / "sliding_attention" (gemma3, gemma3n, gemma4); "chunked_attention" / "full_attention" (llama4). */
  layerType?: string;
  /** A layer (0-based) of those architectures; null for a Llama 4 NoPE layer. */
  layerIndex?: number;
}

/**
 * A RopeConfig from a GGUF file: its metadata, plus the bytes of llama.cpp's per-pair RoPE
 * factor tensors alone when it has them (`rope_freqs.weight` as `freqFactors`,
 * `rope_factors_long/short.weight` as longrope scaling), never the rest of the tensor data.
 * `{arch}.rope.dimension_sections` gives `mrope`; `{arch}.attention.head_count(_kv)` give
 * `numHeads` / `numKvHeads`. Needs the package `@huggingface/gguf`.
 * Throws a RopeError with code CONFIG_INVALID naming the key or tensor.
 * A string or URL source must be an http(s) URL (fetched with range requests); for a local
 * file in Node pass a Blob: `configFromGGUF(await fs.openAsBlob(path))` (node:fs, Node 20+).
 */
export function configFromGGUF(source: ArrayBuffer | ArrayBufferView | GlobalBlob | string | GlobalURL, options?: ConfigFromGGUFOptions & { layerType?: undefined; layerIndex?: undefined }): Promise<RopeConfig>;
export function configFromGGUF(source: ArrayBuffer | ArrayBufferView | GlobalBlob | string | GlobalURL, options: ConfigFromGGUFOptions): Promise<RopeConfig | null>;

/** How M-RoPE assigns pairs to position streams (see {@link MropeConfig}). */
export type MropeMode = 'chunked' | 'interleaved' | 'vision';

/**
 * Multimodal RoPE (docs/multimodal.md): each token has one position per stream (t, h, w, ...)
 * and each pair turns by the position of its stream. Hugging Face's semantics:
 * - 'chunked' (default; Qwen2-VL, Qwen2.5-VL, GLM-4V): contiguous sections of pairs, one per
 *   stream, summing to rotaryDim / 2;
 * - 'interleaved' (Qwen3-VL, Qwen3.5): 3 streams; pair i is on h when i % 3 == 1 and
 *   i < 3 * section[1], on w when i % 3 == 2 and i < 3 * section[2], else on t;
 * - 'vision' (the vision towers): consecutive sections summing to rotaryDim / 2, each >= 1,
 *   the frequency index restarting in each; no scaling allowed.
 */
export interface MropeConfig {
  /** Pairs per position stream (HF `mrope_section`): 1 to 4 integers >= 0. */
  section: ArrayLike<number>;
  mode?: MropeMode;
}

/** {@link Rope.mrope}: the normalized M-RoPE config (a copy). */
export interface ResolvedMrope {
  section: number[];
  mode: MropeMode;
}

/**
 * What a rope rotates. configFromHF / configFromGGUF return one, and may add the keys of
 * multimodal RoPE (`mrope`), per-pair frequency factors (`freqFactors`, from a GGUF's
 * rope_freqs), the model's head counts (`numHeads`, `numKvHeads`) and the 'proportional'
 * scaling type (see {@link configFromHF}).
 */
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
  /** The model's query heads (configFromHF gives it): applyQK / applyQKV's default numHeads, and `rope.numHeads`. */
  numHeads?: number | null;
  /** The model's key/value heads (configFromHF gives it): applyQK / applyQKV's default numKvHeads, and `rope.numKvHeads`. */
  numKvHeads?: number | null;
  /** Multimodal RoPE; null or absent for 1-D RoPE. */
  mrope?: MropeConfig | null;
  /**
   * rotaryDim/2 numbers > 0 (Infinity allowed: a pair that never turns): pair i's frequency
   * is divided by freqFactors[i] (ggml's freq_factors, a GGUF's rope_freqs.weight).
   */
  freqFactors?: ArrayLike<number> | null;
}

/** One list of positions: int32 values (a BigInt64Array's must fit int32). */
export type PositionList = Int32Array | BigInt64Array | readonly number[];

/**
 * Positions of a call. Without `batch`: a number (the first token's position; tokens follow
 * it, on every stream), or one list of streams x tokens entries (stream-major `[t...][h...][w...]`
 * for M-RoPE; one per token for 1-D RoPE), or, for M-RoPE, one list per stream. With
 * `batch` B > 1: a number (every sequence starts there), B starts (one per sequence), or
 * B x streams x tokens entries, sequence-major.
 */
export type Positions = number | PositionList | readonly PositionList[];

/**
 * Where a tensor's vectors are, in elements (of dtype) of the array or RopeBuffer. With no
 * stride given the tensor is dense in its order; with any stride, `numTokens` is required.
 */
export interface ViewOptions {
  /**
   * The element type: implied by a Float32Array, a Float16Array or a RopeBuffer (a
   * contradicting value is DTYPE_INVALID); required for a Uint16Array ('float16' | 'bfloat16').
   */
  dtype?: RopeDtype;
  /** Element index of the first vector (default 0). */
  offset?: number;
  /** Elements between one token's vector and the next token's (default: dense). */
  tokenStride?: number;
  /** Elements between one head's vector and the next head's (default: dense). */
  headStride?: number;
  /** Elements between one sequence and the next (default: dense). */
  batchStride?: number;
  /** Tokens per sequence; required with strides (default: implied by the length). */
  numTokens?: number;
  /** Sequences in the tensor (default 1); positions then per sequence (see {@link Positions}). */
  batch?: number;
}

export type TensorOrder = 'token-major' | 'head-major';

export interface ApplyOptions extends ViewOptions {
  numHeads: number;
  /** Default 0 (tokens 0, 1, ...). Negative positions rotate backwards. See {@link Positions}. */
  positions?: Positions;
  /** 'token-major' = [tokens, heads, headDim] (default); 'head-major' = [heads, tokens, headDim]. */
  order?: TensorOrder;
  /** Rotate by the negative angle (undoes a forward apply). */
  inverse?: boolean;
  /**
   * Sequence length for the scaling types that depend on it, dynamic and longrope (default:
   * largest position + 1, what Hugging Face uses). Other types ignore it. Vectors rotated
   * under another seqLen keep their old frequencies: see {@link Rope.rerotate}.
   */
  seqLen?: number;
}

/** Options of {@link Rope.rerotate}. */
export interface RerotateOptions {
  numHeads: number;
  /** As in {@link ApplyOptions.positions}: the positions the vectors were rotated at. */
  positions?: Positions;
  order?: TensorOrder;
  /** The sequence length the vectors were rotated under. */
  fromSeqLen: number;
  /** The sequence length whose frequencies they should carry. */
  toSeqLen: number;
}

export interface ApplyQKOptions extends Omit<ApplyOptions, 'numHeads'> {
  /** Heads in q; may be left out when the config gave numHeads. */
  numHeads?: number;
  /** Heads in k (grouped-query attention); may be left out when the config gave numKvHeads. */
  numKvHeads?: number;
  /** k's view (the options above without k describe q; k shares dtype, numTokens and batch). */
  kOffset?: number;
  kTokenStride?: number;
  kHeadStride?: number;
  kBatchStride?: number;
}

/**
 * Options of {@link Rope.applyQKV}: the view options describe the whole fused tensor, whose
 * heads are numHeads q heads, then numKvHeads k heads, then numKvHeads v heads.
 */
export interface ApplyQKVOptions extends ViewOptions {
  /** q heads; may be left out when the config gave numHeads. */
  numHeads?: number;
  /** k heads (and v heads); may be left out when the config gave numKvHeads. */
  numKvHeads?: number;
  positions?: Positions;
  order?: TensorOrder;
  inverse?: boolean;
  seqLen?: number;
}

/** Options of {@link Rope.shift}. */
export interface ShiftOptions extends ViewOptions {
  numHeads: number;
  /** The positions the keys were rotated at (as {@link Positions}). */
  fromPositions: Positions;
  /** The positions to move them to. */
  toPositions: Positions;
  order?: TensorOrder;
  /** The sequence length of both sides (default: the one in force, the last call's). */
  seqLen?: number;
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

/**
 * A tensor whose element type says itself: a Float32Array, a Float16Array (where the engine
 * has one) or a RopeBuffer. A Uint16Array of float16 / bfloat16 bits needs `dtype`.
 */
export type Tensor = Float32Array | GlobalFloat16Array | RopeBuffer<RopeDtype>;

/** Element types of {@link Rope.cosSinCache}'s tables. */
export type CosSinDtype = RopeDtype;

export interface CosSinCacheOptions {
  /** Rows: positions 0 .. length-1. An integer >= 1 with length * rotaryDim/2 <= 536870911. */
  length: number;
  /** 'float32' (default): Float32Arrays; 'float16' / 'bfloat16': Uint16Arrays of the bit patterns, rounded to nearest even. */
  dtype?: CosSinDtype;
  /** The sequence length whose frequencies the tables hold (dynamic, longrope); default `length`. */
  seqLen?: number;
}

/** onnxruntime's cos_cache / sin_cache: [length, rotaryDim/2], row p = position p, attention factor included. */
export interface CosSinTables<T extends Float32Array | Uint16Array = Float32Array | Uint16Array> {
  cos: T;
  sin: T;
}

/** Options of {@link Rope.toGGML}. */
export interface GGMLOptions {
  /**
   * The sequence length whose frequencies are exported: longrope's regime and dynamic's base
   * (default: the one in force, as for rope.frequencies()).
   */
  seqLen?: number;
}

/** The arguments of ggml's ggml_rope_ext that reproduce a Rope, up to ggml's float32 angles. */
export interface GGMLRopeParams {
  /** 0 = GGML_ROPE_TYPE_NORMAL (layout 'interleaved'), 2 = GGML_ROPE_TYPE_NEOX (layout 'half'). */
  mode: number;
  /** n_dims: rotaryDim. */
  nDims: number;
  /** n_ctx_orig: the original context (yarn/llama3/longrope; dynamic: maxPositionEmbeddings), else 0. */
  nCtxOrig: number;
  /** freq_base: base (dynamic: the base at seqLen). */
  freqBase: number;
  /** freq_scale: 1/factor for linear, yarn and proportional, else 1. */
  freqScale: number;
  /** ext_factor: 1 for yarn (ggml's YaRN ramp), else 0. */
  extFactor: number;
  /** attn_factor; with extFactor 1, ggml multiplies it by 1 + 0.1 ln(1/freqScale). */
  attnFactor: number;
  /** beta_fast / beta_slow: yarn's, else llama.cpp's defaults 32 / 1 (unused when extFactor is 0). */
  betaFast: number;
  betaSlow: number;
  /** ggml_rope_ext's tensor c: rotaryDim/2 divisors of each pair's theta, or null. */
  freqFactors: Float32Array | null;
}

export interface Rope {
  readonly headDim: number;
  readonly rotaryDim: number;
  readonly base: number;
  readonly layout: RopeLayout;
  /** The normalized scaling in use (a copy; narrow on `type`), or null for none. */
  readonly scaling: ResolvedScaling | null;
  /** The normalized M-RoPE config (a copy), or null for 1-D RoPE. */
  readonly mrope: ResolvedMrope | null;
  /** The freq factors in use (a copy), or null. */
  readonly freqFactors: Float64Array | null;
  /** The rotaryDim/2 frequencies in use (a copy). */
  readonly invFreq: Float64Array;
  /** cos and sin are scaled by this (1 without scaling). */
  readonly attentionFactor: number;
  /**
   * Bytes the cos/sin cache holds now: the table(s) and per-rope rows (dynamic and longrope
   * keep two regime states, each with its own table and fixed part; M-RoPE adds a block of
   * mixed rows).
   */
  readonly cacheBytes: number;
  readonly disposed: boolean;
  /** config.numHeads / config.numKvHeads, or null when the config did not give them. */
  readonly numHeads: number | null;
  readonly numKvHeads: number | null;
  /** Per-pair frequencies at a sequence length. */
  frequencies(options?: { seqLen?: number }): PairFrequencies;
  /**
   * Rotates x in place. A RopeBuffer, or a typed array lying inside one live RopeBuffer (a
   * view or a subarray of one), is rotated where it lives; any other view of this library's
   * wasm memory is a RopeError (HEAP_VIEW_INVALID, or DISPOSED for a disposed buffer's
   * view); any other array is copied in and out, in bounded chunks.
   */
  apply(x: Tensor, options: ApplyOptions): void;
  /** A Uint16Array of float16 / bfloat16 bit patterns: `dtype` says which. */
  apply(x: Uint16Array, options: ApplyOptions & { dtype: 'float16' | 'bfloat16' }): void;
  /** Rotates q and k in place with one cos/sin lookup. */
  applyQK(q: Tensor, k: Tensor, options: ApplyQKOptions): void;
  /** With a Uint16Array q or k, `dtype` says what its bits are (q and k share one dtype). */
  applyQK(q: Tensor | Uint16Array, k: Tensor | Uint16Array, options: ApplyQKOptions & { dtype: 'float16' | 'bfloat16' }): void;
  /**
   * Rotates the q and k heads of one fused tensor in place ([tokens, numHeads + 2 *
   * numKvHeads, headDim] token-major; head-major [numHeads + 2 * numKvHeads, tokens,
   * headDim]); the v heads are not touched.
   */
  applyQKV(qkv: Tensor, options: ApplyQKVOptions): void;
  applyQKV(qkv: Uint16Array, options: ApplyQKVOptions & { dtype: 'float16' | 'bfloat16' }): void;
  /**
   * Moves keys rotated at fromPositions to toPositions, in place (the attention factor is not
   * applied again). Both sides use one sequence length: options.seqLen, or the one in force.
   */
  shift(k: Tensor, options: ShiftOptions): void;
  shift(k: Uint16Array, options: ShiftOptions & { dtype: 'float16' | 'bfloat16' }): void;
  /**
   * Moves vectors rotated under `fromSeqLen` to the frequencies (and attention factor) of
   * `toSeqLen`, in place: inverse rotation under the old state, forward under the new.
   */
  rerotate(x: Tensor, options: RerotateOptions): void;
  /**
   * onnxruntime's cos_cache / sin_cache for positions 0 .. length-1 (docs/onnxruntime.md):
   * Float32Arrays, or Uint16Arrays of float16 / bfloat16 bits.
   */
  cosSinCache(options: CosSinCacheOptions & { dtype?: 'float32' }): CosSinTables<Float32Array>;
  cosSinCache(options: CosSinCacheOptions & { dtype: 'float16' | 'bfloat16' }): CosSinTables<Uint16Array>;
  cosSinCache(options: CosSinCacheOptions): CosSinTables;
  /**
   * ggml_rope_ext's arguments that reproduce this rope (docs/ggml.md). A RopeError
   * GGML_UNSUPPORTED where there are none (M-RoPE: ggml_rope_multi; values float32 cannot hold).
   */
  toGGML(options?: GGMLOptions): GGMLRopeParams;
  dispose(): void;
  [Symbol.dispose](): void;
}

/**
 * Elements of type D in wasm memory ({@link RopeLibrary.alloc}). `RopeBuffer` alone is a
 * float32 buffer, `RopeBuffer<RopeDtype>` any.
 */
export interface RopeBuffer<D extends RopeDtype = 'float32'> {
  /** Elements (of dtype). */
  readonly length: number;
  readonly dtype: D;
  readonly disposed: boolean;
  /**
   * A fresh view each call: a Float32Array, or a Uint16Array of the 16-bit patterns; do not
   * keep one across calls that may grow memory.
   */
  view(): D extends 'float32' ? Float32Array : Uint16Array;
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

// ---- M-RoPE position builders (bindings/js/mrope-positions.js; docs/multimodal.md) ----

/** A run of `text` text tokens (count >= 0). */
export interface MropeTextSegment { text: number }
/** An image; the grid in patches, as `image_grid_thw`: t*h*w / merge^2 tokens. */
export interface MropeImageSegment { image: [t: number, h: number, w: number] }
/**
 * A video; the grid in patches, as `video_grid_thw`: t*h*w / merge^2 tokens.
 * `secondsPerGrid` (HF `second_per_grid_ts`, temporal_patch_size / fps; default 1) is read by
 * qwen2.5-vl only; the other models ignore it, as Hugging Face does.
 */
export interface MropeVideoSegment { video: [t: number, h: number, w: number]; secondsPerGrid?: number }
export type MropeSegment = MropeTextSegment | MropeImageSegment | MropeVideoSegment;

export interface MropePositionsOptions {
  model: 'qwen2-vl' | 'qwen2.5-vl' | 'qwen3-vl' | 'glm-4v';
  /** The vision config's spatial_merge_size. Default 2. */
  spatialMergeSize?: number;
  /** qwen2.5-vl videos: vision_config.tokens_per_second, the checkpoint's value (2 in the released ones). Default 4, HF's class default. */
  tokensPerSecond?: number;
  /** 'hf-v5' (default): the text after a vision block starts at cur + max(h, w)/merge; 'hf-v4': at the block's largest position + 1. */
  rule?: 'hf-v5' | 'hf-v4';
}

export interface MropePositions {
  /** 3 x T, stream-major: [t...][h...][w...], T entries each. */
  positions: Int32Array;
  /** HF's rope_deltas: max position + 1 - T. */
  ropeDelta: number;
  /** Position of the next decoded token on all three streams (max position + 1 = T + ropeDelta). */
  nextPosition: number;
}

/** Hugging Face's `get_rope_index` for one prompt given as segments. Throws RopeError on bad input. */
export function mropePositions(segments: MropeSegment[], options: MropePositionsOptions): MropePositions;

/**
 * The vision tower's rotary position ids for one grid (in patches): 2 x N, N = t*h*w,
 * [h...][w...], in merge-block order as HF's `rot_pos_emb`, repeated t times.
 */
export function visionPositions(grid: [t: number, h: number, w: number], options?: { spatialMergeSize?: number }): Int32Array;

// ---- end of M-RoPE position builders ----

export {};
