// symphonic/train/saved_model.hpp - a trained model back from its checkpoint, ready to generate.
//
//   auto saved = train::load_model<float>("model.safetensors");
//   saved.model->step(...);  saved.vocabulary.token(id);  saved.encoder->decode(tokens);
//
// The checkpoint carries everything needed (train/trainer.hpp writes it): the model
// configuration, the vocabulary with the encoder's options, the weights and batch-norm buffers.
// Generation therefore never depends on the corpus the model was trained on: a corpus that has
// changed since cannot shift the token ids under the weights (the recipe's failure).
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/io/checkpoint.hpp"
#include "symphonic/music/music.hpp"
#include "symphonic/nn/model.hpp"
#include "symphonic/train/checkpoint_keys.hpp"
#include "symphonic/train/train_error.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace train {

template <class Scalar>
struct SavedModel {
  nn::ModelConfig config;
  music::Vocabulary vocabulary;
  std::unique_ptr<music::Encoder> encoder;  ///< null when the vocabulary names no encoder
  std::unique_ptr<nn::Model<Scalar>> model;
  io::Metadata metadata;
};

/// A model from a checkpoint already read and verified (io::Checkpoint::read or from_bytes);
/// `source` names it in errors. Throws io::CheckpointError (missing tensors, wrong shapes),
/// nn::ConfigError or music::VocabularyError (bad metadata), or TrainError (not a symphonic
/// training checkpoint, NaN weights). Every tensor's shape is checked against the model
/// configuration before the model is allocated, so the memory taken is bounded by the file's
/// size: a small file that claims an enormous model is refused, not attempted.
template <class Scalar>
SavedModel<Scalar> load_model(const io::Checkpoint& checkpoint, const std::string& source) {
  const auto need = [&](const char* key) -> const std::string& {
    const auto it = checkpoint.metadata().find(key);
    if (it == checkpoint.metadata().end())
      SYMPHONIC_THROW(TrainError(source + " holds no " + key + ": not a checkpoint written by symphonic-train"));
    return it->second;
  };
  SavedModel<Scalar> saved;
  saved.metadata = checkpoint.metadata();
  saved.config = nn::ModelConfig::from_text(need(keys::model_config));
  saved.vocabulary = music::Vocabulary::from_text(need(keys::vocabulary));
  if (saved.vocabulary.size() != saved.config.vocab_size)
    SYMPHONIC_THROW(TrainError(source + ": the vocabulary has " + std::to_string(saved.vocabulary.size()) +
                               " tokens but the model " + std::to_string(saved.config.vocab_size) + " outputs"));
  if (!saved.vocabulary.encoder_options().empty()) saved.encoder = music::make_encoder(saved.vocabulary.encoder_options());
  const nn::ParameterLayout layout = nn::Model<Scalar>::describe(saved.config);
  for (const nn::TensorSpec& t : layout.tensors()) io::check_loadable(checkpoint, t.name, t.shape);
  saved.model.reset(new nn::Model<Scalar>(saved.config, 1));
  std::vector<nn::NamedTensor<Scalar>> tensors = saved.model->named_parameters();
  for (auto& b : saved.model->buffers()) tensors.push_back(b);
  io::load_tensors(checkpoint, tensors);
  // weights of a diverged run would generate nothing and evaluate to NaN: refuse them here, by name
  for (const auto& t : tensors) {
    for (std::int64_t i = 0; i < t.element_count(); ++i)
      if (!std::isfinite(static_cast<double>(t.data[i])))
        SYMPHONIC_THROW(TrainError(source + ": tensor " + t.name + " holds NaN or infinite values (a diverged run); "
                                   "nothing can be generated or evaluated from these weights"));
  }
  return saved;
}

/// Reads and verifies the checkpoint at `path`, then load_model(checkpoint, path); also throws
/// io::FileError.
template <class Scalar>
SavedModel<Scalar> load_model(const std::string& path) {
  return load_model<Scalar>(io::Checkpoint::read(path), path);
}

}  // namespace train
SYMPHONIC_NAMESPACE_END
