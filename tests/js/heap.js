// Shared out-of-memory setup for the robustness and multi-instance tests.
import { expect } from 'vitest';
import { RopeError } from '../../dist/index.js';

/** Fills a library's heap with 64 MiB buffers (16 Mi floats) until the next one does not fit; returns them. */
export function fillHeap(lib) {
  const held = [];
  let err;
  try {
    for (let i = 0; i < 64; i++) held.push(lib.alloc(16 * 1024 * 1024));
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(RopeError);
  expect(err.code).toBe('OUT_OF_MEMORY');
  return held;
}
