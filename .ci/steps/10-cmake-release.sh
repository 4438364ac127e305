# The README's test command: configure, build and test in release mode (ctest prints its summary).
set -euo pipefail
cmake --workflow --preset release
