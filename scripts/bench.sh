#!/usr/bin/env bash
# Benchmarks in Node: rope-wasm (both builds, both layouts) against the memory ceiling and plain JS.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
node tests/bench/bench.js "$@"
