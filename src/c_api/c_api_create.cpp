// The C API's creation and destruction: rope_config -> rope::RopeConfig, then rope_create.
#include <new>

#include "c_api_common.h"

namespace rope {
namespace capi {

rope_status check_struct_size_slow(const void* s, uint32_t size, size_t ours) {
  if (size < ours || size > kMaxStructSize) return ROPE_STRUCT_SIZE_INVALID;
  // A newer caller's struct: the fields this library does not know must be unset (zero),
  // so that a feature it cannot honour is refused, never silently ignored.
  const unsigned char* bytes = static_cast<const unsigned char*>(s);
  for (size_t i = ours; i < size; ++i)
    if (bytes[i] != 0) return ROPE_STRUCT_SIZE_INVALID;
  return ROPE_OK;
}

namespace {

// Longrope factor counts past this can never equal rotaryDim/2; they are not copied (the
// core then reports SCALING_INVALID, after any error it finds first).
constexpr size_t kMaxFactorCount = static_cast<size_t>(kMaxHeadDim / 2);

void assign_factors(std::vector<double>* to, const double* from, size_t count) {
  if (count <= kMaxFactorCount) to->assign(from, from + count);
}

RopeConfig to_core(const ::rope_config& c) {
  RopeConfig r;
  r.head_dim = c.head_dim;
  r.rotary_dim = c.rotary_dim;
  r.base = c.base;
  // Any int32 is a valid value of these enums' underlying type; the core rejects unknown ones.
  r.layout = static_cast<Layout>(c.layout);
  r.cache_limit_bytes = c.cache_limit_bytes;
  ScalingParams& s = r.scaling;
  s.type = static_cast<ScalingType>(c.scaling_type);
  s.factor = c.factor;
  s.max_position_embeddings = c.max_position_embeddings;
  s.original_max_position_embeddings = c.original_max_position_embeddings;
  s.beta_fast = c.beta_fast;
  s.beta_slow = c.beta_slow;
  s.mscale = c.mscale;
  s.mscale_all_dim = c.mscale_all_dim;
  s.attention_factor = c.attention_factor;
  s.truncate = c.truncate != 0;
  s.low_freq_factor = c.low_freq_factor;
  s.high_freq_factor = c.high_freq_factor;
  if (s.type == ScalingType::kLongrope) {
    assign_factors(&s.short_factor, c.short_factor, c.short_factor_count);
    assign_factors(&s.long_factor, c.long_factor, c.long_factor_count);
  }
  s.partial_rotary_factor = c.partial_rotary_factor;
  r.mrope.mode = static_cast<MropeMode>(c.mrope_mode);
  r.mrope.streams = c.mrope_section_count;
  for (int k = 0; k < kMaxStreams; ++k) r.mrope.sections[k] = c.mrope_sections[k];
  if (c.freq_factors != nullptr) {
    // A count that cannot be rotary_dim/2 is kept as a wrong-length marker (the core refuses it).
    // A count too large to copy stands in as one entry more than any rotary_dim/2 can be
    // right for this config, so the core refuses it (FREQ_FACTORS_INVALID).
    if (c.freq_factor_count <= kMaxFactorCount) r.freq_factors.assign(c.freq_factors, c.freq_factors + c.freq_factor_count);
    else r.freq_factors.assign(static_cast<size_t>((c.rotary_dim > 0 ? c.rotary_dim : c.head_dim) > 0 ? (c.rotary_dim > 0 ? c.rotary_dim : c.head_dim) / 2 : 0) + 1, 1.0);
  }
  return r;
}

rope_status create(const ::rope_config& cfg, rope_t** out) {
  Rope* r = nullptr;
  const Status st = rope::rope_create(to_core(cfg), &r);
  *out = handle(r);
  return from_core(st);
}

}  // namespace
}  // namespace capi
}  // namespace rope

using namespace rope::capi;

extern "C" rope_status rope_create(const rope_config* cfg, rope_t** out) {
  if (out == nullptr) return ROPE_NULL_POINTER;
  *out = nullptr;
  if (cfg == nullptr) return ROPE_NULL_POINTER;
  const rope_status size_st = check_struct_size(cfg);
  if (size_st != ROPE_OK) return size_st;
  if (cfg->freq_factor_count != 0 && cfg->freq_factors == nullptr) return ROPE_NULL_POINTER;
  if (cfg->scaling_type == ROPE_SCALING_LONGROPE &&
      ((cfg->short_factor_count != 0 && cfg->short_factor == nullptr) ||
       (cfg->long_factor_count != 0 && cfg->long_factor == nullptr)))
    return ROPE_NULL_POINTER;
#if defined(__cpp_exceptions)
  // Built with exceptions (a consumer's -fexceptions, or natively), copying the config's
  // factor vectors can throw std::bad_alloc; no exception may cross a C function.
  try {
    return create(*cfg, out);
  } catch (...) {
    *out = nullptr;
    return ROPE_OUT_OF_MEMORY;
  }
#else
  return create(*cfg, out);
#endif
}

extern "C" void rope_destroy(rope_t* rope) { rope::rope_destroy(core(rope)); }
