// symphonic/nn/model_config.hpp - the small struct a Model is built from, its text form and the
// presets.
//
// Architecture described by a config (names in brackets are the state_dict prefixes):
//   input:  [embedding] Embedding(vocab, embedding_size)   or   scalar: id / vocab_size
//   [lstm]  Lstm(lstm_size) x lstm_layers, recurrent_dropout, lstm_dropout between layers
//   head, applied to the last step (next-token targets) or to every step (shifted targets):
//           for each k in dense_sizes:   [bn k] BatchNorm? -> Dropout(dropout)? -> [dense k] Dense -> ReLU
//           then                         [bn n] BatchNorm? -> Dropout(dropout)? -> [dense n] Dense(vocab)
//   softmax fused with cross-entropy.
// The "recipe" preset is exactly the Keras model of the reference recipe: scalar input, LSTM 512
// x 3 with recurrent dropout 0.3, BatchNorm, Dropout 0.3, Dense 256, ReLU, BatchNorm, Dropout 0.3,
// Dense vocab, softmax (5,482,086 trainable parameters for a vocabulary of 358).
//
// Text form (ModelConfig::to_text): a first line "symphonic-model-config 1", then one "key=value"
// line per field, in a fixed order; from_text accepts the keys in any order, all required,
// rejects unknown or repeated keys and values out of range with nn::ConfigError naming the key.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/nn/config_error.hpp"
#include "symphonic/nn/dense.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace nn {

enum class InputKind { embedding, scalar };

struct ModelConfig {
  int vocab_size = 0;
  InputKind input = InputKind::embedding;
  int embedding_size = 64;          ///< used when input is embedding
  int lstm_size = 256;
  int lstm_layers = 2;
  double recurrent_dropout = 0.0;   ///< Keras-style, one mask per sequence
  double lstm_dropout = 0.0;        ///< between LSTM layers (PyTorch-style)
  std::vector<int> dense_sizes;     ///< hidden Dense+ReLU layers of the head
  bool batch_norm = false;          ///< BatchNorm before each Dense of the head
  double dropout = 0.0;             ///< Dropout before each Dense of the head
  double bn_momentum = 0.99;        ///< Keras convention (weight of the old running value)
  double bn_epsilon = 1e-3;
  bool bn_unbiased_running_var = false;  ///< true: PyTorch's running-variance update
  Init init = Init::keras;

  /// Throws ConfigError when a field is out of range.
  void validate() const {
    auto fail = [](const std::string& key, const std::string& why) {
      SYMPHONIC_THROW(ConfigError("model config key '" + key + "': " + why));
    };
    // Upper bounds keep every tensor's element count (at most 4 * 2^20 * 2^24) and the layout's
    // sum far inside 64 bits; memory runs out long before them (an LSTM of 2^20 units is 16 TiB).
    constexpr int max_width = 1 << 20, max_vocab = 1 << 24, max_layers = 1024;
    if (vocab_size < 2 || vocab_size > max_vocab) fail("vocab_size", "must lie in 2.." + std::to_string(max_vocab));
    if (input == InputKind::embedding && (embedding_size < 1 || embedding_size > max_width))
      fail("embedding_size", "must lie in 1.." + std::to_string(max_width));
    if (lstm_size < 1 || lstm_size > max_width) fail("lstm_size", "must lie in 1.." + std::to_string(max_width));
    if (lstm_layers < 1 || lstm_layers > max_layers) fail("lstm_layers", "must lie in 1.." + std::to_string(max_layers));
    if (dense_sizes.size() > static_cast<std::size_t>(max_layers)) fail("dense_sizes", "at most 1024 layers");
    auto rate = [&](const std::string& key, double r) {
      if (!(r >= 0.0 && r < 1.0)) fail(key, "must lie in [0, 1)");
    };
    rate("recurrent_dropout", recurrent_dropout);
    rate("lstm_dropout", lstm_dropout);
    rate("dropout", dropout);
    for (int d : dense_sizes)
      if (d < 1 || d > max_width) fail("dense_sizes", "sizes must lie in 1.." + std::to_string(max_width));
    if (!(bn_momentum >= 0.0 && bn_momentum <= 1.0)) fail("bn_momentum", "must lie in [0, 1]");
    if (!(bn_epsilon > 0.0)) fail("bn_epsilon", "must be positive");
  }

  std::string to_text() const {
    std::ostringstream out;
    out.precision(17);
    out << "symphonic-model-config 1\n";
    out << "vocab_size=" << vocab_size << "\n";
    out << "input=" << (input == InputKind::embedding ? "embedding" : "scalar") << "\n";
    out << "embedding_size=" << embedding_size << "\n";
    out << "lstm_size=" << lstm_size << "\n";
    out << "lstm_layers=" << lstm_layers << "\n";
    out << "recurrent_dropout=" << recurrent_dropout << "\n";
    out << "lstm_dropout=" << lstm_dropout << "\n";
    out << "dense_sizes=";
    for (std::size_t i = 0; i < dense_sizes.size(); ++i) out << (i ? "," : "") << dense_sizes[i];
    out << "\n";
    out << "batch_norm=" << (batch_norm ? 1 : 0) << "\n";
    out << "dropout=" << dropout << "\n";
    out << "bn_momentum=" << bn_momentum << "\n";
    out << "bn_epsilon=" << bn_epsilon << "\n";
    out << "bn_unbiased_running_var=" << (bn_unbiased_running_var ? 1 : 0) << "\n";
    out << "init=" << (init == Init::keras ? "keras" : "torch") << "\n";
    return out.str();
  }

  static ModelConfig from_text(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    if (!std::getline(in, line) || strip(line) != "symphonic-model-config 1")
      SYMPHONIC_THROW(ConfigError("model config text must start with 'symphonic-model-config 1'"));
    std::map<std::string, std::string> values;
    while (std::getline(in, line)) {
      line = strip(line);
      if (line.empty()) continue;
      const auto eq = line.find('=');
      if (eq == std::string::npos) SYMPHONIC_THROW(ConfigError("model config line without '=': " + line));
      const std::string key = line.substr(0, eq);
      if (!values.emplace(key, line.substr(eq + 1)).second)
        SYMPHONIC_THROW(ConfigError("model config key '" + key + "' given twice"));
    }
    ModelConfig c;
    auto take = [&](const std::string& key) {
      const auto it = values.find(key);
      if (it == values.end()) SYMPHONIC_THROW(ConfigError("model config key '" + key + "' missing"));
      std::string v = it->second;
      values.erase(it);
      return v;
    };
    c.vocab_size = to_int("vocab_size", take("vocab_size"));
    const std::string input = take("input");
    if (input == "embedding")
      c.input = InputKind::embedding;
    else if (input == "scalar")
      c.input = InputKind::scalar;
    else
      SYMPHONIC_THROW(ConfigError("model config key 'input': expected embedding or scalar, got '" + input + "'"));
    c.embedding_size = to_int("embedding_size", take("embedding_size"));
    c.lstm_size = to_int("lstm_size", take("lstm_size"));
    c.lstm_layers = to_int("lstm_layers", take("lstm_layers"));
    c.recurrent_dropout = to_double("recurrent_dropout", take("recurrent_dropout"));
    c.lstm_dropout = to_double("lstm_dropout", take("lstm_dropout"));
    const std::string sizes = take("dense_sizes");
    c.dense_sizes.clear();
    std::size_t start = 0;
    while (start < sizes.size()) {
      std::size_t comma = sizes.find(',', start);
      if (comma == std::string::npos) comma = sizes.size();
      c.dense_sizes.push_back(to_int("dense_sizes", sizes.substr(start, comma - start)));
      start = comma + 1;
    }
    c.batch_norm = to_bool("batch_norm", take("batch_norm"));
    c.dropout = to_double("dropout", take("dropout"));
    c.bn_momentum = to_double("bn_momentum", take("bn_momentum"));
    c.bn_epsilon = to_double("bn_epsilon", take("bn_epsilon"));
    c.bn_unbiased_running_var = to_bool("bn_unbiased_running_var", take("bn_unbiased_running_var"));
    const std::string init = take("init");
    if (init == "keras")
      c.init = Init::keras;
    else if (init == "torch")
      c.init = Init::torch;
    else
      SYMPHONIC_THROW(ConfigError("model config key 'init': expected keras or torch, got '" + init + "'"));
    if (!values.empty()) SYMPHONIC_THROW(ConfigError("model config key '" + values.begin()->first + "' unknown"));
    c.validate();
    return c;
  }

  /// "recipe": the reference Keras model; "default": embedding input, sized for a 2-core CPU
  /// (see docs/nn.md for the measurement behind it).
  static ModelConfig preset(const std::string& name, int vocab_size) {
    ModelConfig c;
    c.vocab_size = vocab_size;
    if (name == "recipe") {
      c.input = InputKind::scalar;
      c.embedding_size = 0;
      c.lstm_size = 512;
      c.lstm_layers = 3;
      c.recurrent_dropout = 0.3;
      c.lstm_dropout = 0.0;
      c.dense_sizes = {256};
      c.batch_norm = true;
      c.dropout = 0.3;
    } else if (name == "default") {
      c.input = InputKind::embedding;
      c.embedding_size = 64;
      c.lstm_size = 256;
      c.lstm_layers = 2;
      c.recurrent_dropout = 0.0;
      c.lstm_dropout = 0.2;
      c.dense_sizes = {};
      c.batch_norm = false;
      c.dropout = 0.2;
    } else {
      SYMPHONIC_THROW(ConfigError("unknown model preset '" + name + "' (expected recipe or default)"));
    }
    c.validate();
    return c;
  }

 private:
  static std::string strip(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return std::string();
    const auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
  }
  static int to_int(const std::string& key, const std::string& v) {
    char* end = nullptr;
    const long x = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || x < -2147483647L || x > 2147483647L)
      SYMPHONIC_THROW(ConfigError("model config key '" + key + "': not an integer: '" + v + "'"));
    return static_cast<int>(x);
  }
  static double to_double(const std::string& key, const std::string& v) {
    char* end = nullptr;
    const double x = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0')
      SYMPHONIC_THROW(ConfigError("model config key '" + key + "': not a number: '" + v + "'"));
    return x;
  }
  static bool to_bool(const std::string& key, const std::string& v) {
    if (v == "1" || v == "true") return true;
    if (v == "0" || v == "false") return false;
    SYMPHONIC_THROW(ConfigError("model config key '" + key + "': expected 0 or 1, got '" + v + "'"));
  }
};

}  // namespace nn
SYMPHONIC_NAMESPACE_END
