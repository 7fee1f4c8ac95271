#!/usr/bin/env bash
# The README's main job: install dependencies, build, export the default model set, and report each
# model's cost with `dnncost info` (per-layer JSON in results/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
MODELS_DIR=${MODELS_DIR:-models}
MODELS=${MODELS:-"alexnet resnet18 resnet50 googlenet vgg16 inception_v3"}
mkdir -p results
/usr/bin/python3 tools/zoo/export_torchvision.py "$MODELS_DIR" $MODELS
for m in $MODELS; do
  echo
  echo "=== $m ==="
  build/dnncost info "$MODELS_DIR/$m/model.onnx" --batch 1 --json "results/$m.info.json" | tail -n 8
done
echo
echo "per-layer JSON: results/*.info.json"
# The study: profile a default model set on the default device, write the HTML report and the trace.
bash scripts/study.sh
