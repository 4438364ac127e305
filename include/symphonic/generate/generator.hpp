// symphonic/generate/generator.hpp - stateful generation: one model step per new token, for one
// piece or for N pieces in one batched pass.
//
// The recipe re-runs its whole 100-token window through the network for every note it adds. The
// generators instead keep the LSTM state (h, c) and a workspace of their own (Model::step) and
// feed each token exactly once: priming with a window of n tokens costs n steps, and every
// generated token one more. Because the LSTM is causal, the probabilities after feeding a window
// step by step are the ones a full forward over that window gives (tests/generate check this).
//
//   Generator<float> g(model, sampler_options, seed);
//   g.set_banned({vocabulary.unknown_id()});   // never emit these
//   g.prime(primer_ids);                       // at least one token
//   std::vector<std::int32_t> ids = g.generate(500);
//
//   BatchGenerator<float> b(model, 8, sampler_options, seed);   // 8 pieces, one batched step each
//   b.prime(primer_ids);                                         // the same primer for all
//   std::vector<std::vector<std::int32_t>> pieces = b.generate(500);
// Piece k of a batch samples with seed + k, so piece 0 is the piece a Generator with `seed`
// writes (to the last bits of the batched products' rounding).
//
// Each piece keeps the model's own log-likelihood of the tokens next() picked for it, sum over t
// of log p_model(x_t | x_<t), taken from the model's distribution before banning, temperature,
// top-k/top-p or the repetition penalty reshape it: best_of() keeps the piece the model finds
// likeliest among N sampled ones (symphonic-generate --best-of N).
//
// A BatchGenerator copies as a fork: the copy has its own state, workspace and samplers and goes on
// independently of the original. reorder() forks pieces within one generator (beam search,
// generate/beam_search.hpp).
//
// Both only read the model: several generators may step one model at once. What they step is a
// Stepper (generate/stepper.hpp): the host model by default, or a copy of it on a GPU
// (backend/cuda/stepper.hpp); sampling and scoring stay here. Primers (a random
// training window, a MIDI file, a token list, a begin-of-piece token) and the way back to notes
// live in generate/primer.hpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/generate/sampler.hpp"
#include "symphonic/generate/stepper.hpp"
#include "symphonic/nn/model.hpp"
#include "symphonic/nn/workspace.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace generate {

template <class Scalar>
class BatchGenerator {
 public:
  using Ids = typename nn::Model<Scalar>::Ids;

  /// `count` pieces; the model must outlive the generator.
  BatchGenerator(const nn::Model<Scalar>& model, nn::Index count, SamplerOptions options = {}, std::uint64_t seed = 1)
      : BatchGenerator(std::unique_ptr<Stepper<Scalar>>(new ModelStepper<Scalar>(model)), count, options, seed) {}

  /// `count` pieces stepped by `stepper` (a model on another device).
  BatchGenerator(std::unique_ptr<Stepper<Scalar>> stepper, nn::Index count, SamplerOptions options = {},
                 std::uint64_t seed = 1)
      : stepper_(std::move(stepper)), ids_(count > 0 ? count : 0) {
    if (count < 1) SYMPHONIC_THROW(SamplerError("a batch generator needs at least one piece, got " + std::to_string(count)));
    for (nn::Index k = 0; k < count; ++k) samplers_.emplace_back(options, seed + static_cast<std::uint64_t>(k));
    reset();
  }

  // A copy is a fork: its stepper's state is copied.
  BatchGenerator(const BatchGenerator& o)
      : stepper_(o.stepper_->clone()), samplers_(o.samplers_), ids_(o.ids_), histories_(o.histories_), banned_(o.banned_),
        log_likelihoods_(o.log_likelihoods_), probabilities_(o.probabilities_), interleaved_(o.interleaved_),
        interleave_every_(o.interleave_every_), since_interleaved_(o.since_interleaved_) {}
  BatchGenerator& operator=(const BatchGenerator& o) {
    if (this != &o) {
      BatchGenerator copy(o);
      *this = std::move(copy);
    }
    return *this;
  }
  BatchGenerator(BatchGenerator&&) noexcept = default;
  BatchGenerator& operator=(BatchGenerator&&) noexcept = default;

  nn::Index count() const { return ids_.size(); }

  /// Forgets the state and the histories: the next prime() starts new pieces.
  void reset() {
    stepper_->reset(count());
    histories_.assign(static_cast<std::size_t>(count()), {});
    log_likelihoods_.assign(static_cast<std::size_t>(count()), 0.0);
    probabilities_.clear();
    since_interleaved_ = 0;
  }

  /// Token ids the samplers must never pick (e.g. the vocabulary's unknown token, begin markers).
  void set_banned(std::vector<std::int32_t> ids) { banned_ = std::move(ids); }
  const std::vector<std::int32_t>& banned() const { return banned_; }

  /// Feeds one token to every piece (ids[k] to piece k): one batched LSTM step.
  void feed(const std::vector<std::int32_t>& ids) {
    const auto vocab = static_cast<std::int32_t>(stepper_->vocab_size());
    if (static_cast<nn::Index>(ids.size()) != count())
      SYMPHONIC_THROW(SamplerError("fed " + std::to_string(ids.size()) + " tokens to " + std::to_string(count()) + " pieces"));
    for (std::size_t k = 0; k < ids.size(); ++k) {
      if (ids[k] < 0 || ids[k] >= vocab)
        SYMPHONIC_THROW(SamplerError("token id " + std::to_string(ids[k]) + " outside the model's vocabulary [0, " +
                                     std::to_string(vocab) + ")"));
      ids_(static_cast<nn::Index>(k)) = ids[k];
    }
    stepper_->step(ids_, probabilities_);
    for (std::size_t k = 0; k < ids.size(); ++k) histories_[k].push_back(ids[k]);
  }

  /// Feeds every token of `ids`, in order, to every piece.
  void prime(const std::vector<std::int32_t>& ids) {
    std::vector<std::int32_t> step(static_cast<std::size_t>(count()));
    for (std::int32_t id : ids) {
      step.assign(step.size(), id);
      feed(step);
    }
  }

  /// Samples the next token of every piece from its probabilities, feeds them, returns them.
  std::vector<std::int32_t> next() {
    if (probabilities_.empty())
      SYMPHONIC_THROW(SamplerError("the generator needs at least one primer token before it can sample"));
    const std::size_t vocab = probabilities_.size() / static_cast<std::size_t>(count());
    std::vector<std::int32_t> out(static_cast<std::size_t>(count()));
    std::vector<double> p(vocab);
    for (std::size_t k = 0; k < out.size(); ++k) {
      p.assign(probabilities_.begin() + static_cast<std::ptrdiff_t>(k * vocab),
               probabilities_.begin() + static_cast<std::ptrdiff_t>((k + 1) * vocab));
      for (std::int32_t id : banned_)
        if (id >= 0 && static_cast<std::size_t>(id) < p.size()) p[static_cast<std::size_t>(id)] = 0.0;
      out[k] = samplers_[k].sample(p.data(), static_cast<std::int64_t>(p.size()), histories_[k]);
    }
    take(out);
    return out;
  }

  /// Appends ids[k] to piece k as a generated token chosen elsewhere (beam search picks them from
  /// probabilities()): it is scored like a sampled one, log p_model(ids[k] | piece k so far) added
  /// to log_likelihood(k), then fed. next() is a sampler's choice followed by take().
  void take(const std::vector<std::int32_t>& ids) {
    if (probabilities_.empty())
      SYMPHONIC_THROW(SamplerError("the generator needs at least one primer token before it can take one"));
    if (static_cast<nn::Index>(ids.size()) != count())
      SYMPHONIC_THROW(SamplerError("took " + std::to_string(ids.size()) + " tokens for " + std::to_string(count()) + " pieces"));
    const std::size_t vocab = probabilities_.size() / static_cast<std::size_t>(count());
    std::vector<double> scores(ids.size());
    for (std::size_t k = 0; k < ids.size(); ++k) {
      if (ids[k] < 0 || static_cast<std::size_t>(ids[k]) >= vocab)
        SYMPHONIC_THROW(SamplerError("token id " + std::to_string(ids[k]) + " outside the model's vocabulary [0, " +
                                     std::to_string(vocab) + ")"));
      scores[k] = std::log(probabilities_[k * vocab + static_cast<std::size_t>(ids[k])]);
    }
    feed(ids);  // the scores count only once feed() has taken the ids
    for (std::size_t k = 0; k < ids.size(); ++k) log_likelihoods_[k] += scores[k];
    if (!interleaved_.empty() && ++since_interleaved_ == interleave_every_) {
      since_interleaved_ = 0;
      std::vector<std::int32_t> step(ids.size());
      for (std::int32_t id : interleaved_) {
        step.assign(step.size(), id);
        feed(step);
      }
    }
  }

  /// After every `every` tokens taken (sampled by next() or chosen for take()) from now on, feeds
  /// `ids` to every piece, given, not scored: the control blocks of a model trained with
  /// conditions (generate/conditions.hpp). An empty `ids` stops it. reset() keeps the setting and
  /// restarts the count.
  void set_interleaved(std::vector<std::int32_t> ids, std::int64_t every) {
    if (!ids.empty() && every < 1)
      SYMPHONIC_THROW(SamplerError("tokens interleaved every " + std::to_string(every) + " tokens: it must be at least 1"));
    const auto vocab = static_cast<std::int32_t>(stepper_->vocab_size());
    for (std::int32_t id : ids)
      if (id < 0 || id >= vocab)
        SYMPHONIC_THROW(SamplerError("interleaved token id " + std::to_string(id) + " outside the model's vocabulary [0, " +
                                     std::to_string(vocab) + ")"));
    interleaved_ = std::move(ids);
    interleave_every_ = every;
    since_interleaved_ = 0;
  }

  /// Piece k continues as a copy of piece parents[k] (a fork when one parent appears several
  /// times): its LSTM state (h, c) in every layer, history, log-likelihood and next-token
  /// probabilities are those of the parent before the call. Sampler k stays with slot k, so forks
  /// of one piece draw from different random streams. Beam search calls this after every step.
  void reorder(const std::vector<nn::Index>& parents) {
    if (static_cast<nn::Index>(parents.size()) != count())
      SYMPHONIC_THROW(SamplerError("reorder got " + std::to_string(parents.size()) + " parents for " +
                                   std::to_string(count()) + " pieces"));
    for (nn::Index parent : parents)
      if (parent < 0 || parent >= count())
        SYMPHONIC_THROW(SamplerError("reorder: parent " + std::to_string(parent) + " outside the pieces [0, " +
                                     std::to_string(count()) + ")"));
    stepper_->reorder(parents);
    std::vector<std::vector<std::int32_t>> histories(histories_.size());
    std::vector<double> log_likelihoods(log_likelihoods_.size());
    for (std::size_t k = 0; k < parents.size(); ++k) {
      histories[k] = histories_[static_cast<std::size_t>(parents[k])];
      log_likelihoods[k] = log_likelihoods_[static_cast<std::size_t>(parents[k])];
    }
    histories_ = std::move(histories);
    log_likelihoods_ = std::move(log_likelihoods);
    if (!probabilities_.empty()) {
      const std::size_t vocab = probabilities_.size() / static_cast<std::size_t>(count());
      std::vector<double> probabilities(probabilities_.size());
      for (std::size_t k = 0; k < parents.size(); ++k)
        std::copy_n(probabilities_.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(parents[k]) * vocab),
                    vocab, probabilities.begin() + static_cast<std::ptrdiff_t>(k * vocab));
      probabilities_ = std::move(probabilities);
    }
  }

  /// Generates `tokens` tokens of every piece (after prime()); returns just the new ones, per piece.
  std::vector<std::vector<std::int32_t>> generate(std::int64_t tokens) {
    std::vector<std::vector<std::int32_t>> out(static_cast<std::size_t>(count()));
    for (auto& piece : out) piece.reserve(static_cast<std::size_t>(tokens > 0 ? tokens : 0));
    for (std::int64_t i = 0; i < tokens; ++i) {
      const std::vector<std::int32_t> ids = next();
      for (std::size_t k = 0; k < ids.size(); ++k) out[k].push_back(ids[k]);
    }
    return out;
  }

  /// Every token fed to piece k so far, primer first.
  const std::vector<std::int32_t>& history(nn::Index k = 0) const { return histories_[static_cast<std::size_t>(k)]; }
  /// Sum of the model's log-probabilities (nats) of the tokens next() picked for piece k since
  /// reset(): the primer is given, not scored.
  double log_likelihood(nn::Index k = 0) const { return log_likelihoods_[static_cast<std::size_t>(k)]; }
  /// Probabilities of the next token, vocab x count column-major (empty before the first feed).
  const std::vector<double>& probabilities() const { return probabilities_; }
  Sampler& sampler(nn::Index k = 0) { return samplers_[static_cast<std::size_t>(k)]; }

 private:
  std::unique_ptr<Stepper<Scalar>> stepper_;
  std::vector<Sampler> samplers_;
  Ids ids_;
  std::vector<std::vector<std::int32_t>> histories_;
  std::vector<std::int32_t> banned_;
  std::vector<double> log_likelihoods_;
  std::vector<double> probabilities_;
  std::vector<std::int32_t> interleaved_;  ///< set_interleaved()'s block
  std::int64_t interleave_every_ = 0;
  std::int64_t since_interleaved_ = 0;     ///< tokens taken since the last block (or the start)
};

/// Of the pieces a primed `generator` has, the index of the one with the highest log_likelihood
/// after `tokens` more tokens each (generated in one batched pass; the lowest index on a tie),
/// and every piece's new tokens in `pieces` when given.
template <class Scalar>
nn::Index best_of(BatchGenerator<Scalar>& generator, std::int64_t tokens,
                  std::vector<std::vector<std::int32_t>>* pieces = nullptr) {
  std::vector<std::vector<std::int32_t>> made = generator.generate(tokens);
  nn::Index best = 0;
  for (nn::Index k = 1; k < generator.count(); ++k)
    if (generator.log_likelihood(k) > generator.log_likelihood(best)) best = k;
  if (pieces) *pieces = std::move(made);
  return best;
}

/// One piece: a BatchGenerator of one, with single-token calls.
template <class Scalar>
class Generator {
 public:
  explicit Generator(const nn::Model<Scalar>& model, SamplerOptions options = {}, std::uint64_t seed = 1)
      : batch_(model, 1, options, seed) {}

  void reset() { batch_.reset(); }
  void set_banned(std::vector<std::int32_t> ids) { batch_.set_banned(std::move(ids)); }
  /// Feeds one token: one LSTM step; the probabilities of the next token are kept.
  void feed(std::int32_t id) { batch_.feed({id}); }
  void prime(const std::vector<std::int32_t>& ids) { batch_.prime(ids); }
  /// Samples the next token from the current probabilities, feeds it and returns it.
  std::int32_t next() { return batch_.next()[0]; }
  /// Generates `count` tokens (after prime()); returns just the new ones.
  std::vector<std::int32_t> generate(std::int64_t count) { return std::move(batch_.generate(count)[0]); }
  /// Every token fed so far, primer first.
  const std::vector<std::int32_t>& history() const { return batch_.history(0); }
  /// The model's log-likelihood of the tokens next() picked since reset() (see BatchGenerator).
  double log_likelihood() const { return batch_.log_likelihood(0); }
  /// Probabilities of the next token after the last fed one (empty before the first feed).
  const std::vector<double>& probabilities() const { return batch_.probabilities(); }
  Sampler& sampler() { return batch_.sampler(0); }

 private:
  BatchGenerator<Scalar> batch_;
};

}  // namespace generate
SYMPHONIC_NAMESPACE_END
