#!/usr/bin/env bash
# The package as users get it: npm pack, install the tarball in an empty folder, import it
# from Node by name, type-check against its .d.ts, and bundle it with Vite (both .wasm
# files must be emitted as assets).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
tarball="$(npm pack --silent --pack-destination "$work" 2>/dev/null | tail -n 1)"
echo "packed: $tarball ($(du -k "$work/$tarball" | cut -f1) KiB)"
tar -tzf "$work/$tarball" | sort > "$work/files.txt"
for f in package/dist/index.js package/dist/index.d.ts package/dist/rope-simd.wasm package/dist/rope-baseline.wasm \
         package/dist/rope-simd.mjs package/dist/rope-baseline.mjs package/README.md; do
  grep -qx "$f" "$work/files.txt" || { echo "missing from the tarball: $f"; exit 1; }
done
if grep -qE '^package/(src|tests|web|bindings)/' "$work/files.txt"; then
  echo "the tarball ships sources it should not:"; grep -E '^package/(src|tests|web|bindings)/' "$work/files.txt"; exit 1
fi

mkdir -p "$work/app"
cd "$work/app"
echo '{"name":"consumer","private":true,"type":"module"}' > package.json
npm install --silent --no-audit --no-fund "$work/$tarball" >/dev/null
cp "$root/tests/package/consumer.mjs" .
node consumer.mjs

# Types: the hand-written .d.ts, compiled as a user's TypeScript would see it.
cp "$root/tests/package/types-check.ts" .
"$root/node_modules/.bin/tsc" --noEmit --strict --target es2022 --module nodenext --moduleResolution nodenext \
  --lib es2022,dom,esnext.disposable types-check.ts
echo "types: ok"

# Bundler: Vite must emit both wasm builds and the glue.
mkdir -p site
cat > site/index.html <<'HTML'
<!doctype html><script type="module">import { loadRope } from 'rope-wasm'; loadRope().then((l) => { document.title = String(l.simd); });</script>
HTML
NODE_PATH="$root/node_modules" "$root/node_modules/.bin/vite" build site --outDir ../dist-site --emptyOutDir --logLevel error
ls dist-site/assets | grep -q 'rope-simd.*\.wasm$' || { echo "vite did not emit rope-simd.wasm"; exit 1; }
ls dist-site/assets | grep -q 'rope-baseline.*\.wasm$' || { echo "vite did not emit rope-baseline.wasm"; exit 1; }
echo "vite bundle: ok ($(ls dist-site/assets | tr '\n' ' '))"
