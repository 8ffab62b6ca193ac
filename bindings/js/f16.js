// float32 -> float16 / bfloat16 bit patterns, rounded to nearest, ties to even (IEEE 754
// roundTiesToEven), as onnxruntime and PyTorch convert. NaN stays NaN (quiet, sign kept);
// values past the format's range become +-Inf. Inputs are float32 bit patterns (read from a
// Float32Array through a Uint32Array view of the same bytes), so no double rounding occurs.

/** float32 bits -> IEEE binary16 bits (round to nearest even; overflow to Inf; subnormals kept). */
export function f32BitsToF16Bits(bits) {
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) {
    // Inf stays Inf; NaN stays NaN: the top mantissa bits are kept and the quiet bit set, so
    // a payload only in the low 13 bits does not turn into Inf.
    return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13);
  }
  // The binary16 biased exponent this value would have as a normal number.
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // >= 2^16: past 65504 + half an ulp, Inf
  if (e >= 1) {
    // Normal: drop 13 mantissa bits, round to nearest even. A carry out of the mantissa
    // increments the exponent (and 0x7bff + carry = 0x7c00, Inf: overflow by rounding).
    let h = (e << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h += 1;
    return sign | h;
  }
  // Subnormal binary16 (or zero): the result is m * 2^-24, m an integer in [0, 1024]. The
  // float32 value is sig * 2^(exp - 150) (sig with its implicit bit), so m is sig * 2^(exp -
  // 126) rounded: sig shifted right by 126 - exp = 14 - e bits, rounded to nearest even.
  if (exp === 0) return sign; // float32 subnormals are < 2^-126, far below half of 2^-24
  const sig = mant | 0x800000;
  const shift = 14 - e; // >= 14
  if (shift > 24) return sign; // below 2^-25, half the smallest subnormal: +-0
  const m = sig >>> shift;
  const dropped = sig & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  let h = m;
  if (dropped > half || (dropped === half && (m & 1) === 1)) h += 1; // may carry into 0x400: the smallest normal
  return sign | h;
}

/** float32 bits -> bfloat16 bits (the top 16 bits, rounded to nearest even; NaN stays NaN). */
export function f32BitsToBf16Bits(bits) {
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) & 0xffff) | 0x0040; // NaN, quiet
  // Adding 0x7fff plus the lowest kept bit rounds to nearest even; a carry runs into the
  // exponent (the largest finite values round up to Inf, as IEEE rounding says).
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** A Float32Array's values as float16 bit patterns (Uint16Array of the same length). */
export function toFloat16Bits(f32, out = new Uint16Array(f32.length), offset = 0) {
  const u = new Uint32Array(f32.buffer, f32.byteOffset, f32.length);
  for (let i = 0; i < u.length; i++) out[offset + i] = f32BitsToF16Bits(u[i]);
  return out;
}

/** A Float32Array's values as bfloat16 bit patterns (Uint16Array of the same length). */
export function toBfloat16Bits(f32, out = new Uint16Array(f32.length), offset = 0) {
  const u = new Uint32Array(f32.buffer, f32.byteOffset, f32.length);
  for (let i = 0; i < u.length; i++) out[offset + i] = f32BitsToBf16Bits(u[i]);
  return out;
}
