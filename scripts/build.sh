#!/usr/bin/env bash
# Builds the npm package into dist/: both wasm builds, their glue, the JS layer and types.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-wasm.sh
