// symphonic/midi/tempo_map.hpp - tick -> seconds for a MIDI file.
//
//   midi::TempoMap tempo(file);  double s = tempo.seconds(960);
//
// TempoMap is sparse and piecewise: one segment per tempo change, each holding the tick where
// it starts, the seconds at that tick and the seconds per tick inside it, so tick -> seconds is
// a binary search plus one multiply-add, exact up to double rounding, and a file whose last tick
// is 2^28 costs no more than one whose last tick is 100. For ticks-per-quarter divisions the
// tempo meta events of every track apply (format 0 and 1; merged by tick, a later track winning
// a tie, as a sequencer merges them); for format 2 each track has its own map. For SMPTE
// divisions time is ticks / (frames per second * ticks per frame), 29 meaning 29.97, and tempo
// events do not change it.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "symphonic/config.hpp"
#include "symphonic/midi/event.hpp"
#include "symphonic/midi/file.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace midi {

/// Tick -> seconds for one file (or one track of a format 2 file).
class TempoMap {
 public:
  /// One constant-tempo stretch from `tick` on.
  struct Segment {
    std::int64_t tick = 0;                       ///< first tick of the segment
    double seconds = 0.0;                        ///< time at `tick`
    double seconds_per_tick = 0.0;               ///< within the segment
    std::uint32_t microseconds_per_quarter = 0;  ///< the tempo (0 for SMPTE)
  };

  /// 120 bpm at `ticks_per_quarter` ticks per quarter note.
  explicit TempoMap(int ticks_per_quarter = 480) : ticks_per_quarter_(ticks_per_quarter) {
    segments_.push_back(Segment{0, 0.0, 500000.0 / (1e6 * ticks_per_quarter), 500000});
  }

  /// The map of `file`; `track` >= 0 restricts it to that track's tempo events (format 2).
  /// A negative `track` uses every track's (for format 2 files, track 0's).
  explicit TempoMap(const File& file, int track = -1) {
    if (file.format == 2 && track < 0) track = 0;
    std::vector<std::pair<std::int64_t, std::uint32_t>> changes;
    for (std::size_t t = 0; t < file.tracks.size(); ++t) {
      if (track >= 0 && static_cast<std::size_t>(track) != t) continue;
      const Track& tr = file.tracks[t];
      for (const Event& e : tr.events) {
        if (e.status != status::meta || e.data1 != meta::tempo) continue;
        const std::uint32_t tempo = tempo_of(tr, e);
        if (tempo) changes.emplace_back(e.tick < 0 ? 0 : e.tick, tempo);
      }
    }
    // Stable: equal ticks keep track order, so the later track wins a tie.
    std::stable_sort(changes.begin(), changes.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    *this = TempoMap(file.division, changes);
  }

  /// The map of a file with `division` whose tempo changes are `changes`: (tick, microseconds
  /// per quarter) in the order a sequencer meets them (ticks non-decreasing; at one tick the
  /// last wins).
  TempoMap(const Division& division,
           const std::vector<std::pair<std::int64_t, std::uint32_t>>& changes)
      : ticks_per_quarter_(midi::ticks_per_quarter(division)), change_count_(changes.size()) {
    if (division.is_smpte()) {
      smpte_ = true;
      segments_.push_back(Segment{0, 0.0, 1.0 / division.smpte_ticks_per_second(), 0});
      return;
    }
    segments_.reserve(changes.size() + 1);
    segments_.push_back(Segment{0, 0.0, 500000.0 / (1e6 * ticks_per_quarter_), 500000});
    for (const auto& change : changes) add_change(change.first, change.second);
  }

  /// Seconds at `tick` (ticks before 0 count as 0).
  double seconds(std::int64_t tick) const { return at(segment_index(tick), tick); }

  /// The first tick at or after `seconds` (rounded to the nearest tick).
  std::int64_t tick(double seconds) const {
    std::size_t lo = 0, hi = segments_.size();
    while (hi - lo > 1) {
      const std::size_t mid = (lo + hi) / 2;
      (segments_[mid].seconds <= seconds ? lo : hi) = mid;
    }
    const Segment& s = segments_[lo];
    const double ticks = (seconds - s.seconds) / s.seconds_per_tick;
    return s.tick + static_cast<std::int64_t>(std::llround(ticks > 0 ? ticks : 0.0));
  }

  /// Microseconds per quarter note in force at `tick` (0 for SMPTE files).
  std::uint32_t tempo_at(std::int64_t tick) const {
    return segments_[segment_index(tick)].microseconds_per_quarter;
  }
  /// Beats per minute at `tick` (for SMPTE files, 120).
  double bpm_at(std::int64_t tick) const {
    const std::uint32_t t = tempo_at(tick);
    return t ? 60e6 / t : 120.0;
  }

  const std::vector<Segment>& segments() const { return segments_; }
  /// Number of valid tempo meta events the map was built from.
  std::size_t change_count() const { return change_count_; }
  int ticks_per_quarter() const { return ticks_per_quarter_; }
  bool is_smpte() const { return smpte_; }

  /// Seconds of a sequence of mostly non-decreasing ticks in amortised O(1) each.
  class Cursor {
   public:
    explicit Cursor(const TempoMap& map) : map_(&map) {}
    double seconds(std::int64_t tick) {
      const auto& s = map_->segments_;
      if (tick < s[index_].tick) {
        index_ = map_->segment_index(tick);
      } else {
        while (index_ + 1 < s.size() && s[index_ + 1].tick <= tick) ++index_;
      }
      return map_->at(index_, tick);
    }

   private:
    const TempoMap* map_;
    std::size_t index_ = 0;
  };

 private:
  void add_change(std::int64_t tick, std::uint32_t tempo) {
    Segment& last = segments_.back();
    const double per_tick = tempo / (1e6 * ticks_per_quarter_);
    if (tick == last.tick) {
      last.microseconds_per_quarter = tempo;
      last.seconds_per_tick = per_tick;
      return;
    }
    segments_.push_back(Segment{tick, at(segments_.size() - 1, tick), per_tick, tempo});
  }

  std::size_t segment_index(std::int64_t tick) const {
    std::size_t lo = 0, hi = segments_.size();
    while (hi - lo > 1) {
      const std::size_t mid = (lo + hi) / 2;
      (segments_[mid].tick <= tick ? lo : hi) = mid;
    }
    return lo;
  }
  double at(std::size_t index, std::int64_t tick) const {
    const Segment& s = segments_[index];
    const std::int64_t dt = tick > s.tick ? tick - s.tick : 0;
    return s.seconds + static_cast<double>(dt) * s.seconds_per_tick;
  }

  std::vector<Segment> segments_;
  int ticks_per_quarter_ = 480;
  std::size_t change_count_ = 0;
  bool smpte_ = false;
};

}  // namespace midi
SYMPHONIC_NAMESPACE_END
