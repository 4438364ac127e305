// symphonic/train/train.hpp - module umbrella: the trainer, its callbacks and progress display,
// the bigram baseline and loading a trained model back from its checkpoint.
#pragma once

#include "symphonic/train/bigram.hpp"
#include "symphonic/train/callbacks.hpp"
#include "symphonic/train/progress.hpp"
#include "symphonic/train/saved_model.hpp"
#include "symphonic/train/trainer.hpp"
