// symphonic/train/checkpoint_keys.hpp - the metadata keys of a training checkpoint, for the
// trainer that writes them and everything that reads a checkpoint back (train/saved_model.hpp,
// generate/, the programs).
#pragma once

#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace train {
namespace keys {
constexpr const char* model_config = "symphonic.model_config";      ///< nn::ModelConfig::to_text()
constexpr const char* vocabulary = "symphonic.vocabulary";          ///< music::Vocabulary::to_text()
constexpr const char* optimizer = "symphonic.optimizer";            ///< Optimizer::options_text()
constexpr const char* optimizer_steps = "symphonic.optimizer_steps";  ///< Optimizer::step_count()
constexpr const char* step = "symphonic.step";
constexpr const char* epoch = "symphonic.epoch";
constexpr const char* rng = "symphonic.rng";                        ///< the model's dropout counter
constexpr const char* trainer = "symphonic.trainer";                ///< TrainerState::to_text()
constexpr const char* data = "symphonic.data";                      ///< DataSettings::to_text()
}  // namespace keys
}  // namespace train
SYMPHONIC_NAMESPACE_END
