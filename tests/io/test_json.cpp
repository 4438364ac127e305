#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>

#include <symphonic/io/detail/json.hpp>

namespace {

using symphonic::io::detail::Json;
using symphonic::io::detail::JsonError;
using symphonic::io::detail::json_quote;
using symphonic::io::detail::parse_json;

std::size_t error_offset(const std::string& text, int depth = 64) {
  try {
    parse_json(text, depth);
  } catch (const JsonError& e) {
    return e.offset();
  }
  FAIL("no JsonError for " << text);
  return 0;
}

}  // namespace

TEST_SUITE("io") {

TEST_CASE("json: objects, arrays, strings, numbers and literals") {
  const Json v = parse_json(R"( {"a": [1, -2.5e3, 0], "b": {"c": "x\"\\\/\b\f\n\r\t\u00e9\ud83c\udfb5"}, "t": true, "f": false, "n": null} )");
  REQUIRE(v.is_object());
  REQUIRE(v.members.size() == 5);
  const Json* a = v.find("a");
  REQUIRE(a);
  REQUIRE(a->items.size() == 3);
  CHECK(a->items[1].text == "-2.5e3");
  std::uint64_t value = 7;
  CHECK(a->items[2].to_uint64(value));
  CHECK(value == 0);
  CHECK_FALSE(a->items[1].to_uint64(value));
  CHECK(v.find("b")->find("c")->text == "x\"\\/\b\f\n\r\t\xC3\xA9\xF0\x9F\x8E\xB5");
  CHECK(v.find("t")->boolean);
  CHECK(v.find("f")->type == Json::Type::boolean);
  CHECK(v.find("n")->type == Json::Type::null);
  CHECK(v.find("missing") == nullptr);
}

TEST_CASE("json: integers are exact up to 2^64 - 1 and refused beyond") {
  std::uint64_t value = 0;
  CHECK(parse_json("18446744073709551615").to_uint64(value));
  CHECK(value == UINT64_MAX);
  CHECK_FALSE(parse_json("18446744073709551616").to_uint64(value));
  CHECK_FALSE(parse_json("-1").to_uint64(value));
  CHECK_FALSE(parse_json("1e3").to_uint64(value));
}

TEST_CASE("json: malformed input names the 0-based byte where it goes wrong") {
  CHECK(error_offset("") == 0);
  CHECK(error_offset("{\"a\":1} x") == 8);
  CHECK(error_offset("{\"a\" 1}") == 5);
  CHECK(error_offset("{\"a\":1,}") == 7);
  CHECK(error_offset("[1 2]") == 3);
  CHECK(error_offset("\"abc") == 4);
  CHECK(error_offset("01") == 1);
  CHECK(error_offset("1.") == 2);
  CHECK(error_offset("-") == 1);
  CHECK(error_offset("tru") == 0);
  CHECK(error_offset("\"\\x\"") == 2);
  CHECK(error_offset("\"a\x01\"") == 2);
  CHECK(error_offset("{\"k\":1,\"k\":2}") == 7);        // duplicate member
  CHECK(error_offset("\"\\udc00\"") == 7);                // lone low surrogate
  CHECK(error_offset("\"\\ud800x\"") == 7);               // high surrogate alone
  CHECK(error_offset("\"\xC0\x80\"") == 1);               // overlong NUL
  CHECK(error_offset("\"\xED\xA0\x80\"") == 1);           // encoded surrogate
  CHECK(error_offset("\"\xF4\x90\x80\x80\"") == 1);       // beyond U+10FFFF
  CHECK(error_offset("\"\xE2\x82\"") == 1);               // cut sequence
  CHECK(error_offset("[[[[1]]]]", 3) == 3);               // nesting limit
  CHECK_THROWS_WITH_AS(parse_json("{\"a\" 1}"), "[symphonic.io.json_error] byte 5: expected ':', got '1'",
                       JsonError);
  CHECK_THROWS_AS(parse_json(std::string(100000, '[')), JsonError);  // no stack exhaustion
}

TEST_CASE("json: every prefix and random corruption of a document is rejected or parsed, never overrun") {
  const std::string doc =
      R"({"__metadata__":{"k":"v\u00e9"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})";
  for (std::size_t n = 0; n < doc.size(); ++n) {
    // Parse from an exact-size heap copy so AddressSanitizer sees any read past the end.
    std::string prefix = doc.substr(0, n);
    CHECK_THROWS_AS(parse_json(prefix.data(), prefix.size()), JsonError);
  }
  std::mt19937 rng(5);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string mutated = doc;
    mutated[rng() % mutated.size()] = static_cast<char>(rng() & 0xFF);
    try {
      parse_json(mutated);
    } catch (const JsonError&) {
    }
  }
}

TEST_CASE("json: quoted strings read back to the same bytes") {
  const std::string text = std::string("tab\there \"quoted\" back\\slash \x01\x1f nl\n ") + "\xE2\x99\xAA";
  const Json v = parse_json(json_quote(text));
  CHECK(v.text == text);
  CHECK(json_quote("a\x01") == "\"a\\u0001\"");
}

TEST_CASE("json: bytes that are not UTF-8 are quoted as U+FFFD, so the output always parses") {
  const std::string replacement = "\xEF\xBF\xBD";
  // a Latin-1 file name, a stray continuation byte, a truncated sequence, an overlong one, a surrogate
  for (const std::string& bad : {std::string("caf\xE9.mid"), std::string("a\x80" "b"), std::string("end\xE2\x99"),
                                 std::string("\xC0\xAF"), std::string("\xED\xA0\x80")}) {
    CAPTURE(bad);
    const Json v = parse_json(json_quote(bad));
    CHECK(v.text.find(replacement) != std::string::npos);
  }
  CHECK(parse_json(json_quote("caf\xE9.mid")).text == "caf" + replacement + ".mid");
  CHECK(parse_json(json_quote("\xC3\xA9\xF0\x9F\x8E\xB5")).text == "\xC3\xA9\xF0\x9F\x8E\xB5");  // valid: kept
}

}  // TEST_SUITE
