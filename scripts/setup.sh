#!/usr/bin/env bash
# Installs what the build and tests need and is missing: Debian packages (as root) and
# the npm dev dependencies (npm ci). Usage: setup.sh [--test]  (--test adds test-only tools)
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=()
command -v emcc >/dev/null || pkgs+=(emscripten)
command -v cmake >/dev/null || pkgs+=(cmake)
command -v g++ >/dev/null || pkgs+=(g++)
command -v make >/dev/null || pkgs+=(make)
if [ "${1:-}" = "--test" ]; then
  [ -f /usr/include/gtest/gtest.h ] || pkgs+=(libgtest-dev)
  [ -f /usr/include/benchmark/benchmark.h ] || pkgs+=(libbenchmark-dev)
  command -v clang++ >/dev/null || pkgs+=(clang)
  ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1 || pkgs+=(libclang-rt-14-dev)
  command -v wasm-objdump >/dev/null || pkgs+=(wabt)
  [ -x /usr/bin/chromium ] || pkgs+=(chromium)
fi
if [ ${#pkgs[@]} -gt 0 ]; then
  echo "setup: installing ${pkgs[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: need root to apt-get install ${pkgs[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

# npm ci when node_modules is missing or older than the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
