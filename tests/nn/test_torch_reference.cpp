// Cross-check against PyTorch: this file writes the model inputs (config text, parameters, batch)
// that scripts/torch_reference.py loads into torch.nn modules with load_state_dict, and compares
// the forward output, loss, gradients and batch-norm buffers torch computed (committed in
// tests/data/nn/torch_*.raw so that ctest needs no torch) with ours, in double and in float.
//   regenerate: SYMPHONIC_TORCH_DUMP_DIR=d test_nn -tc='torch reference: write*'
//               /usr/bin/python3 scripts/torch_reference.py d
//               SYMPHONIC_TORCH_REFERENCE_DIR=d test_nn -tc='torch reference: *match*'
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include <symphonic/nn/nn.hpp>

#include "support/gradcheck.hpp"
#include "support/raw_tensors.hpp"
#include "support/skip.hpp"

using namespace symphonic;
using nn::Index;
using symphonic_test::RawFile;
using symphonic_test::RawRecord;

namespace {

struct ReferenceCase {
  std::string name;
  nn::ModelConfig config;
  Index batch, steps;
  bool every_step;
};

std::vector<ReferenceCase> reference_cases() {
  // The recipe's architecture at a small size; dropout off (torch's masks differ from ours) and
  // PyTorch's running-variance update so the buffers can be compared too.
  nn::ModelConfig recipe = nn::ModelConfig::preset("recipe", 11);
  recipe.lstm_size = 16;
  recipe.dense_sizes = {8};
  recipe.recurrent_dropout = 0;
  recipe.dropout = 0;
  recipe.bn_unbiased_running_var = true;
  nn::ModelConfig embedding = nn::ModelConfig::preset("default", 13);
  embedding.embedding_size = 6;
  embedding.lstm_size = 12;
  embedding.lstm_layers = 2;
  embedding.lstm_dropout = 0;
  embedding.dropout = 0;
  embedding.dense_sizes = {10};
  embedding.init = nn::Init::torch;
  return {{"recipe", recipe, 4, 10, false}, {"embedding", embedding, 3, 9, true}};
}

RawRecord text_record(const std::string& text) {
  RawRecord r;
  r.type = "txt";
  r.shape = {static_cast<std::int64_t>(text.size())};
  r.text = text;
  return r;
}

RawRecord ids_record(const nn::IdMatrix& ids) {  // row-major [rows, cols]
  RawRecord r;
  r.type = "i32";
  r.shape = {ids.rows(), ids.cols()};
  for (Index i = 0; i < ids.rows(); ++i)
    for (Index j = 0; j < ids.cols(); ++j) r.i32.push_back(ids(i, j));
  return r;
}

template <class Scalar>
RawRecord tensor_record(const nn::NamedTensor<Scalar>& t) {
  RawRecord r;
  r.type = "f64";
  r.shape = t.shape;
  for (std::int64_t i = 0; i < t.element_count(); ++i) r.f64.push_back(static_cast<double>(t.data[i]));
  return r;
}

nn::IdMatrix read_ids(const RawRecord& r) {
  nn::IdMatrix ids(r.shape.at(0), r.shape.at(1));
  for (Index i = 0; i < ids.rows(); ++i)
    for (Index j = 0; j < ids.cols(); ++j) ids(i, j) = r.i32.at(static_cast<std::size_t>(i * ids.cols() + j));
  return ids;
}

template <class Scalar>
void load(const RawFile& file, const std::string& prefix, const std::vector<nn::NamedTensor<Scalar>>& into) {
  for (const auto& t : into) {
    const auto it = file.find(prefix + t.name);
    REQUIRE_MESSAGE(it != file.end(), "missing " << prefix << t.name);
    REQUIRE(it->second.shape == t.shape);
    for (std::int64_t i = 0; i < t.element_count(); ++i) t.data[i] = static_cast<Scalar>(it->second.f64[static_cast<std::size_t>(i)]);
  }
}

Eigen::Map<const Eigen::VectorXd> values(const RawRecord& r) {
  return Eigen::Map<const Eigen::VectorXd>(r.f64.data(), static_cast<Index>(r.f64.size()));
}

// Worst relative error over the logits, the loss, every gradient and every buffer.
template <class Scalar>
double compare_with_torch(const RawFile& file) {
  nn::Model<Scalar> model(nn::ModelConfig::from_text(file.at("config").text));
  nn::Workspace<Scalar> ws;
  load(file, "param.", model.named_parameters());
  load(file, "buffer.", model.buffers());
  const nn::IdMatrix inputs = read_ids(file.at("inputs")), targets = read_ids(file.at("targets"));
  const auto result = model.forward(ws, inputs, targets, nn::Mode::train);
  model.zero_grad();
  model.backward(ws);
  double worst = 0;
  auto note = [&](const std::string& what, double err) {
    INFO(what << ": " << err);
    if (std::getenv("SYMPHONIC_GRADCHECK_VERBOSE")) std::cout << "torch reference " << what << ": " << err << "\n";
    worst = std::max(worst, err);
  };
  const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>& logits = ws.logits();  // V x N = row-major [N, V]
  const Eigen::VectorXd ours = Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>(logits.data(), logits.size()).template cast<double>();
  note("logits", symphonic_test::relative_error(ours, values(file.at("logits"))));
  note("loss", std::abs(result.loss - file.at("loss").f64[0]) / std::abs(file.at("loss").f64[0]));
  for (const auto& g : model.named_gradients()) {
    const auto& ref = file.at("grad." + g.name);
    CHECK(ref.shape == g.shape);
    const Eigen::VectorXd mine = Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>(g.data, g.element_count()).template cast<double>();
    note("grad." + g.name, symphonic_test::relative_error(mine, values(ref)));
  }
  for (const auto& b : model.buffers()) {
    const Eigen::VectorXd mine = Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>(b.data, b.element_count()).template cast<double>();
    note("buffer_after." + b.name, symphonic_test::relative_error(mine, values(file.at("buffer_after." + b.name))));
  }
  return worst;
}

std::string reference_folder() {
  const char* env = std::getenv("SYMPHONIC_TORCH_REFERENCE_DIR");
  return env ? std::string(env) : symphonic_test::data_dir() + "/nn";
}

}  // namespace

TEST_SUITE("nn") {

TEST_CASE("torch reference: write the model inputs for scripts/torch_reference.py") {
  const char* env = std::getenv("SYMPHONIC_TORCH_DUMP_DIR");
  const std::filesystem::path dir = env ? std::filesystem::path(env)
                                        : std::filesystem::temp_directory_path() /
                                              ("symphonic_torch_dump_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const ReferenceCase& c : reference_cases()) {
    nn::Model<double> model(c.config, 99);
    nn::Rng rng(1234);
    nn::IdMatrix inputs(c.batch, c.steps), targets(c.batch, c.every_step ? c.steps : 1);
    for (Index i = 0; i < inputs.size(); ++i) inputs.data()[i] = static_cast<std::int32_t>(rng.next() % static_cast<std::uint64_t>(c.config.vocab_size));
    for (Index i = 0; i < targets.size(); ++i) targets.data()[i] = static_cast<std::int32_t>(rng.next() % static_cast<std::uint64_t>(c.config.vocab_size));
    // non-trivial running statistics, so that the buffer update is compared as well
    for (auto& b : model.buffers())
      for (std::int64_t i = 0; i < b.element_count(); ++i) b.data[i] = 0.5 + 0.01 * static_cast<double>(i);
    std::vector<std::pair<std::string, RawRecord>> records = {
        {"config", text_record(c.config.to_text())}, {"inputs", ids_record(inputs)}, {"targets", ids_record(targets)}};
    for (const auto& t : model.named_parameters()) records.emplace_back("param." + t.name, tensor_record(t));
    for (const auto& t : model.buffers()) records.emplace_back("buffer." + t.name, tensor_record(t));
    const std::string path = (dir / (c.name + ".in.raw")).string();
    symphonic_test::write_raw(path, records);
    // the file reads back as written
    const RawFile back = symphonic_test::read_raw(path);
    CHECK(back.at("config").text == c.config.to_text());
    CHECK(read_ids(back.at("inputs")) == inputs);
    CHECK(back.size() == records.size());
  }
  if (!env) std::filesystem::remove_all(dir);
}

TEST_CASE("torch reference: forward, loss, gradients and buffers match PyTorch in double") {
  for (const ReferenceCase& c : reference_cases()) {
    CAPTURE(c.name);
    const std::string path = reference_folder() + "/torch_" + c.name + ".raw";
    if (!std::filesystem::exists(path)) SYMPHONIC_SKIP_TEST("no torch reference file " + path);
    const double worst = compare_with_torch<double>(symphonic_test::read_raw(path));
    CHECK(worst < 1e-5);
  }
}

TEST_CASE("torch reference: forward, loss, gradients and buffers match PyTorch in float") {
  for (const ReferenceCase& c : reference_cases()) {
    CAPTURE(c.name);
    const std::string path = reference_folder() + "/torch_" + c.name + ".raw";
    if (!std::filesystem::exists(path)) SYMPHONIC_SKIP_TEST("no torch reference file " + path);
    const double worst = compare_with_torch<float>(symphonic_test::read_raw(path));
    CHECK(worst < 1e-4);
  }
}

}  // TEST_SUITE
