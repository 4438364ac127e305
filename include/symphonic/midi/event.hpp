// symphonic/midi/event.hpp - one event of a Standard MIDI File track, in 16 bytes.
//
// An Event is a plain record: its absolute tick, its status byte and two data bytes. Channel
// voice messages (note on/off, poly aftertouch, control change, program change, channel
// pressure, pitch bend) live entirely in the record. Meta events and sysex messages also carry a
// payload of any length; that payload lives in the owning Track's byte arena (Track::data), and
// the event keeps only its offset there (Track::payload(event) gives the bytes back). Keeping
// every event the same small size and every payload in one buffer per track is what lets the
// reader run at several hundred MB/s: there is no allocation per event.
//
//   status      kind                         data1            data2
//   0x80..0xEF  channel voice message        first data byte  second data byte (0 if none)
//   0xF0        sysex (payload after F0)     0                0
//   0xF7        sysex escape / continuation  0                0
//   0xFF        meta event                   meta type        0
#pragma once

#include <cstdint>

#include "symphonic/config.hpp"

SYMPHONIC_NAMESPACE_BEGIN
namespace midi {

/// Status nibbles of the channel voice messages (status & 0xF0).
enum class Message : std::uint8_t {
  note_off = 0x80,
  note_on = 0x90,
  poly_aftertouch = 0xA0,
  control_change = 0xB0,
  program_change = 0xC0,
  channel_pressure = 0xD0,
  pitch_bend = 0xE0,
};

/// Status bytes that are not channel messages.
namespace status {
constexpr std::uint8_t sysex = 0xF0;         ///< F0 <length> <bytes>: a complete system exclusive
constexpr std::uint8_t sysex_escape = 0xF7;  ///< F7 <length> <bytes>: continuation or raw escape
constexpr std::uint8_t meta = 0xFF;          ///< FF <type> <length> <bytes>
}  // namespace status

/// Meta event types (Event::data1 when Event::status is 0xFF). Other types are kept raw.
namespace meta {
constexpr std::uint8_t sequence_number = 0x00;
constexpr std::uint8_t text = 0x01;
constexpr std::uint8_t copyright = 0x02;
constexpr std::uint8_t track_name = 0x03;
constexpr std::uint8_t instrument_name = 0x04;
constexpr std::uint8_t lyric = 0x05;
constexpr std::uint8_t marker = 0x06;
constexpr std::uint8_t cue_point = 0x07;
constexpr std::uint8_t program_name = 0x08;
constexpr std::uint8_t device_name = 0x09;
constexpr std::uint8_t channel_prefix = 0x20;
constexpr std::uint8_t port = 0x21;
constexpr std::uint8_t end_of_track = 0x2F;
constexpr std::uint8_t tempo = 0x51;
constexpr std::uint8_t smpte_offset = 0x54;
constexpr std::uint8_t time_signature = 0x58;
constexpr std::uint8_t key_signature = 0x59;
constexpr std::uint8_t sequencer_specific = 0x7F;

/// True for the text-like types 0x01..0x0F (text, copyright, names, lyric, marker, cue, ...).
constexpr bool is_text(std::uint8_t type) { return type >= 0x01 && type <= 0x0F; }
}  // namespace meta

/// Number of data bytes that follow a channel status byte (0x80..0xEF): 1 for program change and
/// channel pressure, 2 for the others.
constexpr int channel_data_length(std::uint8_t status_byte) {
  return ((status_byte & 0xE0) == 0xC0) ? 1 : 2;
}

/// One event with its absolute tick. See the table at the top of this file.
struct Event {
  std::int64_t tick = 0;       ///< absolute tick from the start of the track
  std::uint32_t payload = 0;   ///< meta/sysex only: offset of the payload in Track::data
  std::uint8_t status = 0;     ///< 0x80..0xEF, 0xF0, 0xF7 or 0xFF
  std::uint8_t data1 = 0;      ///< first data byte, or the meta type
  std::uint8_t data2 = 0;      ///< second data byte, 0 when the message has one
  std::uint8_t flags = 0;      ///< Event::running_status_flag when the source omitted the status

  /// Set by the reader on channel messages that relied on running status in the source bytes.
  /// Not part of equality; the writer ignores it unless asked to keep the source's choice.
  static constexpr std::uint8_t running_status_flag = 0x01;

  constexpr bool is_channel() const { return status >= 0x80 && status < 0xF0; }
  constexpr bool is_meta() const { return status == status::meta; }
  constexpr bool is_meta(std::uint8_t type) const {
    return status == status::meta && data1 == type;
  }
  constexpr bool is_sysex() const {
    return status == status::sysex || status == status::sysex_escape;
  }
  /// Channel 0..15 of a channel message (meaningless otherwise).
  constexpr int channel() const { return status & 0x0F; }
  /// The message kind of a channel message.
  constexpr Message message() const { return static_cast<Message>(status & 0xF0); }
  /// A note-on with velocity > 0.
  constexpr bool is_note_on() const { return (status & 0xF0) == 0x90 && data2 != 0; }
  /// A note-off, or a note-on with velocity 0 (which means the same).
  constexpr bool is_note_off() const {
    return (status & 0xF0) == 0x80 || ((status & 0xF0) == 0x90 && data2 == 0);
  }
  constexpr bool is_end_of_track() const { return is_meta(meta::end_of_track); }
  /// Pitch-bend value -8192..8191 of a pitch-bend message.
  constexpr int pitch_bend() const { return (data1 | (data2 << 7)) - 8192; }

  /// Builds a channel message; `status_byte` is 0x80..0xEF (message | channel).
  static constexpr Event channel_message(std::int64_t tick, std::uint8_t status_byte,
                                         std::uint8_t data1, std::uint8_t data2 = 0) {
    Event e;
    e.tick = tick;
    e.status = status_byte;
    e.data1 = data1;
    e.data2 = data2;
    return e;
  }
};

static_assert(sizeof(Event) == 16, "midi::Event is meant to stay 16 bytes");

}  // namespace midi
SYMPHONIC_NAMESPACE_END
