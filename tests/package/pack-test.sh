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

# Types: the hand-written .d.ts, compiled as users' TypeScript would see it, with library
# checks on (skipLibCheck false), under each lib a user may have: es2020/es2022/es2023/esnext,
# each with and without dom and esnext.disposable, for Node (nodenext) and for bundlers
# (esnext + bundler resolution), and with @types/node instead of dom. types-check.ts needs
# only es2020; the dom and disposable checks join where their lib is there. TSC=/path/to/tsc
# runs the matrix with another TypeScript (it passes with 5.9 too; 5.0/5.1 lack esnext.disposable).
cp "$root"/tests/package/types-check*.ts .
tsc="${TSC:-$root/node_modules/.bin/tsc}"
echo "tsc $("$tsc" --version)"
type_configs=0
type_failures=0
check_types() {  # target lib module moduleResolution [extra tsc options...]
  local target="$1" lib="$2" module="$3" resolution="$4"
  shift 4
  local files=(types-check.ts)
  case ",$lib," in *,dom,*) files+=(types-check-dom.ts) ;; esac
  case ",$lib,$*" in *,esnext.disposable,* | *,esnext,* | *"--types node"*) files+=(types-check-disposable.ts) ;; esac
  type_configs=$((type_configs + 1))
  if ! "$tsc" --noEmit --strict --skipLibCheck false --target "$target" --lib "$lib" \
      --module "$module" --moduleResolution "$resolution" "$@" "${files[@]}"; then
    echo "types: FAILED with --target $target --lib $lib --module $module --moduleResolution $resolution $* (${files[*]})"
    type_failures=$((type_failures + 1))
  fi
}
for modules in "nodenext nodenext" "esnext bundler"; do
  set -- $modules
  for base in es2020:es2020 es2022:es2022 es2022:es2023 esnext:esnext; do
    target="${base%%:*}"
    es="${base#*:}"
    for extra in "" ",dom" ",esnext.disposable" ",dom,esnext.disposable"; do
      check_types "$target" "$es$extra" "$1" "$2"
    done
  done
  # A Node project: @types/node (which brings esnext.disposable itself) and no dom.
  check_types es2022 es2022 "$1" "$2" --typeRoots "$root/node_modules/@types" --types node
  check_types es2020 es2020,dom "$1" "$2" --typeRoots "$root/node_modules/@types" --types node
done
if [ "$type_failures" -ne 0 ]; then
  echo "types: $type_failures of $type_configs tsc configurations failed"
  exit 1
fi
echo "types: ok ($type_configs tsc configurations, skipLibCheck false)"

# Bundler: Vite must emit both wasm builds and the glue.
mkdir -p site
cat > site/index.html <<'HTML'
<!doctype html><script type="module">import { loadRope } from 'rope-wasm'; loadRope().then((l) => { document.title = String(l.simd); });</script>
HTML
NODE_PATH="$root/node_modules" "$root/node_modules/.bin/vite" build site --outDir ../dist-site --emptyOutDir --logLevel error
ls dist-site/assets | grep -q 'rope-simd.*\.wasm$' || { echo "vite did not emit rope-simd.wasm"; exit 1; }
ls dist-site/assets | grep -q 'rope-baseline.*\.wasm$' || { echo "vite did not emit rope-baseline.wasm"; exit 1; }
echo "vite bundle: ok ($(ls dist-site/assets | tr '\n' ' '))"
