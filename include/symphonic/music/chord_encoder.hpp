// symphonic/music/chord_encoder.hpp - the recipe's tokens: one token per onset, a pitch name
// for a single note ("C4"), the normal order of the pitch classes for a chord ("0.4.7").
//
// Options (options_text / make_encoder: "chord key=value ..."):
//   recipe=1          the recipe exactly: encode_file() follows music21 5.7.2 (first instrument
//                     part only, its quantization and chord making, see
//                     music/detail/music21_midi.hpp); no durations, rests or markers; decode()
//                     puts one token every 0.5 quarter note, each note 1 quarter long, every
//                     chord pitch class in octave 4 (C4..B4), as the recipe's generator did.
//   grid=music21|N    onsets snap to the nearer multiple of 1/4 or 1/3 quarter (music21), or to
//                     1/N quarter (N = 1, 2, 3, 4, 6 or 12); notes whose onsets snap together form one chord.
//   parts=all|first   all non-drum notes (default), or only the first track that has notes.
//   timing=0|1        after each onset token, "d:N" = how long it sounds and, if silence follows
//                     before the next onset, "r:M" (N, M in 1/12 quarter notes, 1..48; longer
//                     rests repeat "r:48"; a longer duration is cut to 48).
//   voicing=recipe|close
//                     how decode() puts a chord's pitch classes into octaves: recipe = each
//                     pitch class in octave 4 (MIDI 60..71); close = the first pitch class of the
//                     normal order in octave 4, each next one the nearest above the previous, so
//                     the chord is stacked in close position (normal order spans < 12 semitones).
//   markers=0|1       <begin> and <end> around each piece.
//   condition=key,density,tempo, condition_every=N
//                     control tokens of the piece's key, note density and tempo after <begin>
//                     and every N tokens (music/conditions.hpp); not with recipe=1.
// decode() without timing places tokens 0.5 quarter apart (recipe) and lets notes last 1 quarter
// (recipe) or 0.5 quarter; at 120 bpm with 480 ticks per quarter, velocity 90.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/midi/file.hpp"
#include "symphonic/midi/note.hpp"
#include "symphonic/music/detail/music21_midi.hpp"
#include "symphonic/music/encoder.hpp"
#include "symphonic/music/pitch.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace music {

enum class Voicing { recipe, close };

struct ChordEncoderOptions {
  bool recipe = false;
  int grid = 0;             ///< 0: music21 (1/4 or 1/3); N: 1/N quarter
  bool all_parts = true;    ///< false: the first track with notes only
  bool timing = false;
  Voicing voicing = Voicing::close;
  bool markers = false;

  /// The recipe's settings.
  static ChordEncoderOptions recipe_preset() {
    ChordEncoderOptions o;
    o.recipe = true;
    o.grid = 0;
    o.all_parts = false;
    o.timing = false;
    o.voicing = Voicing::recipe;
    o.markers = false;
    return o;
  }
};

class ChordEncoder : public Encoder {
 public:
  static constexpr int max_length12 = 48;  ///< longest d:/r: value, in 1/12 quarter notes
  static constexpr int velocity = 90;

  explicit ChordEncoder(ChordEncoderOptions options = {}, Conditions conditions = {}) : options_(options) {
    conditions_ = conditions;
    if (options_.recipe && conditions_.any())
      SYMPHONIC_THROW(VocabularyError("recipe=1 writes the recipe's tokens only: it takes no condition"));
    if (options_.grid < 0 || options_.grid > 12 || (options_.grid > 0 && 12 % options_.grid != 0))
      SYMPHONIC_THROW(VocabularyError("chord encoder grid must be music21 or one of 1 2 3 4 6 12"));
    if (options_.recipe && (options_.timing || options_.markers || options_.all_parts || options_.grid != 0))
      SYMPHONIC_THROW(VocabularyError("recipe=1 fixes grid, parts, timing and markers"));
  }

  /// Builds one from options text such as "chord recipe=1" or "chord grid=4 timing=1".
  static ChordEncoder from_text(const std::string& text) {
    auto kv = detail::read_encoder_options(text, "chord");
    const bool recipe = kv.flag("recipe", false);
    ChordEncoderOptions o = recipe ? ChordEncoderOptions::recipe_preset() : ChordEncoderOptions{};
    const std::string grid = kv.choice("grid", o.grid == 0 ? "music21" : std::to_string(o.grid),
                                       {"music21", "1", "2", "3", "4", "6", "12"});
    o.grid = grid == "music21" ? 0 : std::atoi(grid.c_str());
    o.all_parts = kv.choice("parts", o.all_parts ? "all" : "first", {"all", "first"}) == "all";
    o.timing = kv.flag("timing", o.timing);
    o.voicing = kv.choice("voicing", o.voicing == Voicing::recipe ? "recipe" : "close", {"recipe", "close"}) == "recipe"
                    ? Voicing::recipe
                    : Voicing::close;
    o.markers = kv.flag("markers", o.markers);
    const Conditions conditions = detail::read_conditions(kv);
    kv.finish();
    return ChordEncoder(o, conditions);
  }

  const ChordEncoderOptions& options() const { return options_; }

  std::string options_text() const override {
    if (options_.recipe)
      return std::string("chord recipe=1") + (options_.voicing == Voicing::close ? " voicing=close" : "");
    return "chord grid=" + (options_.grid == 0 ? std::string("music21") : std::to_string(options_.grid)) +
           " parts=" + (options_.all_parts ? "all" : "first") + " timing=" + (options_.timing ? "1" : "0") +
           " voicing=" + (options_.voicing == Voicing::recipe ? "recipe" : "close") +
           " markers=" + (options_.markers ? "1" : "0") + conditions_.options_text();
  }

  /// Tokens of a note list. Notes are grouped by their snapped onset (a group of one distinct
  /// pitch is a note token, more a chord token). In recipe mode this is an approximation of
  /// encode_file(): it works on paired notes, not on music21's reading of the raw events.
  std::vector<std::string> encode(const midi::NoteList& notes) const override {
    const int tpq = notes.ticks_per_quarter > 0 ? notes.ticks_per_quarter : 480;
    int first_track = -1;
    struct Item {
      std::int64_t on12, end12;
      int pitch;
    };
    std::vector<Item> items;
    items.reserve(notes.notes.size());
    // the last tick snapped as a start and as an end: notes come sorted by start, and the notes
    // of a chord share their start and mostly their end (music21's quantize takes two divisions)
    struct Snapped {
      bool known = false;
      std::int64_t tick = 0, twelfths = 0;
    } last_on, last_end;
    const auto snap = [&](Snapped& last, std::int64_t tick) {
      if (!last.known || tick != last.tick) last = {true, tick, snap12(tick, tpq)};
      return last.twelfths;
    };
    for (const midi::Note& n : notes.notes) {
      if (n.drum || n.pitch < 0 || n.pitch > 127) continue;
      if (!options_.all_parts) {
        if (first_track < 0) first_track = n.track;
        if (n.track != first_track) continue;
      }
      const std::int64_t on = snap(last_on, n.start_tick);
      std::int64_t end = snap(last_end, n.end_tick);
      if (end <= on) end = on + 1;
      items.push_back({on, end, n.pitch});
    }
    // extract_notes sorts notes by start tick and the snap keeps their order, so this is mostly a
    // check (stable_sort would still take a buffer and merge)
    const auto by_onset = [](const Item& a, const Item& b) { return a.on12 < b.on12; };
    if (!std::is_sorted(items.begin(), items.end(), by_onset)) std::stable_sort(items.begin(), items.end(), by_onset);
    std::vector<std::string> tokens;
    tokens.reserve(items.size() * (options_.timing ? 2 : 1) + 2);
    if (options_.markers) tokens.push_back(begin_token());
    for (std::size_t i = 0; i < items.size();) {
      std::size_t j = i;
      unsigned mask = 0;
      int first_pitch = items[i].pitch;
      bool single = true;
      std::int64_t end = items[i].end12;
      for (; j < items.size() && items[j].on12 == items[i].on12; ++j) {
        mask |= 1u << pitch_class(items[j].pitch);
        if (items[j].pitch != first_pitch) single = false;
        end = std::max(end, items[j].end12);
      }
      tokens.push_back(single ? pitch_name(first_pitch) : chord_name(mask));
      if (options_.timing) {
        const std::int64_t next = j < items.size() ? items[j].on12 : end;
        const std::int64_t sound =
            std::min<std::int64_t>(std::max<std::int64_t>(std::min(end, next) - items[i].on12, 1), max_length12);
        tokens.push_back("d:" + std::to_string(sound));
        for (std::int64_t rest = next - items[i].on12 - sound; rest > 0; rest -= max_length12)
          tokens.push_back("r:" + std::to_string(std::min<std::int64_t>(rest, max_length12)));
      }
      i = j;
    }
    if (options_.markers) tokens.push_back(end_token());
    return conditioned(notes, std::move(tokens));
  }

  /// In recipe mode, the tokens music21 5.7.2 gives the recipe for this file (first instrument
  /// part, music21's own note pairing, chords and quantization); otherwise encode(extract_notes).
  std::vector<std::string> encode_file(const midi::File& file) const override {
    if (!options_.recipe) return Encoder::encode_file(file);
    return tokens_of(detail::music21_recipe_elements(music21_events(file), midi::ticks_per_quarter(file.division)));
  }

  /// The events of each track as music21's reader classifies them.
  static std::vector<std::vector<detail::M21Event>> music21_events(const midi::File& file) {
    std::vector<std::vector<detail::M21Event>> chunks(file.tracks.size());
    for (std::size_t t = 0; t < file.tracks.size(); ++t) {
      const auto& events = file.tracks[t].events;
      auto& out = chunks[t];
      out.reserve(events.size());
      for (const midi::Event& e : events) {
        detail::M21Event m;
        m.tick = e.tick;
        m.data1 = e.data1;
        m.data2 = e.data2;
        if (e.is_channel()) {
          m.channel = static_cast<std::uint8_t>(e.channel());
          switch (e.message()) {
            case midi::Message::note_on: m.kind = detail::M21Event::note_on; break;
            case midi::Message::note_off: m.kind = detail::M21Event::note_off; break;
            case midi::Message::poly_aftertouch: m.kind = detail::M21Event::poly_pressure; break;
            case midi::Message::control_change: m.kind = detail::M21Event::controller; break;
            case midi::Message::program_change: m.kind = detail::M21Event::program; break;
            case midi::Message::channel_pressure: m.kind = detail::M21Event::channel_pressure; break;
            case midi::Message::pitch_bend: m.kind = detail::M21Event::pitch_bend; break;
          }
        } else if (e.is_meta(midi::meta::time_signature)) {
          m.kind = detail::M21Event::time_signature;
        } else if (e.is_meta(midi::meta::key_signature)) {
          m.kind = detail::M21Event::key_signature;
        } else if (e.is_meta(midi::meta::tempo)) {
          m.kind = detail::M21Event::tempo;
        } else {
          continue;  // music21 ignores the rest; they change nothing it computes
        }
        out.push_back(m);
      }
    }
    return chunks;
  }

  /// The recipe's tokens from music21-style elements (music/detail/music21_midi.hpp).
  static std::vector<std::string> tokens_of(const std::vector<detail::M21Element>& elements) {
    std::vector<std::string> tokens;
    tokens.reserve(elements.size());
    for (const auto& e : elements)
      tokens.push_back(e.pitches.size() == 1 ? pitch_name(e.pitches[0]) : chord_name(e.pitches));
    return tokens;
  }

  midi::NoteList decode(const std::vector<std::string>& tokens, DecodeStats* stats = nullptr) const override {
    DecodeStats local;
    DecodeStats& st = stats ? *stats : local;
    st = DecodeStats{};
    midi::NoteList out;
    out.ticks_per_quarter = 480;
    const std::int64_t step = 6;                                   // 0.5 quarter in twelfths
    const std::int64_t plain_length = options_.recipe ? 12 : 6;    // 1 or 0.5 quarter
    std::int64_t now = 0;
    std::vector<int> pending;   // pitches of the last onset token, waiting for its duration
    bool have_pending = false;
    const auto emit = [&](std::int64_t length) {
      for (int p : pending) {
        midi::Note n;
        n.pitch = p;
        n.velocity = velocity;
        n.start_tick = now * 40;  // 480 / 12
        n.end_tick = (now + length) * 40;
        n.start_s = static_cast<double>(n.start_tick) / 960.0;  // 120 bpm
        n.end_s = static_cast<double>(n.end_tick) / 960.0;
        out.notes.push_back(n);
      }
      pending.clear();
      have_pending = false;
    };
    for (const std::string& token : tokens) {
      ++st.tokens;
      if (token == begin_token() || token == end_token() || is_condition_token(token)) continue;
      if (options_.timing && token.size() > 2 && (token[0] == 'd' || token[0] == 'r') && token[1] == ':') {
        const int value = small_number(token.substr(2));
        if (value < 1 || value > max_length12) {
          ++st.skipped;
          continue;
        }
        if (token[0] == 'd') {
          if (!have_pending) {
            ++st.skipped;
            continue;
          }
          emit(value);
          now += value;
        } else {
          if (have_pending) {
            emit(step);
            now += step;
          }
          now += value;
        }
        continue;
      }
      std::vector<int> pitches;
      if (!pitches_of(token, pitches)) {
        ++st.skipped;
        continue;
      }
      if (have_pending) {  // previous onset had no duration token
        emit(options_.timing ? step : plain_length);
        now += step;
      }
      pending = pitches;
      have_pending = true;
      if (!options_.timing) {
        emit(plain_length);
        now += step;
      }
    }
    if (have_pending) emit(step);
    std::stable_sort(out.notes.begin(), out.notes.end(), [](const midi::Note& a, const midi::Note& b) {
      return a.start_tick != b.start_tick ? a.start_tick < b.start_tick : a.pitch < b.pitch;
    });
    st.notes = static_cast<std::int64_t>(out.notes.size());
    return out;
  }

  /// The pitches decode() plays for one note or chord token; false if it is neither.
  bool pitches_of(const std::string& token, std::vector<int>& pitches) const {
    pitches.clear();
    if (token.empty()) return false;
    const char c = token[0];
    if ((c >= 'A' && c <= 'G')) {
      try {
        pitches.push_back(parse_pitch(token));
        return true;
      } catch (const VocabularyError&) {
        return false;
      }
    }
    if (c < '0' || c > '9') return false;
    std::vector<int> pcs;
    try {
      pcs = parse_chord(token);
    } catch (const VocabularyError&) {
      return false;
    }
    int previous = -1;
    for (int pc : pcs) {
      if (options_.voicing == Voicing::recipe) {
        pitches.push_back(60 + pc);
      } else {
        int p = previous < 0 ? 60 + pc : previous + ((pc - previous % 12 + 12) % 12);
        if (previous >= 0 && p == previous) p += 12;
        pitches.push_back(p);
        previous = p;
      }
    }
    return true;
  }

 private:
  std::int64_t snap12(std::int64_t tick, int tpq) const {
    const double q = static_cast<double>(tick) / tpq;
    if (options_.grid == 0) return detail::m21_quantize12(q);
    const std::int64_t cells = std::llround(q * options_.grid);
    return cells * (12 / options_.grid);
  }

  static int small_number(const std::string& s) {
    if (s.empty() || s.size() > 4) return -1;
    int v = 0;
    for (char ch : s) {
      if (ch < '0' || ch > '9') return -1;
      v = v * 10 + (ch - '0');
    }
    return v;
  }

  ChordEncoderOptions options_;
};

}  // namespace music
SYMPHONIC_NAMESPACE_END
