// The C API (include/rope_wasm/rope.h) against the core it wraps: every status path (NULL
// handles and pointers, struct_size, overflowing lengths, bad enum values, aliasing), the
// results bit for bit equal to the core's own calls, status names, version.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "kernels/rope_simd128.h"
#include "reference.h"
#include "rope_apply.h"
#include "rope_wasm/rope.h"
#include "stream_pass.h"

namespace {

using rope_test::random_floats;

constexpr size_t kSizeMax = std::numeric_limits<size_t>::max();
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

rope::Status core_status(rope_status s) { return static_cast<rope::Status>(static_cast<int>(s)); }

// A C handle and a core rope made from the same configuration, side by side.
struct Pair {
  rope_t* c = nullptr;
  rope::Rope* core = nullptr;
  Pair(const rope_config& cc, const rope::RopeConfig& rc) {
    EXPECT_EQ(rope_create(&cc, &c), ROPE_OK);
    EXPECT_EQ(rope::rope_create(rc, &core), rope::Status::kOk);
  }
  ~Pair() {
    rope_destroy(c);
    rope::rope_destroy(core);
  }
};

// The longrope factors used below (rotaryDim 16: 8 pairs).
const std::vector<double> kShort = {1.0, 1.1, 1.2, 1.3, 1.5, 1.8, 2.0, 2.5};
const std::vector<double> kLong = {1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 10.0};

// The same configuration as rope_config (through the C API) and RopeConfig (written out
// here by hand, not by the C API's own conversion), for every scaling type.
void configs(int type, rope_config* c, rope::RopeConfig* r) {
  rope_config_init(c);
  c->head_dim = 24;
  c->rotary_dim = 16;
  c->base = 500000;
  c->layout = type % 2 == 0 ? ROPE_LAYOUT_HALF : ROPE_LAYOUT_INTERLEAVED;
  c->scaling_type = type;
  *r = rope::RopeConfig();
  r->head_dim = 24;
  r->rotary_dim = 16;
  r->base = 500000;
  r->layout = static_cast<rope::Layout>(c->layout);
  rope::ScalingParams& s = r->scaling;
  s.type = static_cast<rope::ScalingType>(type);
  switch (type) {
    case ROPE_SCALING_LINEAR:
      c->factor = s.factor = 4;
      break;
    case ROPE_SCALING_DYNAMIC:
      c->factor = s.factor = 2;
      c->max_position_embeddings = s.max_position_embeddings = 64;
      break;
    case ROPE_SCALING_YARN:
      c->factor = s.factor = 8;
      c->original_max_position_embeddings = s.original_max_position_embeddings = 64;
      c->mscale = s.mscale = 1;
      c->truncate = 0;
      s.truncate = false;
      break;
    case ROPE_SCALING_LLAMA3:
      c->factor = s.factor = 8;
      c->original_max_position_embeddings = s.original_max_position_embeddings = 64;
      break;
    case ROPE_SCALING_LONGROPE:
      c->factor = s.factor = kNaN;
      c->original_max_position_embeddings = s.original_max_position_embeddings = 64;
      c->max_position_embeddings = s.max_position_embeddings = 512;
      c->short_factor = kShort.data();
      c->long_factor = kLong.data();
      c->short_factor_count = c->long_factor_count = kShort.size();
      s.short_factor = kShort;
      s.long_factor = kLong;
      break;
    default:
      break;
  }
}

rope_config valid_config() {
  rope_config c;
  rope_config_init(&c);
  c.head_dim = 16;
  return c;
}

rope_apply_params params(int heads) {
  rope_apply_params p;
  rope_apply_params_init(&p);
  p.num_heads = heads;
  return p;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(CApi, StatusStringForEveryCode) {
  // 0-99 are the core's names, so they follow rope::Status as it grows; the C API's own above.
  for (int code = 0; code < 100; ++code)
    EXPECT_STREQ(rope_status_string(code), rope::status_name(static_cast<rope::Status>(code)))
        << code;
  const char* expected[] = {"OK", "HEAD_DIM_INVALID", "ROTARY_DIM_INVALID", "BASE_INVALID", "LAYOUT_INVALID",
                            "SCALING_INVALID", "NUM_HEADS_INVALID", "LENGTH_INVALID", "POSITION_INVALID",
                            "ORDER_INVALID", "SEQ_LEN_INVALID", "OUT_OF_MEMORY", "SIZE_OVERFLOW", "NULL_POINTER",
                            "TOKEN_COUNT_MISMATCH", "CACHE_LIMIT_INVALID", "MROPE_INVALID", "FREQ_FACTORS_INVALID",
                            "ALIASED_TENSORS", "DTYPE_INVALID", "STRIDE_INVALID"};
  for (int code = 0; code <= ROPE_STRIDE_INVALID; ++code)
    EXPECT_STREQ(rope_status_string(code), expected[code]);
  // A new core code 21 would show here (and must get a C name and a JS code).
  EXPECT_STREQ(rope::status_name(static_cast<rope::Status>(21)), "UNKNOWN");
  EXPECT_STREQ(rope_status_string(ROPE_STRUCT_SIZE_INVALID), "STRUCT_SIZE_INVALID");
  for (int code : {-1, 21, 99, 100, 102, 1000, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()})
    EXPECT_STREQ(rope_status_string(code), "UNKNOWN") << code;
}

TEST(CApi, Version) {
  EXPECT_EQ(rope_version(), static_cast<uint32_t>(ROPE_WASM_VERSION));
  EXPECT_EQ(ROPE_WASM_VERSION, ROPE_WASM_VERSION_NUMBER(ROPE_WASM_VERSION_MAJOR, ROPE_WASM_VERSION_MINOR,
                                                        ROPE_WASM_VERSION_PATCH));
  const std::string s = std::to_string(ROPE_WASM_VERSION_MAJOR) + "." + std::to_string(ROPE_WASM_VERSION_MINOR) +
                        "." + std::to_string(ROPE_WASM_VERSION_PATCH);
  EXPECT_EQ(s, rope_version_string());
  EXPECT_STREQ(ROPE_WASM_VERSION_STRING, rope_version_string());
  // package.json's version when this was written; a release bump updates this line too.
  EXPECT_GE(rope_version(), static_cast<uint32_t>(ROPE_WASM_VERSION_NUMBER(0, 1, 0)));
}

TEST(CApi, Simd128ReportsTheKernels) { EXPECT_EQ(rope_simd128(), ROPE_HAVE_SIMD128); }

TEST(CApi, ConfigInitGivesTheCoreDefaults) {
  rope_config c;
  std::memset(&c, 0xab, sizeof c);
  rope_config_init(&c);
  const rope::RopeConfig r;
  EXPECT_EQ(c.struct_size, sizeof(rope_config));
  EXPECT_EQ(c.head_dim, 0);
  EXPECT_EQ(c.rotary_dim, r.rotary_dim);
  EXPECT_EQ(c.layout, static_cast<int>(r.layout));
  EXPECT_EQ(c.base, r.base);
  EXPECT_EQ(c.cache_limit_bytes, r.cache_limit_bytes);
  const rope::ScalingParams& s = r.scaling;
  EXPECT_EQ(c.scaling_type, static_cast<int>(s.type));
  EXPECT_EQ(c.factor, s.factor);
  EXPECT_EQ(c.max_position_embeddings, s.max_position_embeddings);
  EXPECT_EQ(c.original_max_position_embeddings, s.original_max_position_embeddings);
  EXPECT_EQ(c.beta_fast, s.beta_fast);
  EXPECT_EQ(c.beta_slow, s.beta_slow);
  EXPECT_TRUE(std::isnan(c.mscale) && std::isnan(s.mscale));
  EXPECT_TRUE(std::isnan(c.mscale_all_dim) && std::isnan(s.mscale_all_dim));
  EXPECT_TRUE(std::isnan(c.attention_factor) && std::isnan(s.attention_factor));
  EXPECT_EQ(c.truncate != 0, s.truncate);
  EXPECT_EQ(c.low_freq_factor, s.low_freq_factor);
  EXPECT_EQ(c.high_freq_factor, s.high_freq_factor);
  EXPECT_EQ(c.short_factor, nullptr);
  EXPECT_EQ(c.long_factor, nullptr);
  EXPECT_EQ(c.short_factor_count, 0u);
  EXPECT_EQ(c.long_factor_count, 0u);

  rope_apply_params p;
  std::memset(&p, 0xab, sizeof p);
  rope_apply_params_init(&p);
  const rope::ApplyParams a;
  EXPECT_EQ(p.struct_size, sizeof(rope_apply_params));
  EXPECT_EQ(p.num_heads, a.num_heads);
  EXPECT_EQ(p.num_kv_heads, a.num_kv_heads);
  EXPECT_EQ(p.order, static_cast<int>(a.order));
  EXPECT_EQ(p.positions, a.positions);
  EXPECT_EQ(p.start, a.start);
  EXPECT_EQ(p.inverse != 0, a.inverse);
  EXPECT_EQ(p.seq_len, a.seq_len);
}

TEST(CApi, CreateNullPointers) {
  rope_config c = valid_config();
  EXPECT_EQ(rope_create(&c, nullptr), ROPE_NULL_POINTER);
  rope_t* r = reinterpret_cast<rope_t*>(uintptr_t{1});
  EXPECT_EQ(rope_create(nullptr, &r), ROPE_NULL_POINTER);
  EXPECT_EQ(r, nullptr);
  // Longrope factor arrays: a count without its array.
  rope::RopeConfig unused;
  configs(ROPE_SCALING_LONGROPE, &c, &unused);
  c.short_factor = nullptr;
  r = reinterpret_cast<rope_t*>(uintptr_t{1});
  EXPECT_EQ(rope_create(&c, &r), ROPE_NULL_POINTER);
  EXPECT_EQ(r, nullptr);
  configs(ROPE_SCALING_LONGROPE, &c, &unused);
  c.long_factor = nullptr;
  EXPECT_EQ(rope_create(&c, &r), ROPE_NULL_POINTER);
  // The arrays are read for longrope only: other types ignore them, as the core does.
  c = valid_config();
  c.short_factor_count = 5;
  EXPECT_EQ(rope_create(&c, &r), ROPE_OK);
  rope_destroy(r);
  rope_destroy(nullptr);  // accepted, does nothing
}

TEST(CApi, StructSize) {
  rope_config c = valid_config();
  rope_t* r = nullptr;
  for (uint32_t size : {0u, 4u, static_cast<uint32_t>(sizeof(rope_config) - 1), 4097u, 0xffffffffu}) {
    c.struct_size = size;
    EXPECT_EQ(rope_create(&c, &r), ROPE_STRUCT_SIZE_INVALID) << size;
    EXPECT_EQ(r, nullptr);
  }
  // A newer caller's larger struct: accepted while the fields this library does not know are
  // zero, refused once one is set.
  struct Newer {
    rope_config base;
    uint64_t future_field;
  } n;
  std::memset(&n, 0, sizeof n);
  rope_config_init(&n.base);
  n.base.head_dim = 16;
  n.base.struct_size = sizeof n;
  EXPECT_EQ(rope_create(&n.base, &r), ROPE_OK);
  rope_destroy(r);
  n.future_field = 1;
  EXPECT_EQ(rope_create(&n.base, &r), ROPE_STRUCT_SIZE_INVALID);

  const rope_config valid = valid_config();
  ASSERT_EQ(rope_create(&valid, &r), ROPE_OK);
  std::vector<float> x(16, 1.0f);
  rope_apply_params p = params(1);
  p.struct_size = 0;
  EXPECT_EQ(rope_apply(r, x.data(), x.size(), &p), ROPE_STRUCT_SIZE_INVALID);
  EXPECT_EQ(rope_inverse(r, x.data(), x.size(), &p), ROPE_STRUCT_SIZE_INVALID);
  EXPECT_EQ(rope_rerotate(r, x.data(), x.size(), &p, 1, 2), ROPE_STRUCT_SIZE_INVALID);
  EXPECT_EQ(rope_apply_qk(r, x.data(), 16, nullptr, 0, &p), ROPE_STRUCT_SIZE_INVALID);
  struct NewerParams {
    rope_apply_params base;
    uint32_t future_flags;
  } np;
  std::memset(&np, 0, sizeof np);
  rope_apply_params_init(&np.base);
  np.base.num_heads = 1;
  np.base.struct_size = sizeof np;
  EXPECT_EQ(rope_apply(r, x.data(), x.size(), &np.base), ROPE_OK);
  np.future_flags = 1;
  EXPECT_EQ(rope_apply(r, x.data(), x.size(), &np.base), ROPE_STRUCT_SIZE_INVALID);
  rope_destroy(r);
}

// Every config status, each the core's own for the same config.
TEST(CApi, CreateStatusesAreTheCores) {
  struct Case {
    const char* what;
    void (*edit)(rope_config*);
    rope_status expected;
  };
  const Case cases[] = {
      {"head_dim 0", [](rope_config* c) { c->head_dim = 0; }, ROPE_HEAD_DIM_INVALID},
      {"head_dim odd", [](rope_config* c) { c->head_dim = 15; }, ROPE_HEAD_DIM_INVALID},
      {"head_dim > 65536", [](rope_config* c) { c->head_dim = 65538; }, ROPE_HEAD_DIM_INVALID},
      {"rotary_dim odd", [](rope_config* c) { c->rotary_dim = 3; }, ROPE_ROTARY_DIM_INVALID},
      {"rotary_dim > head_dim", [](rope_config* c) { c->rotary_dim = 18; }, ROPE_ROTARY_DIM_INVALID},
      {"rotary_dim < 0", [](rope_config* c) { c->rotary_dim = -2; }, ROPE_ROTARY_DIM_INVALID},
      {"base 1", [](rope_config* c) { c->base = 1; }, ROPE_BASE_INVALID},
      {"base NaN", [](rope_config* c) { c->base = kNaN; }, ROPE_BASE_INVALID},
      {"layout 2", [](rope_config* c) { c->layout = 2; }, ROPE_LAYOUT_INVALID},
      {"layout -1", [](rope_config* c) { c->layout = -1; }, ROPE_LAYOUT_INVALID},
      {"cache limit -1", [](rope_config* c) { c->cache_limit_bytes = -1; }, ROPE_CACHE_LIMIT_INVALID},
      {"cache limit NaN", [](rope_config* c) { c->cache_limit_bytes = kNaN; }, ROPE_CACHE_LIMIT_INVALID},
      {"cache limit inf", [](rope_config* c) { c->cache_limit_bytes = kInf; }, ROPE_CACHE_LIMIT_INVALID},
      {"scaling type 7", [](rope_config* c) { c->scaling_type = 7; }, ROPE_SCALING_INVALID},
      {"scaling type -1", [](rope_config* c) { c->scaling_type = -1; }, ROPE_SCALING_INVALID},
      {"linear factor 0",
       [](rope_config* c) {
         c->scaling_type = ROPE_SCALING_LINEAR;
         c->factor = 0;
       },
       ROPE_SCALING_INVALID},
      {"dynamic without max",
       [](rope_config* c) {
         c->scaling_type = ROPE_SCALING_DYNAMIC;
         c->factor = 2;
       },
       ROPE_SCALING_INVALID},
      {"yarn without lengths",
       [](rope_config* c) {
         c->scaling_type = ROPE_SCALING_YARN;
         c->factor = 4;
       },
       ROPE_SCALING_INVALID},
      {"llama3 low > high (equal is valid: Llama 4)",
       [](rope_config* c) {
         c->scaling_type = ROPE_SCALING_LLAMA3;
         c->factor = 8;
         c->original_max_position_embeddings = 8192;
         c->low_freq_factor = 5;
       },
       ROPE_SCALING_INVALID},
      {"longrope without factors",
       [](rope_config* c) {
         c->scaling_type = ROPE_SCALING_LONGROPE;
         c->original_max_position_embeddings = 64;
         c->factor = 2;
       },
       ROPE_SCALING_INVALID},
      {"valid", [](rope_config*) {}, ROPE_OK},
  };
  for (const Case& k : cases) {
    rope_config c = valid_config();
    k.edit(&c);
    rope_t* r = reinterpret_cast<rope_t*>(uintptr_t{1});
    EXPECT_EQ(rope_create(&c, &r), k.expected) << k.what;
    EXPECT_EQ(r == nullptr, k.expected != ROPE_OK) << k.what;
    rope_destroy(r);
  }
}

TEST(CApi, LongropeFactorCounts) {
  rope_config c;
  rope::RopeConfig rc;
  rope_t* r = nullptr;
  configs(ROPE_SCALING_LONGROPE, &c, &rc);
  c.short_factor_count = 7;  // rotaryDim/2 is 8
  EXPECT_EQ(rope_create(&c, &r), ROPE_SCALING_INVALID);
  rc.scaling.short_factor.resize(7);
  EXPECT_EQ(rope::validate_config(rc), rope::Status::kScalingInvalid);
  // A count no array can have is refused without being read (the array holds 8).
  configs(ROPE_SCALING_LONGROPE, &c, &rc);
  c.long_factor_count = kSizeMax;
  EXPECT_EQ(rope_create(&c, &r), ROPE_SCALING_INVALID);
  // ... after the errors the core finds first, as the core orders them.
  c.head_dim = 0;
  EXPECT_EQ(rope_create(&c, &r), ROPE_HEAD_DIM_INVALID);
  EXPECT_EQ(r, nullptr);
}

TEST(CApi, NullHandleAndOutputPointers) {
  float x[16] = {};
  double d[8];
  size_t n = 0;
  int32_t i = 0;
  rope_pair_freq pf[8];
  const rope_apply_params p = params(1);
  EXPECT_EQ(rope_apply(nullptr, x, 16, &p), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_apply_qk(nullptr, x, 16, x + 8, 0, &p), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_inverse(nullptr, x, 16, &p), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_rerotate(nullptr, x, 16, &p, 1, 2), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_token_count(nullptr, 16, 1, &n), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_head_dim(nullptr, &i), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_rotary_dim(nullptr, &i), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_inv_freq(nullptr, d, 8), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_attention_factor(nullptr, d), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_cache_bytes(nullptr, &n), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_cache_rows(nullptr, &n), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_set_seq_len(nullptr, 4), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_pair_info(nullptr, 4, pf, 8, d), ROPE_NULL_POINTER);

  rope_t* r = nullptr;
  const rope_config c = valid_config();
  ASSERT_EQ(rope_create(&c, &r), ROPE_OK);
  EXPECT_EQ(rope_apply(r, x, 16, nullptr), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_apply_qk(r, x, 16, x + 8, 0, nullptr), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_inverse(r, x, 16, nullptr), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_rerotate(r, x, 16, nullptr, 1, 2), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_token_count(r, 16, 1, nullptr), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_head_dim(r, nullptr), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_rotary_dim(r, nullptr), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_inv_freq(r, nullptr, 8), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_attention_factor(r, nullptr), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_cache_bytes(r, nullptr), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_cache_rows(r, nullptr), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_pair_info(r, 4, nullptr, 8, d), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_pair_info(r, 4, pf, 8, nullptr), ROPE_OK);  // the attention factor is optional
  // Tensors: NULL with tokens to rotate is an error, NULL with none is a no-op, as in the core.
  EXPECT_EQ(rope_apply(r, nullptr, 16, &p), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_apply(r, nullptr, 0, &p), ROPE_OK);
  rope_apply_params pq = params(1);
  pq.num_kv_heads = 1;
  EXPECT_EQ(rope_apply_qk(r, x, 16, nullptr, 16, &pq), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_apply_qk(r, nullptr, 16, x, 16, &pq), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_apply_qk(r, nullptr, 0, nullptr, 0, &pq), ROPE_OK);
  EXPECT_EQ(rope_rerotate(r, nullptr, 16, &p, 1, 2), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_stream_pass(nullptr, 4, 1, 0), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_stream_pass(nullptr, 0, 1, 0), ROPE_OK);
  rope_destroy(r);
}

TEST(CApi, OverflowingLengths) {
  rope_t* r = nullptr;
  const rope_config c = valid_config();
  ASSERT_EQ(rope_create(&c, &r), ROPE_OK);
  std::vector<float> x(16, 0.5f);
  const std::vector<float> x0 = x;
  const rope_apply_params p = params(1);
  rope_apply_params pq = params(1);
  pq.num_kv_heads = 1;
  // Byte counts past the address space: refused before the core sees them.
  for (size_t len : {kSizeMax, kSizeMax / sizeof(float) + 1, kSizeMax / 2}) {
    EXPECT_EQ(rope_apply(r, x.data(), len, &p), ROPE_SIZE_OVERFLOW) << len;
    EXPECT_EQ(rope_inverse(r, x.data(), len, &p), ROPE_SIZE_OVERFLOW) << len;
    EXPECT_EQ(rope_rerotate(r, x.data(), len, &p, 1, 2), ROPE_SIZE_OVERFLOW) << len;
    EXPECT_EQ(rope_apply_qk(r, x.data(), len, x.data(), 16, &pq), ROPE_SIZE_OVERFLOW) << len;
    EXPECT_EQ(rope_apply_qk(r, x.data(), 16, x.data(), len, &pq), ROPE_SIZE_OVERFLOW) << len;
    EXPECT_EQ(rope_stream_pass(x.data(), len, 1, 0), ROPE_SIZE_OVERFLOW) << len;
  }
  // A range that would wrap the end of the address space (the pointer is never dereferenced).
  float* near_end = reinterpret_cast<float*>(std::numeric_limits<uintptr_t>::max() - 15);
  EXPECT_EQ(rope_apply(r, near_end, 16, &p), ROPE_SIZE_OVERFLOW);
  EXPECT_TRUE(same_bits(x, x0));
  // The core's own size limit (heads x headDim overflowing size_t) comes through too.
  size_t tokens = 0;
  EXPECT_EQ(rope_token_count(r, 32, 2, &tokens), ROPE_OK);
  EXPECT_EQ(tokens, 1u);
  EXPECT_EQ(rope_token_count(r, 31, 2, &tokens), ROPE_LENGTH_INVALID);
  EXPECT_EQ(rope_token_count(r, 32, 0, &tokens), ROPE_NUM_HEADS_INVALID);
  size_t core_tokens = 0;
  EXPECT_EQ(core_status(rope_token_count(r, kSizeMax, std::numeric_limits<int32_t>::max(), &tokens)),
            rope::rope_token_count(reinterpret_cast<rope::Rope*>(r), kSizeMax, std::numeric_limits<int32_t>::max(),
                                   &core_tokens));
  rope_destroy(r);
}

TEST(CApi, ApplyStatusesLeaveTheTensorUnchanged) {
  rope_t* r = nullptr;
  const rope_config c = valid_config();
  ASSERT_EQ(rope_create(&c, &r), ROPE_OK);
  const std::vector<float> x0 = random_floats(64, 3);  // 4 tokens of 1 head, or 2 of 2
  std::vector<int32_t> positions = {0, 1, 2, 3};
  struct Case {
    const char* what;
    void (*edit)(rope_apply_params*);
    size_t length;
    rope_status expected;
  };
  const Case cases[] = {
      {"num_heads 0", [](rope_apply_params* p) { p->num_heads = 0; }, 64, ROPE_NUM_HEADS_INVALID},
      {"num_heads -1", [](rope_apply_params* p) { p->num_heads = -1; }, 64, ROPE_NUM_HEADS_INVALID},
      {"length not whole tokens", [](rope_apply_params*) {}, 63, ROPE_LENGTH_INVALID},
      {"order 2", [](rope_apply_params* p) { p->order = 2; }, 64, ROPE_ORDER_INVALID},
      {"order -1", [](rope_apply_params* p) { p->order = -1; }, 64, ROPE_ORDER_INVALID},
      {"start below int32", [](rope_apply_params* p) { p->start = int64_t{INT32_MIN} - 1; }, 64, ROPE_POSITION_INVALID},
      {"last token past int32", [](rope_apply_params* p) { p->start = INT32_MAX - 2; }, 64, ROPE_POSITION_INVALID},
      {"start at int32 max, 1 token", [](rope_apply_params* p) { p->start = INT32_MAX; }, 16, ROPE_OK},
      {"seq_len NaN", [](rope_apply_params* p) { p->seq_len = kNaN; }, 64, ROPE_SEQ_LEN_INVALID},
      {"seq_len -1", [](rope_apply_params* p) { p->seq_len = -1; }, 64, ROPE_SEQ_LEN_INVALID},
      {"seq_len inf", [](rope_apply_params* p) { p->seq_len = kInf; }, 64, ROPE_SEQ_LEN_INVALID},
      {"inverse any nonzero", [](rope_apply_params* p) { p->inverse = 7; }, 64, ROPE_OK},
  };
  for (const Case& k : cases) {
    for (int fn = 0; fn < 3; ++fn) {
      rope_apply_params p = params(1);
      k.edit(&p);
      std::vector<float> x = x0;
      const rope_status st = fn == 0   ? rope_apply(r, x.data(), k.length, &p)
                             : fn == 1 ? rope_inverse(r, x.data(), k.length, &p)
                                       : rope_rerotate(r, x.data(), k.length, &p, 5, 9);
      // rerotate sets seq_len itself (p->seq_len is ignored there).
      const bool seq_case = std::string(k.what).rfind("seq_len", 0) == 0;
      EXPECT_EQ(st, fn == 2 && seq_case ? ROPE_OK : k.expected) << k.what << " fn " << fn;
      if (st != ROPE_OK) EXPECT_TRUE(same_bits(x, x0)) << k.what;
      // The same status as the core's own call.
      std::vector<float> y = x0;
      rope::ApplyParams a;
      a.num_heads = p.num_heads;
      a.order = static_cast<rope::Order>(p.order);
      a.start = p.start;
      a.seq_len = p.seq_len;
      if (fn < 2) EXPECT_EQ(core_status(st), rope::rope_apply(reinterpret_cast<rope::Rope*>(r), y.data(), k.length, a));
    }
  }
  // Positions per token: one per token, read from the array.
  rope_apply_params p = params(1);
  p.positions = positions.data();
  std::vector<float> x = x0;
  EXPECT_EQ(rope_apply(r, x.data(), 64, &p), ROPE_OK);
  // rerotate's own lengths.
  for (double bad : {0.0, -1.0, kNaN, kInf}) {
    x = x0;
    EXPECT_EQ(rope_rerotate(r, x.data(), 64, &p, bad, 4), ROPE_SEQ_LEN_INVALID);
    EXPECT_EQ(rope_rerotate(r, x.data(), 64, &p, 4, bad), ROPE_SEQ_LEN_INVALID);
    EXPECT_TRUE(same_bits(x, x0));
  }
  rope_destroy(r);
}

TEST(CApi, ApplyQKStatuses) {
  rope_t* r = nullptr;
  const rope_config c = valid_config();
  ASSERT_EQ(rope_create(&c, &r), ROPE_OK);
  std::vector<float> q = random_floats(4 * 16 * 2, 1), k = random_floats(2 * 16 * 2, 2);
  const std::vector<float> q0 = q, k0 = k;
  rope_apply_params p = params(4);
  p.num_kv_heads = 2;
  EXPECT_EQ(rope_apply_qk(r, q.data(), q.size(), k.data(), k.size() - 32, &p), ROPE_TOKEN_COUNT_MISMATCH);
  p.num_kv_heads = 0;
  EXPECT_EQ(rope_apply_qk(r, q.data(), q.size(), k.data(), k.size(), &p), ROPE_NUM_HEADS_INVALID);
  p.num_kv_heads = 2;
  p.order = 5;
  EXPECT_EQ(rope_apply_qk(r, q.data(), q.size(), k.data(), k.size(), &p), ROPE_ORDER_INVALID);
  p.order = ROPE_ORDER_HEAD_MAJOR;
  // Overlapping q and k: the same array, or one inside the other, or a partial overlap.
  EXPECT_EQ(rope_apply_qk(r, q.data(), 64, q.data(), 64, &p), ROPE_ALIASED_TENSORS);
  EXPECT_EQ(rope_apply_qk(r, q.data(), 128, q.data() + 64, 64, &p), ROPE_ALIASED_TENSORS);
  EXPECT_EQ(rope_apply_qk(r, q.data() + 1, 64, q.data(), 2, &p), ROPE_ALIASED_TENSORS);
  EXPECT_TRUE(same_bits(q, q0));
  EXPECT_TRUE(same_bits(k, k0));
  // Adjacent is not overlapping.
  std::vector<float> both = random_floats(64 + 32, 9);
  p.num_heads = 2;
  p.num_kv_heads = 1;
  EXPECT_EQ(rope_apply_qk(r, both.data(), 64, both.data() + 64, 32, &p), ROPE_OK);
  rope_destroy(r);
}

// Results: the C API's calls give exactly the core's bits, for every scaling type, both
// layouts and orders, start and per-token positions, forward, inverse and re-rotation.
TEST(CApi, ResultsBitForBitTheCores) {
  for (int type = ROPE_SCALING_NONE; type <= ROPE_SCALING_LONGROPE; ++type) {
    for (int order = 0; order < 2; ++order) {
      rope_config cc;
      rope::RopeConfig rc;
      configs(type, &cc, &rc);
      Pair pr(cc, rc);
      ASSERT_NE(pr.c, nullptr);
      const int tokens = 5, heads = 3, kv = 1, d = 24;
      std::vector<int32_t> pos = {3, 700, 65, 1, 100000};
      for (int use_list = 0; use_list < 2; ++use_list) {
        rope_apply_params p = params(heads);
        p.num_kv_heads = kv;
        p.order = order;
        p.start = 60;
        p.positions = use_list ? pos.data() : nullptr;
        rope::ApplyParams a;
        a.num_heads = heads;
        a.num_kv_heads = kv;
        a.order = static_cast<rope::Order>(order);
        a.start = 60;
        a.positions = p.positions;
        std::vector<float> x = random_floats(tokens * heads * d, 11 + type), y = x;
        const std::vector<float> x0 = x;
        std::vector<float> k = random_floats(tokens * kv * d, 21 + type), k2 = k;
        ASSERT_EQ(rope_apply(pr.c, x.data(), x.size(), &p), ROPE_OK);
        ASSERT_EQ(rope::rope_apply(pr.core, y.data(), y.size(), a), rope::Status::kOk);
        EXPECT_TRUE(same_bits(x, y)) << "apply type " << type;
        EXPECT_FALSE(same_bits(x, x0)) << "apply rotated nothing, type " << type;
        ASSERT_EQ(rope_apply_qk(pr.c, x.data(), x.size(), k.data(), k.size(), &p), ROPE_OK);
        ASSERT_EQ(rope::rope_apply_qk(pr.core, y.data(), y.size(), k2.data(), k2.size(), a), rope::Status::kOk);
        EXPECT_TRUE(same_bits(x, y) && same_bits(k, k2)) << "apply_qk type " << type;
        a.inverse = true;
        ASSERT_EQ(rope_inverse(pr.c, x.data(), x.size(), &p), ROPE_OK);
        ASSERT_EQ(rope::rope_apply(pr.core, y.data(), y.size(), a), rope::Status::kOk);
        EXPECT_TRUE(same_bits(x, y)) << "inverse type " << type;
        // Re-rotation: the core's inverse at from, then forward at to.
        ASSERT_EQ(rope_rerotate(pr.c, x.data(), x.size(), &p, 32, 400), ROPE_OK);
        a.seq_len = 32;
        ASSERT_EQ(rope::rope_apply(pr.core, y.data(), y.size(), a), rope::Status::kOk);
        a.inverse = false;
        a.seq_len = 400;
        ASSERT_EQ(rope::rope_apply(pr.core, y.data(), y.size(), a), rope::Status::kOk);
        EXPECT_TRUE(same_bits(x, y)) << "rerotate type " << type;
        // The same state afterwards: frequencies and factor of seq_len 400.
        double af = 0;
        ASSERT_EQ(rope_attention_factor(pr.c, &af), ROPE_OK);
        EXPECT_EQ(af, rope::rope_attention_factor(pr.core));
        std::vector<double> f(8);
        ASSERT_EQ(rope_inv_freq(pr.c, f.data(), f.size()), ROPE_OK);
        EXPECT_EQ(std::memcmp(f.data(), rope::rope_inv_freq(pr.core), 8 * sizeof(double)), 0);
        size_t bytes = 0, rows = 0;
        ASSERT_EQ(rope_cache_bytes(pr.c, &bytes), ROPE_OK);
        ASSERT_EQ(rope_cache_rows(pr.c, &rows), ROPE_OK);
        EXPECT_EQ(bytes, rope::rope_cache_bytes(pr.core));
        EXPECT_EQ(rows, rope::rope_cache_rows(pr.core));
      }
    }
  }
}

TEST(CApi, RerotateMovesFrequenciesAndRoundTrips) {
  rope_config cc;
  rope::RopeConfig rc;
  configs(ROPE_SCALING_LONGROPE, &cc, &rc);
  rope_t* r = nullptr;
  ASSERT_EQ(rope_create(&cc, &r), ROPE_OK);
  const std::vector<float> x0 = random_floats(2 * 24 * 3, 5);
  std::vector<float> x = x0;
  rope_apply_params p = params(3);
  p.start = 10;
  p.seq_len = 32;  // short factors
  ASSERT_EQ(rope_apply(r, x.data(), x.size(), &p), ROPE_OK);
  std::vector<float> want = x0;
  p.seq_len = 400;  // past the original 64: long factors
  ASSERT_EQ(rope_apply(r, want.data(), want.size(), &p), ROPE_OK);
  ASSERT_EQ(rope_rerotate(r, x.data(), x.size(), &p, 32, 400), ROPE_OK);
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], want[i], 3e-6) << i;
  rope_destroy(r);
}

TEST(CApi, Introspection) {
  for (int type = ROPE_SCALING_NONE; type <= ROPE_SCALING_LONGROPE; ++type) {
    rope_config cc;
    rope::RopeConfig rc;
    configs(type, &cc, &rc);
    Pair pr(cc, rc);
    int32_t hd = 0, rd = 0;
    ASSERT_EQ(rope_head_dim(pr.c, &hd), ROPE_OK);
    ASSERT_EQ(rope_rotary_dim(pr.c, &rd), ROPE_OK);
    EXPECT_EQ(hd, 24);
    EXPECT_EQ(rd, 16);
    std::vector<double> f(9, -1.0);
    EXPECT_EQ(rope_inv_freq(pr.c, f.data(), 7), ROPE_LENGTH_INVALID);
    EXPECT_EQ(f[0], -1.0);
    ASSERT_EQ(rope_inv_freq(pr.c, f.data(), 9), ROPE_OK);  // longer is fine; only 8 written
    EXPECT_EQ(std::memcmp(f.data(), rope::rope_inv_freq(pr.core), 8 * sizeof(double)), 0);
    EXPECT_EQ(f[8], -1.0);
    // set_seq_len: the core's statuses and the core's state.
    for (double bad : {0.0, -3.0, kNaN, kInf}) EXPECT_EQ(rope_set_seq_len(pr.c, bad), ROPE_SEQ_LEN_INVALID);
    ASSERT_EQ(rope_set_seq_len(pr.c, 300), ROPE_OK);
    ASSERT_EQ(rope::rope_set_seq_len(pr.core, 300), rope::Status::kOk);
    double af = 0;
    ASSERT_EQ(rope_attention_factor(pr.c, &af), ROPE_OK);
    EXPECT_EQ(af, rope::rope_attention_factor(pr.core));
    ASSERT_EQ(rope_inv_freq(pr.c, f.data(), 8), ROPE_OK);
    EXPECT_EQ(std::memcmp(f.data(), rope::rope_inv_freq(pr.core), 8 * sizeof(double)), 0);
    // pair_info: count, seq_len, and the core's values bit for bit.
    std::vector<rope_pair_freq> info(8);
    std::vector<rope::PairInfo> core_info(8);
    double caf = 0;
    EXPECT_EQ(rope_pair_info(pr.c, 100, info.data(), 7, &af), ROPE_LENGTH_INVALID);
    for (double bad : {0.0, -3.0, kNaN, kInf})
      EXPECT_EQ(rope_pair_info(pr.c, bad, info.data(), 8, &af), ROPE_SEQ_LEN_INVALID);
    ASSERT_EQ(rope_pair_info(pr.c, 1000, info.data(), 8, &af), ROPE_OK);
    ASSERT_EQ(rope::rope_pair_info(pr.core, 1000, core_info.data(), &caf), rope::Status::kOk);
    EXPECT_EQ(std::memcmp(info.data(), core_info.data(), 8 * sizeof(rope::PairInfo)), 0);
    EXPECT_EQ(std::memcmp(&af, &caf, sizeof af), 0);
  }
}

TEST(CApi, StreamPassIsTheCores) {
  std::vector<float> x = random_floats(1000, 4), y = x;
  ASSERT_EQ(rope_stream_pass(x.data(), x.size(), 1.5f, -0.25f), ROPE_OK);
  rope::stream_axpb(y.data(), y.size(), 1.5f, -0.25f);
  EXPECT_TRUE(same_bits(x, y));
}

TEST(CApi, StridedStreamPassTouchesOnlyItsRuns) {
  std::vector<float> x = random_floats(100, 5), y = x;
  ASSERT_EQ(rope_stream_pass_strided(x.data() + 3, 4, 5, 20, 1.5f, -0.25f), ROPE_OK);
  for (size_t i = 0; i < x.size(); ++i) {
    const bool in_run = i >= 3 && (i - 3) / 20 < 4 && (i - 3) % 20 < 5;
    EXPECT_EQ(x[i], in_run ? y[i] * 1.5f - 0.25f : y[i]) << i;
  }
  EXPECT_EQ(rope_stream_pass_strided(x.data(), 4, 5, 4, 1, 0), ROPE_STRIDE_INVALID);  // runs overlap
  EXPECT_EQ(rope_stream_pass_strided(nullptr, 4, 5, 20, 1, 0), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_stream_pass_strided(x.data(), SIZE_MAX / 2, 5, 20, 1, 0), ROPE_SIZE_OVERFLOW);
  EXPECT_EQ(rope_stream_pass_strided(x.data(), 0, 5, 20, 1, 0), ROPE_OK);
}

}  // namespace

TEST(CApi, ShiftMovesEveryTokenBySameOffsetFromStarts) {
  rope_config c;
  rope_config_init(&c);
  c.head_dim = 32;
  rope_t* r = nullptr;
  ASSERT_EQ(rope_create(&c, &r), ROPE_OK);
  std::vector<float> x = random_floats(5 * 2 * 32, 9), direct = x;
  rope_apply_params p = params(2);
  p.start = 10;
  ASSERT_EQ(rope_apply(r, x.data(), x.size(), &p), ROPE_OK);
  rope_tensor_view v;
  rope_tensor_view_init(&v);
  v.heads = 2;
  ASSERT_EQ(rope_shift(r, x.data(), x.size(), &v, nullptr, 10, nullptr, 2, 0), ROPE_OK);
  p.start = 2;
  ASSERT_EQ(rope_apply(r, direct.data(), direct.size(), &p), ROPE_OK);
  for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(x[i], direct[i], 1e-6) << i;
  rope_destroy(r);
}

TEST(CApi, CosSinCacheIsTheRowsEveryApplyUses) {
  rope_config c;
  rope_config_init(&c);
  c.head_dim = 64;
  c.rotary_dim = 48;
  c.layout = ROPE_LAYOUT_HALF;
  c.scaling_type = ROPE_SCALING_YARN;
  c.factor = 4;
  c.original_max_position_embeddings = 256;
  rope_t* r = nullptr;
  ASSERT_EQ(rope_create(&c, &r), ROPE_OK);
  const size_t count = 600, pairs = 24;
  std::vector<float> cs(count * pairs), sn(count * pairs);
  ASSERT_EQ(rope_cos_sin_cache(r, 0, count, 0, cs.data(), sn.data()), ROPE_OK);
  // Rotating (1, 0) in every pair at position t gives (cos, sin) times the factor exactly.
  std::vector<float> x(count * 64, 0.0f);
  for (size_t t = 0; t < count; ++t)
    for (size_t i = 0; i < pairs; ++i) x[t * 64 + i] = 1.0f;
  rope_apply_params p = params(1);
  p.seq_len = static_cast<double>(count);
  ASSERT_EQ(rope_apply(r, x.data(), x.size(), &p), ROPE_OK);
  for (size_t t = 0; t < count; ++t)
    for (size_t i = 0; i < pairs; ++i) {
      ASSERT_EQ(cs[t * pairs + i], x[t * 64 + i]) << t << " " << i;
      ASSERT_EQ(sn[t * pairs + i], x[t * 64 + i + pairs]) << t << " " << i;
    }
  EXPECT_EQ(rope_cos_sin_cache(r, 0, count, 0, nullptr, sn.data()), ROPE_NULL_POINTER);
  EXPECT_EQ(rope_cos_sin_cache(r, 2147483647, 2, 0, cs.data(), sn.data()), ROPE_POSITION_INVALID);
  EXPECT_EQ(rope_cos_sin_cache(r, 0, 1, -1, cs.data(), sn.data()), ROPE_SEQ_LEN_INVALID);
  EXPECT_EQ(rope_cos_sin_cache(nullptr, 0, 1, 0, cs.data(), sn.data()), ROPE_NULL_POINTER);
  rope_destroy(r);
}

TEST(CApi, ApplyQkvEqualsApplyQkOnSeparateTensorsAndLeavesVAlone) {
  rope_config c;
  rope_config_init(&c);
  c.head_dim = 32;
  rope_t* r = nullptr;
  ASSERT_EQ(rope_create(&c, &r), ROPE_OK);
  const size_t hq = 4, hk = 2, d = 32, tokens = 7, row = (hq + 2 * hk) * d;
  std::vector<float> qkv = random_floats(tokens * row, 12);
  const std::vector<float> qkv0 = qkv;
  std::vector<float> q(tokens * hq * d), k(tokens * hk * d);
  for (size_t t = 0; t < tokens; ++t) {
    std::memcpy(&q[t * hq * d], &qkv0[t * row], hq * d * 4);
    std::memcpy(&k[t * hk * d], &qkv0[t * row + hq * d], hk * d * 4);
  }
  rope_apply_params p = params(static_cast<int>(hq));
  p.num_kv_heads = static_cast<int32_t>(hk);
  p.start = 9;
  ASSERT_EQ(rope_apply_qk(r, q.data(), q.size(), k.data(), k.size(), &p), ROPE_OK);
  rope_tensor_view v;
  rope_tensor_view_init(&v);
  v.heads = static_cast<int32_t>(hq);
  rope_view_call call;
  rope_view_call_init(&call);
  call.start = 9;
  ASSERT_EQ(rope_apply_qkv(r, qkv.data(), qkv.size(), &v, static_cast<int32_t>(hk), &call), ROPE_OK);
  for (size_t t = 0; t < tokens; ++t) {
    ASSERT_EQ(0, std::memcmp(&qkv[t * row], &q[t * hq * d], hq * d * 4));
    ASSERT_EQ(0, std::memcmp(&qkv[t * row + hq * d], &k[t * hk * d], hk * d * 4));
    ASSERT_EQ(0, std::memcmp(&qkv[t * row + (hq + hk) * d], &qkv0[t * row + (hq + hk) * d], hk * d * 4));
  }
  EXPECT_EQ(rope_apply_qkv(r, qkv.data(), qkv.size() - 1, &v, static_cast<int32_t>(hk), &call), ROPE_LENGTH_INVALID);
  EXPECT_EQ(rope_apply_qkv(r, qkv.data(), qkv.size(), &v, 0, &call), ROPE_NUM_HEADS_INVALID);
  rope_destroy(r);
}
