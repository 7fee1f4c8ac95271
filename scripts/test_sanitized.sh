#!/usr/bin/env bash
# The sanitizer half of the README's test command (scripts/test.sh runs it after the normal build's tests):
# builds build-asan/ with clang, AddressSanitizer + UndefinedBehaviorSanitizer (halting on the first report, leaks
# included) and libFuzzer coverage, CUDA off, then runs there the unit tests, the ONNX node conformance tests,
# the bad-model corpus, the fault tests, the eval tests, the fuzz regressions and 60 s of fuzzing (fuzz.import_60s).
# The e2e model-zoo tests (large models, minutes even without sanitizers) and valgrind are left to build/.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${ASAN_BUILD_DIR:-build-asan}
CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" -DDNNCOST_WITH_CUDA=OFF -DDNNCOST_FUZZ=ON \
  -DDNNCOST_FUZZ_SECONDS="${DNNCOST_FUZZ_SECONDS:-60}"
cmake --build "$BUILD_DIR" -j"$(nproc)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
cd "$BUILD_DIR"
ctest --output-on-failure -j"$(nproc)" --timeout 1500 -LE 'e2e|valgrind|zoo'
