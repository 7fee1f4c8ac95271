#!/usr/bin/env bash
# Parity of `dnncost run` with PyTorch on an exported model's test data set: runs the model on
# test_data_set_0/input_0.pb and compares the result with PyTorch's output_0.pb by relative L2 error.
#
# usage: parity.sh DNNCOST COMPARE_TENSORS MODEL_DIR WORK_DIR MAX_REL_L2 [DEVICE]
#   MODEL_DIR holds model.onnx and test_data_set_0/ (written by tools/zoo/export_zoo.py);
#   WORK_DIR receives dnncost's output tensors; DEVICE defaults to ref.
set -euo pipefail

if [[ $# -lt 5 || $# -gt 6 ]]; then
  echo "usage: parity.sh DNNCOST COMPARE_TENSORS MODEL_DIR WORK_DIR MAX_REL_L2 [DEVICE]" >&2
  exit 2
fi
dnncost=$1 compare=$2 model_dir=$3 work_dir=$4 bound=$5 device=${6:-ref}
data=$model_dir/test_data_set_0
for f in "$model_dir/model.onnx" "$data/input_0.pb" "$data/output_0.pb"; do
  if [[ ! -f $f ]]; then
    echo "parity.sh: $f is missing; export the model first (ctest runs the zoo.export fixtures," \
         "or: dnncost zoo export MODEL --models DIR)" >&2
    exit 1
  fi
done

rm -rf "$work_dir"
mkdir -p "$work_dir"
echo "dnncost run --device $device $model_dir/model.onnx"
start_ns=$(date +%s%N)
status=0
"$dnncost" run "$model_dir/model.onnx" --device "$device" --in "$data/input_0.pb" --out "$work_dir" || status=$?
if [[ $status -ne 0 ]]; then
  echo "parity.sh: FAIL: dnncost run exited with status $status on $model_dir/model.onnx (message above)" >&2
  exit 1
fi
elapsed_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
printf 'dnncost run took %d.%03d s\n' $((elapsed_ms / 1000)) $((elapsed_ms % 1000))
"$compare" "$work_dir/output_0.pb" "$data/output_0.pb" --max-rel-l2 "$bound"
