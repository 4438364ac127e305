#!/usr/bin/env bash
# Installs what symphonic's build, tests, benchmarks and cross-checks need on Debian 12.
# Run as root (or through sudo). SYMPHONIC_MINIMAL_DEPS=1 skips the large optional
# cross-check tools (python3-torch), Open MPI (for the SYMPHONIC_MPI build and its tests) and
# FluidSynth with a General MIDI sound font (scripts/demo.sh renders out/demo.wav with them).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
packages=(
  g++ clang libclang-rt-14-dev cmake ninja-build meson pkg-config
  libeigen3-dev doctest-dev libbenchmark-dev
  python3 python3-venv python3-mido python3-numpy
)
if [ "${SYMPHONIC_MINIMAL_DEPS:-0}" != 1 ]; then
  packages+=(python3-torch libopenblas0-pthread libopenmpi-dev openmpi-bin fluidsynth fluid-soundfont-gm)
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "installed: ${packages[*]}"
