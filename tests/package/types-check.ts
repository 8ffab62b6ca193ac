// Compiled with tsc --noEmit against the installed package: the hand-written .d.ts must
// describe the API as the tests use it (a type error here fails the package test), and
// each `@ts-expect-error` line must stay an error (if the types loosen, the directive is
// unused and that fails too). Uses only what lib es2020 has: pack-test.sh compiles it under
// every lib of its matrix; the dom- and disposable-only checks are in types-check-*.ts.
import {
  configFromGGUF, configFromHF, loadRope, RopeError, simdSupported,
  type ApplyOptions, type HFConfig, type HFRopeParameters, type ResolvedScaling, type Rope, type RopeBuffer,
  type RopeConfig, type RopeScaling,
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
