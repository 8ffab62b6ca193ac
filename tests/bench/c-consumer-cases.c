/* npm run bench's "C consumer in wasm" rows: a C program that uses rope-wasm only through its
 * public C API (rope_wasm/rope.h, the installed CMake package built with -msimd128, linked
 * as a consumer links it), with the package benchmark's two shapes:
 *   prefill 2048 x 32 x 128 at position 0, and
 *   decode  1 x 32 x 128 from position 4096, a new position every 32 calls (as a 32-layer
 *           model advances), wrapping after 2048 positions, as tests/bench/bench-cases.js.
 * Default RoPE (head_dim 128, base 10000, half layout), as the package's "simd buffer" rows.
 * c-consumer-cases.js loads the module into the benchmark's Node process and asks it for
 * samples: cc_sample_ms(shape, reps) makes `reps` calls in a loop inside wasm and returns the
 * ms per call, timed inside wasm (no JS between the calls), so samples of the C path and of
 * the package's path can alternate in one process.
 * Tensors aligned as the package's lib.alloc aligns them (64 B; 4 KiB from 64 KiB), so the
 * comparison is kernel path against kernel path, not placement (plain malloc gives 8 B in wasm).
 * C11 (aligned_alloc). */
#define _POSIX_C_SOURCE 200112L /* clock_gettime */
#include <emscripten.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <rope_wasm/rope.h>

#define HEADS 32
#define HEAD_DIM 128
#define LAYERS 32

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

typedef struct {
  rope_t* rope;
  float* x;
  size_t n;
  rope_apply_params p;
  int decode; /* position stepping */
  int k;
  long first, last;
} bench_case;

static bench_case cases[2]; /* 0: prefill, 1: decode */

static void call(bench_case* c) {
  if (rope_apply(c->rope, c->x, c->n, &c->p) != ROPE_OK) {
    fprintf(stderr, "rope_apply failed\n");
    exit(1);
  }
  if (c->decode && ++c->k == LAYERS) {
    c->k = 0;
    c->p.start = c->p.start == c->last ? c->first : c->p.start + 1;
  }
}

/* ms per call over `reps` calls, timed inside wasm. */
EMSCRIPTEN_KEEPALIVE double cc_sample_ms(int shape, int reps) {
  bench_case* c = &cases[shape];
  const double t0 = now_ms();
  int i;
  for (i = 0; i < reps; i++) call(c);
  return (now_ms() - t0) / reps;
}

static float* tensor(size_t n) {
  const size_t bytes = n * sizeof(float);
  const size_t align = bytes < 64 * 1024 ? 64 : 4096;
  float* x = aligned_alloc(align, (bytes + align - 1) / align * align);
  size_t i;
  if (x == NULL) exit(1);
  for (i = 0; i < n; i++) x[i] = 0.5f;
  return x;
}

/* Creates the two cases (0: prefill, 1: decode); returns 0, or 1 when a call fails. */
EMSCRIPTEN_KEEPALIVE int cc_prepare(void) {
  static const struct { int tokens; long start; int decode; } shapes[] = {{2048, 0, 0}, {1, 4096, 1}};
  rope_config cfg;
  int s;
  rope_config_init(&cfg);
  cfg.head_dim = HEAD_DIM;
  for (s = 0; s < 2; s++) {
    bench_case* c = &cases[s];
    if (rope_create(&cfg, &c->rope) != ROPE_OK) return 1;
    c->n = (size_t)shapes[s].tokens * HEADS * HEAD_DIM;
    c->x = tensor(c->n);
    rope_apply_params_init(&c->p);
    c->p.num_heads = HEADS;
    c->p.start = shapes[s].start;
    c->decode = shapes[s].decode;
    c->k = 0;
    c->first = shapes[s].start;
    c->last = shapes[s].start + 2047;
  }
  return 0;
}

/* Whether the library's 128-bit SIMD kernels are in (it was built with -msimd128). */
EMSCRIPTEN_KEEPALIVE int cc_simd128(void) { return rope_simd128(); }
