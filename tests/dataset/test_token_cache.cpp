// The corpus token cache (data/token_cache.hpp) and augmentation by transposition after the
// split (data/augment.hpp), on copies of the repository's small MIDI fixtures in a temporary
// folder.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/skip.hpp"
#include "symphonic/data/data.hpp"
#include "symphonic/detail/file_io.hpp"
#include "symphonic/midi/read.hpp"
#include "symphonic/music/factory.hpp"

using namespace symphonic;

namespace {

// A temporary folder holding copies of tests/data/music/quirks/*.mid and one file that is not MIDI.
struct Folder {
  std::string path;
  std::vector<std::string> files;
  Folder() {
    char name[] = "/tmp/symphonic_cache_XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    path = name;
    for (const std::string& f : data::list_midi_files(symphonic_test::data_dir() + "/music/quirks")) {
      const std::string copy = path + f.substr(f.rfind('/'));
      detail::write_file_atomic(copy, detail::read_file(f));
      files.push_back(copy);
    }
    REQUIRE(files.size() >= 30);
    write("broken.mid", "not a MIDI file");
  }
  ~Folder() {
    std::remove(cache().c_str());
    if (std::system(("rm -rf '" + path + "'").c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", path.c_str());
  }
  void write(const std::string& name, const std::string& bytes) const {
    detail::write_file_atomic(path + "/" + name, bytes.data(), bytes.size());
  }
  std::string cache() const { return path + ".tokens"; }
};

// Sets a file's modification time, `seconds` after the epoch.
void set_time(const std::string& path, long seconds) {
  const struct timeval times[2] = {{seconds, 0}, {seconds, 0}};
  REQUIRE(::utimes(path.c_str(), times) == 0);
}

void check_same(const data::Corpus& a, const data::Corpus& b) {
  CHECK(a.vocabulary == b.vocabulary);
  CHECK(a.failed == b.failed);
  CHECK(a.folder_summary == b.folder_summary);
  REQUIRE(a.pieces.size() == b.pieces.size());
  for (std::size_t i = 0; i < a.pieces.size(); ++i) {
    CAPTURE(a.pieces[i].name);
    CHECK(a.pieces[i].name == b.pieces[i].name);
    CHECK(a.pieces[i].ids == b.pieces[i].ids);
  }
}

std::vector<std::uint8_t> bytes_of(const std::string& path) { return detail::read_file(path); }

}  // namespace

TEST_SUITE("data") {

TEST_CASE("token cache: a file's tokens are numbered in the order they are first seen, through the table's growth") {
  // 5,000 distinct strings (the table grows from 64 slots to 16,384), each seen several times in
  // a shuffled order, with empty and one-byte strings and strings that differ in their last byte
  std::vector<std::string> strings = {"", "a", "b", "0.4.7", "0.4.8"};
  for (int i = 0; i < 4995; ++i) strings.push_back("token-" + std::to_string(i * 7919 % 100003));
  std::vector<std::string> stream;
  for (int round = 0; round < 3; ++round)
    for (std::size_t i = 0; i < strings.size(); ++i) stream.push_back(strings[(i * 2654435761u + round) % strings.size()]);
  data::detail::FirstSeen index;
  std::map<std::string, std::uint32_t> expected;
  for (const std::string& s : stream) {
    const auto inserted = expected.emplace(s, static_cast<std::uint32_t>(expected.size()));
    REQUIRE(index.number(s) == inserted.first->second);
  }
  REQUIRE(index.distinct().size() == expected.size());
  for (const auto& [s, number] : expected) CHECK(index.distinct()[number] == s);
}

TEST_CASE("token cache: the cached corpus is load_corpus's, id for id; a second load reads no file") {
  const Folder folder;
  for (const char* options : {"chord recipe=1", "event", "chord timing=1 markers=1"}) {
    CAPTURE(options);
    std::remove(folder.cache().c_str());
    const auto encoder = music::make_encoder(options);
    const data::Corpus direct = data::load_corpus(folder.path, *encoder, {}, 2);
    REQUIRE(direct.failed.size() == 1);  // broken.mid
    data::CacheReport made;
    check_same(data::load_corpus_cached(folder.path, folder.cache(), *encoder, {}, 2, &made), direct);
    CHECK(made.created);
    CHECK(made.tokenized == folder.files.size() + 1);
    const auto written = bytes_of(folder.cache());
    data::CacheReport again;
    check_same(data::load_corpus_cached(folder.path, folder.cache(), *encoder, {}, 1, &again), direct);
    CHECK(again.reused == folder.files.size() + 1);  // the broken file too: its error is remembered
    CHECK(again.tokenized == 0);
    CHECK_FALSE(again.changed());
    CHECK(bytes_of(folder.cache()) == written);  // not rewritten
    // other vocabulary options are applied to the cached tokens as load_corpus applies them
    music::VocabularyOptions rare;
    rare.min_count = 3;
    rare.unknown = false;
    check_same(data::load_corpus_cached(folder.path, folder.cache(), *encoder, rare, 2),
               data::load_corpus(folder.path, *encoder, rare, 2));
  }
}

TEST_CASE("token cache: a touched file is read alone, a changed one re-tokenized, added and removed ones noticed") {
  const Folder folder;
  const auto encoder = music::make_encoder("chord timing=1 markers=1");
  data::load_corpus_cached(folder.path, folder.cache(), *encoder, {}, 2);
  const std::size_t n = folder.files.size() + 1;

  set_time(folder.files[3], 1000000000);  // same bytes, new time
  data::CacheReport touched;
  check_same(data::load_corpus_cached(folder.path, folder.cache(), *encoder, {}, 2, &touched),
             data::load_corpus(folder.path, *encoder, {}, 2));
  CHECK(touched.touched == 1);
  CHECK(touched.tokenized == 0);
  CHECK(touched.reused == n - 1);
  data::CacheReport after;
  data::load_corpus_cached(folder.path, folder.cache(), *encoder, {}, 2, &after);
  CHECK(after.reused == n);  // the new time was recorded

  // new bytes under the same name (and the same time: the size tells): re-tokenized alone
  const auto other = bytes_of(folder.files[5]);
  detail::write_file_atomic(folder.files[3], other);
  set_time(folder.files[3], 1000000000);
  data::CacheReport changed;
  const data::Corpus updated = data::load_corpus_cached(folder.path, folder.cache(), *encoder, {}, 2, &changed);
  check_same(updated, data::load_corpus(folder.path, *encoder, {}, 2));
  CHECK(changed.tokenized == 1);
  CHECK(changed.reused == n - 1);

  // an added file, and a removed one
  detail::write_file_atomic(folder.path + "/added.mid", other);
  REQUIRE(std::remove(folder.files[0].c_str()) == 0);
  data::CacheReport moved;
  check_same(data::load_corpus_cached(folder.path, folder.cache(), *encoder, {}, 2, &moved),
             data::load_corpus(folder.path, *encoder, {}, 2));
  CHECK(moved.tokenized == 1);
  CHECK(moved.removed == 1);
  CHECK(moved.reused == n - 1);
}

TEST_CASE("token cache: truncated, bit-flipped, foreign and other-encoder caches are errors, and left as they are") {
  const Folder folder;
  const auto encoder = music::make_encoder("event");
  data::load_corpus_cached(folder.path, folder.cache(), *encoder, {}, 2);
  const auto good = bytes_of(folder.cache());
  const auto expect = [&](const std::vector<std::uint8_t>& bytes, const std::string& section, const music::Encoder& e) {
    CAPTURE(section);
    detail::write_file_atomic(folder.cache(), bytes);
    try {
      data::load_corpus_cached(folder.path, folder.cache(), e, {}, 2);
      FAIL("no error");
    } catch (const data::CacheError& error) {
      CHECK(error.section() == section);
      CHECK(error.path() == folder.cache());
      CHECK(std::string(error.what()).find(folder.cache()) != std::string::npos);
    }
    CHECK(bytes_of(folder.cache()) == bytes);  // never rebuilt over
  };
  for (const std::size_t keep : {good.size() - 1, good.size() / 2, std::size_t{20}, std::size_t{3}, std::size_t{0}}) {
    CAPTURE(keep);
    expect(std::vector<std::uint8_t>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(keep)),
           keep < 32 ? "magic" : "end", *encoder);
  }
  for (const std::size_t at : {std::size_t{30}, good.size() / 2, good.size() - 9}) {
    CAPTURE(at);
    std::vector<std::uint8_t> flipped = good;
    flipped[at] ^= 0x10;
    expect(flipped, "checksum", *encoder);
  }
  expect(bytes_of(folder.files[0]), "magic", *encoder);  // a MIDI file given as the cache
  expect(good, "encoder", *music::make_encoder("event step_ms=20"));
  // and a cache of the right encoder still loads after all that
  detail::write_file_atomic(folder.cache(), good);
  CHECK_NOTHROW(data::load_corpus_cached(folder.path, folder.cache(), *encoder, {}, 2));
  // the folder is scanned while the cache is read; with both wrong, the cache's error is the
  // one reported, on one thread or two
  const std::string missing = folder.path + "/no such folder";
  for (const int threads : {1, 2}) {
    CAPTURE(threads);
    CHECK_THROWS_AS(data::load_corpus_cached(missing, folder.cache(), *encoder, {}, threads), io::FileError);
    detail::write_file_atomic(folder.cache(), std::vector<std::uint8_t>(good.begin(), good.begin() + 20));
    CHECK_THROWS_AS(data::load_corpus_cached(missing, folder.cache(), *encoder, {}, threads), data::CacheError);
    detail::write_file_atomic(folder.cache(), good);
  }
}

TEST_CASE("transposition ranges: parsed, and bad ones refused with the expected form") {
  const auto r = data::TransposeRange::parse("-5..6");
  CHECK(r.lo == -5);
  CHECK(r.hi == 6);
  CHECK(r.text() == "-5..6");
  CHECK_FALSE(data::TransposeRange::parse("0..0").active());
  for (const char* bad : {"", "5", "-5..", "..6", "2..6", "-5..-1", "-25..0", "0..25", "a..b", "-5...6", "-5..6x"}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH_AS(data::TransposeRange::parse(bad), doctest::Contains("expected LO..HI"), Error);
  }
  // the epoch's shift covers the range, and is a function of (seed, epoch, piece) only
  std::set<int> seen;
  for (std::size_t piece = 0; piece < 200; ++piece) {
    const int s = data::epoch_transposition(r, 7, 3, piece);
    CHECK(s >= -5);
    CHECK(s <= 6);
    CHECK(s == data::epoch_transposition(r, 7, 3, piece));
    seen.insert(s);
  }
  CHECK(seen.size() == 12);
}

TEST_CASE("transposition: training pieces get the tokens of their moved files, validation pieces none") {
  const Folder folder;
  const auto encoder = music::make_encoder("chord timing=1 markers=1");
  data::Corpus corpus = data::load_corpus(folder.path, *encoder, {}, 2);
  data::Split split = data::split_by_piece(corpus.pieces, 0.25, 3);
  const std::size_t base_tokens = static_cast<std::size_t>(corpus.vocabulary.size());
  music::Vocabulary vocabulary = corpus.vocabulary;
  const data::TransposeRange range{-3, 2};
  data::TokenCache cache(encoder->options_text());
  const std::size_t added = data::add_transpositions(split.train, folder.path, range, *encoder, vocabulary, true, 2, &cache);
  CHECK(added > 0);
  CHECK(static_cast<std::size_t>(vocabulary.size()) == base_tokens + added);
  for (std::size_t i = 0; i < base_tokens; ++i)  // the corpus's ids stay put
    CHECK(vocabulary.tokens()[i] == corpus.vocabulary.tokens()[i]);
  for (const data::Piece& piece : split.validation) CHECK(piece.transposed.empty());
  for (const data::Piece& piece : split.train) {
    CAPTURE(piece.name);
    REQUIRE(piece.transposed.size() == 5);
    for (const data::Transposition& t : piece.transposed) {
      CAPTURE(t.semitones);
      const auto tokens = encoder->encode_file(data::transpose(midi::read_file(piece.name), t.semitones));
      CHECK(t.ids == vocabulary.encode(tokens));
      CHECK(&data::transposed_ids(piece, t.semitones) == &t.ids);
    }
    CHECK(&data::transposed_ids(piece, 0) == &piece.ids);
  }
  // no validation piece's name is among the cache's transposed entries
  std::set<std::string> validation;
  for (const data::Piece& p : split.validation) validation.insert(p.name.substr(p.name.rfind('/') + 1));
  for (const auto& e : cache.entries()) CHECK(validation.count(e.path) == 0);
  // a resumed model's vocabulary is kept: tokens it lacks become its unknown token
  music::Vocabulary fixed = corpus.vocabulary;
  std::vector<data::Piece> again = split.train;
  CHECK(data::add_transpositions(again, folder.path, range, *encoder, fixed, false, 2, &cache) == 0);
  CHECK(fixed == corpus.vocabulary);
  for (const auto& piece : again)
    for (const auto& t : piece.transposed)
      for (const std::int32_t id : t.ids) CHECK(id < corpus.vocabulary.size());
}

TEST_CASE("batcher: with transpositions each epoch serves each piece at its drawn shift, the same on a restart") {
  std::vector<data::Piece> pieces(6);
  for (std::size_t p = 0; p < pieces.size(); ++p) {
    for (int i = 0; i < 20 + static_cast<int>(p); ++i) pieces[p].ids.push_back(static_cast<std::int32_t>(p * 1000 + i));
    for (int s : {-1, 1, 2}) {  // a copy's ids say their shift; each is shorter than the piece
      data::Transposition t{s, {}};
      for (int i = 0; i < 18 + s; ++i) t.ids.push_back(static_cast<std::int32_t>(p * 1000 + 100 * (s + 5) + i));
      pieces[p].transposed.push_back(t);
    }
  }
  const data::TransposeRange range{-1, 2};
  data::Batcher a(pieces, {5, 1, data::Target::next_token}, 4, 11);
  a.set_transpositions(range);
  for (std::int64_t epoch = 0; epoch < 4; ++epoch) {
    a.start_epoch(epoch);
    std::int64_t windows = 0;
    for (std::size_t p = 0; p < pieces.size(); ++p)
      windows += data::window_count(
          static_cast<std::int64_t>(data::transposed_ids(pieces[p], data::epoch_transposition(range, 11, epoch, p)).size()),
          a.options());
    CHECK(a.window_count() == windows);
    data::Batcher b(pieces, {5, 1, data::Target::next_token}, 4, 11);
    b.set_transpositions(range);
    b.start_epoch(epoch);
    data::Batch x, y;
    std::int64_t rows = 0;
    while (a.next(x)) {
      REQUIRE(b.next(y));
      CHECK(x.inputs == y.inputs);
      CHECK(x.targets == y.targets);
      for (Eigen::Index r = 0; r < x.inputs.rows(); ++r, ++rows) {
        const std::size_t piece = static_cast<std::size_t>(x.inputs(r, 0) / 1000);
        const int shift = data::epoch_transposition(range, 11, epoch, piece);
        const int code = static_cast<int>(x.inputs(r, 0) % 1000);
        CHECK((shift == 0 ? code < 100 : code / 100 == shift + 5));
      }
    }
    CHECK_FALSE(b.next(y));
    CHECK(rows == windows);
  }
}

}  // TEST_SUITE
