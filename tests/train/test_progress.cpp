#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include <symphonic/train/progress.hpp>

using symphonic::train::format_duration;
using symphonic::train::format_rate;
using symphonic::train::Progress;

namespace {
int count(const std::string& text, char c) {
  int n = 0;
  for (char x : text) n += x == c;
  return n;
}
}  // namespace

TEST_SUITE("train") {

TEST_CASE("progress: durations and rates read naturally") {
  CHECK(format_duration(7) == "0:07");
  CHECK(format_duration(754) == "12:34");
  CHECK(format_duration(3723) == "1:02:03");
  CHECK(format_duration(-1) == "?");
  CHECK(format_rate(950) == "950");
  CHECK(format_rate(18240) == "18.2k");
  CHECK(format_rate(1350000) == "1.35M");
}

TEST_CASE("progress: on a terminal, one line redrawn with bar, loss, throughput and ETA") {
  std::ostringstream out;
  Progress p(out, true, 10.0, 10);
  p.start_epoch(2, 20, 100, 50.0);
  p.update(25, 2.5, 18240, 60.0);  // 25 batches in 10 s: 75 left take 30 s
  CHECK(out.str() == "\repoch 3/20 [##........]  25% 25/100 loss 2.5000 | 18.2k tok/s | 0:30 left\x1b[K");
  p.update(50, 2.4, 18000, 70.0);
  p.end_epoch("epoch 3: validation loss 2.2");
  CHECK(count(out.str(), '\r') == 2);
  CHECK(count(out.str(), '\n') == 2);
  CHECK(out.str().substr(out.str().size() - 29) == "epoch 3: validation loss 2.2\n");
}

TEST_CASE("progress: in a log, plain lines at most once per interval, no control characters") {
  std::ostringstream out;
  Progress p(out, false, 10.0);
  p.start_epoch(0, 1, 1000, 0.0);
  for (int i = 1; i <= 1000; ++i) p.update(i, 3.0, 1000, i * 0.1);  // 100 s in all
  p.end_epoch("done");
  const std::string text = out.str();
  CHECK(count(text, '\r') == 0);
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(count(text, '\n') == 11);  // one line per 10 s, plus the summary
  CHECK(text.find("epoch 1/1  10% 100/1000 loss 3.0000 | 1000 tok/s | 1:30 left\n") == 0);
}

}  // TEST_SUITE

#include <symphonic/train/callbacks.hpp>

TEST_SUITE("train") {

TEST_CASE("callbacks: an epoch report reads as one line") {
  symphonic::train::EpochReport r;
  r.epoch = 2;
  r.train.loss_sum = 25;
  r.train.count = 10;
  r.train.correct = 4;
  r.validation.loss_sum = 20;
  r.validation.count = 10;
  r.validation.correct = 5;
  r.tokens_per_s = 2500;
  r.seconds = 12.34;
  r.learning_rate = 0.002;
  r.improved = true;
  CHECK(symphonic::train::describe(r) ==
        "epoch 3: train loss 2.5000 acc 0.400 | validation loss 2.0000 acc 0.500 ppl 7.39 | 2500 tok/s, 12.3 s, "
        "lr 0.002 *best*");
  r.validation = {};
  r.partial = true;
  CHECK(symphonic::train::describe(r) == "epoch 3 (partial): train loss 2.5000 acc 0.400 | 2500 tok/s, 12.3 s, lr 0.002");
}

TEST_CASE("callbacks: the interrupt handler turns the first SIGINT into a flag") {
  symphonic::train::install_interrupt_handler();
  CHECK(symphonic::train::interrupt_flag() == 0);
  std::raise(SIGINT);
  CHECK(symphonic::train::interrupt_flag() == 1);
  symphonic::train::interrupt_flag() = 0;
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

}  // TEST_SUITE
