// Tokenizing speed: the recipe's chord tokens and the event tokens over the whole midi_songs
// corpus (skipped when ../shared/corpus is absent), plus the pieces they are made of, and how
// fast a token cache of the corpus loads back.
// scripts/compare_music21.py --bench runs BM_Recipe_TokenizeCorpus next to music21 on the same
// files and prints the ratio.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <unistd.h>
#include <vector>

#include "symphonic/data/batch.hpp"
#include "symphonic/data/corpus.hpp"
#include "symphonic/data/token_cache.hpp"
#include "symphonic/midi/notes.hpp"
#include "symphonic/midi/read.hpp"
#include "symphonic/music/music.hpp"

using namespace symphonic;

namespace {

struct Corpus {
  std::vector<std::vector<std::uint8_t>> files;
  std::int64_t bytes = 0;
};

const Corpus& corpus() {
  static const Corpus c = [] {
    Corpus out;
    const char* env = std::getenv("SYMPHONIC_CORPUS_DIR");
    const std::string dir = std::string(env ? env : SYMPHONIC_BENCH_CORPUS_DIR) + "/midi_songs";
    try {
      for (const auto& path : data::list_midi_files(dir)) {
        out.files.push_back(symphonic::detail::read_file(path));
        out.bytes += static_cast<std::int64_t>(out.files.back().size());
      }
    } catch (const std::exception&) {
      out.files.clear();
    }
    return out;
  }();
  return c;
}

// Bytes -> midi::File -> recipe tokens, for every file, one thread: what music21 does per file.
void BM_Recipe_TokenizeCorpus(benchmark::State& state) {
  const Corpus& c = corpus();
  if (c.files.empty()) {
    state.SkipWithError("no ../shared/corpus/midi_songs");
    return;
  }
  const music::ChordEncoder recipe(music::ChordEncoderOptions::recipe_preset());
  std::int64_t tokens = 0;
  for (auto _ : state) {
    tokens = 0;
    for (const auto& bytes : c.files) {
      const auto t = recipe.encode_file(midi::read(bytes));
      tokens += static_cast<std::int64_t>(t.size());
      benchmark::DoNotOptimize(t.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * tokens);
  state.SetBytesProcessed(state.iterations() * c.bytes);
  state.counters["files"] = static_cast<double>(c.files.size());
  state.counters["tokens"] = static_cast<double>(tokens);
}
BENCHMARK(BM_Recipe_TokenizeCorpus)->Unit(benchmark::kMillisecond);

// The same through data::tokenize_files with N threads (files read from disk each time).
void BM_Recipe_TokenizeFilesThreads(benchmark::State& state) {
  const char* env = std::getenv("SYMPHONIC_CORPUS_DIR");
  const std::string dir = std::string(env ? env : SYMPHONIC_BENCH_CORPUS_DIR) + "/midi_songs";
  std::vector<std::string> paths;
  try {
    paths = data::list_midi_files(dir);
  } catch (const std::exception&) {
  }
  if (paths.empty()) {
    state.SkipWithError("no ../shared/corpus/midi_songs");
    return;
  }
  const music::ChordEncoder recipe(music::ChordEncoderOptions::recipe_preset());
  for (auto _ : state) {
    const auto results = data::tokenize_files(paths, recipe, static_cast<int>(state.range(0)));
    benchmark::DoNotOptimize(results.data());
  }
  state.SetBytesProcessed(state.iterations() * corpus().bytes);
}
BENCHMARK(BM_Recipe_TokenizeFilesThreads)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// Event tokens of the extracted notes (notes extracted outside the loop).
void BM_Event_EncodeCorpus(benchmark::State& state) {
  const Corpus& c = corpus();
  if (c.files.empty()) {
    state.SkipWithError("no ../shared/corpus/midi_songs");
    return;
  }
  std::vector<midi::NoteList> notes;
  for (const auto& bytes : c.files) notes.push_back(midi::extract_notes(midi::read(bytes)));
  const music::EventEncoder encoder;
  std::int64_t tokens = 0;
  for (auto _ : state) {
    tokens = 0;
    for (const auto& n : notes) {
      const auto t = encoder.encode(n);
      tokens += static_cast<std::int64_t>(t.size());
      benchmark::DoNotOptimize(t.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * tokens);
}
BENCHMARK(BM_Event_EncodeCorpus)->Unit(benchmark::kMillisecond);

// Normal order of every pitch-class set, computed (not the cached chord_name table).
void BM_NormalOrder_AllSets(benchmark::State& state) {
  int out[12];
  for (auto _ : state) {
    int total = 0;
    for (unsigned mask = 1; mask < 4096; ++mask) total += music::detail::normal_order_of_mask(mask, out);
    benchmark::DoNotOptimize(total);
  }
  state.SetItemsProcessed(state.iterations() * 4095);
}
BENCHMARK(BM_NormalOrder_AllSets);

// Token -> id lookups with the recipe's vocabulary.
void BM_Vocabulary_Encode(benchmark::State& state) {
  std::vector<std::string> tokens;
  for (int p = 21; p < 109; ++p) tokens.push_back(music::pitch_name(p));
  for (unsigned mask = 1; mask < 4096; mask += 7) tokens.push_back(music::chord_name(mask));
  const auto vocabulary = music::Vocabulary::build({tokens});
  std::vector<std::string> stream;
  for (int i = 0; i < 100000; ++i) stream.push_back(tokens[static_cast<std::size_t>(i * 7919) % tokens.size()]);
  for (auto _ : state) {
    const auto ids = vocabulary.encode(stream);
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(stream.size()));
}
BENCHMARK(BM_Vocabulary_Encode)->Unit(benchmark::kMillisecond);

// One epoch of shuffled 64 x 100 next-token batches over 28,000 ids (the recipe's corpus size).
void BM_Batcher_Epoch(benchmark::State& state) {
  std::vector<data::Piece> pieces(44);
  for (std::size_t p = 0; p < pieces.size(); ++p)
    for (int i = 0; i < 634; ++i) pieces[p].ids.push_back(static_cast<std::int32_t>((p * 31 + static_cast<std::size_t>(i)) % 279));
  data::Batcher batcher(pieces, {100, 1, data::Target::next_token}, 64, 1);
  data::Batch batch;
  std::int64_t epoch = 0;
  for (auto _ : state) {
    batcher.start_epoch(epoch++);
    while (batcher.next(batch)) benchmark::DoNotOptimize(batch.inputs.data());
  }
  state.SetItemsProcessed(state.iterations() * batcher.window_count() * 100);
}
BENCHMARK(BM_Batcher_Epoch)->Unit(benchmark::kMillisecond);

// Loading a token cache (data/token_cache.hpp): read the file, check its CRC-32, build the
// vocabulary from the stored counts and map every entry's ids into it, one thread. The cache
// holds the whole developer corpus at 25 shifts (-12..12 semitones) so that its ids (tens of
// MB) do not fit in any CPU cache; bytes/s counts the ids (4 bytes each).
void BM_TokenCache_Load(benchmark::State& state) {
  const char* env = std::getenv("SYMPHONIC_CORPUS_DIR");
  const std::string dir = env ? env : SYMPHONIC_BENCH_CORPUS_DIR;
  std::vector<std::string> files;
  try {
    files = data::list_midi_files(dir);
  } catch (const std::exception&) {
  }
  if (files.empty()) return state.SkipWithError("no ../shared/corpus");
  const music::ChordEncoder encoder;
  const std::string path = "/tmp/symphonic_bench_" + std::to_string(::getpid()) + ".tokens";
  {
    data::TokenCache made(encoder.options_text());
    for (int s = -12; s <= 12; ++s) made.update(dir, files, s, encoder, 0);
    made.write(path);
  }
  std::uint64_t ids = 0;
  for (auto _ : state) {
    const data::TokenCache cache = data::TokenCache::read(path, encoder.options_text());
    std::unordered_map<std::string, std::int64_t> counts;
    for (std::size_t i = 0; i < cache.table().size(); ++i)
      if (cache.counts()[i] > 0) counts.emplace(cache.table()[i], cache.counts()[i]);
    const music::Vocabulary vocabulary = music::Vocabulary::from_counts(std::move(counts), {}, encoder.options_text());
    const std::vector<std::int32_t> map = cache.vocabulary_map(vocabulary);
    ids = 0;
    for (const data::TokenCache::Entry& e : cache.entries()) {
      const std::vector<std::int32_t> piece = cache.ids_in(e, map);
      benchmark::DoNotOptimize(piece.data());
      ids += e.count;
    }
  }
  std::remove(path.c_str());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * ids * 4));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * ids));
  state.counters["MB_of_ids"] = static_cast<double>(ids) * 4 / 1e6;
}
BENCHMARK(BM_TokenCache_Load)->Unit(benchmark::kMillisecond);

}  // namespace
