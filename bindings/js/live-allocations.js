// The live allocations of one library (RopeBuffers), by address: what decides whether a
// typed array over the library's wasm memory may be used in place. A view is accepted only
// when it lies entirely inside one live allocation; anything else over the heap (two
// allocations, past the end, allocator metadata, the library's own scratch and tables, freed
// memory) would let the core write where no caller owns the bytes. Only numbers are kept,
// never the buffers themselves, so an undisposed RopeBuffer can still be garbage-collected.

export class LiveAllocations {
  // Sorted by start: a lookup is a binary search over plain numbers.
  #starts = [];
  #ends = [];

  get size() {
    return this.#starts.length;
  }

  /** Registers bytes [start, end). */
  add(start, end) {
    const i = this.#upperBound(start);
    this.#starts.splice(i, 0, start);
    this.#ends.splice(i, 0, end);
  }

  /** Drops the allocation that starts at `start` and returns its end, or -1 when there is none. */
  remove(start) {
    const i = this.#upperBound(start) - 1;
    if (i < 0 || this.#starts[i] !== start) return -1;
    const end = this.#ends[i];
    this.#starts.splice(i, 1);
    this.#ends.splice(i, 1);
    return end;
  }

  /** True when bytes [start, end) lie inside one allocation (an empty range: start inside or at its end). */
  contains(start, end) {
    const i = this.#upperBound(start) - 1;
    return i >= 0 && end <= this.#ends[i];
  }

  /** [start, end) of the allocation `address` falls in (its end included), or null. */
  rangeAt(address) {
    const i = this.#upperBound(address) - 1;
    return i >= 0 && address <= this.#ends[i] ? [this.#starts[i], this.#ends[i]] : null;
  }

  // Index of the first allocation whose start is > address.
  #upperBound(address) {
    const s = this.#starts;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid] <= address) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
