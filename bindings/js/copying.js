// The copying path: tensors given as Float32Arrays outside this library's wasm memory are
// copied into a scratch block, rotated there and copied back, a bounded chunk at a time, so
// peak wasm memory for any call is a constant, whatever the tensor's size:
//
//   scratch <= COPY_SCRATCH_MAX_BYTES (768 KiB + 64 bytes): at most COPY_CHUNK_BYTES of copied
//   tensor data (q and k together) plus the chunk's positions (4 bytes per token).
//
// A chunk is a run of tokens with all heads (one cos/sin lookup for q and k in applyQK); a
// token too large for a chunk is split into groups of heads. Tensors already in wasm memory
// are rotated in place: token-major ones chunk by chunk beside the copied ones, head-major ones
// (whose tokens are not contiguous) in one call of their own, with the same positions and
// sequence length, so the result is the same bits as one call.
//
// Every chunk's status depends only on arguments validated before the first chunk, the same
// for all chunks: if the first call succeeds, all do, so a failure never leaves a caller's
// array partly rotated.

// Copied tensor data per chunk (fits in L2 with room to spare: rotating a chunk right after
// copying it in measured about 1.5x faster than one big copy at prefill sizes).
export const COPY_CHUNK_BYTES = 512 * 1024;
// Largest positions block (one int32 per token of a chunk; a chunk has at most
// COPY_CHUNK_BYTES / (4 * 2) tokens, since a token holds at least one pair of floats).
export const POSITIONS_MAX_BYTES = COPY_CHUNK_BYTES / 2;
export const COPY_SCRATCH_MAX_BYTES = COPY_CHUNK_BYTES + POSITIONS_MAX_BYTES + 64;

const TOKEN_MAJOR = 0;

// Copies a tensor's chunk (tokens t0..t0+n-1, heads h0..h0+g-1) between the caller's array
// and a scratch chunk of the same order: token-major [n, g, D] or head-major [g, n, D].
function copyChunk(m, arr, shape, c, at, toWasm) {
  const { tokens, heads, headDim: d, order } = shape;
  const heap = m.HEAPF32;
  const base = at >>> 2;
  // One contiguous run of the source per token (token-major) or per head (head-major).
  const runs = order === TOKEN_MAJOR ? (c.g === heads ? 1 : c.n) : c.g;
  const runLength = order === TOKEN_MAJOR ? (c.g === heads ? c.n * heads * d : c.g * d) : c.n * d;
  for (let r = 0; r < runs; r++) {
    const src = order === TOKEN_MAJOR
      ? ((c.t0 + (c.g === heads ? 0 : r)) * heads + c.h0) * d
      : ((c.h0 + r) * tokens + c.t0) * d;
    const dst = base + r * runLength;
    if (toWasm) heap.set(arr.subarray(src, src + runLength), dst);
    else arr.set(heap.subarray(dst, dst + runLength), src);
  }
}

// The chunks of one group of tensors: runs of tokens with all heads, or, when one token of
// the group's copied tensor exceeds COPY_CHUNK_BYTES, single tokens split into head groups
// (such a group holds one tensor). A chunk has at most COPY_CHUNK_BYTES / 8 tokens, so its
// positions (every stream of an M-RoPE rope's) fit in POSITIONS_MAX_BYTES.
function chunksOf(tokens, perTokenBytes, heads, headDim, streams) {
  const out = [];
  if (perTokenBytes <= COPY_CHUNK_BYTES) {
    const n = Math.min(Math.floor(COPY_CHUNK_BYTES / Math.max(perTokenBytes, 8)), Math.floor(POSITIONS_MAX_BYTES / (4 * streams)));
    for (let t0 = 0; t0 < tokens; t0 += n) out.push({ t0, n: Math.min(n, tokens - t0), h0: 0, g: 0 });
    return out;
  }
  const g = Math.max(1, Math.floor(COPY_CHUNK_BYTES / (4 * headDim)));
  for (let t0 = 0; t0 < tokens; t0++) {
    for (let h0 = 0; h0 < heads; h0 += g) out.push({ t0, n: 1, h0, g: Math.min(g, heads - h0) });
  }
  return out;
}

// The part of chunk c that tensor p takes: its own heads unless the chunk splits heads.
const partOf = (c, p) => (c.g === 0 ? { t0: c.t0, n: c.n, h0: 0, g: p.heads } : c);

// How a call runs: the in-wasm head-major tensors (one call each), then groups of tensors
// chunked together (q and k in one group unless one token of them exceeds a chunk), and the
// scratch all of it needs, allocated once before anything is rotated.
function planOf(parts, shape, hasList, streams) {
  const { tokens, headDim, order } = shape;
  const inPlace = parts.filter((p) => p.array === null && order !== TOKEN_MAJOR);
  const rest = parts.filter((p) => !inPlace.includes(p));
  const copiedBytes = (ps) => ps.reduce((s, p) => s + (p.array ? 4 * p.heads * headDim : 0), 0);
  const groups = rest.length === 2 && copiedBytes(rest) > COPY_CHUNK_BYTES ? rest.map((p) => [p]) : rest.length ? [rest] : [];
  let scratchBytes = inPlace.length && hasList ? 4 * streams * tokens : 0;
  const planned = groups.map((ps) => {
    const chunks = chunksOf(tokens, copiedBytes(ps), ps[0].heads, headDim, streams);
    const maxN = chunks.reduce((s, c) => Math.max(s, c.n), 0);
    const posBytes = hasList ? Math.ceil((4 * streams * maxN) / 64) * 64 : 0;
    const dataBytes = ps.map((p) => (p.array ? 4 * maxN * partOf(chunks[0], p).g * headDim : 0));
    scratchBytes = Math.max(scratchBytes, posBytes + dataBytes.reduce((s, b) => s + b, 0));
    return { parts: ps, chunks, posBytes, dataBytes };
  });
  return { inPlace, groups: planned, scratchBytes };
}

/**
 * Rotates `parts` (1 or 2 tensors: x, or q then k) at the call's positions.
 *   core:  { m, apply(ptr, length, heads, order, posPtr, start), applyQK(qPtr, qLength, kPtr,
 *           kLength, qHeads, kHeads, order, posPtr, start) } (status-returning core calls,
 *           with the rope, inverse and sequence length bound)
 *   lib:   the RopeLibrary (scratch)
 *   parts: [{ array (Float32Array to copy) or null, ptr (wasm address when array is null),
 *           heads }]
 *   shape: { tokens, headDim, order }, pos: { start, list (Int32Array | number[] | null),
 *           streams (position streams: list holds streams * tokens, stream-major) }
 * Returns 0 or the first non-zero status; throws OUT_OF_MEMORY before touching anything
 * when the scratch cannot be had.
 */
export function rotateCopying(core, lib, what, parts, shape, pos) {
  const { tokens, headDim, order } = shape;
  const m = core.m;
  const list = pos.list === null || pos.list instanceof Int32Array ? pos.list : Int32Array.from(pos.list);
  const streams = pos.streams ?? 1;
  const plan = planOf(parts, shape, list !== null, streams);
  const scratch = plan.scratchBytes > 0 ? lib._scratch(plan.scratchBytes, what) : 0;
  if (plan.inPlace.length > 0) {
    if (list) m.HEAP32.set(list, scratch >>> 2);
    for (const p of plan.inPlace) {
      const status = core.apply(p.ptr, tokens * p.heads * headDim, p.heads, order, list ? scratch : 0, pos.start);
      if (status !== 0) return status;
    }
  }
  for (const { parts: ps, chunks, posBytes, dataBytes } of plan.groups) {
    const at = [scratch + posBytes, scratch + posBytes + dataBytes[0]];
    const shapes = ps.map((p) => ({ tokens, heads: p.heads, headDim, order }));
    for (const c of chunks) {
      const own = ps.map((p) => partOf(c, p));
      const ptrs = ps.map((p, i) => (p.array ? at[i] : p.ptr + 4 * c.t0 * p.heads * headDim));
      ps.forEach((p, i) => { if (p.array) copyChunk(m, p.array, shapes[i], own[i], at[i], true); });
      // The chunk's positions, stream-major over its own tokens (as the core reads them).
      if (list) {
        for (let k = 0; k < streams; k++) m.HEAP32.set(list.subarray(k * tokens + c.t0, k * tokens + c.t0 + c.n), (scratch >>> 2) + k * c.n);
      }
      const posPtr = list ? scratch : 0;
      const start = list ? 0 : pos.start + c.t0;
      const lengths = own.map((o) => o.n * o.g * headDim);
      const status = ps.length === 1
        ? core.apply(ptrs[0], lengths[0], own[0].g, order, posPtr, start)
        : core.applyQK(ptrs[0], lengths[0], ptrs[1], lengths[1], own[0].g, own[1].g, order, posPtr, start);
      if (status !== 0) return status;
      ps.forEach((p, i) => { if (p.array) copyChunk(m, p.array, shapes[i], own[i], at[i], false); });
    }
  }
  return 0;
}
