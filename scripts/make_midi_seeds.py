#!/usr/bin/env python3
"""Writes small MIDI files that exercise every path of the reader: the fuzzer's seed corpus.

    python3 scripts/make_midi_seeds.py OUT_DIR

Valid files (formats 0/1/2, running status, sysex and escapes, metas, SMPTE division, RIFF RMID,
unknown chunks, long header) and broken ones (each repair the tolerant reader makes, and errors).
No third-party files: every byte is made here.
"""
import os
import struct
import sys


def vlq(value):
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def chunk(kind, body, length=None):
    return kind + struct.pack(">I", len(body) if length is None else length) + body


def header(fmt, ntracks, division, extra=b""):
    return chunk(b"MThd", struct.pack(">HHH", fmt, ntracks, division) + extra)


EOT = b"\x00\xff\x2f\x00"


def smf(fmt, division, tracks, ntracks=None):
    out = header(fmt, len(tracks) if ntracks is None else ntracks, division)
    for t in tracks:
        out += chunk(b"MTrk", t)
    return out


def melody(channel=0, count=16, running=True):
    body = b"\x00\xff\x03\x05piano" + bytes([0, 0xC0 | channel, 5])
    body += b"\x00\xff\x51\x03\x07\xa1\x20" + b"\x00\xff\x58\x04\x04\x02\x18\x08"
    status = 0x90 | channel
    for i in range(count):
        pitch = 60 + (i * 5) % 24
        body += b"\x00" + bytes([status, pitch, 64 + i])
        body += vlq(96 + i) + (b"" if running else bytes([status])) + bytes([pitch, 0])
    body += b"\x10" + bytes([0xB0 | channel, 64, 127]) + b"\x10" + bytes([0xE0 | channel, 0, 64])
    return body + EOT


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    seeds = {}
    seeds["format0"] = smf(0, 96, [melody()])
    seeds["format1"] = smf(1, 480, [b"\x00\xff\x51\x03\x0f\x42\x40" + EOT, melody(1), melody(9, 8, False)])
    seeds["format2"] = smf(2, 120, [melody(2, 4), melody(3, 4)])
    seeds["smpte"] = smf(0, 0xE728, [melody(0, 4)])
    seeds["sysex"] = smf(0, 96, [b"\x00\xf0\x05\x7e\x7f\x09\x01\xf7\x00\xf7\x02\xf3\x01"
                                 b"\x00\xff\x7f\x03\x00\x00\x41\x00\xff\x60\x01\x00" + EOT])
    seeds["long_header_unknown_chunk"] = (header(1, 1, 96, b"\x00\x00") + chunk(b"XFIH", b"abc")
                                          + chunk(b"MTrk", melody(0, 2)))
    inner = seeds["format0"]
    seeds["rmid"] = (b"RIFF" + struct.pack("<I", len(inner) + 12) + b"RMID" + b"data"
                     + struct.pack("<I", len(inner)) + inner)
    body = melody(0, 4)
    seeds["length_too_long"] = header(0, 1, 96) + chunk(b"MTrk", body, len(body) + 50)
    seeds["length_too_short"] = header(0, 1, 96) + chunk(b"MTrk", body, len(body) - 9)
    seeds["missing_eot"] = smf(1, 96, [body[:-4], body])
    seeds["truncated"] = smf(0, 96, [body])[:-7]
    seeds["running_after_meta"] = smf(0, 96, [b"\x00\x90\x3c\x40\x00\xff\x01\x00\x10\x3c\x00" + EOT])
    seeds["data_over_127"] = smf(0, 96, [b"\x00\x90\x3c\xc0\x10\x3c\x00" + EOT])
    seeds["realtime_in_track"] = smf(0, 96, [b"\x00\xf8\x00\x90\x3c\x40\x00\xf2\x01\x02" + EOT])
    seeds["garbage_after"] = smf(0, 96, [body]) + b"\x01\x02\x03\xff"
    seeds["track_count_high"] = smf(1, 96, [body], ntracks=4)
    seeds["no_running_status"] = smf(0, 96, [b"\x00\x3c\x40" + EOT])
    seeds["vlq_too_long"] = smf(0, 96, [b"\x81\x81\x81\x81\x01\x90\x3c\x40" + EOT])
    seeds["big_delta"] = smf(0, 96, [b"\x00\x90\x3c\x40\xff\xff\xff\x7f\x80\x3c\x00" + EOT])
    seeds["sustain"] = smf(0, 96, [b"\x00\xb0\x40\x7f\x00\x90\x3c\x40\x10\x80\x3c\x00"
                                   b"\x10\x90\x3c\x40\x20\xb0\x40\x00" + EOT])
    for name, data in seeds.items():
        with open(os.path.join(out, name + ".mid"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
