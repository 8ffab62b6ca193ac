// RopeLibrary: one instantiated wasm module, its memory, and what lives in it.
import { RopeBuffer } from './buffer.js';
import { RopeError, fail } from './errors.js';
import { Rope } from './rope.js';
import { checkInteger } from './validate.js';

// Largest float count one allocation may have: its byte count must fit in 32-bit wasm memory.
export const MAX_FLOATS = Math.floor((2 ** 31 - 1) / 4);
// Largest scratch block allocated with room to spare.
const SCRATCH_SLACK_MAX = 16 * 1024 * 1024;
// Allocations from this size up are page-aligned (see _malloc).
const PAGE_ALIGN_MIN_BYTES = 64 * 1024;

export class RopeLibrary {
  #module;
  #simd;
  // Reused wasm scratch for the copying path, so calls do not allocate.
  #scratchPtr = 0;
  #scratchBytes = 0;
  // Native memory freed when a Rope or RopeBuffer is collected without dispose().
  #registry;

  /** @internal Use loadRope(). */
  constructor(module) {
    this.#module = module;
    this.#simd = module.builtWithSimd();
    this.#registry = typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry(({ kind, ptr }) => {
        if (kind === 'rope') module.destroy(ptr);
        else module._free(ptr);
      })
      : null;
  }

  /** True when the SIMD build is running. */
  get simd() {
    return this.#simd;
  }

  createRope(config) {
    return Rope._create(this, this.#module, config);
  }

  /** `length` float32s in wasm memory, zero-filled. */
  alloc(length) {
    checkInteger(length, 'length', 'LENGTH_INVALID', { min: 0 });
    if (length > MAX_FLOATS) fail('SIZE_OVERFLOW', 'length', `must be <= ${MAX_FLOATS} (its bytes must fit in 32-bit wasm memory)`, length);
    const ptr = this._malloc(Math.max(length, 1) * 4, `alloc(${length})`);
    new Float32Array(this._heapBuffer(), ptr, length).fill(0);
    const buffer = RopeBuffer.create(this, ptr, length);
    this._track(buffer, 'buffer', ptr);
    return buffer;
  }

  /** Wasm memory size, and the bytes the allocator has handed out and not taken back. */
  heapStats() {
    return { memoryBytes: this.#module.HEAPU8.buffer.byteLength, bytesInUse: this.#module.bytesInUse() };
  }

  /** @internal */
  _heapBuffer() {
    return this.#module.HEAPU8.buffer;
  }

  /**
   * @internal malloc that turns failure into a RopeError. Blocks are 64-byte aligned: wasm's
   * malloc aligns to 8 only, and a tensor at 8 mod 16 makes every fourth vector load straddle
   * a cache line (measured: about 10% slower at decode). Blocks of 64 KiB and more (tensors
   * that stream from memory) start on a 4 KiB page: streaming speed depends on where heads
   * fall relative to page boundaries (measured at prefill, natively too: some 64-byte
   * offsets within a page are 1.4-1.5x slower; a page start is among the fastest).
   */
  _malloc(bytes, what) {
    const ptr = bytes > 2 ** 31 - 1 ? 0 : this.#module._memalign(bytes >= PAGE_ALIGN_MIN_BYTES ? 4096 : 64, bytes);
    if (!ptr) throw new RopeError('OUT_OF_MEMORY', `${what}: the wasm heap cannot hold ${bytes} more bytes (out of memory)`);
    return ptr;
  }

  /** @internal Scratch of at least `bytes`, reused across calls; may grow memory. */
  _scratch(bytes, what) {
    if (bytes > this.#scratchBytes) {
      if (this.#scratchPtr) this.#module._free(this.#scratchPtr);
      this.#scratchPtr = 0;
      this.#scratchBytes = 0;
      // Room to grow (fewer reallocations for slowly growing calls) only while small: a
      // large speculative request can fail where the exact size fits, and a failed sbrk
      // leaves the allocator unable to extend the heap contiguously afterwards.
      const size = bytes <= SCRATCH_SLACK_MAX ? Math.max(4096, Math.min(2 * bytes, SCRATCH_SLACK_MAX)) : bytes;
      this.#scratchPtr = this._malloc(size, what);
      this.#scratchBytes = size;
    }
    return this.#scratchPtr;
  }

  /**
   * Frees the copying path's scratch block (kept between calls so that Float32Array calls do
   * not allocate); the next copying call allocates it again.
   */
  releaseScratch() {
    if (this.#scratchPtr) this.#module._free(this.#scratchPtr);
    this.#scratchPtr = 0;
    this.#scratchBytes = 0;
  }

  /** @internal */
  _track(obj, kind, ptr) {
    this.#registry?.register(obj, { kind, ptr }, obj);
  }

  /** @internal */
  _untrack(obj) {
    this.#registry?.unregister(obj);
  }

  /** @internal */
  _freeBuffer(buffer, ptr) {
    this._untrack(buffer);
    this.#module._free(ptr);
  }

  /** @internal Benchmarks: the in-place streaming pass x = x*a + b over a buffer. */
  _streamPass(buffer, a, b) {
    const ptr = RopeBuffer._addressIn(buffer, this, 'buffer');
    this.#module._rope_wasm_stream(ptr, buffer.length, a, b);
  }
}
