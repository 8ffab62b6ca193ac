/* rope-wasm from C: rotates q and k of a Llama-3-style model (head_dim 128, base 500000,
 * 32 query heads, 8 key/value heads) for a prefill and a decode step, with plain RoPE and
 * with Llama 3.1's "llama3" scaling, and checks every result against a float64 reference
 * written here from Hugging Face's formula: x * cos + rotate_half(x) * sin.
 * Exits 0 when every result is within 3e-7 * max|x|, 1 otherwise.
 * C99; builds natively and with Emscripten (see README.md). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <rope_wasm/rope.h>

#define HEAD_DIM 128
#define PAIRS (HEAD_DIM / 2)
#define Q_HEADS 32
#define KV_HEADS 8
#define PREFILL_TOKENS 19
#define TOLERANCE 3e-7

static const double kPi = 3.14159265358979323846;

/* Hugging Face's default inv_freq: base^(-2i/d), in float64. */
static void default_inv_freq(double base, double* inv_freq) {
  int i;
  for (i = 0; i < PAIRS; i++) inv_freq[i] = pow(base, -2.0 * i / HEAD_DIM);
}

/* transformers' _compute_llama3_parameters, in float64. */
static void llama3_inv_freq(double base, double factor, double low_freq_factor, double high_freq_factor,
                            double original_max, double* inv_freq) {
  const double low_freq_wavelen = original_max / low_freq_factor;
  const double high_freq_wavelen = original_max / high_freq_factor;
  int i;
  default_inv_freq(base, inv_freq);
  for (i = 0; i < PAIRS; i++) {
    const double f = inv_freq[i];
    const double wavelen = 2 * kPi / f;
    if (wavelen < high_freq_wavelen) {
      inv_freq[i] = f; /* high frequencies: kept */
    } else if (wavelen > low_freq_wavelen) {
      inv_freq[i] = f / factor; /* low frequencies: interpolated */
    } else {
      const double smooth = (original_max / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor);
      inv_freq[i] = (1 - smooth) * f / factor + smooth * f;
    }
  }
}

/* One vector at `pos`: y = x * cos + rotate_half(x) * sin, where cos and sin repeat the
 * HEAD_DIM/2 frequencies twice (emb = cat(freqs, freqs)) and rotate_half(x) = cat(-x2, x1). */
static void reference_vector(const float* x, double pos, const double* inv_freq, double* y) {
  int j;
  for (j = 0; j < HEAD_DIM; j++) {
    const double angle = pos * inv_freq[j % PAIRS];
    const double rotate_half = j < PAIRS ? -(double)x[j + PAIRS] : (double)x[j - PAIRS];
    y[j] = x[j] * cos(angle) + rotate_half * sin(angle);
  }
}

static void fill(float* x, size_t n, unsigned seed) {
  size_t i;
  unsigned s = seed * 2654435761u + 1;
  for (i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    x[i] = (float)((double)s / 2147483648.0 - 1.0);
  }
}

/* Worst |y - reference| / max|x| over a token-major tensor rotated at positions start... */
static double worst_error(const float* x0, const float* y, size_t tokens, int heads, long start,
                          const double* inv_freq) {
  double max_x = 0, worst = 0, ref[HEAD_DIM];
  size_t i, t;
  int h, j;
  for (i = 0; i < tokens * heads * HEAD_DIM; i++)
    if (fabs(x0[i]) > max_x) max_x = fabs(x0[i]);
  for (t = 0; t < tokens; t++)
    for (h = 0; h < heads; h++) {
      const size_t off = (t * heads + h) * HEAD_DIM;
      reference_vector(x0 + off, (double)(start + (long)t), inv_freq, ref);
      for (j = 0; j < HEAD_DIM; j++) {
        const double e = fabs(y[off + j] - ref[j]);
        if (e > worst) worst = e;
      }
    }
  return worst / max_x;
}

/* Rotates q and k of `tokens` tokens from position `start` with apply_qk, then checks both
 * against the reference with `inv_freq`; *worst (when not NULL) gets the larger error. */
static int check_step(rope_t* rope, const char* what, size_t tokens, long start, const double* inv_freq,
                      double* worst) {
  const size_t q_len = tokens * Q_HEADS * HEAD_DIM, k_len = tokens * KV_HEADS * HEAD_DIM;
  float* q = malloc(q_len * sizeof *q);
  float* k = malloc(k_len * sizeof *k);
  float* q0 = malloc(q_len * sizeof *q0);
  float* k0 = malloc(k_len * sizeof *k0);
  rope_apply_params p;
  rope_status st;
  double eq = 1, ek = 1;
  size_t i;
  if (!q || !k || !q0 || !k0) {
    fprintf(stderr, "%s: out of memory\n", what);
    return 1;
  }
  fill(q0, q_len, 7u + (unsigned)start);
  fill(k0, k_len, 11u + (unsigned)start);
  for (i = 0; i < q_len; i++) q[i] = q0[i];
  for (i = 0; i < k_len; i++) k[i] = k0[i];

  rope_apply_params_init(&p);
  p.num_heads = Q_HEADS;
  p.num_kv_heads = KV_HEADS;
  p.start = start;
  st = rope_apply_qk(rope, q, q_len, k, k_len, &p);
  if (st == ROPE_OK) {
    eq = worst_error(q0, q, tokens, Q_HEADS, start, inv_freq);
    ek = worst_error(k0, k, tokens, KV_HEADS, start, inv_freq);
  }
  if (worst != NULL) *worst = eq > ek ? eq : ek;
  printf("%-34s %3zu token(s) from %6ld: %s, max error q %.2e k %.2e (x max|x|)\n", what, tokens, start,
         rope_status_string(st), eq, ek);
  free(q);
  free(k);
  free(q0);
  free(k0);
  return st == ROPE_OK && eq <= TOLERANCE && ek <= TOLERANCE ? 0 : 1;
}

/* Checks one rope; when `other_inv_freq` is not NULL, also that the check can fail: the
 * reference with those (different) frequencies must not match at a far position. */
static int run(const char* name, const rope_config* cfg, const double* inv_freq, const double* other_inv_freq) {
  rope_t* rope = NULL;
  double got[PAIRS], wrong = 0;
  int failures = 0, i;
  const rope_status st = rope_create(cfg, &rope);
  if (st != ROPE_OK) {
    fprintf(stderr, "%s: rope_create failed: %s\n", name, rope_status_string(st));
    return 1;
  }
  /* The library's frequencies are the reference's (both float64). */
  if (rope_inv_freq(rope, got, PAIRS) != ROPE_OK) failures++;
  for (i = 0; i < PAIRS; i++)
    if (fabs(got[i] - inv_freq[i]) > 1e-15 * inv_freq[i]) {
      fprintf(stderr, "%s: inv_freq[%d] %.17g, reference %.17g\n", name, i, got[i], inv_freq[i]);
      failures++;
      break;
    }
  printf("%s\n", name);
  failures += check_step(rope, "  prefill", PREFILL_TOKENS, 0, inv_freq, NULL);
  failures += check_step(rope, "  decode", 1, PREFILL_TOKENS, inv_freq, NULL);
  failures += check_step(rope, "  decode far into the context", 1, 131000, inv_freq, NULL);
  if (other_inv_freq != NULL) {
    check_step(rope, "  (against unscaled frequencies)", 1, 131000, other_inv_freq, &wrong);
    if (!(wrong > 1000 * TOLERANCE)) {
      fprintf(stderr, "%s: the reference check cannot tell scaled from unscaled frequencies\n", name);
      failures++;
    }
  }
  rope_destroy(rope);
  return failures;
}

int main(void) {
  rope_config cfg;
  double inv_freq[PAIRS], unscaled[PAIRS];
  int failures = 0;

  printf("rope-wasm %s (header %s), 128-bit SIMD kernels: %s\n", rope_version_string(), ROPE_WASM_VERSION_STRING,
         rope_simd128() ? "yes" : "no");
  if (rope_version() != ROPE_WASM_VERSION) {
    fprintf(stderr, "library version %u differs from the header's %u\n", (unsigned)rope_version(),
            (unsigned)ROPE_WASM_VERSION);
    return 1;
  }

  rope_config_init(&cfg);
  cfg.head_dim = HEAD_DIM;
  cfg.base = 500000;
  default_inv_freq(500000, unscaled);
  failures += run("Llama 3 (base 500000, no scaling)", &cfg, unscaled, NULL);

  cfg.scaling_type = ROPE_SCALING_LLAMA3; /* Llama 3.1's rope_scaling */
  cfg.factor = 8;
  cfg.low_freq_factor = 1;
  cfg.high_freq_factor = 4;
  cfg.original_max_position_embeddings = 8192;
  llama3_inv_freq(500000, 8, 1, 4, 8192, inv_freq);
  failures += run("Llama 3.1 (llama3 scaling, factor 8)", &cfg, inv_freq, unscaled);

  printf(failures == 0 ? "all results match the float64 reference\n" : "%d check(s) FAILED\n", failures);
  return failures == 0 ? 0 : 1;
}
