// symphonic/midi/notes.hpp - tempo map, note extraction, and notes back to a file.
//
//   midi::File file = midi::read_file("song.mid");
//   midi::NoteList notes = midi::extract_notes(file);          // FIFO pairing, no pedal
//   midi::TempoMap tempo(file);  double s = tempo.seconds(960);
//   midi::File out = midi::notes_to_file(notes, {/*bpm*/ 100});
//
// TempoMap is sparse and piecewise: one segment per tempo change, each holding the tick where
// it starts, the seconds at that tick and the seconds per tick inside it, so tick -> seconds is
// a binary search plus one multiply-add, exact up to double rounding, and a file whose last tick
// is 2^28 costs no more than one whose last tick is 100. For ticks-per-quarter divisions the
// tempo meta events of every track apply (format 0 and 1; merged by tick, a later track winning
// a tie, as a sequencer merges them); for format 2 each track has its own map. For SMPTE
// divisions time is ticks / (frames per second * ticks per frame), 29 meaning 29.97, and tempo
// events do not change it.
//
// extract_notes pairs note-ons with note-offs per track, channel and pitch:
//   - a note-on with velocity 0 is a note-off;
//   - overlapping notes of one pitch are paired first-in-first-out (Pairing::lifo: the most
//     recent note-on ends first);
//   - a note-off with nothing to end is ignored; notes still sounding at the end of their track
//     end at the track's last tick (its end-of-track event);
//   - with NoteOptions::sustain_pedal, a note released while the channel's sustain pedal (CC 64
//     value >= 64) is down lasts until the pedal is lifted, or until the same key is struck
//     again on that channel and track, whichever comes first (never past the track's end when
//     the pedal is never lifted);
//   - Note::program is the last program change on the note's channel before its note-on, in
//     the order the tracks are merged (format 2: within the track), 0 when there is none;
//     Note::drum is set on channel index 9 (channel 10 to musicians).
// The result is sorted by (start_tick, pitch), ties in track then channel order.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/midi/event.hpp"
#include "symphonic/midi/file.hpp"
#include "symphonic/midi/note.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace midi {

/// Tick -> seconds for one file (or one track of a format 2 file).
class TempoMap {
 public:
  /// One constant-tempo stretch from `tick` on.
  struct Segment {
    std::int64_t tick = 0;                       ///< first tick of the segment
    double seconds = 0.0;                        ///< time at `tick`
    double seconds_per_tick = 0.0;               ///< within the segment
    std::uint32_t microseconds_per_quarter = 0;  ///< the tempo (0 for SMPTE)
  };

  /// 120 bpm at `ticks_per_quarter` ticks per quarter note.
  explicit TempoMap(int ticks_per_quarter = 480) : ticks_per_quarter_(ticks_per_quarter) {
    segments_.push_back(Segment{0, 0.0, 500000.0 / (1e6 * ticks_per_quarter), 500000});
  }

  /// The map of `file`; `track` >= 0 restricts it to that track's tempo events (format 2).
  /// A negative `track` uses every track's (for format 2 files, track 0's).
  explicit TempoMap(const File& file, int track = -1)
      : ticks_per_quarter_(midi::ticks_per_quarter(file.division)) {
    if (file.division.is_smpte()) {
      smpte_ = true;
      segments_.push_back(Segment{0, 0.0, 1.0 / file.division.smpte_ticks_per_second(), 0});
    } else {
      segments_.push_back(Segment{0, 0.0, 500000.0 / (1e6 * ticks_per_quarter_), 500000});
    }
    if (file.format == 2 && track < 0) track = 0;
    std::vector<std::pair<std::int64_t, std::uint32_t>> changes;
    for (std::size_t t = 0; t < file.tracks.size(); ++t) {
      if (track >= 0 && static_cast<std::size_t>(track) != t) continue;
      const Track& tr = file.tracks[t];
      for (const Event& e : tr.events) {
        if (e.status != status::meta || e.data1 != meta::tempo) continue;
        const std::uint32_t tempo = tempo_of(tr, e);
        if (tempo) changes.emplace_back(e.tick < 0 ? 0 : e.tick, tempo);
      }
    }
    change_count_ = changes.size();
    if (smpte_) return;
    // Stable: equal ticks keep track order, so the later track wins a tie.
    std::stable_sort(changes.begin(), changes.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& change : changes) add_change(change.first, change.second);
  }

  /// Seconds at `tick` (ticks before 0 count as 0).
  double seconds(std::int64_t tick) const { return at(segment_index(tick), tick); }

  /// The first tick at or after `seconds` (rounded to the nearest tick).
  std::int64_t tick(double seconds) const {
    std::size_t lo = 0, hi = segments_.size();
    while (hi - lo > 1) {
      const std::size_t mid = (lo + hi) / 2;
      (segments_[mid].seconds <= seconds ? lo : hi) = mid;
    }
    const Segment& s = segments_[lo];
    const double ticks = (seconds - s.seconds) / s.seconds_per_tick;
    return s.tick + static_cast<std::int64_t>(std::llround(ticks > 0 ? ticks : 0.0));
  }

  /// Microseconds per quarter note in force at `tick` (0 for SMPTE files).
  std::uint32_t tempo_at(std::int64_t tick) const {
    return segments_[segment_index(tick)].microseconds_per_quarter;
  }
  /// Beats per minute at `tick` (for SMPTE files, 120).
  double bpm_at(std::int64_t tick) const {
    const std::uint32_t t = tempo_at(tick);
    return t ? 60e6 / t : 120.0;
  }

  const std::vector<Segment>& segments() const { return segments_; }
  /// Number of valid tempo meta events the map was built from.
  std::size_t change_count() const { return change_count_; }
  int ticks_per_quarter() const { return ticks_per_quarter_; }
  bool is_smpte() const { return smpte_; }

  /// Seconds of a sequence of mostly non-decreasing ticks in amortised O(1) each.
  class Cursor {
   public:
    explicit Cursor(const TempoMap& map) : map_(&map) {}
    double seconds(std::int64_t tick) {
      const auto& s = map_->segments_;
      if (tick < s[index_].tick) {
        index_ = map_->segment_index(tick);
      } else {
        while (index_ + 1 < s.size() && s[index_ + 1].tick <= tick) ++index_;
      }
      return map_->at(index_, tick);
    }

   private:
    const TempoMap* map_;
    std::size_t index_ = 0;
  };

 private:
  void add_change(std::int64_t tick, std::uint32_t tempo) {
    Segment& last = segments_.back();
    const double per_tick = tempo / (1e6 * ticks_per_quarter_);
    if (tick == last.tick) {
      last.microseconds_per_quarter = tempo;
      last.seconds_per_tick = per_tick;
      return;
    }
    segments_.push_back(Segment{tick, at(segments_.size() - 1, tick), per_tick, tempo});
  }

  std::size_t segment_index(std::int64_t tick) const {
    std::size_t lo = 0, hi = segments_.size();
    while (hi - lo > 1) {
      const std::size_t mid = (lo + hi) / 2;
      (segments_[mid].tick <= tick ? lo : hi) = mid;
    }
    return lo;
  }
  double at(std::size_t index, std::int64_t tick) const {
    const Segment& s = segments_[index];
    const std::int64_t dt = tick > s.tick ? tick - s.tick : 0;
    return s.seconds + static_cast<double>(dt) * s.seconds_per_tick;
  }

  std::vector<Segment> segments_;
  int ticks_per_quarter_ = 480;
  std::size_t change_count_ = 0;
  bool smpte_ = false;
};

/// How overlapping notes of one key are paired with their note-offs.
enum class Pairing {
  fifo,  ///< the oldest sounding note ends first (what most sequencers do)
  lifo,  ///< the newest sounding note ends first
};

struct NoteOptions {
  Pairing pairing = Pairing::fifo;
  bool sustain_pedal = false;  ///< extend notes released under CC 64 until the pedal lifts
};

namespace detail {

// Channel state that changes over time (program, pedal) as sorted lists of
// (tick, track, event index) keys, so a note can ask what was in force when it started.
struct ChannelTimeline {
  struct Change {
    std::int64_t tick;
    std::int32_t track;
    std::int32_t index;
    std::int32_t value;
  };
  std::vector<Change> changes[16];

  static bool before(const Change& c, std::int64_t tick, int track, int index) {
    return std::tie(c.tick, c.track, c.index) < std::tie(tick, track, index);
  }
  void sort() {
    for (auto& list : changes)
      std::stable_sort(list.begin(), list.end(), [](const Change& a, const Change& b) {
        return std::tie(a.tick, a.track, a.index) < std::tie(b.tick, b.track, b.index);
      });
  }
};

// Sustain intervals [down, up) per channel.
struct PedalIntervals {
  std::vector<std::pair<std::int64_t, std::int64_t>> down[16];

  // The tick the pedal lifts if it is down at `tick` on `channel`, or -1.
  std::int64_t release_after(int channel, std::int64_t tick) const {
    const auto& list = down[channel];
    auto it = std::upper_bound(
        list.begin(), list.end(), tick,
        [](std::int64_t t, const std::pair<std::int64_t, std::int64_t>& iv) { return t < iv.first; });
    if (it == list.begin()) return -1;
    --it;
    return tick < it->second ? it->second : -1;
  }

  static PedalIntervals from(const ChannelTimeline& cc64) {
    PedalIntervals result;
    for (int c = 0; c < 16; ++c) {
      bool is_down = false;
      std::int64_t since = 0;
      for (const auto& change : cc64.changes[c]) {
        const bool now_down = change.value >= 64;
        if (now_down && !is_down) since = change.tick;
        if (!now_down && is_down && change.tick > since)
          result.down[c].emplace_back(since, change.tick);
        is_down = now_down;
      }
      if (is_down) result.down[c].emplace_back(since, std::numeric_limits<std::int64_t>::max());
    }
    return result;
  }
};

// Collects program changes (and CC 64 when asked) of the given tracks.
inline void collect_channel_state(const File& file, int only_track, ChannelTimeline& programs,
                                  ChannelTimeline* pedal) {
  for (std::size_t t = 0; t < file.tracks.size(); ++t) {
    if (only_track >= 0 && static_cast<std::size_t>(only_track) != t) continue;
    const auto& events = file.tracks[t].events;
    for (std::size_t i = 0; i < events.size(); ++i) {
      const Event& e = events[i];
      const std::uint8_t kind = e.status & 0xF0;
      if (kind == 0xC0) {
        programs.changes[e.status & 0x0F].push_back(
            {e.tick, static_cast<std::int32_t>(t), static_cast<std::int32_t>(i), e.data1});
      } else if (pedal && kind == 0xB0 && e.data1 == 64) {
        pedal->changes[e.status & 0x0F].push_back(
            {e.tick, static_cast<std::int32_t>(t), static_cast<std::int32_t>(i), e.data2});
      }
    }
  }
  programs.sort();
  if (pedal) pedal->sort();
}

// Pairs the notes of one track into `out` (appended in note-on order).
inline void extract_track_notes(const File& file, int t, const TempoMap& tempo,
                                const ChannelTimeline& programs, const PedalIntervals* pedal,
                                Pairing pairing, std::vector<Note>& out) {
  const Track& track = file.tracks[static_cast<std::size_t>(t)];
  const std::vector<Event>& events = track.events;
  const std::size_t first = out.size();
  std::vector<std::int32_t> next;  // per note (relative to first): next open note of the key
  std::int32_t head[16 * 128];
  std::int32_t tail[16 * 128];
  std::int32_t sustained[16 * 128];
  std::fill(std::begin(head), std::end(head), -1);
  std::fill(std::begin(tail), std::end(tail), -1);
  if (pedal) std::fill(std::begin(sustained), std::end(sustained), -1);
  std::size_t program_cursor[16] = {};
  int program[16] = {};
  TempoMap::Cursor clock(tempo);
  std::int64_t last_tick = 0;

  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    const std::uint8_t kind = e.status & 0xF0;
    if (kind != 0x90 && kind != 0x80) continue;
    const int channel = e.status & 0x0F;
    const int key = channel << 7 | e.data1;
    if (kind == 0x90 && e.data2 != 0) {
      // Program in force: advance this channel's cursor past changes before (tick, t, i).
      const auto& list = programs.changes[channel];
      std::size_t& pc = program_cursor[channel];
      while (pc < list.size() &&
             ChannelTimeline::before(list[pc], e.tick, t, static_cast<int>(i))) {
        program[channel] = list[pc].value;
        ++pc;
      }
      if (pedal && sustained[key] >= 0) {
        Note& held = out[first + static_cast<std::size_t>(sustained[key])];
        if (held.end_tick > e.tick) {
          held.end_tick = e.tick;
          held.end_s = clock.seconds(e.tick);
        }
        sustained[key] = -1;
      }
      Note note;
      note.pitch = e.data1;
      note.velocity = e.data2;
      note.start_tick = e.tick;
      note.start_s = clock.seconds(e.tick);
      note.end_tick = -1;
      note.channel = channel;
      note.track = t;
      note.program = program[channel];
      note.drum = channel == 9;
      const auto index = static_cast<std::int32_t>(out.size() - first);
      out.push_back(note);
      next.push_back(-1);
      if (head[key] < 0) {
        head[key] = tail[key] = index;
      } else if (pairing == Pairing::fifo) {
        next[static_cast<std::size_t>(tail[key])] = index;
        tail[key] = index;
      } else {
        next[static_cast<std::size_t>(index)] = head[key];
        head[key] = index;
      }
    } else {
      const std::int32_t index = head[key];
      if (index < 0) continue;  // nothing sounding on this key
      head[key] = next[static_cast<std::size_t>(index)];
      if (head[key] < 0) tail[key] = -1;
      Note& note = out[first + static_cast<std::size_t>(index)];
      std::int64_t end = e.tick;
      if (pedal) {
        const std::int64_t release = pedal->release_after(channel, e.tick);
        if (release >= 0) {
          end = release;
          sustained[key] = index;
        }
      }
      note.end_tick = end;
      note.end_s = end == e.tick ? clock.seconds(end) : tempo.seconds(end);
    }
  }
  last_tick = track.events.empty() ? 0 : track.events.back().tick;
  for (std::size_t i = first; i < out.size(); ++i) {
    Note& note = out[i];
    if (note.end_tick < 0 || note.end_tick > last_tick) {
      // Never ended, or held by a pedal lifted after the track's end (or never).
      if (note.end_tick < 0 || note.end_tick == std::numeric_limits<std::int64_t>::max()) {
        note.end_tick = std::max(last_tick, note.start_tick);
        note.end_s = tempo.seconds(note.end_tick);
      }
    }
  }
}

// Sorts each track's notes (already in start order) by (start_tick, pitch, channel) and merges
// the tracks, which keeps ties in track order.
inline void merge_track_notes(std::vector<Note>& notes, std::vector<std::size_t> bounds) {
  const auto less = [](const Note& a, const Note& b) {
    return a.start_tick != b.start_tick ? a.start_tick < b.start_tick : a.pitch < b.pitch;
  };
  const auto within_track = [](const Note& a, const Note& b) {
    return std::tie(a.start_tick, a.pitch, a.channel) < std::tie(b.start_tick, b.pitch, b.channel);
  };
  for (std::size_t r = 0; r + 1 < bounds.size(); ++r) {
    auto begin = notes.begin() + static_cast<std::ptrdiff_t>(bounds[r]);
    auto end = notes.begin() + static_cast<std::ptrdiff_t>(bounds[r + 1]);
    // Runs of equal start tick are short: sort each one; fall back if ticks go backwards.
    bool ordered = true;
    for (auto run = begin; run != end;) {
      auto stop = run + 1;
      while (stop != end && stop->start_tick == run->start_tick) ++stop;
      if (stop != end && stop->start_tick < run->start_tick) ordered = false;
      if (stop - run > 1) std::stable_sort(run, stop, within_track);
      run = stop;
    }
    if (!ordered) std::stable_sort(begin, end, within_track);
  }
  if (bounds.size() <= 2) return;
  std::vector<Note> buffer(notes.size());
  while (bounds.size() > 2) {
    std::vector<std::size_t> merged{0};
    for (std::size_t r = 0; r + 1 < bounds.size(); r += 2) {
      const auto a = notes.begin() + static_cast<std::ptrdiff_t>(bounds[r]);
      const auto b = notes.begin() + static_cast<std::ptrdiff_t>(bounds[r + 1]);
      if (r + 2 < bounds.size()) {
        const auto c = notes.begin() + static_cast<std::ptrdiff_t>(bounds[r + 2]);
        std::merge(a, b, b, c, buffer.begin() + static_cast<std::ptrdiff_t>(bounds[r]), less);
        merged.push_back(bounds[r + 2]);
      } else {
        std::copy(a, b, buffer.begin() + static_cast<std::ptrdiff_t>(bounds[r]));
        merged.push_back(bounds[r + 1]);
      }
    }
    notes.swap(buffer);
    bounds.swap(merged);
  }
}

}  // namespace detail

/// The notes of `file`, paired as described at the top of this header, sorted by
/// (start_tick, pitch). NoteList::ticks_per_quarter is midi::ticks_per_quarter(file.division).
inline NoteList extract_notes(const File& file, NoteOptions options = {}) {
  NoteList result;
  result.ticks_per_quarter = ticks_per_quarter(file.division);
  std::size_t estimate = 0;
  for (const Track& t : file.tracks) estimate += t.events.size() / 2;
  result.notes.reserve(estimate);
  std::vector<std::size_t> bounds{0};

  const bool independent = file.format == 2;
  detail::ChannelTimeline programs;
  detail::ChannelTimeline cc64;
  detail::PedalIntervals pedal;
  if (!independent) {
    detail::collect_channel_state(file, -1, programs, options.sustain_pedal ? &cc64 : nullptr);
    if (options.sustain_pedal) pedal = detail::PedalIntervals::from(cc64);
  }
  const TempoMap shared = independent ? TempoMap(result.ticks_per_quarter) : TempoMap(file);
  for (std::size_t t = 0; t < file.tracks.size(); ++t) {
    const int track = static_cast<int>(t);
    if (independent) {
      const TempoMap own(file, track);
      detail::ChannelTimeline own_programs;
      detail::ChannelTimeline own_cc64;
      detail::collect_channel_state(file, track, own_programs,
                                    options.sustain_pedal ? &own_cc64 : nullptr);
      const detail::PedalIntervals own_pedal = detail::PedalIntervals::from(own_cc64);
      detail::extract_track_notes(file, track, own, own_programs,
                                  options.sustain_pedal ? &own_pedal : nullptr, options.pairing,
                                  result.notes);
    } else {
      detail::extract_track_notes(file, track, shared, programs,
                                  options.sustain_pedal ? &pedal : nullptr, options.pairing,
                                  result.notes);
    }
    if (result.notes.size() != bounds.back()) bounds.push_back(result.notes.size());
  }
  detail::merge_track_notes(result.notes, std::move(bounds));
  return result;
}

/// How notes_to_file lays out the file it makes.
struct NotesToFileOptions {
  double bpm = 120;            ///< tempo written at tick 0 (and used to place notes by seconds)
  int ticks_per_quarter = 480; ///< division of the new file
  int numerator = 4, denominator = 4;  ///< time signature written at tick 0
  std::string name;            ///< track name of the first track, when not empty
};

/// A format 1 file that plays `notes`: track 0 holds the name, time signature and tempo; then
/// one track per (Note::track, channel) group in that order, whose program changes are written
/// where a note's program differs from the one before it on that track.
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

  // Group by (track, channel); keep the notes' order inside each group.
  std::map<std::pair<int, int>, std::vector<const Note*>> groups;
  for (const Note& n : notes.notes) groups[{n.track, n.channel & 0x0F}].push_back(&n);

  struct Pending {
    std::int64_t tick;
    int order;  // 0: note-off, 1: program change, 2: note-on
    int pitch;
    int value;
  };
  std::int64_t end_of_song = 0;
  std::vector<Track> tracks;
  for (const auto& group : groups) {
    const int channel = group.first.second;
    std::vector<Pending> pending;
    pending.reserve(group.second.size() * 2 + 1);
    int current_program = -1;
    std::vector<const Note*> by_start = group.second;
    std::stable_sort(by_start.begin(), by_start.end(), [](const Note* a, const Note* b) {
      return a->start_tick != b->start_tick ? a->start_tick < b->start_tick
                                            : a->start_s < b->start_s;
    });
    for (const Note* n : by_start) {
      const std::int64_t start = place(n->start_tick, n->start_s);
      std::int64_t end = place(n->end_tick, n->end_s);
      if (end <= start) end = start + 1;
      const int pitch = std::min(std::max(n->pitch, 0), 127);
      const int velocity = std::min(std::max(n->velocity, 1), 127);
      const int program = std::min(std::max(n->program, 0), 127);
      if (program != current_program && !(current_program < 0 && program == 0 && channel == 9)) {
        pending.push_back({start, 1, 0, program});
        current_program = program;
      }
      pending.push_back({start, 2, pitch, velocity});
      pending.push_back({end, 0, pitch, 0});
      end_of_song = std::max(end_of_song, end);
    }
    std::stable_sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) {
      return a.tick != b.tick ? a.tick < b.tick : a.order < b.order;
    });
    Track track;
    track.events.reserve(pending.size() + 1);
    for (const Pending& p : pending) {
      if (p.order == 0) track.add_note_off(p.tick, channel, p.pitch, 0);
      else if (p.order == 1) track.add_program_change(p.tick, channel, p.value);
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
