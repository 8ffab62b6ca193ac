// The native benchmark's calls (native/rope_bench.cpp), compiled to wasm SIMD and timed
// inside wasm, so the wasm-to-native ratio compares kernel with kernel: the same core call,
// the same shapes, no JS call or API validation around it. npm run bench runs it in Node.
// Method as Google Benchmark's there: each repetition runs the call for >= 0.2 s; the median
// of 5 repetitions is printed per case, one JSON line each. Besides the native benchmark's
// cases: the 16-bit rotations and 16-bit streaming passes of the same shapes, and the MLA
// slice against a contiguous tensor with the streaming passes over the same elements.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdint>
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
    // 16-bit tensors of the same shape (half the bytes): the rotation, and the 16-bit
    // streaming pass over the same bytes (the conversions alone, its ceiling).
    for (rope::DType t : {rope::DType::kBFloat16, rope::DType::kFloat16}) {
      const char* tn = t == rope::DType::kBFloat16 ? "bf16" : "fp16";
      std::vector<uint16_t> h(x.size());
      for (size_t i = 0; i < h.size(); ++i) h[i] = t == rope::DType::kBFloat16 ? 0x3f00 : 0x3800;  // 0.5
      rope::RopeConfig c;
      c.head_dim = s.head_dim;
      rope::Rope* r = nullptr;
      if (rope::rope_create(c, &r) != rope::Status::kOk) return 1;
      rope::TensorView v;
      v.dtype = t;
      v.heads = s.heads;
      rope::ViewCall call;
      call.start = s.start;
      const double rns = median_ns([&] { rope::rope_apply_view(r, h.data(), h.size(), v, call); });
      std::printf("{\"size\":\"%s\",\"layout\":\"half %s\",\"ns\":%.1f}\n", s.name, tn, rns);
      const double sns = median_ns([&] { rope::stream_axpb16(t, h.data(), h.size(), 0.999f, 0.001f); });
      std::printf("{\"size\":\"%s\",\"layout\":\"stream %s\",\"ns\":%.1f}\n", s.name, tn, sns);
      rope::rope_destroy(r);
    }
  }
  // DeepSeek MLA: the rotated 64 of each 192-channel head (2048 tokens x 16 heads) against a
  // contiguous 64-channel tensor, and the streaming pass over the same strided elements
  // against the contiguous streaming pass: how much of the gap is the memory system's.
  {
    const size_t tokens = 2048, heads = 16, vectors = tokens * heads;
    std::vector<float> wide(vectors * 192, 0.5f), slim(vectors * 64, 0.5f);
    rope::RopeConfig c;
    c.head_dim = 64;
    rope::Rope* r = nullptr;
    if (rope::rope_create(c, &r) != rope::Status::kOk) return 1;
    rope::TensorView vw;
    vw.heads = static_cast<int>(heads);
    vw.offset = 128;
    vw.head_stride = 192;
    vw.tokens = tokens;
    rope::TensorView vs;
    vs.heads = static_cast<int>(heads);
    rope::ViewCall call;
    const double strided = median_ns([&] { rope::rope_apply_view(r, wide.data(), wide.size(), vw, call); });
    const double dense = median_ns([&] { rope::rope_apply_view(r, slim.data(), slim.size(), vs, call); });
    const double stream_strided = median_ns([&] { rope::stream_axpb_strided(wide.data() + 128, vectors, 64, 192, 0.999f, 0.001f); });
    const double stream_dense = median_ns([&] { rope::stream_axpb(slim.data(), slim.size(), 0.999f, 0.001f); });
    std::printf("{\"size\":\"mla\",\"layout\":\"strided\",\"ns\":%.1f}\n", strided);
    std::printf("{\"size\":\"mla\",\"layout\":\"contiguous\",\"ns\":%.1f}\n", dense);
    std::printf("{\"size\":\"mla\",\"layout\":\"stream strided\",\"ns\":%.1f}\n", stream_strided);
    std::printf("{\"size\":\"mla\",\"layout\":\"stream contiguous\",\"ns\":%.1f}\n", stream_dense);
    rope::rope_destroy(r);
  }
  // A fused QKV buffer [2048, (32 + 2*8) * 128]: q and k rotated in place (v untouched)
  // against separate contiguous q and k; and the streaming pass over the same 40 of 48 heads
  // of each token against the streaming pass over the same bytes held contiguously.
  {
    const size_t tokens = 2048, row = 48 * 128;
    std::vector<float> fused(tokens * row, 0.5f), q(tokens * 32 * 128, 0.5f), k(tokens * 8 * 128, 0.5f);
    rope::RopeConfig c;
    c.head_dim = 128;
    rope::Rope* r = nullptr;
    if (rope::rope_create(c, &r) != rope::Status::kOk) return 1;
    rope::TensorView qv;
    qv.heads = 32;
    qv.token_stride = row;
    qv.head_stride = 128;
    qv.tokens = tokens;
    rope::TensorView kv = qv;
    kv.heads = 8;
    kv.offset = 32 * 128;
    rope::ViewCall call;
    call.start = 100;
    rope::ApplyParams p;
    p.num_heads = 32;
    p.num_kv_heads = 8;
    p.start = 100;
    const double f = median_ns([&] { rope::rope_apply_qk_view(r, fused.data(), fused.size(), qv, fused.data(), fused.size(), kv, call); });
    const double sep = median_ns([&] { rope::rope_apply_qk(r, q.data(), q.size(), k.data(), k.size(), p); });
    const double stream_fused = median_ns([&] { rope::stream_axpb_strided(fused.data(), tokens, 40 * 128, row, 0.999f, 0.001f); });
    const double stream_sep = median_ns([&] {
      rope::stream_axpb(q.data(), q.size(), 0.999f, 0.001f);
      rope::stream_axpb(k.data(), k.size(), 0.999f, 0.001f);
    });
    std::printf("{\"size\":\"qkv\",\"layout\":\"fused\",\"ns\":%.1f}\n", f);
    std::printf("{\"size\":\"qkv\",\"layout\":\"separate\",\"ns\":%.1f}\n", sep);
    std::printf("{\"size\":\"qkv\",\"layout\":\"stream fused\",\"ns\":%.1f}\n", stream_fused);
    std::printf("{\"size\":\"qkv\",\"layout\":\"stream separate\",\"ns\":%.1f}\n", stream_sep);
    rope::rope_destroy(r);
  }
  return 0;
}
