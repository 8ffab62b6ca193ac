// RopeBuffer: float32s that live in wasm memory, for zero-copy apply calls.
import { RopeError } from './errors.js';

const disposeSymbol = Symbol.dispose ?? Symbol.for('Symbol.dispose');
const viewOwners = new WeakMap();

/** @internal The RopeBuffer whose view() made `view`, or undefined (any other typed array). */
export function viewOwner(view) {
  return viewOwners.get(view);
}

export class RopeBuffer {
  #lib;
  #ptr;
  #length;
  #dtype;

  /** @internal Use RopeLibrary.alloc. */
  constructor(lib, ptr, length, dtype, token) {
    if (token !== RopeBuffer.#token) throw new RopeError('INVALID_TYPE', 'RopeBuffer is created by lib.alloc(length), not new');
    this.#lib = lib;
    this.#ptr = ptr;
    this.#length = length;
    this.#dtype = dtype;
  }

  static #token = Symbol('RopeBuffer');

  /** @internal */
  static create(lib, ptr, length, dtype = 'float32') {
    return new RopeBuffer(lib, ptr, length, dtype, RopeBuffer.#token);
  }

  /** Elements (of dtype) in the buffer. */
  get length() {
    return this.#length;
  }

  /** 'float32', or 'float16' / 'bfloat16' (view() then gives the 16-bit patterns as a Uint16Array). */
  get dtype() {
    return this.#dtype;
  }

  get disposed() {
    return this.#ptr === 0;
  }

  /**
   * A fresh view of the buffer (Float32Array, or Uint16Array of 16-bit patterns); build a new
   * one after any call that may grow memory.
   */
  view() {
    this.#check('buffer.view()');
    const Type = this.#dtype === 'float32' ? Float32Array : Uint16Array;
    const v = new Type(this.#lib._heapBuffer(), this.#ptr, this.#length);
    // A view keeps its buffer alive: otherwise the FinalizationRegistry could free (and
    // the allocator reuse) memory a caller still reads and writes through the view.
    viewOwners.set(v, this);
    return v;
  }

  dispose() {
    if (this.#ptr === 0) return;
    this.#lib._freeBuffer(this, this.#ptr);
    this.#ptr = 0;
  }

  [disposeSymbol]() {
    this.dispose();
  }

  #check(what) {
    if (this.#ptr === 0) throw new RopeError('DISPOSED', `${what}: this RopeBuffer has been disposed`, { argument: 'buffer' });
  }

  /** @internal The wasm address, after checking the buffer belongs to `lib` and is alive. */
  static _addressIn(buffer, lib, name) {
    if (buffer.#lib !== lib) {
      throw new RopeError('FOREIGN_BUFFER', `${name} is a RopeBuffer of another rope-wasm library instance; use one from this library's alloc()`, { argument: name });
    }
    if (buffer.#ptr === 0) throw new RopeError('DISPOSED', `${name} is a RopeBuffer that has been disposed`, { argument: name });
    return buffer.#ptr;
  }
}
