#!/usr/bin/env bash
# Packs the binaries of a CUDA build for the GPU machine, which has no package registry and none of Debian's
# protobuf, libjpeg or libpng: the executables (dnncost, the unit tests, the power check, the conformance runner,
# compare_tensors), the fake NVML used by the unit tests, the ONNX node conformance cases, and every shared library
# they need except the C/C++ runtime and the CUDA libraries (those come from the machine's PyTorch wheels,
# see check.sh). The folder travels with the working tree (device tool: carry), so keep it small (< 64 MiB).
#
#   tools/gpu/bundle.sh BUILD_DIR OUT_DIR
#
# Build first, here:
#   cmake -S . -B build-cuda -G Ninja -DCMAKE_BUILD_TYPE=Release -DDNNCOST_WITH_CUDA=ON && ninja -C build-cuda -j2
set -euo pipefail
build=${1:?usage: bundle.sh BUILD_DIR OUT_DIR}
out=${2:?usage: bundle.sh BUILD_DIR OUT_DIR}
rm -rf "$out"
mkdir -p "$out/lib"

bins=()
for f in dnncost tests/dnncost_unit_tests tests/dnncost_power_check tests/libfake_nvml.so tests/dnncost_conformance \
         tests/e2e/compare_tensors; do
  if [ -f "$build/$f" ]; then
    cp "$build/$f" "$out/"
    bins+=("$build/$f")
  else
    echo "bundle.sh: $build/$f is missing (not a CUDA build, or not built yet)" >&2
  fi
done
[ ${#bins[@]} -gt 0 ] || { echo "bundle.sh: nothing to bundle in $build" >&2; exit 1; }

# Shared libraries: all that ldd resolves, minus the runtime every Linux has and the CUDA/NVIDIA libraries.
skip='^(linux-vdso|ld-linux|libc\.so|libm\.so|libpthread|libdl\.so|librt\.so|libgcc_s|libstdc\+\+|libcuda\.so|libcudart|libcublas|libcudnn|libnvidia-ml|libnvrtc|libcupti)'
ldd "${bins[@]}" 2>/dev/null | awk '/=> \// {print $1, $3}' | sort -u | while read -r name path; do
  if [[ ! $name =~ $skip ]]; then cp -L "$path" "$out/lib/$name"; fi
done
# The ONNX node conformance cases (generated here from Debian's python3-onnx: the GPU machine's onnx is another
# version), for check.sh's conformance.cuda step. About 8 MiB.
here=$(cd "$(dirname "$0")" && pwd)
ops=$(sed -n '/^set(DNNCOST_CONFORMANCE_OPS/,/)/p' "$here/../../tests/CMakeLists.txt" |
  sed 's/set(DNNCOST_CONFORMANCE_OPS//; s/)//' | tr -s ' \n' ' ')
if [ -f "$build/conformance/node/cases.json" ]; then
  cp -r "$build/conformance/node" "$out/conformance"
else
  /usr/bin/python3 "$here/../../tests/conformance/generate_node_tests.py" "$out/conformance" $ops > /dev/null
fi
# The cases of the current onnx (the venv of scripts/setup.sh; tests/CMakeLists.txt DNNCOST_CONFORMANCE_CURRENT_OPS).
current_ops=$(sed -n '/^set(DNNCOST_CONFORMANCE_CURRENT_OPS/,/)/p' "$here/../../tests/CMakeLists.txt" |
  sed 's/set(DNNCOST_CONFORMANCE_CURRENT_OPS//; s/)//' | tr -s ' \n' ' ')
if [ -f "$build/conformance/node_current/cases.json" ]; then
  cp -r "$build/conformance/node_current" "$out/conformance_current"
else
  /usr/bin/python3 "$here/../../tests/conformance/generate_node_tests.py" --python \
    "${DNNCOST_VENV_PYTHON:-/opt/dnncost-venv/bin/python}" --tag current --max-opset 21 "$out/conformance_current" \
    $current_ops > /dev/null
fi
cp "$here/../../tests/conformance/excluded.txt" "$out/conformance_excluded.txt"
echo "$ops $current_ops" | tr -s ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ' > "$out/conformance_ops.txt"
du -sh "$out"
ls "$out" "$out/lib"
# The device tool carries at most 64 MiB with the working tree.
kib=$(du -sk "$out" | cut -f1)
if [ "$kib" -gt $((60 * 1024)) ]; then
  echo "bundle.sh: $out is $((kib / 1024)) MiB, above the 60 MiB that fit the device tool's carry (64 MiB with the" \
       "working tree); build with -DDNNCOST_WITH_ONEDNN=OFF (libdnnl alone is about 40 MiB)" >&2
  exit 1
fi
