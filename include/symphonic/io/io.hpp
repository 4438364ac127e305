// symphonic/io/io.hpp - the io module: safetensors container and symphonic checkpoints.
#pragma once

#include "symphonic/io/checkpoint.hpp"
#include "symphonic/io/safetensors.hpp"
