#!/usr/bin/env bash
# The README's main command: build symphonic in release mode and run the main job.
# usage: scripts/demo.sh [--corpus DIR] [extra arguments for training]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cmake --preset release >/dev/null
cmake --build --preset release
echo "built: $(ls build/release/examples 2>/dev/null | grep '^symphonic-' | tr '\n' ' ')"
