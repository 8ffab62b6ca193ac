// The Embind block: a thin layer over the C API (include/rope_wasm/rope.h), plain functions
// over wasm-heap addresses and status codes, nothing more; it never calls the C++ core
// directly. Loading, validation, errors and buffers live in the JS layer (bindings/js/).
// Addresses cross as numbers (uintptr_t); handles are rope_t pointers.
//
// The per-call hot paths (apply, applyQK, dense views of any dtype, fused QKV, the
// benchmark's streaming passes) are also plain C exports: Embind's invoker without eval (-sDYNAMIC_EXECUTION=0, needed for pages
// with a strict CSP) costs ~150 ns a call, as much as a whole decode step's kernel.
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>
#include <malloc.h>

#include <cstdint>
#include <vector>

#include "rope_wasm/rope.h"

namespace {

// The config as the JS layer hands it over: every field present, numbers only.
struct JsConfig {
  int headDim = 0;
  int rotaryDim = 0;
  double base = 10000;
  int layout = 0;
  double cacheLimitBytes = 8.0 * 1024 * 1024;
  int scalingType = 0;
  double factor = 1;
  double maxPositionEmbeddings = 0;
  double originalMaxPositionEmbeddings = 0;
  double betaFast = 32;
  double betaSlow = 1;
  double mscale = 0;          // NaN = unset
  double mscaleAllDim = 0;    // NaN = unset
  double attentionFactor = 0; // NaN = unset
  bool truncate = true;
  double lowFreqFactor = 1;
  double highFreqFactor = 4;
  uintptr_t shortFactorPtr = 0;  // doubles, factorCount of them
  uintptr_t longFactorPtr = 0;
  int factorCount = 0;
  double partialRotaryFactor = 1;  // proportional
  int mropeMode = 0;               // rope_mrope_mode
  int mropeStreams = 0;
  int mropeSection0 = 0, mropeSection1 = 0, mropeSection2 = 0, mropeSection3 = 0;
  uintptr_t freqFactorsPtr = 0;  // doubles, freqFactorCount of them
  int freqFactorCount = 0;
};

rope_t* handle(uintptr_t h) { return reinterpret_cast<rope_t*>(h); }

int create(const JsConfig& j, uintptr_t handle_out) {
  rope_config c;
  rope_config_init(&c);
  c.head_dim = j.headDim;
  c.rotary_dim = j.rotaryDim;
  c.base = j.base;
  c.layout = j.layout;
  c.cache_limit_bytes = j.cacheLimitBytes;
  c.scaling_type = j.scalingType;
  c.factor = j.factor;
  c.max_position_embeddings = j.maxPositionEmbeddings;
  c.original_max_position_embeddings = j.originalMaxPositionEmbeddings;
  c.beta_fast = j.betaFast;
  c.beta_slow = j.betaSlow;
  c.mscale = j.mscale;
  c.mscale_all_dim = j.mscaleAllDim;
  c.attention_factor = j.attentionFactor;
  c.truncate = j.truncate ? 1 : 0;
  c.low_freq_factor = j.lowFreqFactor;
  c.high_freq_factor = j.highFreqFactor;
  // The JS layer passes factor arrays only with both pointers set; anything else is "none".
  if (j.factorCount > 0 && j.shortFactorPtr && j.longFactorPtr) {
    c.short_factor = reinterpret_cast<const double*>(j.shortFactorPtr);
    c.long_factor = reinterpret_cast<const double*>(j.longFactorPtr);
    c.short_factor_count = c.long_factor_count = static_cast<size_t>(j.factorCount);
  }
  c.partial_rotary_factor = j.partialRotaryFactor;
  c.mrope_mode = j.mropeMode;
  c.mrope_section_count = j.mropeStreams;
  const int sections[4] = {j.mropeSection0, j.mropeSection1, j.mropeSection2, j.mropeSection3};
  for (int k = 0; k < 4; ++k) c.mrope_sections[k] = sections[k];
  if (j.freqFactorCount > 0 && j.freqFactorsPtr) {
    c.freq_factors = reinterpret_cast<const double*>(j.freqFactorsPtr);
    c.freq_factor_count = static_cast<size_t>(j.freqFactorCount);
  }
  rope_t* r = nullptr;
  const rope_status st = rope_create(&c, &r);
  *reinterpret_cast<uint32_t*>(handle_out) = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(r));
  return static_cast<int>(st);
}

void destroy(uintptr_t h) { rope_destroy(handle(h)); }

rope_apply_params params(int num_heads, int num_kv_heads, int order, uintptr_t positions, double start,
                         bool inverse, double seq_len) {
  rope_apply_params p;
  rope_apply_params_init(&p);
  p.num_heads = num_heads;
  p.num_kv_heads = num_kv_heads;
  p.order = order;
  p.positions = reinterpret_cast<const int32_t*>(positions);
  p.start = static_cast<int64_t>(start);
  p.inverse = inverse ? 1 : 0;
  p.seq_len = seq_len;
  return p;
}

int apply(uintptr_t h, uintptr_t x, double length, int num_heads, int order, uintptr_t positions,
          double start, bool inverse, double seq_len) {
  const rope_apply_params p = params(num_heads, 0, order, positions, start, inverse, seq_len);
  return static_cast<int>(rope_apply(handle(h), reinterpret_cast<float*>(x), static_cast<size_t>(length), &p));
}

int applyQK(uintptr_t h, uintptr_t q, double q_length, uintptr_t k, double k_length, int num_heads,
            int num_kv_heads, int order, uintptr_t positions, double start, bool inverse,
            double seq_len) {
  const rope_apply_params p = params(num_heads, num_kv_heads, order, positions, start, inverse, seq_len);
  return static_cast<int>(rope_apply_qk(handle(h), reinterpret_cast<float*>(q), static_cast<size_t>(q_length),
                                        reinterpret_cast<float*>(k), static_cast<size_t>(k_length), &p));
}

int pairs(uintptr_t h) {
  int32_t rd = 0;
  rope_rotary_dim(handle(h), &rd);
  return rd / 2;
}

// The JS layer reads the frequencies from an address right after the call and copies them
// (Rope.invFreq); the C API copies into caller memory, so this module keeps one buffer for
// it, grown to the largest rotaryDim/2 seen (single-threaded module: no races on it).
std::vector<double> inv_freq_buffer;

uintptr_t invFreqPtr(uintptr_t h) {
  const size_t n = static_cast<size_t>(pairs(h));
  if (inv_freq_buffer.size() < n) inv_freq_buffer.resize(n);
  if (rope_inv_freq(handle(h), inv_freq_buffer.data(), n) != ROPE_OK) return 0;
  return reinterpret_cast<uintptr_t>(inv_freq_buffer.data());
}

double attentionFactor(uintptr_t h) {
  double af = 0;
  rope_attention_factor(handle(h), &af);
  return af;
}

int rotaryDim(uintptr_t h) { return 2 * pairs(h); }

double cacheBytes(uintptr_t h) {
  size_t bytes = 0;
  rope_cache_bytes(handle(h), &bytes);
  return static_cast<double>(bytes);
}

double cacheRows(uintptr_t h) {
  size_t rows = 0;
  rope_cache_rows(handle(h), &rows);
  return static_cast<double>(rows);
}

int setSeqLen(uintptr_t h, double seq_len) { return static_cast<int>(rope_set_seq_len(handle(h), seq_len)); }

// Writes, per pair, [baseFreq, freq, wavelength, interpWeight] then the attention factor.
int pairInfo(uintptr_t h, double seq_len, uintptr_t out) {
  const size_t n = static_cast<size_t>(pairs(h));
  rope_pair_freq* info = reinterpret_cast<rope_pair_freq*>(out);
  double* af = reinterpret_cast<double*>(out) + 4 * n;
  return static_cast<int>(rope_pair_info(handle(h), seq_len, info, n, af));
}

// Allocator statistics for the JS leak tests (lib.heapStats): the module's, not the core's.
double bytesInUse() { return static_cast<double>(mallinfo().uordblks); }

void streamAxpb(uintptr_t x, double n, float a, float b) {
  rope_stream_pass(reinterpret_cast<float*>(x), static_cast<size_t>(n), a, b);
}

bool builtWithSimd() { return rope_simd128() != 0; }

}  // namespace

extern "C" {

EMSCRIPTEN_KEEPALIVE int rope_wasm_apply(uintptr_t h, uintptr_t x, double length, int num_heads, int order,
                                         uintptr_t positions, double start, int inverse, double seq_len) {
  return apply(h, x, length, num_heads, order, positions, start, inverse != 0, seq_len);
}

EMSCRIPTEN_KEEPALIVE int rope_wasm_apply_qk(uintptr_t h, uintptr_t q, double q_length, uintptr_t k, double k_length,
                                            int num_heads, int num_kv_heads, int order, uintptr_t positions,
                                            double start, int inverse, double seq_len) {
  return applyQK(h, q, q_length, k, k_length, num_heads, num_kv_heads, order, positions, start, inverse != 0,
                 seq_len);
}

EMSCRIPTEN_KEEPALIVE void rope_wasm_stream(uintptr_t x, double n, float a, float b) { streamAxpb(x, n, a, b); }

// The strided ceiling: rope_stream_pass_strided (fused-QKV and MLA views).
EMSCRIPTEN_KEEPALIVE int rope_wasm_stream_strided(uintptr_t x, double runs, double run_length, double stride, float a,
                                                  float b) {
  return static_cast<int>(rope_stream_pass_strided(reinterpret_cast<float*>(x), static_cast<size_t>(runs),
                                                   static_cast<size_t>(run_length), static_cast<size_t>(stride), a, b));
}

// The 16-bit ceiling: rope_stream_pass16 over `n` elements of dtype (rope_dtype) at x.
EMSCRIPTEN_KEEPALIVE int rope_wasm_stream16(uintptr_t x, double n, int dtype, float a, float b) {
  return static_cast<int>(rope_stream_pass16(reinterpret_cast<void*>(x), static_cast<size_t>(n), dtype, a, b));
}

}  // extern "C"

namespace {

// A dense view (tokens implied by the length, default strides of `order`) and the call, for
// the per-call paths below: the JS layer's inline checks cover the rest.
rope_tensor_view dense(int heads, int order, int dtype) {
  rope_tensor_view t;
  rope_tensor_view_init(&t);
  t.dtype = dtype;
  t.heads = heads;
  t.order = order;
  return t;
}

rope_view_call viewCall(uintptr_t positions, double start, int inverse, double seq_len) {
  rope_view_call c;
  rope_view_call_init(&c);
  c.inverse = inverse != 0;
  c.positions = reinterpret_cast<const int32_t*>(positions);
  c.start = static_cast<int64_t>(start);
  c.seq_len = seq_len;
  return c;
}

}  // namespace

extern "C" {

// The per-call paths of dense tensors of any dtype (16-bit decode and prefill, fused QKV):
// plain arguments instead of rope_wasm_apply_view's block of doubles, one C API call each.
// rope_apply_view over x (`length` elements of dtype, `heads` heads).
EMSCRIPTEN_KEEPALIVE int rope_wasm_apply_dense(uintptr_t h, uintptr_t x, double length, int heads, int order, int dtype,
                                               uintptr_t positions, double start, int inverse, double seq_len) {
  const rope_tensor_view v = dense(heads, order, dtype);
  const rope_view_call c = viewCall(positions, start, inverse, seq_len);
  return static_cast<int>(rope_apply_view(handle(h), reinterpret_cast<void*>(x), static_cast<size_t>(length), &v, &c));
}

// rope_apply_qk_view over dense q (heads) and k (kv_heads) of one dtype.
EMSCRIPTEN_KEEPALIVE int rope_wasm_apply_qk_dense(uintptr_t h, uintptr_t q, double q_length, uintptr_t k,
                                                  double k_length, int heads, int kv_heads, int order, int dtype,
                                                  uintptr_t positions, double start, int inverse, double seq_len) {
  const rope_tensor_view qv = dense(heads, order, dtype);
  const rope_tensor_view kv = dense(kv_heads, order, dtype);
  const rope_view_call c = viewCall(positions, start, inverse, seq_len);
  return static_cast<int>(rope_apply_qk_view(handle(h), reinterpret_cast<void*>(q), static_cast<size_t>(q_length), &qv,
                                             reinterpret_cast<void*>(k), static_cast<size_t>(k_length), &kv, &c));
}

// rope_apply_qkv over one dense fused buffer [tokens, (heads + 2*kv_heads) * head_dim].
EMSCRIPTEN_KEEPALIVE int rope_wasm_apply_qkv(uintptr_t h, uintptr_t x, double length, int heads, int kv_heads, int order,
                                             int dtype, uintptr_t positions, double start, int inverse, double seq_len) {
  const rope_tensor_view v = dense(heads, order, dtype);
  const rope_view_call c = viewCall(positions, start, inverse, seq_len);
  return static_cast<int>(rope_apply_qkv(handle(h), reinterpret_cast<void*>(x), static_cast<size_t>(length), &v, kv_heads, &c));
}

// A view call (strided, batched, 16-bit; shift), its arguments in a block of doubles the JS
// layer writes (bindings/js/views.js callCore): [kind (1 apply, 2 applyQK), inverse,
// relative, seqLen, start, positions, starts, -, then per view (q at 8, k at 20): data,
// length, dtype, heads, order, offset, tokenStride, headStride, batchStride, tokens, batch].
EMSCRIPTEN_KEEPALIVE int rope_wasm_apply_view(uintptr_t h, uintptr_t args) {
  const double* a = reinterpret_cast<const double*>(args);
  auto view = [](const double* v) {
    rope_tensor_view t;
    rope_tensor_view_init(&t);
    t.dtype = static_cast<int32_t>(v[2]);
    t.heads = static_cast<int32_t>(v[3]);
    t.order = static_cast<int32_t>(v[4]);
    t.offset = static_cast<size_t>(v[5]);
    t.token_stride = static_cast<size_t>(v[6]);
    t.head_stride = static_cast<size_t>(v[7]);
    t.batch_stride = static_cast<size_t>(v[8]);
    t.tokens = static_cast<size_t>(v[9]);
    t.batch = static_cast<size_t>(v[10]);
    return t;
  };
  rope_view_call c;
  rope_view_call_init(&c);
  c.inverse = a[1] != 0;
  c.relative = a[2] != 0;
  c.seq_len = a[3];
  c.start = static_cast<int64_t>(a[4]);
  c.positions = reinterpret_cast<const int32_t*>(static_cast<uintptr_t>(a[5]));
  c.starts = reinterpret_cast<const int32_t*>(static_cast<uintptr_t>(a[6]));
  const rope_tensor_view q = view(a + 8);
  void* qd = reinterpret_cast<void*>(static_cast<uintptr_t>(a[8]));
  if (a[0] == 1) return static_cast<int>(rope_apply_view(handle(h), qd, static_cast<size_t>(a[9]), &q, &c));
  const rope_tensor_view k = view(a + 20);
  void* kd = reinterpret_cast<void*>(static_cast<uintptr_t>(a[20]));
  return static_cast<int>(rope_apply_qk_view(handle(h), qd, static_cast<size_t>(a[9]), &q, kd, static_cast<size_t>(a[21]), &k, &c));
}

}  // extern "C"

EMSCRIPTEN_BINDINGS(rope_wasm) {
  using namespace emscripten;
  static_assert(sizeof(rope_pair_freq) == 4 * sizeof(double), "pairInfo layout");
  value_object<JsConfig>("JsConfig")
      .field("headDim", &JsConfig::headDim)
      .field("rotaryDim", &JsConfig::rotaryDim)
      .field("base", &JsConfig::base)
      .field("layout", &JsConfig::layout)
      .field("cacheLimitBytes", &JsConfig::cacheLimitBytes)
      .field("scalingType", &JsConfig::scalingType)
      .field("factor", &JsConfig::factor)
      .field("maxPositionEmbeddings", &JsConfig::maxPositionEmbeddings)
      .field("originalMaxPositionEmbeddings", &JsConfig::originalMaxPositionEmbeddings)
      .field("betaFast", &JsConfig::betaFast)
      .field("betaSlow", &JsConfig::betaSlow)
      .field("mscale", &JsConfig::mscale)
      .field("mscaleAllDim", &JsConfig::mscaleAllDim)
      .field("attentionFactor", &JsConfig::attentionFactor)
      .field("truncate", &JsConfig::truncate)
      .field("lowFreqFactor", &JsConfig::lowFreqFactor)
      .field("highFreqFactor", &JsConfig::highFreqFactor)
      .field("shortFactorPtr", &JsConfig::shortFactorPtr)
      .field("longFactorPtr", &JsConfig::longFactorPtr)
      .field("factorCount", &JsConfig::factorCount)
      .field("partialRotaryFactor", &JsConfig::partialRotaryFactor)
      .field("mropeMode", &JsConfig::mropeMode)
      .field("mropeStreams", &JsConfig::mropeStreams)
      .field("mropeSection0", &JsConfig::mropeSection0)
      .field("mropeSection1", &JsConfig::mropeSection1)
      .field("mropeSection2", &JsConfig::mropeSection2)
      .field("mropeSection3", &JsConfig::mropeSection3)
      .field("freqFactorsPtr", &JsConfig::freqFactorsPtr)
      .field("freqFactorCount", &JsConfig::freqFactorCount);
  function("create", &create);
  function("destroy", &destroy);
  function("apply", &apply);
  function("applyQK", &applyQK);
  function("invFreqPtr", &invFreqPtr);
  function("attentionFactor", &attentionFactor);
  function("rotaryDim", &rotaryDim);
  function("cacheBytes", &cacheBytes);
  function("cacheRows", &cacheRows);
  function("setSeqLen", &setSeqLen);
  function("pairInfo", &pairInfo);
  function("bytesInUse", &bytesInUse);
  function("streamAxpb", &streamAxpb);
  function("builtWithSimd", &builtWithSimd);
}
