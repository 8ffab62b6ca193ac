// A GGUF file's metadata (and its per-pair RoPE factor tensors) to a RopeConfig, read with
// @huggingface/gguf: llama.cpp's metadata keys and its llama_model_rope_type() table. Every
// problem is a RopeError with code CONFIG_INVALID naming the key.
import { RopeError, describe, fail } from './errors.js';
import { CODE, agree, checkLayoutOption, has, num, validated } from './config-import-common.js';
import { blobReader, readFactorTensor, urlReader } from './config-gguf-tensors.js';

// llama.cpp's llama_model_rope_type(): NORM pairs consecutive values (the converter
// permutes Llama-family weights to it), NEOX pairs i with i + n_rot/2.
const GGUF_NORM = new Set([
  'llama', 'llada', 'llama4', 'deci', 'baichuan', 'starcoder', 'internlm2', 'minicpm', 'xverse', 'command-r', 'cohere2',
  'olmo', 'arctic', 'deepseek', 'deepseek2', 'plm', 'chatglm', 'glm4', 'granite', 'granitemoe', 'chameleon', 'bailingmoe',
  'smollm3', 'arcee', 'ernie4_5', 'ernie4_5-moe', 'mistral3',
]);
const GGUF_NEOX = new Set([
  'falcon', 'falcon-h1', 'grok', 'dbrx', 'bert', 'nomic-bert', 'stablelm', 'bitnet', 'qwen', 'qwen2', 'qwen2moe', 'qwen3',
  'qwen3moe', 'olmo2', 'olmoe', 'phi2', 'phi3', 'phimoe', 'plamo', 'plamo2', 'gemma', 'gemma2', 'gemma3', 'gemma3n',
  'starcoder2', 'openelm', 'gptneox', 'codeshell', 'orion', 'nemotron', 'exaone', 'exaone4', 'minicpm3', 'dots1',
  'hunyuan-moe', 'gpt-oss', 'hunyuan-dense', 'lfm2', 'smallthinker', 'seed_oss', 'apertus',
]);
// Multi-section (vision-language) RoPE, by llama_model_rope_type(): MROPE (chunked
// sections) for qwen2vl (Qwen2-VL and Qwen2.5-VL), IMROPE (interleaved) for the Qwen3-VL and
// Qwen3.5 arches. Both are NEOX-paired in ggml.
const GGUF_MROPE = { qwen2vl: 'chunked', qwen3vl: 'interleaved', qwen3vlmoe: 'interleaved', qwen35: 'interleaved', qwen35moe: 'interleaved' };

// Architectures whose sliding-window layers have their own RoPE (llama.cpp's
// get_rope_freq_base/scale(il) return the *_train_swa values there): the period of the
// default pattern when the file has no {arch}.attention.sliding_window_pattern array
// (llama-model.cpp: gemma3 set_swa_pattern(6), the SWA base hard-coded 10000 and no
// scaling; gemma3n's converter writes the array; gemma4's loader requires it).
const GGUF_SWA = { gemma3: 6, gemma3n: 5, gemma4: null };

// ---------------------------------------------------------------------------------------
// GGUF

const FAKE_URL = 'https://rope-wasm.invalid/model.gguf';

// Where @huggingface/gguf refuses a source that is not an http(s) URL unless given its
// `allowLocalFile` option (which rope-wasm does not pass on): everywhere but a browser
// window or a dedicated worker, as its isBackend says.
function isBackend() {
  const browser = typeof window === 'object' && window !== null && typeof window.document !== 'undefined';
  const worker = typeof self === 'object' && self !== null && self.constructor !== undefined &&
    self.constructor.name === 'DedicatedWorkerGlobalScope';
  return !browser && !worker;
}

const LOCAL_FILE_HINT = 'configFromGGUF fetches only http(s) URLs; for a local file pass a Blob, ' +
  'e.g. configFromGGUF(await fs.openAsBlob(path)) with node:fs (Node 20+; only the header is read), ' +
  'or its bytes (an ArrayBuffer or typed array)';

// @huggingface/gguf reads a file through HTTP range requests; for bytes already in hand,
// a fetch that answers those ranges from a Blob serves them without any network.
function blobFetch(blob) {
  return async (_url, init) => {
    const range = /bytes=(\d+)-(\d+)/.exec(init?.headers?.Range ?? init?.headers?.range ?? '');
    const start = range ? Number(range[1]) : 0;
    const end = Math.min(range ? Number(range[2]) : blob.size - 1, blob.size - 1);
    const body = start <= end ? await blob.slice(start, end + 1).arrayBuffer() : new ArrayBuffer(0);
    return new Response(body, {
      status: 206,
      headers: { 'content-range': `bytes ${start}-${Math.max(start, end)}/${blob.size}` },
    });
  };
}

async function parseGGUF(source, options) {
  let mod;
  try {
    mod = await import('@huggingface/gguf');
  } catch (e) {
    throw new RopeError('GGUF_PARSER_MISSING', `configFromGGUF needs the package @huggingface/gguf (${e && e.message})`);
  }
  let uri;
  let params;
  let reader;
  if (typeof source === 'string' || source instanceof URL) {
    uri = String(source);
    if (isBackend() && !/^https?:\/\//.test(uri)) {
      // The parser's test is case-sensitive: an "HTTPS://" URL is given to it as URL spells it.
      if (/^https?:\/\//i.test(uri) && URL.canParse(uri)) {
        uri = new URL(uri).href;
      } else {
        // A path or a file: URL: say what to do instead of the parser's allowLocalFile advice.
        const value = source instanceof URL ? uri : source;
        throw new RopeError(CODE, `source is not an http(s) URL, got ${describe(value)}: ${LOCAL_FILE_HINT}`, { argument: 'source', value });
      }
    }
    params = options.fetch ? { fetch: options.fetch } : {};
    reader = urlReader(uri, options.fetch ?? globalThis.fetch);
  } else if (source instanceof ArrayBuffer || ArrayBuffer.isView(source) || (typeof Blob !== 'undefined' && source instanceof Blob)) {
    const blob = source instanceof Blob ? source : new Blob([source]);
    uri = FAKE_URL;
    params = { fetch: blobFetch(blob) };
    reader = blobReader(blob);
  } else {
    return fail('INVALID_TYPE', 'source', 'must be an ArrayBuffer, a typed array, a Blob, or a URL (string or URL)', source);
  }
  try {
    return { parsed: await mod.gguf(uri, params), reader };
  } catch (e) {
    const message = e && e.message;
    // Should the parser still ask for its allowLocalFile option (another version of it, or a
    // runtime it counts as a server), give the advice that works with rope-wasm instead.
    if (typeof message === 'string' && message.includes('allowLocalFile')) {
      throw new RopeError(CODE, `source ${JSON.stringify(uri)} cannot be read here: ${LOCAL_FILE_HINT}`, { argument: 'source', value: source });
    }
    throw new RopeError(CODE, `source is not a readable GGUF file: ${message}`, { argument: 'source' });
  }
}

// llama.cpp's rope_freqs.weight: per-pair divisors of the frequency (ggml's freq_factors).
const ROPE_FREQS = 'rope_freqs.weight';
const ROPE_LONG = 'rope_factors_long.weight';
const ROPE_SHORT = 'rope_factors_short.weight';

// The layer the options pick, for the architectures whose layers differ: 'full' or 'swa'
// (Gemma), 'rope' or 'nope' (Llama 4), undefined for the others.
function ggufLayer(arch, get, key, o) {
  const blocks = get('block_count');
  const count = Number.isInteger(blocks) && blocks > 0 ? blocks : undefined;
  const indexOf = (what) => {
    const i = o.layerIndex;
    if (!Number.isInteger(i) || i < 0) fail(CODE, 'options.layerIndex', 'must be an integer >= 0', i);
    if (count === undefined) fail(CODE, 'options.layerIndex', `needs ${key('block_count')} (the number of layers)`, i);
    if (i >= count) fail(CODE, 'options.layerIndex', `must be < ${key('block_count')} (${count})`, i);
    return what(i);
  };
  if (o.layerIndex !== undefined && o.layerType !== undefined) fail(CODE, 'options.layerIndex', 'and options.layerType both pick a layer: pass one', o.layerIndex);
  if (Object.prototype.hasOwnProperty.call(GGUF_SWA, arch)) {
    const window = get('attention.sliding_window');
    // llama.cpp's gemma3 loader: no sliding_window (or 0) means no SWA layers.
    if (arch === 'gemma3' && (window === undefined || Number(window) === 0)) {
      if (o.layerType === 'sliding_attention') fail(CODE, 'options.layerType', `names sliding-window layers, which ${key('attention.sliding_window')} (absent or 0) says this model has none of`, o.layerType);
      return 'full';
    }
    const pattern = get('attention.sliding_window_pattern');
    const swaAt = (il) => {
      if (Array.isArray(pattern)) {
        if (il >= pattern.length) fail(CODE, key('attention.sliding_window_pattern'), `must have an entry per layer (${count})`, pattern);
        return Boolean(pattern[il]);
      }
      const period = GGUF_SWA[arch];
      if (period === null) fail(CODE, key('attention.sliding_window_pattern'), 'is required to map options.layerIndex to a layer type', pattern);
      return il % period < period - 1; // llama_hparams::set_swa_pattern
    };
    if (o.layerIndex !== undefined) return indexOf(swaAt) ? 'swa' : 'full';
    if (o.layerType === 'full_attention') return 'full';
    if (o.layerType === 'sliding_attention') return 'swa';
    if (o.layerType !== undefined) fail(CODE, 'options.layerType', 'must be one of full_attention, sliding_attention', o.layerType);
    fail(CODE, 'options.layerType', `is required: ${arch}'s sliding-window layers have their own RoPE (${key('rope.freq_base_swa')}` +
      `${arch === 'gemma3' ? ', llama.cpp\'s 10000 when absent' : ''}, no scaling); pass options.layerType ("full_attention" or ` +
      '"sliding_attention") or options.layerIndex', undefined);
  }
  if (arch === 'llama4') {
    // llama.cpp (src/models/llama4.cpp): use_rope = (il + 1) % 4 != 0 (n_no_rope_layer_step
    // 4); a sliding_window of 0 turns NoPE off.
    const noNope = get('attention.sliding_window') !== undefined && Number(get('attention.sliding_window')) === 0;
    const usesRope = (il) => noNope || (il + 1) % 4 !== 0;
    if (o.layerIndex !== undefined) return indexOf(usesRope) ? 'rope' : 'nope';
    if (o.layerType === 'chunked_attention') return 'rope';
    if (o.layerType === 'full_attention') return noNope ? 'rope' : 'nope';
    if (o.layerType !== undefined) fail(CODE, 'options.layerType', 'must be one of chunked_attention (RoPE layers), full_attention (NoPE layers)', o.layerType);
    if (noNope) return 'rope';
    fail(CODE, 'options.layerIndex', 'is required: Llama 4 has NoPE layers (every 4th, llama.cpp\'s use_rope = (il + 1) % 4 != 0); ' +
      'pass options.layerIndex (configFromGGUF gives null for a NoPE layer) or options.layerType "chunked_attention" (the RoPE layers)', undefined);
  }
  if (o.layerType !== undefined) fail(CODE, 'options.layerType', `is only meaningful for architectures whose layers differ (${Object.keys(GGUF_SWA).join(', ')}, llama4)`, o.layerType);
  if (o.layerIndex !== undefined) indexOf(() => undefined);
  return undefined;
}

/**
 * A RopeConfig from a GGUF file (an ArrayBuffer, typed array, Blob or URL): its metadata,
 * and the bytes of the per-pair RoPE factor tensors alone when it has them (rope_freqs,
 * rope_factors_long/short), never the rest of the tensor data.
 * options.layout overrides the architecture's rope mode; options.fetch is used for URLs;
 * options.layerType / options.layerIndex pick a layer of a model whose layers differ.
 */
export async function configFromGGUF(source, options) {
  const o = checkLayoutOption(options, ['layout', 'fetch', 'layerType', 'layerIndex']);
  if (o.fetch !== undefined && typeof o.fetch !== 'function') fail('INVALID_TYPE', 'options.fetch', 'must be a function', o.fetch);
  if (o.layerType !== undefined && typeof o.layerType !== 'string') fail(CODE, 'options.layerType', 'must be a string', o.layerType);
  const { parsed, reader } = await parseGGUF(source, o);
  const { metadata, tensorInfos } = parsed;
  const arch = metadata['general.architecture'];
  if (typeof arch !== 'string') fail(CODE, 'general.architecture', 'must be a string', arch);
  const key = (k) => `${arch}.${k}`;
  const get = (k) => metadata[key(k)];
  const getNum = (k, opts) => (get(k) === undefined ? undefined : num(get(k), key(k), opts));

  const layer = ggufLayer(arch, get, key, o);
  if (layer === 'nope') return null;
  const swa = layer === 'swa';

  let headCount = get('attention.head_count');
  if (Array.isArray(headCount)) {
    // Per-layer head counts: RoPE geometry is per head, so they need only agree where used.
    const nonzero = headCount.map(Number).filter((h) => h > 0);
    if (nonzero.length === 0 || nonzero.some((h) => h !== nonzero[0])) fail(CODE, key('attention.head_count'), 'must give one head count', headCount);
    headCount = nonzero[0];
  }
  // Sliding-window layers of Gemma 4 have their own head and rope dims (*_swa keys).
  const dimKey = swa && get('rope.dimension_count_swa') !== undefined ? 'rope.dimension_count_swa' : 'rope.dimension_count';
  const lenKey = swa && get('attention.key_length_swa') !== undefined ? 'attention.key_length_swa' : 'attention.key_length';
  const rotaryFromFile = getNum(dimKey, { positive: true, integer: true });
  let headDim = getNum(lenKey, { positive: true, integer: true });
  if (headDim === undefined) {
    const embd = getNum('embedding_length', { positive: true, integer: true });
    if (embd === undefined || headCount === undefined) fail(CODE, key('attention.key_length'), 'is required (or embedding_length and attention.head_count)', undefined);
    const heads = num(headCount, key('attention.head_count'), { positive: true, integer: true });
    if (embd % heads !== 0) fail(CODE, key('embedding_length'), `must be a multiple of attention.head_count (${heads})`, embd);
    headDim = embd / heads;
  }
  // DeepSeek-V2's multi-head latent attention rotates a separate qk_rope slice; its
  // key_length counts the unrotated part too.
  if (arch === 'deepseek2' && rotaryFromFile !== undefined) headDim = rotaryFromFile;
  const rotaryDim = rotaryFromFile ?? headDim;
  let base = getNum('rope.freq_base', { positive: true }) ?? 10000;
  let baseKey = key('rope.freq_base');
  if (swa) {
    // llama_hparams: rope_freq_base_train_swa defaults to 10000 (gemma3's loader sets it).
    base = getNum('rope.freq_base_swa', { positive: true }) ?? 10000;
    baseKey = key('rope.freq_base_swa');
  }

  const tensors = new Map(tensorInfos.map((t) => [t.name, t]));
  const freqsInfo = swa ? undefined : tensors.get(ROPE_FREQS);
  const longInfo = tensors.get(ROPE_LONG);
  const shortInfo = tensors.get(ROPE_SHORT);
  if ((longInfo === undefined) !== (shortInfo === undefined)) {
    const missing = longInfo === undefined ? ROPE_LONG : ROPE_SHORT;
    fail(CODE, `tensor ${missing}`, `is missing: LongRoPE needs both ${ROPE_LONG} and ${ROPE_SHORT}`, undefined);
  }
  if (freqsInfo !== undefined && longInfo !== undefined) {
    fail(CODE, `tensor ${ROPE_FREQS}`, `and ${ROPE_LONG} / ${ROPE_SHORT} are both present (llama.cpp would use ${ROPE_FREQS} alone): a malformed file`, ROPE_FREQS);
  }
  const pairs = rotaryDim / 2;
  if (!Number.isInteger(pairs)) fail(CODE, key(dimKey), 'must be even', rotaryDim);

  const typeName = get('rope.scaling.type');
  if (typeName !== undefined && typeof typeName !== 'string') fail(CODE, key('rope.scaling.type'), 'must be a string', typeName);
  const factorEntry = agree([[key('rope.scaling.factor'), get('rope.scaling.factor')], [key('rope.scale_linear'), get('rope.scale_linear')]],
    (v, n) => num(v, n));
  const factor = factorEntry ? factorEntry.v : undefined;
  // llama.cpp reads a missing type as "linear" and a factor of 0 as 1.
  const type = typeName ?? (longInfo !== undefined ? 'longrope' : 'linear');
  const attn = getNum('rope.scaling.attn_factor');
  let scaling = null;
  if (type === 'longrope') {
    if (longInfo === undefined) fail(CODE, `tensor ${ROPE_LONG}`, `is required by ${key('rope.scaling.type')} "longrope" (with ${ROPE_SHORT})`, undefined);
    const original = getNum('rope.scaling.original_context_length', { positive: true, integer: true });
    if (original === undefined) fail(CODE, key('rope.scaling.original_context_length'), 'is required for LongRoPE (Hugging Face\'s original_max_position_embeddings)', undefined);
    const max = getNum('context_length', { positive: true, integer: true }) ?? original;
    scaling = {
      type: 'longrope',
      shortFactor: await readFactorTensor(parsed, shortInfo, pairs, reader),
      longFactor: await readFactorTensor(parsed, longInfo, pairs, reader),
      originalMaxPositionEmbeddings: original,
      maxPositionEmbeddings: max,
    };
    // The converter (conversion/phi.py) stores Hugging Face's default attention factor,
    // sqrt(1 + ln(max/orig) / ln(orig)), as float32 attn_factor: kept only when it is another
    // value, so that the result is what configFromHF gives for the same model.
    if (attn !== undefined) {
      const ratio = max / original;
      const dflt = ratio <= 1 ? 1 : Math.sqrt(1 + Math.log(ratio) / Math.log(original));
      if (Math.abs(attn - dflt) > 1e-6 * dflt) scaling.attentionFactor = num(attn, key('rope.scaling.attn_factor'), { positive: true });
    }
  } else {
    // llama.cpp multiplies cos/sin by attn_factor on top of the scaling's own factor; no
    // Hugging Face rope type but longrope has that knob, so only the neutral value is accepted.
    if (attn !== undefined && attn !== 1) fail(CODE, key('rope.scaling.attn_factor'), 'other than 1 has no Hugging Face equivalent outside LongRoPE', attn);
    if (longInfo !== undefined) fail(CODE, `tensor ${ROPE_LONG}`, `holds LongRoPE factors, but ${key('rope.scaling.type')} is ${JSON.stringify(type)}`, type);
  }
  if (swa || type === 'longrope' || type === 'none' || (type === 'linear' && (factor === undefined || factor === 0 || factor === 1))) {
    // Sliding-window layers: rope_freq_scale_train_swa = 1 (no scaling).
  } else if (type === 'linear') {
    scaling = { type: 'linear', factor: num(factor, factorEntry.name, { positive: true }) };
  } else if (type === 'yarn') {
    if (factor === undefined) fail(CODE, key('rope.scaling.factor'), 'is required for yarn', undefined);
    const original = getNum('rope.scaling.original_context_length', { positive: true, integer: true })
      ?? getNum('context_length', { positive: true, integer: true });
    if (original === undefined) fail(CODE, key('rope.scaling.original_context_length'), 'is required for yarn', undefined);
    scaling = { type: 'yarn', factor: num(factor, factorEntry.name, { positive: true }), originalMaxPositionEmbeddings: original };
    const bf = getNum('rope.scaling.yarn_beta_fast', { positive: true });
    const bs = getNum('rope.scaling.yarn_beta_slow', { positive: true });
    if (bf !== undefined) scaling.betaFast = bf;
    if (bs !== undefined) scaling.betaSlow = bs;
    // The converter writes Hugging Face's attention_factor as yarn_attn_factor.
    const af = getNum('rope.scaling.yarn_attn_factor', { positive: true });
    if (af !== undefined) scaling.attentionFactor = af;
    // DeepSeek-V2's converter stores 0.1 * mscale_all_dim; its checkpoints have
    // mscale == mscale_all_dim (llama.cpp assumes the same), so both are restored.
    const logMul = getNum('rope.scaling.yarn_log_multiplier');
    if (logMul !== undefined && logMul !== 0) {
      scaling.mscale = logMul / 0.1;
      scaling.mscaleAllDim = logMul / 0.1;
    }
    const ext = getNum('rope.scaling.yarn_ext_factor');
    if (ext !== undefined && ext !== 1) fail(CODE, key('rope.scaling.yarn_ext_factor'), 'other than 1 has no Hugging Face yarn equivalent', ext);
  } else {
    fail(CODE, key('rope.scaling.type'), 'must be "none", "linear", "yarn" or "longrope"', type);
  }

  // M-RoPE sections: {arch}.rope.dimension_sections, 4 pair counts (ggml's t, h, w and a
  // 4th stream e that Hugging Face has not; the converter pads with zeros). Trailing zeros
  // are dropped to the 3 streams the mode uses; a nonzero 4th has no Hugging Face meaning.
  let mrope;
  const sectionsKey = key('rope.dimension_sections');
  const sections = get('rope.dimension_sections');
  if (GGUF_MROPE[arch] !== undefined) {
    if (sections === undefined) fail(CODE, sectionsKey, `is required for ${arch} (multimodal RoPE)`, undefined);
    if (!Array.isArray(sections) || sections.length < 3 || sections.some((v) => !Number.isInteger(Number(v)) || Number(v) < 0)) {
      fail(CODE, sectionsKey, 'must be a list of 4 pair counts (t, h, w, e)', sections);
    }
    const list = sections.map(Number);
    if (list.slice(3).some((v) => v !== 0)) {
      fail(CODE, sectionsKey, 'has a nonzero 4th section (ggml\'s extra position stream), which Hugging Face\'s 3-stream M-RoPE has not', sections);
    }
    mrope = { section: list.slice(0, 3), mode: GGUF_MROPE[arch] };
  } else if (sections !== undefined) {
    fail(CODE, sectionsKey, `belongs to a multimodal architecture (${Object.keys(GGUF_MROPE).join(', ')}), not ${arch}`, sections);
  }

  // rope_freqs: one divisor per rotated pair (Llama 3.1-3.3 and Llama 4: the llama3
  // scaling precomputed by the converter, which writes no llama3 metadata; Gemma 4: 1 for
  // the rotated pairs and 1e30 for the unrotated ones of its full-attention layers).
  let freqFactors;
  if (freqsInfo !== undefined) freqFactors = await readFactorTensor(parsed, freqsInfo, pairs, reader);

  let layout = o.layout;
  if (layout === undefined) {
    if (GGUF_MROPE[arch] !== undefined || GGUF_NEOX.has(arch) || arch === 'gemma4') layout = 'half';
    else if (GGUF_NORM.has(arch)) layout = 'interleaved';
    else fail(CODE, 'general.architecture', 'is an architecture whose rope mode rope-wasm does not know: pass options.layout', arch);
  }
  const result = { headDim, rotaryDim, base, layout, scaling };
  if (mrope !== undefined) result.mrope = mrope;
  if (freqFactors !== undefined) result.freqFactors = freqFactors;
  // The model's head counts: {arch}.attention.head_count / head_count_kv (a number, or one
  // per layer: the picked layer's), n_head_kv defaulting to n_head as in llama_hparams.
  // Not for deepseek2, whose converter turns multi-head latent attention into MQA (its
  // head_count_kv is not the model's).
  if (arch !== 'deepseek2') {
    const pattern = get('attention.sliding_window_pattern');
    let at = o.layerIndex;
    if (at === undefined && (layer === 'full' || layer === 'swa') && Array.isArray(pattern)) {
      at = pattern.findIndex((p) => Boolean(p) === swa);
    }
    const heads = (k) => {
      const v = get(k);
      if (v === undefined) return undefined;
      if (!Array.isArray(v)) return num(v, key(k), { positive: true, integer: true });
      const list = v.map(Number);
      if (at !== undefined && at >= 0 && at < list.length) return list[at] > 0 ? list[at] : undefined;
      const nonzero = list.filter((h) => h > 0);
      return nonzero.length > 0 && nonzero.every((h) => h === nonzero[0]) ? nonzero[0] : undefined;
    };
    const numHeads = heads('attention.head_count');
    if (numHeads !== undefined) {
      result.numHeads = numHeads;
      result.numKvHeads = heads('attention.head_count_kv') ?? numHeads;
    }
  }
  return validated(result, (arg) => {
    if (arg === 'config.rotaryDim') return key(dimKey);
    if (arg === 'config.headDim') return key(lenKey);
    if (arg === 'config.base') return baseKey;
    if (arg.startsWith('config.scaling')) return longInfo !== undefined ? `tensor ${ROPE_LONG}` : key('rope.scaling');
    return arg;
  }, { mrope: sectionsKey, freqFactors: `tensor ${ROPE_FREQS}`, numHeads: key('attention.head_count'), numKvHeads: key('attention.head_count_kv') });
}
