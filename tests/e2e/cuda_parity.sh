#!/usr/bin/env bash
# Parity of the cuda device with the ref device on an exported model's test input: runs `dnncost run` on both and
# compares the outputs by relative L2 error (cuda vs ref), and cuda's output with PyTorch's too. Exit 77 (skipped)
# when this dnncost has no cuda device or the machine no GPU.
#
# usage: cuda_parity.sh DNNCOST COMPARE_TENSORS MODEL_DIR WORK_DIR MAX_REL_L2 [extra dnncost run options]
set -euo pipefail

if [[ $# -lt 5 ]]; then
  echo "usage: cuda_parity.sh DNNCOST COMPARE_TENSORS MODEL_DIR WORK_DIR MAX_REL_L2 [run options]" >&2
  exit 2
fi
dnncost=$1 compare=$2 model_dir=$3 work_dir=$4 bound=$5
shift 5
status=$("$dnncost" devices | awk -F'\t' '$1 == "cuda" {print $2}')
if [[ $status != available ]]; then
  echo "skipped: cuda device ${status:-not in this build}"
  exit 77
fi
data=$model_dir/test_data_set_0
for f in "$model_dir/model.onnx" "$data/input_0.pb" "$data/output_0.pb"; do
  [[ -f $f ]] || { echo "cuda_parity.sh: $f is missing; export the model first" >&2; exit 1; }
done
rm -rf "$work_dir"
mkdir -p "$work_dir/ref" "$work_dir/cuda"
"$dnncost" run "$model_dir/model.onnx" --device ref --in "$data/input_0.pb" --out "$work_dir/ref"
"$dnncost" run "$model_dir/model.onnx" --device cuda "$@" --in "$data/input_0.pb" --out "$work_dir/cuda"
echo "cuda vs ref:"
"$compare" "$work_dir/cuda/output_0.pb" "$work_dir/ref/output_0.pb" --max-rel-l2 "$bound"
echo "cuda vs PyTorch:"
"$compare" "$work_dir/cuda/output_0.pb" "$data/output_0.pb" --max-rel-l2 "$bound"
