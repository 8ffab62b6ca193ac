#!/usr/bin/env bash
# The long fuzz run: libFuzzer (ASan + UBSan) over the core's entry points for SECONDS
# (first argument or FUZZ_SECONDS; default 600). Its corpus grows in build-fuzz/corpus-long
# (seeded from tests/fuzz/corpus); crashing inputs go to build-fuzz/artifacts/. Prints the
# executions, coverage (cov: edges, ft: features), corpus size and crashes found.
#   bash scripts/fuzz-long.sh            # 10 minutes
#   bash scripts/fuzz-long.sh 3600       # an hour
#   FUZZ_JOBS=2 bash scripts/fuzz-long.sh  # two workers (one per core)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-${FUZZ_SECONDS:-600}}"
jobs="${FUZZ_JOBS:-1}"
source scripts/fuzz-env.sh
corpus="$build_dir/corpus-long"
mkdir -p "$corpus"
log="$build_dir/fuzz-long.log"
before="$(ls "$artifacts" | wc -l)"
echo "fuzz-long: ${seconds}s, ${jobs} job(s), corpus $corpus, log $log"
status=0
if [ "$jobs" -gt 1 ]; then
  # -fork keeps going after a crash and counts them; each job writes to the shared corpus.
  "$fuzzer" -fork="$jobs" -ignore_crashes=1 -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" tests/fuzz/corpus >"$log" 2>&1 || status=$?
else
  "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" tests/fuzz/corpus >"$log" 2>&1 || status=$?
fi
after="$(ls "$artifacts" | wc -l)"
last="$(grep -E '^#[0-9]+' "$log" | tail -1 || true)"
execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
[ -n "$execs" ] || execs="$(echo "$last" | sed -n 's/^#\([0-9]*\).*/\1/p')"
rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
cov="$(echo "$last" | grep -o 'cov: [0-9]*' | tail -1 || true)"
ft="$(echo "$last" | grep -o 'ft: [0-9]*' | tail -1 || true)"
corp="$(echo "$last" | grep -o 'corp: [0-9/]*[a-zA-Z]*' | tail -1 || true)"
# -fork mode reports its own tally of crashes, ooms and timeouts.
tally="$(echo "$last" | grep -o 'oom/timeout/crash: [0-9/]*' | tail -1 || true)"
echo "fuzz-long: executions ${execs:-?}${rate:+ (${rate}/s)}, ${cov:-cov: ?} edges, ${ft:-ft: ?} features, ${corp:-corp: ?}"
echo "fuzz-long: crashes found: $((after - before)) (exit status $status)${tally:+; $tally}"
if [ "$after" -gt "$before" ] || [ "$status" -ne 0 ]; then
  grep -E 'ERROR|rope_fuzz:|SUMMARY|runtime error|Test unit written' "$log" | head -40 || true
  ls -t "$artifacts" | head -$((after - before + 1))
  exit 1
fi
