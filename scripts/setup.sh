#!/usr/bin/env bash
# Installs what dnncost needs to build and test on Debian 12 (run as root; skips what is installed).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  clang libclang-rt-dev strace valgrind
  libprotobuf-dev protobuf-compiler libonnx-dev
  libcli11-dev nlohmann-json3-dev googletest libgtest-dev
  libjpeg62-turbo-dev libpng-dev libdnnl-dev
  python3 python3-venv python3-numpy python3-torch python3-torchvision python3-onnx python3-pil python3-sklearn
  chromium
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all Debian packages present"
fi

# The project's venv: Debian's Python with its packages visible (torch, torchvision, numpy) plus the PyPI packages of
# scripts/venv-requirements.txt (a current onnx and onnxruntime). CMake finds its python as DNNCOST_VENV_PYTHON
# (default /opt/dnncost-venv/bin/python); the tests that need it skip, saying so, where it is absent.
# DNNCOST_VENV=PATH puts it elsewhere, DNNCOST_VENV=none skips it (no network).
venv=${DNNCOST_VENV:-/opt/dnncost-venv}
requirements="$(cd "$(dirname "$0")" && pwd)/venv-requirements.txt"
if [ "$venv" = none ]; then
  echo "setup: venv skipped (DNNCOST_VENV=none)"
elif [ -x "$venv/bin/python" ] && cmp -s "$requirements" "$venv/.dnncost-requirements.txt"; then
  echo "setup: venv $venv is up to date"
else
  echo "setup: creating the venv $venv (pip install -r scripts/venv-requirements.txt)"
  # Without PyPI (no network) the venv is removed again and the tests that need it skip: setup does not fail.
  if /usr/bin/python3 -m venv --system-site-packages "$venv" &&
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" &&
    # Debian's torch must still import beside the venv's packages.
    "$venv/bin/python" -c 'import numpy, onnx, onnxruntime, torch, torchvision
print("setup: venv has onnx", onnx.__version__, "onnxruntime", onnxruntime.__version__, "numpy", numpy.__version__,
      "torch", torch.__version__)'; then
    cp "$requirements" "$venv/.dnncost-requirements.txt"
  else
    echo "setup: WARNING: could not create the venv $venv; the tests that need it (newer opsets, conformance cases" \
      "from the current onnx) will be skipped" >&2
    rm -rf "$venv"
  fi
fi
