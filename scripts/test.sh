#!/usr/bin/env bash
# The README's test command: install dependencies, build, run every test with ctest; then build the suite again
# with AddressSanitizer and UndefinedBehaviorSanitizer and run it there with 60 s of fuzzing
# (scripts/test_sanitized.sh; DNNCOST_SANITIZE=0 skips that half).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
(cd "${BUILD_DIR:-build}" && ctest --output-on-failure -j"$(nproc)" --timeout 1500)
if [ "${DNNCOST_SANITIZE:-1}" != 0 ]; then
  bash scripts/test_sanitized.sh
fi
