# The same suites built and run by meson.
set -euo pipefail
rm -rf build/meson
# with MPI where it is installed (scripts/install-deps.sh installs it): the distributed suite too
mpi=disabled
if command -v mpiexec >/dev/null && pkg-config --exists ompi-cxx 2>/dev/null; then mpi=enabled; fi
# the benchmarks are built by the CMake step; building them twice would only lengthen CI
meson setup build/meson --buildtype=release -Dmpi=$mpi -Dbench=false >/dev/null
meson compile -C build/meson
meson test -C build/meson --print-errorlogs
