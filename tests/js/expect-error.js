// Asserts that fn throws a RopeError with `code` whose message contains every fragment.
import { expect } from 'vitest';
import { RopeError } from '../../dist/index.js';

export function expectRopeError(fn, code, ...fragments) {
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(RopeError);
  expect(err.code).toBe(code);
  for (const f of fragments) expect(err.message).toContain(f);
  return err;
}
