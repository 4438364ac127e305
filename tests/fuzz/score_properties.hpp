// tests/fuzz/score_properties.hpp - read_score (one pass from bytes to notes) agrees with read()
// then extract_notes() on any bytes. Used by the midi_read fuzz properties
// (midi_read_properties.hpp) and by tests/midi/test_score.cpp.
//
// On the same bytes and mode: both throw the same ParseError (offset, track, expectation), or
// both give the same warnings, format, division and tracks; each track's notes, sorted by
// (start_tick, pitch, channel), are that track's notes from extract_notes without the pedal;
// its programs, controls, pitch bends, name and last tick are its events'; the tempos and
// signatures are every track's, by tick, ties in track order; and tempo_map(score, track) is
// TempoMap(file, track), for the whole file and for each track.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include <symphonic/midi/notes.hpp>
#include <symphonic/midi/read.hpp>
#include <symphonic/midi/score.hpp>
#include <symphonic/midi/tempo_map.hpp>

namespace symphonic_fuzz {

/// What read() then extract_notes() say the Score of `file` is (the slow way, per event).
inline symphonic::midi::Score score_through_file(const symphonic::midi::File& file,
                                                 symphonic::midi::Pairing pairing) {
  namespace midi = symphonic::midi;
  midi::Score score;
  score.format = file.format;
  score.division = file.division;
  score.tracks.resize(file.tracks.size());
  for (const midi::Note& n : midi::extract_notes(file, {pairing, false}).notes)
    score.tracks[static_cast<std::size_t>(n.track)].notes.push_back(midi::TickNote{
        n.start_tick, n.end_tick, static_cast<std::uint8_t>(n.pitch),
        static_cast<std::uint8_t>(n.velocity), static_cast<std::uint8_t>(n.channel)});
  for (std::size_t t = 0; t < file.tracks.size(); ++t) {
    const midi::Track& track = file.tracks[t];
    midi::ScoreTrack& out = score.tracks[t];
    out.end_tick = track.end_tick();
    bool named = false;
    const int index = static_cast<int>(t);
    for (const midi::Event& e : track.events) {
      const auto channel = static_cast<std::uint8_t>(e.channel());
      if (e.is_channel() && e.message() == midi::Message::program_change) {
        out.programs.push_back({e.tick, channel, e.data1});
      } else if (e.is_channel() && e.message() == midi::Message::control_change) {
        out.controls.push_back({e.tick, channel, e.data1, e.data2});
      } else if (e.is_channel() && e.message() == midi::Message::pitch_bend) {
        out.pitch_bends.push_back({e.tick, channel, static_cast<std::int16_t>(e.pitch_bend())});
      } else if (const std::uint32_t tempo = midi::tempo_of(track, e)) {
        score.tempos.push_back({e.tick, index, tempo});
      } else if (e.is_meta(midi::meta::track_name) && !named) {
        out.name = track.payload(e).text();
        named = true;
      } else {
        midi::TimeSignatureChange time{e.tick, index, {}};
        if (midi::time_signature_of(track, e, time.signature)) score.time_signatures.push_back(time);
        midi::KeySignatureChange key{e.tick, index, {}};
        if (midi::key_signature_of(track, e, key.signature)) score.key_signatures.push_back(key);
      }
    }
  }
  const auto by_tick = [](const auto& a, const auto& b) { return a.tick < b.tick; };
  std::stable_sort(score.tempos.begin(), score.tempos.end(), by_tick);
  std::stable_sort(score.time_signatures.begin(), score.time_signatures.end(), by_tick);
  std::stable_sort(score.key_signatures.begin(), score.key_signatures.end(), by_tick);
  return score;
}

/// Empty when read_score agrees with read() then extract_notes() on these bytes, else what
/// differs first.
inline std::string check_score_agrees(const std::uint8_t* data, std::size_t size, bool strict,
                                      symphonic::midi::Pairing pairing) {
  namespace midi = symphonic::midi;
  const midi::ReadOptions options{strict};
  std::vector<midi::Warning> file_warnings, score_warnings;
  midi::File file;
  midi::Score score;
  std::string file_error, score_error;
  const auto describe = [](const midi::ParseError& e) {
    return std::to_string(e.byte_offset()) + "/" + std::to_string(e.track()) + "/" + e.expected();
  };
  try {
    file = midi::read(data, size, options, &file_warnings);
  } catch (const midi::ParseError& e) {
    file_error = describe(e);
  }
  try {
    score = midi::read_score(data, size, options, &score_warnings, pairing);
  } catch (const midi::ParseError& e) {
    score_error = describe(e);
  }
  if (file_error != score_error)
    return "read() threw '" + file_error + "', read_score '" + score_error + "'";
  if (!file_error.empty()) return "";
  if (file_warnings.size() != score_warnings.size()) return "a different number of warnings";
  for (std::size_t i = 0; i < file_warnings.size(); ++i) {
    const midi::Warning& a = file_warnings[i];
    const midi::Warning& b = score_warnings[i];
    if (a.byte_offset != b.byte_offset || a.track != b.track || a.message != b.message)
      return "warning " + std::to_string(i) + " differs: " + a.message + " / " + b.message;
  }

  midi::Score expected = score_through_file(file, pairing);
  if (score.format != expected.format || score.division != expected.division)
    return "header differs";
  if (score.tracks.size() != expected.tracks.size()) return "track count differs";
  for (std::size_t t = 0; t < score.tracks.size(); ++t) {
    const std::string at = "track " + std::to_string(t) + ": ";
    const midi::ScoreTrack& want = expected.tracks[t];
    const midi::ScoreTrack& got = score.tracks[t];
    for (std::size_t i = 1; i < got.notes.size(); ++i)
      if (got.notes[i].start_tick < got.notes[i - 1].start_tick)
        return at + "notes not in note-on order";
    std::vector<midi::TickNote> sorted = got.notes;
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
      return std::tie(a.start_tick, a.pitch, a.channel) < std::tie(b.start_tick, b.pitch, b.channel);
    });
    if (sorted != want.notes) return at + "notes differ";
    if (got.name != want.name || got.end_tick != want.end_tick) return at + "name or end differs";
    const auto same = [](const auto& x, const auto& y, auto key) {
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (key(x[i]) != key(y[i])) return false;
      return true;
    };
    if (!same(got.programs, want.programs,
              [](const auto& c) { return std::make_tuple(c.tick, c.channel, c.program); }))
      return at + "programs differ";
    if (!same(got.controls, want.controls, [](const auto& c) {
          return std::make_tuple(c.tick, c.channel, c.controller, c.value);
        }))
      return at + "controls differ";
    if (!same(got.pitch_bends, want.pitch_bends,
              [](const auto& c) { return std::make_tuple(c.tick, c.channel, c.value); }))
      return at + "pitch bends differ";
  }
  const auto same_changes = [](const auto& x, const auto& y, auto value) {
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
      if (x[i].tick != y[i].tick || x[i].track != y[i].track || value(x[i]) != value(y[i]))
        return false;
    return true;
  };
  if (!same_changes(score.tempos, expected.tempos,
                    [](const auto& c) { return c.microseconds_per_quarter; }))
    return "tempos differ";
  if (!same_changes(score.time_signatures, expected.time_signatures, [](const auto& c) {
        const midi::TimeSignature& s = c.signature;
        return std::make_tuple(s.numerator, s.denominator, s.clocks_per_click,
                               s.thirty_seconds_per_quarter);
      }))
    return "time signatures differ";
  if (!same_changes(score.key_signatures, expected.key_signatures, [](const auto& c) {
        return std::make_tuple(c.signature.sharps, c.signature.minor);
      }))
    return "key signatures differ";
  for (int track = -1; track < static_cast<int>(file.tracks.size()); ++track) {
    const midi::TempoMap got_map = midi::tempo_map(score, track);
    const midi::TempoMap want_map(file, track);
    const auto& got = got_map.segments();
    const auto& want = want_map.segments();
    if (got.size() != want.size()) return "tempo map " + std::to_string(track) + " differs";
    for (std::size_t i = 0; i < got.size(); ++i)
      if (got[i].tick != want[i].tick || got[i].seconds != want[i].seconds ||
          got[i].seconds_per_tick != want[i].seconds_per_tick ||
          got[i].microseconds_per_quarter != want[i].microseconds_per_quarter)
        return "tempo map " + std::to_string(track) + " differs";
  }
  return "";
}

}  // namespace symphonic_fuzz
