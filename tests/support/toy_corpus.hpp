// tests/support/toy_corpus.hpp - a small corpus with structure a model can learn, for trainer tests.
//
// Each piece walks up a scale of `pitches` tokens ("t0", "t1", ...) from p % 7, jumping to a
// random token once in `jump_one_in` steps; the random draws come from `seed`, so every process
// builds the same pieces.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <symphonic/data/data.hpp>
#include <symphonic/generate/sampler.hpp>
#include <symphonic/music/vocabulary.hpp>

namespace symphonic_test {

struct Toy {
  symphonic::music::Vocabulary vocabulary;
  symphonic::data::Split split;
};

struct ToyShape {
  int pieces = 10, length = 60;
  std::uint64_t seed = 12345;
  int pitches = 9, jump_one_in = 5;
  double validation_share = 0.2;
  std::uint64_t split_seed = 3;
};

inline Toy toy_corpus(const ToyShape& shape = {}) {
  std::vector<std::vector<std::string>> tokens;
  symphonic::generate::SplitMix64 rng(shape.seed);
  const auto pitches = static_cast<std::uint64_t>(shape.pitches), jump = static_cast<std::uint64_t>(shape.jump_one_in);
  for (int p = 0; p < shape.pieces; ++p) {
    std::vector<std::string> piece;
    int x = p % 7;
    for (int i = 0; i < shape.length; ++i) {
      piece.push_back("t" + std::to_string(x));
      x = (rng.next() % jump == 0) ? static_cast<int>(rng.next() % pitches) : (x + 1) % shape.pitches;
    }
    tokens.push_back(piece);
  }
  Toy toy{symphonic::music::Vocabulary::build(tokens), {}};
  std::vector<symphonic::data::Piece> all;
  for (int p = 0; p < shape.pieces; ++p)
    all.push_back({"piece" + std::to_string(p), toy.vocabulary.encode(tokens[static_cast<std::size_t>(p)])});
  toy.split = symphonic::data::split_by_piece(all, shape.validation_share, shape.split_seed);
  return toy;
}

}  // namespace symphonic_test
