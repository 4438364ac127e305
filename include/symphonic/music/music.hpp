// symphonic/music/music.hpp - the music module: pitch names and normal order, the chord and
// event encoders, their control tokens (key, density, tempo), the factory that rebuilds an
// encoder from its options text, the vocabulary.
#pragma once

#include "symphonic/music/chord_encoder.hpp"
#include "symphonic/music/conditions.hpp"
#include "symphonic/music/encoder.hpp"
#include "symphonic/music/event_encoder.hpp"
#include "symphonic/music/factory.hpp"
#include "symphonic/music/pitch.hpp"
#include "symphonic/music/vocabulary.hpp"
