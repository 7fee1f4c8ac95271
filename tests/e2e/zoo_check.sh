#!/usr/bin/env bash
# One zoo parity test: an exported zoo model (one form) run by dnncost against PyTorch, and its counts.
#   1. parity.sh: `dnncost run --device ref` on test_data_set_0/input_0.pb vs PyTorch's output_0.pb, relative L2
#      error <= MAX_REL_L2;
#   2. check_info.py: `dnncost info --batch 1` params == the exporter's expected count for this form (PyTorch's
#      trainable count for NAME-bn; minus what torch's BatchNorm fold removes for NAME), MACs == PyTorch's
#      forward-hook count, per-layer sums == totals.
#
# usage: zoo_check.sh DNNCOST COMPARE_TENSORS MODELS_DIR FOLDER_NAME WORK_DIR MAX_REL_L2
set -euo pipefail

if [[ $# -ne 6 ]]; then
  echo "usage: zoo_check.sh DNNCOST COMPARE_TENSORS MODELS_DIR FOLDER_NAME WORK_DIR MAX_REL_L2" >&2
  exit 2
fi
dnncost=$1 compare=$2 models_dir=$3 name=$4 work_dir=$5 bound=$6
here=$(cd "$(dirname "$0")" && pwd)
model_dir=$models_dir/$name
if [[ ! -f $model_dir/EXPORT_COMPLETE ]]; then
  echo "zoo_check.sh: $model_dir is not a complete export; export it first (ctest runs the zoo.export fixture," \
       "or: dnncost zoo export ${name%-bn} --models $models_dir)" >&2
  exit 1
fi
start_ns=$(date +%s%N)
status=0
bash "$here/parity.sh" "$dnncost" "$compare" "$model_dir" "$work_dir/run" "$bound" ref || status=1
/usr/bin/python3 "$here/check_info.py" "$dnncost" "$model_dir" "$work_dir/info" || status=1
elapsed_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
printf '%s: parity and counts checked in %d.%03d s: %s\n' "$name" $((elapsed_ms / 1000)) $((elapsed_ms % 1000)) \
  "$([[ $status -eq 0 ]] && echo PASS || echo FAIL)"
exit $status
