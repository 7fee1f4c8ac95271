#!/usr/bin/env bash
# Packs the binaries of a CUDA build for the GPU machine, which has no package registry and none of Debian's
# protobuf, libjpeg or libpng: the executables, the fake NVML used by the unit tests, and every shared library
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
for f in dnncost tests/dnncost_unit_tests tests/dnncost_power_check tests/libfake_nvml.so; do
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
du -sh "$out"
ls "$out" "$out/lib"
