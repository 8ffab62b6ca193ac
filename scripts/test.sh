#!/usr/bin/env bash
# Every test: native C++ (GoogleTest via ctest: plain, under ASan/UBSan, and built to wasm),
# C consumers of the CMake package (tests/c/run.sh), a short libFuzzer run, the JS API on
# both wasm builds (Vitest), the packed package imported from an empty folder, the examples
# (examples/*: kv-cache-decode, browser-worker), and the explainer page (unit tests, and end to end in Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
bash scripts/build-wasm.sh

echo "== native tests"
cmake -S . -B build-native -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-native -j 2
ctest --test-dir build-native --output-on-failure -j 2

echo "== native tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DROPE_SANITIZE=ON -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build build-asan -j 2
ctest --test-dir build-asan --output-on-failure -j 2

echo "== C consumers: install + find_package, add_subdirectory, FetchContent; native (GCC, Clang) and Emscripten"
bash tests/c/run.sh

echo "== fuzz: libFuzzer over the core (ASan + UBSan): corpus replay + 30 s"
bash scripts/fuzz-short.sh

echo "== the same GoogleTest suite built to wasm (SIMD and baseline), run in Node"
NODE_PATH="${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs" cmake --build build-wasm -j 2 --target rope_wasm_tests_simd rope_wasm_tests_baseline
ctest --test-dir build-wasm --output-on-failure

echo "== JS API (Vitest, both wasm builds)"
npx vitest run --config tests/js/vitest.config.js

echo "== package: npm pack, install in an empty folder, import"
bash tests/package/pack-test.sh

echo "== docs: every js/ts code block of README.md and docs/*.md runs, links resolve, API listing = index.d.ts"
node tests/docs/run-docs.mjs

echo "== examples: kv-cache-decode (Vitest, against a float64 layer) and browser-worker (Vite build, Chromium)"
npx vitest run --config tests/examples/vitest.config.js
node tests/examples/browser-worker.mjs

echo "== explainer page: unit tests (Vitest)"
npx vitest run --config tests/web/vitest.config.js

echo "== explainer page: end to end in Chromium (playwright-core)"
bash tests/e2e/run.sh
