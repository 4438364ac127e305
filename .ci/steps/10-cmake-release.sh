# The README's test command: configure, build and test in release mode (ctest prints its summary).
# Where Open MPI is installed (scripts/install-deps.sh installs it), this build also has
# SYMPHONIC_MPI on, so its ctest runs the distributed suite under mpirun (1 and 2 ranks, a rank
# that dies or hangs, symphonic-train --distributed) and builds the distributed benchmark,
# without compiling the library a second time for it.
set -euo pipefail
if command -v mpiexec >/dev/null && pkg-config --exists ompi-cxx 2>/dev/null; then
  cmake --preset release -DSYMPHONIC_MPI=ON >/dev/null
fi
cmake --workflow --preset release
