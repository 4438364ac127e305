// symphonic/data/dataset.hpp - pieces as id sequences, training windows, a split by piece, and
// transposition for augmentation (the shifts of TransposeRange; data/augment.hpp tokenizes them).
//
// A window is T consecutive ids of one piece; its target is the id after it (Target::next_token,
// many-to-one, what the recipe trained on) or the window shifted by one (Target::shifted,
// many-to-many). Windows never cross from one piece into the next (the recipe concatenated all
// pieces, so some of its windows did). A piece of L ids has (L - T - 1) / stride + 1 windows
// when L > T, none otherwise.
//
// Windows of one piece overlap, so a split by window would put almost the same data on both
// sides; split_by_piece keeps each piece whole on one side.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "symphonic/common/counter_rng.hpp"
#include "symphonic/config.hpp"
#include "symphonic/error.hpp"
#include "symphonic/midi/file.hpp"
#include "symphonic/midi/note.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace data {

/// A piece moved by `semitones`, tokenized again (data/augment.hpp).
struct Transposition {
  int semitones = 0;
  std::vector<std::int32_t> ids;
};

/// One piece: its name (usually the file path), its token ids and, for training pieces with
/// augmentation, its transposed copies.
struct Piece {
  Piece() = default;
  Piece(std::string name_, std::vector<std::int32_t> ids_) : name(std::move(name_)), ids(std::move(ids_)) {}

  std::string name;
  std::vector<std::int32_t> ids;
  std::vector<Transposition> transposed;  ///< empty unless add_transpositions gave it some
};

enum class Target {
  next_token,  ///< many-to-one: the id after the window (the recipe)
  shifted      ///< many-to-many: the window shifted by one step
};

struct WindowOptions {
  int length = 100;  ///< T, ids per window (the recipe: 100)
  int stride = 1;    ///< start-to-start distance of consecutive windows
  Target target = Target::next_token;
};

/// Where one window starts.
struct WindowRef {
  std::int32_t piece = 0;
  std::int64_t start = 0;
};

struct Split {
  std::vector<Piece> train, validation;
};

namespace detail {
inline void check_window_options(const WindowOptions& o) {
  if (o.length < 1 || o.stride < 1)
    SYMPHONIC_THROW(DataError("window length and stride must be >= 1 (got length=" + std::to_string(o.length) +
                              ", stride=" + std::to_string(o.stride) + ")"));
}

/// Deterministic shuffle (Fisher-Yates over std::mt19937_64, which the standard fixes bit for
/// bit; std::shuffle's use of the engine is implementation-defined).
template <class T>
void shuffle(std::vector<T>& v, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (std::size_t i = v.size(); i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(rng() % i);
    std::swap(v[i - 1], v[j]);
  }
}
}  // namespace detail

/// Number of windows a piece of `size` ids gives.
inline std::int64_t window_count(std::int64_t size, const WindowOptions& options) {
  detail::check_window_options(options);
  if (size <= options.length) return 0;
  return (size - options.length - 1) / options.stride + 1;
}

/// Every window of every piece, in piece order then start order.
inline std::vector<WindowRef> list_windows(const std::vector<Piece>& pieces, const WindowOptions& options) {
  std::vector<WindowRef> out;
  for (std::size_t p = 0; p < pieces.size(); ++p) {
    const std::int64_t n = window_count(static_cast<std::int64_t>(pieces[p].ids.size()), options);
    for (std::int64_t w = 0; w < n; ++w) out.push_back({static_cast<std::int32_t>(p), w * options.stride});
  }
  return out;
}

/// Splits whole pieces: round(validation_fraction * n) of them, chosen by a seeded shuffle, go
/// to validation (at least one when the fraction is > 0 and there are two pieces or more, and
/// never all of them). Both sides keep the input order. Throws DataError for a fraction outside
/// [0, 1).
inline Split split_by_piece(const std::vector<Piece>& pieces, double validation_fraction, std::uint64_t seed) {
  if (!(validation_fraction >= 0.0 && validation_fraction < 1.0))
    SYMPHONIC_THROW(DataError("validation fraction must be in [0, 1), got " + std::to_string(validation_fraction)));
  const std::size_t n = pieces.size();
  std::size_t count = static_cast<std::size_t>(std::llround(validation_fraction * static_cast<double>(n)));
  if (validation_fraction > 0.0 && count == 0 && n >= 2) count = 1;
  if (count >= n) count = n > 0 ? n - 1 : 0;
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  detail::shuffle(order, seed);
  std::vector<char> is_validation(n, 0);
  for (std::size_t i = 0; i < count; ++i) is_validation[order[i]] = 1;
  Split split;
  for (std::size_t i = 0; i < n; ++i) (is_validation[i] ? split.validation : split.train).push_back(pieces[i]);
  return split;
}

/// Shifts in semitones, lo..hi inclusive; 0..0 is off.
struct TransposeRange {
  int lo = 0, hi = 0;

  bool active() const { return lo != 0 || hi != 0; }
  int shifts() const { return hi - lo + 1; }
  std::string text() const { return std::to_string(lo) + ".." + std::to_string(hi); }

  /// "LO..HI" with -24 <= LO <= 0 <= HI <= 24, e.g. "-5..6"; throws DataError.
  static TransposeRange parse(const std::string& text) {
    const auto fail = [&] {
      SYMPHONIC_THROW(DataError("transposition range \"" + text +
                                "\": expected LO..HI with -24 <= LO <= 0 <= HI <= 24, e.g. -5..6"));
    };
    const auto dots = text.find("..");
    if (dots == std::string::npos) fail();
    TransposeRange r;
    if (!parse_int(text.substr(0, dots), r.lo) || !parse_int(text.substr(dots + 2), r.hi)) fail();
    if (r.lo < -24 || r.lo > 0 || r.hi < 0 || r.hi > 24) fail();
    return r;
  }

  friend bool operator==(const TransposeRange& a, const TransposeRange& b) { return a.lo == b.lo && a.hi == b.hi; }

 private:
  static bool parse_int(const std::string& s, int& out) {
    std::size_t i = s[0] == '-' || s[0] == '+' ? 1 : 0;
    if (s.size() <= i || s.size() > i + 2) return false;
    int v = 0;
    for (std::size_t k = i; k < s.size(); ++k) {
      if (s[k] < '0' || s[k] > '9') return false;
      v = v * 10 + (s[k] - '0');
    }
    out = s[0] == '-' ? -v : v;
    return true;
  }
};

/// The shift piece `piece` is served at in `epoch`: uniform over the range, a pure function of
/// (seed, epoch, piece).
inline int epoch_transposition(const TransposeRange& range, std::uint64_t seed, std::int64_t epoch, std::size_t piece) {
  if (!range.active()) return 0;
  constexpr std::uint64_t kStream = 0x7472616E73706F73ULL;  // "transpos": apart from the dropout streams
  const std::uint64_t bits = common::counter_bits(seed, kStream + static_cast<std::uint64_t>(epoch), piece);
  return range.lo + static_cast<int>(bits % static_cast<std::uint64_t>(range.shifts()));
}

/// The ids of `piece` moved by `semitones` (its own ids at 0, or when that shift is missing).
inline const std::vector<std::int32_t>& transposed_ids(const Piece& piece, int semitones) {
  for (const Transposition& t : piece.transposed)
    if (t.semitones == semitones) return t.ids;
  return piece.ids;
}

/// The notes moved by `semitones`; drum notes stay as they are; notes that would leave 0..127
/// are dropped, not wrapped.
inline midi::NoteList transpose(const midi::NoteList& notes, int semitones) {
  midi::NoteList out;
  out.ticks_per_quarter = notes.ticks_per_quarter;
  out.notes.reserve(notes.notes.size());
  for (midi::Note n : notes.notes) {
    if (!n.drum) {
      n.pitch += semitones;
      if (n.pitch < 0 || n.pitch > 127) continue;
    }
    out.notes.push_back(n);
  }
  return out;
}

/// The same for a bare note vector.
inline std::vector<midi::Note> transpose(const std::vector<midi::Note>& notes, int semitones) {
  midi::NoteList list;
  list.notes = notes;
  return transpose(list, semitones).notes;
}

/// The file with every note moved by `semitones`: note-on, note-off and polyphonic aftertouch
/// keys shift on all channels but the drum channel (index 9); events whose key would leave
/// 0..127 are removed (a note's on and off share a key, so both go). Works before any encoder,
/// the recipe's included: transpose the training files (after split_by_piece on their names,
/// so that copies of one piece stay on one side), then tokenize them.
inline midi::File transpose(const midi::File& file, int semitones) {
  midi::File out = file;
  for (midi::Track& track : out.tracks) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < track.events.size(); ++i) {
      midi::Event e = track.events[i];
      const auto message = e.message();
      if (e.is_channel() && e.channel() != 9 &&
          (message == midi::Message::note_on || message == midi::Message::note_off ||
           message == midi::Message::poly_aftertouch)) {
        const int key = e.data1 + semitones;
        if (key < 0 || key > 127) continue;
        e.data1 = static_cast<std::uint8_t>(key);
      }
      track.events[kept++] = e;
    }
    track.events.resize(kept);
  }
  return out;
}

}  // namespace data
SYMPHONIC_NAMESPACE_END
