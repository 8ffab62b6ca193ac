#!/usr/bin/env bash
# Builds both wasm variants into dist/ and copies the JS package layer beside them.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's emcc runs its helper scripts with the system node, which needs this to find acorn.
export NODE_PATH="${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs"
build_dir=build-wasm
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  emcmake cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node >/dev/null
fi
cmake --build "$build_dir" -j 2
mkdir -p dist
cp bindings/js/*.js bindings/js/*.d.ts dist/
echo "built: $(ls dist | tr '\n' ' ')"
