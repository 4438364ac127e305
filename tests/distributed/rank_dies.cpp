// A data-parallel run in which one rank dies (SIGKILL) or hangs mid-run, for rank_dies.sh:
//   symphonic_rank_dies die|hang DIR    under mpirun -np 2: trains a toy model, checkpoints in DIR;
//                                       the last rank kills itself, or stops answering, at step 60
//   symphonic_rank_dies check DIR       alone: the last checkpoint in DIR resumes (exit 0)
// The survivors' collectives time out after 5 s (MpiCommunicator), so they exit non-zero with a
// message naming the operation, whatever the launcher does.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "distributed/world.hpp"

namespace sy = symphonic;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: symphonic_rank_dies die|hang|check DIR\n");
    return 2;
  }
  const std::string mode = argv[1], dir = argv[2];
  const symphonic_test::Toy toy = symphonic_test::distributed_toy();
  sy::train::TrainerOptions o = symphonic_test::toy_options();
  o.epochs = 1000;
  o.checkpoint_path = dir + "/m.safetensors";
  sy::nn::Model<float> model(symphonic_test::toy_config(toy.vocabulary.size()), 11, 1);
  try {
    if (mode == "check") {
      sy::train::Trainer<float> trainer(model, toy.vocabulary, toy.split, o);
      trainer.resume(o.last_checkpoint_path());
      std::printf("%s resumes at step %lld\n", o.last_checkpoint_path().c_str(),
                  static_cast<long long>(trainer.state().step));
      return trainer.state().step > 0 ? 0 : 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "symphonic_rank_dies: %s\n", e.what());
    return 1;
  }
  sy::distributed::MpiSession session(&argc, &argv);
  sy::distributed::MpiCommunicator world(MPI_COMM_WORLD, 5);
  o.communicator = &world;
  struct Fail : sy::train::Callback {
    bool dies = false, hangs = false;
    void on_batch_end(const sy::train::BatchReport& r) override {
      if (r.step != 60) return;
      if (dies) ::raise(SIGKILL);
      if (hangs) std::this_thread::sleep_for(std::chrono::hours(1));
    }
  } fail;
  const bool last = world.rank() == world.size() - 1;
  fail.dies = last && mode == "die";
  fail.hangs = last && mode == "hang";
  try {
    sy::train::Trainer<float> trainer(model, toy.vocabulary, toy.split, o);
    trainer.add_callback(fail);
    trainer.fit();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "symphonic_rank_dies: %s\n", e.what());
    sy::distributed::MpiSession::abort(3);
  }
  return 0;  // not reached: 1000 epochs
}
