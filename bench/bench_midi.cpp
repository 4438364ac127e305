// bench_midi: Standard MIDI File read, note extraction and write throughput.
//
//   build/release/bench/bench_midi --benchmark_min_time=1
//
// Two inputs: every file of the developer corpus (../shared/corpus, or $SYMPHONIC_CORPUS_DIR;
// those benchmarks are skipped when it is absent) and a synthetic 16-track file of about 24 MB
// made in memory (notes under running status, controllers, pitch bends, a few metas). Bytes/s
// counts the file bytes in every benchmark, so read, extraction and write rates compare
// directly; items/s counts notes.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <symphonic/detail/file_io.hpp>
#include <symphonic/midi/midi.hpp>

namespace {

using namespace symphonic;

struct Corpus {
  std::vector<std::vector<std::uint8_t>> files;
  std::vector<midi::File> parsed;
  std::size_t bytes = 0;
  std::size_t notes = 0;
};

const Corpus& corpus() {
  static const Corpus loaded = [] {
    Corpus c;
    const char* env = std::getenv("SYMPHONIC_CORPUS_DIR");
    const std::filesystem::path dir = env ? env : SYMPHONIC_BENCH_CORPUS_DIR;
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return c;
    std::vector<std::string> paths;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
      const std::string ext = entry.path().extension().string();
      if (entry.is_regular_file() && (ext == ".mid" || ext == ".midi"))
        paths.push_back(entry.path().string());
    }
    for (const std::string& p : paths) {
      c.files.push_back(symphonic::detail::read_file(p));
      c.bytes += c.files.back().size();
      c.parsed.push_back(midi::read(c.files.back()));
      c.notes += midi::extract_notes(c.parsed.back()).notes.size();
    }
    return c;
  }();
  return loaded;
}

// A deterministic synthetic piece: 16 tracks of chords and runs on their own channels, with
// velocity-0 note-offs under running status, sustain pedal, modulation and pitch bend, and a
// tempo change every 64 beats in the first track.
struct Synthetic {
  std::vector<std::uint8_t> bytes;
  midi::File file;
  std::size_t notes = 0;
};

const Synthetic& synthetic() {
  static const Synthetic made = [] {
    Synthetic s;
    midi::File& f = s.file;
    f.format = 1;
    f.division = midi::Division::quarter(480);
    f.tracks.resize(16);
    std::uint64_t state = 0x9E3779B97F4A7C15ull;
    auto next = [&state](std::uint32_t n) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      return static_cast<std::uint32_t>((state >> 33) % n);
    };
    const int notes_per_track = 200000;
    for (int t = 0; t < 16; ++t) {
      midi::Track& track = f.tracks[static_cast<std::size_t>(t)];
      const int channel = t;
      track.add_meta(0, midi::meta::track_name, "synthetic " + std::to_string(t));
      track.add_program_change(0, channel, t * 8);
      std::int64_t tick = 0;
      for (int i = 0; i < notes_per_track; ++i) {
        if (t == 0 && i % 256 == 0) track.add_tempo(tick, 400000 + next(200000));
        if (i % 64 == 0) track.add_control_change(tick, channel, 64, 127);
        if (i % 16 == 0) track.add_channel(tick, static_cast<std::uint8_t>(0xE0 | channel),
                                           static_cast<std::uint8_t>(next(128)), 64);
        if (i % 8 == 0) track.add_control_change(tick, channel, 1, static_cast<int>(next(128)));
        const int pitch = 36 + static_cast<int>(next(60));
        track.add_note_on(tick, channel, pitch, 1 + static_cast<int>(next(127)));
        tick += 1 + next(240);
        track.add_note_on(tick, channel, pitch, 0);
        if (i % 64 == 63) track.add_control_change(tick, channel, 64, 0);
      }
      track.add_end_of_track(tick);
    }
    s.bytes = midi::write(f);
    s.file = midi::read(s.bytes);
    s.notes = 16u * static_cast<std::size_t>(notes_per_track);
    return s;
  }();
  return made;
}

void BM_Midi_Read_Corpus(benchmark::State& state) {
  const Corpus& c = corpus();
  if (c.files.empty()) return state.SkipWithError("no corpus (../shared/corpus)");
  for (auto _ : state) {
    for (const auto& bytes : c.files) {
      midi::File f = midi::read(bytes);
      benchmark::DoNotOptimize(f.tracks.data());
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.notes));
  state.counters["files"] = static_cast<double>(c.files.size());
}

// The same, reading every file into one reused File (midi::read_into): no allocation or page
// faults once the largest file has been seen.
void BM_Midi_ReadInto_Corpus(benchmark::State& state) {
  const Corpus& c = corpus();
  if (c.files.empty()) return state.SkipWithError("no corpus (../shared/corpus)");
  midi::File f;
  for (auto _ : state) {
    for (const auto& bytes : c.files) {
      midi::read_into(f, bytes.data(), bytes.size());
      benchmark::DoNotOptimize(f.tracks.data());
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.notes));
}

void BM_Midi_ReadAndExtract_Corpus(benchmark::State& state) {
  const Corpus& c = corpus();
  if (c.files.empty()) return state.SkipWithError("no corpus (../shared/corpus)");
  for (auto _ : state) {
    for (const auto& bytes : c.files) {
      midi::NoteList n = midi::extract_notes(midi::read(bytes));
      benchmark::DoNotOptimize(n.notes.data());
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.notes));
}

// Bytes straight to each track's notes in ticks (midi::read_score), a fresh Score per file:
// what symusic's Score.from_midi makes (scripts/compare_symusic.py).
void BM_Midi_ReadScore_Corpus(benchmark::State& state) {
  const Corpus& c = corpus();
  if (c.files.empty()) return state.SkipWithError("no corpus (../shared/corpus)");
  for (auto _ : state) {
    for (const auto& bytes : c.files) {
      midi::Score score = midi::read_score(bytes);
      benchmark::DoNotOptimize(score.tracks.data());
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.notes));
  state.counters["files"] = static_cast<double>(c.files.size());
}

void BM_Midi_Extract_Corpus(benchmark::State& state) {
  const Corpus& c = corpus();
  if (c.files.empty()) return state.SkipWithError("no corpus (../shared/corpus)");
  for (auto _ : state) {
    for (const auto& f : c.parsed) {
      midi::NoteList n = midi::extract_notes(f);
      benchmark::DoNotOptimize(n.notes.data());
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.notes));
}

void BM_Midi_Write_Corpus(benchmark::State& state) {
  const Corpus& c = corpus();
  if (c.files.empty()) return state.SkipWithError("no corpus (../shared/corpus)");
  for (auto _ : state) {
    for (const auto& f : c.parsed) {
      std::vector<std::uint8_t> out = midi::write(f);
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.bytes));
}

void BM_Midi_Read_Synthetic(benchmark::State& state) {
  const Synthetic& s = synthetic();
  for (auto _ : state) {
    midi::File f = midi::read(s.bytes);
    benchmark::DoNotOptimize(f.tracks.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * s.bytes.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.notes));
  state.counters["MB"] = static_cast<double>(s.bytes.size()) / 1e6;
}

void BM_Midi_ReadInto_Synthetic(benchmark::State& state) {
  const Synthetic& s = synthetic();
  midi::File f;
  for (auto _ : state) {
    midi::read_into(f, s.bytes.data(), s.bytes.size());
    benchmark::DoNotOptimize(f.tracks.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * s.bytes.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.notes));
}

void BM_Midi_ReadScore_Synthetic(benchmark::State& state) {
  const Synthetic& s = synthetic();
  for (auto _ : state) {
    midi::Score score = midi::read_score(s.bytes);
    benchmark::DoNotOptimize(score.tracks.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * s.bytes.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.notes));
}

void BM_Midi_Extract_Synthetic(benchmark::State& state) {
  const Synthetic& s = synthetic();
  for (auto _ : state) {
    midi::NoteList n = midi::extract_notes(s.file);
    benchmark::DoNotOptimize(n.notes.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * s.bytes.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * s.notes));
}

void BM_Midi_Write_Synthetic(benchmark::State& state) {
  const Synthetic& s = synthetic();
  for (auto _ : state) {
    std::vector<std::uint8_t> out = midi::write(s.file);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * s.bytes.size()));
}

}  // namespace

BENCHMARK(BM_Midi_Read_Corpus)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Midi_ReadInto_Corpus)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Midi_Extract_Corpus)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Midi_ReadAndExtract_Corpus)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Midi_ReadScore_Corpus)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Midi_Write_Corpus)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Midi_Read_Synthetic)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Midi_ReadInto_Synthetic)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Midi_ReadScore_Synthetic)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Midi_Extract_Synthetic)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Midi_Write_Synthetic)->Unit(benchmark::kMillisecond);
