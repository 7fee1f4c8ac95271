#!/usr/bin/env bash
# Fuzzes for SECONDS (default 600) on demand: TARGET import (ONNX bytes through the importer, planner and a ref
# run) or layers (structure-aware small graphs of any ops), default import. Builds build-asan/ if needed (clang,
# libFuzzer, ASan, UBSan), writes the seed corpus, then runs tests/fuzz/run_fuzzer.sh. What the fuzzer learns is
# kept in build-asan/fuzz/TARGET/corpus (a later run goes on from there); a finding's input is written to
# build-asan/fuzz/TARGET/findings/: fix the bug, then add the input to tests/fuzz/regressions/TARGET/ (see
# docs/RELIABILITY.md). usage: scripts/fuzz.sh [SECONDS] [import|layers]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_FUZZ=${1:-600}
TARGET=${2:-import}
case "$TARGET" in import | layers) ;; *) echo "usage: scripts/fuzz.sh [SECONDS] [import|layers]" >&2; exit 2 ;; esac
BUILD_DIR=${ASAN_BUILD_DIR:-build-asan}
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" -DDNNCOST_WITH_CUDA=OFF -DDNNCOST_FUZZ=ON
fi
cmake --build "$BUILD_DIR" -j"$(nproc)" --target "dnncost_fuzz_$TARGET"
seeds=()
if [ "$TARGET" = import ]; then
  conformance=()
  if [ -d "$BUILD_DIR/conformance/node" ]; then conformance=("$BUILD_DIR/conformance/node"); fi
  /usr/bin/python3 tests/fuzz/make_seed_corpus.py "$BUILD_DIR/fuzz/seeds" "${conformance[@]}"
  seeds=("$BUILD_DIR/fuzz/seeds")
fi
exec tests/fuzz/run_fuzzer.sh "$BUILD_DIR/tests/fuzz/dnncost_fuzz_$TARGET" "$SECONDS_TO_FUZZ" "$BUILD_DIR/fuzz/$TARGET" \
  "${seeds[@]}" "tests/fuzz/regressions/$TARGET"
