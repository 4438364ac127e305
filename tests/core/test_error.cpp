#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include <symphonic/detail/file_io.hpp>
#include <symphonic/symphonic.hpp>

#include "support/skip.hpp"

TEST_SUITE("core") {

TEST_CASE("version: macros and value agree") {
  CHECK(symphonic::version.major == SYMPHONIC_VERSION_MAJOR);
  CHECK(symphonic::version.minor == SYMPHONIC_VERSION_MINOR);
  CHECK(symphonic::version.patch == SYMPHONIC_VERSION_PATCH);
  CHECK(std::string(symphonic::version_string) ==
        std::to_string(SYMPHONIC_VERSION_MAJOR) + "." + std::to_string(SYMPHONIC_VERSION_MINOR) +
            "." + std::to_string(SYMPHONIC_VERSION_PATCH));
}

TEST_CASE("errors: every kind derives from symphonic::Error and names its area") {
  using namespace symphonic;
  CHECK_THROWS_WITH_AS(throw midi::ParseError(419, 2, "expected a status byte, got 0x40"),
                       "[symphonic.midi.parse_error] byte 419 (0x1A3), track 2: "
                       "expected a status byte, got 0x40",
                       Error);
  CHECK_THROWS_WITH_AS(throw midi::ParseError(0, -1, "expected \"MThd\""),
                       "[symphonic.midi.parse_error] byte 0 (0x0): expected \"MThd\"",
                       midi::ParseError);
  CHECK_THROWS_WITH_AS(throw nn::ShapeError("lstm input rows", 8, 9),
                       "[symphonic.nn.shape_error] lstm input rows: expected 8, got 9",
                       std::runtime_error);
  CHECK_THROWS_WITH_AS(throw io::CheckpointError("checksum", "tensor bytes changed"),
                       "[symphonic.io.checkpoint_error] checksum: tensor bytes changed",
                       io::CheckpointError);
  CHECK_THROWS_AS(throw music::VocabularyError("id 400 out of range"), Error);
  CHECK_THROWS_AS(throw midi::WriteError("data byte 200"), Error);

  try {
    throw midi::ParseError(7, 1, "expected a delta time");
  } catch (const midi::ParseError& e) {
    CHECK(e.byte_offset() == 7);
    CHECK(e.track() == 1);
    CHECK(e.expected() == "expected a delta time");
  }
}

TEST_CASE("file io: atomic writes replace the target whole, and missing files are clear errors") {
  using namespace symphonic;
  const std::string path = "symphonic_test_atomic.bin";
  detail::write_file_atomic(path, std::string("first version"));
  detail::write_file_atomic(path, std::string("second"));
  const auto bytes = detail::read_file(path);
  CHECK(std::string(bytes.begin(), bytes.end()) == "second");
  std::remove(path.c_str());

  CHECK_THROWS_AS(detail::read_file("no/such/file.mid"), io::FileError);
  CHECK_THROWS_AS(detail::write_file_atomic("no/such/dir/out.mid", std::string("x")),
                  io::FileError);
}

}  // TEST_SUITE
