// The measurement behind the "default" preset (docs/nn.md): candidate model sizes trained for the
// same CPU-time budget on real music, compared by validation loss.
//
// Data: every file of the developer corpus (../shared/corpus/midi_songs), notes in (start, pitch)
// order, one token per note = its MIDI pitch (vocabulary 128); the last 10% of the files (sorted
// by name) are the validation set. Each candidate trains with Adam (lr 2e-3) on random windows of
// 64 steps, batch 32, targets at every step, until it has used SYMPHONIC_PRESET_BUDGET_S seconds
// of CPU time (default 60), then reports the mean validation loss over 256 fixed windows (and
// the same at half the budget, to show the trend). CPU time
// rather than wall time, so that a loaded machine does not favour whichever candidate ran alone.
// Skipped when the corpus is absent.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include <symphonic/midi/midi.hpp>
#include <symphonic/nn/nn.hpp>

namespace {

using namespace symphonic;

struct Corpus {
  std::vector<std::vector<std::int32_t>> train, validation;
  bool ok = false;
};

const Corpus& corpus() {
  static Corpus c = [] {
    Corpus out;
    const std::string dir = std::string(SYMPHONIC_BENCH_CORPUS_DIR) + "/midi_songs";
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
      if (e.path().extension() == ".mid") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    const std::size_t n_val = files.size() / 10;
    for (std::size_t i = 0; i < files.size(); ++i) {
      std::vector<std::int32_t> ids;
      try {
        for (const auto& note : midi::extract_notes(midi::read_file(files[i])).notes)
          if (!note.drum) ids.push_back(note.pitch);
      } catch (const std::exception&) {
        continue;
      }
      if (ids.size() < 200) continue;
      (i + n_val >= files.size() ? out.validation : out.train).push_back(std::move(ids));
    }
    out.ok = !out.train.empty() && !out.validation.empty();
    return out;
  }();
  return c;
}

void sample(const std::vector<std::vector<std::int32_t>>& pieces, nn::Rng& rng, nn::IdMatrix& in, nn::IdMatrix& target) {
  const nn::Index batch = in.rows(), steps = in.cols();
  for (nn::Index b = 0; b < batch; ++b) {
    const auto& p = pieces[rng.next() % pieces.size()];
    const std::size_t start = rng.next() % (p.size() - static_cast<std::size_t>(steps) - 1);
    for (nn::Index t = 0; t < steps; ++t) {
      in(b, t) = p[start + static_cast<std::size_t>(t)];
      target(b, t) = p[start + static_cast<std::size_t>(t) + 1];
    }
  }
}

double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

void BM_Preset_Candidate(benchmark::State& state) {
  const Corpus& data = corpus();
  if (!data.ok) {
    state.SkipWithError("developer corpus absent");
    return;
  }
  const char* env = std::getenv("SYMPHONIC_PRESET_BUDGET_S");
  const double budget = env ? std::atof(env) : 60.0;
  nn::ModelConfig config = nn::ModelConfig::preset("default", 128);
  config.embedding_size = static_cast<int>(state.range(0));
  config.lstm_size = static_cast<int>(state.range(1));
  config.lstm_layers = static_cast<int>(state.range(2));
  const nn::Index batch = 32, steps = 64;
  double val_loss = 0, val_acc = 0, val_loss_half = 0, trained = 0;
  for (auto _ : state) {
    nn::Model<float> model(config, 1);
    nn::Workspace<float> ws, validation_ws;
    nn::Rng rng(3);
    nn::IdMatrix in(batch, steps), target(batch, steps);
    Eigen::VectorXf m = Eigen::VectorXf::Zero(model.parameter_count()), v = m;
    auto validate = [&](double& loss, double& acc) {
      nn::Rng val_rng(11);
      nn::IdMatrix vin(batch, steps), vtarget(batch, steps);
      loss = acc = 0;
      for (int k = 0; k < 8; ++k) {
        sample(data.validation, val_rng, vin, vtarget);
        const auto r = model.forward(validation_ws, vin, vtarget, nn::Mode::infer);
        loss += r.loss / 8;
        acc += r.accuracy / 8;
      }
    };
    const double start = cpu_seconds();
    int t = 0;
    bool half_done = false;
    while (cpu_seconds() - start < budget) {
      if (!half_done && cpu_seconds() - start >= budget / 2) {
        double acc = 0;
        validate(val_loss_half, acc);
        half_done = true;
      }
      sample(data.train, rng, in, target);
      model.zero_grad();
      model.forward(ws, in, target, nn::Mode::train);
      model.backward(ws);
      ++t;  // Adam, lr 2e-3
      const auto& g = model.gradients();
      m = 0.9f * m + 0.1f * g;
      v = 0.999f * v + 0.001f * g.cwiseProduct(g);
      const float c1 = 1.0f - std::pow(0.9f, static_cast<float>(t)), c2 = 1.0f - std::pow(0.999f, static_cast<float>(t));
      model.parameters().array() -= 2e-3f * (m.array() / c1) / ((v.array() / c2).sqrt() + 1e-7f);
    }
    trained = t;
    validate(val_loss, val_acc);
    state.counters["params"] = static_cast<double>(model.parameter_count());
  }
  state.counters["val_loss"] = val_loss;
  state.counters["val_acc"] = val_acc;
  state.counters["val_loss_half_budget"] = val_loss_half;
  state.counters["train_steps"] = trained;
}

}  // namespace

// {embedding, hidden, layers}
BENCHMARK(BM_Preset_Candidate)
    ->Args({32, 128, 2})
    ->Args({48, 192, 2})
    ->Args({64, 256, 2})
    ->ArgNames({"embedding", "hidden", "layers"})
    ->Iterations(1)
    ->Unit(benchmark::kSecond);
