// A minimal protobuf writer for the one-node ONNX models the tests and the benchmark build
// in code (no Python or onnx package): varints, length-delimited fields, fixed32 floats.

export function varint(n) {
  const out = [];
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n; // int64 two's complement
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}
export const key = (field, wire) => varint((field << 3) | wire);
export function concat(parts) {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
export const int = (field, n) => Uint8Array.from([...key(field, 0), ...varint(n)]);
export const bytes = (field, b) => concat([Uint8Array.from([...key(field, 2), ...varint(b.length)]), b]);
export const str = (field, s) => bytes(field, new TextEncoder().encode(s));
export const msg = (field, parts) => bytes(field, concat(parts));
export function float32(field, f) {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, f, true);
  return concat([Uint8Array.from(key(field, 5)), b]);
}
