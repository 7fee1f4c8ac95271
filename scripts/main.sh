#!/usr/bin/env bash
# The README's main job: install dependencies, build, export the model zoo (tools/zoo/manifest.json) from PyTorch
# with seeded random weights, report each model's cost with `dnncost info` (per-layer JSON in results/), and print
# the zoo's cost table (the one in docs/MODELS.md); then the study (scripts/study.sh): profile a default model set on
# the default device with a trace and write the HTML report of the study's figures and findings.
#   MODELS_DIR=DIR   where the models go (default: models)
#   MODELS="a b"     models of the zoo (default: its core set, the study's networks; `build/dnncost zoo list` names
#                    them all; torchvision's 80 classifiers and the token models: tools/zoo/check_classifiers.py)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
BUILD_DIR=${BUILD_DIR:-build}
MODELS_DIR=${MODELS_DIR:-models}
if [[ -n ${MODELS:-} ]]; then
  selection=($MODELS)
else
  selection=(--set core)
fi
mkdir -p results
"$BUILD_DIR/dnncost" zoo export "${selection[@]}" --models "$MODELS_DIR"
names=$(/usr/bin/python3 -c 'import json, sys; print(" ".join(m["name"] for m in json.load(open(sys.argv[1]))["models"]
                                                             if m.get("set", "core") == "core"))' tools/zoo/manifest.json)
[[ -n ${MODELS:-} ]] && names=$MODELS
for m in $names; do
  echo
  echo "=== $m ==="
  "$BUILD_DIR/dnncost" info "$m" --models "$MODELS_DIR" --batch 1 --json "results/$m.info.json" | tail -n 8
done
echo
"$BUILD_DIR/dnncost" zoo table --models "$MODELS_DIR"
echo
echo "per-layer JSON: results/*.info.json"
# The study: profile a default model set on the default device, write the HTML report and the trace.
bash scripts/study.sh
