/* The public header as a C99 translation unit (built with -std=c99 -Wall -Wextra -Wpedantic
 * -Werror by CMake's rope_c_header_test): every declaration is C, the inline initialisers
 * compile, and a call of each kind links and behaves from C. Exits non-zero on failure. */
#include <rope_wasm/rope.h>
#include <stdio.h>
#include <string.h>

static int failures = 0;
#define EXPECT(cond)                                              \
  do {                                                            \
    if (!(cond)) {                                                \
      fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                 \
    }                                                             \
  } while (0)

int main(void) {
  rope_config cfg;
  rope_apply_params p;
  rope_t* r = NULL;
  float x[2 * 8];
  double inv[4];
  int32_t rd = 0;
  int i;

  EXPECT(rope_version() == ROPE_WASM_VERSION);
  EXPECT(strcmp(rope_version_string(), ROPE_WASM_VERSION_STRING) == 0);
  EXPECT(strcmp(rope_status_string(ROPE_OK), "OK") == 0);
  EXPECT(strcmp(rope_status_string(ROPE_STRUCT_SIZE_INVALID), "STRUCT_SIZE_INVALID") == 0);

  rope_config_init(&cfg);
  EXPECT(cfg.struct_size == sizeof cfg);
  EXPECT(rope_create(&cfg, &r) == ROPE_HEAD_DIM_INVALID && r == NULL);
  cfg.head_dim = 8;
  EXPECT(rope_create(&cfg, &r) == ROPE_OK && r != NULL);
  EXPECT(rope_rotary_dim(r, &rd) == ROPE_OK && rd == 8);
  EXPECT(rope_inv_freq(r, inv, 4) == ROPE_OK && inv[0] == 1.0);

  for (i = 0; i < 16; i++) x[i] = (float)i;
  rope_apply_params_init(&p);
  p.num_heads = 2;
  p.start = 7;
  EXPECT(rope_apply(r, x, 16, &p) == ROPE_OK);
  EXPECT(rope_inverse(r, x, 16, &p) == ROPE_OK);
  for (i = 0; i < 16; i++) EXPECT(x[i] > (float)i - 1e-5f && x[i] < (float)i + 1e-5f);
  EXPECT(rope_apply(NULL, x, 16, &p) == ROPE_NULL_POINTER);
  rope_destroy(r);
  rope_destroy(NULL);
  if (failures == 0) printf("c header test: ok (rope-wasm %s, simd128 %d)\n", rope_version_string(), rope_simd128());
  return failures == 0 ? 0 : 1;
}
