// A port of ggml's CPU RoPE (ggml_rope_ext, modes NORMAL and NEOX) to JavaScript, from ggml's
// source at ggml-org/ggml d99724f2b141fed9e1a9f402213506c081433465 (2026-08-21):
//
//   src/ggml.c          ggml_rope_yarn_corr_dim, ggml_rope_yarn_corr_dims       (l. 4369-4384)
//   src/ggml-cpu/ops.cpp rope_yarn_ramp, rope_yarn, ggml_rope_cache_init,
//                        rotate_pairs, ggml_compute_forward_rope_flt             (l. 5822-6098)
//
// Two precisions:
// - 'f32': every step that ggml does in `float` is rounded with Math.fround, as the C code
//   rounds it (one rounding per operation; logf/powf/cosf/sinf as the correctly rounded
//   float of the float64 result, which glibc's float functions match to within an ulp).
//   The parameters are rounded to float as ggml_rope_impl stores them in op_params.
// - 'f64': the same operations in float64, the parameters as given (freq factors are read
//   from whatever array is passed, a Float32Array in practice, as ggml's F32 tensor holds them).
//   This variant isolates the mapping (are the parameters right?) from ggml's float32 angles.
//
// Only what ggml_rope_ext does on the CPU is ported: positions one per token, a row of
// ne0 = headDim channels per head, n_dims rotated (NORMAL: pairs (2i, 2i+1); NEOX: pairs
// (i, i + n_dims/2)), the channels past n_dims copied; forward or backward (sin_sign).
// This is test code: the expected values of tests/js/ggml-export.test.js come from here.

const M_PI = Math.PI;
export const GGML_ROPE_TYPE_NORMAL = 0;
export const GGML_ROPE_TYPE_NEOX = 2;

function ops(precision) {
  if (precision !== 'f32' && precision !== 'f64') throw new Error(`precision must be 'f32' or 'f64', got ${precision}`);
  const f32 = precision === 'f32';
  const F = f32 ? Math.fround : (v) => v;
  return {
    F,
    logf: (x) => F(Math.log(F(x))),
    powf: (x, y) => F(Math.pow(F(x), F(y))),
    cosf: (x) => F(Math.cos(F(x))),
    sinf: (x) => F(Math.sin(F(x))),
  };
}

// ggml.c:
// static float ggml_rope_yarn_corr_dim(int n_dims, int n_ctx_orig, float n_rot, float base) {
//     return n_dims * logf(n_ctx_orig / (n_rot * 2 * (float)M_PI)) / (2 * logf(base));
// }
export function ropeYarnCorrDim(nDims, nCtxOrig, nRot, base, precision = 'f32') {
  const { F, logf } = ops(precision);
  const denom = F(F(F(nRot) * 2) * F(M_PI)); // n_rot * 2 * (float)M_PI, left to right in float
  const ratio = F(nCtxOrig / denom); // int / float -> float
  return F(F(nDims * logf(ratio)) / F(2 * logf(base)));
}

// ggml.c ggml_rope_yarn_corr_dims: floor / ceil, then clamped to [0, n_dims - 1].
export function ropeYarnCorrDims(nDims, nCtxOrig, freqBase, betaFast, betaSlow, precision = 'f32') {
  const start = Math.floor(ropeYarnCorrDim(nDims, nCtxOrig, betaFast, freqBase, precision));
  const end = Math.ceil(ropeYarnCorrDim(nDims, nCtxOrig, betaSlow, freqBase, precision));
  return [Math.max(0, start), Math.min(nDims - 1, end)];
}

// ops.cpp:
// static float rope_yarn_ramp(const float low, const float high, const int i0) {
//     const float y = (i0 / 2 - low) / MAX(0.001f, high - low);
//     return 1 - MIN(1, MAX(0, y));
// }
export function ropeYarnRamp(low, high, i0, precision = 'f32') {
  const { F } = ops(precision);
  const half = Math.trunc(i0 / 2); // integer division
  const y = F(F(half - low) / Math.max(F(0.001), F(high - low)));
  return F(1 - Math.min(1, Math.max(0, y)));
}

// ops.cpp rope_yarn: returns [cos_theta, sin_theta].
export function ropeYarn(thetaExtrap, freqScale, corrDims, i0, extFactor, mscale, precision = 'f32') {
  const { F, logf, cosf, sinf } = ops(precision);
  const thetaInterp = F(freqScale * thetaExtrap);
  let theta = thetaInterp;
  let m = mscale;
  if (extFactor !== 0) {
    const rampMix = F(ropeYarnRamp(corrDims[0], corrDims[1], i0, precision) * extFactor);
    theta = F(F(thetaInterp * F(1 - rampMix)) + F(thetaExtrap * rampMix));
    // Get n-d magnitude scaling corrected for interpolation
    m = F(m * F(1 + F(F(0.1) * logf(F(1 / freqScale)))));
  }
  return [F(cosf(theta) * m), F(sinf(theta) * m)];
}

// ops.cpp ggml_rope_cache_init: theta = p, then per pair theta/ff -> rope_yarn, theta *= theta_scale.
// The loop runs over the whole row (i0 < ne0) as ggml's does; only the first n_dims entries are
// read by rotate_pairs (ggml reads freq_factors[i0/2] past n_dims/2 too; those values are unused,
// so here a missing entry counts as 1).
export function ropeCacheInit(thetaBase, freqScale, freqFactors, corrDims, ne0, extFactor, mscale, sinSign, thetaScale, precision = 'f32') {
  const { F } = ops(precision);
  const cache = new Float64Array(ne0);
  let theta = F(thetaBase);
  for (let i0 = 0; i0 < ne0; i0 += 2) {
    const ff = freqFactors && i0 / 2 < freqFactors.length ? F(freqFactors[i0 / 2]) : 1;
    const [c, s] = ropeYarn(F(theta / ff), freqScale, corrDims, i0, extFactor, mscale, precision);
    cache[i0] = c;
    cache[i0 + 1] = F(s * sinSign);
    theta = F(theta * thetaScale);
  }
  return cache;
}

// ops.cpp rotate_pairs<float>(n, n_offset, cache, src, dst, scale): NORMAL passes (n_dims, 1, ..., 1),
// NEOX (n_dims, n_dims/2, ..., 2).
export function rotatePairs(n, nOffset, cache, src, srcOff, dst, dstOff, scale, precision = 'f32') {
  const { F } = ops(precision);
  for (let i0 = 0; i0 < n; i0 += 2) {
    const ic = Math.trunc(i0 / scale);
    const cosTheta = cache[i0];
    const sinTheta = cache[i0 + 1];
    const x0 = src[srcOff + ic];
    const x1 = src[srcOff + ic + nOffset];
    dst[dstOff + ic] = F(F(x0 * cosTheta) - F(x1 * sinTheta));
    dst[dstOff + ic + nOffset] = F(F(x0 * sinTheta) + F(x1 * cosTheta));
  }
}

/**
 * ggml_rope_ext on the CPU (ggml_compute_forward_rope_flt<float>), for a tensor
 * x = [tokens][heads][headDim] (ne0 = headDim, ne1 = heads, ne2 = tokens) and one position per
 * token. params are ggml_rope_ext's arguments as toGGML returns them:
 * { mode, nDims, nCtxOrig, freqBase, freqScale, extFactor, attnFactor, betaFast, betaSlow, freqFactors }.
 * Returns a new Float32Array ('f32') or Float64Array ('f64'); `forward: false` is ggml_rope_ext_back.
 */
export function ggmlRopeExt(x, { headDim, numHeads, positions }, params, { precision = 'f32', forward = true } = {}) {
  const { F, powf } = ops(precision);
  const { mode, nDims, nCtxOrig } = params;
  if (mode !== GGML_ROPE_TYPE_NORMAL && mode !== GGML_ROPE_TYPE_NEOX) throw new Error(`ggml_rope_ext port: mode ${mode} is not NORMAL or NEOX`);
  if (!(nDims <= headDim) || nDims % 2 !== 0) throw new Error(`ggml_rope_ext port: n_dims ${nDims} (GGML_ASSERT n_dims <= ne0, n_dims % 2 == 0)`);
  if (params.freqFactors && params.freqFactors.length < nDims / 2) throw new Error('ggml_rope_ext port: freq_factors ne[0] < n_dims / 2');
  // op_params hold floats (ggml_rope_impl memcpys each float argument).
  const freqBase = F(params.freqBase);
  const freqScale = F(params.freqScale);
  const extFactor = F(params.extFactor);
  const attnFactor = F(params.attnFactor);
  const betaFast = F(params.betaFast);
  const betaSlow = F(params.betaSlow);
  const ne0 = headDim;
  const tokens = x.length / (numHeads * headDim);
  const out = precision === 'f32' ? new Float32Array(x.length) : new Float64Array(x.length);

  const thetaScale = powf(freqBase, F(-2 / nDims)); // powf(freq_base, -2.0f/n_dims)
  const corrDims = ropeYarnCorrDims(nDims, nCtxOrig, freqBase, betaFast, betaSlow, precision);
  const sinSign = forward ? 1 : -1;

  for (let i2 = 0; i2 < tokens; i2++) {
    const p = positions[i2];
    const cache = ropeCacheInit(p, freqScale, params.freqFactors, corrDims, ne0, extFactor, attnFactor, sinSign, thetaScale, precision);
    for (let i1 = 0; i1 < numHeads; i1++) {
      const off = (i2 * numHeads + i1) * headDim;
      if (mode === GGML_ROPE_TYPE_NORMAL) rotatePairs(nDims, 1, cache, x, off, out, off, 1, precision);
      else rotatePairs(nDims, nDims / 2, cache, x, off, out, off, 2, precision);
      // fill the remaining channels with data from src
      for (let i0 = nDims; i0 < ne0; i0++) out[off + i0] = x[off + i0];
    }
  }
  return out;
}
