// symphonic/generate/conditions.hpp - generation from a model trained with control tokens (an
// encoder option condition=key,density,tempo; music/conditions.hpp): the user sets the key,
// note density or tempo, and the controls are fed as training placed them.
//
// In training a piece reads <begin>? BLOCK t1 .. tN BLOCK tN+1 .. (N = condition_every). So a
// generator is primed with the primer's tokens (its own control tokens taken out), then the
// block, and from there on BatchGenerator::set_interleaved feeds the block again after every N
// generated tokens. Control tokens are never sampled (they are banned), only fed.
//
//   ConditionRequest want;
//   want.key = music::parse_key("G");          // the rest: the model's own choice
//   BatchGenerator<float> g(model, 1, sampler_options, seed);
//   g.set_banned(unplayable_ids(vocabulary));  // markers, unknown and control tokens
//   g.prime(without_conditions(primer_ids, vocabulary));
//   start_conditions(g, *encoder, vocabulary, want);
//   g.generate(500);
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/generate/generator.hpp"
#include "symphonic/music/conditions.hpp"
#include "symphonic/music/encoder.hpp"
#include "symphonic/music/vocabulary.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace generate {

/// A condition that cannot be met: asked of a model trained without it, or a value it never saw.
class ConditionError : public Error {
 public:
  explicit ConditionError(const std::string& message) : Error("generate.condition_error", message) {}
};

/// The values a user asks for; -1 leaves one to the model (its likeliest control token of that
/// kind after the primer).
struct ConditionRequest {
  int key = -1;      ///< 0..23, music::estimate_key's numbering (music::parse_key("F#m"))
  int density = -1;  ///< notes per second, 0..16
  int tempo = -1;    ///< beats per minute; rounded to the nearest level the model knows

  bool any() const { return key >= 0 || density >= 0 || tempo >= 0; }
};

/// `ids` without control tokens (a primer taken from a conditioned piece).
inline std::vector<std::int32_t> without_conditions(const std::vector<std::int32_t>& ids, const music::Vocabulary& vocabulary) {
  std::vector<std::int32_t> kept;
  kept.reserve(ids.size());
  for (std::int32_t id : ids)
    if (id < 0 || id >= vocabulary.size() || !music::is_condition_token(vocabulary.token(id))) kept.push_back(id);
  return kept;
}

/// Feeds a primed generator its control block and has it fed again after every
/// encoder.conditions().every generated tokens; returns the block's tokens. Each kind the encoder
/// writes takes the requested value, or else the token of that kind the model finds likeliest
/// after what was fed so far (piece 0's probabilities). ConditionError for a request the model
/// cannot take (trained without that kind, or never saw that value), before anything is fed.
template <class Scalar>
std::vector<std::string> start_conditions(BatchGenerator<Scalar>& generator, const music::Encoder& encoder,
                                          const music::Vocabulary& vocabulary, const ConditionRequest& request) {
  const music::Conditions& conditions = encoder.conditions();
  const auto refuse_unknown = [&](bool asked, bool trained, const char* kind) {
    if (asked && !trained)
      SYMPHONIC_THROW(ConditionError(std::string("this model was trained without ") + kind +
                                     " tokens: it cannot be asked for one (train with the encoder option condition=" + kind + ")"));
  };
  refuse_unknown(request.key >= 0, conditions.key, "key");
  refuse_unknown(request.density >= 0, conditions.density, "density");
  refuse_unknown(request.tempo >= 0, conditions.tempo, "tempo");
  // the requested tokens, checked against the vocabulary before anything is fed
  std::vector<std::string> wanted;
  for (music::Condition kind : conditions.kinds()) {
    std::string token;
    if (kind == music::Condition::key && request.key >= 0) token = music::key_token(request.key);
    if (kind == music::Condition::density && request.density >= 0) token = music::density_token(std::min(request.density, 16));
    if (kind == music::Condition::tempo && request.tempo >= 0) token = music::tempo_token(music::tempo_level(request.tempo));
    if (!token.empty() && (!vocabulary.contains(token) || vocabulary.id(token) == vocabulary.unknown_id())) {
      std::string known;
      for (const std::string& t : music::condition_tokens(kind))
        if (vocabulary.contains(t)) known += " " + t;
      SYMPHONIC_THROW(ConditionError("the model never saw " + token + " in training; it knows" +
                                     (known.empty() ? std::string(" none") : known)));
    }
    wanted.push_back(token);
  }
  std::vector<std::string> block;
  std::vector<std::int32_t> block_ids;
  const std::vector<music::Condition> kinds = conditions.kinds();
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    std::string token = wanted[k];
    if (token.empty()) {  // the model's choice: its likeliest token of this kind
      const std::vector<double>& p = generator.probabilities();
      if (p.empty()) SYMPHONIC_THROW(SamplerError("the generator needs at least one primer token before its conditions"));
      double best = -1;
      for (const std::string& t : music::condition_tokens(kinds[k])) {
        if (!vocabulary.contains(t)) continue;
        const double q = p[static_cast<std::size_t>(vocabulary.id(t))];
        if (q > best) {
          best = q;
          token = t;
        }
      }
      if (token.empty())
        SYMPHONIC_THROW(ConditionError("the vocabulary holds no " + music::Conditions::name(kinds[k]) + " token to start from"));
    }
    const std::int32_t id = vocabulary.id(token);
    generator.feed(std::vector<std::int32_t>(static_cast<std::size_t>(generator.count()), id));
    block.push_back(token);
    block_ids.push_back(id);
  }
  generator.set_interleaved(block_ids, conditions.every);
  return block;
}

}  // namespace generate
SYMPHONIC_NAMESPACE_END
