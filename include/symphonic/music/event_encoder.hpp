// symphonic/music/event_encoder.hpp - timed, lossless-on-a-grid tokens in the manner of
// performance-RNN models: note-on, note-off, time-shift and velocity events.
//
//   "velocity:20" "note_on:60" "note_on:64" "time_shift:50" "note_off:60" "note_off:64" ...
//
// Time runs in steps of step_ms milliseconds (default 10); a time-shift token moves it by 1 to
// max_shift steps (default 100 = 1 s), longer gaps use several. A velocity token (one of
// velocity_bins bins, default 32) comes before a note-on whenever the bin differs from the
// previous note-on's. At one instant the note-offs come first (ascending pitch), then the note-ons
// (ascending pitch), so a key released and struck again at the same step survives.
//
// Round trip: decode(encode(x)) gives back x's pitch, velocity, start_s and end_s exactly when the
// times are multiples of step_ms, the velocities are bin representatives (velocity_of_bin) and no
// two notes of one pitch overlap (a key cannot be struck twice before it is released: decode
// pairs note-offs with the oldest open note-on of that pitch). A note shorter than one step
// after rounding is given one step. Drum notes (channel index 9) are dropped unless drums=1.
// Decoded notes carry seconds, and ticks at 120 bpm and 480 ticks per quarter. With sustain=1,
// encode_file() lengthens notes released while the sustain pedal (CC 64) is down until it lifts.
//
// Several instruments (programs=1): a "program:N" token (General MIDI program N, 0..127, or
// "program:drums" for the percussion channel when drums=1) comes before a note-on or note-off
// whenever its instrument differs from the previous note event's; the note events that follow
// belong to that instrument, so one pitch may sound on two instruments at once. At one instant
// the order is note-offs, then note-ons, each grouped by instrument (programs ascending, drums
// last) and by ascending pitch within one. decode() gives each instrument its own Note::track
// (in order of first appearance) and channel (drums on channel index 9, the others on 0-8 and
// 10-15 in order of first appearance, shared round-robin past 15 instruments), so
// midi::notes_to_file writes one track per instrument with its program change. Notes before any
// program token are piano (program 0). Without programs=1 every note decodes as program 0, track 0.
//
// condition=key,density,tempo and condition_every=N add control tokens (music/conditions.hpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/midi/note.hpp"
#include "symphonic/music/encoder.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace music {

struct EventEncoderOptions {
  int step_ms = 10;         ///< time grid, milliseconds per step (1..1000)
  int max_shift = 100;      ///< longest single time-shift token, in steps (1..10000)
  int velocity_bins = 32;   ///< velocity resolution (1..127)
  bool markers = false;     ///< add <begin> and <end>
  bool drums = false;       ///< keep drum notes (channel index 9)
  bool sustain = false;     ///< encode_file: hold notes released under the sustain pedal (CC 64)
  bool programs = false;    ///< keep each note's instrument as program tokens
};

class EventEncoder : public Encoder {
 public:
  explicit EventEncoder(EventEncoderOptions options = {}, Conditions conditions = {}) : options_(options) {
    conditions_ = conditions;
    if (options_.step_ms < 1 || options_.step_ms > 1000 || options_.max_shift < 1 ||
        options_.max_shift > 10000 || options_.velocity_bins < 1 || options_.velocity_bins > 127)
      SYMPHONIC_THROW(VocabularyError("event encoder options out of range: " + options_text()));
  }

  /// Builds one from options text such as "event step_ms=10 velocity_bins=32".
  static EventEncoder from_text(const std::string& text) {
    auto kv = detail::read_encoder_options(text, "event");
    EventEncoderOptions o;
    o.step_ms = static_cast<int>(kv.integer("step_ms", o.step_ms, 1, 1000));
    o.max_shift = static_cast<int>(kv.integer("max_shift", o.max_shift, 1, 10000));
    o.velocity_bins = static_cast<int>(kv.integer("velocity_bins", o.velocity_bins, 1, 127));
    o.markers = kv.flag("markers", false);
    o.drums = kv.flag("drums", false);
    o.sustain = kv.flag("sustain", false);
    o.programs = kv.flag("programs", false);
    const Conditions conditions = detail::read_conditions(kv);
    kv.finish();
    return EventEncoder(o, conditions);
  }

  const EventEncoderOptions& options() const { return options_; }

  std::string options_text() const override {
    return "event step_ms=" + std::to_string(options_.step_ms) +
           " max_shift=" + std::to_string(options_.max_shift) +
           " velocity_bins=" + std::to_string(options_.velocity_bins) +
           " markers=" + std::to_string(options_.markers ? 1 : 0) +
           " drums=" + std::to_string(options_.drums ? 1 : 0) + (options_.sustain ? " sustain=1" : "") +
           (options_.programs ? " programs=1" : "") + conditions_.options_text();
  }

  /// encode(extract_notes(file)), with the sustain pedal applied when the sustain option is on.
  std::vector<std::string> encode_file(const midi::File& file) const override {
    midi::NoteOptions note_options;
    note_options.sustain_pedal = options_.sustain;
    return encode(midi::extract_notes(file, note_options));
  }

  bool keeps_instruments() const override { return options_.programs; }

  /// Bin 0..velocity_bins-1 of a velocity 1..127 (values outside are clamped).
  int bin_of_velocity(int velocity) const {
    velocity = std::min(127, std::max(1, velocity));
    return (velocity - 1) * options_.velocity_bins / 127;
  }
  /// The smallest velocity in a bin; bin_of_velocity(velocity_of_bin(b)) == b.
  int velocity_of_bin(int bin) const {
    return 1 + (bin * 127 + options_.velocity_bins - 1) / options_.velocity_bins;
  }

  /// Every token this encoder can produce, in a fixed order (for a complete vocabulary).
  std::vector<std::string> all_tokens() const {
    std::vector<std::string> t;
    if (options_.markers) {
      t.push_back(begin_token());
      t.push_back(end_token());
    }
    for (int p = 0; p < 128; ++p) t.push_back("note_on:" + std::to_string(p));
    for (int p = 0; p < 128; ++p) t.push_back("note_off:" + std::to_string(p));
    for (int s = 1; s <= options_.max_shift; ++s) t.push_back("time_shift:" + std::to_string(s));
    for (int b = 0; b < options_.velocity_bins; ++b) t.push_back("velocity:" + std::to_string(b));
    if (options_.programs) {
      for (int p = 0; p < 128; ++p) t.push_back(program_token(p));
      if (options_.drums) t.push_back(program_token(drums_instrument));
    }
    return with_condition_tokens(std::move(t));
  }

  /// The token that switches to `instrument`: a General MIDI program 0..127, or drums_instrument.
  static std::string program_token(int instrument) {
    return instrument == drums_instrument ? "program:drums" : "program:" + std::to_string(instrument);
  }
  static constexpr int drums_instrument = 128;  ///< the percussion channel, as an instrument

  std::vector<std::string> encode(const midi::NoteList& notes) const override {
    struct Event {
      std::int64_t step;
      int kind;  // 0 = off, 1 = on (offs sort first)
      int instrument;  // program 0..127 or drums_instrument with programs=1; 0 otherwise
      int pitch;
      int velocity;
    };
    std::vector<Event> events;
    events.reserve(notes.notes.size() * 2);
    const double steps_per_s = 1000.0 / options_.step_ms;
    for (const midi::Note& n : notes.notes) {
      if (n.drum && !options_.drums) continue;
      if (n.pitch < 0 || n.pitch > 127) continue;
      const std::int64_t on = std::llround(std::max(0.0, n.start_s) * steps_per_s);
      std::int64_t off = std::llround(std::max(0.0, n.end_s) * steps_per_s);
      if (off <= on) off = on + 1;
      const int instrument = !options_.programs ? 0 : n.drum ? drums_instrument : std::min(std::max(n.program, 0), 127);
      events.push_back({on, 1, instrument, n.pitch, n.velocity});
      events.push_back({off, 0, instrument, n.pitch, 0});
    }
    std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
      if (a.step != b.step) return a.step < b.step;
      if (a.kind != b.kind) return a.kind < b.kind;
      if (a.instrument != b.instrument) return a.instrument < b.instrument;
      return a.pitch < b.pitch;
    });
    std::vector<std::string> tokens;
    tokens.reserve(events.size() * 2 + 2);
    if (options_.markers) tokens.push_back(begin_token());
    std::int64_t now = 0;
    int bin = -1;
    int instrument = -1;
    for (const Event& e : events) {
      for (std::int64_t gap = e.step - now; gap > 0; gap -= options_.max_shift)
        tokens.push_back("time_shift:" + std::to_string(std::min<std::int64_t>(gap, options_.max_shift)));
      now = e.step;
      if (options_.programs && e.instrument != instrument) {
        tokens.push_back(program_token(e.instrument));
        instrument = e.instrument;
      }
      if (e.kind == 1) {
        const int b = bin_of_velocity(e.velocity);
        if (b != bin) {
          tokens.push_back("velocity:" + std::to_string(b));
          bin = b;
        }
        tokens.push_back("note_on:" + std::to_string(e.pitch));
      } else {
        tokens.push_back("note_off:" + std::to_string(e.pitch));
      }
    }
    if (options_.markers) tokens.push_back(end_token());
    return conditioned(notes, std::move(tokens));
  }

  midi::NoteList decode(const std::vector<std::string>& tokens,
                        DecodeStats* stats = nullptr) const override {
    DecodeStats local;
    DecodeStats& st = stats ? *stats : local;
    st = DecodeStats{};
    midi::NoteList out;
    out.ticks_per_quarter = 480;
    // Sounding notes per instrument and pitch, (start step, velocity), oldest first. An
    // instrument's 128 queues, track and channel are made when it first plays.
    using Sounding = std::deque<std::pair<std::int64_t, int>>;
    std::vector<std::vector<Sounding>> open(drums_instrument + 1);
    std::vector<int> track_of(drums_instrument + 1, 0), channel_of(drums_instrument + 1, 0);
    int tracks = 0, melodic = 0;
    const auto sounding = [&](int instrument) -> std::vector<Sounding>& {
      std::vector<Sounding>& queues = open[static_cast<std::size_t>(instrument)];
      if (queues.empty()) {
        queues.resize(128);
        track_of[static_cast<std::size_t>(instrument)] = tracks++;
        // channel index 9 is percussion; the melodic instruments take the other 15 in turn
        channel_of[static_cast<std::size_t>(instrument)] =
            instrument == drums_instrument ? 9 : (melodic % 15 < 9 ? melodic % 15 : melodic % 15 + 1);
        if (instrument != drums_instrument) ++melodic;
      }
      return queues;
    };
    std::int64_t now = 0;
    int velocity = velocity_of_bin(bin_of_velocity(64));
    int instrument = 0;  // piano until a program token says otherwise (always, without programs=1)
    const double seconds_per_step = options_.step_ms / 1000.0;
    const auto emit = [&](int played_by, int pitch, std::int64_t start, std::int64_t end, int vel) {
      midi::Note n;
      n.pitch = pitch;
      n.velocity = vel;
      n.drum = played_by == drums_instrument;
      n.program = n.drum ? 0 : played_by;
      n.track = track_of[static_cast<std::size_t>(played_by)];
      n.channel = channel_of[static_cast<std::size_t>(played_by)];
      n.start_s = static_cast<double>(start) * seconds_per_step;
      n.end_s = static_cast<double>(end) * seconds_per_step;
      n.start_tick = std::llround(n.start_s * 960.0);  // 120 bpm, 480 ticks per quarter
      n.end_tick = std::llround(n.end_s * 960.0);
      out.notes.push_back(n);
    };
    for (const std::string& token : tokens) {
      ++st.tokens;
      int value = -1;
      switch (classify(token, value)) {
        case Kind::shift:
          if (value >= 1 && value <= options_.max_shift) {
            now += value;
            continue;
          }
          break;
        case Kind::velocity:
          if (value >= 0 && value < options_.velocity_bins) {
            velocity = velocity_of_bin(value);
            continue;
          }
          break;
        case Kind::on:
          if (value >= 0 && value <= 127) {
            sounding(instrument)[static_cast<std::size_t>(value)].emplace_back(now, velocity);
            continue;
          }
          break;
        case Kind::off:
          if (value >= 0 && value <= 127 && !open[static_cast<std::size_t>(instrument)].empty() &&
              !open[static_cast<std::size_t>(instrument)][static_cast<std::size_t>(value)].empty()) {
            Sounding& queue = open[static_cast<std::size_t>(instrument)][static_cast<std::size_t>(value)];
            const auto started = queue.front();
            queue.pop_front();
            emit(instrument, value, started.first, std::max(now, started.first + 1), started.second);
            continue;
          }
          break;
        case Kind::program:
          if (options_.programs && value >= 0 && (value <= 127 || (value == drums_instrument && options_.drums))) {
            instrument = value;
            continue;
          }
          break;
        case Kind::marker:
          continue;  // markers and control tokens say nothing about notes
        case Kind::other:
          break;
      }
      ++st.skipped;
    }
    for (int played_by = 0; played_by <= drums_instrument; ++played_by)
      for (std::size_t p = 0; p < open[static_cast<std::size_t>(played_by)].size(); ++p)
        for (const auto& started : open[static_cast<std::size_t>(played_by)][p]) {
          emit(played_by, static_cast<int>(p), started.first, std::max(now, started.first + 1), started.second);
          ++st.unterminated;
        }
    std::stable_sort(out.notes.begin(), out.notes.end(), [](const midi::Note& a, const midi::Note& b) {
      return a.start_tick != b.start_tick ? a.start_tick < b.start_tick : a.pitch < b.pitch;
    });
    st.notes = static_cast<std::int64_t>(out.notes.size());
    return out;
  }

 private:
  enum class Kind { on, off, shift, velocity, program, marker, other };

  // Splits "name:value" (value a decimal integer of at most 5 digits) and names the kind;
  // "program:drums" is the program drums_instrument.
  static Kind classify(const std::string& token, int& value) {
    if (token == begin_token() || token == end_token() || is_condition_token(token)) return Kind::marker;
    if (token == "program:drums") {
      value = drums_instrument;
      return Kind::program;
    }
    const auto colon = token.find(':');
    if (colon == std::string::npos || colon + 1 >= token.size() || token.size() - colon > 6)
      return Kind::other;
    int v = 0;
    for (std::size_t i = colon + 1; i < token.size(); ++i) {
      if (token[i] < '0' || token[i] > '9') return Kind::other;
      v = v * 10 + (token[i] - '0');
    }
    value = v;
    const std::string head = token.substr(0, colon);
    if (head == "note_on") return Kind::on;
    if (head == "note_off") return Kind::off;
    if (head == "time_shift") return Kind::shift;
    if (head == "velocity") return Kind::velocity;
    if (head == "program") {
      if (v > 127) value = -1;  // "program:128" is no program; drums are "program:drums"
      return Kind::program;
    }
    return Kind::other;
  }

  EventEncoderOptions options_;
};

}  // namespace music
SYMPHONIC_NAMESPACE_END
