// Must not compile: distributed/mpi.hpp without SYMPHONIC_MPI (the test headers.mpi_guard expects
// the header's own message).
#include <symphonic/distributed/mpi.hpp>
