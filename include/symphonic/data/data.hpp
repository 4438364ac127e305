// symphonic/data/data.hpp - the data module: pieces, windows, the split by piece, transposition,
// batches, and loading a corpus folder.
#pragma once

#include "symphonic/data/batch.hpp"
#include "symphonic/data/corpus.hpp"
#include "symphonic/data/dataset.hpp"
