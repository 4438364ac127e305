#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>
#include <vector>

#include <symphonic/generate/piano_roll.hpp>

#include "support/skip.hpp"

using symphonic::generate::piano_roll_svg;
using symphonic::generate::PianoRollOptions;
using symphonic::midi::Note;
using symphonic::midi::NoteList;

namespace {

Note note(int pitch, int velocity, double start, double end) {
  Note n;
  n.pitch = pitch;
  n.velocity = velocity;
  n.start_s = start;
  n.end_s = end;
  n.start_tick = static_cast<std::int64_t>(start * 960);
  n.end_tick = static_cast<std::int64_t>(end * 960);
  return n;
}

struct RectInfo {
  double x, y, width;
  std::string fill;
  int pitch;
};

std::vector<RectInfo> note_rects(const std::string& svg) {
  static const std::regex rect(
      "<rect class=\"note\" x=\"([0-9.]+)\" y=\"([0-9.]+)\" width=\"([0-9.]+)\" height=\"[0-9.]+\" "
      "fill=\"(#[0-9a-f]{6})\" data-pitch=\"([0-9]+)\"");
  std::vector<RectInfo> out;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), rect); it != std::sregex_iterator();
       ++it) {
    const auto& m = *it;
    out.push_back({std::stod(m[1]), std::stod(m[2]), std::stod(m[3]), m[4], std::stoi(m[5])});
  }
  return out;
}

// Counts opening and closing tags and checks they nest; a small stand-in for an XML parser that
// is always available (the Python check below is the independent one).
bool tags_balanced(const std::string& svg) {
  std::vector<std::string> stack;
  static const std::regex tag("<(/?)([a-zA-Z?][a-zA-Z0-9]*)[^>]*?(/?)>");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), tag); it != std::sregex_iterator();
       ++it) {
    const auto& m = *it;
    const std::string name = m[2];
    if (name[0] == '?' || m[3] == "/") continue;
    if (m[1] == "/") {
      if (stack.empty() || stack.back() != name) return false;
      stack.pop_back();
    } else {
      stack.push_back(name);
    }
  }
  return stack.empty();
}

}  // namespace

TEST_SUITE("generate") {

TEST_CASE("piano roll: one rect per note, pitch up, time right, velocity as shade") {
  NoteList list;
  list.notes = {note(60, 30, 0.0, 1.0), note(64, 120, 1.0, 1.5), note(67, 80, 2.0, 4.0),
                note(72, 127, 2.0, 2.25)};
  PianoRollOptions options;
  options.title = "test <&> \"roll\"";
  const std::string svg = piano_roll_svg(list, options);
  CHECK(svg.rfind("<?xml", 0) == 0);
  CHECK(tags_balanced(svg));
  CHECK(svg.find("test &lt;&amp;&gt; &quot;roll&quot;") != std::string::npos);
  const auto rects = note_rects(svg);
  REQUIRE(rects.size() == 4);
  CHECK(rects[1].y < rects[0].y);                                    // higher pitch is higher up
  CHECK(rects[2].x > rects[1].x);                                    // later is further right
  CHECK(rects[2].width == doctest::Approx(4 * rects[1].width).epsilon(0.01));  // 2 s vs 0.5 s
  CHECK(rects[2].x == doctest::Approx(rects[3].x));                  // simultaneous
  CHECK(rects[1].fill < rects[0].fill);  // louder is darker (smaller hex in every channel)
  CHECK(rects[3].fill == "#1437a0");     // velocity 127: the darkest shade, rgb(20, 55, 160)
}

TEST_CASE("piano roll: ticks at 120 bpm when the notes carry no seconds") {
  NoteList list;
  list.ticks_per_quarter = 100;
  Note a;
  a.pitch = 50;
  a.start_tick = 0;
  a.end_tick = 100;  // one quarter = 0.5 s
  Note b = a;
  b.start_tick = 200;
  b.end_tick = 400;
  list.notes = {a, b};
  const auto rects = note_rects(piano_roll_svg(list));
  REQUIRE(rects.size() == 2);
  CHECK(rects[0].width == doctest::Approx(20.0));  // 0.5 s at 40 px/s
  CHECK(rects[1].x - rects[0].x == doctest::Approx(40.0));
}

TEST_CASE("piano roll: empty lists and long pieces still give a bounded, valid picture") {
  const std::string empty = piano_roll_svg(NoteList{});
  CHECK(tags_balanced(empty));
  CHECK(note_rects(empty).empty());
  NoteList longer;
  for (int i = 0; i < 2000; ++i) longer.notes.push_back(note(40 + i % 50, 64, i * 0.5, i * 0.5 + 0.4));
  const std::string svg = piano_roll_svg(longer);
  const auto rects = note_rects(svg);
  CHECK(rects.size() == 2000);
  for (const auto& r : rects) CHECK(r.x + r.width <= 44 + 6000 + 1);
}

TEST_CASE("piano roll: an XML parser accepts the file written to disk") {
  NoteList list;
  for (int i = 0; i < 30; ++i) list.notes.push_back(note(48 + (i * 7) % 36, 1 + i * 4, i * 0.25, i * 0.25 + 0.3));
  const std::string path = "test_piano_roll_output.svg";
  symphonic::generate::write_piano_roll(path, list, {});
  if (std::system("/usr/bin/python3 -c 'import xml.etree.ElementTree' >/dev/null 2>&1") != 0) {
    std::remove(path.c_str());
    SYMPHONIC_SKIP_TEST("/usr/bin/python3 with xml.etree is not available");
  }
  const std::string command =
      "/usr/bin/python3 -c \"import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); "
      "n = sum(1 for e in r.iter('{http://www.w3.org/2000/svg}rect') if e.get('class') == 'note'); "
      "sys.exit(0 if n == 30 else 1)\" " + path;
  CHECK(std::system(command.c_str()) == 0);
  std::remove(path.c_str());
}

}  // TEST_SUITE
