#!/usr/bin/env bash
# GPU check, run on the GPU machine (see ../shared/GPU.md) with the binaries of a CUDA build made here and
# packed by tools/gpu/bundle.sh. Sets the library path (cuDNN/cuBLAS/cudart from the PyTorch wheels there,
# NVML from the driver), then:
#   1. nvml_abi     NVIDIA's own Python binding (nvidia-ml-py) agrees with the constants and the field-value
#                   struct size that metrics/power_nvml.cpp declares
#   2. unit_tests   every unit test (GPU tests run here instead of skipping; the fake NVML tests too)
#   3. power_check  dnncost_power_check: idle < load power <= enforced limit; energy counter vs integrated
#                   samples within 5% (tests/gpu/power_check.cpp)
#   4. profile      dnncost profile with power on a small CNN over batch sizes: power and energy per image per
#                   batch (the study's power-vs-batch figure); cuda device when this build has it, else ref
#                   with --power nvml (GPU idle power only, said so in the table)
#   5. conformance  the ONNX node conformance cases (packed by bundle.sh) on --device cuda, every op
#   6. bench        bench/gpu_vs_torch.py: dnncost cuda vs PyTorch (same weights, fp32 math both) for ResNet-50,
#                   VGG-16, GoogLeNet, Inception-v3, MobileNet-V2, ViT-B/16, Swin-T, ConvNeXt-T and BERT-base
#                   (sequence 128) at batch 1, 8, 64: latency ratio, roofline floors,
#                   and the cuda output vs PyTorch's (relative L2 <= 1e-4)
# Full logs go to LOG_DIR; a short table is printed last. Exit status 0 when every step passed.
#
#   tools/gpu/check.sh BUNDLE_OR_BUILD_DIR LOG_DIR [--quick] [--only STEP,STEP...]
#
# --quick: shorter idle and power windows, batch 1 and 8 only in the benchmark (a first smoke run).
# --only: run just these steps (nvml_abi, unit_tests, power_check, profile, conformance, bench), e.g. to rerun the
#         ones that failed after a fix without spending GPU time on the others. Steps that cannot run here (no GPU)
#         say so.
set -uo pipefail

usage="usage: check.sh BUNDLE_OR_BUILD_DIR LOG_DIR [--quick] [--only STEP,STEP...]"
bin=${1:?$usage}
log=${2:?$usage}
shift 2
quick="" only=""
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=--quick ;;
    --only) only=${2:?$usage}; shift ;;
    *) echo "check.sh: unknown option '$1'; $usage" >&2; exit 2 ;;
  esac
  shift
done
for step in ${only//,/ }; do
  case $step in nvml_abi | unit_tests | power_check | profile | conformance | bench) ;;
    *) echo "check.sh: --only: unknown step '$step' (nvml_abi, unit_tests, power_check, profile, conformance, bench)" >&2
       exit 2 ;;
  esac
done
# True when step $1 is to run (every step without --only).
wanted() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$log"
bin=$(cd "$bin" && pwd)

# A file of the bundle (flat) or of a build folder (tests/ below it).
find_bin() {
  for p in "$bin/$1" "$bin/tests/$1"; do
    [ -e "$p" ] && { echo "$p"; return 0; }
  done
  return 1
}

# --- library path ----------------------------------------------------------------------------------------------
libdirs=()
[ -d "$bin/lib" ] && libdirs+=("$bin/lib")
wheel_roots=$(python3 -c 'import nvidia, os; print(" ".join(nvidia.__path__))' 2>/dev/null || true)
# Required: what the binaries link. Optional: what cuDNN 9 loads itself when present (NVRTC and nvJitLink for its
# runtime-compiled engines; without them those engines are just not offered), looked for only in the usual places,
# since a whole-disk search per missing library costs seconds of GPU time.
for lib in libcudnn.so.9 libcublas.so.13 libcublasLt.so.13 libcudart.so.13 libnvrtc.so.13 libnvJitLink.so.13; do
  found=""
  for root in $wheel_roots /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
    [ -d "$root" ] || continue
    found=$(find "$root" -name "$lib" -print -quit 2>/dev/null)
    [ -n "$found" ] && break
  done
  case $lib in libnvrtc* | libnvJitLink*) ;; *)
    [ -z "$found" ] && found=$(find / -xdev -name "$lib" -not -path '/proc/*' -print -quit 2>/dev/null) ;;
  esac
  [ -n "$found" ] && libdirs+=("$(dirname "$found")")
done
if ! ldconfig -p 2>/dev/null | grep -q 'libnvidia-ml.so.1'; then
  for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu; do
    [ -e "$d/libnvidia-ml.so.1" ] && { libdirs+=("$d"); break; }
  done
fi
LD_LIBRARY_PATH=$(printf '%s\n' "${libdirs[@]}" | awk '!seen[$0]++' | paste -sd: -)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
{
  echo "date: $(date -u +%FT%TZ)"
  echo "bundle: $bin"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  uname -a
  nvidia-smi 2>&1 || echo "nvidia-smi failed"
  nvidia-smi -q -d POWER,CLOCK,TEMPERATURE 2>&1 || true
} > "$log/environment.log"

results=()
record() { results+=("$1|$2|$3"); }

# A Python with numpy and onnx (the GPU machine's python3; Debian's /usr/bin/python3 here).
py=python3
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c 'import numpy, onnx' 2>/dev/null; then py=$candidate; break; fi
done

# --- 1. NVML constants and layout against NVIDIA's binding -----------------------------------------------------
if wanted nvml_abi; then
python3 - > "$log/nvml_abi.log" 2>&1 <<'EOF'
import ctypes, sys
try:
    import pynvml
except ImportError as e:
    print(f"no nvidia-ml-py here ({e})")
    sys.exit(2)
want = {"NVML_FI_DEV_POWER_INSTANT": 186, "NVML_CLOCK_SM": 1, "NVML_CLOCK_MEM": 2, "NVML_TEMPERATURE_GPU": 0,
        "NVML_VALUE_TYPE_UNSIGNED_INT": 1, "NVML_SUCCESS": 0}
bad = [f"{k} = {getattr(pynvml, k, None)}, dnncost uses {v}" for k, v in want.items() if getattr(pynvml, k, None) != v]
size = ctypes.sizeof(pynvml.c_nvmlFieldValue_t)
if size != 40:
    bad.append(f"sizeof(nvmlFieldValue_t) = {size}, dnncost declares 40")
print("\n".join(bad) if bad else f"constants and nvmlFieldValue_t ({size} bytes) agree with nvidia-ml-py")
sys.exit(1 if bad else 0)
EOF
rc=$?
record nvml_abi "$(case $rc in 0) echo PASS ;; 2) echo SKIP ;; *) echo FAIL ;; esac)" "$(tail -1 "$log/nvml_abi.log")"
fi

# --- 2. unit tests ---------------------------------------------------------------------------------------------
if wanted unit_tests; then
if ut=$(find_bin dnncost_unit_tests); then
  fake=$(find_bin libfake_nvml.so || true)
  DNNCOST_FAKE_NVML_PATH=$fake timeout 150 "$ut" > "$log/unit_tests.log" 2>&1
  rc=$?
  summary=$(grep -E '^\[  (PASSED|FAILED)  \]|tests? ran' "$log/unit_tests.log" | tr '\n' ' ')
  skipped=$(grep -cE '^\[  SKIPPED \] .* \([0-9]+ ms\)$' "$log/unit_tests.log")
  real_nvml=$(grep -A3 'RUN .*NvmlPower.RealGpuReadsPlausiblePower' "$log/unit_tests.log" | grep -Eo 'OK|SKIPPED|FAILED' | head -1)
  record unit_tests "$([ $rc = 0 ] && echo PASS || echo FAIL)" "$summary; skipped $skipped; real NVML test: ${real_nvml:-not run}"
else
  record unit_tests MISSING "no dnncost_unit_tests in $bin"
fi
fi

# --- 3. power check --------------------------------------------------------------------------------------------
if wanted power_check; then
if pc=$(find_bin dnncost_power_check); then
  if [ "$quick" = --quick ]; then pc_args=(--idle 2 --load 4); else pc_args=(--idle 5 --load 8); fi
  timeout 120 "$pc" "${pc_args[@]}" --json "$log/power_check.json" > "$log/power_check.log" 2>&1
  rc=$?
  record power_check "$([ $rc = 0 ] && echo PASS || echo FAIL)" "$(grep -E 'PASS|FAIL|SKIP' "$log/power_check.log" | tr -s ' ' | paste -sd';' -)"
else
  record power_check MISSING "no dnncost_power_check in $bin (not a CUDA build?)"
fi
fi

# --- 4. profile with power over batch sizes --------------------------------------------------------------------
if wanted profile; then
if dn=$(find_bin dnncost); then
  model="$log/power_cnn.onnx"
  "$py" "$here/make_power_model.py" "$model" > "$log/profile.log" 2>&1
  if [ "$quick" = --quick ]; then win=(--idle-seconds 2 --power-window 2); else win=(--idle-seconds 5 --power-window 5); fi
  out="$log/profile.jsonl"
  rm -f "$out"
  timeout 180 "$dn" profile "$model" --device cuda --batch 1,8,32,128 --min-time 1 "${win[@]}" --json "$out" \
    >> "$log/profile.log" 2>&1
  rc=$?
  mode="cuda"
  if grep -q -e "--device cuda: " "$log/profile.log"; then  # no cuda device in this build, or no GPU here
    mode="ref device, --power nvml: $(grep -o -e '--device cuda: .*' "$log/profile.log" | head -1 | cut -c1-120);"
    mode+=" the GPU only idles while the CPU runs"
    rm -f "$out"
    timeout 200 "$dn" profile "$model" --device ref --power nvml --batch 1,2 --min-time 0.5 --idle-seconds 2 \
      --power-window 2 --json "$out" >> "$log/profile.log" 2>&1
    rc=$?
  fi
  "$py" - "$out" "$mode" > "$log/power_vs_batch.md" 2>> "$log/profile.log" <<'EOF'
import json, sys
path, mode = sys.argv[1:3]
recs = [json.loads(l) for l in open(path) if l.strip()]
print(f"power vs batch ({mode})\n")
print("| batch | median ms | images/s | sensor | idle W | avg W | dynamic W | peak W | J/image | method | samples |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for r in recs:
    p = r.get("power", {})
    if r["status"] != "ok":
        print(f"| {r['batch']} | {r['status']}: {r.get('error', '')} | | | | | | | | | |")
        continue
    if not p.get("available"):
        print(f"| {r['batch']} | {r['latency']['median_ms']:.3f} | {r['images_per_s']:.1f} | {p.get('sensor', '')} | "
              f"unavailable: {p.get('reason', '')} | | | | | | |")
        continue
    f = lambda k, fmt="{:.1f}": fmt.format(p[k]) if k in p else "-"
    print(f"| {r['batch']} | {r['latency']['median_ms']:.3f} | {r['images_per_s']:.1f} | {p['sensor']} | {f('idle_w')} | "
          f"{f('avg_w')} | {f('dynamic_w')} | {f('peak_w')} | {f('energy_per_image_j', '{:.4g}')} | {p['method']} | "
          f"{p['samples']} |")
ok = recs and all(r["status"] == "ok" and r.get("power", {}).get("available") for r in recs)
sys.exit(0 if ok else 1)
EOF
  trc=$?
  status=$([ $rc = 0 ] && [ $trc = 0 ] && echo PASS || echo FAIL)
  record profile "$status" "$(grep -c . "$out" 2>/dev/null || echo 0) records, $mode (table: power_vs_batch.md)"
else
  record profile MISSING "no dnncost in $bin"
fi
fi

# --- 5. conformance on the cuda device --------------------------------------------------------------------------
if wanted conformance; then
if cr=$(find_bin dnncost_conformance) && [ -f "$bin/conformance/cases.json" ]; then
  : > "$log/conformance_cuda.log"
  pass=0 fail=0 failed_ops=""
  # Every op in one process first (one CUDA context and library load instead of one per op); only when that
  # process dies (a signal, a time-out: no summary line) is each op run on its own, to name the one that crashed.
  # Debian's onnx cases, and the current onnx's (newer opsets, newer ops) when bundle.sh packed them.
  sets=("$bin/conformance")
  [ -f "$bin/conformance_current/cases.json" ] && sets+=("$bin/conformance_current")
  timeout 150 "$cr" "${sets[@]}" --device cuda --excluded "$bin/conformance_excluded.txt" \
    > "$log/conformance_cuda.log" 2>&1
  rc=$?
  if [ $rc = 77 ]; then
    fail=0 detail="SKIP: $(head -1 "$log/conformance_cuda.log")"
  elif [ $rc -le 1 ] && grep -q '^conformance: ' "$log/conformance_cuda.log"; then
    pass=$(grep -c '^PASS ' "$log/conformance_cuda.log")
    fail=$(grep -c '^FAIL ' "$log/conformance_cuda.log")
    failed_ops=$(grep '^FAIL ' "$log/conformance_cuda.log" | awk '{sub(":", "", $2); print " " $2}' | head -20 | tr -d '\n')
    detail="$(grep '^conformance: ' "$log/conformance_cuda.log") (cases; one process)"
  else
    echo "--- the one-process run exited $rc without a summary; each op on its own:" >> "$log/conformance_cuda.log"
    for op in $(cat "$bin/conformance_ops.txt"); do
      timeout 60 "$cr" "${sets[@]}" --op "$op" --device cuda --excluded "$bin/conformance_excluded.txt" \
        >> "$log/conformance_cuda.log" 2>&1
      rc=$?
      if [ $rc = 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); failed_ops+=" $op($rc)"; fi
    done
    detail="$pass ops pass, $fail fail"
  fi
  status=$([ $fail = 0 ] && echo PASS || echo FAIL)
  [ $rc = 77 ] && status=SKIP
  record conformance "$status" "$detail; failed:${failed_ops:- none}"
else
  record conformance MISSING "no dnncost_conformance or conformance cases in $bin (bundle.sh packs them)"
fi
fi

# --- 6. benchmark against PyTorch ------------------------------------------------------------------------------
if wanted bench; then
if dn=$(find_bin dnncost); then
  bench_args=(--batches 1,8,64 --min-time 0.5)
  [ "$quick" = --quick ] && bench_args=(--batches 1,8 --min-time 0.2)
  timeout 420 "$py" "$here/../../bench/gpu_vs_torch.py" --dnncost "$dn" --out "$log/bench" "${bench_args[@]}" \
    > "$log/bench.out" 2>&1
  rc=$?
  bad_parity=$("$py" -c 'import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
print(sum(1 for r in rows if r.get("rel_l2", 1) > 1e-4))' "$log/bench/results.json" 2>/dev/null || echo "?")
  record bench "$([ $rc = 0 ] && [ "$bad_parity" = 0 ] && echo PASS || echo FAIL)" \
    "exit $rc; rows with rel L2 > 1e-4: $bad_parity (table: bench/table.md)"
else
  record bench MISSING "no dnncost in $bin"
fi
fi

# --- the short table, last -------------------------------------------------------------------------------------
echo
[ -s "$log/power_vs_batch.md" ] && cat "$log/power_vs_batch.md" && echo
[ -s "$log/bench/table.md" ] && cat "$log/bench/table.md" && echo
[ -s "$log/power_check.log" ] && grep -E '^GPU|PASS|FAIL' "$log/power_check.log" | cut -c1-200 && echo
printf '%-12s %-8s %s\n' step status detail
failed=0
for r in "${results[@]}"; do
  IFS='|' read -r name status detail <<< "$r"
  printf '%-12s %-8s %s\n' "$name" "$status" "$detail"
  [ "$status" = PASS ] || failed=1
done
echo "logs: $log"
exit $failed
