// symphonic/midi/notes_to_file.hpp - a note list written back as a MIDI file.
//
//   midi::File out = midi::notes_to_file(notes, {/*bpm*/ 100});
//   midi::write_file("out.mid", out);
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/midi/event.hpp"
#include "symphonic/midi/file.hpp"
#include "symphonic/midi/note.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace midi {

/// How notes_to_file lays out the file it makes.
struct NotesToFileOptions {
  double bpm = 120;            ///< tempo written at tick 0 (and used to place notes by seconds)
  int ticks_per_quarter = 480; ///< division of the new file
  int numerator = 4, denominator = 4;  ///< time signature written at tick 0
  std::string name;            ///< track name of the first track, when not empty
};

/// A format 1 file that plays `notes`: track 0 holds the name, time signature and tempo; then
/// one track per (Note::track, channel) group in that order. Program changes are written where
/// a note's program differs from its channel's program at that point of the merged file, so
/// extract_notes() gives every note its program back.
///
/// Placement: when notes.ticks_per_quarter > 0 the notes' start_tick/end_tick are used, rescaled
/// from notes.ticks_per_quarter to options.ticks_per_quarter (exact when they are equal); when it
/// is 0 or less, or when every note has end_tick 0 while some has end_s > 0 (notes made in
/// seconds), start_s/end_s are placed at options.bpm. A note is at least one tick long;
/// velocities are clamped to 1..127, pitches to 0..127. At each tick note-offs come before
/// note-ons, so a re-struck key ends the earlier note first.
inline File notes_to_file(const NoteList& notes, NotesToFileOptions options = {}) {
  File file;
  file.format = 1;
  const int tpq = options.ticks_per_quarter > 0 && options.ticks_per_quarter <= 0x7FFF
                      ? options.ticks_per_quarter
                      : 480;
  file.division = Division::quarter(tpq);
  const double bpm = options.bpm > 0 ? options.bpm : 120.0;

  bool by_seconds = notes.ticks_per_quarter <= 0;
  if (!by_seconds && !notes.notes.empty()) {
    bool ticks_all_zero = true, seconds_some = false;
    for (const Note& n : notes.notes) {
      if (n.end_tick != 0 || n.start_tick != 0) ticks_all_zero = false;
      if (n.end_s > 0) seconds_some = true;
    }
    by_seconds = ticks_all_zero && seconds_some;
  }
  const double ticks_per_second = bpm / 60.0 * tpq;
  const auto place = [&](std::int64_t tick, double seconds) -> std::int64_t {
    double t;
    if (by_seconds) {
      t = seconds * ticks_per_second;
    } else if (notes.ticks_per_quarter == tpq) {
      return tick < 0 ? 0 : tick;
    } else {
      t = static_cast<double>(tick) * tpq / notes.ticks_per_quarter;
    }
    return t > 0 ? static_cast<std::int64_t>(std::llround(t)) : 0;
  };

  Track conductor;
  if (!options.name.empty()) conductor.add_meta(0, meta::track_name, options.name);
  conductor.add_time_signature(0, options.numerator, options.denominator);
  auto tempo = static_cast<std::uint32_t>(std::llround(60e6 / bpm));
  tempo = std::min<std::uint32_t>(std::max<std::uint32_t>(tempo, 1), 0xFFFFFF);
  conductor.add_tempo(0, tempo);

  // Group by (track, channel); inside a group, notes by start.
  std::map<std::pair<int, int>, std::vector<const Note*>> grouped;
  for (const Note& n : notes.notes) grouped[{n.track, n.channel & 0x0F}].push_back(&n);
  struct Placed {
    std::int64_t start, end;
    int pitch, velocity, program;
    bool program_change;  // write the program before this note
  };
  std::vector<int> channels;
  std::vector<std::vector<Placed>> groups;
  std::int64_t end_of_song = 0;
  for (auto& group : grouped) {
    std::vector<const Note*>& members = group.second;
    std::stable_sort(members.begin(), members.end(), [](const Note* x, const Note* y) {
      return x->start_tick != y->start_tick ? x->start_tick < y->start_tick
                                            : x->start_s < y->start_s;
    });
    std::vector<Placed> placed;
    placed.reserve(members.size());
    for (const Note* n : members) {
      const std::int64_t start = place(n->start_tick, n->start_s);
      std::int64_t end = place(n->end_tick, n->end_s);
      if (end <= start) end = start + 1;
      placed.push_back({start, end, std::min(std::max(n->pitch, 0), 127),
                        std::min(std::max(n->velocity, 1), 127),
                        std::min(std::max(n->program, 0), 127), false});
      end_of_song = std::max(end_of_song, end);
    }
    channels.push_back(group.first.second);
    groups.push_back(std::move(placed));
  }

  // A channel's program is one state shared by every track (so extract_notes and synthesizers
  // read it), so walk each channel's notes in the order the new file merges them (start tick,
  // track, place in the track) and write a program change before each note whose program
  // differs from the channel's current one (the first note of a melodic channel always gets
  // one; a drum channel only when its program is not 0).
  for (int channel = 0; channel < 16; ++channel) {
    std::vector<std::pair<std::size_t, std::size_t>> order;  // (group, note)
    for (std::size_t g = 0; g < groups.size(); ++g)
      if (channels[g] == channel)
        for (std::size_t k = 0; k < groups[g].size(); ++k) order.emplace_back(g, k);
    std::stable_sort(order.begin(), order.end(), [&groups](const auto& x, const auto& y) {
      return groups[x.first][x.second].start < groups[y.first][y.second].start;
    });
    int current = -1;
    for (const auto& slot : order) {
      Placed& n = groups[slot.first][slot.second];
      const bool needed = current < 0 ? !(n.program == 0 && channel == 9) : n.program != current;
      if (needed) {
        n.program_change = true;
        current = n.program;
      }
    }
  }

  struct Pending {
    std::int64_t tick;
    std::size_t order;  // 0: note-off; 1 + 2k: program change of note k; 2 + 2k: its note-on
    int pitch;
    int value;
  };
  std::vector<Track> tracks;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const int channel = channels[g];
    std::vector<Pending> pending;
    pending.reserve(groups[g].size() * 2 + 1);
    for (std::size_t k = 0; k < groups[g].size(); ++k) {
      const Placed& n = groups[g][k];
      if (n.program_change) pending.push_back({n.start, 1 + 2 * k, 0, n.program});
      pending.push_back({n.start, 2 + 2 * k, n.pitch, n.velocity});
      pending.push_back({n.end, 0, n.pitch, 0});
    }
    std::stable_sort(pending.begin(), pending.end(), [](const Pending& x, const Pending& y) {
      return x.tick != y.tick ? x.tick < y.tick : x.order < y.order;
    });
    Track track;
    track.events.reserve(pending.size() + 1);
    for (const Pending& p : pending) {
      if (p.order == 0) track.add_note_off(p.tick, channel, p.pitch, 0);
      else if (p.order % 2 == 1) track.add_program_change(p.tick, channel, p.value);
      else track.add_note_on(p.tick, channel, p.pitch, p.value);
    }
    track.add_end_of_track(track.end_tick());
    tracks.push_back(std::move(track));
  }
  conductor.add_end_of_track(end_of_song);
  file.tracks.reserve(tracks.size() + 1);
  file.tracks.push_back(std::move(conductor));
  for (Track& t : tracks) file.tracks.push_back(std::move(t));
  return file;
}

}  // namespace midi
SYMPHONIC_NAMESPACE_END
