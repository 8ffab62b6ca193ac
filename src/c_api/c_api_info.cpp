// The C API's status names, version, and introspection of a rope.
#include <cstddef>
#include <limits>

#include "../kernels/rope_simd128.h"
#include "../stream_pass.h"
#include "c_api_common.h"

namespace rope {
namespace capi {
namespace {

// The C enum is the core's Status, value for value.
#define ROPE_SAME(c, s) static_assert(static_cast<int>(c) == static_cast<int>(Status::s), #c)
ROPE_SAME(ROPE_OK, kOk);
ROPE_SAME(ROPE_HEAD_DIM_INVALID, kHeadDimInvalid);
ROPE_SAME(ROPE_ROTARY_DIM_INVALID, kRotaryDimInvalid);
ROPE_SAME(ROPE_BASE_INVALID, kBaseInvalid);
ROPE_SAME(ROPE_LAYOUT_INVALID, kLayoutInvalid);
ROPE_SAME(ROPE_SCALING_INVALID, kScalingInvalid);
ROPE_SAME(ROPE_NUM_HEADS_INVALID, kNumHeadsInvalid);
ROPE_SAME(ROPE_LENGTH_INVALID, kLengthInvalid);
ROPE_SAME(ROPE_POSITION_INVALID, kPositionInvalid);
ROPE_SAME(ROPE_ORDER_INVALID, kOrderInvalid);
ROPE_SAME(ROPE_SEQ_LEN_INVALID, kSeqLenInvalid);
ROPE_SAME(ROPE_OUT_OF_MEMORY, kOutOfMemory);
ROPE_SAME(ROPE_SIZE_OVERFLOW, kSizeOverflow);
ROPE_SAME(ROPE_NULL_POINTER, kNullPointer);
ROPE_SAME(ROPE_TOKEN_COUNT_MISMATCH, kTokenCountMismatch);
ROPE_SAME(ROPE_CACHE_LIMIT_INVALID, kCacheLimitInvalid);
ROPE_SAME(ROPE_MROPE_INVALID, kMropeInvalid);
ROPE_SAME(ROPE_FREQ_FACTORS_INVALID, kFreqFactorsInvalid);
ROPE_SAME(ROPE_ALIASED_TENSORS, kAliasedTensors);
ROPE_SAME(ROPE_DTYPE_INVALID, kDTypeInvalid);
ROPE_SAME(ROPE_STRIDE_INVALID, kStrideInvalid);
#undef ROPE_SAME
// The other enums too: the C API passes them to the core by value.
static_assert(ROPE_LAYOUT_HALF == static_cast<int>(Layout::kHalf) &&
              ROPE_LAYOUT_INTERLEAVED == static_cast<int>(Layout::kInterleaved), "layout");
static_assert(ROPE_ORDER_TOKEN_MAJOR == static_cast<int>(Order::kTokenMajor) &&
              ROPE_ORDER_HEAD_MAJOR == static_cast<int>(Order::kHeadMajor), "order");
static_assert(ROPE_SCALING_NONE == static_cast<int>(ScalingType::kNone) &&
              ROPE_SCALING_LINEAR == static_cast<int>(ScalingType::kLinear) &&
              ROPE_SCALING_DYNAMIC == static_cast<int>(ScalingType::kDynamic) &&
              ROPE_SCALING_YARN == static_cast<int>(ScalingType::kYarn) &&
              ROPE_SCALING_LLAMA3 == static_cast<int>(ScalingType::kLlama3) &&
              ROPE_SCALING_LONGROPE == static_cast<int>(ScalingType::kLongrope) &&
              ROPE_SCALING_PROPORTIONAL == static_cast<int>(ScalingType::kProportional), "scaling type");
static_assert(ROPE_MROPE_NONE == static_cast<int>(MropeMode::kNone) && ROPE_MROPE_CHUNKED == static_cast<int>(MropeMode::kChunked) &&
              ROPE_MROPE_INTERLEAVED == static_cast<int>(MropeMode::kInterleaved) &&
              ROPE_MROPE_VISION == static_cast<int>(MropeMode::kVision), "mrope mode");
static_assert(ROPE_DTYPE_FLOAT32 == static_cast<int>(DType::kFloat32) && ROPE_DTYPE_FLOAT16 == static_cast<int>(DType::kFloat16) &&
              ROPE_DTYPE_BFLOAT16 == static_cast<int>(DType::kBFloat16), "dtype");
// rope_pair_info hands the caller's array to the core as PairInfo.
static_assert(sizeof(rope_pair_freq) == sizeof(PairInfo) && offsetof(rope_pair_freq, freq) == offsetof(PairInfo, freq) &&
              offsetof(rope_pair_freq, wavelength) == offsetof(PairInfo, wavelength) &&
              offsetof(rope_pair_freq, interp_weight) == offsetof(PairInfo, interp_weight), "pair layout");

constexpr int kFirstCApiStatus = 100;

size_t pairs_of(const rope_t* r) { return static_cast<size_t>(rope::rope_rotary_dim(core(r)) / 2); }

}  // namespace
}  // namespace capi
}  // namespace rope

using namespace rope::capi;

extern "C" const char* rope_status_string(int code) {
  // The core's codes by the core's own names, so the two can never drift apart.
  if (code >= 0 && code < kFirstCApiStatus) return rope::status_name(static_cast<rope::Status>(code));
  switch (code) {
    case ROPE_STRUCT_SIZE_INVALID: return "STRUCT_SIZE_INVALID";
    default: return "UNKNOWN";
  }
}

extern "C" uint32_t rope_version(void) { return ROPE_WASM_VERSION; }
extern "C" const char* rope_version_string(void) { return ROPE_WASM_VERSION_STRING; }
extern "C" int rope_simd128(void) { return ROPE_HAVE_SIMD128; }

extern "C" rope_status rope_token_count(const rope_t* rope, size_t length, int32_t num_heads, size_t* tokens) {
  if (rope == nullptr || tokens == nullptr) return ROPE_NULL_POINTER;
  return from_core(rope::rope_token_count(core(rope), length, num_heads, tokens));
}

extern "C" rope_status rope_head_dim(const rope_t* rope, int32_t* head_dim) {
  if (rope == nullptr || head_dim == nullptr) return ROPE_NULL_POINTER;
  *head_dim = rope::rope_config(core(rope)).head_dim;
  return ROPE_OK;
}

extern "C" rope_status rope_rotary_dim(const rope_t* rope, int32_t* rotary_dim) {
  if (rope == nullptr || rotary_dim == nullptr) return ROPE_NULL_POINTER;
  *rotary_dim = rope::rope_rotary_dim(core(rope));
  return ROPE_OK;
}

extern "C" rope_status rope_inv_freq(const rope_t* rope, double* out, size_t count) {
  if (rope == nullptr || out == nullptr) return ROPE_NULL_POINTER;
  const size_t pairs = pairs_of(rope);
  if (count < pairs) return ROPE_LENGTH_INVALID;
  const double* f = rope::rope_inv_freq(core(rope));
  for (size_t i = 0; i < pairs; ++i) out[i] = f[i];
  return ROPE_OK;
}

extern "C" rope_status rope_attention_factor(const rope_t* rope, double* attention_factor) {
  if (rope == nullptr || attention_factor == nullptr) return ROPE_NULL_POINTER;
  *attention_factor = rope::rope_attention_factor(core(rope));
  return ROPE_OK;
}

extern "C" rope_status rope_cache_bytes(const rope_t* rope, size_t* bytes) {
  if (rope == nullptr || bytes == nullptr) return ROPE_NULL_POINTER;
  *bytes = rope::rope_cache_bytes(core(rope));
  return ROPE_OK;
}

extern "C" rope_status rope_cache_rows(const rope_t* rope, size_t* rows) {
  if (rope == nullptr || rows == nullptr) return ROPE_NULL_POINTER;
  *rows = rope::rope_cache_rows(core(rope));
  return ROPE_OK;
}

extern "C" rope_status rope_set_seq_len(rope_t* rope, double seq_len) {
  if (rope == nullptr) return ROPE_NULL_POINTER;
  return from_core(rope::rope_set_seq_len(core(rope), seq_len));
}

extern "C" rope_status rope_pair_info(const rope_t* rope, double seq_len, rope_pair_freq* out, size_t count,
                                      double* attention_factor) {
  if (rope == nullptr || out == nullptr) return ROPE_NULL_POINTER;
  if (count < pairs_of(rope)) return ROPE_LENGTH_INVALID;
  return from_core(rope::rope_pair_info(core(rope), seq_len, reinterpret_cast<rope::PairInfo*>(out),
                                        attention_factor));
}

extern "C" rope_status rope_stream_pass(float* x, size_t length, float a, float b) {
  if (length == 0) return ROPE_OK;
  if (x == nullptr) return ROPE_NULL_POINTER;
  if (length > std::numeric_limits<size_t>::max() / sizeof(float)) return ROPE_SIZE_OVERFLOW;
  rope::stream_axpb(x, length, a, b);
  return ROPE_OK;
}

extern "C" rope_status rope_stream_pass16(void* x, size_t length, int32_t dtype, float a, float b) {
  if (dtype != ROPE_DTYPE_FLOAT16 && dtype != ROPE_DTYPE_BFLOAT16) return ROPE_DTYPE_INVALID;
  if (length == 0) return ROPE_OK;
  if (x == nullptr) return ROPE_NULL_POINTER;
  if (length > std::numeric_limits<size_t>::max() / 2) return ROPE_SIZE_OVERFLOW;
  rope::stream_axpb16(static_cast<rope::DType>(dtype), static_cast<uint16_t*>(x), length, a, b);
  return ROPE_OK;
}

extern "C" rope_status rope_stream_pass_strided(float* x, size_t runs, size_t run_length, size_t stride, float a,
                                                float b) {
  if (runs == 0 || run_length == 0) return ROPE_OK;
  if (x == nullptr) return ROPE_NULL_POINTER;
  if (stride < run_length) return ROPE_STRIDE_INVALID;
  if (runs - 1 > (std::numeric_limits<size_t>::max() / sizeof(float) - run_length) / stride) return ROPE_SIZE_OVERFLOW;
  rope::stream_axpb_strided(x, runs, run_length, stride, a, b);
  return ROPE_OK;
}

extern "C" rope_status rope_cos_sin_cache(rope_t* rope, int64_t start, size_t count, double seq_len, float* cos_out,
                                          float* sin_out) {
  if (rope == nullptr) return ROPE_NULL_POINTER;
  if (seq_len < 0) return ROPE_SEQ_LEN_INVALID;
  return from_core(rope::rope_cos_sin(core(rope), start, count, seq_len, cos_out, sin_out));
}
