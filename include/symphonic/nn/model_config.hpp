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
#include <limits>
#include <string>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/detail/key_value.hpp"
#include "symphonic/nn/config_error.hpp"
#include "symphonic/nn/init.hpp"

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
    std::string t = "symphonic-model-config 1\n";
    const auto put = [&t](const char* key, const std::string& value) { t += std::string(key) + "=" + value + "\n"; };
    put("vocab_size", std::to_string(vocab_size));
    put("input", input == InputKind::embedding ? "embedding" : "scalar");
    put("embedding_size", std::to_string(embedding_size));
    put("lstm_size", std::to_string(lstm_size));
    put("lstm_layers", std::to_string(lstm_layers));
    put("recurrent_dropout", symphonic::detail::format_number(recurrent_dropout));
    put("lstm_dropout", symphonic::detail::format_number(lstm_dropout));
    std::string sizes;
    for (std::size_t i = 0; i < dense_sizes.size(); ++i) sizes += (i ? "," : "") + std::to_string(dense_sizes[i]);
    put("dense_sizes", sizes);
    put("batch_norm", batch_norm ? "1" : "0");
    put("dropout", symphonic::detail::format_number(dropout));
    put("bn_momentum", symphonic::detail::format_number(bn_momentum));
    put("bn_epsilon", symphonic::detail::format_number(bn_epsilon));
    put("bn_unbiased_running_var", bn_unbiased_running_var ? "1" : "0");
    put("init", init == Init::keras ? "keras" : "torch");
    return t;
  }

  static ModelConfig from_text(const std::string& text) {
    const std::string header = "symphonic-model-config 1";
    std::size_t first_end = text.find('\n');
    if (first_end == std::string::npos) first_end = text.size();
    std::string first = text.substr(0, first_end);
    while (!first.empty() && (first.back() == '\r' || first.back() == ' ' || first.back() == '\t')) first.pop_back();
    if (first != header)
      SYMPHONIC_THROW(ConfigError("model config text must start with '" + header + "'"));
    symphonic::detail::KeyValues v(text.substr(first_end), symphonic::detail::KeyValues::Layout::lines, "model config",
                        [](const std::string& message) { SYMPHONIC_THROW(ConfigError(message)); });
    // Ranges are validate()'s; here only what fits an int.
    const auto integer = [&v](const char* key) {
      return static_cast<int>(v.integer(key, std::numeric_limits<int>::min() + 1, std::numeric_limits<int>::max()));
    };
    ModelConfig c;
    c.vocab_size = integer("vocab_size");
    c.input = v.choice("input", {"embedding", "scalar"}) == "embedding" ? InputKind::embedding : InputKind::scalar;
    c.embedding_size = integer("embedding_size");
    c.lstm_size = integer("lstm_size");
    c.lstm_layers = integer("lstm_layers");
    c.recurrent_dropout = v.number("recurrent_dropout");
    c.lstm_dropout = v.number("lstm_dropout");
    c.dense_sizes.clear();
    for (std::int64_t size : v.integers("dense_sizes", std::numeric_limits<int>::min() + 1, std::numeric_limits<int>::max()))
      c.dense_sizes.push_back(static_cast<int>(size));
    c.batch_norm = v.flag("batch_norm");
    c.dropout = v.number("dropout");
    c.bn_momentum = v.number("bn_momentum");
    c.bn_epsilon = v.number("bn_epsilon");
    c.bn_unbiased_running_var = v.flag("bn_unbiased_running_var");
    c.init = v.choice("init", {"keras", "torch"}) == "keras" ? Init::keras : Init::torch;
    v.finish();
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

};

/// One layer of the head after the LSTM stack: per Dense k = 1 .. n (the last to the vocabulary),
/// [BatchNorm] [Dropout] Dense, and a ReLU between Dense layers. `number` names its tensors
/// (bn{number}, dense{number}); a dropout's is its ordinal among the head's dropouts (its mask
/// stream, nn::Model::head_dropout_stream). Both backends build their heads from this list.
struct HeadLayer {
  enum class Kind { batch_norm, dropout, dense, relu };
  Kind kind;
  int in, out;  ///< rows in and out (equal but for dense)
  int number;
};

inline std::vector<HeadLayer> head_layers(const ModelConfig& config) {
  std::vector<HeadLayer> head;
  std::vector<int> outs = config.dense_sizes;
  outs.push_back(config.vocab_size);
  int in = config.lstm_size, dropouts = 0;
  for (std::size_t k = 0; k < outs.size(); ++k) {
    const int number = static_cast<int>(k) + 1;
    if (config.batch_norm) head.push_back({HeadLayer::Kind::batch_norm, in, in, number});
    if (config.dropout > 0) head.push_back({HeadLayer::Kind::dropout, in, in, dropouts++});
    head.push_back({HeadLayer::Kind::dense, in, outs[k], number});
    in = outs[k];
    if (k + 1 < outs.size()) head.push_back({HeadLayer::Kind::relu, in, in, 0});
  }
  return head;
}

}  // namespace nn
SYMPHONIC_NAMESPACE_END
