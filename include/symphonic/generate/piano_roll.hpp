// symphonic/generate/piano_roll.hpp - a piano-roll picture of a note list, as SVG text.
//
// Time runs left to right, pitch bottom to top (one row per semitone, black-key rows shaded, each
// C labelled), and every note is one <rect class="note"> whose darkness follows its velocity.
// Plain text, no dependency: the file opens in any browser. Times come from Note::start_s/end_s
// when the list carries them, otherwise from ticks at 120 beats per minute.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "symphonic/config.hpp"
#include "symphonic/detail/file_io.hpp"
#include "symphonic/midi/note.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace generate {

struct PianoRollOptions {
  double pixels_per_second = 40.0; ///< horizontal scale (shrunk to fit max_width)
  double row_height = 6.0;         ///< pixels per semitone
  double max_width = 6000.0;       ///< the time axis never gets wider than this
  int min_pitch_span = 24;         ///< at least this many semitones are shown
  std::string title;               ///< shown above the roll; escaped
};

namespace detail {

inline std::string xml_escape(const std::string& text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // control characters are not allowed in XML 1.0
        if (static_cast<unsigned char>(ch) >= 0x20 || ch == '\t' || ch == '\n') out += ch;
    }
  }
  return out;
}

inline std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", value);
  return buffer;
}

inline bool is_black_key(int pitch) {
  const int pc = ((pitch % 12) + 12) % 12;
  return pc == 1 || pc == 3 || pc == 6 || pc == 8 || pc == 10;
}

/// Start and end of a note in seconds: from start_s/end_s if the list has them, else from ticks.
struct NoteTimes {
  bool use_seconds;
  double seconds_per_tick;
  double start(const midi::Note& n) const {
    return use_seconds ? n.start_s : static_cast<double>(n.start_tick) * seconds_per_tick;
  }
  double end(const midi::Note& n) const {
    return use_seconds ? n.end_s : static_cast<double>(n.end_tick) * seconds_per_tick;
  }
};

inline NoteTimes note_times(const midi::NoteList& list) {
  bool seconds = false;
  for (const midi::Note& n : list.notes)
    if (n.end_s > 0.0) seconds = true;
  const int tpq = list.ticks_per_quarter > 0 ? list.ticks_per_quarter : 480;
  return {seconds, 0.5 / tpq};
}

}  // namespace detail

/// The SVG document for `list` (UTF-8 text, one <rect class="note"> per note).
inline std::string piano_roll_svg(const midi::NoteList& list, const PianoRollOptions& options = {}) {
  const detail::NoteTimes times = detail::note_times(list);
  int low = 60, high = 60 + std::max(options.min_pitch_span, 1) - 1;
  double duration = 0.0;
  if (!list.notes.empty()) {
    low = 127;
    high = 0;
    for (const midi::Note& n : list.notes) {
      const int p = std::min(127, std::max(0, n.pitch));
      low = std::min(low, p);
      high = std::max(high, p);
      duration = std::max(duration, times.end(n));
    }
    while (high - low + 1 < options.min_pitch_span) {  // widen around the middle
      if (low > 0) --low;
      if (high - low + 1 < options.min_pitch_span && high < 127) ++high;
      if (low == 0 && high == 127) break;
    }
  }
  const double left = 44.0, top = options.title.empty() ? 8.0 : 28.0, bottom = 24.0, right = 8.0;
  const double row = options.row_height > 0 ? options.row_height : 6.0;
  double scale = options.pixels_per_second > 0 ? options.pixels_per_second : 40.0;
  if (duration * scale > options.max_width && duration > 0) scale = options.max_width / duration;
  const double plot_width = std::max(duration * scale, 100.0);
  const double plot_height = (high - low + 1) * row;
  const double width = left + plot_width + right, height = top + plot_height + bottom;
  const auto y_of = [&](int pitch) { return top + (high - pitch) * row; };

  std::string svg;
  svg += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + detail::number(width) +
         "\" height=\"" + detail::number(height) + "\" viewBox=\"0 0 " + detail::number(width) +
         " " + detail::number(height) + "\" font-family=\"sans-serif\" font-size=\"9\">\n";
  svg += "<rect x=\"0\" y=\"0\" width=\"" + detail::number(width) + "\" height=\"" +
         detail::number(height) + "\" fill=\"#ffffff\"/>\n";
  if (!options.title.empty())
    svg += "<text x=\"" + detail::number(left) + "\" y=\"18\" font-size=\"12\">" +
           detail::xml_escape(options.title) + "</text>\n";
  // keyboard rows: black keys shaded, a line and a label at every C
  svg += "<g class=\"keys\">\n";
  for (int p = low; p <= high; ++p) {
    if (detail::is_black_key(p))
      svg += "<rect x=\"" + detail::number(left) + "\" y=\"" + detail::number(y_of(p)) +
             "\" width=\"" + detail::number(plot_width) + "\" height=\"" + detail::number(row) +
             "\" fill=\"#eef0f3\"/>\n";
    if (p % 12 == 0) {
      const double y = y_of(p) + row;
      svg += "<line x1=\"" + detail::number(left) + "\" y1=\"" + detail::number(y) + "\" x2=\"" +
             detail::number(left + plot_width) + "\" y2=\"" + detail::number(y) +
             "\" stroke=\"#c8ccd2\" stroke-width=\"0.5\"/>\n";
      svg += "<text x=\"4\" y=\"" + detail::number(y - 0.5) + "\">C" + std::to_string(p / 12 - 1) +
             "</text>\n";
    }
  }
  svg += "</g>\n";
  // time axis: a tick every whole second, labelled every 5 (or 30 for long pieces)
  const int label_every = duration > 300 ? 30 : 5;
  svg += "<g class=\"time\">\n";
  for (int s = 0; s <= static_cast<int>(duration); ++s) {
    const double x = left + s * scale;
    const bool labelled = s % label_every == 0;
    svg += "<line x1=\"" + detail::number(x) + "\" y1=\"" + detail::number(top + plot_height) +
           "\" x2=\"" + detail::number(x) + "\" y2=\"" +
           detail::number(top + plot_height + (labelled ? 5 : 2)) + "\" stroke=\"#666666\"/>\n";
    if (labelled)
      svg += "<text x=\"" + detail::number(x) + "\" y=\"" + detail::number(top + plot_height + 15) +
             "\" text-anchor=\"middle\">" + std::to_string(s) + " s</text>\n";
  }
  svg += "</g>\n";
  // notes: darker for louder (velocity 1 -> light, 127 -> dark)
  svg += "<g class=\"notes\">\n";
  for (const midi::Note& n : list.notes) {
    const int p = std::min(127, std::max(0, n.pitch));
    const double start = times.start(n), end = std::max(times.end(n), start);
    const double shade = std::min(127, std::max(1, n.velocity)) / 127.0;
    const int red = static_cast<int>(std::lround(200 - 180 * shade));
    const int green = static_cast<int>(std::lround(215 - 160 * shade));
    const int blue = static_cast<int>(std::lround(250 - 90 * shade));
    char fill[8];
    std::snprintf(fill, sizeof fill, "#%02x%02x%02x", red, green, blue);
    svg += "<rect class=\"note\" x=\"" + detail::number(left + start * scale) + "\" y=\"" +
           detail::number(y_of(p)) + "\" width=\"" +
           detail::number(std::max((end - start) * scale, 1.0)) + "\" height=\"" +
           detail::number(row) + "\" fill=\"" + fill + "\" data-pitch=\"" + std::to_string(p) +
           "\" data-velocity=\"" + std::to_string(n.velocity) + "\"/>\n";
  }
  svg += "</g>\n</svg>\n";
  return svg;
}

/// Writes piano_roll_svg(list, options) to `path` atomically; throws io::FileError.
inline void write_piano_roll(const std::string& path, const midi::NoteList& list,
                             const PianoRollOptions& options = {}) {
  symphonic::detail::write_file_atomic(path, piano_roll_svg(list, options));
}

}  // namespace generate
SYMPHONIC_NAMESPACE_END
