// The doctest main of the data-parallel tests: run under mpirun (tests/CMakeLists.txt starts it
// with 1 and with 2 ranks). Every rank runs every case, in the same order, so their collectives
// meet; a case's checks are made on every rank.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <symphonic/distributed/mpi.hpp>

int main(int argc, char** argv) {
  symphonic::distributed::MpiSession session(&argc, &argv);
  doctest::Context context(argc, argv);
  const int failed = context.run();
  if (failed) symphonic::distributed::MpiSession::abort(1);  // the others may be waiting on this rank
  return 0;
}
