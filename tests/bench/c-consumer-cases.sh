#!/usr/bin/env bash
# Builds npm run bench's C consumer (tests/bench/c-consumer-cases.c) as a user of the C
# library builds it for the browser (examples/c-consumer/README.md, "With Emscripten"):
# installs rope-wasm with emcmake, Release, -DCMAKE_CXX_FLAGS=-msimd128, then compiles the
# program with -O3 -msimd128 against the install, as a module the benchmark loads (no main).
# Output: build-bench-consumer/c-consumer-cases.cjs
# (incremental: reruns only what changed). Prints the reason and exits 1 when it cannot.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/build-bench-consumer"
export NODE_PATH="${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs"   # Debian's emcc needs it
command -v emcmake >/dev/null && command -v emcc >/dev/null || { echo "emcmake/emcc not found (scripts/setup.sh installs Emscripten)"; exit 1; }
mkdir -p "$out"
log="$out/build.log"
run() { "$@" >>"$log" 2>&1 || { tail -20 "$log" >&2; echo "failed: $*"; exit 1; }; }
: >"$log"
run emcmake cmake -S "$root" -B "$out/lib" -DCMAKE_BUILD_TYPE=Release -DROPE_DEV_TARGETS=OFF -DROPE_INSTALL=ON \
  -DCMAKE_CXX_FLAGS=-msimd128 -DCMAKE_INSTALL_PREFIX="$out/prefix"
run cmake --build "$out/lib" -j 2
run cmake --install "$out/lib"
run emcc -std=c11 -O3 -msimd128 -Wall -Wextra -Werror -I"$out/prefix/include" "$root/tests/bench/c-consumer-cases.c" \
  "$out/prefix/lib/librope_wasm.a" --no-entry -sENVIRONMENT=node -sALLOW_MEMORY_GROWTH=1 -sMODULARIZE=1 -sEXPORT_NAME=createCConsumer \
  -sNODEJS_CATCH_EXIT=0 -sNODEJS_CATCH_REJECTION=0 \
  -sEXPORTED_FUNCTIONS=_cc_prepare,_cc_sample_ms,_cc_simd128 -o "$out/c-consumer-cases.cjs"
echo "$out/c-consumer-cases.cjs"
