// Data-parallel training step and gradient all-reduce of a preset model, under mpirun:
//
//   mpirun -np 1 build/release/bench/distributed_step [--preset recipe] [--batch 64] [--steps 6]
//   mpirun -np 2 build/release/bench/distributed_step ...      (each rank: its rows of the batch)
//
// It runs the trainer's own loop (train::Trainer with an MpiCommunicator) on random ids, and times
// from the callbacks: the step (forward, backward, all-reduce, clip, optimizer) per batch, and,
// through a wrapper of the communicator, the time spent in the sums of the gradient buffer. Then
// the all-reduce alone, 20 times. Not Google Benchmark: every rank must run the same number of
// iterations, which its adaptive loop does not promise. Rank 0 prints medians and ranges.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <symphonic/distributed/mpi.hpp>
#include <symphonic/generate/sampler.hpp>
#include <symphonic/music/vocabulary.hpp>
#include <symphonic/nn/model.hpp>
#include <symphonic/train/trainer.hpp>

namespace sy = symphonic;
using clock_type = std::chrono::steady_clock;

namespace {

double seconds_since(clock_type::time_point t) { return std::chrono::duration<double>(clock_type::now() - t).count(); }

// The MPI communicator, timing the sums of more than a few values (the gradient buffer).
struct TimedCommunicator : sy::distributed::Communicator {
  sy::distributed::MpiCommunicator& inner;
  double gradient_seconds = 0;
  explicit TimedCommunicator(sy::distributed::MpiCommunicator& c) : inner(c) {}
  int rank() const override { return inner.rank(); }
  int size() const override { return inner.size(); }
  void sum(float* v, std::size_t n) override { timed(v, n); }
  void sum(double* v, std::size_t n) override { timed(v, n); }
  void broadcast(std::string& text, int root) override { inner.broadcast(text, root); }
  template <class T>
  void timed(T* v, std::size_t n) {
    const auto start = clock_type::now();
    inner.sum(v, n);
    if (n > 1024) gradient_seconds += seconds_since(start);
  }
};

struct Steps : sy::train::Callback {
  TimedCommunicator* comm = nullptr;
  clock_type::time_point last = clock_type::now();
  std::vector<double> step_seconds, reduce_seconds;
  void on_batch_end(const sy::train::BatchReport&) override {
    step_seconds.push_back(seconds_since(last));
    reduce_seconds.push_back(comm->gradient_seconds);
    comm->gradient_seconds = 0;
    last = clock_type::now();
  }
};

struct Summary {
  double median, low, high;
};
Summary summarise(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}

}  // namespace

int main(int argc, char** argv) {
  sy::distributed::MpiSession session(&argc, &argv);
  sy::distributed::MpiCommunicator world;
  std::string preset = "recipe";
  int batch = 64, steps = 6, threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--preset") preset = value;
    else if (flag == "--batch") batch = std::atoi(value.c_str());
    else if (flag == "--steps") steps = std::atoi(value.c_str());
    else if (flag == "--threads") threads = std::atoi(value.c_str());
  }
  if (threads < 1) threads = sy::distributed::threads_per_replica(world.local_size());
  const bool recipe = preset == "recipe";
  const int vocab = recipe ? 358 : 400, length = recipe ? 100 : 64;

  // random pieces: enough windows for warm-up + steps batches
  std::vector<std::string> names;
  for (int v = 0; v < vocab; ++v) names.push_back("t" + std::to_string(v));
  const sy::music::Vocabulary vocabulary = sy::music::Vocabulary::build({names});
  sy::data::Split split;
  sy::generate::SplitMix64 rng(5);
  for (int p = 0; p < 4; ++p) {
    sy::data::Piece piece{"random" + std::to_string(p), {}};
    for (int i = 0; i < (steps + 2) * batch * (recipe ? 1 : 16) / 4 + length + 1; ++i)
      piece.ids.push_back(static_cast<std::int32_t>(rng.next() % static_cast<std::uint64_t>(vocab)));
    split.train.push_back(piece);
  }

  TimedCommunicator timed(world);
  sy::train::TrainerOptions o;
  o.epochs = 1;
  o.batch_size = batch;
  o.window.length = length;
  o.window.stride = recipe ? 1 : length / 4;
  o.window.target = recipe ? sy::data::Target::next_token : sy::data::Target::shifted;
  o.optimizer = recipe ? "rmsprop lr=0.001" : "adam lr=0.002";
  o.max_steps = steps + 1;  // the first is warm-up
  o.communicator = &timed;
  sy::nn::Model<float> model(sy::nn::ModelConfig::preset(preset, vocabulary.size()), 1, threads);
  sy::train::Trainer<float> trainer(model, vocabulary, split, o);
  Steps record;
  record.comm = &timed;
  trainer.add_callback(record);
  record.last = clock_type::now();
  trainer.fit();
  record.step_seconds.erase(record.step_seconds.begin());
  record.reduce_seconds.erase(record.reduce_seconds.begin());

  // the all-reduce alone, on the gradient buffer
  std::vector<double> alone;
  auto& g = model.gradients();
  for (int i = 0; i < 20; ++i) {
    const auto start = clock_type::now();
    world.sum(g.data(), static_cast<std::size_t>(g.size()));
    alone.push_back(seconds_since(start));
  }

  if (world.rank() == 0) {
    const Summary step = summarise(record.step_seconds), reduce = summarise(record.reduce_seconds),
                  only = summarise(alone);
    const double bytes = static_cast<double>(g.size()) * sizeof(float);
    std::printf("preset %s, %lld parameters (%.1f MB all-reduced per step), global batch %d, %d ranks (%d on this "
                "machine) x %d threads\n",
                preset.c_str(), static_cast<long long>(model.parameter_count()), bytes / 1e6, batch, world.size(),
                world.local_size(), threads);
    std::printf("step      %8.1f ms  [%.1f - %.1f]  median of %zu;  %.1f sequences/s\n", 1e3 * step.median,
                1e3 * step.low, 1e3 * step.high, record.step_seconds.size(), batch / step.median);
    std::printf("in step   %8.2f ms  [%.2f - %.2f]  summing the gradients (%.1f%% of the step)\n", 1e3 * reduce.median,
                1e3 * reduce.low, 1e3 * reduce.high, 100 * reduce.median / step.median);
    if (world.size() == 1)
      std::printf("all-reduce alone: one rank, nothing to sum\n");
    else
      std::printf("all-reduce alone %5.2f ms  [%.2f - %.2f]  median of 20: %.2f GB/s of parameters\n", 1e3 * only.median,
                  1e3 * only.low, 1e3 * only.high, bytes / only.median / 1e9);
  }
  return 0;
}
