// symphonic/symphonic.hpp - the umbrella header: everything that runs on the CPU.
// It never includes a CUDA header; the CUDA backend has its own umbrella, symphonic/cuda.hpp.
#pragma once

#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/version.hpp"

#include "symphonic/midi/midi.hpp"
#include "symphonic/music/music.hpp"
#include "symphonic/data/data.hpp"
#include "symphonic/nn/nn.hpp"
#include "symphonic/optim/optim.hpp"
#include "symphonic/io/io.hpp"
#include "symphonic/train/train.hpp"
#include "symphonic/generate/generate.hpp"
