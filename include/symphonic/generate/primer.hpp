// symphonic/generate/primer.hpp - where a generated piece starts, and how its ids become MIDI.
//
// Primers (token ids to feed the Generator before sampling):
//   begin_primer(vocabulary)                  the begin-of-piece token "<begin>" (encoders with
//                                             markers=1 put it in front of every piece)
//   token_primer(tokens, vocabulary)          a token list, e.g. read from a text file
//   midi_primer(path, encoder, vocabulary, n) the first n tokens of a MIDI file
//   random_window_primer(pieces, n, seed)     a random window of a training piece (the recipe)
// Tokens that the vocabulary does not know are dropped from a primer (they would only feed the
// unknown id); a primer that ends up empty is an error, never a silent start from nothing.
//
// Output: ids_to_notes() decodes generated ids (marker and unknown tokens skipped) and
// render_midi() turns the notes into a midi::File at a tempo and program of the caller's
// choosing. Decoding is total, so any sampled sequence gives a valid file (possibly silent).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/data/data.hpp"
#include "symphonic/error.hpp"
#include "symphonic/generate/sampler.hpp"
#include "symphonic/midi/midi.hpp"
#include "symphonic/music/music.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace generate {

/// A primer that cannot be built (no begin token, nothing known in the file or the list).
class PrimerError : public Error {
 public:
  explicit PrimerError(const std::string& message) : Error("generate.primer_error", message) {}
};

inline std::vector<std::int32_t> known_ids(const std::vector<std::string>& tokens, const music::Vocabulary& vocabulary) {
  std::vector<std::int32_t> ids;
  for (const std::string& t : tokens)
    if (vocabulary.contains(t) && vocabulary.id(t) != vocabulary.unknown_id()) ids.push_back(vocabulary.id(t));
  return ids;
}

inline std::vector<std::int32_t> begin_primer(const music::Vocabulary& vocabulary) {
  if (!vocabulary.contains(music::begin_token()))
    SYMPHONIC_THROW(PrimerError("the vocabulary has no " + music::begin_token() +
                                " token (train with an encoder option markers=1, or prime with a file or a random window)"));
  return {vocabulary.id(music::begin_token())};
}

inline std::vector<std::int32_t> token_primer(const std::vector<std::string>& tokens, const music::Vocabulary& vocabulary) {
  std::vector<std::int32_t> ids = known_ids(tokens, vocabulary);
  if (ids.empty()) SYMPHONIC_THROW(PrimerError("none of the " + std::to_string(tokens.size()) + " primer tokens is in the vocabulary"));
  return ids;
}

/// The first `max_tokens` known tokens of a MIDI file, as `encoder` tokenizes it (0: all).
inline std::vector<std::int32_t> midi_primer(const std::string& path, const music::Encoder& encoder,
                                             const music::Vocabulary& vocabulary, std::size_t max_tokens) {
  const midi::File file = midi::read_file(path);
  std::vector<std::int32_t> ids = known_ids(encoder.encode_file(file), vocabulary);
  // an end marker would tell the model the piece is over
  if (vocabulary.contains(music::end_token())) {
    const std::int32_t end = vocabulary.id(music::end_token());
    std::vector<std::int32_t> kept;
    for (std::int32_t id : ids)
      if (id != end) kept.push_back(id);
    ids.swap(kept);
  }
  if (ids.empty()) SYMPHONIC_THROW(PrimerError(path + " gives no token the vocabulary knows"));
  if (max_tokens > 0 && ids.size() > max_tokens) ids.resize(max_tokens);
  return ids;
}

/// A window of `length` ids from a piece chosen at random (pieces shorter than that are skipped;
/// if all are, the longest piece whole).
inline std::vector<std::int32_t> random_window_primer(const std::vector<data::Piece>& pieces, std::size_t length,
                                                      std::uint64_t seed) {
  std::vector<const data::Piece*> long_enough;
  const data::Piece* longest = nullptr;
  for (const data::Piece& p : pieces) {
    if (!longest || p.ids.size() > longest->ids.size()) longest = &p;
    if (p.ids.size() >= length && !p.ids.empty()) long_enough.push_back(&p);
  }
  if (!longest || longest->ids.empty()) SYMPHONIC_THROW(PrimerError("no piece to take a primer window from"));
  SplitMix64 rng(seed);
  if (long_enough.empty()) return longest->ids;
  const data::Piece& piece = *long_enough[static_cast<std::size_t>(rng.below(long_enough.size()))];
  const std::size_t start = static_cast<std::size_t>(rng.below(piece.ids.size() - length + 1));
  return std::vector<std::int32_t>(piece.ids.begin() + static_cast<std::ptrdiff_t>(start),
                                   piece.ids.begin() + static_cast<std::ptrdiff_t>(start + length));
}

/// The ids a generated piece should not hold: the unknown token, the begin and end markers
/// (the length is the caller's choice, so neither a new beginning nor an end) and control tokens
/// (fed, never sampled: generate/conditions.hpp), where the vocabulary has them.
inline std::vector<std::int32_t> unplayable_ids(const music::Vocabulary& vocabulary) {
  std::vector<std::int32_t> ids;
  if (vocabulary.unknown_id() >= 0) ids.push_back(vocabulary.unknown_id());
  for (const std::string& marker : {music::begin_token(), music::end_token()})
    if (vocabulary.contains(marker)) ids.push_back(vocabulary.id(marker));
  for (std::int32_t id = 0; id < vocabulary.size(); ++id)
    if (music::is_condition_token(vocabulary.token(id))) ids.push_back(id);
  return ids;
}

/// Notes of generated ids; unknown and marker tokens are skipped.
inline midi::NoteList ids_to_notes(const std::vector<std::int32_t>& ids, const music::Vocabulary& vocabulary,
                                   const music::Encoder& encoder, music::DecodeStats* stats = nullptr) {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (std::int32_t id : ids) {
    if (id < 0 || id >= vocabulary.size() || id == vocabulary.unknown_id()) continue;
    const std::string& t = vocabulary.token(id);
    if (t == music::begin_token() || t == music::end_token()) continue;
    tokens.push_back(t);
  }
  return encoder.decode(tokens, stats);
}

struct RenderOptions {
  double bpm = 120;     ///< tempo of the file
  int program = -1;     ///< General MIDI program for every note; -1 keeps the decoded ones
  std::string name;     ///< track name
};

/// A Standard MIDI File that plays `notes`. Notes decoded with ticks are placed by ticks at
/// `bpm` (so the tempo changes the speed); notes in seconds only, at their seconds.
inline midi::File render_midi(midi::NoteList notes, const RenderOptions& options = {}) {
  if (options.program >= 0)
    for (midi::Note& n : notes.notes) n.program = options.program;
  midi::NotesToFileOptions o;
  o.bpm = options.bpm;
  o.name = options.name;
  return midi::notes_to_file(notes, o);
}

}  // namespace generate
SYMPHONIC_NAMESPACE_END
