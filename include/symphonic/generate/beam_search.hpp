// symphonic/generate/beam_search.hpp - the continuations a model finds likeliest, searched with a
// beam of W pieces stepped as one batch.
//
// Sampling draws one continuation; argmax (the recipe) follows the single likeliest token at
// every step, which may lead into a continuation the model scores low as a whole. Beam search
// keeps the W likeliest partial continuations instead. With s(y) = sum_t log p_model(y_t | y_<t)
// over the generated tokens (the primer is given, not scored), each step
//
//   candidates = { (y, v) : y a beam, v a token that is not banned and has p_model(v | y) > 0 }
//   beams      = the W candidates of highest s(y) + log p_model(v | y)
//
// Only the W best tokens of each beam can be among the W best candidates, so each beam offers
// those and one sort of W x W candidates picks the next beams. Ties go to the lower beam, then
// the lower token id: a search is a pure function of (model, primer, banned ids, W, length).
// One exception keeps the search honest against argmax decoding: the beam always holds argmax's
// own path (from the first beam, the most probable allowed token at every step), which replaces
// the last survivor on a step where it would fall out. So the best beam is never less likely
// than what argmax decoding writes, which plain beam search does not promise.
// The beams live in a BatchGenerator of W pieces: one batched LSTM step per token for all of
// them, BatchGenerator::reorder() to copy the survivors' (h, c) into their slots.
//
// W = 1 is argmax decoding. Every piece has the same length, so no length normalisation is
// needed. Beam search finds the likeliest continuation exactly when W covers every continuation
// (W >= V^length: tests check this against enumeration); a wider beam usually finds a likelier
// one than a narrower, but only argmax's score is a promised floor. Music the model finds likeliest tends to repeat itself: compare
// generate/stats.hpp's measures of a beam's piece with a sampled one before preferring it.
//
//   BatchGenerator<float> beams(model, 8);          // W = 8
//   beams.set_banned(unplayable_ids(vocabulary));
//   beams.prime(primer_ids);
//   std::vector<Beam> found = beam_search(beams, 500);   // best first
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/generate/generator.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace generate {

/// One continuation found by beam_search.
struct Beam {
  std::vector<std::int32_t> ids;  ///< the generated tokens (not the primer)
  double log_likelihood = 0;      ///< s(ids): sum of the model's log-probabilities, nats
};

/// Searches `tokens` more tokens for the pieces of a primed `generator` (W = its count()) and
/// returns the beams found, likeliest first: W of them, or fewer when fewer continuations exist
/// (a tiny vocabulary, most tokens banned). Pieces with the same history are one beam, so priming
/// every piece with the same primer starts from one. Afterwards piece k of the generator holds
/// beam k of the result (the rest copies of beam 0), ready to be continued; its samplers are not
/// used. SamplerError when `tokens` < 1, before priming, or when no beam has a token left to take
/// (every token banned or of probability 0).
template <class Scalar>
std::vector<Beam> beam_search(BatchGenerator<Scalar>& generator, std::int64_t tokens) {
  if (tokens < 1) SYMPHONIC_THROW(SamplerError("beam search needs at least one token to search, got " + std::to_string(tokens)));
  const nn::Index width = generator.count();
  const std::vector<std::int32_t>& banned = generator.banned();
  // The beams alive: distinct histories (the first of equal pieces), in slot order.
  std::vector<nn::Index> live;
  for (nn::Index k = 0; k < width; ++k) {
    bool repeated = false;
    for (nn::Index j : live)
      repeated = repeated || (generator.history(j) == generator.history(k) &&
                              generator.log_likelihood(j) == generator.log_likelihood(k));
    if (!repeated) live.push_back(k);
  }
  std::vector<Beam> beams(live.size());  // new tokens of each live beam, in slot order
  for (std::size_t b = 0; b < live.size(); ++b) beams[b].log_likelihood = generator.log_likelihood(live[b]);

  struct Candidate {
    double score;
    std::size_t beam;  // index into live / beams
    std::int32_t id;
  };
  const auto better = [](const Candidate& a, const Candidate& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.beam != b.beam) return a.beam < b.beam;
    return a.id < b.id;
  };
  std::vector<Candidate> candidates, offered;
  std::vector<bool> allowed;
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::size_t greedy = 0;  // the beam that holds argmax decoding's path from the first one, or none
  for (std::int64_t t = 0; t < tokens; ++t) {
    const std::vector<double>& p = generator.probabilities();
    if (p.empty()) SYMPHONIC_THROW(SamplerError("beam search needs at least one primer token"));
    const std::size_t vocab = p.size() / static_cast<std::size_t>(width);
    if (allowed.size() != vocab) {
      allowed.assign(vocab, true);
      for (std::int32_t id : banned)
        if (id >= 0 && static_cast<std::size_t>(id) < vocab) allowed[static_cast<std::size_t>(id)] = false;
    }
    candidates.clear();
    Candidate greedy_next{0, none, 0};
    for (std::size_t b = 0; b < live.size(); ++b) {
      const double* pb = p.data() + static_cast<std::size_t>(live[b]) * vocab;
      offered.clear();
      for (std::size_t v = 0; v < vocab; ++v)
        if (allowed[v] && pb[v] > 0.0) offered.push_back({beams[b].log_likelihood + std::log(pb[v]), b, static_cast<std::int32_t>(v)});
      const std::size_t keep = std::min(offered.size(), static_cast<std::size_t>(width));
      std::partial_sort(offered.begin(), offered.begin() + static_cast<std::ptrdiff_t>(keep), offered.end(), better);
      if (b == greedy && keep > 0) greedy_next = offered[0];
      candidates.insert(candidates.end(), offered.begin(), offered.begin() + static_cast<std::ptrdiff_t>(keep));
    }
    if (candidates.empty())
      SYMPHONIC_THROW(SamplerError("beam search: no token may follow (every token is banned or has probability 0)"));
    const std::size_t survivors = std::min(candidates.size(), static_cast<std::size_t>(width));
    std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(survivors), candidates.end(), better);
    // argmax's path stays in the beam: when it falls out, it takes the last survivor's place
    // (it scores no higher than any survivor, so the order holds)
    greedy = none;
    for (std::size_t j = 0; j < survivors && greedy_next.beam != none && greedy == none; ++j)
      if (candidates[j].beam == greedy_next.beam && candidates[j].id == greedy_next.id) greedy = j;
    if (greedy_next.beam != none && greedy == none) {
      greedy = survivors - 1;
      candidates[greedy] = greedy_next;
    }
    // Survivor j goes to slot j; the slots left over copy survivor 0 and are not expanded.
    std::vector<nn::Index> parents(static_cast<std::size_t>(width), live[candidates[0].beam]);
    std::vector<std::int32_t> next(static_cast<std::size_t>(width), candidates[0].id);
    std::vector<Beam> grown(survivors);
    for (std::size_t j = 0; j < survivors; ++j) {
      const Candidate& c = candidates[j];
      parents[j] = live[c.beam];
      next[j] = c.id;
      grown[j].ids = beams[c.beam].ids;
      grown[j].ids.push_back(c.id);
      grown[j].log_likelihood = c.score;
    }
    generator.reorder(parents);
    generator.take(next);
    beams = std::move(grown);
    live.resize(survivors);
    std::iota(live.begin(), live.end(), nn::Index{0});
  }
  return beams;
}

}  // namespace generate
SYMPHONIC_NAMESPACE_END
