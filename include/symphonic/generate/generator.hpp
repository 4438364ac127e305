// symphonic/generate/generator.hpp - stateful generation: one model step per new token.
//
// The recipe re-runs its whole 100-token window through the network for every note it adds. The
// Generator instead keeps the LSTM state (h, c) and a workspace of its own (Model::step) and
// feeds each token exactly once: priming with a window of n tokens costs n steps, and every
// generated token one more. Because the LSTM is causal, the probabilities after feeding a window
// step by step are the ones a full forward over that window gives (tests/generate check this).
//
//   Generator<float> g(model, sampler_options, seed);
//   g.set_banned({vocabulary.unknown_id()});   // never emit these
//   g.prime(primer_ids);                       // at least one token
//   std::vector<std::int32_t> ids = g.generate(500);
//
// Primers (a random training window, a MIDI file, a token list, a begin-of-piece token) and the
// way back to notes live in generate/primer.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/generate/sampler.hpp"
#include "symphonic/nn/model.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace generate {

template <class Scalar>
class Generator {
 public:
  /// The model must outlive the generator. The generator only reads it: several generators may
  /// step one model at once, and training on it between tokens is the caller's choice.
  explicit Generator(const nn::Model<Scalar>& model, SamplerOptions options = {}, std::uint64_t seed = 1)
      : model_(model), sampler_(options, seed), ids_(1) {
    reset();
  }

  /// Forgets the state and the history: the next prime() starts a new piece.
  void reset() {
    state_ = model_.zero_state(1);
    history_.clear();
    probabilities_.clear();
  }

  /// Token ids the sampler must never pick (e.g. the vocabulary's unknown token, begin markers).
  void set_banned(std::vector<std::int32_t> ids) { banned_ = std::move(ids); }

  /// Feeds one token: one LSTM step; the probabilities of the next token are kept.
  void feed(std::int32_t id) {
    const std::int32_t vocab = model_.config().vocab_size;
    if (id < 0 || id >= vocab)
      SYMPHONIC_THROW(SamplerError("token id " + std::to_string(id) + " outside the model's vocabulary [0, " +
                                   std::to_string(vocab) + ")"));
    ids_(0) = id;
    const nn::Matrix<Scalar>& p = model_.step(workspace_, state_, ids_);
    probabilities_.resize(static_cast<std::size_t>(p.rows()));
    for (nn::Index i = 0; i < p.rows(); ++i) probabilities_[static_cast<std::size_t>(i)] = static_cast<double>(p(i, 0));
    history_.push_back(id);
  }

  /// Feeds every token of `ids`, in order.
  void prime(const std::vector<std::int32_t>& ids) {
    for (std::int32_t id : ids) feed(id);
  }

  /// Samples the next token from the current probabilities, feeds it and returns it.
  std::int32_t next() {
    if (probabilities_.empty())
      SYMPHONIC_THROW(SamplerError("the generator needs at least one primer token before it can sample"));
    std::vector<double> p = probabilities_;
    for (std::int32_t id : banned_)
      if (id >= 0 && static_cast<std::size_t>(id) < p.size()) p[static_cast<std::size_t>(id)] = 0.0;
    const std::int32_t id = sampler_.sample(p.data(), static_cast<std::int64_t>(p.size()), history_);
    feed(id);
    return id;
  }

  /// Generates `count` tokens (after prime()); returns just the new ones.
  std::vector<std::int32_t> generate(std::int64_t count) {
    std::vector<std::int32_t> out;
    out.reserve(static_cast<std::size_t>(count > 0 ? count : 0));
    for (std::int64_t i = 0; i < count; ++i) out.push_back(next());
    return out;
  }

  /// Every token fed so far, primer first.
  const std::vector<std::int32_t>& history() const { return history_; }
  /// Probabilities of the next token after the last fed one (empty before the first feed).
  const std::vector<double>& probabilities() const { return probabilities_; }
  Sampler& sampler() { return sampler_; }

 private:
  const nn::Model<Scalar>& model_;
  nn::Workspace<Scalar> workspace_;
  typename nn::Model<Scalar>::State state_;
  Sampler sampler_;
  typename nn::Model<Scalar>::Ids ids_;
  std::vector<std::int32_t> history_, banned_;
  std::vector<double> probabilities_;
};

}  // namespace generate
SYMPHONIC_NAMESPACE_END
