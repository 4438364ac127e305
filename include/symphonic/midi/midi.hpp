// symphonic/midi/midi.hpp - the midi module: Standard MIDI File model, reader, writer, notes.
//
//   midi/event.hpp   midi::Event (16 bytes), status and meta constants
//   midi/file.hpp    midi::File, midi::Division, midi::Track, midi::ticks_per_quarter
//   midi/read.hpp    midi::read, midi::read_file, ReadOptions, Warning (tolerant or strict)
//   midi/write.hpp   midi::write, midi::write_file (atomic), WriteOptions
//   midi/note.hpp    midi::Note, midi::NoteList
//   midi/tempo_map.hpp      midi::TempoMap (tick -> seconds)
//   midi/notes.hpp          midi::extract_notes, NoteOptions, Pairing
//   midi/notes_to_file.hpp  midi::notes_to_file, NotesToFileOptions
//   midi/score.hpp          midi::read_score: bytes straight to each track's notes in ticks
#pragma once

#include "symphonic/midi/event.hpp"
#include "symphonic/midi/file.hpp"
#include "symphonic/midi/note.hpp"
#include "symphonic/midi/notes.hpp"
#include "symphonic/midi/notes_to_file.hpp"
#include "symphonic/midi/read.hpp"
#include "symphonic/midi/score.hpp"
#include "symphonic/midi/tempo_map.hpp"
#include "symphonic/midi/write.hpp"
