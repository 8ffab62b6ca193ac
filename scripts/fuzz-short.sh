#!/usr/bin/env bash
# The short fuzz run of the test command: builds the libFuzzer target (clang, ASan + UBSan)
# if needed, replays every input of the committed corpus (tests/fuzz/corpus), then fuzzes
# from it for FUZZ_SECONDS (default 30). Exits non-zero on any crash, sanitizer report or
# contract violation; the failing input is left in build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-30}"
source scripts/fuzz-env.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== fuzz: replaying $(ls tests/fuzz/corpus | wc -l) corpus inputs"
"$fuzzer" -artifact_prefix="$artifacts/" tests/fuzz/corpus/* >"$work/replay.log" 2>&1 || {
  tail -40 "$work/replay.log"; echo "fuzz: a corpus input fails"; exit 1; }

echo "== fuzz: ${seconds}s from the corpus"
status=0
"$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
  "$work" tests/fuzz/corpus >"$work/fuzz.log" 2>&1 || status=$?
last="$(grep -E '^#[0-9]+' "$work/fuzz.log" | tail -1 || true)"
execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log")"
echo "fuzz: ${execs:-?} executions; last status: ${last:-none}"
if [ "$status" -ne 0 ]; then
  grep -E 'ERROR|rope_fuzz:|SUMMARY|runtime error|Test unit written' "$work/fuzz.log" | head -40 || true
  echo "fuzz: FAILED (exit $status); reproduce with: $fuzzer <the artifact above>"
  exit "$status"
fi
echo "fuzz: no crashes"
