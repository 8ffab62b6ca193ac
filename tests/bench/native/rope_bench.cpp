// Native Google Benchmark of the same core and 128-bit SIMD kernels the wasm build runs
// (compiled for x86-64 SSE2 / 128-bit vectors: no AVX), for the wasm-to-native ratio.
// The shapes (bench_shapes.h) match tests/bench/bench-cases.js; wasm/rope_kernel_loop.cpp
// times the same calls compiled to wasm.
#include <benchmark/benchmark.h>

#include "../bench_shapes.h"
#include "rope_apply.h"
#include "stream_pass.h"

namespace {

using rope_bench::kShapes;
using rope_bench::Shape;

void BM_Rope(benchmark::State& state) {
  const Shape& s = kShapes[state.range(0)];
  rope::RopeConfig c;
  c.head_dim = s.head_dim;
  c.layout = state.range(1) ? rope::Layout::kInterleaved : rope::Layout::kHalf;
  rope::Rope* r = nullptr;
  if (rope::rope_create(c, &r) != rope::Status::kOk) {
    state.SkipWithError("create failed");
    return;
  }
  rope_bench::Tensor x(s);
  rope::ApplyParams p;
  p.num_heads = s.heads;
  p.start = s.start;
  for (auto _ : state) {
    rope::rope_apply(r, x.data(), x.size(), p);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(x.size()) * 8);
  rope::rope_destroy(r);
}

void BM_Stream(benchmark::State& state) {
  const Shape& s = kShapes[state.range(0)];
  rope_bench::Tensor x(s);
  for (auto _ : state) {
    rope::stream_axpb(x.data(), x.size(), 0.999f, 0.001f);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(x.size()) * 8);
}

}  // namespace

// Args: shape (0 decode, 1 prefill, 2 small), layout (0 half, 1 interleaved).
BENCHMARK(BM_Rope)->ArgsProduct({{0, 1, 2}, {0, 1}})->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_Stream)->Arg(0)->Arg(1)->Arg(2)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK_MAIN();
