// symphonic/data/augment.hpp - transposition of the training pieces, after the split.
//
//   data::Split split = data::split_by_piece(corpus.pieces, 0.1, seed);
//   data::add_transpositions(split.train, dir, data::TransposeRange::parse("-5..6"), *encoder,
//                            corpus.vocabulary, true);
//   options.transpose = data::TransposeRange::parse("-5..6");   // the trainer's batches use them
//
// Each training piece is tokenized again at every shift of the range (its MIDI file moved by
// data::transpose(midi::File, s), which any encoder then reads, the recipe's included), and each
// epoch serves every piece at one shift drawn by counter from (seed, epoch, piece): seeded, the
// same after a resume, and independent of threads and ranks. Validation pieces are never given
// transpositions, and since the split comes first no copy of a validation piece is trained on.
// A shift at which a file cannot be tokenized is left out; an epoch that draws it serves the
// piece untransposed.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/data/dataset.hpp"
#include "symphonic/data/token_cache.hpp"
#include "symphonic/error.hpp"
#include "symphonic/music/encoder.hpp"
#include "symphonic/music/vocabulary.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace data {

/// Gives every piece of `pieces` (names: MIDI files under `root`) its transpositions over
/// `range`, tokenized `threads` files at a time, through `cache` when given (entries keyed by
/// shift: a second run reads nothing) or a scratch one. Tokens the vocabulary lacks are added
/// after its last id when `extend_vocabulary` (a new model), or become its unknown token
/// (dropped without one) when not (a model being resumed, whose vocabulary is fixed). Returns
/// the number of tokens added.
inline std::size_t add_transpositions(std::vector<Piece>& pieces, const std::string& root, const TransposeRange& range,
                                      const music::Encoder& encoder, music::Vocabulary& vocabulary,
                                      bool extend_vocabulary, int threads = 0, TokenCache* cache = nullptr,
                                      CacheReport* report = nullptr) {
  TokenCache scratch(encoder.options_text());
  TokenCache& tokens = cache ? *cache : scratch;
  std::vector<std::string> files;
  files.reserve(pieces.size());
  for (const Piece& p : pieces) files.push_back(p.name);
  for (int s = range.lo; s <= range.hi; ++s)
    if (s != 0) tokens.update(root, files, s, encoder, threads, cache ? report : nullptr);

  std::size_t added = 0;
  if (extend_vocabulary) {
    std::vector<std::string> unseen;
    for (const std::string& file : files)
      for (int s = range.lo; s <= range.hi; ++s) {
        const TokenCache::Entry* e = s == 0 ? nullptr : tokens.find(detail::relative_to(root, file), s);
        if (!e || !e->error.empty()) continue;
        const std::uint32_t* ids = tokens.ids(*e);
        for (std::uint64_t i = 0; i < e->count; ++i)
          if (!vocabulary.contains(tokens.table()[ids[i]])) unseen.push_back(tokens.table()[ids[i]]);
      }
    std::sort(unseen.begin(), unseen.end());
    unseen.erase(std::unique(unseen.begin(), unseen.end()), unseen.end());
    if (!unseen.empty()) {
      added = unseen.size();
      std::vector<std::string> all = vocabulary.tokens();
      all.insert(all.end(), unseen.begin(), unseen.end());
      vocabulary = music::Vocabulary(std::move(all), vocabulary.unknown_id(), vocabulary.encoder_options());
    }
  }
  const std::vector<std::int32_t> map = tokens.vocabulary_map(vocabulary);
  for (Piece& piece : pieces) {
    piece.transposed.clear();
    const std::string relative = detail::relative_to(root, piece.name);
    for (int s = range.lo; s <= range.hi; ++s) {
      const TokenCache::Entry* e = s == 0 ? nullptr : tokens.find(relative, s);
      if (e && e->error.empty()) piece.transposed.push_back({s, tokens.ids_in(*e, map)});
    }
  }
  return added;
}

}  // namespace data
SYMPHONIC_NAMESPACE_END
