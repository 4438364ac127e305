# Data-parallel training with SYMPHONIC_MPI (Open MPI from Debian): the distributed suite under
# mpirun with 1 and 2 ranks, a rank that dies or hangs, symphonic-train --distributed, and the
# benchmark program built. Only the targets those need are built here; meson builds everything
# with -Dmpi=enabled in its own step.
set -euo pipefail
cmake -S . -B build/mpi -G Ninja -DCMAKE_BUILD_TYPE=Release -DSYMPHONIC_MPI=ON >/dev/null
cmake --build build/mpi --target test_distributed symphonic_rank_dies symphonic-train symphonic-tunes distributed_step
ctest --test-dir build/mpi -L distributed --output-on-failure
