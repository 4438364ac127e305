// The one key=value reader (detail/key_value.hpp) and its number formatter: both layouts, every
// kind of value, and malformed text, each refused with a message that names the key.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <symphonic/detail/key_value.hpp>
#include <symphonic/error.hpp>

namespace sy = symphonic;
using sy::detail::KeyValues;

namespace {
class TestError : public sy::Error {
 public:
  explicit TestError(const std::string& message) : sy::Error("test", message) {}
};
void fail(const std::string& message) { throw TestError(message); }

KeyValues words(const std::string& text) { return KeyValues(text, KeyValues::Layout::words, "options", fail); }
KeyValues lines(const std::string& text) { return KeyValues(text, KeyValues::Layout::lines, "state", fail); }
}  // namespace

TEST_CASE("key_value: format_number writes the shortest text that reads back exactly") {
  for (double x : {0.1, 0.3, 1e-8, 1.0 / 3.0, 2.5e300, -7.0, 0.0, 5e-324, std::nextafter(1.0, 0.0)}) {
    const std::string text = sy::detail::format_number(x);
    CHECK(std::strtod(text.c_str(), nullptr) == x);
  }
  CHECK(sy::detail::format_number(0.3) == "0.3");
  CHECK(sy::detail::format_number(1e-3) == "0.001");
  CHECK(sy::detail::format_number(1.0 / 3.0) == "0.3333333333333333");
  CHECK(sy::detail::format_number(HUGE_VAL) == "inf");
  CHECK(sy::detail::format_number(-HUGE_VAL) == "-inf");
}

TEST_CASE("key_value: the number readers take a whole text or nothing") {
  std::int64_t i = 42;
  CHECK(sy::detail::parse_integer("-17", i));
  CHECK(i == -17);
  CHECK(sy::detail::parse_integer("9223372036854775807", i));
  CHECK(i == std::numeric_limits<std::int64_t>::max());
  i = 42;
  for (const char* bad : {"", " 1", "1 ", "1.5", "0x10", "+", "-", "9223372036854775808", "12a"})
    CHECK_MESSAGE(!sy::detail::parse_integer(bad, i), bad);
  CHECK(i == 42);
  std::uint64_t u = 0;
  CHECK(sy::detail::parse_unsigned("18446744073709551615", u));
  CHECK(u == std::numeric_limits<std::uint64_t>::max());
  for (const char* bad : {"-1", "18446744073709551616", "", "+1"}) CHECK_MESSAGE(!sy::detail::parse_unsigned(bad, u), bad);
  double d = 0;
  CHECK(sy::detail::parse_number("1e-3", d));
  CHECK(d == 1e-3);
  CHECK(sy::detail::parse_number("-inf", d));
  CHECK(d == -HUGE_VAL);
  for (const char* bad : {"", "nan", " 1", "1,5", "1e", "--1"}) CHECK_MESSAGE(!sy::detail::parse_number(bad, d), bad);
}

TEST_CASE("key_value: words, with a name first, every kind of value") {
  KeyValues kv = words("  adam lr=0.001\tbeta1=0.9\nsteps=12 on=true off=0 mode=fast sizes=1,2,3 empty= ");
  CHECK(kv.name() == "adam");
  CHECK(kv.has("lr"));
  CHECK(kv.number("lr", 0, 1) == 0.001);
  CHECK(kv.number("beta1", 0.5, 0, 1) == 0.9);
  CHECK(kv.number("beta2", 0.999, 0, 1) == 0.999);  // absent: the fallback
  CHECK(kv.integer("steps", 0, 100) == 12);
  CHECK(kv.flag("on"));
  CHECK(!kv.flag("off", true));
  CHECK(kv.choice("mode", {"slow", "fast"}) == "fast");
  CHECK(kv.integers("sizes", 0, 10) == std::vector<std::int64_t>{1, 2, 3});
  CHECK(kv.text("empty").empty());
  CHECK(!kv.has("lr"));  // taken
  kv.finish();
  CHECK(words("").name().empty());
  CHECK(words("a=1").name().empty());
  CHECK(words("x").empty());
  CHECK(words("sizes=").integers("sizes", 0, 1).empty());
}

TEST_CASE("key_value: lines split at the first '=', values keep their spaces") {
  KeyValues kv = lines("epoch=3\r\n\n  schedule_state=lr=0.1 bad_epochs=0  \nbest=inf\n");
  CHECK(kv.name().empty());
  CHECK(kv.integer("epoch", 0, 10) == 3);
  CHECK(kv.text("schedule_state") == "lr=0.1 bad_epochs=0");
  CHECK(kv.number_or_infinity("best") == HUGE_VAL);
  kv.finish();
}

TEST_CASE("key_value: malformed text and values are refused with the key named") {
  CHECK_THROWS_WITH_AS(words("adam lr"), "[symphonic.test] options: expected key=value, got \"lr\"", TestError);
  CHECK_THROWS_WITH_AS(words("adam =1"), "[symphonic.test] options: expected key=value, got \"=1\"", TestError);
  CHECK_THROWS_WITH_AS(words("lr=1 lr=2"), "[symphonic.test] options key 'lr' given twice", TestError);
  CHECK_THROWS_WITH_AS(lines("epoch=1\nepoch"), "[symphonic.test] state: expected key=value, got \"epoch\"", TestError);
  CHECK_THROWS_WITH_AS(lines("a=1\na=1"), "[symphonic.test] state key 'a' given twice", TestError);
  CHECK_THROWS_WITH_AS(lines("a=1").text("b"), "[symphonic.test] state key 'b' missing", TestError);
  CHECK_THROWS_WITH_AS(words("n=1x").integer("n"), "[symphonic.test] options key 'n': not an integer: '1x'", TestError);
  CHECK_THROWS_WITH_AS(words("n=11").integer("n", 0, 10),
                       "[symphonic.test] options key 'n': expected an integer in 0..10, got '11'", TestError);
  CHECK_THROWS_WITH_AS(words("x=nan").number("x"), "[symphonic.test] options key 'x': not a finite number: 'nan'",
                       TestError);
  CHECK_THROWS_WITH_AS(words("x=inf").number("x"), "[symphonic.test] options key 'x': not a finite number: 'inf'",
                       TestError);
  CHECK_THROWS_WITH_AS(words("x=nan").number_or_infinity("x"),
                       "[symphonic.test] options key 'x': not a number: 'nan'", TestError);
  CHECK_THROWS_WITH_AS(words("x=2").number("x", 0, 1), "[symphonic.test] options key 'x': 2 is outside [0, 1]",
                       TestError);
  CHECK_THROWS_WITH_AS(words("f=yes").flag("f"), "[symphonic.test] options key 'f': expected 0 or 1, got 'yes'",
                       TestError);
  CHECK_THROWS_WITH_AS(words("m=x").choice("m", {"a", "b"}), "[symphonic.test] options key 'm': expected a|b, got 'x'",
                       TestError);
  CHECK_THROWS_WITH_AS(words("s=1,,2").integers("s", 0, 9), "[symphonic.test] options key 's': not an integer: ''",
                       TestError);
  CHECK_THROWS_WITH_AS(words("adam momentun=0.9").finish(), "[symphonic.test] options key 'momentun' unknown",
                       TestError);
  CHECK_THROWS_WITH_AS(words("b=1 a=2").finish(), "[symphonic.test] options keys 'a', 'b' unknown", TestError);
  // a value that failed is taken all the same: the message is about it, not about it being unknown
  KeyValues kv = words("n=x");
  CHECK_THROWS_AS(kv.integer("n"), TestError);
  kv.finish();
}
