// data/corpus.hpp: finding the MIDI files of a folder, tokenizing them into a corpus (the same
// with 1 and 2 threads over the developer corpus, skipped without it), and a corpus taking a
// trained model's ids. (tests/data/ holds the fixtures; the data module's tests are here.)
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "support/skip.hpp"
#include "symphonic/data/corpus.hpp"
#include "symphonic/music/chord_encoder.hpp"
#include "symphonic/music/factory.hpp"

using namespace symphonic;

TEST_SUITE("data") {

TEST_CASE("corpus: load_corpus gives the same pieces with 1 and 2 threads, over every corpus file") {
  const std::string corpus = symphonic_test::corpus_dir();
  if (corpus.empty()) SYMPHONIC_SKIP_TEST("no ../shared/corpus");
  for (const char* options : {"chord recipe=1", "event", "chord timing=1"}) {
    CAPTURE(options);
    const auto encoder = music::make_encoder(options);
    const data::Corpus one = data::load_corpus(corpus, *encoder, {}, 1);
    const data::Corpus two = data::load_corpus(corpus, *encoder, {}, 2);
    CHECK(one.failed.empty());
    CHECK(one.pieces.size() == 183);
    CHECK(one.vocabulary == two.vocabulary);
    CHECK(one.vocabulary.encoder_options() == encoder->options_text());
    REQUIRE(one.pieces.size() == two.pieces.size());
    for (std::size_t i = 0; i < one.pieces.size(); ++i) {
      CHECK(one.pieces[i].name == two.pieces[i].name);
      CHECK(one.pieces[i].ids == two.pieces[i].ids);
    }
  }
}

TEST_CASE("list_midi_files: recursive, sorted, case-insensitive extensions; missing folder is an error") {
  const auto files = data::list_midi_files(symphonic_test::data_dir() + "/music/quirks");
  CHECK(files.size() >= 30);
  CHECK(std::is_sorted(files.begin(), files.end()));
  for (const auto& f : files) CHECK(f.substr(f.size() - 4) == ".mid");
  CHECK_THROWS_AS(data::list_midi_files(symphonic_test::data_dir() + "/no/such/folder"), io::FileError);
  const auto bad = data::tokenize_files({symphonic_test::data_dir() + "/music/quirks/music21.tsv"},
                                        music::ChordEncoder(music::ChordEncoderOptions::recipe_preset()));
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].tokens.empty());
  CHECK(bad[0].error.find("midi.parse_error") != std::string::npos);
}

TEST_CASE("use_vocabulary: a corpus takes a trained model's ids, as decoding and encoding again would give") {
  const std::vector<std::vector<std::string>> tokens = {{"C4", "E4", "G4", "C4"}, {"0.4.7", "rare", "E4"}};
  data::Corpus corpus;
  corpus.vocabulary = music::Vocabulary::build(tokens);
  for (const auto& piece : tokens) corpus.pieces.emplace_back("p", corpus.vocabulary.encode(piece));
  // the model's vocabulary: another order, without "rare"
  const music::Vocabulary model = music::Vocabulary::build({{"G4", "G4", "G4", "E4", "E4", "C4", "0.4.7"}});
  std::vector<std::vector<std::int32_t>> expected;
  for (const auto& piece : corpus.pieces) expected.push_back(model.encode(corpus.vocabulary.decode(piece.ids)));
  data::Corpus mapped = corpus;
  data::use_vocabulary(mapped, model);
  REQUIRE(mapped.pieces.size() == 2);
  CHECK(mapped.pieces[0].ids == expected[0]);
  CHECK(mapped.pieces[1].ids == expected[1]);
  CHECK(mapped.pieces[1].ids[1] == model.unknown_id());
  CHECK(mapped.vocabulary.to_text() == model.to_text());

  // without an unknown token, a token the model lacks is refused as encode() refuses it
  music::VocabularyOptions no_unknown;
  no_unknown.unknown = false;
  const music::Vocabulary strict = music::Vocabulary::build({{"C4", "E4", "G4", "0.4.7"}}, no_unknown);
  data::Corpus refused = corpus;
  CHECK_THROWS_WITH_AS(data::use_vocabulary(refused, strict),
                       "[symphonic.music.vocabulary_error] token \"rare\" is not in the vocabulary, which has no "
                       "unknown token",
                       music::VocabularyError);
  data::Corpus first_only = corpus;
  first_only.pieces.pop_back();
  data::use_vocabulary(first_only, strict);  // holds no "rare"
  CHECK(strict.decode(first_only.pieces[0].ids) == tokens[0]);
}

}  // TEST_SUITE
