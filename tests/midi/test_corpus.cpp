// The developer corpus (../shared/corpus, 183 real files): every file reads without a warning,
// in strict mode too, agrees with MANIFEST.tsv (written from mido), and round-trips.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <symphonic/detail/file_io.hpp>
#include <symphonic/midi/midi.hpp>

#include "support/skip.hpp"

using namespace symphonic;

namespace {

struct ManifestRow {
  std::string path;
  std::size_t bytes = 0;
  int format = 0, tracks = 0, division = 0;
  long note_ons = 0;
};

std::vector<ManifestRow> manifest(const std::string& dir) {
  std::vector<ManifestRow> rows;
  std::ifstream in(dir + "/MANIFEST.tsv");
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, '\t')) cells.push_back(cell);
    if (cells.size() < 7) continue;
    ManifestRow row;
    row.path = cells[0];
    row.bytes = std::stoul(cells[1]);
    row.format = std::stoi(cells[3]);
    row.tracks = std::stoi(cells[4]);
    row.division = std::stoi(cells[5]);
    row.note_ons = std::stol(cells[6]);
    rows.push_back(row);
  }
  return rows;
}

bool only_padding(const std::vector<std::uint8_t>& bytes, std::size_t from) {
  for (std::size_t i = from; i < bytes.size(); ++i)
    if (bytes[i] != 0x00 && bytes[i] != 0x0A && bytes[i] != 0x0D && bytes[i] != 0x1A) return false;
  return true;
}

}  // namespace

TEST_SUITE("midi") {

TEST_CASE("corpus: every file reads cleanly, matches the manifest and round-trips") {
  const std::string dir = symphonic_test::corpus_dir();
  if (dir.empty()) SYMPHONIC_SKIP_TEST("no corpus folder (../shared/corpus)");
  const std::vector<ManifestRow> rows = manifest(dir);
  REQUIRE(rows.size() >= 183);
  std::size_t identical = 0, notes = 0;
  for (const ManifestRow& row : rows) {
    CAPTURE(row.path);
    const std::vector<std::uint8_t> raw = symphonic::detail::read_file(dir + "/" + row.path);
    CHECK(raw.size() == row.bytes);
    std::vector<midi::Warning> warnings;
    const midi::File file = midi::read(raw, {}, &warnings);
    CHECK(warnings.empty());
    CHECK_NOTHROW(midi::read(raw, midi::ReadOptions{true}));
    CHECK(file.format == row.format);
    CHECK(file.tracks.size() == static_cast<std::size_t>(row.tracks));
    CHECK(file.division.ticks_per_quarter == row.division);
    long note_ons = 0;
    for (const midi::Track& t : file.tracks)
      for (const midi::Event& e : t.events) note_ons += e.is_note_on() ? 1 : 0;
    CHECK(note_ons == row.note_ons);

    // read(write(f)) == f, with and without running status.
    const std::vector<std::uint8_t> canonical = midi::write(file);
    CHECK(midi::read(canonical) == file);
    CHECK(midi::read(midi::write(file, {midi::RunningStatus::never})) == file);
    // The canonical form comes back byte-identical.
    CHECK(midi::write(midi::read(canonical)) == canonical);
    // Keeping the source's running status gives the original bytes (up to trailing padding).
    const std::vector<std::uint8_t> as_read = midi::write(file, {midi::RunningStatus::as_read});
    const bool same = as_read.size() <= raw.size() &&
                      std::equal(as_read.begin(), as_read.end(), raw.begin()) &&
                      only_padding(raw, as_read.size());
    CHECK(same);
    identical += as_read == raw ? 1 : 0;

    const midi::NoteList list = midi::extract_notes(file);
    notes += list.notes.size();
    CHECK(list.notes.size() <= static_cast<std::size_t>(row.note_ons));

    // notes_to_file gives every note back: start, pitch, channel, velocity, program, drum and
    // end (zero-length notes become one tick long).
    midi::NotesToFileOptions options;
    options.ticks_per_quarter = list.ticks_per_quarter;
    const midi::NoteList again =
        midi::extract_notes(midi::read(midi::write(midi::notes_to_file(list, options))));
    using Key = std::tuple<std::int64_t, int, int, int, int, std::int64_t, bool>;
    std::vector<Key> before, after;
    for (const midi::Note& n : list.notes)
      before.emplace_back(n.start_tick, n.pitch, n.channel, n.velocity, n.program,
                          std::max(n.end_tick, n.start_tick + 1), n.drum);
    for (const midi::Note& n : again.notes)
      after.emplace_back(n.start_tick, n.pitch, n.channel, n.velocity, n.program, n.end_tick,
                         n.drum);
    std::sort(before.begin(), before.end());
    std::sort(after.begin(), after.end());
    CHECK(before == after);
  }
  MESSAGE(rows.size() << " files, " << identical << " byte-identical as read, " << notes
                      << " notes");
}

}  // TEST_SUITE
