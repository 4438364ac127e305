# The programs built with clang 14 too (the tests already are, in the sanitizer step); warnings
# are errors there as well.
set -euo pipefail
# Without optimisation: clang's warnings come from its front end, and nothing built here runs, so
# -O3 would only lengthen CI.
CXX=clang++ cmake -S . -B build/clang -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O0 -DSYMPHONIC_BUILD_TESTS=OFF \
  -DSYMPHONIC_BUILD_BENCH=OFF -DSYMPHONIC_BUILD_EXAMPLES=ON >/dev/null
cmake --build build/clang
