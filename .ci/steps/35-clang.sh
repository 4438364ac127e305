# The programs built with clang 14 too (the tests already are, in the sanitizer step); warnings
# are errors there as well.
set -euo pipefail
CXX=clang++ cmake -S . -B build/clang -G Ninja -DCMAKE_BUILD_TYPE=Release -DSYMPHONIC_BUILD_TESTS=OFF \
  -DSYMPHONIC_BUILD_BENCH=OFF -DSYMPHONIC_BUILD_EXAMPLES=ON >/dev/null
cmake --build build/clang
