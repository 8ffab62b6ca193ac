// The Embind block: a thin layer over the C API (include/rope_wasm/rope.h), plain functions
// over wasm-heap addresses and status codes, nothing more; it never calls the C++ core
// directly. Loading, validation, errors and buffers live in the JS layer (bindings/js/).
// Addresses cross as numbers (uintptr_t); handles are rope_t pointers.
//
// The three per-call hot paths (apply, applyQK, the benchmark's streaming pass) are also
// plain C exports: Embind's invoker without eval (-sDYNAMIC_EXECUTION=0, needed for pages
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
      .field("factorCount", &JsConfig::factorCount);
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
