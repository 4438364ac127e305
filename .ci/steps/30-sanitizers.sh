# Every test under AddressSanitizer + UndefinedBehaviorSanitizer, compiled by clang 14.
set -euo pipefail
cmake --workflow --preset asan
