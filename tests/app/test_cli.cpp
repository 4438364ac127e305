// The command-line programs as a user meets them: --help, exit statuses, and a small end-to-end
// run (render tunes, train, interrupt with SIGINT, resume, generate, evaluate). The programs are
// found beside this test's build folder (build/<preset>/examples); the test skips without them.
#include <doctest/doctest.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <symphonic/io/detail/json.hpp>
#include <symphonic/midi/midi.hpp>

#include "support/programs.hpp"
#include "support/skip.hpp"

namespace {

using symphonic_test::examples_dir;
using symphonic_test::exists;
using symphonic_test::read_text;
using symphonic_test::Run;
using symphonic_test::run;

int lines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

}  // namespace

TEST_SUITE("app") {

TEST_CASE("cli: --help, bad arguments exit 2 with one line, unreadable files exit 1") {
  const std::string bin = examples_dir();
  if (!exists(bin + "/symphonic-train") || !exists(bin + "/symphonic-generate") || !exists(bin + "/symphonic-eval"))
    SYMPHONIC_SKIP_TEST("the symphonic-* programs are not built beside the tests");
  for (const char* program : {"symphonic-train", "symphonic-generate", "symphonic-eval", "symphonic-tunes"}) {
    CAPTURE(program);
    const Run help = run(bin + "/" + program + " --help", "help");
    CHECK(help.status == 0);
    CHECK(help.out.find("usage: ") == 0);
    const Run bad = run(bin + "/" + program + " --no-such-flag", "bad");
    CHECK(bad.status == 2);
    CHECK(lines(bad.err) == 1);
    CHECK(bad.err.find("unknown option --no-such-flag") != std::string::npos);
  }
  std::vector<std::pair<std::string, std::string>> usage = {
      {"symphonic-train --corpus x", "--checkpoint is required"},
      {"symphonic-train --corpus x --checkpoint y --epochs zero", "--epochs needs a whole number"},
      {"symphonic-train --corpus x --checkpoint y --optimizer adagrad", "--optimizer must be one of"},
      {"symphonic-train --corpus x --checkpoint y --encoder-options 'chord colour=1'", "bad encoder options"},
      {"symphonic-train --corpus x --checkpoint y --device tpu", "--device must be one of cpu|cuda"},
      // no CUDA backend in this build, or no GPU on this machine: refused before the corpus is read
      {"symphonic-train --corpus x --checkpoint y --device cuda", "--device cuda: this "},
      {"symphonic-generate --checkpoint c --out o.mid --device cuda", "--device cuda: this "},
      {"symphonic-generate --checkpoint c --out o.mid --temperature -1", "--temperature needs a number"},
      {"symphonic-generate --checkpoint c --out o.mid --top-p 2", "--top-p needs a number"},
      {"symphonic-generate --checkpoint c --out o.mid --primer random", "--primer random needs --corpus"},
      {"symphonic-generate --checkpoint c", "--out is required"},
      {"symphonic-generate --checkpoint c --out o.mid --length", "--length needs a value"},
      {"symphonic-eval --corpus x", "give --checkpoint PATH --corpus DIR, or --stats"},
      {"symphonic-eval --stats x --split some", "--split must be one of"},
      {"symphonic-inspect --json --notes x.mid", "--json and --notes are two output formats: choose one"},
      {"symphonic-generate --checkpoint c --out o.mid --argmax --temperature 0.5", "--argmax and --temperature"},
      {"symphonic-generate --checkpoint c --out o.mid --primer none --primer-tokens t", "--primer and --primer-tokens"},
      {"symphonic-generate --checkpoint c --out o.mid --count 2 --best-of 3", "--count writes every piece and --best-of"},
      {"symphonic-generate --checkpoint c --out o.mid --beam 4 --top-p 0.9", "--beam searches, it does not sample: it cannot take --top-p"},
      {"symphonic-generate --checkpoint c --out o.mid --beam 4 --argmax", "(--beam 1 is argmax)"},
      {"symphonic-generate --checkpoint c --out o.mid --beam 0", "--beam needs a whole number"},
      {"symphonic-generate --checkpoint c --out o.mid --key H", "--key needs a key such as C, G, F#m or Bb"},
      {"symphonic-generate --checkpoint c --out o.mid --frequency-penalty -1", "--frequency-penalty needs a number"},
      {"symphonic-generate --checkpoint c --out o.mid --beam 2 --frequency-penalty 0.1", "it cannot take --frequency-penalty"},
      {"symphonic-generate --checkpoint c --out o.mid --density 17", "--density needs a whole number"},
      {"symphonic-train --corpus x --checkpoint y --recipe --condition key", "recipe=1 writes the recipe's tokens only"},
      {"symphonic-train --corpus x --checkpoint y --recipe --preset default", "--recipe and --preset default"},
      {"symphonic-train --corpus x --checkpoint y --sync-batch-norm", "go with --distributed"},
  };
#ifndef SYMPHONIC_TEST_PROGRAMS_HAVE_MPI
  usage.push_back({"symphonic-train --corpus x --checkpoint y --distributed", "built without MPI"});
#endif
  for (const auto& entry : usage) {
    const std::string& command = entry.first;
    CAPTURE(command);
    const Run r = run(bin + "/" + command, "usage");
    CHECK(r.status == 2);
    CHECK(lines(r.err) == 1);
    CHECK(r.err.find(entry.second) != std::string::npos);
  }
  const std::vector<std::pair<std::string, std::string>> missing = {
      {"symphonic-train --corpus /nonexistent/dir --checkpoint x.safetensors", "/nonexistent/dir"},
      {"symphonic-generate --checkpoint /nonexistent/model.safetensors --out o.mid", "/nonexistent/model.safetensors"},
      {"symphonic-eval --stats /nonexistent/song.mid", "/nonexistent/song.mid"},
      {"symphonic-tunes --out . /nonexistent/a.tune", "/nonexistent/a.tune"},
  };
  for (const auto& entry : missing) {
    const std::string& command = entry.first;
    CAPTURE(command);
    const Run r = run(bin + "/" + command, "missing");
    CHECK(r.status == 1);
    CHECK(r.err.find(entry.second) != std::string::npos);
  }
  // --json stays valid JSON for a file name that is not UTF-8 (here Latin-1), its bytes shown as U+FFFD
  {
    const std::string name = "cli_caf\xE9.mid";
    REQUIRE(std::system(("cp " + std::string(SYMPHONIC_TEST_SOURCE_DIR) + "/tests/data/midi/regressions/format0-without-tracks.mid '" +
                         name + "'").c_str()) == 0);
    const Run r = run(bin + "/symphonic-inspect --json '" + name + "'", "latin1");
    const symphonic::io::detail::Json line = symphonic::io::detail::parse_json(r.out);
    CHECK(line.find("file")->text == "cli_caf\xEF\xBF\xBD.mid");
    std::remove(name.c_str());
  }
  // a file that is not a checkpoint
  {
    std::ofstream("cli_not_a_checkpoint.safetensors") << "hello";
    const Run r = run(bin + "/symphonic-generate --checkpoint cli_not_a_checkpoint.safetensors --out o.mid", "garbage");
    CHECK(r.status == 1);
    CHECK(r.err.find("checkpoint_error") != std::string::npos);
    std::remove("cli_not_a_checkpoint.safetensors");
  }
}

TEST_CASE("cli: render, train, SIGINT, resume, generate and evaluate end to end") {
  const std::string bin = examples_dir();
  if (!exists(bin + "/symphonic-train") || !exists(bin + "/symphonic-tunes"))
    SYMPHONIC_SKIP_TEST("the symphonic-* programs are not built beside the tests");
  const std::string dir = "cli_e2e_" + std::to_string(::getpid());
  REQUIRE(std::system(("rm -rf " + dir + " && mkdir -p " + dir + "/corpus").c_str()) == 0);
  const Run tunes = run(bin + "/symphonic-tunes --out " + dir + "/corpus " + SYMPHONIC_TEST_SOURCE_DIR + "/data/demo", "tunes");
  REQUIRE(tunes.status == 0);
  const std::string small = " --embedding 8 --hidden 24 --layers 1 --seq-len 16 --batch 8 --quiet --seed 3";
  const std::string train = bin + "/symphonic-train --corpus " + dir + "/corpus --checkpoint " + dir + "/m.safetensors" + small;

  // interrupt a long run once it is training
  const std::string log = dir + "/train.log";
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // no early stopping: on a fast machine the tiny model would otherwise finish before the signal
    const std::string command = "exec " + train + " --epochs 100000 --patience 0 >" + log + " 2>&1";
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  bool training = false;
  for (int i = 0; i < 600 && !training; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    training = read_text(log).find("batches per epoch") != std::string::npos;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ::kill(child, SIGINT);
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(training);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK(read_text(log).find("interrupted: wrote") != std::string::npos);
  REQUIRE(exists(dir + "/m.last.safetensors"));

  // resume and stop after a few more steps
  const Run resumed = run(train + " --resume --epochs 100000 --patience 0 --max-minutes 0.05", "resume");
  CHECK(resumed.status == 0);
  CHECK(resumed.out.find("resumed from") != std::string::npos);
  CHECK(resumed.out.find("stopped: time limit") != std::string::npos);
  REQUIRE(exists(dir + "/m.safetensors"));

  // --resume continues the run as it was: a flag may repeat its settings, not change them
  const Run wider = run(train + " --resume --hidden 32", "wider");
  CHECK(wider.status == 2);
  CHECK(wider.err.find("--hidden 32 contradicts the model being resumed (24)") != std::string::npos);
  const Run smaller = run(train + " --resume --batch 4", "smaller");
  CHECK(smaller.status == 2);
  CHECK(smaller.err.find("--batch 4 contradicts the run being resumed (8)") != std::string::npos);
  REQUIRE(std::system(("mkdir -p " + dir + "/fewer && cp " + dir + "/corpus/[a-m]*.mid " + dir + "/fewer/").c_str()) == 0);
  const Run elsewhere = run(bin + "/symphonic-train --corpus " + dir + "/fewer --checkpoint " + dir + "/m.safetensors" +
                                small + " --resume",
                            "elsewhere");
  CHECK(elsewhere.status == 2);
  CHECK(elsewhere.err.find("is not the corpus this run trained on") != std::string::npos);

  // generate: the MIDI file reads back with notes in it, and the piano roll is written
  const Run generated = run(bin + "/symphonic-generate --checkpoint " + dir + "/m.safetensors --out " + dir +
                                "/g.mid --roll " + dir + "/g.svg --length 200 --seed 5",
                            "generate");
  CHECK(generated.status == 0);
  const auto notes = symphonic::midi::extract_notes(symphonic::midi::read_file(dir + "/g.mid"));
  CHECK(notes.notes.size() > 0);
  CHECK(read_text(dir + "/g.svg").find("<rect class=\"note\"") != std::string::npos);
  // the same seed gives the same file
  const Run again = run(bin + "/symphonic-generate --checkpoint " + dir + "/m.safetensors --out " + dir +
                            "/h.mid --length 200 --seed 5",
                        "again");
  CHECK(again.status == 0);
  CHECK(read_text(dir + "/g.mid") == read_text(dir + "/h.mid"));
  // beam search: says the beams' log-likelihoods, and --beam 1 writes the argmax piece
  const Run searched = run(bin + "/symphonic-generate --checkpoint " + dir + "/m.safetensors --out " + dir +
                               "/b.mid --length 60 --beam 4",
                           "beam");
  CHECK(searched.status == 0);
  CHECK(searched.out.find("beam search, 4 beams: log-likelihood") != std::string::npos);
  CHECK(symphonic::midi::extract_notes(symphonic::midi::read_file(dir + "/b.mid")).notes.size() > 0);
  const Run beam1 = run(bin + "/symphonic-generate --checkpoint " + dir + "/m.safetensors --out " + dir +
                            "/b1.mid --length 60 --beam 1",
                        "beam1");
  const Run argmax = run(bin + "/symphonic-generate --checkpoint " + dir + "/m.safetensors --out " + dir +
                             "/a1.mid --length 60 --argmax",
                         "argmax");
  CHECK(beam1.status == 0);
  CHECK(argmax.status == 0);
  // the same notes; the track names differ ("beam search of 1" against "seed 1")
  CHECK(symphonic::midi::extract_notes(symphonic::midi::read_file(dir + "/b1.mid")).notes ==
        symphonic::midi::extract_notes(symphonic::midi::read_file(dir + "/a1.mid")).notes);
  // a MIDI primer
  const Run primed = run(bin + "/symphonic-generate --checkpoint " + dir + "/m.safetensors --out " + dir +
                             "/p.mid --length 50 --primer " + dir + "/corpus/ode_to_joy.mid",
                         "primed");
  CHECK(primed.status == 0);

  // nothing a user made is replaced without being asked
  {
    const std::string before = read_text(dir + "/m.safetensors");
    const Run again_fresh = run(train + " --epochs 1", "fresh");  // neither --resume nor --overwrite
    CHECK(again_fresh.status == 2);
    CHECK(again_fresh.err.find("m.safetensors exists: pass --resume") != std::string::npos);
    const Run both = run(train + " --resume --overwrite", "both");
    CHECK(both.status == 2);
    CHECK(both.err.find("choose one") != std::string::npos);
    const Run onto_corpus = run(bin + "/symphonic-train --corpus " + dir + "/corpus --checkpoint " + dir +
                                    "/corpus/ode_to_joy.mid --overwrite --max-steps 1" + small,
                                "onto_corpus");
    CHECK(onto_corpus.status == 2);
    CHECK(onto_corpus.err.find("a file of the corpus") != std::string::npos);
    // a model no machine holds (64 layers of 65,536 units: about 9 TB) is refused before it is
    // allocated, saying how much it would take; the checkpoint is untouched
    const Run too_big = run(train + " --overwrite --hidden 65536 --layers 64 --max-steps 1", "too_big");
    CHECK(too_big.status == 1);
    CHECK(too_big.err.find("needs at least") != std::string::npos);
    CHECK(too_big.err.find("GiB of memory") != std::string::npos);
    const Run onto_checkpoint = run(bin + "/symphonic-generate --checkpoint " + dir + "/m.safetensors --out " + dir +
                                        "/m.safetensors --length 5",
                                    "onto_checkpoint");
    CHECK(onto_checkpoint.status == 2);
    CHECK(onto_checkpoint.err.find("is the checkpoint being read") != std::string::npos);
    CHECK(read_text(dir + "/m.safetensors") == before);
    // --out - writes the MIDI bytes to standard output and what it says to standard error
    const Run piped = run(bin + "/symphonic-generate --checkpoint " + dir + "/m.safetensors --out - --length 50", "piped");
    CHECK(piped.status == 0);
    CHECK(piped.out.compare(0, 4, "MThd") == 0);
    CHECK(piped.err.find("wrote standard output") != std::string::npos);
    // a reference folder with nothing in it gives no distance
    REQUIRE(std::system(("mkdir -p " + dir + "/empty").c_str()) == 0);
    const Run empty = run(bin + "/symphonic-eval --stats " + dir + "/g.mid --reference " + dir + "/empty", "empty");
    CHECK(empty.status == 1);
    CHECK(empty.err.find("holds no readable MIDI notes") != std::string::npos);
  }

  // evaluate: model and bigram on the same windows; statistics of the generated file
  const Run eval = run(bin + "/symphonic-eval --checkpoint " + dir + "/m.safetensors --corpus " + dir + "/corpus", "eval");
  CHECK(eval.status == 0);
  CHECK(eval.out.find("model ") != std::string::npos);
  CHECK(eval.out.find("bigram ") != std::string::npos);
  CHECK(eval.out.find("validation split") != std::string::npos);  // the run's own held-out pieces
  // --list names those pieces, one per line, and scores nothing
  const Run listed = run(bin + "/symphonic-eval --checkpoint " + dir + "/m.safetensors --corpus " + dir + "/corpus --list", "list");
  CHECK(listed.status == 0);
  const std::size_t held_out = std::stoul(eval.out.substr(eval.out.find("split (") + 7));
  CHECK(lines(listed.out) == static_cast<int>(held_out));
  CHECK(listed.out.find(".mid\n") != std::string::npos);
  CHECK(listed.out.find("model ") == std::string::npos);
  // pieces sampled from the same bigram, for --stats to compare with the model's
  REQUIRE(std::system(("mkdir -p " + dir + "/bigram").c_str()) == 0);
  const Run bigram = run(bin + "/symphonic-eval --checkpoint " + dir + "/m.safetensors --corpus " + dir +
                             "/corpus --bigram-samples 2 --length 60 --out " + dir + "/bigram",
                         "bigram");
  CHECK(bigram.status == 0);
  CHECK(bigram.out.find("wrote 2 bigram samples of 60 tokens") != std::string::npos);
  for (const char* name : {"/bigram/bigram-1.mid", "/bigram/bigram-2.mid"})
    CHECK(symphonic::midi::extract_notes(symphonic::midi::read_file(dir + name)).notes.size() > 0);
  const Run no_folder = run(bin + "/symphonic-eval --checkpoint " + dir + "/m.safetensors --corpus " + dir +
                                "/corpus --bigram-samples 2",
                            "no_folder");
  CHECK(no_folder.status == 2);
  CHECK(no_folder.err.find("--out is required") != std::string::npos);
  // another corpus (a part of this one): its "validation" pieces are not the held-out ones, and it says so
  const Run other = run(bin + "/symphonic-eval --checkpoint " + dir + "/m.safetensors --corpus " + dir + "/fewer", "other");
  CHECK(other.status == 0);
  CHECK(other.out.find("not held out split") != std::string::npos);
  CHECK(other.err.find("may include training pieces") != std::string::npos);
  const Run stats = run(bin + "/symphonic-eval --stats " + dir + "/g.mid --reference " + dir + "/corpus", "stats");
  CHECK(stats.status == 0);
  CHECK(stats.out.find("longest run of one repeated token") != std::string::npos);
  CHECK(stats.out.find("mean distances of note lengths") != std::string::npos);  // generate/stats.hpp's figures
  CHECK(stats.out.find("mean rhythmic entropy") != std::string::npos);
  CHECK(stats.out.find("(reference: ") != std::string::npos);
  // the recipe's tokens have no begin marker: --primer none starts from a random token instead
  const Run recipe = run(bin + "/symphonic-train --corpus " + dir + "/corpus --checkpoint " + dir + "/r.safetensors" + small +
                             " --encoder-options 'chord recipe=1' --max-steps 2",
                         "recipe");
  CHECK(recipe.status == 0);
  const Run from_nothing = run(bin + "/symphonic-generate --checkpoint " + dir + "/r.safetensors --out " + dir +
                                   "/r.mid --length 40 --seed 2",
                               "nothing");
  CHECK(from_nothing.status == 0);
  CHECK(from_nothing.out.find("starting from the random token") != std::string::npos);
  CHECK(symphonic::midi::extract_notes(symphonic::midi::read_file(dir + "/r.mid")).notes.size() > 0);

  // conditions: learned with --condition, set with --key; the model's own choice when not set
  const Run keyed = run(bin + "/symphonic-train --corpus " + dir + "/corpus --checkpoint " + dir + "/k.safetensors" + small +
                            " --condition key,density --max-steps 3",
                        "keyed");
  CHECK(keyed.status == 0);
  CHECK(keyed.out.find("condition=key,density condition_every=32") != std::string::npos);
  const Run own = run(bin + "/symphonic-generate --checkpoint " + dir + "/k.safetensors --out " + dir + "/k.mid --length 80", "own");
  CHECK(own.status == 0);
  CHECK(symphonic::midi::extract_notes(symphonic::midi::read_file(dir + "/k.mid")).notes.size() > 0);
  const std::size_t at = own.out.find("conditions: <key:");
  REQUIRE(at != std::string::npos);
  const std::string key = own.out.substr(at + 17, own.out.find('>', at) - at - 17);  // a key the model knows
  const Run asked = run(bin + "/symphonic-generate --checkpoint " + dir + "/k.safetensors --out " + dir + "/ka.mid --length 80 --key " +
                            key + " --beam 2",
                        "asked");
  CHECK(asked.status == 0);
  CHECK(asked.out.find("conditions: <key:" + key + "> <density:") != std::string::npos);
  CHECK(asked.out.find("(every 32 tokens)") != std::string::npos);
  CHECK(asked.out.find("beam search, 2 beams") != std::string::npos);
  const Run untrained = run(bin + "/symphonic-generate --checkpoint " + dir + "/m.safetensors --out " + dir + "/u.mid --key G", "untrained");
  CHECK(untrained.status == 2);
  CHECK(untrained.err.find("trained without key tokens") != std::string::npos);
  const Run both = run(bin + "/symphonic-train --corpus " + dir + "/corpus --checkpoint " + dir + "/k2.safetensors" + small +
                           " --condition key --encoder-options 'chord condition=density' --max-steps 1",
                       "both_conditions");
  CHECK(both.status == 2);
  CHECK(both.err.find("choose one") != std::string::npos);
  std::system(("rm -rf " + dir).c_str());
}

}  // TEST_SUITE
