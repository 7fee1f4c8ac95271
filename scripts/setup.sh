#!/usr/bin/env bash
# Installs what dnncost needs to build and test on Debian 12 (run as root; skips what is installed).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  clang libclang-rt-dev strace
  libprotobuf-dev protobuf-compiler libonnx-dev
  libcli11-dev nlohmann-json3-dev googletest libgtest-dev
  libjpeg62-turbo-dev libpng-dev libdnnl-dev
  python3 python3-numpy python3-torch python3-torchvision python3-onnx python3-pil python3-sklearn
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
