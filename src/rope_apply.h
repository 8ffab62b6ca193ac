// The core's entry points: create a rope from a config, apply it in place, inspect it.
// Every function returns a Status; nothing throws, nothing aborts on bad input.
#pragma once

#include <cstddef>
#include <cstdint>

#include "rope_config.h"
#include "rope_frequencies.h"
#include "rope_half.h"
#include "rope_status.h"

namespace rope {

struct Rope;  // opaque: config, current frequencies, cos/sin cache

struct ApplyParams {
  int num_heads = 0;
  int num_kv_heads = 0;  // apply_qk only
  Order order = Order::kTokenMajor;
  // One per token, or null for start + t. With M-RoPE (config.mrope), one per token per
  // stream, stream-major: stream k of token t at positions[k * tokens + t].
  const int32_t* positions = nullptr;
  int64_t start = 0;                   // first position when positions is null
  bool inverse = false;                // rotate by the negative angle
  double seq_len = 0;                  // <= 0: largest position in the call + 1
};

// A tensor of vectors as runtimes hold them: any element type, an offset, token / head /
// batch strides (in elements; 0 = the dense default of `order`), `tokens` per sequence
// (0 = implied by the length, only without strides) and `batch` sequences. Only the
// rotated channels of each addressed vector are read and written; every other element
// (v of a fused QKV, the non-rotary channels of an MLA head, the gaps) is untouched.
struct TensorView {
  DType dtype = DType::kFloat32;
  int heads = 0;
  Order order = Order::kTokenMajor;
  size_t offset = 0;
  size_t token_stride = 0;
  size_t head_stride = 0;
  size_t batch_stride = 0;
  size_t tokens = 0;
  size_t batch = 1;
};

// How a view call positions its tokens.
struct ViewCall {
  // batch * streams * tokens positions, sequence-major (each sequence stream-major), or null.
  const int32_t* positions = nullptr;
  // One start per sequence (batch of them), or null for `start` in every sequence.
  const int32_t* starts = nullptr;
  int64_t start = 0;
  bool inverse = false;
  // Rotate without the attention factor: moves vectors that already carry it (shift).
  bool relative = false;
  double seq_len = 0;  // <= 0: the largest position of the call + 1
  // Use the frequencies in force, whatever seq_len says (a shift of keys rotated under them).
  bool keep_frequencies = false;
};

// Rotates the vectors of a view of `length` elements at data, in place. Checks: the view
// lies inside [0, length) and its vectors do not overlap.
Status rope_apply_view(Rope* rope, void* data, size_t length, const TensorView& x, const ViewCall& call);

// Checks a view of `length` elements as rope_apply_view does (same statuses, same order) and
// gives its tokens per sequence.
Status rope_view_tokens(const Rope* rope, size_t length, const TensorView& x, size_t* tokens);

// Rotates q and k (views of one buffer or of two) with the same tokens, positions and one
// cos/sin lookup; refused (kAliasedTensors) when their vectors overlap.
Status rope_apply_qk_view(Rope* rope, void* q, size_t q_length, const TensorView& qv, void* k, size_t k_length,
                          const TensorView& kv, const ViewCall& call);

Status rope_create(const RopeConfig& config, Rope** out);
void rope_destroy(Rope* rope);

// Rotates x (length floats, [tokens, heads, headDim] or [heads, tokens, headDim]) in place.
Status rope_apply(Rope* rope, float* x, size_t length, const ApplyParams& p);

// Rotates q (p.num_heads heads) and k (p.num_kv_heads heads), same tokens and positions,
// looking each cos/sin row up once for both.
Status rope_apply_qk(Rope* rope, float* q, size_t q_length, float* k, size_t k_length,
                     const ApplyParams& p);

// Number of tokens a tensor of `length` floats holds with `num_heads` heads, or an error.
Status rope_token_count(const Rope* rope, size_t length, int num_heads, size_t* tokens);

const RopeConfig& rope_config(const Rope* rope);
int rope_rotary_dim(const Rope* rope);
// Frequencies and attention factor in force now (after the last apply's sequence length).
const double* rope_inv_freq(const Rope* rope);
double rope_attention_factor(const Rope* rope);
// Bytes the rope's cache holds, and the rows of its dense table.
size_t rope_cache_bytes(const Rope* rope);
size_t rope_cache_rows(const Rope* rope);
// Brings the frequencies to those of `seq_len` (dynamic and longrope change with it).
Status rope_set_seq_len(Rope* rope, double seq_len);
// The cos/sin table (attention factor included) of positions start .. start+count-1 under
// the frequencies of seq_len (<= 0: start + count): cos_out and sin_out get count rows of
// rotaryDim/2 floats each, the very float32 rows every apply uses (onnxruntime's
// cos_cache/sin_cache). Positions must stay within int32.
Status rope_cos_sin(Rope* rope, int64_t start, size_t count, double seq_len, float* cos_out, float* sin_out);

// Per-pair introspection at a sequence length; out has rotaryDim/2 entries.
Status rope_pair_info(const Rope* rope, double seq_len, PairInfo* out, double* attention_factor);

}  // namespace rope
