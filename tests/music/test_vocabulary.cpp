// Vocabulary: ids as the recipe assigned them, unknown tokens, text form, malformed files.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "symphonic/detail/file_io.hpp"
#include "symphonic/music/vocabulary.hpp"

using namespace symphonic;

namespace {
const std::vector<std::vector<std::string>> pieces = {{"C4", "4.9", "E-5", "C4", "<begin>"},
                                                      {"11.2.5", "C4", "A3", "4.9", "<end>"}};

void check_text_error(const std::string& text, const std::string& message) {
  CAPTURE(text);
  CHECK_THROWS_WITH_AS(music::Vocabulary::from_text(text), ("[symphonic.music.vocabulary_error] " + message).c_str(),
                       music::VocabularyError);
}
}  // namespace

TEST_SUITE("music") {

TEST_CASE("vocabulary: without an unknown token the ids are the recipe's sorted(set(notes))") {
  music::VocabularyOptions options;
  options.unknown = false;
  const auto v = music::Vocabulary::build(pieces, options, "chord recipe=1");
  // markers first, then Python's sorted(): byte order
  CHECK(v.tokens() == std::vector<std::string>{"<begin>", "<end>", "11.2.5", "4.9", "A3", "C4", "E-5"});
  CHECK(v.unknown_id() == -1);
  CHECK(v.id("C4") == 5);
  CHECK(v.id("G4") == -1);
  CHECK_THROWS_AS(v.encode({"G4"}), music::VocabularyError);
  CHECK(v.encode({"C4", "11.2.5"}) == std::vector<std::int32_t>{5, 2});
  CHECK(v.decode({5, 2}) == std::vector<std::string>{"C4", "11.2.5"});
}

TEST_CASE("vocabulary: unknown token first, min_count, extra tokens") {
  music::VocabularyOptions options;
  options.min_count = 2;
  options.extra = {"G9"};
  const auto v = music::Vocabulary::build(pieces, options);
  CHECK(v.tokens() == std::vector<std::string>{"<unk>", "4.9", "C4", "G9"});
  CHECK(v.unknown_id() == 0);
  CHECK(v.id("A3") == 0);
  CHECK(v.encode({"A3", "C4"}) == std::vector<std::int32_t>{0, 2});
  CHECK(v.size() == 4);
  CHECK(v.token(3) == "G9");
  CHECK_THROWS_AS(v.token(4), music::VocabularyError);
  CHECK_THROWS_AS(v.token(-1), music::VocabularyError);
  CHECK_THROWS_AS(v.decode({0, 7}), music::VocabularyError);
}

TEST_CASE("vocabulary: text form and files round-trip") {
  const auto v = music::Vocabulary::build(pieces, {}, "chord recipe=1");
  const std::string text = v.to_text();
  CHECK(text.substr(0, text.find('\n')) == "symphonic-vocabulary 1 size=8 unknown=0 encoder=chord recipe=1");
  CHECK(music::Vocabulary::from_text(text) == v);
  const std::string path = "test_vocabulary_roundtrip.txt";
  v.save(path);
  CHECK(music::Vocabulary::load(path) == v);
  std::remove(path.c_str());
  CHECK_THROWS_AS(music::Vocabulary::load("no/such/vocabulary.txt"), io::FileError);
  // CRLF line ends are accepted
  std::string crlf;
  for (char c : text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  CHECK(music::Vocabulary::from_text(crlf) == v);
  // an empty vocabulary is valid
  const music::Vocabulary empty({}, -1, "");
  CHECK(music::Vocabulary::from_text(empty.to_text()) == empty);
}

TEST_CASE("vocabulary: malformed text gives an error naming the line") {
  check_text_error("", "vocabulary line 1: empty text, expected the header \"symphonic-vocabulary 1 ...\"");
  check_text_error("C4\nD4\n", "vocabulary line 1: expected the header \"symphonic-vocabulary 1 size=N unknown=ID encoder=...\"");
  check_text_error("symphonic-vocabulary 2 size=1 unknown=-1 encoder=x\nC4\n",
                   "vocabulary line 1: unsupported vocabulary format version \"2\"");
  check_text_error("symphonic-vocabulary 1 size=x unknown=-1 encoder=x\nC4\n",
                   "vocabulary line 1: size=x is not a number in 0..2147483647");
  check_text_error("symphonic-vocabulary 1 size=1 unknown=-2 encoder=x\nC4\n",
                   "vocabulary line 1: unknown=-2 is not a number in -1..2147483647");
  check_text_error("symphonic-vocabulary 1 size=1 unknown=-1\nC4\n",
                   "vocabulary line 1: expected encoder=... at the end of the header");
  check_text_error("symphonic-vocabulary 1 size=2 unknown=-1 encoder=\nC4\n",
                   "vocabulary: header says size=2 but 1 tokens follow");
  check_text_error("symphonic-vocabulary 1 size=1 unknown=-1 encoder=\nC4\nD4\n",
                   "vocabulary line 3: more tokens than size=1");
  check_text_error("symphonic-vocabulary 1 size=2 unknown=-1 encoder=\nC4\n\n", "vocabulary line 3: empty token");
  check_text_error("symphonic-vocabulary 1 size=2 unknown=-1 encoder=\nC4\nC 4\n",
                   "vocabulary line 3: token \"C 4\" contains whitespace");
  check_text_error("symphonic-vocabulary 1 size=3 unknown=-1 encoder=\nC4\nD4\nC4\n",
                   "vocabulary line 4: token \"C4\" repeats line 2");
  check_text_error("symphonic-vocabulary 1 size=1 unknown=1 encoder=\nC4\n",
                   "vocabulary line 2: unknown=1 is not a token id");
  // a file adds its path to the message
  const std::string path = "test_vocabulary_bad.txt";
  symphonic::detail::write_file_atomic(path, std::string("nonsense\n"));
  CHECK_THROWS_WITH_AS(music::Vocabulary::load(path),
                       ("[symphonic.music.vocabulary_error] " + path +
                        ": vocabulary line 1: expected the header \"symphonic-vocabulary 1 size=N unknown=ID encoder=...\"")
                           .c_str(),
                       music::VocabularyError);
  std::remove(path.c_str());
}

TEST_CASE("vocabulary: constructor rejects bad token lists") {
  CHECK_THROWS_AS(music::Vocabulary({"a", "a"}, -1, ""), music::VocabularyError);
  CHECK_THROWS_AS(music::Vocabulary({"a", ""}, -1, ""), music::VocabularyError);
  CHECK_THROWS_AS(music::Vocabulary({"a b"}, -1, ""), music::VocabularyError);
  CHECK_THROWS_AS(music::Vocabulary({"a"}, 1, ""), music::VocabularyError);
  CHECK_THROWS_AS(music::Vocabulary({"a"}, -1, "chord\nrecipe=1"), music::VocabularyError);
  CHECK_THROWS_AS(music::Vocabulary::build({{"a b"}}), music::VocabularyError);
}

}  // TEST_SUITE
