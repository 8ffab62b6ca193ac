// Compiled by pack-test.sh with lib esnext.disposable only: a Rope and a RopeBuffer are
// Disposable, so `using` frees them.
import { loadRope } from 'rope-wasm';

async function main(): Promise<void> {
  const lib = await loadRope();
  using rope = lib.createRope({ headDim: 64 });
  using buf = lib.alloc(64);
  rope.apply(buf, { numHeads: 1 });
  const d: Disposable = rope;
  void d;
}
void main;
