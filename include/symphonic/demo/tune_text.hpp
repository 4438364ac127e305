// symphonic/demo/tune_text.hpp - a small text format for writing tunes by hand, and its parser.
//
// The demo corpus (data/demo/*.tune) is written in it, so the project ships training data it made
// itself; scripts/demo.sh renders the tunes to .mid with the library's own MIDI writer.
//
//   # Ode to Joy (Beethoven, 1824)      '#' starts a comment
//   title Ode to Joy
//   tempo 132                           quarter notes per minute (default 120)
//   meter 4/4                           bar check: every bar but the first and last must be full;
//                                       "meter none" switches the check off
//   program 0                           General MIDI program of the piece (default 0, piano)
//   voice melody                        a new voice, starting again at time 0
//   velocity 84                         note-on velocity from here on (default 80)
//   channel 1                           MIDI channel index from here on, 0..15 (default 0); a
//                                       voice that overlaps another on one pitch needs its own
//   len 1/2                             default length in quarter notes (default 1)
//   transpose -2                        semitones added to every following pitch
//   | E4 E4 F4 G4 | G4 F4 E4 D4 |       notes; '|' is a bar line
//   C4:3/2 D4:1/2 r:2 C3+E3+G3:4 G4:2-  ':' length in quarter notes (n or n/d), 'r' a rest,
//                                       '+' a chord, a trailing '-' ties into the next note of the
//                                       same pitch in the same voice
//
// Pitches are a letter, optional accidentals (# or b, up to two) and an octave (C4 = 60, middle C).
// Every voice goes to track 0 and, unless told otherwise, channel 0, so a one-part encoder sees
// the harmony too.
// Errors are TuneError values that name the source and line.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/detail/file_io.hpp"
#include "symphonic/error.hpp"
#include "symphonic/midi/note.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace demo {

/// A tune text that cannot be read; line() is 1-based.
class TuneError : public Error {
 public:
  TuneError(const std::string& source, int line, const std::string& message)
      : Error("demo.tune_error", source + ":" + std::to_string(line) + ": " + message),
        line_(line) {}
  int line() const noexcept { return line_; }

 private:
  int line_;
};

struct Tune {
  std::string title;
  double bpm = 120.0;
  int meter_numerator = 4;    ///< 0 when "meter none"
  int meter_denominator = 4;
  int program = 0;
  midi::NoteList notes;       ///< ticks_per_quarter 480; seconds filled in from bpm
};

namespace detail {

inline std::vector<std::string> split_words(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  for (char ch : line) {
    if (std::isspace(static_cast<unsigned char>(ch))) {
      if (!word.empty()) words.push_back(word);
      word.clear();
    } else {
      word += ch;
    }
  }
  if (!word.empty()) words.push_back(word);
  return words;
}

inline bool parse_int(const std::string& text, long& value) {
  if (text.empty() || text.size() > 9) return false;
  std::size_t i = 0;
  bool negative = false;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    i = 1;
  }
  if (i == text.size()) return false;
  long v = 0;
  for (; i < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    v = v * 10 + (text[i] - '0');
  }
  value = negative ? -v : v;
  return true;
}

}  // namespace detail

/// Parses a tune text; `source` names it in error messages.
inline Tune parse_tune(const std::string& text, const std::string& source = "<tune>") {
  constexpr std::int64_t tpq = 480;
  Tune tune;
  tune.notes.ticks_per_quarter = static_cast<int>(tpq);
  int velocity = 80, transpose = 0, channel = 0, line_number = 0;
  std::int64_t default_length = tpq, now = 0;
  bool in_voice = false;
  // bar check state for the current voice
  std::int64_t bar_start = 0;
  int bars_closed = 0;
  int last_bar_line = 0;
  std::int64_t last_bar_length = -1;
  std::map<int, std::size_t> tied;  // pitch -> note waiting for its tie

  const auto fail = [&](const std::string& message) {
    SYMPHONIC_THROW(TuneError(source, line_number, message));
  };
  const auto bar_length = [&]() -> std::int64_t {
    return tune.meter_numerator == 0 ? 0 : 4 * tpq * tune.meter_numerator / tune.meter_denominator;
  };
  const auto check_previous_bar = [&]() {
    // called when a further bar closes: the one before it was neither the first nor the last
    if (bars_closed >= 3 && bar_length() > 0 && last_bar_length != bar_length())
      SYMPHONIC_THROW(TuneError(source, last_bar_line,
                                "bar " + std::to_string(bars_closed - 1) + " lasts " +
                                    std::to_string(last_bar_length) + " ticks, the meter needs " +
                                    std::to_string(bar_length()) + " (480 ticks per quarter)"));
  };
  const auto start_voice = [&]() {
    now = 0;
    bar_start = 0;
    bars_closed = 0;
    last_bar_length = -1;
    tied.clear();
    in_voice = true;
  };
  const auto parse_length = [&](const std::string& text) -> std::int64_t {
    const std::size_t slash = text.find('/');
    long numerator = 0, denominator = 1;
    if (!detail::parse_int(text.substr(0, slash), numerator) ||
        (slash != std::string::npos && !detail::parse_int(text.substr(slash + 1), denominator)) ||
        numerator <= 0 || denominator <= 0)
      fail("bad length \"" + text + "\" (expected n or n/d quarter notes, both positive)");
    if ((tpq * numerator) % denominator != 0)
      fail("length " + text + " is not a whole number of ticks at 480 per quarter");
    return tpq * numerator / denominator;
  };
  const auto parse_pitch = [&](const std::string& text) -> int {
    static const int letter_pc[] = {9, 11, 0, 2, 4, 5, 7};  // A B C D E F G
    if (text.empty() || text[0] < 'A' || text[0] > 'G') fail("bad pitch \"" + text + "\"");
    int pc = letter_pc[text[0] - 'A'];
    std::size_t i = 1;
    int accidentals = 0;
    while (i < text.size() && (text[i] == '#' || text[i] == 'b') && accidentals < 2) {
      pc += text[i] == '#' ? 1 : -1;
      ++i;
      ++accidentals;
    }
    long octave = 0;
    if (!detail::parse_int(text.substr(i), octave)) fail("bad pitch \"" + text + "\" (expected e.g. C4, F#3, Bb5)");
    const long pitch = 12 * (octave + 1) + pc + transpose;
    if (pitch < 0 || pitch > 127) fail("pitch \"" + text + "\" is outside MIDI's 0..127");
    return static_cast<int>(pitch);
  };

  std::size_t position = 0;
  while (position <= text.size()) {
    std::size_t end = text.find('\n', position);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(position, end - position);
    position = end + 1;
    ++line_number;
    const std::size_t hash = line.find('#');
    // '#' is also a sharp: a comment starts at '#' only at the line start or after a space
    for (std::size_t h = hash; h != std::string::npos; h = line.find('#', h + 1)) {
      if (h == 0 || std::isspace(static_cast<unsigned char>(line[h - 1]))) {
        line.resize(h);
        break;
      }
    }
    const std::vector<std::string> words = detail::split_words(line);
    if (words.empty()) continue;
    const std::string& keyword = words[0];
    long value = 0;
    if (keyword == "title") {
      const std::size_t at = line.find("title") + 5;
      std::string title = line.substr(at);
      title.erase(0, title.find_first_not_of(" \t"));
      title.erase(title.find_last_not_of(" \t\r") + 1);
      tune.title = title;
    } else if (keyword == "tempo") {
      if (words.size() != 2 || !detail::parse_int(words[1], value) || value < 10 || value > 400)
        fail("tempo needs one whole number of quarter notes per minute, 10..400");
      tune.bpm = static_cast<double>(value);
    } else if (keyword == "meter") {
      if (words.size() == 2 && words[1] == "none") {
        tune.meter_numerator = 0;
        tune.meter_denominator = 4;
      } else {
        const std::size_t slash = words.size() == 2 ? words[1].find('/') : std::string::npos;
        long n = 0, d = 0;
        if (slash == std::string::npos || !detail::parse_int(words[1].substr(0, slash), n) ||
            !detail::parse_int(words[1].substr(slash + 1), d) || n <= 0 || n > 32 ||
            (d != 1 && d != 2 && d != 4 && d != 8 && d != 16))
          fail("meter needs N/D (D one of 1, 2, 4, 8, 16) or \"none\"");
        tune.meter_numerator = static_cast<int>(n);
        tune.meter_denominator = static_cast<int>(d);
      }
    } else if (keyword == "program") {
      if (words.size() != 2 || !detail::parse_int(words[1], value) || value < 0 || value > 127)
        fail("program needs a number 0..127");
      tune.program = static_cast<int>(value);
    } else if (keyword == "velocity") {
      if (words.size() != 2 || !detail::parse_int(words[1], value) || value < 1 || value > 127)
        fail("velocity needs a number 1..127");
      velocity = static_cast<int>(value);
    } else if (keyword == "channel") {
      if (words.size() != 2 || !detail::parse_int(words[1], value) || value < 0 || value > 15)
        fail("channel needs a number 0..15");
      channel = static_cast<int>(value);
    } else if (keyword == "len") {
      if (words.size() != 2) fail("len needs one length");
      default_length = parse_length(words[1]);
    } else if (keyword == "transpose") {
      if (words.size() != 2 || !detail::parse_int(words[1], value) || value < -48 || value > 48)
        fail("transpose needs a number of semitones, -48..48");
      transpose = static_cast<int>(value);
    } else if (keyword == "voice") {
      start_voice();
    } else {
      if (!in_voice) start_voice();
      for (const std::string& word : words) {
        if (word == "|") {
          if (now == bar_start) continue;  // a bar line right after another one (or at the start)
          ++bars_closed;
          check_previous_bar();
          last_bar_length = now - bar_start;
          last_bar_line = line_number;
          bar_start = now;
          continue;
        }
        std::string body = word;
        bool tie = false;
        if (body.size() > 1 && body.back() == '-') {
          tie = true;
          body.pop_back();
        }
        const std::size_t colon = body.find(':');
        const std::int64_t length =
            colon == std::string::npos ? default_length : parse_length(body.substr(colon + 1));
        const std::string head = body.substr(0, colon);
        if (head == "r") {
          if (tie) fail("a rest cannot be tied");
          now += length;
          continue;
        }
        std::vector<int> pitches;
        std::size_t from = 0;
        for (;;) {
          const std::size_t plus = head.find('+', from);
          pitches.push_back(parse_pitch(head.substr(from, plus - from)));
          if (plus == std::string::npos) break;
          from = plus + 1;
        }
        std::map<int, std::size_t> next_tied;
        for (int pitch : pitches) {
          const auto waiting = tied.find(pitch);
          std::size_t index;
          if (waiting != tied.end() && tune.notes.notes[waiting->second].end_tick == now) {
            index = waiting->second;
            tune.notes.notes[index].end_tick = now + length;
          } else {
            midi::Note n;
            n.pitch = pitch;
            n.velocity = velocity;
            n.channel = channel;
            n.drum = channel == 9;
            n.start_tick = now;
            n.end_tick = now + length;
            n.program = tune.program;
            index = tune.notes.notes.size();
            tune.notes.notes.push_back(n);
          }
          if (tie) next_tied[pitch] = index;
        }
        tied.swap(next_tied);
        now += length;
      }
    }
  }
  // seconds from the tempo; program may have been set after notes were written
  const double seconds_per_tick = 60.0 / (tune.bpm * static_cast<double>(tpq));
  for (midi::Note& n : tune.notes.notes) {
    n.program = tune.program;
    n.start_s = static_cast<double>(n.start_tick) * seconds_per_tick;
    n.end_s = static_cast<double>(n.end_tick) * seconds_per_tick;
  }
  std::stable_sort(tune.notes.notes.begin(), tune.notes.notes.end(),
                   [](const midi::Note& a, const midi::Note& b) {
                     return a.start_tick < b.start_tick ||
                            (a.start_tick == b.start_tick && a.pitch < b.pitch);
                   });
  if (tune.notes.notes.empty()) {
    line_number = std::max(line_number - 1, 1);
    fail("the tune has no notes");
  }
  return tune;
}

/// Reads and parses a .tune file; throws io::FileError or TuneError.
inline Tune read_tune(const std::string& path) {
  const std::vector<std::uint8_t> bytes = symphonic::detail::read_file(path);
  return parse_tune(std::string(bytes.begin(), bytes.end()), path);
}

}  // namespace demo
SYMPHONIC_NAMESPACE_END
