// The Embind block: plain functions over wasm-heap addresses and status codes, nothing
// more. Loading, validation, errors and buffers live in the JS layer (bindings/js/).
// Addresses cross as numbers (uintptr_t); handles are Rope pointers.
//
// The three per-call hot paths (apply, applyQK, the benchmark's streaming pass) are also
// plain C exports: Embind's invoker without eval (-sDYNAMIC_EXECUTION=0, needed for pages
// with a strict CSP) costs ~150 ns a call, as much as a whole decode step's kernel.
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>
#include <malloc.h>

#include <cstdint>

#include "../src/rope_apply.h"
#include "../src/stream_pass.h"

namespace {

using rope::Status;

// The config as the JS layer hands it over: every field present, numbers only.
struct JsConfig {
  int headDim = 0;
  int rotaryDim = 0;
  double base = 10000;
  int layout = 0;
  double cacheLimitBytes = rope::kDefaultCacheLimitBytes;
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
  int mropeMode = 0;               // rope::MropeMode
  int mropeStreams = 0;
  int mropeSection0 = 0, mropeSection1 = 0, mropeSection2 = 0, mropeSection3 = 0;
  uintptr_t freqFactorsPtr = 0;  // doubles, freqFactorCount of them
  int freqFactorCount = 0;
};

rope::Rope* handle(uintptr_t h) { return reinterpret_cast<rope::Rope*>(h); }

int create(const JsConfig& j, uintptr_t handle_out) {
  rope::RopeConfig c;
  c.head_dim = j.headDim;
  c.rotary_dim = j.rotaryDim;
  c.base = j.base;
  c.layout = static_cast<rope::Layout>(j.layout);
  c.cache_limit_bytes = j.cacheLimitBytes;
  rope::ScalingParams& s = c.scaling;
  s.type = static_cast<rope::ScalingType>(j.scalingType);
  s.factor = j.factor;
  s.max_position_embeddings = j.maxPositionEmbeddings;
  s.original_max_position_embeddings = j.originalMaxPositionEmbeddings;
  s.beta_fast = j.betaFast;
  s.beta_slow = j.betaSlow;
  s.mscale = j.mscale;
  s.mscale_all_dim = j.mscaleAllDim;
  s.attention_factor = j.attentionFactor;
  s.truncate = j.truncate;
  s.low_freq_factor = j.lowFreqFactor;
  s.high_freq_factor = j.highFreqFactor;
  if (j.factorCount > 0 && j.shortFactorPtr && j.longFactorPtr) {
    const double* sf = reinterpret_cast<const double*>(j.shortFactorPtr);
    const double* lf = reinterpret_cast<const double*>(j.longFactorPtr);
    s.short_factor.assign(sf, sf + j.factorCount);
    s.long_factor.assign(lf, lf + j.factorCount);
  }
  s.partial_rotary_factor = j.partialRotaryFactor;
  c.mrope.mode = static_cast<rope::MropeMode>(j.mropeMode);
  c.mrope.streams = j.mropeStreams;
  const int sections[rope::kMaxStreams] = {j.mropeSection0, j.mropeSection1, j.mropeSection2, j.mropeSection3};
  for (int k = 0; k < rope::kMaxStreams; ++k) c.mrope.sections[k] = sections[k];
  if (j.freqFactorCount > 0 && j.freqFactorsPtr) {
    const double* ff = reinterpret_cast<const double*>(j.freqFactorsPtr);
    c.freq_factors.assign(ff, ff + j.freqFactorCount);
  }
  rope::Rope* r = nullptr;
  const Status st = rope::rope_create(c, &r);
  *reinterpret_cast<uint32_t*>(handle_out) = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(r));
  return static_cast<int>(st);
}

void destroy(uintptr_t h) { rope::rope_destroy(handle(h)); }

rope::ApplyParams params(int num_heads, int num_kv_heads, int order, uintptr_t positions,
                         double start, bool inverse, double seq_len) {
  rope::ApplyParams p;
  p.num_heads = num_heads;
  p.num_kv_heads = num_kv_heads;
  p.order = static_cast<rope::Order>(order);
  p.positions = reinterpret_cast<const int32_t*>(positions);
  p.start = static_cast<int64_t>(start);
  p.inverse = inverse;
  p.seq_len = seq_len;
  return p;
}

int apply(uintptr_t h, uintptr_t x, double length, int num_heads, int order, uintptr_t positions,
          double start, bool inverse, double seq_len) {
  return static_cast<int>(rope::rope_apply(handle(h), reinterpret_cast<float*>(x),
                                           static_cast<size_t>(length),
                                           params(num_heads, 0, order, positions, start, inverse, seq_len)));
}

int applyQK(uintptr_t h, uintptr_t q, double q_length, uintptr_t k, double k_length, int num_heads,
            int num_kv_heads, int order, uintptr_t positions, double start, bool inverse,
            double seq_len) {
  return static_cast<int>(rope::rope_apply_qk(
      handle(h), reinterpret_cast<float*>(q), static_cast<size_t>(q_length),
      reinterpret_cast<float*>(k), static_cast<size_t>(k_length),
      params(num_heads, num_kv_heads, order, positions, start, inverse, seq_len)));
}

uintptr_t invFreqPtr(uintptr_t h) { return reinterpret_cast<uintptr_t>(rope::rope_inv_freq(handle(h))); }
double attentionFactor(uintptr_t h) { return rope::rope_attention_factor(handle(h)); }
int rotaryDim(uintptr_t h) { return rope::rope_rotary_dim(handle(h)); }
double cacheBytes(uintptr_t h) { return static_cast<double>(rope::rope_cache_bytes(handle(h))); }
double cacheRows(uintptr_t h) { return static_cast<double>(rope::rope_cache_rows(handle(h))); }
int setSeqLen(uintptr_t h, double seq_len) { return static_cast<int>(rope::rope_set_seq_len(handle(h), seq_len)); }

// Writes, per pair, [baseFreq, freq, wavelength, interpWeight] then the attention factor.
int pairInfo(uintptr_t h, double seq_len, uintptr_t out) {
  const int pairs = rope::rope_rotary_dim(handle(h)) / 2;
  rope::PairInfo* info = reinterpret_cast<rope::PairInfo*>(out);
  double* af = reinterpret_cast<double*>(out) + 4 * pairs;
  return static_cast<int>(rope::rope_pair_info(handle(h), seq_len, info, af));
}

double bytesInUse() { return static_cast<double>(mallinfo().uordblks); }

void streamAxpb(uintptr_t x, double n, float a, float b) {
  rope::stream_axpb(reinterpret_cast<float*>(x), static_cast<size_t>(n), a, b);
}

bool builtWithSimd() {
#if defined(__wasm_simd128__)
  return true;
#else
  return false;
#endif
}

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

// A view call (strided, batched, 16-bit; shift), its arguments in a block of doubles the JS
// layer writes (bindings/js/views.js, VIEW_* indices): [kind (1 apply, 2 applyQK), inverse,
// relative, seqLen, start, positions, starts, -, then per view (q at 8, k at 20): data,
// length, dtype, heads, order, offset, tokenStride, headStride, batchStride, tokens, batch].
EMSCRIPTEN_KEEPALIVE int rope_wasm_apply_view(uintptr_t h, uintptr_t args) {
  const double* a = reinterpret_cast<const double*>(args);
  auto view = [](const double* v) {
    rope::TensorView t;
    t.dtype = static_cast<rope::DType>(static_cast<int>(v[2]));
    t.heads = static_cast<int>(v[3]);
    t.order = static_cast<rope::Order>(static_cast<int>(v[4]));
    t.offset = static_cast<size_t>(v[5]);
    t.token_stride = static_cast<size_t>(v[6]);
    t.head_stride = static_cast<size_t>(v[7]);
    t.batch_stride = static_cast<size_t>(v[8]);
    t.tokens = static_cast<size_t>(v[9]);
    t.batch = static_cast<size_t>(v[10]);
    return t;
  };
  rope::ViewCall c;
  c.inverse = a[1] != 0;
  c.relative = a[2] != 0;
  c.seq_len = a[3];
  c.start = static_cast<int64_t>(a[4]);
  c.positions = reinterpret_cast<const int32_t*>(static_cast<uintptr_t>(a[5]));
  c.starts = reinterpret_cast<const int32_t*>(static_cast<uintptr_t>(a[6]));
  const double* q = a + 8;
  void* qd = reinterpret_cast<void*>(static_cast<uintptr_t>(q[0]));
  if (a[0] == 1) return static_cast<int>(rope::rope_apply_view(handle(h), qd, static_cast<size_t>(q[1]), view(q), c));
  const double* k = a + 20;
  void* kd = reinterpret_cast<void*>(static_cast<uintptr_t>(k[0]));
  return static_cast<int>(rope::rope_apply_qk_view(handle(h), qd, static_cast<size_t>(q[1]), view(q), kd,
                                                   static_cast<size_t>(k[1]), view(k), c));
}

}  // extern "C"

EMSCRIPTEN_BINDINGS(rope_wasm) {
  using namespace emscripten;
  static_assert(sizeof(rope::PairInfo) == 4 * sizeof(double), "pairInfo layout");
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
