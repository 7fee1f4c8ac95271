#!/usr/bin/env bash
# Markdown table of the cpu device's error against ref and against PyTorch on every zoo model and form, from the
# outputs the zoo tests leave behind (zoo.NAME: `run --device ref`; e2e.cpu_parity.NAME: `run --device cpu`).
# Run after `ctest -L zoo -L cpu` (or the whole suite); used for docs/PERFORMANCE.md.
#
# usage: cpu_vs_ref_table.sh BUILD_DIR
set -euo pipefail

build=${1:?usage: cpu_vs_ref_table.sh BUILD_DIR}
work=$build/zoo/work models=$build/zoo/models compare=$build/tests/e2e/compare_tensors
rel_l2() {  # relative L2 error of $1 against $2, as compare_tensors prints it
  "$compare" "$1" "$2" --max-rel-l2 1 | sed -n 's/.*relative L2 error \([^ ]*\).*/\1/p' | head -1
}
echo "| model | cpu vs ref | cpu vs PyTorch | ref vs PyTorch |"
echo "|---|---:|---:|---:|"
for dir in "$work"/cpu_parity_*; do
  name=${dir##*/cpu_parity_}
  cpu=$dir/output_0.pb ref=$work/$name/run/output_0.pb torch=$models/$name/test_data_set_0/output_0.pb
  if [[ ! -f $cpu || ! -f $ref || ! -f $torch ]]; then
    echo "| $name | (missing output) | | |"
    continue
  fi
  echo "| $name | $(rel_l2 "$cpu" "$ref") | $(rel_l2 "$cpu" "$torch") | $(rel_l2 "$ref" "$torch") |"
done
