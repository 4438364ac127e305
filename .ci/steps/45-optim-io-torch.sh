# Cross-checks against PyTorch (skipped when /usr/bin/python3 cannot import torch):
# symphonic checkpoints opened by a hand-written safetensors reader in Python and loaded into
# nn.LSTM / nn.Linear with load_state_dict(strict=True); the optimizer reference numbers
# regenerated and compared with the committed ones.
set -euo pipefail
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "skipped: /usr/bin/python3 cannot import torch"
  exit 0
fi
build=build/release
cmake --build "$build" --target test_io -j2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
SYMPHONIC_IO_EXPORT_DIR="$out" "$build/tests/test_io" -tc="torch export*"
/usr/bin/python3 scripts/check_checkpoint_torch.py "$out" --model "$out/export_model.safetensors"
/usr/bin/python3 scripts/optim_reference.py "$out/torch_reference.txt"
if ! cmp -s "$out/torch_reference.txt" tests/data/optim/torch_reference.txt; then
  echo "tests/data/optim/torch_reference.txt differs from what this torch produces:"
  diff <(head -c 2000 "$out/torch_reference.txt") <(head -c 2000 tests/data/optim/torch_reference.txt) || true
  exit 1
fi
echo "torch reference numbers unchanged"
