// symphonic/data/data.hpp - the data module: pieces, windows, the split by piece, transposition,
// batches, loading a corpus folder, its token cache, and augmentation by transposition.
#pragma once

#include "symphonic/data/augment.hpp"
#include "symphonic/data/batch.hpp"
#include "symphonic/data/corpus.hpp"
#include "symphonic/data/dataset.hpp"
#include "symphonic/data/token_cache.hpp"
