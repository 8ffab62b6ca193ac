// RopeConfig spelt the way other libraries spell it (layout names of model families and of
// Hugging Face / llama.cpp / vLLM code, is_neox_style, interleaved, snake_case keys): the
// RopeError keeps its code and says which RopeConfig value to use.
import { beforeAll, describe, expect, it } from 'vitest';
import { configFromHF, loadRope } from '../../dist/index.js';
import { expectRopeError } from './expect-error.js';

const HALF = "use layout: 'half' (it pairs channel i with i + rotaryDim/2";
const INTERLEAVED = "use layout: 'interleaved' (it pairs channel 2i with 2i+1";
const KNOWN = '(known: headDim, rotaryDim, base, layout, scaling, cacheLimitBytes, numHeads, numKvHeads, mrope, freqFactors)';

describe('RopeConfig spelt as other libraries do', () => {
  let lib;
  beforeAll(async () => {
    lib = await loadRope({ simd: false });
  });

  const layouts = [
    ['neox', HALF], ['NeoX', HALF], ['gpt-neox', HALF], ['rotate_half', HALF],
    ['gptj', INTERLEAVED], ['gpt-j', INTERLEAVED], ['rotate_every_two', INTERLEAVED], ['interleave', INTERLEAVED],
  ];
  for (const [layout, hint] of layouts) {
    it(`layout ${JSON.stringify(layout)} is LAYOUT_INVALID saying which layout to use`, () => {
      const err = expectRopeError(() => lib.createRope({ headDim: 8, layout }), 'LAYOUT_INVALID',
        `config.layout must be one of "half", "interleaved", got ${JSON.stringify(layout)}: ${hint}`);
      expect(err.argument).toBe('config.layout');
      expect(err.value).toBe(layout);
      // configFromHF's options.layout says the same.
      const opt = expectRopeError(() => configFromHF({ model_type: 'llama', head_dim: 8 }, { layout }), 'LAYOUT_INVALID', hint);
      expect(opt.argument).toBe('options.layout');
    });
  }

  it('a layout no other library uses is still the plain LAYOUT_INVALID', () => {
    const err = expectRopeError(() => lib.createRope({ headDim: 8, layout: 'diagonal' }), 'LAYOUT_INVALID',
      'config.layout must be one of "half", "interleaved", got "diagonal"');
    expect(err.message).not.toContain('use layout');
  });

  const keys = [
    // [key, value, hint]
    ['is_neox_style', true, HALF],
    ['is_neox_style', false, INTERLEAVED],
    ['interleaved', true, INTERLEAVED],
    ['interleaved', false, HALF],
    ['rope_theta', 500000, 'use base'],
    ['head_dim', 128, 'use headDim'],
    ['rotary_dim', 64, 'use rotaryDim'],
    ['rope_scaling', { rope_type: 'linear', factor: 2 }, 'use scaling, with camelCase keys'],
  ];
  for (const [key, value, hint] of keys) {
    it(`key ${key}: ${JSON.stringify(value)} stays UNKNOWN_OPTION, saying what to use`, () => {
      const err = expectRopeError(() => lib.createRope({ headDim: 128, [key]: value }), 'UNKNOWN_OPTION',
        `config.${key} is not an option ${KNOWN}`, hint);
      expect(err.argument).toBe(`config.${key}`);
      expect(err.value).toBe(value);
    });
  }

  it('an unknown key without a known meaning keeps the plain message', () => {
    const err = expectRopeError(() => lib.createRope({ headDim: 8, warp: 9 }), 'UNKNOWN_OPTION', `config.warp is not an option ${KNOWN}, got 9`);
    expect(err.message).not.toContain('use ');
  });

  it('the values the hints name are accepted', () => {
    for (const layout of ['half', 'interleaved']) {
      const rope = lib.createRope({ headDim: 8, layout });
      expect(rope.layout).toBe(layout);
      rope.dispose();
    }
  });
});
