// What the C API adds to a decode call, without JS in the way: rope_apply through the C API
// against rope::rope_apply directly, 1 token x 32 heads x 128, same handle kind, interleaved
// blocks of 20,000 calls, median block time per call. Built as rope_call_overhead (dev
// target, natively and with Emscripten: run the .cjs with node). Prints both and the
// difference; exits non-zero only if a call fails.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "rope_apply.h"
#include "rope_wasm/rope.h"

namespace {

constexpr int kHeads = 32, kDim = 128, kCalls = 20000, kBlocks = 15;

// Both tensors 64-byte aligned: malloc in wasm aligns to 8 only, and a tensor at 8 mod 16
// is ~10% slower at decode (split vector loads), which would swamp what is measured here.
alignas(64) float x[kHeads * kDim];
alignas(64) float y[kHeads * kDim];

template <typename F>
double block_ns(F&& call) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kCalls; ++i)
    if (!call(i & 1023)) std::abort();
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / kCalls;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

// With "swap" the two paths trade tensors, to tell the call path from where the data lies.
int main(int argc, char** argv) {
  const bool swap = argc > 1 && std::string(argv[1]) == "swap";
  float* cx = swap ? y : x;
  float* dx = swap ? x : y;
  rope_config cfg;
  rope_config_init(&cfg);
  cfg.head_dim = kDim;
  cfg.base = 500000;
  rope_t* c = nullptr;
  if (rope_create(&cfg, &c) != ROPE_OK) return 1;
  rope::RopeConfig rc;
  rc.head_dim = kDim;
  rc.base = 500000;
  rope::Rope* r = nullptr;
  if (rope::rope_create(rc, &r) != rope::Status::kOk) return 1;
  std::fill(x, x + kHeads * kDim, 0.5f);
  std::fill(y, y + kHeads * kDim, 0.5f);
  const size_t n = kHeads * kDim;
  rope_apply_params p;
  rope_apply_params_init(&p);
  p.num_heads = kHeads;
  rope::ApplyParams a;
  a.num_heads = kHeads;
  auto via_c = [&](int pos) {
    p.start = pos;
    return rope_apply(c, cx, n, &p) == ROPE_OK;
  };
  auto direct = [&](int pos) {
    a.start = pos;
    return rope::rope_apply(r, dx, n, a) == rope::Status::kOk;
  };
  block_ns(via_c);  // warm-up: both caches filled, code paged in
  block_ns(direct);
  std::vector<double> tc, td;
  for (int b = 0; b < kBlocks; ++b) {
    tc.push_back(block_ns(via_c));
    td.push_back(block_ns(direct));
  }
  const double mc = median(tc), md = median(td);
  std::printf("decode call 1x%dx%d (simd128 %d%s): C API %.1f ns, core %.1f ns, difference %+.1f ns\n", kHeads, kDim,
              rope_simd128(), swap ? ", tensors swapped" : "", mc, md, mc - md);
  rope_destroy(c);
  rope::rope_destroy(r);
  return 0;
}
