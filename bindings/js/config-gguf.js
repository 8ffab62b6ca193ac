// A GGUF file's metadata to a RopeConfig, read with @huggingface/gguf: llama.cpp's
// metadata keys and its llama_model_rope_type() table. Every problem is a RopeError with
// code CONFIG_INVALID naming the key.
import { RopeError, describe, fail } from './errors.js';
import { CODE, agree, checkLayoutOption, has, num, validated } from './config-import-common.js';

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
// Multi-section (vision-language) RoPE: positions are 3-D, which a 1-D rotation cannot express.
const GGUF_MROPE = new Set(['qwen2vl', 'qwen3vl', 'qwen3vlmoe']);

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
  } else if (source instanceof ArrayBuffer || ArrayBuffer.isView(source) || (typeof Blob !== 'undefined' && source instanceof Blob)) {
    const blob = source instanceof Blob ? source : new Blob([source]);
    uri = FAKE_URL;
    params = { fetch: blobFetch(blob) };
  } else {
    return fail('INVALID_TYPE', 'source', 'must be an ArrayBuffer, a typed array, a Blob, or a URL (string or URL)', source);
  }
  try {
    return await mod.gguf(uri, params);
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

/**
 * A RopeConfig from the metadata of a GGUF file (an ArrayBuffer, typed array, Blob or URL).
 * Only the header is read (metadata and tensor directory), never tensor data.
 * options.layout overrides the architecture's rope mode; options.fetch is used for URLs.
 */
export async function configFromGGUF(source, options) {
  const o = checkLayoutOption(options, ['layout', 'fetch']);
  if (o.fetch !== undefined && typeof o.fetch !== 'function') fail('INVALID_TYPE', 'options.fetch', 'must be a function', o.fetch);
  const { metadata, tensorInfos } = await parseGGUF(source, o);
  const arch = metadata['general.architecture'];
  if (typeof arch !== 'string') fail(CODE, 'general.architecture', 'must be a string', arch);
  const key = (k) => `${arch}.${k}`;
  const get = (k) => metadata[key(k)];
  const getNum = (k, opts) => (get(k) === undefined ? undefined : num(get(k), key(k), opts));

  if (GGUF_MROPE.has(arch)) fail(CODE, 'general.architecture', 'uses multimodal RoPE (3-D positions), which rope-wasm does not implement', arch);

  let headCount = get('attention.head_count');
  if (Array.isArray(headCount)) {
    // Per-layer head counts: RoPE geometry is per head, so they need only agree where used.
    const nonzero = headCount.map(Number).filter((h) => h > 0);
    if (nonzero.length === 0 || nonzero.some((h) => h !== nonzero[0])) fail(CODE, key('attention.head_count'), 'must give one head count', headCount);
    headCount = nonzero[0];
  }
  const rotaryFromFile = getNum('rope.dimension_count', { positive: true, integer: true });
  let headDim = getNum('attention.key_length', { positive: true, integer: true });
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
  const base = getNum('rope.freq_base', { positive: true }) ?? 10000;

  // Per-pair factors that llama.cpp's converter stores as tensors (llama3's rope_freqs,
  // longrope's rope_factors_long/short) are weights, not metadata.
  for (const t of tensorInfos) {
    if (t.name === 'rope_freqs.weight' || t.name.startsWith('rope_factors_')) {
      fail(CODE, `tensor ${t.name}`, 'holds per-pair RoPE factors in tensor data, which configFromGGUF (metadata only) does not read; use configFromHF with the model\'s config.json', t.name);
    }
  }

  const typeName = get('rope.scaling.type');
  if (typeName !== undefined && typeof typeName !== 'string') fail(CODE, key('rope.scaling.type'), 'must be a string', typeName);
  const factorEntry = agree([[key('rope.scaling.factor'), get('rope.scaling.factor')], [key('rope.scale_linear'), get('rope.scale_linear')]],
    (v, n) => num(v, n));
  const factor = factorEntry ? factorEntry.v : undefined;
  // llama.cpp reads a missing type as "linear" and a factor of 0 as 1.
  const type = typeName ?? 'linear';
  // llama.cpp multiplies cos/sin by attn_factor on top of the scaling's own factor; no
  // Hugging Face rope type has that knob, so only the neutral value is accepted.
  const attn = getNum('rope.scaling.attn_factor');
  if (attn !== undefined && attn !== 1) fail(CODE, key('rope.scaling.attn_factor'), 'other than 1 has no Hugging Face equivalent', attn);
  let scaling = null;
  if (type === 'none' || ((type === 'linear') && (factor === undefined || factor === 0 || factor === 1))) {
    scaling = null;
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
  } else if (type === 'longrope') {
    fail(CODE, key('rope.scaling.type'), 'is longrope, whose per-pair factors GGUF keeps in tensor data (rope_factors_long/short); use configFromHF', type);
  } else {
    fail(CODE, key('rope.scaling.type'), 'must be "none", "linear" or "yarn"', type);
  }

  let layout = o.layout;
  if (layout === undefined) {
    if (GGUF_NORM.has(arch)) layout = 'interleaved';
    else if (GGUF_NEOX.has(arch)) layout = 'half';
    else fail(CODE, 'general.architecture', 'is an architecture whose rope mode rope-wasm does not know: pass options.layout', arch);
  }
  const result = { headDim, rotaryDim, base, layout, scaling };
  return validated(result, (arg) => {
    if (arg === 'config.rotaryDim') return key('rope.dimension_count');
    if (arg === 'config.base') return key('rope.freq_base');
    if (arg.startsWith('config.scaling')) return key('rope.scaling');
    return arg;
  });
}
