// symphonic-inspect: what is in a MIDI file, one line (or one JSON object) per file.
//
//   symphonic-inspect [--json] [--strict] [--notes] [--lifo] [--sustain] FILE...
//
//   (default)  FILE: format F, T tracks, division D, E events, N notes, S s, K tempo changes, W warnings
//   --json     one JSON object per file per line: file, ok, format, tracks, division, events,
//              note_ons, notes, duration_s, tempo_changes, warnings (strings) and, when ok is
//              false, error (the message, naming the byte offset)
//   --notes    the paired notes as TSV: track, channel, program, pitch, velocity, start_tick,
//              end_tick, start_s, end_s; a line "# file: FILE" before each file's notes
//   --strict   strict reading: the first problem is an error instead of a repair
//   --lifo     pair overlapping notes of one key last-in-first-out (default first-in-first-out)
//   --sustain  let the sustain pedal (CC 64) extend notes
//
// After "--" every argument is a file. Exit status: 0 when every file was read, 1 when any was
// not, 2 on a usage error.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <symphonic/detail/file_io.hpp>
#include <symphonic/io/detail/json.hpp>
#include <symphonic/midi/midi.hpp>

#include "cli.hpp"

namespace {

using namespace symphonic;

// JSON string literals: invalid UTF-8 (a file name in another encoding) becomes U+FFFD
std::string json_string(const std::string& text) { return io::detail::json_quote(text); }

std::string warning_text(const midi::Warning& w) {
  std::string text = "byte " + std::to_string(w.byte_offset);
  if (w.track >= 0) text += ", track " + std::to_string(w.track);
  return text + ": " + w.message;
}

std::string division_text(const midi::Division& d, bool json) {
  if (!d.is_smpte()) return std::to_string(d.ticks_per_quarter);
  const std::string text =
      "smpte " + std::to_string(d.frames_per_second) + "x" + std::to_string(d.ticks_per_frame);
  return json ? json_string(text) : text;
}

struct Summary {
  std::size_t events = 0, note_ons = 0, notes = 0, tempo_changes = 0;
  double duration_s = 0;
};

Summary summarize(const midi::File& file, const midi::NoteList& notes) {
  Summary s;
  s.events = file.event_count();
  std::int64_t last = 0;
  for (const midi::Track& t : file.tracks) {
    for (const midi::Event& e : t.events) s.note_ons += e.is_note_on() ? 1 : 0;
    if (t.end_tick() > last) last = t.end_tick();
  }
  s.notes = notes.notes.size();
  if (file.format == 2) {
    for (std::size_t t = 0; t < file.tracks.size(); ++t) {
      const midi::TempoMap map(file, static_cast<int>(t));
      s.tempo_changes += map.change_count();
      const double d = map.seconds(file.tracks[t].end_tick());
      if (d > s.duration_s) s.duration_s = d;
    }
  } else {
    const midi::TempoMap map(file);
    s.tempo_changes = map.change_count();
    s.duration_s = map.seconds(last);
  }
  return s;
}

void print_notes(const std::string& path, const midi::NoteList& list) {
  std::printf("# file: %s\n", path.c_str());
  for (const midi::Note& n : list.notes)
    std::printf("%d\t%d\t%d\t%d\t%d\t%lld\t%lld\t%.9f\t%.9f\n", n.track, n.channel, n.program,
                n.pitch, n.velocity, static_cast<long long>(n.start_tick),
                static_cast<long long>(n.end_tick), n.start_s, n.end_s);
}

}  // namespace

int main(int argc, char** argv) {
  cli::Parser args("symphonic-inspect", "[--json | --notes] [--strict] [--lifo] [--sustain] FILE...",
                   "What is in each MIDI file: one line (or one JSON object, or its notes as TSV) per file.\n"
                   "Exit status 1 when any file could not be read.");
  args.flag("json", "one JSON object per file per line (an error names the byte offset)")
      .flag("notes", "the paired notes as TSV (track, channel, program, pitch, velocity, ticks, seconds)")
      .flag("strict", "strict reading: the first problem is an error instead of a repair")
      .flag("lifo", "pair overlapping notes of one key last-in-first-out (default first-in-first-out)")
      .flag("sustain", "let the sustain pedal (CC 64) extend notes");
  bool json = false, notes_tsv = false;
  midi::ReadOptions read_options;
  midi::NoteOptions note_options;
  std::vector<std::string> paths;
  try {
    if (!args.parse(argc, argv)) return cli::exit_ok;
    json = args.flag_set("json");
    notes_tsv = args.flag_set("notes");
    read_options.strict = args.flag_set("strict");
    if (args.flag_set("lifo")) note_options.pairing = midi::Pairing::lifo;
    note_options.sustain_pedal = args.flag_set("sustain");
    paths = args.positional();
    if (paths.empty()) throw cli::UsageError("no input files");
    if (json && notes_tsv) throw cli::UsageError("--json and --notes are two output formats: choose one");
  } catch (const cli::UsageError& e) {
    std::fprintf(stderr, "symphonic-inspect: %s (see --help)\n", e.what());
    return cli::exit_usage;
  }
  if (notes_tsv)
    std::printf("# track\tchannel\tprogram\tpitch\tvelocity\tstart_tick\tend_tick\tstart_s\tend_s\n");

  int status = 0;
  for (const std::string& path : paths) {
    std::vector<midi::Warning> warnings;
    std::string error;
    midi::File file;
    midi::NoteList notes;
    try {
      file = midi::read_file(path, read_options, &warnings);
      notes = midi::extract_notes(file, note_options);
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (!error.empty()) status = 1;

    if (notes_tsv) {
      if (error.empty()) print_notes(path, notes);
      else std::fprintf(stderr, "%s: %s\n", path.c_str(), error.c_str());
      continue;
    }
    if (json) {
      std::string line = "{\"file\":" + json_string(path) + ",\"ok\":" + (error.empty() ? "true" : "false");
      if (error.empty()) {
        const Summary s = summarize(file, notes);
        char duration[64];
        std::snprintf(duration, sizeof duration, "%.6f", s.duration_s);
        line += ",\"format\":" + std::to_string(file.format) +
                ",\"tracks\":" + std::to_string(file.tracks.size()) +
                ",\"division\":" + division_text(file.division, true) +
                ",\"events\":" + std::to_string(s.events) +
                ",\"note_ons\":" + std::to_string(s.note_ons) +
                ",\"notes\":" + std::to_string(s.notes) + ",\"duration_s\":" + duration +
                ",\"tempo_changes\":" + std::to_string(s.tempo_changes);
      }
      line += ",\"warnings\":[";
      for (std::size_t i = 0; i < warnings.size(); ++i)
        line += (i ? "," : "") + json_string(warning_text(warnings[i]));
      line += "]";
      if (!error.empty()) line += ",\"error\":" + json_string(error);
      std::printf("%s}\n", line.c_str());
      continue;
    }
    if (!error.empty()) {
      std::printf("%s: error: %s\n", path.c_str(), error.c_str());
      continue;
    }
    const Summary s = summarize(file, notes);
    std::printf("%s: format %d, %zu tracks, division %s, %zu events, %zu notes, %.3f s, "
                "%zu tempo changes, %zu warnings\n",
                path.c_str(), file.format, file.tracks.size(),
                division_text(file.division, false).c_str(), s.events, s.notes, s.duration_s,
                s.tempo_changes, warnings.size());
    for (const midi::Warning& w : warnings)
      std::printf("  warning: %s\n", warning_text(w).c_str());
  }
  return status;
}
