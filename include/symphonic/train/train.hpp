// symphonic/train/train.hpp - module umbrella: the trainer, its callbacks and progress display,
// the bigram baseline, run presets, the checkpoints' keys and data settings, and loading a trained
// model back from its checkpoint.
#pragma once

#include "symphonic/train/bigram.hpp"
#include "symphonic/train/callbacks.hpp"
#include "symphonic/train/checkpoint_keys.hpp"
#include "symphonic/train/data_settings.hpp"
#include "symphonic/train/metrics.hpp"
#include "symphonic/train/preset.hpp"
#include "symphonic/train/progress.hpp"
#include "symphonic/train/saved_model.hpp"
#include "symphonic/train/train_error.hpp"
#include "symphonic/train/trainer.hpp"
