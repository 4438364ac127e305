# The meson build, compiled by clang 14 under AddressSanitizer + UndefinedBehaviorSanitizer: one
# build that checks meson's definitions (every suite and program it defines), clang's warnings
# (errors, as with g++) and memory and undefined behaviour in every suite. The CMake step already
# builds everything with g++ -O3 and runs it; building and running it a second and a third time
# (a meson release build, a CMake asan build) added about 30 minutes and nothing this one misses.
# -O1 and line tables only: what ASan's own documentation suggests, and enough for stack traces.
set -euo pipefail
rm -rf build/meson
mpi=disabled
if command -v mpiexec >/dev/null && pkg-config --exists ompi-cxx 2>/dev/null; then mpi=enabled; fi
# the benchmarks are built (with g++ -O3) by the CMake step
CXX=clang++ meson setup build/meson --buildtype=plain -Doptimization=1 \
  -Db_sanitize=address,undefined -Db_lundef=false \
  -Dcpp_args="-fno-sanitize-recover=all -fno-omit-frame-pointer -gline-tables-only" \
  -Dmpi=$mpi -Dbench=false >/dev/null
meson compile -C build/meson
export UBSAN_OPTIONS=print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1
meson test -C build/meson --print-errorlogs --no-suite distributed
if [ "$mpi" = enabled ]; then
  # Open MPI keeps allocations until exit by design; LeakSanitizer would report those, not ours.
  ASAN_OPTIONS=detect_leaks=0 meson test -C build/meson --print-errorlogs --suite distributed
fi
