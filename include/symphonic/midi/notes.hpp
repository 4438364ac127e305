// symphonic/midi/notes.hpp - the notes of a MIDI file: note-ons paired with their note-offs,
// with their seconds (midi/tempo_map.hpp) and programs.
//
//   midi::File file = midi::read_file("song.mid");
//   midi::NoteList notes = midi::extract_notes(file);          // FIFO pairing, no pedal
//
// (midi/notes_to_file.hpp writes a note list back as a file.)
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
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <tuple>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/midi/event.hpp"
#include "symphonic/midi/file.hpp"
#include "symphonic/midi/note.hpp"
#include "symphonic/midi/tempo_map.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace midi {

struct NoteOptions {
  Pairing pairing = Pairing::fifo;
  bool sustain_pedal = false;  ///< extend notes released under CC 64 until the pedal lifts
};

namespace detail {

// A channel setting (program, pedal) that changed at (tick, track, event index): the key is the
// order in which a sequencer merging the tracks meets the events.
struct TimedValue {
  std::int64_t tick;
  std::int32_t track;
  std::int32_t index;
  std::int32_t value;
};

inline bool key_less(const TimedValue& a, const TimedValue& b) {
  return std::tie(a.tick, a.track, a.index) < std::tie(b.tick, b.track, b.index);
}

// Channel settings and tempos of the tracks that share one timeline (all tracks of a format 0
// or 1 file; one track of a format 2 file), collected while pairing.
struct ChannelState {
  std::vector<TimedValue> program[16];
  std::vector<TimedValue> pedal[16];
  std::vector<std::pair<std::int64_t, std::uint32_t>> tempos;  // merged order once sorted

  // Puts what was collected track after track into merged order (tick, track, index).
  void sort() {
    for (auto& list : program)
      if (!std::is_sorted(list.begin(), list.end(), key_less))
        std::stable_sort(list.begin(), list.end(), key_less);
    const auto by_tick = [](const std::pair<std::int64_t, std::uint32_t>& a,
                            const std::pair<std::int64_t, std::uint32_t>& b) {
      return a.first < b.first;
    };
    if (!std::is_sorted(tempos.begin(), tempos.end(), by_tick))
      std::stable_sort(tempos.begin(), tempos.end(), by_tick);
  }
};

// The sustain pedal changes (CC 64) of the given tracks, in merged order: the only thing that
// must be known before pairing, and only when NoteOptions::sustain_pedal asks for it.
inline void collect_pedal(const File& file, int only_track, ChannelState& state) {
  for (std::size_t t = 0; t < file.tracks.size(); ++t) {
    if (only_track >= 0 && static_cast<std::size_t>(only_track) != t) continue;
    const auto& events = file.tracks[t].events;
    for (std::size_t i = 0; i < events.size(); ++i) {
      const Event& e = events[i];
      if ((e.status & 0xF0) == 0xB0 && e.data1 == 64)
        state.pedal[e.status & 0x0F].push_back(
            {e.tick, static_cast<std::int32_t>(t), static_cast<std::int32_t>(i), e.data2});
    }
  }
  for (auto& list : state.pedal)
    if (!std::is_sorted(list.begin(), list.end(), key_less))
      std::stable_sort(list.begin(), list.end(), key_less);
}

// Sustain intervals [down, up) per channel.
struct PedalIntervals {
  std::vector<std::pair<std::int64_t, std::int64_t>> down[16];

  // The tick the pedal lifts if it is down at `tick` on `channel`, or -1.
  std::int64_t release_after(int channel, std::int64_t tick) const {
    const auto& list = down[channel];
    if (list.empty()) return -1;
    auto it = std::upper_bound(
        list.begin(), list.end(), tick,
        [](std::int64_t t, const std::pair<std::int64_t, std::int64_t>& iv) { return t < iv.first; });
    if (it == list.begin()) return -1;
    --it;
    return tick < it->second ? it->second : -1;
  }

  static PedalIntervals from(const ChannelState& state) {
    PedalIntervals result;
    for (int c = 0; c < 16; ++c) {
      bool is_down = false;
      std::int64_t since = 0;
      for (const TimedValue& change : state.pedal[c]) {
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

// A paired note before it gets its seconds and program: 32 bytes instead of Note's 56, so
// pairing and merging move less memory; each becomes a Note exactly once, in its final place.
struct Paired {
  std::int64_t start_tick;
  std::int64_t end_tick;  // while sounding: -1; while held by the pedal: the release tick
  std::int32_t track;
  std::int32_t index;  // of the note-on event in its track: orders it against program changes
  std::int32_t next;   // while pairing: the next sounding note of its key, or -1
  std::uint8_t pitch, velocity, channel;
};
static_assert(sizeof(Paired) == 32, "Paired is meant to stay 32 bytes");

// Per-key lists of sounding notes, reused from track to track (every entry is -1 between
// tracks). Notes are indices into the current track's part of the output, linked by
// Paired::next.
struct Pairer {
  std::vector<std::int32_t> head = std::vector<std::int32_t>(16 * 128, -1);
  std::vector<std::int32_t> tail = std::vector<std::int32_t>(16 * 128, -1);
  std::vector<std::int32_t> sustained = std::vector<std::int32_t>(16 * 128, -1);
};

inline bool paired_less_in_track(const Paired& a, const Paired& b) {
  return std::tie(a.start_tick, a.pitch, a.channel) < std::tie(b.start_tick, b.pitch, b.channel);
}

// One pass over track `t`: pairs its notes (appended to `out`, sorted by (start_tick, pitch,
// channel)) and collects its program changes and tempos into `state`.
inline void pair_track(const File& file, int t, ChannelState& state, const PedalIntervals* pedal,
                       Pairing pairing, Pairer& pairer, std::vector<Paired>& out) {
  const Track& track = file.tracks[static_cast<std::size_t>(t)];
  const Event* events = track.events.data();
  const std::size_t count = track.events.size();
  const std::size_t first = out.size();
  std::int32_t* head = pairer.head.data();
  std::int32_t* tail = pairer.tail.data();
  std::int32_t* sustained = pairer.sustained.data();

  for (std::size_t i = 0; i < count; ++i) {
    const Event& e = events[i];
    const std::uint8_t kind = e.status & 0xF0;
    if (kind != 0x90 && kind != 0x80) {
      if (kind == 0xC0) {
        state.program[e.status & 0x0F].push_back(
            {e.tick, t, static_cast<std::int32_t>(i), e.data1});
      } else if (e.status == status::meta && e.data1 == meta::tempo) {
        const std::uint32_t tempo = tempo_of(track, e);
        if (tempo) state.tempos.emplace_back(e.tick < 0 ? 0 : e.tick, tempo);
      }
      continue;
    }
    const int channel = e.status & 0x0F;
    const int key = channel << 7 | e.data1;
    if (kind == 0x90 && e.data2 != 0) {
      if (pedal && sustained[key] >= 0) {
        Paired& held = out[first + static_cast<std::size_t>(sustained[key])];
        if (held.end_tick > e.tick) held.end_tick = e.tick;
        sustained[key] = -1;
      }
      const auto index = static_cast<std::int32_t>(out.size() - first);
      // Filled in place: building it on the stack and copying it stalls store forwarding.
      out.emplace_back();
      Paired& added = out.back();
      added.start_tick = e.tick;
      added.end_tick = -1;
      added.track = t;
      added.index = static_cast<std::int32_t>(i);
      added.pitch = e.data1;
      added.velocity = e.data2;
      added.channel = static_cast<std::uint8_t>(channel);
      added.next = -1;
      if (head[key] < 0) {
        head[key] = tail[key] = index;
      } else if (pairing == Pairing::fifo) {
        out[first + static_cast<std::size_t>(tail[key])].next = index;
        tail[key] = index;
      } else {
        added.next = head[key];
        head[key] = index;
      }
    } else {
      const std::int32_t index = head[key];
      if (index < 0) continue;  // nothing sounding on this key
      Paired& note = out[first + static_cast<std::size_t>(index)];
      head[key] = note.next;
      if (head[key] < 0) tail[key] = -1;
      note.end_tick = e.tick;
      if (pedal) {
        const std::int64_t release = pedal->release_after(channel, e.tick);
        if (release >= 0) {
          note.end_tick = release;
          sustained[key] = index;
        }
      }
    }
  }

  // Close what is still sounding (or held by a pedal never lifted) at the track's last tick,
  // and leave the per-key lists empty for the next track.
  const std::int64_t last_tick = count ? events[count - 1].tick : 0;
  for (std::size_t i = first; i < out.size(); ++i) {
    Paired& note = out[i];
    const int key = note.channel << 7 | note.pitch;
    head[key] = tail[key] = sustained[key] = -1;
    if (note.end_tick < 0 || note.end_tick == std::numeric_limits<std::int64_t>::max())
      note.end_tick = std::max(last_tick, note.start_tick);
  }

  // Notes are in note-on order, so by start tick; order each run of equal start ticks (chords:
  // short) by pitch and channel with an insertion sort. Ticks going backwards (a hand-made
  // track) fall back to a full sort.
  Paired* begin = out.data() + first;
  Paired* end = out.data() + out.size();
  for (Paired* run = begin; run != end;) {
    Paired* stop = run + 1;
    while (stop != end && stop->start_tick == run->start_tick) ++stop;
    if (stop != end && stop->start_tick < run->start_tick) {
      std::stable_sort(begin, end, paired_less_in_track);
      break;
    }
    for (Paired* j = run + 1; j < stop; ++j) {
      if (!paired_less_in_track(*j, *(j - 1))) continue;
      const Paired moving = *j;
      Paired* k = j;
      for (; k != run && paired_less_in_track(moving, *(k - 1)); --k) *k = *(k - 1);
      *k = moving;
    }
    run = stop;
  }
}

// Turns paired notes, given in (start_tick, pitch) order, into Notes: seconds from monotonic
// tempo cursors, the program from a monotonic cursor over each channel's changes.
class NoteMaker {
 public:
  // `maps[k]` and `states[k]` belong together; one pair for format 0/1, one per track for 2.
  NoteMaker(const std::vector<TempoMap>& maps, const std::vector<ChannelState>& states,
            std::vector<Note>& out)
      : out_(out), states_(states), program_cursor_(states.size()) {
    for (const TempoMap& m : maps) clocks_.emplace_back(m, m);
  }
  void add(const Paired& p) {
    const std::size_t k = clocks_.size() == 1 ? 0 : static_cast<std::size_t>(p.track);
    auto& clock = clocks_[k];
    out_.emplace_back();
    Note& n = out_.back();
    n.pitch = p.pitch;
    n.velocity = p.velocity;
    n.start_tick = p.start_tick;
    n.end_tick = p.end_tick;
    n.start_s = clock.first.seconds(p.start_tick);
    n.end_s = clock.second.seconds(p.end_tick);
    n.channel = p.channel;
    n.track = p.track;
    n.program = program(k, p);
    n.drum = p.channel == 9;
  }

 private:
  // The last change on the channel before the note-on in merged order (tick, track, index).
  int program(std::size_t k, const Paired& p) {
    const std::vector<TimedValue>& list = states_[k].program[p.channel];
    if (list.empty()) return 0;
    std::size_t& c = program_cursor_[k][p.channel];  // changes strictly before p's tick
    while (c < list.size() && list[c].tick < p.start_tick) ++c;
    std::size_t j = c;
    while (j < list.size() && list[j].tick == p.start_tick &&
           std::tie(list[j].track, list[j].index) < std::tie(p.track, p.index))
      ++j;
    return j ? list[j - 1].value : 0;
  }

  std::vector<Note>& out_;
  const std::vector<ChannelState>& states_;
  std::vector<std::array<std::size_t, 16>> program_cursor_;
  std::vector<std::pair<TempoMap::Cursor, TempoMap::Cursor>> clocks_;  // starts, ends
};

// Per-thread buffers of extract_notes. Buffers that grew past `keep_bytes` for one big file are
// released after it, so a thread keeps at most a few megabytes between calls.
struct Scratch {
  static constexpr std::size_t keep_bytes = std::size_t{4} << 20;
  std::vector<Paired> paired;
  std::vector<Paired> merged;
  Pairer pairer;

  static Scratch& of_this_thread() {
    static thread_local Scratch scratch;
    return scratch;
  }
  void trim() {
    for (auto* v : {&paired, &merged})
      if (v->capacity() * sizeof(Paired) > keep_bytes) std::vector<Paired>().swap(*v);
  }
};

// Stable merge of the sorted ranges [a, middle) and [middle, end) by (start_tick, pitch) into
// `out`, choosing each element without a branch: tracks interleave unpredictably, and a
// mispredicted branch per note is what a plain std::merge pays here.
inline void merge_two(const Paired* a, const Paired* middle, const Paired* end, Paired* out) {
  const Paired* b = middle;
  while (a != middle && b != end) {
    const bool take_b = (b->start_tick < a->start_tick) |
                        ((b->start_tick == a->start_tick) & (b->pitch < a->pitch));
    *out++ = *(take_b ? b : a);
    b += take_b;
    a += !take_b;
  }
  out = std::copy(a, middle, out);
  std::copy(b, end, out);
}

// Merges the sorted runs all[bounds[r], bounds[r+1]) by (start_tick, pitch), ties in run
// (track) order: neighbouring runs are merged pairwise by merge_two (stable, branch-free),
// ceil(log2(runs)) passes back and forth between `all` and one scratch buffer. Returns the
// merged sequence.
inline const Paired* merge_runs(std::vector<Paired>& all, std::vector<std::size_t> bounds,
                                Paired* scratch) {
  Paired* from = all.data();
  Paired* to = scratch;
  while (bounds.size() > 2) {
    std::vector<std::size_t> merged{0};
    for (std::size_t r = 0; r + 1 < bounds.size(); r += 2) {
      if (r + 2 < bounds.size()) {
        merge_two(from + bounds[r], from + bounds[r + 1], from + bounds[r + 2], to + bounds[r]);
        merged.push_back(bounds[r + 2]);
      } else {
        std::copy(from + bounds[r], from + bounds[r + 1], to + bounds[r]);
        merged.push_back(bounds[r + 1]);
      }
    }
    std::swap(from, to);
    bounds.swap(merged);
  }
  return from;
}

}  // namespace detail

/// The notes of `file`, paired as described at the top of this header, sorted by
/// (start_tick, pitch). NoteList::ticks_per_quarter is midi::ticks_per_quarter(file.division).
/// One pass over each track's events pairs its notes and collects its program changes and
/// tempos (plus one pass for the pedal when asked); one pass makes the Notes. Thread-safe; each
/// thread keeps at most about 8 MB of scratch buffers between calls (bigger ones are freed).
inline NoteList extract_notes(const File& file, NoteOptions options = {}) {
  NoteList result;
  result.ticks_per_quarter = ticks_per_quarter(file.division);
  std::size_t events = 0;
  for (const Track& t : file.tracks) events += t.events.size();

  const bool independent = file.format == 2;
  std::vector<detail::ChannelState> states(independent ? file.tracks.size() : 1);
  // Scratch memory kept by the thread from call to call (up to a cap), so that extracting the
  // notes of many files does not allocate and page-fault the same buffers again each time.
  detail::Scratch& scratch = detail::Scratch::of_this_thread();
  std::vector<detail::Paired>& all = scratch.paired;
  all.clear();
  all.reserve(events / 2 + 1);  // a note takes two events; untouched capacity costs nothing
  std::vector<std::size_t> bounds{0};
  detail::Pairer& pairer = scratch.pairer;
  detail::PedalIntervals shared_pedal;
  if (options.sustain_pedal && !independent) {
    detail::collect_pedal(file, -1, states[0]);
    shared_pedal = detail::PedalIntervals::from(states[0]);
  }
  for (std::size_t t = 0; t < file.tracks.size(); ++t) {
    detail::ChannelState& state = states[independent ? t : 0];
    detail::PedalIntervals own_pedal;
    const detail::PedalIntervals* pedal = nullptr;
    if (options.sustain_pedal) {
      if (independent) {
        detail::collect_pedal(file, static_cast<int>(t), state);
        own_pedal = detail::PedalIntervals::from(state);
        pedal = &own_pedal;
      } else {
        pedal = &shared_pedal;
      }
    }
    detail::pair_track(file, static_cast<int>(t), state, pedal, options.pairing, pairer, all);
    if (all.size() != bounds.back()) bounds.push_back(all.size());
  }
  std::vector<TempoMap> maps;
  maps.reserve(states.size());
  for (detail::ChannelState& state : states) {
    state.sort();
    maps.emplace_back(file.division, state.tempos);
  }

  const detail::Paired* merged = all.data();
  std::unique_ptr<detail::Paired[]> big;  // past the kept size: uninitialised, freed on return
  if (bounds.size() > 2) {
    detail::Paired* buffer;
    if (all.size() * sizeof(detail::Paired) <= detail::Scratch::keep_bytes) {
      if (scratch.merged.size() < all.size()) scratch.merged.resize(all.size());
      buffer = scratch.merged.data();
    } else {
      big.reset(new detail::Paired[all.size()]);
      buffer = big.get();
    }
    merged = detail::merge_runs(all, std::move(bounds), buffer);
  }
  result.notes.reserve(all.size());
  detail::NoteMaker make(maps, states, result.notes);
  for (std::size_t i = 0; i < all.size(); ++i) make.add(merged[i]);
  scratch.trim();
  return result;
}

}  // namespace midi
SYMPHONIC_NAMESPACE_END
