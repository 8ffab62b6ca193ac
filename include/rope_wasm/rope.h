/* rope-wasm's C API: Rotary Position Embedding (RoPE) for C and C++ callers, natively and
 * in WebAssembly. This header is the core's one public front door; the npm package's
 * Embind layer is built on it too (bindings/embind.cpp).
 *
 * Plain C99 (and C++ clean). Every function returns a rope_status (or a value that cannot
 * fail); nothing throws, aborts or prints on bad input.
 *
 * Threads: the library has no global mutable state, so distinct handles may be used from
 * distinct threads at once. A handle is NOT safe to share between threads without a lock:
 * apply, apply_qk, inverse, rerotate and set_seq_len update its frequencies and its cos/sin
 * cache, and even the read-only functions read state those calls change. Guard a shared
 * handle with a mutex, or give each thread its own handle (creation is cheap).
 *
 * ABI rules (how later versions add features without breaking built programs):
 *  - rope_config and rope_apply_params start with `struct_size`, which the caller sets to
 *    sizeof the struct it was compiled with; rope_config_init / rope_apply_params_init
 *    (inline, so they follow the header the caller compiled with) do it. Fields are only
 *    ever appended; none is removed, reordered or retyped.
 *  - Every appended field has all-bits-zero as its default, meaning "not used" (e.g. a
 *    future dtype field with 0 = float32, strides with 0 = dense, M-RoPE sections with
 *    NULL = none). A library older than the caller's header accepts a larger struct when
 *    the bytes it does not know are zero, and returns ROPE_STRUCT_SIZE_INVALID when a field
 *    it does not know is set (so a feature is never silently ignored); a newer library
 *    reads only the caller's struct_size bytes and uses defaults for the rest.
 *  - Enums are passed as int32_t fields; the numeric values of every enum never change.
 *  - rope_pair_freq is an array element and stays fixed; more per-pair data would come
 *    through a new function.
 *  - New operations are new functions; existing signatures never change.
 */
#ifndef ROPE_WASM_ROPE_H
#define ROPE_WASM_ROPE_H

#include <math.h> /* NAN, used by rope_config_init */
#include <stddef.h>
#include <stdint.h>
#include <string.h> /* memset, used by the inline initialisers */

#include "rope_wasm/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. 0-99 are value for value the core's rope::Status (src/rope_status.h),
 * the codes the JS package's RopeError.code names; 100 and up are the C API's own. */
typedef enum rope_status {
  ROPE_OK = 0,
  ROPE_HEAD_DIM_INVALID = 1,      /* head_dim not a positive even number <= 65536 */
  ROPE_ROTARY_DIM_INVALID = 2,    /* rotary_dim not even, < 0, or > head_dim */
  ROPE_BASE_INVALID = 3,          /* base not finite or <= 1 */
  ROPE_LAYOUT_INVALID = 4,        /* layout not one of rope_layout */
  ROPE_SCALING_INVALID = 5,       /* scaling type unknown, or parameters out of their domain */
  ROPE_NUM_HEADS_INVALID = 6,     /* num_heads / num_kv_heads not positive */
  ROPE_LENGTH_INVALID = 7,        /* a length not a whole number of tokens, or an output array too short */
  ROPE_POSITION_INVALID = 8,      /* a position out of int32 range */
  ROPE_ORDER_INVALID = 9,         /* order not one of rope_order */
  ROPE_SEQ_LEN_INVALID = 10,      /* seq_len negative, NaN or infinite (or <= 0 where one is required) */
  ROPE_OUT_OF_MEMORY = 11,        /* an allocation the call needed failed */
  ROPE_SIZE_OVERFLOW = 12,        /* a length whose byte count overflows the address space */
  ROPE_NULL_POINTER = 13,         /* a required pointer (handle, struct, array) was NULL */
  ROPE_TOKEN_COUNT_MISMATCH = 14, /* q and k hold different numbers of tokens */
  ROPE_CACHE_LIMIT_INVALID = 15,  /* cache_limit_bytes negative or not finite */
  ROPE_MROPE_INVALID = 16,        /* mrope mode or sections out of their domain */
  ROPE_FREQ_FACTORS_INVALID = 17, /* freq_factors of the wrong count, or not > 0 */
  ROPE_ALIASED_TENSORS = 18,      /* q and k (or the vectors of one view) overlap in memory */
  ROPE_DTYPE_INVALID = 19,        /* an element type not one of rope_dtype */
  ROPE_STRIDE_INVALID = 20,       /* strides whose vectors overlap, or a view past the tensor's end */
  ROPE_STRUCT_SIZE_INVALID = 101  /* struct_size unset, too small, or a field this library does not know is set */
} rope_status;

/* Which channels form a rotation pair. */
typedef enum rope_layout {
  ROPE_LAYOUT_HALF = 0,       /* channel i with i + rotary_dim/2 (GPT-NeoX, Hugging Face rotate_half) */
  ROPE_LAYOUT_INTERLEAVED = 1 /* channel 2i with 2i+1 (GPT-J, Meta's reference, RoFormer) */
} rope_layout;

/* Memory order of a tensor of vectors. */
typedef enum rope_order {
  ROPE_ORDER_TOKEN_MAJOR = 0, /* [tokens, heads, head_dim] */
  ROPE_ORDER_HEAD_MAJOR = 1   /* [heads, tokens, head_dim] */
} rope_order;

/* Hugging Face rope_scaling types (transformers' modeling_rope_utils.py). */
typedef enum rope_scaling_type {
  ROPE_SCALING_NONE = 0, /* "default" */
  ROPE_SCALING_LINEAR = 1,
  ROPE_SCALING_DYNAMIC = 2,
  ROPE_SCALING_YARN = 3,
  ROPE_SCALING_LLAMA3 = 4,
  ROPE_SCALING_LONGROPE = 5,
  ROPE_SCALING_PROPORTIONAL = 6 /* transformers 5.x (Gemma 4): partial_rotary_factor of the pairs turn */
} rope_scaling_type;

/* Multimodal RoPE (M-RoPE): which position stream turns each pair. */
typedef enum rope_mrope_mode {
  ROPE_MROPE_NONE = 0,
  ROPE_MROPE_CHUNKED = 1,     /* contiguous sections (Qwen2-VL, Qwen2.5-VL, GLM-4V); sum = rotary_dim/2 */
  ROPE_MROPE_INTERLEAVED = 2, /* 3 streams, Hugging Face's Qwen3-VL rule */
  ROPE_MROPE_VISION = 3       /* consecutive sections, frequency index restarting in each (vision towers) */
} rope_mrope_mode;

/* Element types of a tensor view. */
typedef enum rope_dtype {
  ROPE_DTYPE_FLOAT32 = 0,
  ROPE_DTYPE_FLOAT16 = 1, /* IEEE binary16 */
  ROPE_DTYPE_BFLOAT16 = 2
} rope_dtype;

/* One configured rotary embedding: frequencies, attention factor, cos/sin cache. */
typedef struct rope_t rope_t;

/* A rope's configuration. Fill it with rope_config_init, then set what you need.
 * A NaN (math.h's NAN) means "not given" where Hugging Face has an optional key, so the
 * same defaults transformers applies are applied. Fields a scaling type does not use are
 * ignored. */
typedef struct rope_config {
  uint32_t struct_size;      /* sizeof(rope_config); set by rope_config_init */
  int32_t head_dim;          /* required: positive, even, <= 65536 */
  int32_t rotary_dim;        /* 0 = head_dim; channels past it pass through unchanged */
  int32_t layout;            /* rope_layout (default ROPE_LAYOUT_HALF) */
  double base;               /* theta (default 10000) */
  double cache_limit_bytes;  /* bound on the cos/sin table (default 8 MiB; 0 = no table) */
  int32_t scaling_type;      /* rope_scaling_type (default ROPE_SCALING_NONE) */
  int32_t truncate;          /* yarn: round the correction range (default 1) */
  double factor;             /* linear, dynamic, yarn, llama3; longrope: NaN = derive from the lengths (default 1) */
  double max_position_embeddings;          /* dynamic, yarn, longrope (0 = not given) */
  double original_max_position_embeddings; /* yarn, llama3, longrope (0 = not given) */
  double beta_fast;          /* yarn (default 32; NaN or 0 = default) */
  double beta_slow;          /* yarn (default 1; NaN or 0 = default) */
  double mscale;             /* yarn (default NaN = unset) */
  double mscale_all_dim;     /* yarn (default NaN = unset) */
  double attention_factor;   /* yarn, longrope (default NaN = derive) */
  double low_freq_factor;    /* llama3 (default 1) */
  double high_freq_factor;   /* llama3 (default 4) */
  /* longrope: rotary_dim/2 factors each, copied at creation (read for longrope only). */
  const double* short_factor;
  size_t short_factor_count;
  const double* long_factor;
  size_t long_factor_count;
  /* proportional: the fraction of pairs that turn (default 1). */
  double partial_rotary_factor;
  /* M-RoPE: a rope_mrope_mode and its sections (pairs per position stream; 1 to 4). */
  int32_t mrope_mode;
  int32_t mrope_section_count;
  int32_t mrope_sections[4];
  /* rotary_dim/2 factors > 0 (infinity allowed) dividing each pair's frequency (ggml's
   * freq_factors), copied at creation; NULL / 0 for none. */
  const double* freq_factors;
  size_t freq_factor_count;
} rope_config;

/* What one apply call rotates. Fill it with rope_apply_params_init (all zero: token-major,
 * positions start at 0, forward, default seq_len), then set num_heads and what differs. */
typedef struct rope_apply_params {
  uint32_t struct_size;       /* sizeof(rope_apply_params); set by rope_apply_params_init */
  int32_t num_heads;          /* heads of x (apply) or of q (apply_qk): positive */
  int32_t num_kv_heads;       /* heads of k (apply_qk only) */
  int32_t order;              /* rope_order */
  const int32_t* positions;   /* one position per token, or NULL for start, start+1, ... */
  int64_t start;              /* first position when positions is NULL (whole tensor within int32) */
  int32_t inverse;            /* nonzero: rotate by the negative angle, undoing a forward call exactly */
  double seq_len;             /* sequence length the frequencies follow (dynamic, longrope); 0 = largest position + 1 */
} rope_apply_params;

/* Per-pair frequencies (rope_pair_info). */
typedef struct rope_pair_freq {
  double base_freq;     /* base^(-2i/rotary_dim), before scaling */
  double freq;          /* the frequency in use (radians per position) */
  double wavelength;    /* 2*pi / freq */
  double interp_weight; /* yarn/llama3: 0 = kept, 1 = fully interpolated; NaN for other types */
} rope_pair_freq;

/* Fills *cfg with every default (HF's defaults; head_dim 0 must then be set). */
static inline void rope_config_init(rope_config* cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->struct_size = sizeof *cfg; /* a constant that fits: no cast, so C++ -Wold-style-cast stays quiet */
  cfg->layout = ROPE_LAYOUT_HALF;
  cfg->base = 10000.0;
  cfg->cache_limit_bytes = 8.0 * 1024 * 1024;
  cfg->scaling_type = ROPE_SCALING_NONE;
  cfg->truncate = 1;
  cfg->factor = 1.0;
  cfg->beta_fast = 32.0;
  cfg->beta_slow = 1.0;
  cfg->mscale = NAN;
  cfg->mscale_all_dim = NAN;
  cfg->attention_factor = NAN;
  cfg->low_freq_factor = 1.0;
  cfg->high_freq_factor = 4.0;
  cfg->partial_rotary_factor = 1.0;
}

/* Fills *p with the defaults (all zero but struct_size). */
static inline void rope_apply_params_init(rope_apply_params* p) {
  memset(p, 0, sizeof *p);
  p->struct_size = sizeof *p;
}

/* The stable name of a status ("OK", "HEAD_DIM_INVALID", ...: the JS RopeError codes);
 * "UNKNOWN" for a value that is no status. Never NULL. Takes an int so that any value is
 * safe to pass (in C++, an int outside an enum's range cannot be held in the enum). */
const char* rope_status_string(int status);

/* The library's version at run time, ROPE_WASM_VERSION_NUMBER's encoding
 * (major * 1000000 + minor * 1000 + patch), and as "major.minor.patch". */
uint32_t rope_version(void);
const char* rope_version_string(void);

/* 1 when the library's kernels were compiled for 128-bit SIMD (wasm simd128: the build
 * had -msimd128; natively: ROPE_NATIVE_SIMD128), 0 when scalar only. */
int rope_simd128(void);

/* Creates a rope. On success *out is the handle; on failure *out is NULL (when out is not).
 * Checks, in order: out and cfg not NULL, struct_size, factor arrays not NULL when their
 * count is not 0, then every field as the core does. */
rope_status rope_create(const rope_config* cfg, rope_t** out);

/* Frees a rope; NULL is accepted and does nothing. */
void rope_destroy(rope_t* rope);

/* Rotates x in place: `length` floats, [tokens, heads, head_dim] or [heads, tokens, head_dim]
 * as p->order says, tokens = length / (p->num_heads * head_dim). A call on 0 tokens succeeds
 * and touches nothing (x may then be NULL). A failed call leaves x unchanged. The frequencies
 * follow p->seq_len (or the largest position + 1) for dynamic and longrope.
 * Checks, in order: rope and p not NULL, p->struct_size, length's byte count
 * (ROPE_SIZE_OVERFLOW), then the core's: num_heads, length, order, x not NULL, positions
 * (start .. start + tokens - 1 within int32), seq_len. All O(1) but the positions array,
 * which is read once for the default seq_len. */
rope_status rope_apply(rope_t* rope, float* x, size_t length, const rope_apply_params* p);
/* Allocation on the apply path: none, except that the first M-RoPE call with a position
 * list allocates the buffer that keeps its mixed rows for the next call with the same
 * positions (once per rope, grown to the largest such call up to 4 MiB; a failure only
 * means the rows are rebuilt per call), and rope_shift with position lists (its offsets). */

/* Rotates q (p->num_heads heads) and k (p->num_kv_heads heads) with the same tokens and
 * positions, looking each cos/sin row up once for both. q and k must not overlap
 * (ROPE_ALIASED_TENSORS); both must hold the same number of tokens
 * (ROPE_TOKEN_COUNT_MISMATCH). Otherwise as rope_apply. */
rope_status rope_apply_qk(rope_t* rope, float* q, size_t q_length, float* k, size_t k_length,
                          const rope_apply_params* p);

/* rope_apply with the inverse rotation whatever p->inverse says: undoes a forward call
 * with the same params (attention factor included). */
rope_status rope_inverse(rope_t* rope, float* x, size_t length, const rope_apply_params* p);

/* Re-rotates vectors rotated under the frequencies of from_seq_len (keys in a cache) so
 * they carry those of to_seq_len: the inverse at from_seq_len, then the forward rotation
 * at to_seq_len, in place. Uses p's num_heads, order, positions/start; ignores p->inverse
 * and p->seq_len. Both lengths must be finite and > 0. The frequencies of to_seq_len are
 * computed before x is touched and the forward pass repeats checks the inverse pass has
 * passed, so a failure (out-of-memory aside) leaves x unchanged, never half re-rotated; the
 * frequencies in force may then be those of to_seq_len. Only dynamic and longrope change
 * with the sequence length; for the other types x comes back as it was, up to rounding. */
rope_status rope_rerotate(rope_t* rope, float* x, size_t length, const rope_apply_params* p,
                          double from_seq_len, double to_seq_len);

/* A tensor of vectors as runtimes hold it. Strides and offset count elements; 0 strides
 * take the dense default of `order`; tokens (per sequence) is required with strides and
 * otherwise implied by the length. Only the rotated channels of each addressed vector are
 * read and written; everything else (v of a fused QKV, an MLA head's other channels, gaps)
 * is untouched. 16-bit elements are widened exactly, rotated as float32 and rounded to
 * nearest even: the float32 result rounded, bit for bit. */
typedef struct rope_tensor_view {
  uint32_t struct_size; /* sizeof(rope_tensor_view); set by rope_tensor_view_init */
  int32_t dtype;        /* rope_dtype */
  int32_t heads;
  int32_t order;        /* rope_order: the defaults of the strides */
  size_t offset;        /* elements before vector (token 0, head 0) */
  size_t token_stride;  /* elements between consecutive tokens of one head */
  size_t head_stride;   /* elements between consecutive heads of one token */
  size_t batch_stride;  /* elements between sequences */
  size_t tokens;        /* per sequence; 0 = implied by the length (no strides) */
  size_t batch;         /* sequences; 0 is taken as 1 */
} rope_tensor_view;

/* How a view call positions its tokens. */
typedef struct rope_view_call {
  uint32_t struct_size;     /* sizeof(rope_view_call); set by rope_view_call_init */
  int32_t inverse;          /* nonzero: the inverse rotation */
  int32_t relative;         /* nonzero: without the attention factor (moving keys that carry it: a shift) */
  const int32_t* positions; /* batch * streams * tokens (sequence-major, stream-major within), or NULL */
  const int32_t* starts;    /* one start per sequence, or NULL for `start` in every sequence */
  int64_t start;
  double seq_len;           /* 0 = the largest position + 1 */
} rope_view_call;

static inline void rope_tensor_view_init(rope_tensor_view* v) {
  memset(v, 0, sizeof *v);
  v->struct_size = sizeof *v;
  v->batch = 1;
}
static inline void rope_view_call_init(rope_view_call* c) {
  memset(c, 0, sizeof *c);
  c->struct_size = sizeof *c;
}

/* Rotates the vectors of a view of `length` elements at data in place. Checks the view
 * lies inside [0, length) and its vectors do not overlap (ROPE_STRIDE_INVALID). */
rope_status rope_apply_view(rope_t* rope, void* data, size_t length, const rope_tensor_view* view,
                            const rope_view_call* call);

/* q and k views (of one buffer, e.g. a fused QKV, or of two) with the same tokens and
 * positions, one cos/sin lookup for both; ROPE_ALIASED_TENSORS when their vectors overlap. */
rope_status rope_apply_qk_view(rope_t* rope, void* q, size_t q_length, const rope_tensor_view* q_view, void* k,
                               size_t k_length, const rope_tensor_view* k_view, const rope_view_call* call);

/* q and k of one fused buffer [tokens, (num_heads + 2*num_kv_heads) * head_dim] (token-major:
 * q heads, then k heads, then v heads per token; head-major: [heads, tokens, head_dim] with
 * the same head order), rotated in place; v untouched. `fused` describes the whole buffer:
 * fused->heads is num_heads (q's), its strides default to the dense layout of all heads. */
rope_status rope_apply_qkv(rope_t* rope, void* qkv, size_t length, const rope_tensor_view* fused, int32_t num_kv_heads,
                           const rope_view_call* call);

/* Moves keys rotated at from_positions to to_positions (tokens of them each, or NULL for
 * from_start.. / to_start..), in place: as if rotated at the new positions, the attention
 * factor applied once. Both sides use one seq_len (0 = the one in force). */
rope_status rope_shift(rope_t* rope, void* k, size_t length, const rope_tensor_view* view,
                       const int32_t* from_positions, int64_t from_start, const int32_t* to_positions,
                       int64_t to_start, double seq_len);

/* The cos/sin tables of positions start .. start+count-1 (attention factor included) under
 * the frequencies of seq_len (0 = start + count): cos_out and sin_out each get count rows of
 * rotary_dim/2 floats, the float32 rows every apply uses: onnxruntime RotaryEmbedding's
 * cos_cache / sin_cache (the JS package's rope.cosSinCache). */
rope_status rope_cos_sin_cache(rope_t* rope, int64_t start, size_t count, double seq_len, float* cos_out,
                               float* sin_out);

/* Tokens a token-major tensor of `length` floats with num_heads heads holds. */
rope_status rope_token_count(const rope_t* rope, size_t length, int32_t num_heads, size_t* tokens);

/* The configuration's head_dim and (resolved) rotary_dim. */
rope_status rope_head_dim(const rope_t* rope, int32_t* head_dim);
rope_status rope_rotary_dim(const rope_t* rope, int32_t* rotary_dim);

/* Copies the rotary_dim/2 frequencies in force now (after the last call's sequence length)
 * into out[0 .. rotary_dim/2); count is out's length (ROPE_LENGTH_INVALID if shorter). */
rope_status rope_inv_freq(const rope_t* rope, double* out, size_t count);

/* The factor cos and sin are scaled by now (1 unless scaling says otherwise). */
rope_status rope_attention_factor(const rope_t* rope, double* attention_factor);

/* Bytes the cos/sin cache holds now (table, scratch, per-pair state), and its table rows. */
rope_status rope_cache_bytes(const rope_t* rope, size_t* bytes);
rope_status rope_cache_rows(const rope_t* rope, size_t* rows);

/* Brings the frequencies to those of seq_len (finite, > 0); on failure nothing changes. */
rope_status rope_set_seq_len(rope_t* rope, double seq_len);

/* Per-pair frequencies at seq_len (finite, > 0) into out[0 .. rotary_dim/2) (count is out's
 * length), and the attention factor there when attention_factor is not NULL. Does not
 * change the rope's state. */
rope_status rope_pair_info(const rope_t* rope, double seq_len, rope_pair_freq* out, size_t count,
                           double* attention_factor);

/* Benchmarks' memory-speed ceiling, not a rotation: x[i] = x[i] * a + b over `length`
 * floats, one streaming pass (npm run bench compares RoPE against it). */
rope_status rope_stream_pass(float* x, size_t length, float a, float b);

/* The same ceiling for 16-bit tensors: each of `length` fp16 (dtype ROPE_DTYPE_FLOAT16) or
 * bf16 (ROPE_DTYPE_BFLOAT16) elements widened, x*a + b in float32, rounded back to nearest
 * even: the conversions a 16-bit rotation needs, over the same bytes, in one pass. */
rope_status rope_stream_pass16(void* x, size_t length, int32_t dtype, float a, float b);

/* The ceiling of a strided view: the same pass over `runs` runs of `run_length` floats, run
 * r starting at x + r * stride (the elements a fused-QKV or MLA view rotates). */
rope_status rope_stream_pass_strided(float* x, size_t runs, size_t run_length, size_t stride, float a, float b);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ROPE_WASM_ROPE_H */
