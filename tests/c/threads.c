/* Distinct handles from distinct threads at once: four threads each create their own rope
 * and rotate the same q/k tensors (prefill then decode steps, plain and llama3 scaling);
 * every thread's results must equal, bit for bit, those of the same calls made first on the
 * main thread. Built natively with -pthread and with Emscripten -pthread
 * (-sPTHREAD_POOL_SIZE=4), run by tests/c/run.sh. Exits non-zero on any difference. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rope_wasm/rope.h>

#define THREADS 4
#define HEAD_DIM 128
#define Q_HEADS 32
#define KV_HEADS 8
#define TOKENS 40
#define Q_LEN (TOKENS * Q_HEADS * HEAD_DIM)
#define K_LEN (TOKENS * KV_HEADS * HEAD_DIM)

typedef struct job {
  int scaled;
  float* q;
  float* k;
  rope_status status;
} job;

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

/* The whole workload on one handle of its own: a prefill of TOKENS - 8 tokens, then 8
 * one-token decode steps, growing and reading the handle's cos/sin cache as it goes. */
static void* work(void* arg) {
  job* j = (job*)arg;
  rope_config cfg;
  rope_apply_params p;
  rope_t* rope = NULL;
  int t;
  const size_t q_tok = Q_HEADS * HEAD_DIM, k_tok = KV_HEADS * HEAD_DIM;
  rope_config_init(&cfg);
  cfg.head_dim = HEAD_DIM;
  cfg.base = 500000;
  if (j->scaled) {
    cfg.scaling_type = ROPE_SCALING_LLAMA3;
    cfg.factor = 8;
    cfg.original_max_position_embeddings = 8192;
  }
  j->status = rope_create(&cfg, &rope);
  if (j->status != ROPE_OK) return NULL;
  rope_apply_params_init(&p);
  p.num_heads = Q_HEADS;
  p.num_kv_heads = KV_HEADS;
  p.start = 1000;
  j->status = rope_apply_qk(rope, j->q, (TOKENS - 8) * q_tok, j->k, (TOKENS - 8) * k_tok, &p);
  for (t = TOKENS - 8; t < TOKENS && j->status == ROPE_OK; t++) {
    p.start = 1000 + t;
    j->status = rope_apply_qk(rope, j->q + t * q_tok, q_tok, j->k + t * k_tok, k_tok, &p);
  }
  rope_destroy(rope);
  return NULL;
}

int main(void) {
  float* q0 = malloc(Q_LEN * sizeof(float));
  float* k0 = malloc(K_LEN * sizeof(float));
  float* want_q[2];
  float* want_k[2];
  job jobs[THREADS];
  pthread_t threads[THREADS];
  int i, s, failures = 0;
  if (!q0 || !k0) return 1;
  fill(q0, Q_LEN, 1);
  fill(k0, K_LEN, 2);
  /* The expected results: the same work on this thread, one scaling at a time. */
  for (s = 0; s < 2; s++) {
    job j;
    want_q[s] = malloc(Q_LEN * sizeof(float));
    want_k[s] = malloc(K_LEN * sizeof(float));
    if (!want_q[s] || !want_k[s]) return 1;
    memcpy(want_q[s], q0, Q_LEN * sizeof(float));
    memcpy(want_k[s], k0, K_LEN * sizeof(float));
    j.scaled = s;
    j.q = want_q[s];
    j.k = want_k[s];
    work(&j);
    if (j.status != ROPE_OK) {
      fprintf(stderr, "single-threaded run failed: %s\n", rope_status_string(j.status));
      return 1;
    }
  }
  for (i = 0; i < THREADS; i++) {
    jobs[i].scaled = i % 2;
    jobs[i].q = malloc(Q_LEN * sizeof(float));
    jobs[i].k = malloc(K_LEN * sizeof(float));
    if (!jobs[i].q || !jobs[i].k) return 1;
    memcpy(jobs[i].q, q0, Q_LEN * sizeof(float));
    memcpy(jobs[i].k, k0, K_LEN * sizeof(float));
    if (pthread_create(&threads[i], NULL, work, &jobs[i]) != 0) {
      fprintf(stderr, "pthread_create failed\n");
      return 1;
    }
  }
  for (i = 0; i < THREADS; i++) {
    pthread_join(threads[i], NULL);
    s = jobs[i].scaled;
    if (jobs[i].status != ROPE_OK || memcmp(jobs[i].q, want_q[s], Q_LEN * sizeof(float)) != 0 ||
        memcmp(jobs[i].k, want_k[s], K_LEN * sizeof(float)) != 0) {
      fprintf(stderr, "thread %d: %s, results %s\n", i, rope_status_string(jobs[i].status),
              jobs[i].status == ROPE_OK ? "differ from the single-threaded ones" : "missing");
      failures++;
    }
    free(jobs[i].q);
    free(jobs[i].k);
  }
  printf("%d threads, one handle each: %s\n", THREADS, failures == 0 ? "results equal bit for bit" : "FAILED");
  return failures == 0 ? 0 : 1;
}
