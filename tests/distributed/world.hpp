// tests/distributed/world.hpp - the communicator, toy corpus and models the data-parallel tests share.
#pragma once

#include <unistd.h>

#include <cstring>
#include <string>
#include <vector>

#include <symphonic/data/data.hpp>
#include <symphonic/distributed/mpi.hpp>
#include <symphonic/generate/sampler.hpp>
#include <symphonic/music/music.hpp>
#include <symphonic/nn/model.hpp>
#include <symphonic/train/trainer.hpp>

namespace symphonic_test {

namespace sy = symphonic;

/// Every rank of the job; a collective that waits 60 s fails the test rather than hanging it.
inline sy::distributed::MpiCommunicator& world() {
  static sy::distributed::MpiCommunicator communicator(MPI_COMM_WORLD, 60);
  return communicator;
}

struct Toy {
  sy::music::Vocabulary vocabulary;
  sy::data::Split split;
};

// Pieces that walk up a scale with jumps: something to learn, the same on every rank.
inline Toy toy_corpus(int pieces = 12, int length = 50) {
  std::vector<std::vector<std::string>> tokens;
  sy::generate::SplitMix64 rng(777);
  for (int p = 0; p < pieces; ++p) {
    std::vector<std::string> piece;
    int x = p % 7;
    for (int i = 0; i < length; ++i) {
      piece.push_back("t" + std::to_string(x));
      x = (rng.next() % 4 == 0) ? static_cast<int>(rng.next() % 11) : (x + 1) % 11;
    }
    tokens.push_back(piece);
  }
  Toy toy{sy::music::Vocabulary::build(tokens), {}};
  std::vector<sy::data::Piece> all;
  for (int p = 0; p < pieces; ++p)
    all.push_back({"piece" + std::to_string(p), toy.vocabulary.encode(tokens[static_cast<std::size_t>(p)])});
  toy.split = sy::data::split_by_piece(all, 0.25, 5);
  return toy;
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
