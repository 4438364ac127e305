# nn: rerun the PyTorch cross-check (scripts/torch_reference.py) when python3-torch is installed;
# ctest already compares against the committed reference numbers in tests/data/nn/.
set -euo pipefail
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "python3-torch not importable: skipping the fresh PyTorch cross-check"
  exit 0
fi
build=build/release
cmake --preset release >/dev/null
cmake --build "$build" --target test_nn
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
SYMPHONIC_TORCH_DUMP_DIR="$dir" "$build/tests/test_nn" -tc='torch reference: write*'
/usr/bin/python3 scripts/torch_reference.py "$dir"
SYMPHONIC_TORCH_REFERENCE_DIR="$dir" "$build/tests/test_nn" -tc='torch reference: *match*'
