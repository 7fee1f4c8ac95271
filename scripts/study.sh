#!/usr/bin/env bash
# The study, end of the README's main job: profile the default model set on the default device (cuda when
# nvidia-smi lists a GPU and this build has the cuda device, else cpu when the build has it, else ref) with the
# per-layer pass and an execution trace, then write the HTML report of the study's figures and findings.
# Expects a built dnncost and exported models (scripts/main.sh does both first).
#   MODELS_DIR=DIR         exported models (default: models)
#   RESULTS_DIR=DIR        where the records, trace, CSV and report go (default: results/study)
#   STUDY_DEVICE=KIND      ref, cpu or cuda instead of the default
#   STUDY_MODELS="a b"     models to profile (default: per device, below)
#   STUDY_BATCHES=1,2,4    batch sizes (default: per device, below)
#   STUDY_TIMING="--warmup 1 --min-iters 2 --min-time 0"   timing policy (default: per device, below)
#   STUDY_POWER="--idle-seconds 2 --power-window 2"          power options (default: per device, below; power is
#                          measured where a sensor can be read: RAPL for ref and cpu, NVML for cuda)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
MODELS_DIR=${MODELS_DIR:-models}
RESULTS_DIR=${RESULTS_DIR:-results/study}
DNNCOST="$BUILD_DIR/dnncost"

devices=$("$DNNCOST" devices)
available() { awk -F'\t' -v kind="$1" '$1 == kind && $2 == "available" { found = 1 } END { exit !found }' <<<"$devices"; }
if [[ -n ${STUDY_DEVICE:-} ]]; then
  device=$STUDY_DEVICE
elif command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q '^GPU' && available cuda; then
  device=cuda
elif available cpu; then
  device=cpu
else
  device=ref
fi

# Defaults sized so that the whole study takes a few minutes: `ref` runs plain loops on one thread (ResNet-50 at
# batch 1 takes about 1-2 s per run on a laptop core), so it gets four models, batches 1-4 and two timed runs;
# cpu (oneDNN) and cuda are fast enough for the study's larger networks and batches and longer timing.
case $device in
  ref)
    models=${STUDY_MODELS:-"alexnet resnet18 googlenet resnet50"}
    batches=${STUDY_BATCHES:-1,2,4}
    timing=${STUDY_TIMING:-"--warmup 1 --min-iters 2 --min-time 0"}
    power=${STUDY_POWER:-"--idle-seconds 2 --power-window 2"} ;;
  cpu)
    models=${STUDY_MODELS:-"alexnet resnet18 googlenet resnet50 inception_v3 vgg16"}
    batches=${STUDY_BATCHES:-1,2,4,8}
    timing=${STUDY_TIMING:-"--warmup 2 --min-iters 5 --min-time 0.5"}
    power=${STUDY_POWER:-"--idle-seconds 3 --power-window 3"} ;;
  *)
    models=${STUDY_MODELS:-"alexnet resnet18 googlenet resnet50 inception_v3 vgg16"}
    batches=${STUDY_BATCHES:-1,2,4,8,16,32,64}
    timing=${STUDY_TIMING:-"--warmup 5 --min-iters 20 --min-time 1"}
    power=${STUDY_POWER:-"--idle-seconds 5 --power-window 5"} ;;
esac

files=()
for m in $models; do
  if [[ -f $MODELS_DIR/$m/model.onnx ]]; then
    files+=("$MODELS_DIR/$m/model.onnx")
  else
    echo "study: $MODELS_DIR/$m/model.onnx is not exported; left out"
  fi
done
if ((${#files[@]} == 0)); then
  echo "study: no model to profile in $MODELS_DIR" >&2
  exit 1
fi

mkdir -p "$RESULTS_DIR"
records=$RESULTS_DIR/profile.jsonl
trace=$RESULTS_DIR/trace.json
report=$RESULTS_DIR/report.html
rm -f "$records" "$trace" "$RESULTS_DIR/profile.csv" "$RESULTS_DIR/layers.csv"
echo
echo "=== study: profiling ${#files[@]} model(s) at batch $batches on $device ($timing) ==="
start=$(date +%s)
status=0
# shellcheck disable=SC2086  # $timing and $power are lists of options
"$DNNCOST" profile "${files[@]}" --device "$device" --batch "$batches" $timing $power --per-layer --quiet \
  --json "$records" --trace "$trace" --csv "$RESULTS_DIR/profile.csv" --layer-csv "$RESULTS_DIR/layers.csv" ||
  status=$?
if ((status != 0 && status != 1)); then exit "$status"; fi  # 1: some configuration failed, recorded
echo "profiled in $(($(date +%s) - start)) s"

evals=()
for f in "$RESULTS_DIR"/*.eval.json; do [[ -f $f ]] && evals+=("$f"); done
echo
"$DNNCOST" report "$records" "${evals[@]}" --out "$report" --trace "$trace"
echo
echo "report:  $report (open it in any browser; it works offline)"
echo "trace:   $trace (open it in ui.perfetto.dev or chrome://tracing)"
echo "records: $records (JSON Lines; docs/RESULTS.md), $RESULTS_DIR/profile.csv, $RESULTS_DIR/layers.csv"
