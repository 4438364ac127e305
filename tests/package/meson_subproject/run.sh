#!/usr/bin/env bash
# Builds and runs a meson project that takes symphonic as a subproject.
# usage: run.sh SYMPHONIC_SOURCE_DIR WORK_DIR
set -euo pipefail
source_dir=$(cd "$1" && pwd)
work=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work/subprojects"
cp "$here/meson.build" "$here/../consumer.cpp" "$work/"
ln -s "$source_dir" "$work/subprojects/symphonic"
cd "$work"
meson setup build -Dsymphonic:tests=false -Dsymphonic:bench=false -Dsymphonic:examples=false
meson compile -C build
meson test -C build --print-errorlogs
