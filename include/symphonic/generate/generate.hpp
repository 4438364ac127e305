// symphonic/generate/generate.hpp - module umbrella: samplers, the stateful generator, beam
// search, conditions (key, density, tempo), primers, piano rolls and music statistics.
#pragma once

#include "symphonic/generate/beam_search.hpp"
#include "symphonic/generate/conditions.hpp"
#include "symphonic/generate/generator.hpp"
#include "symphonic/generate/piano_roll.hpp"
#include "symphonic/generate/primer.hpp"
#include "symphonic/generate/sampler.hpp"
#include "symphonic/generate/stats.hpp"
