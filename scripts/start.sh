#!/usr/bin/env bash
# The main job: build the package and the explainer page, then serve it on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
npx vite build --config web/vite.config.js --logLevel warn
port="${PORT:-5173}"
echo "rope-wasm explainer: http://127.0.0.1:${port}/"
exec npx vite preview --config web/vite.config.js --host 127.0.0.1 --port "$port" --strictPort
