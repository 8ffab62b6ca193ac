#!/usr/bin/env bash
# C consumers of rope-wasm, from clean temp dirs: installs the library (natively with GCC, and
# two Emscripten prefixes: baseline and -msimd128), builds examples/c-consumer against each
# install and runs it; compiles the README's C snippet as written; checks the package's
# version rule; builds consumers that pull rope-wasm in with add_subdirectory and FetchContent
# (source dir and git URL), natively (GCC, Clang; the threads test under ThreadSanitizer) and
# with Emscripten in the configurations
# wasm runtimes use (-msimd128 or not, -pthread, -fexceptions, -fwasm-exceptions), runs
# them, and records what Emscripten 3.1.6 refuses (-sMEMORY64=1; a -pthread program with a
# library built without it). Usage: tests/c/run.sh  (KEEP=1 keeps the temp dir)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export NODE_PATH="${NODE_PATH:+$NODE_PATH:}/usr/share/nodejs"
work="$(mktemp -d)"
if [ "${KEEP:-0}" = 1 ]; then echo "c: work dir $work"; else trap 'rm -rf "$work"' EXIT; fi
jobs=2
# A hung program (a live worker keeps Node up) fails the step instead of the whole run.
node_run=(timeout 120 /usr/bin/node --no-experimental-fetch)

step() { echo "-- c: $*"; }
quiet() {  # runs a command, showing its output only when it fails
  local log="$work/last.log"
  if ! "$@" >"$log" 2>&1; then tail -40 "$log" | cut -c1-400; echo "c: FAILED: $*"; exit 1; fi
}
run_checked() {  # runs a built consumer; its last line is shown
  local out
  out="$("$@" 2>&1)" || { echo "$out" | tail -20 | cut -c1-400; echo "c: FAILED: $*"; exit 1; }
  echo "   $(echo "$out" | tail -1)"
}
simd_ops() { wasm-objdump -d "$1" | grep -cE 'f32x4|v128' || true; }
expect_simd() {  # $1 wasm, $2 yes|no: whether SIMD instructions must be in it
  local n; n="$(simd_ops "$1")"
  if [ "$2" = yes ] && [ "$n" -eq 0 ]; then echo "c: FAILED: no SIMD instruction in $1"; exit 1; fi
  if [ "$2" = no ] && [ "$n" -ne 0 ]; then echo "c: FAILED: $n SIMD instructions in $1 (built without -msimd128)"; exit 1; fi
  echo "   $(basename "$1"): $n SIMD instructions (expected: $2)"
}

install_lib() {  # $1 name, rest: configure args (the library only: no dev targets)
  local name="$1"; shift
  quiet "$@" -S "$root" -B "$work/build-$name" -DCMAKE_BUILD_TYPE=Release -DROPE_DEV_TARGETS=OFF -DROPE_INSTALL=ON \
    -DCMAKE_INSTALL_PREFIX="$work/prefix-$name"
  quiet cmake --build "$work/build-$name" -j "$jobs"
  quiet cmake --install "$work/build-$name"
  for f in include/rope_wasm/rope.h include/rope_wasm/version.h lib/librope_wasm.a \
           lib/cmake/rope_wasm/rope_wasmConfig.cmake lib/cmake/rope_wasm/rope_wasmConfigVersion.cmake \
           lib/cmake/rope_wasm/rope_wasmTargets.cmake; do
    [ -f "$work/prefix-$name/$f" ] || { echo "c: FAILED: $f not installed"; exit 1; }
  done
}

# ---------------------------------------------------------------- native, installed
step "native install (GCC) to a prefix"
install_lib native cmake -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++
for cc in gcc clang; do
  cxx=$([ "$cc" = gcc ] && echo g++ || echo clang++)
  step "examples/c-consumer with $cc against the native install (find_package)"
  quiet cmake -S "$root/examples/c-consumer" -B "$work/example-$cc" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_PREFIX_PATH="$work/prefix-native" \
    -DCMAKE_C_FLAGS="-Wall -Wextra -Wpedantic -Werror"
  quiet cmake --build "$work/example-$cc"
  run_checked "$work/example-$cc/rope_c_consumer"
done

step "the README's C snippet, compiled as written (gcc -std=c99 -pedantic -Werror, no CMake)"
awk '/^```c$/{on=1; next} /^```$/{if(on){exit}} on' "$root/examples/c-consumer/README.md" >"$work/snippet.c"
[ -s "$work/snippet.c" ] || { echo "c: FAILED: no C snippet in examples/c-consumer/README.md"; exit 1; }
quiet gcc -std=c99 -Wall -Wextra -Wpedantic -Werror -I"$work/prefix-native/include" "$work/snippet.c" \
  -o "$work/snippet" -L"$work/prefix-native/lib" -lrope_wasm -lstdc++ -lm
run_checked "$work/snippet"

step "the header alone as C99, C11, C++11 and C++17 with every warning an error (GCC, Clang)"
printf '#include <rope_wasm/rope.h>\nint main(void) { return rope_version() == ROPE_WASM_VERSION ? 0 : 1; }\n' >"$work/header.c"
for cc in gcc clang; do
  for std in c99 c11; do
    quiet $cc -std=$std -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Werror -fsyntax-only -I"$work/prefix-native/include" -x c "$work/header.c"
  done
done
for cxx in g++ clang++; do
  for std in c++11 c++17; do
    quiet $cxx -std=$std -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Werror -Wold-style-cast -Wzero-as-null-pointer-constant -fsyntax-only -I"$work/prefix-native/include" \
      -x c++ "$work/header.c"
  done
done
echo "   ok"

step "the package's version rule (SameMinorVersion while 0.x)"
mkdir -p "$work/version"
for want in "0.1 found" "0.1.0 found" "0.0 missing" "0.2 missing" "1.0 missing"; do
  set -- $want
  cat >"$work/version/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.16)
project(v NONE)
find_package(rope_wasm $1 CONFIG QUIET)
if(rope_wasm_FOUND AND "$2" STREQUAL "missing")
  message(FATAL_ERROR "find_package(rope_wasm $1) accepted \${rope_wasm_VERSION}")
elseif(NOT rope_wasm_FOUND AND "$2" STREQUAL "found")
  message(FATAL_ERROR "find_package(rope_wasm $1) refused the install")
endif()
EOF
  quiet cmake -S "$work/version" -B "$work/version/build-$1" -DCMAKE_PREFIX_PATH="$work/prefix-native"
done
echo "   0.1 and 0.1.0 accepted; 0.0, 0.2 and 1.0 refused"

step "threads: four threads, one handle each, native -pthread against the install"
quiet gcc -std=c99 -pthread -Wall -Wextra -Werror -I"$work/prefix-native/include" "$root/tests/c/threads.c" \
  -o "$work/threads" -L"$work/prefix-native/lib" -lrope_wasm -lstdc++ -lm
run_checked "$work/threads"

# ---------------------------------------------------------------- native, from source
consumer() {  # $1 name, rest: configure command and args for tests/c/consumer
  local name="$1"; shift
  quiet "$@" -S "$root/tests/c/consumer" -B "$work/consumer-$name" -DCMAKE_BUILD_TYPE=Release
  quiet cmake --build "$work/consumer-$name" -j "$jobs"
}

step "add_subdirectory, native Clang"
consumer subdir-clang cmake -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DROPE_CONSUMER_MODE=subdir -DROPE_WASM_SOURCE_DIR="$root"
run_checked "$work/consumer-subdir-clang/rope_c_consumer"

step "threads under ThreadSanitizer: add_subdirectory, native Clang, library and program instrumented"
consumer tsan cmake -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DROPE_CONSUMER_MODE=subdir \
  -DROPE_WASM_SOURCE_DIR="$root" -DROPE_CONSUMER_THREADS=ON -DCMAKE_C_FLAGS="-fsanitize=thread -g -pthread" \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread -g" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread -pthread"
TSAN_OPTIONS="halt_on_error=1" run_checked "$work/consumer-tsan/rope_threads"

step "FetchContent from a git URL (file://, a commit of the tree under test), native GCC"
git_src="$work/rope-wasm-git"
mkdir -p "$git_src"
(cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$git_src")
quiet git -C "$git_src" init -q -b main
quiet git -C "$git_src" add -A
quiet git -C "$git_src" -c user.name=test -c user.email=test@example.invalid commit -q -m "tree under test"
consumer fetch-git cmake -DROPE_CONSUMER_MODE=fetch-git -DROPE_WASM_GIT_URL="file://$git_src"
run_checked "$work/consumer-fetch-git/rope_c_consumer"

# ---------------------------------------------------------------- Emscripten, installed
step "Emscripten install, baseline (no -msimd128), and the example against it"
install_lib wasm-baseline emcmake cmake
quiet emcmake cmake -S "$root/examples/c-consumer" -B "$work/example-wasm-baseline" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_FIND_ROOT_PATH="$work/prefix-wasm-baseline"
quiet cmake --build "$work/example-wasm-baseline"
run_checked "${node_run[@]}" "$work/example-wasm-baseline/rope_c_consumer.js"
expect_simd "$work/example-wasm-baseline/rope_c_consumer.wasm" no

step "Emscripten install with -msimd128, and the example against it"
install_lib wasm-simd emcmake cmake -DCMAKE_CXX_FLAGS=-msimd128
quiet emcmake cmake -S "$root/examples/c-consumer" -B "$work/example-wasm-simd" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_FIND_ROOT_PATH="$work/prefix-wasm-simd" -DCMAKE_C_FLAGS=-msimd128
quiet cmake --build "$work/example-wasm-simd"
run_checked "${node_run[@]}" "$work/example-wasm-simd/rope_c_consumer.js"
expect_simd "$work/example-wasm-simd/rope_c_consumer.wasm" yes

step "the baseline install linked into -fexceptions and -fwasm-exceptions programs"
for eh in -fexceptions -fwasm-exceptions; do
  quiet emcc -std=c99 $eh -O2 -I"$work/prefix-wasm-baseline/include" "$root/examples/c-consumer/main.c" \
    "$work/prefix-wasm-baseline/lib/librope_wasm.a" -o "$work/example-linked$eh.js"
  run_checked "${node_run[@]}" "$work/example-linked$eh.js"
done

step "-pthread programs (example, threads test) with the library built without -pthread"
# Emscripten 3.1.6's wasm-ld accepts these objects in a shared-memory module (the library
# has no global mutable state and no atomics of its own); a subproject build gets the
# program's -pthread anyway (below).
quiet emcc -std=c99 -pthread -O2 -I"$work/prefix-wasm-baseline/include" "$root/examples/c-consumer/main.c" \
  "$work/prefix-wasm-baseline/lib/librope_wasm.a" -o "$work/example-pthread-mixed.js"
run_checked "${node_run[@]}" "$work/example-pthread-mixed.js"
quiet emcc -std=c99 -pthread -sPTHREAD_POOL_SIZE=4 -sINITIAL_MEMORY=64MB -sEXIT_RUNTIME=1 -O2 -I"$work/prefix-wasm-baseline/include" "$root/tests/c/threads.c" \
  "$work/prefix-wasm-baseline/lib/librope_wasm.a" -o "$work/threads-pthread-mixed.js"
run_checked "${node_run[@]}" "$work/threads-pthread-mixed.js"

# ---------------------------------------------------------------- Emscripten, from source
wasm_consumer() {  # $1 name, $2 flags for compile and link, rest: extra configure args
  local name="$1" flags="$2"; shift 2
  consumer "$name" emcmake cmake -DROPE_CONSUMER_MODE=subdir -DROPE_WASM_SOURCE_DIR="$root" \
    -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" "$@"
}

step "add_subdirectory, Emscripten -msimd128 -pthread (threads test: -sPTHREAD_POOL_SIZE=4, 64 MB: a -pthread heap does not grow by default; EXIT_RUNTIME so the workers end with main)"
wasm_consumer pthread "-msimd128 -pthread" -DROPE_CONSUMER_THREADS=ON \
  -DCMAKE_EXE_LINKER_FLAGS="-msimd128 -pthread -sPTHREAD_POOL_SIZE=4 -sINITIAL_MEMORY=64MB -sEXIT_RUNTIME=1"
run_checked "${node_run[@]}" "$work/consumer-pthread/rope_c_consumer.js"
run_checked "${node_run[@]}" "$work/consumer-pthread/rope_threads.js"
expect_simd "$work/consumer-pthread/rope_c_consumer.wasm" yes

step "add_subdirectory, Emscripten -fexceptions (no -msimd128)"
wasm_consumer eh "-fexceptions"
run_checked "${node_run[@]}" "$work/consumer-eh/rope_c_consumer.js"
expect_simd "$work/consumer-eh/rope_c_consumer.wasm" no

step "FetchContent from the source dir, Emscripten -msimd128 -fwasm-exceptions"
consumer wasm-eh emcmake cmake -DROPE_CONSUMER_MODE=fetch-source -DROPE_WASM_SOURCE_DIR="$root" \
  -DCMAKE_C_FLAGS="-msimd128 -fwasm-exceptions" -DCMAKE_CXX_FLAGS="-msimd128 -fwasm-exceptions" \
  -DCMAKE_EXE_LINKER_FLAGS="-msimd128 -fwasm-exceptions"
run_checked "${node_run[@]}" "$work/consumer-wasm-eh/rope_c_consumer.js"
expect_simd "$work/consumer-wasm-eh/rope_c_consumer.wasm" yes

step "wasm64 (-sMEMORY64=1): the library compiles; linking is expected to fail with Debian's Emscripten 3.1.6"
printf '#include <rope_wasm/rope.h>\n_Static_assert(sizeof(size_t) == 8 && sizeof(void*) == 8, "wasm64");\n' >"$work/wasm64.c"
quiet emcc -std=c11 -sMEMORY64=1 -Wall -Werror -I"$root/include" -I"$work/prefix-native/include" -c "$work/wasm64.c" -o "$work/wasm64.o"
quiet emcmake cmake -S "$root/tests/c/consumer" -B "$work/consumer-mem64" -DCMAKE_BUILD_TYPE=Release \
  -DROPE_CONSUMER_MODE=subdir -DROPE_WASM_SOURCE_DIR="$root" -DCMAKE_C_FLAGS="-sMEMORY64=1" \
  -DCMAKE_CXX_FLAGS="-sMEMORY64=1" -DCMAKE_EXE_LINKER_FLAGS="-sMEMORY64=1"
if cmake --build "$work/consumer-mem64" -j "$jobs" >"$work/mem64.log" 2>&1; then
  # A toolchain that links wasm64: then the program must also run correctly.
  run_checked "${node_run[@]}" --experimental-wasm-memory64 "$work/consumer-mem64/rope_c_consumer.js"
else
  [ -f "$work/consumer-mem64/rope_wasm/librope_wasm.a" ] || { tail -20 "$work/mem64.log"; echo "c: FAILED: the library does not compile for wasm64"; exit 1; }
  why="$(grep -m1 -E '^Exception|error:' "$work/mem64.log" | cut -c1-300)"
  case "$why" in
    *FROZEN_CACHE*wasm64*) echo "   library compiled for wasm64 (size_t = 8); link blocked: $why" ;;
    *) tail -20 "$work/mem64.log"; echo "c: FAILED: wasm64 link failed for another reason than the packaged cache"; exit 1 ;;
  esac
fi
echo "c: all consumers built and ran"
