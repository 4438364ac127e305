// tests/distributed/world.hpp - the communicator, toy corpus and models the data-parallel tests share.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include <symphonic/data/data.hpp>
#include <symphonic/distributed/mpi.hpp>
#include <symphonic/nn/model.hpp>
#include <symphonic/train/trainer.hpp>

#include "support/toy_corpus.hpp"

namespace symphonic_test {

namespace sy = symphonic;

/// Every rank of the job; a collective that waits 60 s fails the test rather than hanging it.
inline sy::distributed::MpiCommunicator& world() {
  static sy::distributed::MpiCommunicator communicator(MPI_COMM_WORLD, 60);
  return communicator;
}

// The trainer tests' toy corpus (tests/support/toy_corpus.hpp), with 11 pitches and more jumps.
inline Toy distributed_toy() {
  ToyShape shape;
  shape.pieces = 12;
  shape.length = 50;
  shape.seed = 777;
  shape.pitches = 11;
  shape.jump_one_in = 4;
  shape.validation_share = 0.25;
  shape.split_seed = 5;
  return symphonic_test::toy_corpus(shape);
}

// Every layer whose maths a split batch could change: embedding, two LSTM layers with recurrent
// and between-layer dropout, batch norm, head dropout, two Dense layers.
inline sy::nn::ModelConfig toy_config(int vocab) {
  sy::nn::ModelConfig c = sy::nn::ModelConfig::preset("default", vocab);
  c.embedding_size = 8;
  c.lstm_size = 16;
  c.lstm_layers = 2;
  c.recurrent_dropout = 0.2;
  c.lstm_dropout = 0.2;
  c.dropout = 0.2;
  c.batch_norm = true;
  c.dense_sizes = {12};
  return c;
}

inline sy::train::TrainerOptions toy_options() {
  sy::train::TrainerOptions o;
  o.epochs = 2;
  o.batch_size = 8;
  o.window.length = 6;
  o.window.stride = 2;
  o.optimizer = "sgd lr=0.2";
  o.schedule = "none";
  o.seed = 4;
  o.save.durable = false;
  return o;
}

/// Returns on each rank once every rank has called it (a sum needs every rank's value).
inline void barrier() {
  double token = 0;
  world().sum(&token, 1);
}

/// The same text on every rank: rank 0's.
inline std::string from_rank0(std::string text) {
  world().broadcast(text, 0);
  return text;
}

/// A fresh folder that every rank names the same (made by rank 0).
inline std::string shared_temp_dir(const std::string& name) {
  std::string dir;
  if (world().rank() == 0) {
    char pattern[] = "/tmp/symphonic_distributed_XXXXXX";
    const char* made = ::mkdtemp(pattern);
    dir = made ? std::string(made) + "/" + name : "";
    if (made) ::mkdir(dir.c_str(), 0700);
  }
  return from_rank0(dir);
}

template <class Scalar>
double max_difference(const sy::nn::Vector<Scalar>& a, const sy::nn::Vector<Scalar>& b) {
  return (a - b).cwiseAbs().maxCoeff();
}

}  // namespace symphonic_test
