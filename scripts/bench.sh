#!/usr/bin/env bash
# npm run bench: builds the package and the native benchmark, then runs the benchmark in
# Node, Chromium (playwright-core + Debian's chromium) and natively (and the native calls
# compiled to wasm, timed inside wasm), printing one table.
# Pass --no-browser / --no-native to skip an environment.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test >/dev/null
bash scripts/build-wasm.sh >/dev/null
cmake -S . -B build-native -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-native -j 2 --target rope_native_bench >/dev/null
# The native benchmark's calls compiled to wasm, timed inside wasm (kernel-to-kernel ratio).
NODE_PATH="${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs" cmake --build build-wasm -j 2 --target rope_wasm_kernel_bench >/dev/null
node tests/bench/bench.js "$@"
