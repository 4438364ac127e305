# The same tests built with clang 14 (warnings are errors there too).
set -euo pipefail
CXX=clang++ cmake -S . -B build/clang -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DSYMPHONIC_BUILD_BENCH=ON -DSYMPHONIC_BUILD_EXAMPLES=ON >/dev/null
cmake --build build/clang
ctest --test-dir build/clang --output-on-failure -j2 -LE package
