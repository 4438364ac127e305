// symphonic/music/detail/music21_midi.hpp - internal: what music21 5.7.2 makes of a MIDI file,
// as far as the recipe's tokens depend on it. Used by the chord encoder's recipe mode
// (music/chord_encoder.hpp); not a public header.
//
// The recipe runs converter.parse(file), instrument.partitionByInstrument(score).parts[0]
// .recurse() (or score.flat.notes when no part has an instrument) and prints notes and chords.
// music21 5.7.2 (midi/translate.py, stream/__init__.py, instrument.py) does, per track chunk:
//   1. Pairs note-ons: a note-on (velocity > 0) ends at the next note-on or note-off of the track
//      with the same channel and key, whatever its velocity (music21 tests `isNoteOff` without
//      calling it), so a second note-on of a sounding key ends the first one and is itself used
//      up as that end. Note-ons that nothing ends vanish.
//   2. Makes chords before quantizing: walking the notes in note-on order, later notes that start
//      within ticks_per_quarter/16 ticks of a note and end within the same tolerance join its
//      chord; one that starts close but ends elsewhere is skipped and marks the track as needing
//      voices; the walk stops at the first note that starts too late. A chord's duration runs
//      from its last note's start to its first note's end.
//   3. Quantizes every offset and duration to the nearer multiple of 1/4 or 1/3 quarter
//      (ties to the smaller error, then the smaller value); a zero-tick note lasts 1 quarter and
//      a negative duration becomes 0.
//   4. If the track needs voices, groups overlapping notes (music21's getOverlaps), makes as many
//      voices as the largest group, and puts each note into the first voice that is free at its
//      offset; a note that finds none is dropped.
//   5. Program changes become instruments (programs without a music21 class all share the name
//      None); instruments are matched by name across tracks. partitionByInstrument gives each
//      instrument the span up to the next instrument of its track, the last one up to the end of
//      the track (the latest offset + duration of anything in it, conductor time and key
//      signatures included); elements that begin in a span go to that instrument's part.
// The first part's elements are then read in offset order, ties in the order they were added.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace music {
namespace detail {

/// One event of a track chunk, in file order, as far as music21 looks at it.
struct M21Event {
  enum Kind : std::uint8_t {
    note_on,
    note_off,
    controller,
    poly_pressure,
    pitch_bend,
    program,
    channel_pressure,
    time_signature,
    key_signature,
    tempo,
    other
  };
  std::int64_t tick = 0;
  Kind kind = other;
  std::uint8_t channel = 0;
  std::uint8_t data1 = 0;  ///< key, controller, program or low pitch-bend byte
  std::uint8_t data2 = 0;  ///< velocity or value
};

/// A note or a chord of the recipe's first part, with music21's quantized offset (in 1/12
/// quarter notes) and its pitches.
struct M21Element {
  std::int64_t offset12 = 0;
  std::vector<int> pitches;  ///< one pitch: a note; more: a chord
};

/// music21's quantize(): nearest multiple of 1/4 or 1/3 (common.nearestMultiple, errors
/// rounded to 7 decimals, the smallest (error, value, signed error) wins), in twelfths, as
/// music21 writes it. m21_quantize12 below gives the same for every input, faster.
inline std::int64_t m21_quantize12_as_written(double n) {
  if (n < 0) n = 0;  // durations: music21 clamps negatives to 0; offsets are never negative
  struct Found {
    double error, match, signed_error;
  } best{0, 0, 0};
  bool first = true;
  for (int div : {4, 3}) {
    const double unit = 1.0 / div;
    const double mult = std::floor(n / unit);
    const double half = unit / 2.0;
    const double low = unit * mult;
    const double high = unit * (mult + 1);
    Found f;
    if (n >= low && n <= low + half) {
      f = {std::round((n - low) * 1e7) / 1e7, low, std::round((n - low) * 1e7) / 1e7};
    } else {
      f = {std::round((high - n) * 1e7) / 1e7, high, std::round((n - high) * 1e7) / 1e7};
    }
    const bool better = first || f.error < best.error ||
                        (f.error == best.error && (f.match < best.match ||
                                                   (f.match == best.match && f.signed_error < best.signed_error)));
    if (better) best = f;
    first = false;
  }
  return std::llround(best.match * 12.0);
}

/// m21_quantize12_as_written(n) without its divisions and calls to the maths library (about
/// 36 ns a call, the chord encoder's largest cost), for 0 <= n < 2^46 quarter notes; the rest
/// (and NaN) go to it. Each step is the same value, not an approximation:
///  - mult = floor(n / unit): n / 0.25 is 4 n exactly, n / (1/3) stays a division; both are
///    below 2^48, where a conversion to an integer truncates exactly (= floor, as n >= 0).
///  - errors are compared as R = round((distance) x 1e7) without the final / 1e7: R is an
///    integer below 4e6, and dividing such integers by 1e7 keeps their order and their
///    equalities; the signed error is +R or -R, as in music21 (n - high = -(high - n) exactly,
///    and the rounding is symmetric).
///  - the result: llround(match x 12) is 3 m for quarters (exact) and 4 m for thirds (m / 3 in
///    floating point, times 12, is within 2^-49 m of 4 m, under 0.5 for m < 2^48).
inline std::int64_t m21_quantize12(double n) {
  if (n < 0) n = 0;
  if (!(n < 70368744177664.0)) return m21_quantize12_as_written(n);  // 2^46, or NaN
  // std::round for |x| < 2^52: truncation by conversion, then the fraction left (exact)
  const auto round_half_away = [](double x) {
    const double t = std::copysign(static_cast<double>(static_cast<std::int64_t>(x)), x);
    const double fraction = x - t;
    return fraction >= 0.5 ? t + 1 : fraction <= -0.5 ? t - 1 : t;
  };
  struct Nearest {
    double error, match, signed_error;  // error and signed error in units of 1e-7
    std::int64_t twelfths;
  };
  const auto nearest = [&](double unit, double mult, std::int64_t twelfths_per_unit) {
    const double low = unit * mult, high = unit * (mult + 1);
    const bool down = n >= low && n <= low + unit / 2.0;
    const double error = round_half_away((down ? n - low : high - n) * 1e7);
    return Nearest{error, down ? low : high, down ? error : -error,
                   twelfths_per_unit * (static_cast<std::int64_t>(mult) + !down)};
  };
  constexpr double third = 1.0 / 3;
  const Nearest quarters = nearest(0.25, static_cast<double>(static_cast<std::int64_t>(n * 4.0)), 3);
  const Nearest thirds = nearest(third, static_cast<double>(static_cast<std::int64_t>(n / third)), 4);
  const bool thirds_win = thirds.error < quarters.error ||
                          (thirds.error == quarters.error &&
                           (thirds.match < quarters.match ||
                            (thirds.match == quarters.match && thirds.signed_error < quarters.signed_error)));
  return thirds_win ? thirds.twelfths : quarters.twelfths;
}

/// Whether music21 5.7.2 knows an instrument class for a General MIDI program (0-based).
/// Programs it does not know all become an Instrument named None, and so share one part.
inline bool m21_program_has_class(int program) {
  static const std::uint8_t named[] = {0,  6,  7,  8,  9,  11, 12, 13, 14, 15, 16, 19, 20, 21, 22,
                                       24, 26, 32, 33, 35, 40, 41, 42, 43, 46, 47, 48, 52, 56, 57,
                                       58, 60, 61, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75,
                                       77, 78, 79, 104, 105, 106, 107, 108, 109, 111, 113, 114, 115, 116};
  for (std::uint8_t p : named)
    if (p == program) return true;
  return false;
}

namespace m21 {

struct Element {  // a note or chord of one track after steps 1-3
  std::int64_t offset = 0;    // twelfths
  std::int64_t duration = 0;  // twelfths
  std::vector<int> pitches;
  int voice = 0;              // step 4
  std::int64_t flat_rank = 0; // position in the track's flat order among equal offsets
  bool dropped = false;
};

struct Instrument {
  std::int64_t offset = 0;
  int name = 0;  // program, or -1 for music21's None
};

struct Track {
  std::vector<Element> elements;
  std::vector<Instrument> instruments;
  std::int64_t highest_time = 0;  // of the track's own elements (step 5 adds conductor items)
};

inline std::int64_t quantize_offset(std::int64_t tick, int tpq) {
  return m21_quantize12(static_cast<double>(tick) / static_cast<double>(tpq));
}

// Step 4: music21's makeVoices on a track whose notes are sorted by (offset, creation order).
inline void make_voices(std::vector<Element>& els) {
  const std::size_t n = els.size();
  // _findLayering: overlaps between each element and the following ones until the first that
  // does not overlap it (spans sorted pairwise; end-touching spans do not overlap).
  const auto overlap = [&](std::size_t a, std::size_t b) {
    std::pair<std::int64_t, std::int64_t> x{els[a].offset, els[a].offset + els[a].duration};
    std::pair<std::int64_t, std::int64_t> y{els[b].offset, els[b].offset + els[b].duration};
    if (y < x) std::swap(x, y);
    return y.first < x.second;
  };
  std::vector<std::vector<std::size_t>> map(n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      if (!overlap(i, j)) break;
      map[i].push_back(j);
      map[j].push_back(i);
    }
  for (auto& list : map) std::sort(list.begin(), list.end());
  // _consolidateLayering: groups keyed by offset; an element joins the group of the first
  // overlapping element already stored, else its own offset's group.
  std::vector<std::int64_t> group_of(n, -1);  // key offset, -1: not stored
  std::vector<char> stored(n, 0);
  std::map<std::int64_t, std::size_t> group_size;
  for (std::size_t i = 0; i < n; ++i) {
    if (map[i].empty()) continue;
    bool have_dst = false;
    std::int64_t dst = 0;
    for (std::size_t j : map[i]) {
      bool store = true;
      if (stored[j]) {
        store = false;
        dst = group_of[j];
        have_dst = true;
      }
      if (!have_dst) {
        dst = els[i].offset;
        have_dst = true;
      }
      if (store) {
        stored[j] = 1;
        group_of[j] = dst;
        ++group_size[dst];
      }
    }
    if (!stored[i]) {
      stored[i] = 1;
      group_of[i] = dst;
      ++group_size[dst];
    }
  }
  std::size_t voices = 1;
  for (const auto& g : group_size) voices = std::max(voices, g.second);
  if (voices == 1) return;
  std::vector<std::int64_t> highest(voices, 0);
  std::vector<std::int64_t> count(voices, 0);
  for (Element& e : els) {
    bool placed = false;
    for (std::size_t v = 0; v < voices; ++v) {
      if (highest[v] <= e.offset) {
        highest[v] = std::max(highest[v], e.offset + e.duration);
        e.voice = static_cast<int>(v);
        ++count[v];
        placed = true;
        break;
      }
    }
    if (!placed) e.dropped = true;
  }
}

// Steps 1-4 for one track chunk that has at least one note-on.
inline Track read_track(const std::vector<M21Event>& events, int tpq) {
  Track track;
  const std::size_t n = events.size();
  // step 1: pairing, independently per (channel, pitch attribute)
  const auto has_pitch = [](const M21Event& e) {
    return e.kind == M21Event::note_on || e.kind == M21Event::note_off;
  };
  // the events of each (channel, key), in file order: a counting sort by key into one array
  // (a vector per key cost 2,048 vectors and their allocations per track)
  constexpr std::size_t keys = 16 * 128;
  const auto key_of = [&](std::size_t i) { return events[i].channel * 128u + events[i].data1; };
  std::vector<std::size_t> key_start(keys + 1, 0);
  for (std::size_t i = 0; i < n; ++i)
    if (has_pitch(events[i])) ++key_start[key_of(i) + 1];
  for (std::size_t k = 0; k < keys; ++k) key_start[k + 1] += key_start[k];
  std::vector<std::size_t> by_key(key_start[keys]);
  {
    std::vector<std::size_t> next(key_start.begin(), key_start.end() - 1);
    for (std::size_t i = 0; i < n; ++i)
      if (has_pitch(events[i])) by_key[next[key_of(i)]++] = i;
  }
  std::vector<std::size_t> end_of(n, static_cast<std::size_t>(-1));
  for (std::size_t key = 0; key < keys; ++key) {
    const std::size_t* list = by_key.data() + key_start[key];
    const std::size_t size = key_start[key + 1] - key_start[key];
    for (std::size_t k = 0; k < size;) {
      const M21Event& e = events[list[k]];
      if (e.kind == M21Event::note_on && e.data2 != 0) {
        if (k + 1 < size) end_of[list[k]] = list[k + 1];
        k += 2;
      } else {
        ++k;
      }
    }
  }
  struct Pair {
    std::int64_t on, off;
    int pitch;
  };
  std::vector<Pair> notes;
  for (std::size_t i = 0; i < n; ++i)
    if (end_of[i] != static_cast<std::size_t>(-1))
      notes.push_back({events[i].tick, events[end_of[i]].tick, events[i].data1});

  // instruments and the zero-length items that count for the track's highest time
  std::int64_t highest = 0;
  for (const M21Event& e : events) {
    if (e.kind == M21Event::program) {
      const std::int64_t off = quantize_offset(e.tick, tpq);
      track.instruments.push_back({off, m21_program_has_class(e.data1) ? e.data1 : -1});
      highest = std::max(highest, off);
    } else if (e.kind == M21Event::time_signature || e.kind == M21Event::key_signature ||
               e.kind == M21Event::tempo) {
      highest = std::max(highest, quantize_offset(e.tick, tpq));
    }
  }

  // step 2: chords from the raw ticks
  const double tolerance = static_cast<double>(tpq) / 16.0;
  // the last length quantized is remembered: a melody repeats its note lengths (0, answered
  // before the memo is looked at, stands for "none yet")
  std::int64_t last_length = 0, last_length12 = 0;
  const auto duration12 = [&](std::int64_t on, std::int64_t off) {
    if (off == on) return std::int64_t{12};  // music21 substitutes one quarter
    if (off - on != last_length) {
      last_length = off - on;
      last_length12 = m21_quantize12(static_cast<double>(off - on) / static_cast<double>(tpq));
    }
    return last_length12;
  };
  std::vector<char> gathered(notes.size(), 0);
  bool voices_required = false;
  if (notes.size() == 1) {
    Element el;
    el.offset = quantize_offset(notes[0].on, tpq);
    el.duration = duration12(notes[0].on, notes[0].off);
    el.pitches.push_back(notes[0].pitch);
    track.elements.push_back(el);
  } else {
    std::vector<std::size_t> chord;  // one buffer for every element's notes
    for (std::size_t i = 0; i < notes.size(); ++i) {
      if (gathered[i]) continue;
      chord.clear();
      for (std::size_t j = i + 1; j < notes.size(); ++j) {
        if (std::fabs(static_cast<double>(notes[j].on - notes[i].on)) <= tolerance) {
          if (std::fabs(static_cast<double>(notes[j].off - notes[i].off)) > tolerance) {
            voices_required = true;
            continue;
          }
          if (chord.empty()) {
            chord.push_back(i);
            gathered[i] = 1;
          }
          chord.push_back(j);
          gathered[j] = 1;
          continue;
        }
        break;
      }
      Element el;
      el.offset = quantize_offset(notes[i].on, tpq);
      if (chord.empty()) {
        el.duration = duration12(notes[i].on, notes[i].off);
        el.pitches.push_back(notes[i].pitch);
      } else {
        // duration: first note's end minus last note's start
        el.duration = duration12(notes[chord.back()].on, notes[chord.front()].off);
        for (std::size_t k : chord) el.pitches.push_back(notes[k].pitch);
      }
      track.elements.push_back(std::move(el));
    }
  }
  // music21 keeps the track sorted by offset, ties in creation order (elements are made in
  // note-on order, so mostly this is a check)
  const auto by_offset = [](const Element& a, const Element& b) { return a.offset < b.offset; };
  if (!std::is_sorted(track.elements.begin(), track.elements.end(), by_offset))
    std::stable_sort(track.elements.begin(), track.elements.end(), by_offset);
  if (voices_required) make_voices(track.elements);
  // flat order among equal offsets: voice by voice, then the order inside the voice
  for (std::size_t i = 0; i < track.elements.size(); ++i) {
    Element& e = track.elements[i];
    e.flat_rank = static_cast<std::int64_t>(e.voice) * static_cast<std::int64_t>(track.elements.size()) +
                  static_cast<std::int64_t>(i);
    if (!e.dropped) highest = std::max(highest, e.offset + e.duration);
  }
  track.highest_time = highest;
  return track;
}

}  // namespace m21

/// The recipe's notes and chords of a file given as its track chunks (each in file order) and
/// ticks per quarter note, as music21 5.7.2 finds them (see the top of this file).
inline std::vector<M21Element> music21_recipe_elements(const std::vector<std::vector<M21Event>>& chunks,
                                                       int tpq) {
  if (tpq <= 0) tpq = 1;
  std::vector<m21::Track> parts;
  std::int64_t conductor_signatures = -1;  // latest conductor time/key signature offset
  std::int64_t conductor_tempo = -1;       // latest conductor tempo offset (first part only)
  for (const auto& chunk : chunks) {
    bool has_notes = false;
    for (const M21Event& e : chunk)
      if (e.kind == M21Event::note_on && e.data2 != 0) {
        has_notes = true;
        break;
      }
    if (has_notes) {
      parts.push_back(m21::read_track(chunk, tpq));
    } else {
      for (const M21Event& e : chunk) {
        if (e.kind == M21Event::time_signature || e.kind == M21Event::key_signature)
          conductor_signatures = std::max(conductor_signatures, m21::quantize_offset(e.tick, tpq));
        else if (e.kind == M21Event::tempo)
          conductor_tempo = std::max(conductor_tempo, m21::quantize_offset(e.tick, tpq));
      }
    }
  }
  for (std::size_t p = 0; p < parts.size(); ++p) {
    parts[p].highest_time = std::max(parts[p].highest_time, conductor_signatures);
    if (p == 0) parts[p].highest_time = std::max(parts[p].highest_time, conductor_tempo);
  }

  struct Ranked {
    std::int64_t offset;
    std::size_t part, instrument, rank;
    std::vector<int>* pitches;  // moved into the result: each element is chosen at most once
  };
  std::vector<Ranked> chosen;
  bool any_instrument = false;
  int target = 0;
  for (const auto& part : parts)
    if (!part.instruments.empty()) {
      any_instrument = true;
      target = part.instruments.front().name;  // instruments are sorted by offset already
      break;
    }
  for (std::size_t p = 0; p < parts.size(); ++p) {
    m21::Track& part = parts[p];
    const auto& ins = part.instruments;
    for (std::size_t k = 0; k < part.elements.size(); ++k) {
      m21::Element& e = part.elements[k];
      if (e.dropped) continue;
      if (!any_instrument) {
        chosen.push_back({e.offset, p, 0, static_cast<std::size_t>(e.flat_rank), &e.pitches});
        continue;
      }
      // the first instrument span of the target's name that holds the element
      for (std::size_t i = 0; i < ins.size(); ++i) {
        if (ins[i].name != target) continue;
        const std::int64_t start = ins[i].offset;
        const std::int64_t end = i + 1 < ins.size() ? ins[i + 1].offset : part.highest_time;
        const bool inside = start == end ? (e.duration == 0 && e.offset == start)
                                         : (e.offset >= start && e.offset < end);
        if (inside) {
          chosen.push_back({e.offset, p, i, static_cast<std::size_t>(e.flat_rank), &e.pitches});
          break;
        }
      }
    }
  }
  std::stable_sort(chosen.begin(), chosen.end(), [](const Ranked& a, const Ranked& b) {
    if (a.offset != b.offset) return a.offset < b.offset;
    if (a.part != b.part) return a.part < b.part;
    if (a.instrument != b.instrument) return a.instrument < b.instrument;
    return a.rank < b.rank;
  });
  std::vector<M21Element> out;
  out.reserve(chosen.size());
  for (const Ranked& r : chosen) out.push_back({r.offset, std::move(*r.pitches)});
  return out;
}

}  // namespace detail
}  // namespace music
SYMPHONIC_NAMESPACE_END
