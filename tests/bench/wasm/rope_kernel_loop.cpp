// The native benchmark's calls (native/rope_bench.cpp), compiled to wasm SIMD and timed
// inside wasm, so the wasm-to-native ratio compares kernel with kernel: the same core call,
// the same shapes, no JS call or API validation around it. npm run bench runs it in Node.
// Method as Google Benchmark's there: each repetition runs the call for >= 0.2 s; the median
// of 5 repetitions is printed per case, one JSON line each.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "../bench_shapes.h"
#include "rope_apply.h"
#include "stream_pass.h"

namespace {

using Clock = std::chrono::steady_clock;

// Median ns per call of fn over 5 repetitions of >= min_seconds each, after a warm-up that
// lets V8 tier the kernels up from its baseline compiler.
template <typename Fn>
double median_ns(Fn fn, double min_seconds = 0.2) {
  const auto warm_end = Clock::now() + std::chrono::milliseconds(300);
  long calls = 0;
  while (Clock::now() < warm_end || calls < 10) {
    fn();
    calls++;
  }
  std::vector<double> reps;
  for (int r = 0; r < 5; r++) {
    long n = 0;
    const auto t0 = Clock::now();
    std::chrono::duration<double> dt{};
    do {
      for (int i = 0; i < 64; i++) fn();
      n += 64;
      dt = Clock::now() - t0;
    } while (dt.count() < min_seconds);
    reps.push_back(dt.count() * 1e9 / static_cast<double>(n));
  }
  std::sort(reps.begin(), reps.end());
  return reps[reps.size() / 2];
}

}  // namespace

int main() {
  for (const rope_bench::Shape& s : rope_bench::kShapes) {
    rope_bench::Tensor x(s);
    for (int interleaved = 0; interleaved < 2; interleaved++) {
      rope::RopeConfig c;
      c.head_dim = s.head_dim;
      c.layout = interleaved ? rope::Layout::kInterleaved : rope::Layout::kHalf;
      rope::Rope* r = nullptr;
      if (rope::rope_create(c, &r) != rope::Status::kOk) return 1;
      rope::ApplyParams p;
      p.num_heads = s.heads;
      p.start = s.start;
      const double ns = median_ns([&] { rope::rope_apply(r, x.data(), x.size(), p); });
      std::printf("{\"size\":\"%s\",\"layout\":\"%s\",\"ns\":%.1f}\n", s.name,
                  interleaved ? "interleaved" : "half", ns);
      rope::rope_destroy(r);
    }
    const double ns = median_ns([&] { rope::stream_axpb(x.data(), x.size(), 0.999f, 0.001f); });
    std::printf("{\"size\":\"%s\",\"layout\":\"stream\",\"ns\":%.1f}\n", s.name, ns);
  }
  return 0;
}
