#!/usr/bin/env bash
# setup.sh — make a fresh Debian machine ready for attnscope, then configure and build it.
# Installs missing packages with apt-get when run as root; otherwise prints the exact
# apt-get line to run and stops. Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(gcc pkg-config meson ninja-build python3
          libjansson-dev libcsv-dev libgsl-dev libopenblas-dev libopenblas-openmp-dev libcmocka-dev
          gnuplot-nox valgrind
          pocl-opencl-icd ocl-icd-opencl-dev opencl-headers clinfo
          clang-14 libclang-rt-14-dev libomp-14-dev   # scripts/fuzz.sh: libFuzzer, OpenMP
          python3-venv python3-dev python3-mesonpy python3-pytest patchelf  # python/ and its tests
          groff-base  # tests/cli/test_install.sh renders the man page
          cmake g++)  # bench/peers_decode.py --llama-cpp builds llama.cpp's ggml (bench/llama_peer.py)

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "attnscope needs these Debian packages; run:" >&2
        echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "setup: installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f build/build.ninja ]; then
    meson setup build >/dev/null
fi
ninja -C build >/dev/null
