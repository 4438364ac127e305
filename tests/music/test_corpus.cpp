// The recipe's tokens on the real corpus (../shared; skipped when absent): identical to
// music21 5.7.2 on all 92 files, and found verbatim in the recipe's own token list for the 44
// files that list was made from (tests/music/README.md explains the other 48).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/skip.hpp"
#include "symphonic/data/corpus.hpp"
#include "symphonic/music/chord_encoder.hpp"
#include "symphonic/music/factory.hpp"

using namespace symphonic;

namespace {

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

std::uint64_t fnv1a64(const std::vector<std::string>& tokens) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  bool first = true;
  for (const auto& t : tokens) {
    if (!first) h = (h ^ static_cast<unsigned char>(' ')) * 0x100000001b3ULL;
    first = false;
    for (unsigned char c : t) h = (h ^ c) * 0x100000001b3ULL;
  }
  return h;
}

// Files of midi_songs/ whose tokens are not in recipe_notes.txt (see tests/music/README.md).
const std::set<std::string> not_in_recipe_list = {
    "0fithos.mid", "8.mid", "AT.mid", "BlueStone_LastDungeon.mid", "Cids.mid", "DOS.mid",
    "Eternal_Harvest.mid", "FF8_Shuffle_or_boogie_pc.mid", "FFVII_BATTLE.mid", "Ff4-BattleLust.mid",
    "Ff7-Cinco.mid", "Final_Fantasy_Matouyas_Cave_Piano.mid", "Fyw_piano.mid", "HighwindTakestotheSkies.mid",
    "Life_Stream.mid", "OTD5YA.mid", "Oppressed.mid", "Rachel_Piano_tempofix.mid", "Rydia_pc.mid",
    "Still_Alive-1.mid", "ahead_on_our_way_piano.mid", "balamb.mid", "bcm.mid", "braska.mid", "caitsith.mid",
    "cosmo.mid", "costadsol.mid", "dayafter.mid", "ff1battp.mid", "ff4-airship.mid", "ff4-fight1.mid",
    "ff7themep.mid", "fortresscondor.mid", "great_war.mid", "lurk_in_dark.mid", "mining.mid",
    "path_of_repentance.mid", "pkelite4.mid", "redwings.mid", "rufus.mid", "sandy.mid", "sera_.mid",
    "sobf.mid", "thoughts.mid", "tifap.mid", "tpirtsd-piano.mid", "traitor.mid", "ultimafro.mid"};

}  // namespace

TEST_SUITE("music") {

TEST_CASE("corpus: recipe tokens of all 92 midi_songs files are identical to music21 5.7.2's") {
  const std::string corpus = symphonic_test::corpus_dir();
  if (corpus.empty()) SYMPHONIC_SKIP_TEST("no ../shared/corpus");
  const music::ChordEncoder recipe(music::ChordEncoderOptions::recipe_preset());
  const auto files = data::tokenize_files(data::list_midi_files(corpus + "/midi_songs"), recipe, 2);
  REQUIRE(files.size() == 92);
  // tests/data/music/midi_songs_music21.tsv: count and FNV-1a hash of music21's tokens per file
  std::ifstream in(symphonic_test::data_dir() + "/music/midi_songs_music21.tsv");
  REQUIRE(in);
  std::map<std::string, std::pair<std::size_t, std::string>> expected;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name, hash;
    std::size_t count = 0;
    fields >> name >> count >> hash;
    expected[name] = {count, hash};
  }
  REQUIRE(expected.size() == 92);
  int identical = 0;
  for (const auto& f : files) {
    const std::string name = base_name(f.path);
    CAPTURE(name);
    REQUIRE(f.error.empty());
    REQUIRE(expected.count(name) == 1);
    char hash[17];
    std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(fnv1a64(f.tokens)));
    CHECK(f.tokens.size() == expected[name].first);
    CHECK(hash == expected[name].second);
    identical += f.tokens.size() == expected[name].first && hash == expected[name].second;
  }
  CHECK(identical == 92);
}

TEST_CASE("corpus: the recipe's token list holds exactly 44 of the 92 files, each as one contiguous run") {
  const std::string corpus = symphonic_test::corpus_dir();
  const std::string reference = symphonic_test::reference_dir();
  if (corpus.empty() || reference.empty()) SYMPHONIC_SKIP_TEST("no ../shared/corpus or ../shared/reference");
  std::ifstream in(reference + "/recipe_notes.txt");
  REQUIRE(in);
  std::vector<std::string> list;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) list.push_back(line);
  REQUIRE(list.size() == 27890);

  const music::ChordEncoder recipe(music::ChordEncoderOptions::recipe_preset());
  const auto files = data::tokenize_files(data::list_midi_files(corpus + "/midi_songs"), recipe, 2);
  REQUIRE(files.size() == 92);
  std::vector<std::pair<std::size_t, std::size_t>> runs;  // (start, length) of each found file
  std::vector<std::vector<std::string>> found_tokens, all_tokens;
  for (const auto& f : files) {
    const std::string name = base_name(f.path);
    CAPTURE(name);
    all_tokens.push_back(f.tokens);
    const auto it = std::search(list.begin(), list.end(), f.tokens.begin(), f.tokens.end());
    const bool found = !f.tokens.empty() && it != list.end();
    CHECK(found == (not_in_recipe_list.count(name) == 0));
    if (found) {
      runs.emplace_back(static_cast<std::size_t>(it - list.begin()), f.tokens.size());
      found_tokens.push_back(f.tokens);
    } else {
      // not even the first 10 tokens occur as a run: the file was not in the recipe's corpus
      const std::size_t k = std::min<std::size_t>(10, f.tokens.size());
      if (k == 0) continue;  // AT.mid: music21 finds no notes in its first part either
      CHECK(std::search(list.begin(), list.end(), f.tokens.begin(), f.tokens.begin() + static_cast<long>(k)) ==
            list.end());
    }
  }
  CHECK(runs.size() == 44);
  // the 44 runs tile the whole list without gaps or overlaps
  std::sort(runs.begin(), runs.end());
  std::size_t covered = 0;
  for (const auto& r : runs) {
    CHECK(r.first == covered);
    covered = r.first + r.second;
  }
  CHECK(covered == list.size());
  // vocabularies: the recipe's 279 tokens from those 44 files; 358 from all 92
  music::VocabularyOptions recipe_ids;
  recipe_ids.unknown = false;
  const auto v44 = music::Vocabulary::build(found_tokens, recipe_ids, recipe.options_text());
  CHECK(v44.size() == 279);
  std::vector<std::string> sorted_list(list);
  std::sort(sorted_list.begin(), sorted_list.end());
  sorted_list.erase(std::unique(sorted_list.begin(), sorted_list.end()), sorted_list.end());
  CHECK(v44.tokens() == sorted_list);  // and the recipe's ids: sorted(set(notes))
  CHECK(music::Vocabulary::build(all_tokens, recipe_ids).size() == 358);
}

}  // TEST_SUITE
