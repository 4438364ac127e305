// What symphonic reads and writes whole (detail/file_io.hpp) and the folder walk of data/corpus.hpp,
// met with what a file system can hold besides plain files: devices, fifos, folders, links, link
// loops, deep trees, files bigger than a limit, files with their own permissions.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <symphonic/data/corpus.hpp>
#include <symphonic/detail/file_io.hpp>
#include <symphonic/io/checkpoint.hpp>
#include <symphonic/midi/midi.hpp>

namespace sy = symphonic;

namespace {
// A fresh folder of its own for each test, removed at the end.
struct Scratch {
  std::string dir;
  Scratch() {
    char name[] = "symphonic_file_io_XXXXXX";
    const char* made = ::mkdtemp(name);
    REQUIRE(made != nullptr);
    dir = made;
  }
  ~Scratch() { static_cast<void>(std::system(("rm -rf " + dir).c_str())); }
  std::string operator/(const std::string& name) const { return dir + "/" + name; }
};

std::string text_of(const std::string& path) {
  const std::vector<std::uint8_t> bytes = sy::detail::read_file(path);
  return std::string(bytes.begin(), bytes.end());
}

void write_text(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
}

std::string error_of(void (*fn)(const std::string&), const std::string& path) {
  try {
    fn(path);
  } catch (const sy::io::FileError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_SUITE("core") {

TEST_CASE("read_file takes only regular files within the limit, and says what it refused") {
  const Scratch s;
  const auto read = [](const std::string& path) { static_cast<void>(sy::detail::read_file(path)); };
  CHECK(error_of(read, s.dir).find("is a directory, not a regular file") != std::string::npos);
  CHECK(error_of(read, "/dev/zero").find("is a character device") != std::string::npos);  // never read until memory runs out
  REQUIRE(::mkfifo((s / "fifo").c_str(), 0600) == 0);
  CHECK(error_of(read, s / "fifo").find("is a fifo") != std::string::npos);  // and no wait for a writer
  CHECK(error_of(read, s / "missing").find("cannot open for reading") != std::string::npos);

  write_text(s / "ten", "0123456789");
  CHECK(sy::detail::read_file(s / "ten", 10).size() == 10);
  CHECK_THROWS_WITH_AS(sy::detail::read_file(s / "ten", 9), doctest::Contains("is 10 bytes, more than the limit of 9"),
                       sy::io::FileError);
  write_text(s / "empty", "");
  CHECK(sy::detail::read_file(s / "empty").empty());

  // the readers built on it: a checkpoint and a MIDI file
  CHECK_THROWS_WITH_AS(sy::io::Checkpoint::read("/dev/zero"), doctest::Contains("character device"), sy::io::FileError);
  CHECK_THROWS_WITH_AS(sy::io::Checkpoint::read(s.dir), doctest::Contains("is a directory"), sy::io::FileError);
  sy::midi::ReadOptions small;
  small.max_file_bytes = 4;
  CHECK_THROWS_WITH_AS(sy::midi::read_file(s / "ten", small), doctest::Contains("more than the limit"),
                       sy::io::FileError);
}

TEST_CASE("atomic writes replace only regular files, follow links and keep permissions") {
  const Scratch s;
  const auto write = [](const std::string& path) { sy::detail::write_file_atomic(path, std::string("new")); };

  // a folder, a fifo, a device: refused, and left as they were
  REQUIRE(::mkdir((s / "folder").c_str(), 0755) == 0);
  CHECK(error_of(write, s / "folder").find("is a directory: symphonic replaces only regular files") != std::string::npos);
  REQUIRE(::mkfifo((s / "fifo").c_str(), 0600) == 0);
  CHECK(error_of(write, s / "fifo").find("is a fifo") != std::string::npos);
  struct stat info {};
  REQUIRE(::lstat((s / "fifo").c_str(), &info) == 0);
  CHECK(S_ISFIFO(info.st_mode));
  CHECK(error_of(write, "/dev/null").find("is a character device") != std::string::npos);
  REQUIRE(::lstat("/dev/null", &info) == 0);
  CHECK(S_ISCHR(info.st_mode));

  // a link is followed: the file it points to gets the new bytes, the link stays a link
  write_text(s / "real.mid", "old");
  REQUIRE(::symlink("real.mid", (s / "link.mid").c_str()) == 0);
  write(s / "link.mid");
  CHECK(text_of(s / "real.mid") == "new");
  REQUIRE(::lstat((s / "link.mid").c_str(), &info) == 0);
  CHECK(S_ISLNK(info.st_mode));
  // a link to nothing is refused, and nothing is created where it points
  REQUIRE(::symlink("nowhere.mid", (s / "dangling.mid").c_str()) == 0);
  CHECK(error_of(write, s / "dangling.mid").find("is a symbolic link to nothing") != std::string::npos);
  CHECK_FALSE(sy::detail::path_exists(s / "nowhere.mid"));

  // permissions of the replaced file are kept; a new file gets the usual ones
  write_text(s / "private.safetensors", "secret");
  REQUIRE(::chmod((s / "private.safetensors").c_str(), 0600) == 0);
  write(s / "private.safetensors");
  REQUIRE(::stat((s / "private.safetensors").c_str(), &info) == 0);
  CHECK((info.st_mode & 07777) == 0600);
  CHECK(text_of(s / "private.safetensors") == "new");

  // no temporary file is left behind by a refusal or a success
  const sy::data::FolderScan scan = sy::data::scan_midi_folder(s.dir);
  CHECK(scan.not_midi == 1);  // private.safetensors only
  CHECK(sy::detail::same_file(s / "link.mid", s / "real.mid"));
  CHECK_FALSE(sy::detail::same_file(s / "link.mid", s / "private.safetensors"));
  CHECK_FALSE(sy::detail::same_file(s / "missing", s / "missing"));
}

TEST_CASE("folder walk: link loops end, each file is listed once, and what is passed over is counted") {
  const Scratch s;
  REQUIRE(std::system(("mkdir -p " + s / "a/b").c_str()) == 0);
  write_text(s / "a/one.mid", "x");
  write_text(s / "a/b/two.MIDI", "x");
  write_text(s / "a/notes.txt", "x");
  REQUIRE(::symlink("..", (s / "a/b/up").c_str()) == 0);            // a loop: a/b/up is a again
  REQUIRE(::symlink("one.mid", (s / "a/again.mid").c_str()) == 0);  // a second name for one file
  const sy::data::FolderScan scan = sy::data::scan_midi_folder(s.dir);
  CHECK(scan.files == std::vector<std::string>{s / "a/b/two.MIDI", s / "a/one.mid"});
  REQUIRE(scan.skipped.size() == 2);
  CHECK(scan.skipped[0] == s / "a/again.mid" + ": the same file as " + s / "a/one.mid");
  CHECK(scan.skipped[1] == s / "a/b/up" + ": folder already walked as " + s / "a");
  CHECK(scan.not_midi == 1);
  CHECK(scan.summary() ==
        "2 MIDI files; passed over: 1 folders already walked (link loops or second links), 1 files already listed "
        "(second links), 1 files not MIDI");
  CHECK(sy::data::list_midi_files(s.dir + "/") == scan.files);

  // deeper than the limit: passed over with the reason, not dropped without a word
  std::string deep = s / "d";
  for (int level = 0; level < 5; ++level) deep += "/x";
  REQUIRE(std::system(("mkdir -p " + deep).c_str()) == 0);
  write_text(deep + "/deep.mid", "x");
  const sy::data::FolderScan shallow = sy::data::scan_midi_folder(s / "d", 3);
  CHECK(shallow.files.empty());
  REQUIRE(shallow.skipped.size() == 1);
  CHECK(shallow.skipped[0].find(": deeper than 3 folders") != std::string::npos);
  CHECK(sy::data::scan_midi_folder(s / "d").files == std::vector<std::string>{deep + "/deep.mid"});
  CHECK_THROWS_AS(sy::data::scan_midi_folder(s / "missing"), sy::io::FileError);
}

TEST_CASE("folder walk: a large folder gives the same result on any number of threads, unreadable entries in walk order") {
  // 300 MIDI files (several runs of stats), names of every case, a link to nothing and a second
  // name in between, a folder after them: on 1, 2 and 3 threads the same files, stamps,
  // messages (in walk order) and counts.
  const Scratch s;
  REQUIRE(std::system(("mkdir -p " + s / "big/sub").c_str()) == 0);
  for (int i = 0; i < 300; ++i) {
    const std::string number = std::to_string(1000 + i);
    write_text(s / "big/" + number + (i % 3 == 0 ? ".MID" : i % 3 == 1 ? ".mid" : ".Midi"), number);
  }
  write_text(s / "big/readme.txt", "x");
  write_text(s / "big/sub/inner.mid", "x");
  REQUIRE(::symlink("nowhere.mid", (s / "big/1100.dangling.mid").c_str()) == 0);
  REQUIRE(::symlink("1001.mid", (s / "big/1150.again.mid").c_str()) == 0);
  const sy::data::FolderScan one = sy::data::scan_midi_folder(s.dir, 256, 1);
  REQUIRE(one.files.size() == 301);
  CHECK(one.files.front() == s / "big/1000.MID");
  CHECK(one.files.back() == s / "big/sub/inner.mid");
  CHECK(one.stamps[1].size == 4);
  CHECK(one.not_midi == 1);
  REQUIRE(one.skipped.size() == 2);
  CHECK(one.skipped[0] == s / "big/1100.dangling.mid" + ": cannot read: No such file or directory");
  CHECK(one.skipped[1] == s / "big/1150.again.mid" + ": the same file as " + s / "big/1001.mid");
  for (const int threads : {2, 3}) {
    CAPTURE(threads);
    const sy::data::FolderScan many = sy::data::scan_midi_folder(s.dir, 256, threads);
    CHECK(many.files == one.files);
    CHECK(many.stamps == one.stamps);
    CHECK(many.skipped == one.skipped);
    CHECK(many.not_midi == one.not_midi);
  }
}

TEST_CASE("folder walk: names in byte order past their first 8 bytes, so the first of two hard links is the one listed") {
  // Each pair is one file under two names, the one that sorts first by bytes (as std::string
  // compares) written last; the walk must keep that one and pass over the other, whichever
  // comes first from readdir. The pairs differ only after 8 bytes, are shorter than 8 bytes, or
  // differ in a byte above 0x7F. Twenty folders of them: the stats are taken by threads while
  // the walk goes on, and every thread count gives the same result.
  const Scratch s;
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"abcdefgh-1.mid", "abcdefgh-2.mid"}, {"abcdefgh-.mid", "abcdefgh.mid"},  // '-' 0x2D before '.' 0x2E
      {"a.mid", "ab.mid"},                   {"Z.mid", "a2.mid"},
      {"z.mid", "\xc3\xa9.mid"},             {"same-prefix-long-name-a.MID", "same-prefix-long-name-b.mid"}};
  std::vector<std::string> listed, passed_over;
  for (int folder = 0; folder < 20; ++folder) {
    const std::string dir = s / ("f" + std::to_string(10 + folder));
    REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
    for (const auto& pair : pairs) {
      write_text(dir + "/" + pair.second, "x");
      REQUIRE(::link((dir + "/" + pair.second).c_str(), (dir + "/" + pair.first).c_str()) == 0);
      listed.push_back(dir + "/" + pair.first);
      passed_over.push_back(dir + "/" + pair.second + ": the same file as " + dir + "/" + pair.first);
    }
    for (int i = 0; i < 150; ++i) write_text(dir + "/" + std::to_string(i) + ".mid", "x");  // several runs of stats
  }
  for (const int threads : {1, 2, 3}) {
    CAPTURE(threads);
    const sy::data::FolderScan scan = sy::data::scan_midi_folder(s.dir, 256, threads);
    CHECK(scan.files.size() == 20 * (150 + pairs.size()));
    for (const std::string& path : listed) CHECK(std::binary_search(scan.files.begin(), scan.files.end(), path));
    std::vector<std::string> skipped = scan.skipped;
    std::sort(skipped.begin(), skipped.end());
    std::vector<std::string> expected = passed_over;
    std::sort(expected.begin(), expected.end());
    CHECK(skipped == expected);
    CHECK(std::is_sorted(scan.files.begin(), scan.files.end()));
  }
}

TEST_CASE("file lock: a second holder is refused with the first one's pid, and the lock ends with its holder") {
  const Scratch s;
  const std::string checkpoint = s / "model.safetensors";
  {
    const sy::detail::FileLock first(checkpoint);
    const std::string expected = "is being written by another process (pid " + std::to_string(::getpid()) + ")";
    CHECK_THROWS_WITH_AS(sy::detail::FileLock{checkpoint}, doctest::Contains(expected.c_str()), sy::io::FileError);
  }
  const sy::detail::FileLock again(checkpoint);  // released with the first: taken again at once
  CHECK(sy::detail::path_exists(checkpoint + ".lock"));
}

}  // TEST_SUITE
