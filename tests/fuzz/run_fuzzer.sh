#!/usr/bin/env bash
# Runs the libFuzzer target for a bounded time from the seed corpus; fails on any finding (crash, sanitizer
# report, leak, timeout of one input, out-of-memory). usage: run_fuzzer.sh FUZZER SECONDS WORK_DIR SEED_DIR...
# WORK_DIR/corpus keeps what the fuzzer learns between runs; WORK_DIR/findings gets the input of a finding
# (add it to tests/fuzz/regressions/ once fixed); WORK_DIR/last_run.log is the fuzzer's output.
set -uo pipefail
fuzzer=$1 seconds=$2 work=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work/corpus" "$work/findings"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 -dict="$here/onnx.dict" \
  -artifact_prefix="$work/findings/" -print_final_stats=1 "$work/corpus" "$@" >"$work/last_run.log" 2>&1
status=$?
grep -E "^(INFO: seed corpus|#[0-9]+ +(INITED|DONE))|^stat::|^(==[0-9]+==)?ERROR|^SUMMARY|finding|^Done|^artifact_prefix|Test unit written" \
  "$work/last_run.log" | tail -n 40
echo "corpus: $(find "$work/corpus" -type f | wc -l) inputs, $(du -sk "$work/corpus" | cut -f1) KiB in $work/corpus"
if [ $status -ne 0 ]; then
  echo "FAIL: the fuzzer stopped with status $status; the input is in $work/findings/, the log in $work/last_run.log"
  tail -n 60 "$work/last_run.log"
fi
exit $status
