// RopeLibrary: one instantiated wasm module, its memory, and what lives in it.
import { RopeBuffer, viewOwner } from './buffer.js';
import { COPY_SCRATCH_MAX_BYTES } from './copying.js';
import { RopeError, describe, fail, throwStatus } from './errors.js';
import { LiveAllocations } from './live-allocations.js';
import { Rope } from './rope.js';
import { checkInteger, checkKeys, isDetached, isPlainObject } from './validate.js';
import { DTYPES } from './views.js';

// Scratch blocks are allocated with room to spare (fewer reallocations for slowly growing
// calls) up to the copying path's bound, which every copying call fits in.
const SCRATCH_SLACK_MAX = COPY_SCRATCH_MAX_BYTES;
// Allocations from this size up are page-aligned (see _malloc).
const PAGE_ALIGN_MIN_BYTES = 64 * 1024;
// Freed RopeBuffer ranges remembered to tell "a view of a disposed buffer" from any other
// stray heap view in error messages (only read on the error path).
const FREED_RANGES_KEPT = 256;

export class RopeLibrary {
  #module;
  #simd;
  // Reused wasm scratch for the copying path, so calls do not allocate.
  #scratchPtr = 0;
  #scratchBytes = 0;
  // Native memory freed when a Rope or RopeBuffer is collected without dispose().
  #registry;
  // The RopeBuffers alive now, by address: a heap view is used in place only inside one.
  #live = new LiveAllocations();
  // [start, end) byte ranges of recently freed RopeBuffers, oldest first.
  #freed = [];
  // Every ArrayBuffer wasm memory has had (a detached one then means "memory grew").
  #heaps = new WeakSet();
  #lastHeap = null;

  /** @internal Use loadRope(). */
  constructor(module) {
    this.#module = module;
    this.#simd = module.builtWithSimd();
    this.#registry = typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry(({ kind, ptr }) => {
        if (kind === 'rope') {
          module.destroy(ptr);
        } else {
          this.#forget(ptr);
          module._free(ptr);
        }
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

  /** `length` elements in wasm memory (float32 by default, or options.dtype), zero-filled. */
  alloc(length, options = {}) {
    checkInteger(length, 'length', 'LENGTH_INVALID', { min: 0 });
    if (!isPlainObject(options)) fail('INVALID_TYPE', 'options', 'must be an object such as { dtype: "float16" }', options);
    checkKeys(options, ['dtype'], 'options');
    const dtype = options.dtype === undefined ? 'float32' : options.dtype;
    if (!DTYPES.includes(dtype)) fail('DTYPE_INVALID', 'options.dtype', `must be one of ${DTYPES.map((d) => JSON.stringify(d)).join(', ')}`, dtype);
    const size = dtype === 'float32' ? 4 : 2;
    const max = Math.floor((2 ** 31 - 1) / size);
    if (length > max) fail('SIZE_OVERFLOW', 'length', `must be <= ${max} (its bytes must fit in 32-bit wasm memory)`, length);
    const bytes = Math.max(length * size, 4);
    const ptr = this._malloc(bytes, `alloc(${length})`);
    new Uint8Array(this._heapBuffer(), ptr, bytes).fill(0);
    const buffer = RopeBuffer.create(this, ptr, length, dtype);
    this._track(buffer, 'buffer', ptr);
    this.#live.add(ptr, ptr + size * length);
    return buffer;
  }

  /** Wasm memory size, and the bytes the allocator has handed out and not taken back. */
  heapStats() {
    return { memoryBytes: this.#module.HEAPU8.buffer.byteLength, bytesInUse: this.#module.bytesInUse() };
  }

  /** @internal The ArrayBuffer of wasm memory now (replaced whenever memory grows). */
  _heapBuffer() {
    const b = this.#module.HEAPU8.buffer;
    if (b !== this.#lastHeap) {
      this.#heaps.add(b);
      this.#lastHeap = b;
    }
    return b;
  }

  /**
   * @internal The wasm address of `view`, a typed array over this library's memory now,
   * after checking it lies entirely inside one live RopeBuffer (a view of one, or a part of
   * such a view). Anything else over the heap is refused: the core would write into bytes
   * nobody handed out (allocator metadata, the library's scratch and cos/sin tables, freed
   * memory, a neighbouring buffer).
   */
  _heapViewAddress(view, name) {
    const start = view.byteOffset;
    const end = start + view.byteLength;
    const made = viewOwner(view);
    if (made !== undefined && made.disposed) {
      throw new RopeError('DISPOSED', `${name} is a view of a RopeBuffer that has been disposed (its memory may now belong to another buffer)`, { argument: name, value: view });
    }
    if (this.#live.contains(start, end)) return start;
    const where = `bytes [${start}, ${end}) of this library's wasm memory`;
    const inner = this.#live.rangeAt(start);
    const startsInside = inner !== null && (start < inner[1] || start === end);
    if (!startsInside && this.#freed.some(([s, e]) => s <= start && start < e)) {
      throw new RopeError('DISPOSED', `${name} is a view of ${where}, memory of a RopeBuffer that has been disposed`, { argument: name, value: view });
    }
    const why = startsInside
      ? `it runs past the end of the RopeBuffer it starts in (bytes [${inner[0]}, ${inner[1]}))`
      : 'it does not start inside any live RopeBuffer (memory the library did not hand out: allocator metadata, its own scratch and tables, or freed memory)';
    throw new RopeError('HEAP_VIEW_INVALID',
      `${name} is a view of ${where}, which does not lie inside one live RopeBuffer: ${why}; ` +
      `use a RopeBuffer (lib.alloc), a view of one, or a subarray of such a view, got ${describe(view)}`,
      { argument: name, value: view });
  }

  /**
   * @internal Fails for a typed array whose ArrayBuffer is detached: a view of wasm memory
   * taken before memory grew, or an array whose buffer was transferred (postMessage).
   * Rotating either would silently do nothing.
   */
  _checkNotDetached(array, name) {
    if (array.length !== 0 || !isDetached(array.buffer)) return;
    const owner = viewOwner(array);
    if (owner !== undefined && owner.disposed) {
      throw new RopeError('DISPOSED', `${name} is a view of a RopeBuffer that has been disposed`, { argument: name, value: array });
    }
    if (this.#heaps.has(array.buffer)) {
      fail('INVALID_TYPE', name, 'is a stale view of detached memory (wasm memory grew after it was taken); take a fresh buffer.view()', array);
    }
    fail('INVALID_TYPE', name, 'is over a detached ArrayBuffer (it was transferred, e.g. by postMessage with a transfer list, and holds no data here)', array);
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
    this.#forget(ptr);
    this.#module._free(ptr);
  }

  // Takes a RopeBuffer's range out of the live set, remembering it as freed.
  #forget(ptr) {
    const end = this.#live.remove(ptr);
    if (end < 0) return;
    this.#freed.push([ptr, end]);
    if (this.#freed.length > FREED_RANGES_KEPT) this.#freed.shift();
  }

  /** @internal Benchmarks: the in-place streaming pass x = x*a + b over a buffer (float32 or 16-bit). */
  _streamPass(buffer, a, b) {
    const ptr = RopeBuffer._addressIn(buffer, this, 'buffer');
    const dtype = buffer.dtype;
    if (dtype === 'float32') {
      this.#module._rope_wasm_stream(ptr, buffer.length, a, b);
      return;
    }
    // 16-bit: widened, x*a + b, rounded back (rope_stream_pass16), over the same bytes.
    const status = this.#module._rope_wasm_stream16(ptr, buffer.length, dtype === 'float16' ? 1 : 2, a, b);
    if (status !== 0) throwStatus(status, '_streamPass');
  }

  /**
   * @internal Benchmarks: the same pass over `runs` runs of `runLength` floats of a float32
   * buffer, run r starting at element offset + r * stride (a strided view's elements).
   */
  _streamPassStrided(buffer, { offset, runs, runLength, stride }, a, b) {
    const ptr = RopeBuffer._addressIn(buffer, this, 'buffer');
    if (buffer.dtype !== 'float32' || offset + (runs - 1) * stride + runLength > buffer.length) {
      fail('LENGTH_INVALID', 'buffer', 'must be a float32 buffer holding every run of _streamPassStrided', buffer);
    }
    const status = this.#module._rope_wasm_stream_strided(ptr + 4 * offset, runs, runLength, stride, a, b);
    if (status !== 0) throwStatus(status, '_streamPassStrided');
  }
}
