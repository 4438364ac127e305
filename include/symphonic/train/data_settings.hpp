// symphonic/train/data_settings.hpp - how a run cut its corpus into windows, a split and
// batches, as its checkpoints record it (metadata "symphonic.data"), so that an evaluation can
// rebuild the same validation windows and a resumed run can check that it continues the same one:
//
//   seq_len=64 stride=16 target=shifted val_split=0.1 seed=1 batch=32 validation=8c1d2e3f corpus=04a5b6c7 transpose=-3..3
//
// validation and corpus are data::pieces_fingerprint()s of the validation pieces and of all of
// them; transpose is written only when the run transposes. Checkpoints from before a key existed
// lack it: recorded() says which keys a text held, and a key it lacks keeps the default below.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "symphonic/config.hpp"
#include "symphonic/data/dataset.hpp"
#include "symphonic/detail/key_value.hpp"
#include "symphonic/error.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace train {

struct DataSettings {
  data::WindowOptions window{64, 1, data::Target::next_token};
  double val_split = 0.1;        ///< share of the pieces held out (data::split_by_piece)
  std::uint64_t seed = 1;        ///< of the split and the batch order
  int batch = 0;                 ///< windows per batch; 0: not recorded
  std::string validation;        ///< fingerprint of the validation pieces; empty: not recorded
  std::string corpus;            ///< fingerprint of every piece; empty: not recorded
  data::TransposeRange transpose;
  std::set<std::string> keys;    ///< the keys from_text() read

  bool recorded(const std::string& key) const { return keys.count(key) != 0; }

  std::string to_text() const {
    std::string t = "seq_len=" + std::to_string(window.length) + " stride=" + std::to_string(window.stride) +
                    " target=" + (window.target == data::Target::shifted ? "shifted" : "next_token") +
                    " val_split=" + symphonic::detail::format_number(val_split) + " seed=" + std::to_string(seed) +
                    " batch=" + std::to_string(batch);
    if (!validation.empty()) t += " validation=" + validation;
    if (!corpus.empty()) t += " corpus=" + corpus;
    if (transpose.active()) t += " transpose=" + transpose.text();
    return t;
  }

  /// Reads what to_text() wrote (an empty text: nothing recorded); throws io::CheckpointError
  /// ("metadata") on malformed text, an unknown key or a value out of range.
  static DataSettings from_text(const std::string& text) {
    symphonic::detail::KeyValues v(text, symphonic::detail::KeyValues::Layout::words, "symphonic.data",
                                   [](const std::string& message) { SYMPHONIC_THROW(io::CheckpointError("metadata", message)); });
    if (!v.name().empty()) v.fail("starts with \"" + v.name() + "\", not key=value");
    DataSettings s;
    for (const char* key : {"seq_len", "stride", "target", "val_split", "seed", "batch", "validation", "corpus", "transpose"})
      if (v.has(key)) s.keys.insert(key);
    s.window.length = static_cast<int>(v.integer("seq_len", s.window.length, 1, 1 << 30));
    s.window.stride = static_cast<int>(v.integer("stride", s.window.stride, 1, 1 << 30));
    s.window.target = v.choice("target", "next_token", {"next_token", "shifted"}) == "shifted" ? data::Target::shifted
                                                                                               : data::Target::next_token;
    s.val_split = v.number("val_split", s.val_split, 0, 1);
    std::uint64_t seed = s.seed;
    if (v.has("seed")) {
      const std::string value = v.text("seed");
      if (!symphonic::detail::parse_unsigned(value, seed)) v.fail("key 'seed': not a 64-bit unsigned integer: '" + value + "'");
    }
    s.seed = seed;
    s.batch = static_cast<int>(v.integer("batch", s.batch, 1, 1 << 30));
    s.validation = v.text("validation", "");
    s.corpus = v.text("corpus", "");
    if (v.has("transpose")) {
      const std::string range = v.text("transpose");
      try {
        s.transpose = data::TransposeRange::parse(range);
      } catch (const data::DataError& e) {
        v.fail("key 'transpose': " + std::string(e.what()));
      }
    }
    v.finish();
    return s;
  }
};

}  // namespace train
SYMPHONIC_NAMESPACE_END
