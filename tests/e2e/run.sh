#!/usr/bin/env bash
# End-to-end tests of the explainer page: builds the package (if dist/ is missing) and the
# page, serves web/dist on 127.0.0.1 on a free port, runs the Playwright checks in Debian's
# Chromium, prints where the screenshots are, and stops the server.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"

if [ ! -f dist/index.js ] || [ ! -f dist/rope-simd.wasm ] || [ ! -f dist/rope-baseline.wasm ]; then
  bash scripts/build-wasm.sh
fi
node node_modules/vite/bin/vite.js build --config web/vite.config.js --logLevel warn

port="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
log="$(mktemp)"
node node_modules/vite/bin/vite.js preview --config web/vite.config.js --host 127.0.0.1 --port "$port" --strictPort >"$log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT

url="http://127.0.0.1:${port}/"
for _ in $(seq 1 100); do
  if node -e "fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" "$url"; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then cat "$log"; echo "e2e: the preview server exited" >&2; exit 1; fi
  sleep 0.1
done

shots="${E2E_SCREENSHOTS:-$root/tests/e2e/screenshots}"
mkdir -p "$shots"
find "$shots" -maxdepth 1 -name '*.png' -delete
echo "e2e: serving $url"
status=0
E2E_URL="$url" E2E_SCREENSHOTS="$shots" node --test --test-concurrency=1 --test-reporter=spec tests/e2e/explainer.test.mjs || status=$?
echo "e2e: screenshots in $shots"
exit "$status"
