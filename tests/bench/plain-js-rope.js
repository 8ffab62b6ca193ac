// RoPE in plain JavaScript, written the way a careful user would: frequencies once,
// cos/sin once per token (shared by its heads), then rotate every head in place.
export function plainJsRope(x, { headDim, rotaryDim = headDim, base = 10000, layout = 'half', numHeads, start = 0 }) {
  const pairs = rotaryDim / 2;
  const invFreq = new Float64Array(pairs);
  for (let i = 0; i < pairs; i++) invFreq[i] = 1 / Math.pow(base, (2 * i) / rotaryDim);
  const cos = new Float32Array(pairs);
  const sin = new Float32Array(pairs);
  const tokens = x.length / (numHeads * headDim);
  for (let t = 0; t < tokens; t++) {
    const pos = start + t;
    for (let i = 0; i < pairs; i++) {
      cos[i] = Math.cos(pos * invFreq[i]);
      sin[i] = Math.sin(pos * invFreq[i]);
    }
    for (let h = 0; h < numHeads; h++) {
      const off = (t * numHeads + h) * headDim;
      for (let i = 0; i < pairs; i++) {
        const a = layout === 'half' ? off + i : off + 2 * i;
        const b = layout === 'half' ? off + i + pairs : off + 2 * i + 1;
        const xa = x[a];
        const xb = x[b];
        x[a] = xa * cos[i] - xb * sin[i];
        x[b] = xb * cos[i] + xa * sin[i];
      }
    }
  }
}

// RoPE in plain JavaScript the way most users write it: a line-by-line port of Hugging
// Face's reference (rotary embedding module + apply_rotary_pos_emb): per call, the
// [tokens, rotaryDim] cos and sin tables (emb = cat(freqs, freqs)), then for every head
// q*cos + rotate_half(q)*sin, each step producing a new array.
export function hfPortRope(x, { headDim, base = 10000, layout = 'half', numHeads, start = 0 }) {
  const tokens = x.length / (numHeads * headDim);
  const half = headDim / 2;
  const invFreq = [];
  for (let i = 0; i < headDim; i += 2) invFreq.push(1 / Math.pow(base, i / headDim));
  const cos = [];
  const sin = [];
  for (let t = 0; t < tokens; t++) {
    const freqs = invFreq.map((f) => (start + t) * f);
    const emb = layout === 'half' ? freqs.concat(freqs) : freqs.flatMap((f) => [f, f]);
    cos.push(emb.map(Math.cos));
    sin.push(emb.map(Math.sin));
  }
  const rotate = layout === 'half'
    ? (v) => v.slice(half).map((e) => -e).concat(v.slice(0, half))
    : (v) => v.map((_, i) => (i % 2 === 0 ? -v[i + 1] : v[i - 1]));
  for (let t = 0; t < tokens; t++) {
    for (let h = 0; h < numHeads; h++) {
      const off = (t * numHeads + h) * headDim;
      const v = Array.from(x.subarray(off, off + headDim));
      const r = rotate(v);
      const out = v.map((e, i) => e * cos[t][i] + r[i] * sin[t][i]);
      x.set(out, off);
    }
  }
}
