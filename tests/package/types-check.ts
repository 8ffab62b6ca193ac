// Compiled with tsc --noEmit against the installed package: the hand-written .d.ts must
// describe the API as the tests use it (a type error here fails the package test), and
// each `@ts-expect-error` line must stay an error (if the types loosen, the directive is
// unused and that fails too). Uses only what lib es2020 has: pack-test.sh compiles it under
// every lib of its matrix; the dom- and disposable-only checks are in types-check-*.ts.
import {
  configFromGGUF, configFromHF, loadRope, mropePositions, RopeError, simdSupported, visionPositions,
  type ApplyOptions, type ApplyQKOptions, type CosSinTables, type GGMLRopeParams, type HFConfig, type HFRopeParameters,
  type MropeMode, type Positions, type ResolvedMrope, type ResolvedScaling, type Rope, type RopeBuffer,
  type RopeConfig, type RopeDtype, type RopeScaling, type ShiftOptions,
} from 'rope-wasm';

async function main(): Promise<void> {
  const lib = await loadRope({ simd: 'auto', wasmUrl: 'https://example.invalid/' });
  const simd: boolean = lib.simd && simdSupported();
  const config: RopeConfig = { headDim: 128, rotaryDim: 64, base: 500000, layout: 'half' };
  const rope: Rope = lib.createRope(config);
  const buf: RopeBuffer = lib.alloc(128);
  const opts: ApplyOptions = { numHeads: 1, positions: new Int32Array([5]), order: 'token-major', inverse: false };
  rope.apply(buf, opts);
  rope.apply(new Float32Array(256), { numHeads: 2, positions: 3 });
  rope.applyQK(new Float32Array(256), buf, { numHeads: 2, numKvHeads: 1, positions: [7] });
  const f: Float64Array = rope.invFreq;
  const a: number = rope.attentionFactor + f[0] + lib.heapStats().bytesInUse;
  const view: Float32Array = buf.view();
  const pf = rope.frequencies({ seqLen: 4096 });
  const w: Float64Array = pf.wavelength;
  void [simd, a, view, w];
  // The disposable members type-check without lib esnext.disposable.
  buf[Symbol.dispose]();
  rope[Symbol.dispose]();
  try {
    lib.createRope({ headDim: 7 });
  } catch (e) {
    if (e instanceof RopeError) {
      const code: string = e.code;
      const argument: string | undefined = e.argument;
      void [code, argument];
    }
  }

  // configFromHF takes a typed config.json, JSON.parse's `any`, and a Record<string, unknown>.
  const llama: HFConfig = {
    model_type: 'llama', hidden_size: 4096, num_attention_heads: 32, max_position_embeddings: 131072,
    rope_theta: 500000, torch_dtype: 'bfloat16', architectures: ['LlamaForCausalLM'],
    rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 },
  };
  const fromTyped: RopeConfig = configFromHF(llama, { layout: 'half' });
  const fromJson: RopeConfig = configFromHF(JSON.parse('{"model_type":"qwen2","head_dim":128}'));
  const record: Record<string, unknown> = { model_type: 'gptj', head_dim: 256, rotary_dim: 64 };
  const fromRecord: RopeConfig = configFromHF(record);
  // transformers 5.x: rope_parameters, one dict or one per layer type; multimodal text_config.
  const gemma: HFConfig = {
    model_type: 'gemma3', layer_types: ['sliding_attention', 'full_attention'],
    text_config: {
      model_type: 'gemma3_text', head_dim: 256, num_attention_heads: 4, max_position_embeddings: 32768,
      rope_parameters: {
        full_attention: { rope_type: 'linear', factor: 8, rope_theta: 1000000 },
        sliding_attention: { rope_type: 'default', rope_theta: 10000 },
      },
    },
  };
  const yarn: HFRopeParameters = { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 4096, beta_fast: null, truncate: false };
  const qwen: HFConfig = { model_type: 'qwen3', head_dim: 128, rope_parameters: yarn, partial_rotary_factor: 0.5 };
  // A user's own interface extends HFConfig.
  interface MyConfig extends HFConfig { model_type: string; my_key: number }
  const mine: MyConfig = { model_type: 'mistral', head_dim: 128, my_key: 1 };
  void [fromTyped, fromJson, fromRecord, configFromHF(gemma, { layerType: 'full_attention' }), configFromHF(qwen), configFromHF(mine)];
  const fromGguf: Promise<RopeConfig> = configFromGGUF(new Uint8Array(16), { layout: 'interleaved' });
  void fromGguf;

  // rope.scaling is the normalized union: narrow on type, then its fields are typed.
  const s: ResolvedScaling | null = rope.scaling;
  if (s !== null && s.type === 'yarn') {
    const truncate: boolean = s.truncate;
    const betaFast: number = s.betaFast;
    const original: number = s.originalMaxPositionEmbeddings;
    const mscale: number | null = s.mscale;
    // @ts-expect-error mscale is null when not given
    const mscaleNumber: number = s.mscale;
    void [truncate, betaFast, original, mscale, mscaleNumber];
  }
  if (s !== null && s.type === 'longrope') {
    const short: number[] = s.shortFactor;
    const factor: number | null = s.factor;
    void [short, factor];
  }
  // A rope's scaling can configure another rope.
  const again: RopeScaling | null = rope.scaling;
  lib.createRope({ headDim: 128, scaling: rope.scaling });
  void again;

  // Wrong uses stay errors.
  // @ts-expect-error rope.scaling may be null
  void rope.scaling.type;
  if (s !== null) {
    // @ts-expect-error shortFactor is not a key of every scaling type (narrow on type first)
    void s.shortFactor;
    // @ts-expect-error there is no "default" in the resolved union (it is null)
    if (s.type === 'default') void s;
  }
  // @ts-expect-error rope_theta is a number in config.json
  const badTheta: HFConfig = { model_type: 'llama', rope_theta: '500000' };
  // @ts-expect-error a misspelt rope type
  const badType: HFConfig = { model_type: 'qwen2', rope_scaling: { rope_type: 'yarnn', factor: 4 } };
  // @ts-expect-error a key no rope dict has
  const badKey: HFRopeParameters = { rope_type: 'yarn', factr: 4 };
  // @ts-expect-error the config, not its path
  configFromHF('config.json');
  // @ts-expect-error layouts are 'half' | 'interleaved'
  configFromHF(llama, { layout: 'neox' });
  // @ts-expect-error RopeConfig.scaling takes camelCase keys (configFromHF converts a config.json)
  lib.createRope({ headDim: 128, scaling: { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 4096 } });
  // @ts-expect-error layouts are 'half' | 'interleaved'
  lib.createRope({ headDim: 128, layout: 'neox' });
  // @ts-expect-error simd is a boolean or 'auto'
  void loadRope({ simd: 'yes' });
  void [badTheta, badType, badKey];
}
void main;

// The API that came with M-RoPE, views, 16-bit tensors, applyQKV, shift, cosSinCache and toGGML.
async function views(): Promise<void> {
  const lib = await loadRope();
  // RopeConfig: head counts, mrope, freqFactors, proportional scaling, llama3 low == high.
  const qwen: RopeConfig = { headDim: 128, base: 1e6, numHeads: 28, numKvHeads: 4, mrope: { section: [16, 24, 24], mode: 'chunked' } };
  const rope: Rope = lib.createRope(qwen);
  lib.createRope({ headDim: 64, freqFactors: new Float32Array(32).fill(1) });
  lib.createRope({ headDim: 256, scaling: { type: 'proportional', partialRotaryFactor: 0.25 } });
  lib.createRope({ headDim: 128, scaling: { type: 'llama3', factor: 16, lowFreqFactor: 1, highFreqFactor: 1, originalMaxPositionEmbeddings: 8192 } });
  const m: ResolvedMrope | null = rope.mrope;
  const mode: MropeMode | undefined = m?.mode;
  const ff: Float64Array | null = rope.freqFactors;
  const heads: number | null = rope.numHeads;
  const s: ResolvedScaling | null = rope.scaling;
  if (s !== null && s.type === 'proportional') {
    const factor: number = s.factor;
    void factor;
  }
  void [mode, ff, heads];

  // Buffers: the dtype picks the view's type.
  const f32: RopeBuffer<'float32'> = lib.alloc(256);
  const f16 = lib.alloc(256, { dtype: 'float16' });
  const v32: Float32Array = f32.view();
  const v16: Uint16Array = f16.view();
  const dtype: RopeDtype = f16.dtype;
  const anyBuf: RopeBuffer<RopeDtype> = dtype === 'float16' ? f16 : f32;
  const either: Float32Array | Uint16Array = anyBuf.view();
  void [v32, v16, either];

  // Positions: numbers, Int32Array, BigInt64Array, number[], one list per stream.
  const T = 2;
  const streams: Positions = [new Int32Array(T), [0, 1], new BigInt64Array(T)];
  rope.apply(f32, { numHeads: 1, positions: streams });
  rope.apply(f32, { numHeads: 1, positions: new BigInt64Array(3 * T) });
  rope.apply(f16, { numHeads: 1, positions: 5 });
  rope.apply(new Uint16Array(256), { numHeads: 1, dtype: 'bfloat16' });
  rope.apply(new Float32Array(4 * 128), { numHeads: 1, tokenStride: 256, numTokens: 2, offset: 0, batch: 1 });

  // applyQK with the config's head counts, views and a fused buffer.
  const qk: ApplyQKOptions = { positions: 7 };
  rope.applyQK(new Float32Array(28 * 128), new Float32Array(4 * 128), qk);
  const fused = new Float32Array(36 * 128);
  rope.applyQK(fused, fused, { kOffset: 28 * 128 });
  rope.applyQK(new Uint16Array(28 * 128), new Uint16Array(4 * 128), { dtype: 'float16' });
  rope.applyQKV(fused, { positions: 3 });
  rope.applyQKV(new Uint16Array(36 * 128), { dtype: 'bfloat16', numHeads: 28, numKvHeads: 4, order: 'head-major' });
  const shift: ShiftOptions = { numHeads: 4, fromPositions: 10, toPositions: 2 };
  rope.shift(new Float32Array(4 * 128), shift);
  rope.shift(new Uint16Array(4 * 128), { ...shift, dtype: 'float16', seqLen: 4096 });

  // cosSinCache: the dtype picks the table type.
  const c32: Float32Array = rope.cosSinCache({ length: 8 }).cos;
  const c16: Uint16Array = rope.cosSinCache({ length: 8, dtype: 'bfloat16' }).sin;
  const cAny: CosSinTables = rope.cosSinCache({ length: 8, dtype, seqLen: 8 });
  const g: GGMLRopeParams = rope.toGGML({ seqLen: 4096 });
  const ggmlFactors: Float32Array | null = g.freqFactors;
  void [c32, c16, cAny, ggmlFactors];

  // configFromHF: null only with a layer picked.
  const text: RopeConfig = configFromHF({ model_type: 'qwen2_vl', hidden_size: 3584, num_attention_heads: 28 });
  const vision: RopeConfig = configFromHF({ model_type: 'qwen2_vl' }, { vision: true });
  const layer: RopeConfig | null = configFromHF({ model_type: 'llama4' }, { layerIndex: 3 });
  const p = mropePositions([{ text: 3 }, { image: [1, 4, 6] }], { model: 'qwen2-vl' });
  rope.applyQK(new Float32Array(9 * 28 * 128), new Float32Array(9 * 4 * 128), { positions: p.positions });
  const hw: Int32Array = visionPositions([1, 4, 6]);
  void [text, vision, layer, hw];

  // Wrong uses stay errors.
  // @ts-expect-error a Uint16Array needs dtype (its bits are float16 or bfloat16)
  rope.apply(new Uint16Array(256), { numHeads: 1 });
  // @ts-expect-error a Uint16Array cannot hold float32
  rope.apply(new Uint16Array(256), { numHeads: 1, dtype: 'float32' });
  // @ts-expect-error a 16-bit buffer's view is not a Float32Array
  const wrongView: Float32Array = f16.view();
  // @ts-expect-error RopeBuffer alone is a float32 buffer
  const wrongBuffer: RopeBuffer = f16;
  // @ts-expect-error dtypes are float32, float16, bfloat16
  lib.alloc(16, { dtype: 'float64' });
  // @ts-expect-error apply takes no numKvHeads
  rope.apply(f32, { numHeads: 1, numKvHeads: 1 });
  // @ts-expect-error apply takes no k view options
  rope.apply(f32, { numHeads: 1, kOffset: 128 });
  // @ts-expect-error shift needs fromPositions and toPositions
  rope.shift(f32, { numHeads: 1, toPositions: 3 });
  // @ts-expect-error shift does not take inverse
  rope.shift(f32, { ...shift, inverse: true });
  // @ts-expect-error mrope modes are chunked, interleaved, vision
  lib.createRope({ headDim: 64, mrope: { section: [16, 16], mode: 'multi' } });
  // @ts-expect-error proportional needs partialRotaryFactor
  lib.createRope({ headDim: 64, scaling: { type: 'proportional', factor: 2 } });
  // @ts-expect-error a float16 table is not a Float32Array
  const wrongTable: Float32Array = rope.cosSinCache({ length: 8, dtype: 'float16' }).cos;
  // @ts-expect-error positions are int32 lists, not Float32Array
  rope.apply(f32, { numHeads: 1, positions: new Float32Array(2) });
  // @ts-expect-error configFromHF with a layer picked may return null
  const notNull: RopeConfig = configFromHF({ model_type: 'llama4' }, { layerIndex: 3 });
  void [wrongView, wrongBuffer, wrongTable, notNull];
}
void views;
