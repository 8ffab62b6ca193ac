// A few integer tensor operations with torch's semantics, so the Hugging Face code in this
// folder can be ported line by line. Tensors are { shape, data } with row-major `data`
// (plain numbers: float64, exact for every integer these tests use). Test-only; shares no code
// with bindings/js.

export function tensor(data, shape = [data.length]) {
  if (numel(shape) !== data.length) throw new Error(`tensor: ${data.length} values for shape [${shape}]`);
  return { shape: [...shape], data: [...data] };
}

export function numel(shape) {
  return shape.reduce((a, b) => a * b, 1);
}

function strides(shape) {
  const s = new Array(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

function unravel(index, shape) {
  const idx = new Array(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = index % shape[d];
    index = Math.floor(index / shape[d]);
  }
  return idx;
}

/** torch.arange(n) */
export function arange(n) {
  return tensor(Array.from({ length: n }, (_, i) => i));
}

/** t.reshape(shape) / t.view(shape); one -1 allowed. */
export function reshape(t, shape) {
  const n = numel(t.shape);
  const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const out = shape.map((d) => (d === -1 ? n / known : d));
  if (numel(out) !== n) throw new Error(`reshape: [${t.shape}] to [${shape}]`);
  return { shape: out, data: t.data };
}

/** t.flatten() */
export function flatten(t) {
  return { shape: [numel(t.shape)], data: t.data };
}

/** t.unsqueeze(dim) */
export function unsqueeze(t, dim) {
  const shape = [...t.shape];
  shape.splice(dim < 0 ? shape.length + dim + 1 : dim, 0, 1);
  return { shape, data: t.data };
}

/** t.permute(dims) (made contiguous). */
export function permute(t, dims) {
  const inStrides = strides(t.shape);
  const outShape = dims.map((d) => t.shape[d]);
  const data = new Array(t.data.length);
  for (let i = 0; i < data.length; i++) {
    const idx = unravel(i, outShape);
    let src = 0;
    for (let d = 0; d < dims.length; d++) src += idx[d] * inStrides[dims[d]];
    data[i] = t.data[src];
  }
  return { shape: outShape, data };
}

/** t.transpose(a, b) */
export function transpose(t, a, b) {
  const dims = t.shape.map((_, i) => i);
  [dims[a], dims[b]] = [dims[b], dims[a]];
  return permute(t, dims);
}

/** t.expand(shape): size-1 dims broadcast, -1 keeps; new leading dims allowed. */
export function expand(t, shape) {
  const lead = shape.length - t.shape.length;
  const src = [...new Array(lead).fill(1), ...t.shape];
  const out = shape.map((d, i) => (d === -1 ? src[i] : d));
  out.forEach((d, i) => {
    if (src[i] !== 1 && src[i] !== d) throw new Error(`expand: [${t.shape}] to [${shape}]`);
  });
  const inStrides = strides(src);
  const data = new Array(numel(out));
  for (let i = 0; i < data.length; i++) {
    const idx = unravel(i, out);
    let s = 0;
    for (let d = 0; d < out.length; d++) if (src[d] !== 1) s += idx[d] * inStrides[d];
    data[i] = t.data[s];
  }
  return { shape: out, data };
}

/** Elementwise t + x (x a number). */
export function add(t, x) {
  return { shape: t.shape, data: t.data.map((v) => v + x) };
}

/** Elementwise t * x (x a number). */
export function mul(t, x) {
  return { shape: t.shape, data: t.data.map((v) => v * x) };
}

/** torch.meshgrid(*ts, indexing="ij") for 1-D tensors. */
export function meshgrid(ts) {
  const shape = ts.map((t) => t.shape[0]);
  return ts.map((t, k) => {
    const data = new Array(numel(shape));
    for (let i = 0; i < data.length; i++) data[i] = t.data[unravel(i, shape)[k]];
    return { shape, data };
  });
}

/** torch.stack(ts, dim) */
export function stack(ts, dim) {
  const inner = ts[0].shape;
  const d = dim < 0 ? inner.length + 1 + dim : dim;
  const shape = [...inner.slice(0, d), ts.length, ...inner.slice(d)];
  const data = new Array(numel(shape));
  for (let i = 0; i < data.length; i++) {
    const idx = unravel(i, shape);
    const which = idx[d];
    const rest = [...idx.slice(0, d), ...idx.slice(d + 1)];
    let s = 0;
    const st = strides(inner);
    for (let k = 0; k < rest.length; k++) s += rest[k] * st[k];
    data[i] = ts[which].data[s];
  }
  return { shape, data };
}

/** torch.cat(ts, dim) */
export function cat(ts, dim) {
  const shape = [...ts[0].shape];
  shape[dim] = ts.reduce((a, t) => a + t.shape[dim], 0);
  const data = new Array(numel(shape));
  const offsets = [];
  let acc = 0;
  for (const t of ts) {
    offsets.push(acc);
    acc += t.shape[dim];
  }
  for (let i = 0; i < data.length; i++) {
    const idx = unravel(i, shape);
    let k = ts.length - 1;
    while (offsets[k] > idx[dim]) k--;
    const local = [...idx];
    local[dim] -= offsets[k];
    const st = strides(ts[k].shape);
    let s = 0;
    for (let q = 0; q < local.length; q++) s += local[q] * st[q];
    data[i] = ts[k].data[s];
  }
  return { shape, data };
}

/** t.repeat(*reps) (tiling). */
export function repeat(t, reps) {
  const lead = reps.length - t.shape.length;
  const src = [...new Array(lead).fill(1), ...t.shape];
  const shape = src.map((d, i) => d * reps[i]);
  const st = strides(src);
  const data = new Array(numel(shape));
  for (let i = 0; i < data.length; i++) {
    const idx = unravel(i, shape);
    let s = 0;
    for (let d = 0; d < shape.length; d++) s += (idx[d] % src[d]) * st[d];
    data[i] = t.data[s];
  }
  return { shape, data };
}

/** t.max() */
export function max(t) {
  return t.data.reduce((a, b) => Math.max(a, b), -Infinity);
}

/** Row `i` of a 2-D tensor as a plain array. */
export function row(t, i) {
  const w = t.shape[1];
  return t.data.slice(i * w, (i + 1) * w);
}

/** Python's itertools.groupby over enumerate(list) keyed on the value: [key, [[i, v], ...]]. */
export function groupbyEnumerate(list) {
  const groups = [];
  list.forEach((v, i) => {
    const last = groups[groups.length - 1];
    if (last && last[0] === v) last[1].push([i, v]);
    else groups.push([v, [[i, v]]]);
  });
  return groups;
}
