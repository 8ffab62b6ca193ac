// configFromGGUF: M-RoPE sections, the per-pair factor tensors (rope_freqs,
// rope_factors_long/short) and per-layer RoPE (Gemma sliding-window layers, Llama 4 NoPE).
//
// GGUF files are written here (tests/js/fixtures/gguf-writer.js) with the keys and tensors
// llama.cpp's converter writes (ggml-org/llama.cpp conversion/llama.py @ 0274f0fc7d7f,
// conversion/gemma.py @ 061b8c5f9188, conversion/phi.py @ 051139f51130; the key names of
// gguf-py/gguf/constants.py). Tensor data is read by byte range only: through a Blob
// (recorded slices) and through a local HTTP server that counts the bytes it sends.
import { beforeAll, describe, expect, it } from 'vitest';
import { RopeError, configFromGGUF, configFromHF, loadRope } from '../../dist/index.js';
import { writeGGUF, tensorRange, GGML } from './fixtures/gguf-writer.js';
import { llama3RopeFreqs, hfLlama3InvFreq } from './fixtures/llama3-rope-freqs.js';
import { serveBytes } from './fixtures/range-server.js';
import { readFileSync } from 'node:fs';


const fixture = (name) => JSON.parse(readFileSync(new URL(`./fixtures/hf/${name}`, import.meta.url), 'utf8'));

async function errorOf(fn) {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

async function expectConfigError(fn, argument, fragment) {
  const err = await errorOf(fn);
  expect(err).toBeInstanceOf(RopeError);
  expect(err.code).toBe('CONFIG_INVALID');
  expect(err.argument).toBe(argument);
  if (fragment !== undefined) expect(err.message).toContain(fragment);
  return err;
}

// A Blob that records the ranges read from it.
class CountingBlob extends Blob {
  constructor(parts) {
    super(parts);
    this.reads = [];
  }
  slice(start, end, type) {
    this.reads.push([start, Math.min(end ?? this.size, this.size)]);
    return super.slice(start, end, type);
  }
}

// A stand-in for the weights: a Q8_0 matrix larger than @huggingface/gguf's 2 MB header
// chunk, placed before the small factor tensors, so reading them by range is visible.
const EMBD = { name: 'token_embd.weight', shape: [4096, 640], type: 'Q8_0', bytes: new Uint8Array((4096 * 640 / 32) * 34) };

// meta-llama/Llama-3.1-8B as the converter writes it: rope_freqs from its llama3 block.
const LLAMA31_SCALING = { base: 500000, dim: 128, factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 };
const LLAMA31_FREQS = llama3RopeFreqs(LLAMA31_SCALING);
const LLAMA31_KV = {
  'general.architecture': ['str', 'llama'],
  'llama.block_count': ['u32', 32],
  'llama.context_length': ['u32', 131072],
  'llama.embedding_length': ['u32', 4096],
  'llama.attention.head_count': ['u32', 32],
  'llama.attention.head_count_kv': ['u32', 8],
  'llama.rope.dimension_count': ['u32', 128],
  'llama.rope.freq_base': ['f32', 500000],
};
const LLAMA31 = writeGGUF(LLAMA31_KV, [EMBD, { name: 'rope_freqs.weight', data: LLAMA31_FREQS }]);
const LLAMA31_ROPE = { headDim: 128, rotaryDim: 128, base: 500000, layout: 'interleaved', scaling: null, freqFactors: LLAMA31_FREQS, numHeads: 32, numKvHeads: 8 };

describe('rope_freqs.weight -> freqFactors', () => {
  it('Llama 3.1: the converter\'s llama3 factors, no llama3 scaling on top; equal to Hugging Face\'s llama3 frequencies', async () => {
    const cfg = await configFromGGUF(LLAMA31);
    expect(cfg).toEqual(LLAMA31_ROPE);
    // The factors are the scaling: base^(-2i/R) / ff[i] is transformers' llama3 inv_freq
    // up to ff's float32 rounding (the notes, section 10: <= 1.9e-7 relative).
    const hf = hfLlama3InvFreq(LLAMA31_SCALING);
    for (let i = 0; i < 64; i++) {
      const viaFactors = 500000 ** (-(2 * i) / 128) / cfg.freqFactors[i];
      expect(Math.abs(viaFactors - hf[i]) / hf[i]).toBeLessThan(3e-7);
    }
    // Spot values of the formula: pair 0 unscaled, the last pairs divided by 8, a smoothed one between.
    expect(LLAMA31_FREQS[0]).toBe(1);
    expect(LLAMA31_FREQS[63]).toBe(8);
    expect(LLAMA31_FREQS.filter((v) => v > 1 && v < 8).length).toBeGreaterThan(0);
  });

  it('reads only the tensor\'s bytes from a Blob', async () => {
    const blob = new CountingBlob([LLAMA31]);
    expect(await configFromGGUF(blob)).toEqual(LLAMA31_ROPE);
    const [start, end] = tensorRange(LLAMA31, 'rope_freqs.weight');
    expect(end - start).toBe(256);
    // The parser's header chunk (@huggingface/gguf reads 2,000,000 bytes at a time), then
    // exactly the 64 float32s: never the rest of the file.
    expect(blob.reads).toEqual([[0, 2000000], [start, end]]);
    expect(LLAMA31.length).toBeGreaterThan(2000000 + 256);
  });

  it('reads only the tensor\'s bytes from a URL (range requests to a local server)', async () => {
    const server = await serveBytes(LLAMA31);
    try {
      expect(await configFromGGUF(server.url)).toEqual(LLAMA31_ROPE);
      const [start, end] = tensorRange(LLAMA31, 'rope_freqs.weight');
      expect(server.log).toEqual([
        { range: 'bytes=0-1999999', sent: 2000000 },
        { range: `bytes=${start}-${end - 1}`, sent: 256 },
      ]);
      expect(server.sent()).toBe(2000256);
      expect(server.sent()).toBeLessThan(LLAMA31.length);
    } finally {
      await server.close();
    }
  });

  it('a server that ignores the range is refused, not read whole', async () => {
    const fetch = async (url, init) => {
      if (init && init.headers && /bytes=0-/.test(init.headers.Range)) {
        return new Response(LLAMA31.slice(0, 2000000), { status: 206, headers: { 'content-range': `bytes 0-1999999/${LLAMA31.length}` } });
      }
      return new Response(LLAMA31, { status: 200 });
    };
    await expectConfigError(() => configFromGGUF('https://example.invalid/llama.gguf', { fetch }), 'tensor rope_freqs.weight', 'HTTP 206');
  });

  it('general.alignment other than 32, and F16 factors (widened exactly)', async () => {
    const file = writeGGUF(LLAMA31_KV, [EMBD, { name: 'rope_freqs.weight', data: LLAMA31_FREQS }], { alignment: 64 });
    expect(await configFromGGUF(file)).toEqual(LLAMA31_ROPE);
    const halves = LLAMA31_FREQS.map((v) => Math.round(v * 64) / 64); // exactly representable in F16
    const f16 = writeGGUF(LLAMA31_KV, [{ name: 'rope_freqs.weight', type: 'F16', data: halves }]);
    expect((await configFromGGUF(f16)).freqFactors).toEqual(halves);
  });

  it('a factor tensor of another type or shape names the tensor', async () => {
    const q8 = writeGGUF(LLAMA31_KV, [{ name: 'rope_freqs.weight', shape: [64], type: GGML.Q8_0, bytes: new Uint8Array(68) }]);
    await expectConfigError(() => configFromGGUF(q8), 'tensor rope_freqs.weight', 'F32 or F16');
    const wide = writeGGUF(LLAMA31_KV, [{ name: 'rope_freqs.weight', shape: [32, 2], data: LLAMA31_FREQS }]);
    await expectConfigError(() => configFromGGUF(wide), 'tensor rope_freqs.weight', 'shape [64]');
    const zero = writeGGUF(LLAMA31_KV, [{ name: 'rope_freqs.weight', data: LLAMA31_FREQS.map((v, i) => (i === 5 ? 0 : v)) }]);
    await expectConfigError(() => configFromGGUF(zero), 'tensor rope_freqs.weight[5]', '> 0');
  });

  it('Llama 4: NoPE every 4th layer (llama.cpp use_rope = (il+1) % 4 != 0), factors 1 / 16 from llama3 with low == high', async () => {
    const freqs = llama3RopeFreqs({ base: 500000, dim: 128, factor: 16, lowFreqFactor: 1, highFreqFactor: 1, originalMaxPositionEmbeddings: 8192 });
    // The converter's formula with low == high never takes the smoothed branch.
    expect(new Set(freqs)).toEqual(new Set([1, 16]));
    const file = writeGGUF({
      'general.architecture': ['str', 'llama4'], 'llama4.block_count': ['u32', 48], 'llama4.embedding_length': ['u32', 5120],
      'llama4.attention.head_count': ['u32', 40], 'llama4.attention.head_count_kv': ['u32', 8], 'llama4.attention.key_length': ['u32', 128],
      'llama4.rope.dimension_count': ['u32', 128], 'llama4.rope.freq_base': ['f32', 500000], 'llama4.attention.sliding_window': ['u32', 8192],
    }, [{ name: 'rope_freqs.weight', data: freqs }]);
    const rope = { headDim: 128, rotaryDim: 128, base: 500000, layout: 'interleaved', scaling: null, freqFactors: freqs, numHeads: 40, numKvHeads: 8 };
    expect(await configFromGGUF(file, { layerIndex: 0 })).toEqual(rope);
    expect(await configFromGGUF(file, { layerIndex: 3 })).toBe(null);
    expect(await configFromGGUF(file, { layerType: 'chunked_attention' })).toEqual(rope);
    await expectConfigError(() => configFromGGUF(file), 'options.layerIndex', 'NoPE');
    await expectConfigError(() => configFromGGUF(file, { layerIndex: 48 }), 'options.layerIndex');
    // Hugging Face's llama3 frequencies (the Scout fixture) agree with base^(-2i/R) / ff.
    const hf = hfLlama3InvFreq({ base: 500000, dim: 128, factor: 16, lowFreqFactor: 1, highFreqFactor: 1, originalMaxPositionEmbeddings: 8192 });
    for (let i = 0; i < 64; i++) expect(500000 ** (-(2 * i) / 128) / freqs[i]).toBeCloseTo(hf[i], 15);
    expect(configFromHF(fixture('llama-4-scout-17b-16e-instruct.json'), { layerIndex: 0 }).scaling.type).toBe('llama3');
  });
});

describe('rope_factors_long / rope_factors_short -> longrope', () => {
  // microsoft/Phi-3-mini-128k-instruct's geometry (conversion/phi.py: rope_dims 96,
  // original_context_length 4096, context_length 131072, attn_factor
  // sqrt(1 + ln(32) / ln(4096))); factors exactly representable in float32 so the result
  // can equal configFromHF's.
  const short = Array.from({ length: 48 }, (_, i) => 1 + i / 64);
  const long = Array.from({ length: 48 }, (_, i) => 1 + i / 8);
  const kv = {
    'general.architecture': ['str', 'phi3'], 'phi3.context_length': ['u32', 131072], 'phi3.embedding_length': ['u32', 3072],
    'phi3.attention.head_count': ['u32', 32], 'phi3.attention.head_count_kv': ['u32', 32], 'phi3.rope.dimension_count': ['u32', 96],
    'phi3.rope.freq_base': ['f32', 10000], 'phi3.rope.scaling.original_context_length': ['u32', 4096],
    'phi3.rope.scaling.attn_factor': ['f32', Math.sqrt(1 + Math.log(32) / Math.log(4096))],
  };
  const tensors = [EMBD, { name: 'rope_factors_long.weight', data: long }, { name: 'rope_factors_short.weight', data: short }];
  const hf = {
    model_type: 'phi3', hidden_size: 3072, num_attention_heads: 32, num_key_value_heads: 32, max_position_embeddings: 131072,
    original_max_position_embeddings: 4096, rope_theta: 10000.0, rope_scaling: { type: 'longrope', short_factor: short, long_factor: long },
  };
  const want = {
    headDim: 96, rotaryDim: 96, base: 10000, layout: 'half', numHeads: 32, numKvHeads: 32,
    scaling: { type: 'longrope', shortFactor: short, longFactor: long, originalMaxPositionEmbeddings: 4096, maxPositionEmbeddings: 131072 },
  };

  it('reads both tensors by range and equals configFromHF of the same model; createRope agrees', async () => {
    const file = writeGGUF(kv, tensors);
    const blob = new CountingBlob([file]);
    const cfg = await configFromGGUF(blob);
    expect(cfg).toEqual(want);
    expect(cfg).toEqual(configFromHF(hf));
    expect(blob.reads).toEqual([[0, 2000000], tensorRange(file, 'rope_factors_short.weight'), tensorRange(file, 'rope_factors_long.weight')]);
    const lib = await loadRope({ simd: false });
    const a = lib.createRope(cfg);
    const b = lib.createRope(configFromHF(hf));
    try {
      for (const seqLen of [4096, 131072]) {
        expect(Array.from(a.frequencies({ seqLen }).freq)).toEqual(Array.from(b.frequencies({ seqLen }).freq));
        expect(a.frequencies({ seqLen }).attentionFactor).toBe(b.frequencies({ seqLen }).attentionFactor);
      }
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('an attn_factor other than Hugging Face\'s default is kept as attentionFactor', async () => {
    const file = writeGGUF({ ...kv, 'phi3.rope.scaling.attn_factor': ['f32', 1.25] }, tensors);
    expect((await configFromGGUF(file)).scaling).toEqual({ ...want.scaling, attentionFactor: 1.25 });
  });

  it('refuses one tensor without the other, a wrong length, and a missing original context', async () => {
    await expectConfigError(() => configFromGGUF(writeGGUF(kv, [tensors[1]])), 'tensor rope_factors_short.weight', 'both');
    await expectConfigError(() => configFromGGUF(writeGGUF(kv, [{ name: 'rope_factors_long.weight', data: long.slice(1) }, tensors[2]])),
      'tensor rope_factors_long.weight', 'shape [48]');
    const { 'phi3.rope.scaling.original_context_length': _, ...noOrig } = kv;
    await expectConfigError(() => configFromGGUF(writeGGUF(noOrig, tensors)), 'phi3.rope.scaling.original_context_length');
  });
});

describe('{arch}.rope.dimension_sections -> mrope', () => {
  const qwen2vl = {
    'general.architecture': ['str', 'qwen2vl'], 'qwen2vl.block_count': ['u32', 28], 'qwen2vl.context_length': ['u32', 32768],
    'qwen2vl.embedding_length': ['u32', 3584], 'qwen2vl.attention.head_count': ['u32', 28], 'qwen2vl.attention.head_count_kv': ['u32', 4],
    'qwen2vl.rope.dimension_count': ['u32', 128], 'qwen2vl.rope.freq_base': ['f32', 1000000],
    'qwen2vl.rope.dimension_sections': ['i32[]', [16, 24, 24, 0]],
  };

  it('qwen2vl (Qwen2-VL, Qwen2.5-VL): chunked, the 4th (padding) section dropped; as configFromHF', async () => {
    const cfg = await configFromGGUF(writeGGUF(qwen2vl));
    expect(cfg).toEqual({ headDim: 128, rotaryDim: 128, base: 1e6, layout: 'half', scaling: null, mrope: { section: [16, 24, 24], mode: 'chunked' }, numHeads: 28, numKvHeads: 4 });
    expect(cfg).toEqual(configFromHF(fixture('qwen2-vl-7b-instruct.json')));
  });

  it('qwen3vl / qwen3vlmoe / qwen35 / qwen35moe: interleaved (IMROPE)', async () => {
    const qwen3 = (arch, extra) => writeGGUF({
      'general.architecture': ['str', arch], [`${arch}.embedding_length`]: ['u32', 4096], [`${arch}.attention.head_count`]: ['u32', 32],
      [`${arch}.attention.head_count_kv`]: ['u32', 8], [`${arch}.attention.key_length`]: ['u32', 128], [`${arch}.rope.dimension_count`]: ['u32', 128], [`${arch}.rope.freq_base`]: ['f32', 5000000],
      [`${arch}.rope.dimension_sections`]: ['i32[]', [24, 20, 20, 0]], ...extra,
    });
    const want = { headDim: 128, rotaryDim: 128, base: 5e6, layout: 'half', scaling: null, mrope: { section: [24, 20, 20], mode: 'interleaved' }, numHeads: 32, numKvHeads: 8 };
    expect(await configFromGGUF(qwen3('qwen3vl'))).toEqual(want);
    expect(await configFromGGUF(qwen3('qwen3vlmoe'))).toEqual(want);
    expect(await configFromGGUF(qwen3('qwen3vl'))).toEqual(configFromHF(fixture('qwen3-vl-8b-instruct.json')));
    // Qwen3.5: partial rotary through dimension_count (64 of 256).
    const q35 = await configFromGGUF(qwen3('qwen35', {
      'qwen35.attention.head_count': ['u32', 16], 'qwen35.attention.head_count_kv': ['u32', 4], 'qwen35.attention.key_length': ['u32', 256], 'qwen35.rope.dimension_count': ['u32', 64], 'qwen35.rope.freq_base': ['f32', 10000000],
      'qwen35.rope.dimension_sections': ['i32[]', [11, 11, 10, 0]],
    }));
    expect(q35).toEqual({ headDim: 256, rotaryDim: 64, base: 1e7, layout: 'half', scaling: null, mrope: { section: [11, 11, 10], mode: 'interleaved' }, numHeads: 16, numKvHeads: 4 });
    expect(q35).toEqual(configFromHF(fixture('qwen3.5.json')));
  });

  it('refuses sections that do not sum, a nonzero 4th stream, and sections on a 1-D architecture', async () => {
    await expectConfigError(() => configFromGGUF(writeGGUF({ ...qwen2vl, 'qwen2vl.rope.dimension_sections': ['i32[]', [16, 24, 20, 0]] })),
      'qwen2vl.rope.dimension_sections', 'sum to rotaryDim / 2 = 64');
    await expectConfigError(() => configFromGGUF(writeGGUF({ ...qwen2vl, 'qwen2vl.rope.dimension_sections': ['i32[]', [16, 24, 20, 4]] })),
      'qwen2vl.rope.dimension_sections', '4th');
    await expectConfigError(() => configFromGGUF(writeGGUF({ ...LLAMA31_KV, 'llama.rope.dimension_sections': ['i32[]', [16, 24, 24, 0]] })),
      'llama.rope.dimension_sections');
  });
});

describe('sliding-window layers (Gemma)', () => {
  // google/gemma-3-4b-it as converted (conversion/gemma.py Gemma3Model): freq_base 1e6 for
  // the global layers, linear 8, sliding_window 1024; no freq_base_swa key in this file, so
  // llama.cpp's gemma3 loader gives the sliding layers 10000 and no scaling.
  const gemma3 = {
    'general.architecture': ['str', 'gemma3'], 'gemma3.block_count': ['u32', 34], 'gemma3.context_length': ['u32', 131072],
    'gemma3.embedding_length': ['u32', 2560], 'gemma3.attention.head_count': ['u32', 8], 'gemma3.attention.head_count_kv': ['u32', 4],
    'gemma3.attention.key_length': ['u32', 256], 'gemma3.rope.freq_base': ['f32', 1000000], 'gemma3.attention.sliding_window': ['u32', 1024],
    'gemma3.rope.scaling.type': ['str', 'linear'], 'gemma3.rope.scaling.factor': ['f32', 8],
  };
  const FULL = { headDim: 256, rotaryDim: 256, base: 1e6, layout: 'half', scaling: { type: 'linear', factor: 8 }, numHeads: 8, numKvHeads: 4 };
  const SLIDING = { headDim: 256, rotaryDim: 256, base: 10000, layout: 'half', scaling: null, numHeads: 8, numKvHeads: 4 };

  it('Gemma 3 needs a layer type or index; sliding layers get 10000 without scaling; as configFromHF', async () => {
    const file = writeGGUF(gemma3);
    await expectConfigError(() => configFromGGUF(file), 'options.layerType', 'sliding');
    expect(await configFromGGUF(file, { layerType: 'full_attention' })).toEqual(FULL);
    expect(await configFromGGUF(file, { layerType: 'sliding_attention' })).toEqual(SLIDING);
    expect(await configFromGGUF(file, { layerIndex: 5 })).toEqual(FULL);
    expect(await configFromGGUF(file, { layerIndex: 4 })).toEqual(SLIDING);
    const hf = fixture('gemma-3-4b-it.json');
    for (const layerIndex of [0, 5, 11, 33]) {
      expect(await configFromGGUF(file, { layerIndex })).toEqual(configFromHF(hf, { layerIndex }));
    }
    // A freq_base_swa key (the converter writes it from rope_parameters.sliding_attention).
    expect((await configFromGGUF(writeGGUF({ ...gemma3, 'gemma3.rope.freq_base_swa': ['f32', 20000] }), { layerIndex: 0 })).base).toBe(20000);
    // No sliding window: no SWA layers (llama.cpp's loader), every layer the global RoPE.
    const { 'gemma3.attention.sliding_window': _, ...noSwa } = gemma3;
    expect(await configFromGGUF(writeGGUF(noSwa))).toEqual(FULL);
    await expectConfigError(() => configFromGGUF(file, { layerIndex: 34 }), 'options.layerIndex');
  });

  it('Gemma 4: full layers with global head dim 512 and rope_freqs (1 x 64, 1e30 x 192), sliding ones with the *_swa keys', async () => {
    // conversion/gemma.py Gemma4Model: key_length 512 / key_length_swa 256, dimension_count
    // 512 / dimension_count_swa 256, sliding_window_pattern from layer_types, rope_freqs for
    // the full-attention layers only ("proportional" with partial_rotary_factor 0.25).
    const freqs = [...Array(64).fill(1), ...Array(192).fill(1e30)];
    const pattern = Array.from({ length: 30 }, (_, i) => (i + 1) % 6 !== 0);
    const file = writeGGUF({
      'general.architecture': ['str', 'gemma4'], 'gemma4.block_count': ['u32', 30], 'gemma4.embedding_length': ['u32', 2304],
      'gemma4.attention.head_count': ['u32', 8], 'gemma4.attention.head_count_kv': ['u32[]', pattern.map((s) => (s ? 4 : 2))],
      'gemma4.attention.key_length': ['u32', 512], 'gemma4.attention.key_length_swa': ['u32', 256],
      'gemma4.rope.dimension_count': ['u32', 512], 'gemma4.rope.dimension_count_swa': ['u32', 256],
      'gemma4.rope.freq_base': ['f32', 1000000], 'gemma4.rope.freq_base_swa': ['f32', 10000],
      'gemma4.attention.sliding_window': ['u32', 512], 'gemma4.attention.sliding_window_pattern': ['bool[]', pattern],
    }, [EMBD, { name: 'rope_freqs.weight', data: freqs }]);
    const full = await configFromGGUF(file, { layerIndex: 29 });
    // head_count_kv per layer (conversion/gemma.py: num_global_key_value_heads on full layers).
    expect(full).toEqual({ headDim: 512, rotaryDim: 512, base: 1e6, layout: 'half', scaling: null, freqFactors: freqs.map(Math.fround), numHeads: 8, numKvHeads: 2 });
    expect(await configFromGGUF(file, { layerType: 'sliding_attention' })).toEqual({ headDim: 256, rotaryDim: 256, base: 10000, layout: 'half', scaling: null, numHeads: 8, numKvHeads: 4 });
    expect((await configFromGGUF(file, { layerType: 'full_attention' })).numKvHeads).toBe(2);
    // The same rotation as Hugging Face's proportional RoPE: base^(-2i/512) for i < 64, and a
    // frequency of ~1e-30 (HF: 0) for the other pairs.
    const hf = configFromHF(fixture('gemma-4.json'), { layerIndex: 29 });
    expect(hf.scaling).toEqual({ type: 'proportional', partialRotaryFactor: 0.25 });
    const a = Math.trunc((hf.scaling.partialRotaryFactor * hf.headDim) / 2);
    for (let i = 0; i < 256; i++) {
      const viaFactors = 1e6 ** (-(2 * i) / 512) / full.freqFactors[i];
      if (i < a) expect(viaFactors).toBe(1e6 ** (-(2 * i) / 512));
      else expect(viaFactors).toBeLessThan(1e-29);
    }
    await expectConfigError(() => configFromGGUF(file), 'options.layerType');
  });
});

describe('createRope takes the GGUF results', () => {
  let lib;
  beforeAll(async () => {
    lib = await loadRope({ simd: false });
  });

  it('Llama 3.1 rope_freqs: the rope\'s frequencies are Hugging Face\'s llama3 ones up to the factors\' float32 rounding', async () => {
    const rope = lib.createRope(await configFromGGUF(LLAMA31));
    const hfRope = lib.createRope(configFromHF({
      model_type: 'llama', hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8, max_position_embeddings: 131072, rope_theta: 500000.0,
      rope_scaling: { factor: 8.0, low_freq_factor: 1.0, high_freq_factor: 4.0, original_max_position_embeddings: 8192, rope_type: 'llama3' },
    }));
    try {
      const want = hfLlama3InvFreq(LLAMA31_SCALING);
      const a = rope.invFreq;
      const b = hfRope.invFreq;
      for (let i = 0; i < 64; i++) {
        expect(Math.abs(a[i] - want[i]) / want[i]).toBeLessThan(3e-7);
        expect(Math.abs(a[i] - b[i]) / b[i]).toBeLessThan(3e-7);
      }
      expect(Array.from(rope.freqFactors)).toEqual(LLAMA31_FREQS);
    } finally {
      rope.dispose();
      hfRope.dispose();
    }
  });

  it('Gemma 4 rope_freqs and Hugging Face\'s proportional scaling give the same rope (0 vs ~1e-30 for the still pairs)', async () => {
    const freqs = [...Array(64).fill(1), ...Array(192).fill(1e30)];
    const pattern = Array.from({ length: 30 }, (_, i) => (i + 1) % 6 !== 0);
    const file = writeGGUF({
      'general.architecture': ['str', 'gemma4'], 'gemma4.block_count': ['u32', 30], 'gemma4.embedding_length': ['u32', 2304],
      'gemma4.attention.head_count': ['u32', 8], 'gemma4.attention.key_length': ['u32', 512], 'gemma4.attention.key_length_swa': ['u32', 256],
      'gemma4.rope.dimension_count': ['u32', 512], 'gemma4.rope.dimension_count_swa': ['u32', 256], 'gemma4.rope.freq_base': ['f32', 1000000],
      'gemma4.rope.freq_base_swa': ['f32', 10000], 'gemma4.attention.sliding_window': ['u32', 512], 'gemma4.attention.sliding_window_pattern': ['bool[]', pattern],
    }, [{ name: 'rope_freqs.weight', data: freqs }]);
    const a = lib.createRope(await configFromGGUF(file, { layerType: 'full_attention' }));
    const b = lib.createRope(configFromHF(fixture('gemma-4.json'), { layerType: 'full_attention' }));
    try {
      const fa = a.invFreq;
      const fb = b.invFreq;
      for (let i = 0; i < 256; i++) {
        if (i < 64) expect(fa[i]).toBeCloseTo(fb[i], 15);
        else {
          expect(fb[i]).toBe(0);
          expect(fa[i]).toBeLessThan(1e-29);
        }
      }
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('Qwen3-VL dimension_sections: the rope\'s mrope', async () => {
    const file = writeGGUF({
      'general.architecture': ['str', 'qwen3vl'], 'qwen3vl.embedding_length': ['u32', 4096], 'qwen3vl.attention.head_count': ['u32', 32],
      'qwen3vl.attention.key_length': ['u32', 128], 'qwen3vl.rope.dimension_count': ['u32', 128], 'qwen3vl.rope.freq_base': ['f32', 5000000],
      'qwen3vl.rope.dimension_sections': ['i32[]', [24, 20, 20, 0]],
    });
    const rope = lib.createRope(await configFromGGUF(file));
    try {
      expect(rope.mrope).toEqual({ section: [24, 20, 20], mode: 'interleaved' });
    } finally {
      rope.dispose();
    }
  });
});
