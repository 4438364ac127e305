#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <unistd.h>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <symphonic/detail/file_io.hpp>
#include <symphonic/io/io.hpp>

#include "support/skip.hpp"
#include "support/temp_path.hpp"

namespace {

using namespace symphonic;
using symphonic_test::temp_path;

// A few tensors the way nn::Model exposes them: NamedTensor views into one flat buffer.
template <class Scalar>
struct Store {
  std::vector<Scalar> flat;
  std::vector<nn::NamedTensor<Scalar>> tensors;

  explicit Store(double seed) {
    const std::vector<std::pair<std::string, std::vector<std::int64_t>>> layout = {
        {"lstm.weight_ih_l0", {8, 3}}, {"lstm.weight_hh_l0", {8, 2}}, {"lstm.bias_ih_l0", {8}},
        {"dense.bias", {5}},           {"empty", {0, 4}},             {"scalar", {}}};
    std::int64_t total = 0;
    for (const auto& l : layout) {
      std::int64_t n = 1;
      for (auto d : l.second) n *= d;
      total += n;
    }
    flat.resize(static_cast<std::size_t>(total));
    for (std::size_t i = 0; i < flat.size(); ++i)
      flat[i] = static_cast<Scalar>(std::sin(seed + 0.731 * double(i)) * std::pow(10.0, double(i % 7) - 3));
    std::int64_t offset = 0;
    for (const auto& l : layout) {
      nn::NamedTensor<Scalar> t;
      t.name = l.first;
      t.shape = l.second;
      t.data = flat.data() + offset;
      t.trainable = l.first != "scalar";
      offset += t.element_count();
      tensors.push_back(t);
    }
  }
};


std::vector<std::uint8_t> bytes_of(const std::string& path) { return detail::read_file(path); }

io::CheckpointError checkpoint_error(std::vector<std::uint8_t> bytes) {
  try {
    io::Checkpoint::from_bytes(std::move(bytes));
  } catch (const io::CheckpointError& e) {
    return e;
  }
  FAIL("no CheckpointError");
  return io::CheckpointError("", "");
}

std::uint64_t header_length(const std::vector<std::uint8_t>& bytes) {
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[static_cast<std::size_t>(i)];
  return n;
}

// A raw safetensors file: 8-byte length, the given JSON, then `data` bytes.
std::vector<std::uint8_t> raw_file(const std::string& json, std::size_t data_bytes) {
  std::vector<std::uint8_t> bytes(8 + json.size() + data_bytes, 0);
  io::safetensors::encode_length(json.size(), bytes.data());
  std::memcpy(bytes.data() + 8, json.data(), json.size());
  return bytes;
}

std::vector<std::string> leftover_temporaries(const std::string& prefix) {
  std::vector<std::string> found;
  if (DIR* dir = opendir(".")) {
    while (dirent* entry = readdir(dir)) {
      const std::string name = entry->d_name;
      if (name.rfind(prefix, 0) == 0 && name.find(".tmp") != std::string::npos) found.push_back(name);
    }
    closedir(dir);
  }
  return found;
}

}  // namespace

TEST_SUITE("io") {

TEST_CASE("crc32: matches zlib's check value and continues across pieces") {
  const char* text = "123456789";
  CHECK(io::detail::crc32(text, 9) == 0xCBF43926u);
  CHECK(io::detail::crc32(text + 4, 5, io::detail::crc32(text, 4)) == 0xCBF43926u);
  CHECK(io::detail::crc32(text, 0) == 0u);
  std::vector<unsigned char> ramp(1000);
  for (std::size_t i = 0; i < ramp.size(); ++i) ramp[i] = static_cast<unsigned char>(i * 7);
  // Split at every place: slicing-by-8 and the byte loop must agree.
  const std::uint32_t whole = io::detail::crc32(ramp.data(), ramp.size());
  for (std::size_t cut = 0; cut <= 17; ++cut)
    CHECK(io::detail::crc32(ramp.data() + cut, ramp.size() - cut, io::detail::crc32(ramp.data(), cut)) == whole);
  CHECK(whole == 0x114ad5ffu);  // Python: zlib.crc32(bytes((i * 7) & 255 for i in range(1000)))
}

TEST_CASE("crc32: the folding path and the tables agree on every length and alignment") {
  // Python: zlib.crc32(bytes((i * i * 31 + i // 256) & 255 for i in range(100000)))
  std::vector<unsigned char> bytes(100000);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * i * 31 + i / 256);
  CHECK(io::detail::crc32(bytes.data(), bytes.size()) == 0x9bc340adu);
  CHECK(~io::detail::crc32_tables_update(bytes.data(), bytes.size(), ~0u) == 0x9bc340adu);
  // lengths around the 64-byte entry and the 16-byte tail of the folding path, at 3 alignments
  for (std::size_t size = 0; size <= 300; ++size)
    for (std::size_t offset = 0; offset < 3; ++offset) {
      CAPTURE(size);
      CAPTURE(offset);
      const std::uint32_t tables = ~io::detail::crc32_tables_update(bytes.data() + offset, size, ~0u);
      REQUIRE(io::detail::crc32(bytes.data() + offset, size) == tables);
      REQUIRE(io::detail::crc32(bytes.data() + offset + size / 2, size - size / 2,
                                io::detail::crc32(bytes.data() + offset, size / 2)) == tables);
    }
}

TEST_CASE_TEMPLATE("checkpoint: round trip is bit-exact, metadata included", Scalar, float, double) {
  Store<Scalar> saved(1.0);
  // Values a text format would lose: NaN payload, infinities, -0, denormals, extremes.
  saved.flat[0] = std::numeric_limits<Scalar>::quiet_NaN();
  saved.flat[1] = -std::numeric_limits<Scalar>::infinity();
  saved.flat[2] = Scalar(-0.0);
  saved.flat[3] = std::numeric_limits<Scalar>::denorm_min();
  saved.flat[4] = std::numeric_limits<Scalar>::max();
  const io::Metadata metadata = {{"symphonic.model_config", "lstm hidden=512\nlayers=3"},
                                 {"symphonic.vocabulary", "tab\there \"quotes\" \\ \xE2\x99\xAA"},
                                 {"empty", ""}};
  const std::string path = temp_path("roundtrip");
  io::save_checkpoint(path, saved.tensors, metadata);

  const io::Checkpoint c = io::Checkpoint::read(path);
  for (const auto& kv : metadata) CHECK(c.metadata().at(kv.first) == kv.second);
  CHECK(c.metadata().at("symphonic.format_version") == "1");
  CHECK(c.metadata().at("symphonic.checksum").size() == 8);
  CHECK(c.metadata("absent", "fallback") == "fallback");
  REQUIRE(c.tensors().size() == saved.tensors.size());
  for (std::size_t i = 0; i < saved.tensors.size(); ++i) {
    CHECK(c.tensors()[i].name == saved.tensors[i].name);  // file order = given order
    CHECK(c.shape(saved.tensors[i].name) == saved.tensors[i].shape);
    CHECK(c.dtype(saved.tensors[i].name) == io::DtypeOf<Scalar>::value);
  }

  Store<Scalar> loaded(2.0);
  io::load_tensors(c, loaded.tensors);
  CHECK(std::memcmp(loaded.flat.data(), saved.flat.data(), saved.flat.size() * sizeof(Scalar)) == 0);

  // Layout: little-endian length, data section 8-byte aligned, tensors back to back.
  const auto bytes = bytes_of(path);
  const std::uint64_t n = header_length(bytes);
  CHECK((8 + n) % 8 == 0);
  CHECK(bytes.size() == 8 + n + saved.flat.size() * sizeof(Scalar));
  CHECK(std::memcmp(bytes.data() + 8 + n, saved.flat.data(), saved.flat.size() * sizeof(Scalar)) == 0);
  std::remove(path.c_str());
}

TEST_CASE("checkpoint: load converts F64 <-> F32") {
  Store<double> d(3.0);
  const std::string path = temp_path("convert");
  io::save_checkpoint(path, d.tensors, {});
  Store<float> f(4.0);
  io::load_tensors(io::Checkpoint::read(path), f.tensors);
  for (std::size_t i = 0; i < d.flat.size(); ++i) CHECK(f.flat[i] == static_cast<float>(d.flat[i]));
  io::save_checkpoint(path, f.tensors, {});
  Store<double> back(5.0);
  io::load_tensors(io::Checkpoint::read(path), back.tensors);
  for (std::size_t i = 0; i < d.flat.size(); ++i) CHECK(back.flat[i] == static_cast<double>(f.flat[i]));
  CHECK(io::Checkpoint::read(path).values<double>("dense.bias")[2] == static_cast<double>(f.tensors[3].data[2]));
  std::remove(path.c_str());
}

TEST_CASE("checkpoint: a truncated file is rejected at every length") {
  Store<float> s(1.0);
  const std::string path = temp_path("truncated");
  io::save_checkpoint(path, s.tensors, {{"k", "v"}});
  const auto bytes = bytes_of(path);
  std::remove(path.c_str());
  const std::uint64_t data_offset = 8 + header_length(bytes);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const io::CheckpointError e = checkpoint_error(std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + long(n)));
    if (n < 8)
      CHECK(e.section() == "file");
    else if (n < data_offset)
      CHECK(e.section() == "header");
    else
      CHECK(e.section() == "data");
  }
  CHECK_THROWS_WITH_AS(io::Checkpoint::from_bytes(std::vector<std::uint8_t>(bytes.begin(), bytes.end() - 3)),
                       doctest::Contains("truncated?"), io::CheckpointError);
}

TEST_CASE("checkpoint: every single flipped bit is detected") {
  Store<float> s(1.0);
  const std::string path = temp_path("bitflip");
  io::save_checkpoint(path, s.tensors, {{"symphonic.model_config", "hidden=4"}});
  const auto bytes = bytes_of(path);
  std::remove(path.c_str());
  const std::uint64_t data_offset = 8 + header_length(bytes);
  int detected = 0, total = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      auto flipped = bytes;
      flipped[i] ^= static_cast<std::uint8_t>(1u << bit);
      ++total;
      try {
        io::Checkpoint::from_bytes(std::move(flipped));
      } catch (const io::CheckpointError& e) {
        ++detected;
        if (i >= data_offset) CHECK(e.section() == "checksum");
        continue;
      }
      FAIL_CHECK("flip of bit " << bit << " of byte " << i << " was not detected");
    }
  }
  CHECK(detected == total);
  CHECK(total == static_cast<int>(bytes.size() * 8));
}

TEST_CASE("checkpoint: random multi-byte corruption is always rejected, and never read out of bounds") {
  Store<double> s(2.0);
  const std::string path = temp_path("fuzz");
  io::save_checkpoint(path, s.tensors, {{"symphonic.model_config", "hidden=4"}});
  const auto bytes = bytes_of(path);
  std::remove(path.c_str());
  const std::size_t header_end = 8 + static_cast<std::size_t>(header_length(bytes));
  std::uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::size_t>(state >> 33);
  };
  io::ReadOptions lenient;
  lenient.require_symphonic = false;
  for (int trial = 0; trial < 3000; ++trial) {
    auto mutated = bytes;
    const std::size_t changes = 1 + next() % 4;
    for (std::size_t k = 0; k < changes; ++k) {
      // Mostly inside the header, where the structure is.
      const std::size_t at = next() % 4 ? next() % header_end : next() % mutated.size();
      mutated[at] = static_cast<std::uint8_t>(next());
    }
    if (mutated == bytes) continue;
    CHECK_THROWS_AS(io::Checkpoint::from_bytes(mutated), io::CheckpointError);
    // Lenient reading of the same bytes: parse or refuse with a CheckpointError, nothing else.
    try {
      io::Checkpoint::from_bytes(mutated, lenient);
    } catch (const io::CheckpointError&) {
    }
  }
}

TEST_CASE("checkpoint: wrong version, foreign files and checksum failures name their section") {
  Store<float> s(1.0);
  const std::string path = temp_path("version");
  io::save_checkpoint(path, s.tensors, {});
  auto bytes = bytes_of(path);
  std::remove(path.c_str());
  const std::string header(bytes.begin() + 8, bytes.begin() + 8 + long(header_length(bytes)));
  const std::size_t at = header.find("\"symphonic.format_version\":\"1\"");
  REQUIRE(at != std::string::npos);
  auto newer = bytes;
  newer[8 + at + std::strlen("\"symphonic.format_version\":\"")] = '2';
  CHECK_THROWS_WITH_AS(io::Checkpoint::from_bytes(newer),
                       "[symphonic.io.checkpoint_error] version: format version \"2\" is not supported "
                       "(this reader knows \"1\")",
                       io::CheckpointError);

  auto data_flip = bytes;
  const std::size_t last = data_flip.size() - 1;  // (index, not back(): g++ 12 -Wstringop-overflow)
  data_flip.at(last) = static_cast<std::uint8_t>(data_flip.at(last) ^ 0x10);
  CHECK(checkpoint_error(data_flip).section() == "checksum");
  CHECK_THROWS_WITH_AS(io::Checkpoint::from_bytes(data_flip), doctest::Contains("tensor data checksum mismatch"),
                       io::CheckpointError);

  // A plain safetensors file (as torch writes it): refused by default, accepted on request.
  const std::string json = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  auto foreign = raw_file(json, 8);
  const float values[2] = {1.5f, -2.0f};
  std::memcpy(foreign.data() + 8 + json.size(), values, 8);
  CHECK(checkpoint_error(foreign).section() == "version");
  io::ReadOptions lenient;
  lenient.require_symphonic = false;
  const auto c = io::Checkpoint::from_bytes(foreign, lenient);
  CHECK(c.values<float>("w") == std::vector<float>{1.5f, -2.0f});
}

TEST_CASE("safetensors: structural errors are caught before any tensor is trusted") {
  struct Bad {
    std::string json;
    std::size_t data;
    std::string section, message;
  };
  const std::vector<Bad> cases = {
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 12, "data", "4 bytes after the last tensor"},
      {R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
       12, "data", "leave a gap"},
      {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
       8, "data", "overlap"},
      {R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8, "tensor:w", "does not match"},
      {R"({"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}})", 8, "tensor:w", "unknown dtype \"Q4\""},
      {R"({"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8, "tensor:w", "integers >= 0"},
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8, "tensor:w", "0 <= begin <= end"},
      {R"({"w":{"dtype":"F64","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})", 8, "tensor:w", "does not match"},
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}})", 8, "tensor:w", "exactly the keys"},
      {R"({"w":[1,2]})", 0, "tensor:w", "expected an object"},
      {R"({"__metadata__":{"k":5}})", 0, "metadata", "expected a string"},
      {R"({"__metadata__":"text"})", 0, "metadata", "expected an object"},
      {R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})", 8, "header", "invalid JSON"},
      {R"([1,2])", 0, "header", "does not start with a JSON object"},
      {R"({"w":{"dtype":"F32","shape":[200],"data_offsets":[0,800]}})", 8, "data", "truncated?"},
  };
  for (const Bad& bad : cases) {
    INFO(bad.json);
    io::ReadOptions lenient;
    lenient.require_symphonic = false;
    try {
      io::Checkpoint::from_bytes(raw_file(bad.json, bad.data), lenient);
      FAIL_CHECK("accepted");
    } catch (const io::CheckpointError& e) {
      CHECK(e.section() == bad.section);
      CHECK(std::string(e.what()).find(bad.message) != std::string::npos);
    }
  }
  // A header length far beyond the file, and beyond the 100 MB limit: no allocation, clear error.
  auto huge = raw_file("{}", 0);
  io::safetensors::encode_length(std::uint64_t(1) << 40, huge.data());
  CHECK_THROWS_WITH_AS(io::Checkpoint::from_bytes(huge), doctest::Contains("limit"), io::CheckpointError);
  io::safetensors::encode_length(1000, huge.data());
  CHECK_THROWS_WITH_AS(io::Checkpoint::from_bytes(huge), doctest::Contains("runs past the end"), io::CheckpointError);
}

TEST_CASE("load_tensors: all-or-nothing on a missing tensor, a wrong shape or a non-float dtype") {
  Store<float> saved(1.0);
  const std::string path = temp_path("load");
  io::save_checkpoint(path, saved.tensors, {});
  const io::Checkpoint c = io::Checkpoint::read(path);

  auto expect_untouched = [](const Store<float>& store, const Store<float>& reference) {
    CHECK(std::memcmp(store.flat.data(), reference.flat.data(), store.flat.size() * sizeof(float)) == 0);
  };
  {
    Store<float> target(7.0);
    auto into = target.tensors;
    into.back().name = "lstm.weight_hh_l1";  // the last one is missing: the others must not load
    CHECK_THROWS_WITH_AS(io::load_tensors(c, into),
                         "[symphonic.io.checkpoint_error] tensor:lstm.weight_hh_l1: missing from the checkpoint",
                         io::CheckpointError);
    expect_untouched(target, Store<float>(7.0));
  }
  {
    Store<float> target(7.0);
    auto into = target.tensors;
    into[3].shape = {6};
    try {
      io::load_tensors(c, into);
      FAIL_CHECK("loaded");
    } catch (const io::CheckpointError& e) {
      CHECK(e.section() == "tensor:dense.bias");
      CHECK(std::string(e.what()).find("shape [5] in the checkpoint, [6] expected") != std::string::npos);
    }
    expect_untouched(target, Store<float>(7.0));
  }
  {
    Store<float> target(7.0);
    auto into = target.tensors;
    into.push_back(into[0]);
    CHECK_THROWS_WITH_AS(io::load_tensors(c, into), doctest::Contains("requested twice"), io::CheckpointError);
    expect_untouched(target, Store<float>(7.0));
  }
  {
    const std::int32_t ids[3] = {1, 2, 3};
    io::save_tensors(path, {{"ids", io::Dtype::i32, {3}, ids}}, {});
    float target[3] = {0, 0, 0};
    nn::NamedTensor<float> t;
    t.name = "ids";
    t.shape = {3};
    t.data = target;
    CHECK_THROWS_WITH_AS(io::load_tensors(io::Checkpoint::read(path), std::vector<nn::NamedTensor<float>>{t}),
                         doctest::Contains("dtype I32 cannot be loaded"), io::CheckpointError);
    CHECK(target[0] == 0.0f);
  }
  std::remove(path.c_str());
}

TEST_CASE("save: invalid tensors are refused and files that cannot be opened are FileErrors") {
  float x[2] = {1, 2};
  const std::string path = temp_path("invalid");
  CHECK_THROWS_WITH_AS(io::save_tensors(path, {{"a", io::Dtype::f32, {2}, x}, {"a", io::Dtype::f32, {2}, x}}, {}),
                       "[symphonic.io.checkpoint_error] tensor:a: name used twice", io::CheckpointError);
  CHECK_THROWS_AS(io::save_tensors(path, {{"a", io::Dtype::f32, {-2}, x}}, {}), io::CheckpointError);
  CHECK_THROWS_AS(io::save_tensors(path, {{"__metadata__", io::Dtype::f32, {2}, x}}, {}), io::CheckpointError);
  CHECK_THROWS_AS(io::save_tensors(path, {{"a", io::Dtype::f32, {2}, x}}, {{"bad", "\xFF\xFE"}}), io::CheckpointError);
  CHECK_THROWS_AS(io::save_tensors(path, {{"a", io::Dtype::f32, {2}, nullptr}}, {}), io::CheckpointError);
  CHECK_THROWS_AS(io::save_tensors("no/such/dir/x.safetensors", {{"a", io::Dtype::f32, {2}, x}}, {}), io::FileError);
  CHECK_THROWS_AS(io::Checkpoint::read("no/such/file.safetensors"), io::FileError);
  CHECK(leftover_temporaries(path).empty());
}

TEST_CASE("save: the previous checkpoint survives a write interrupted mid-way") {
  Store<float> first(1.0);
  const std::string path = temp_path("interrupted");
  io::save_checkpoint(path, first.tensors, {{"run", "first"}});
  const auto before = bytes_of(path);

  // A big second checkpoint whose writer dies after the header and part of the data.
  std::vector<float> big(3u << 20, 0.5f);
  nn::NamedTensor<float> t;
  t.name = "big";
  t.shape = {static_cast<std::int64_t>(big.size())};
  t.data = big.data();
  io::SaveOptions options;
  std::uint64_t seen_total = 0;
  int calls = 0;
  options.progress = [&](std::uint64_t written, std::uint64_t total) {
    seen_total = total;
    if (++calls == 3) {
      CHECK(written < total);
      throw std::runtime_error("simulated crash");
    }
  };
  CHECK_THROWS_WITH_AS(io::save_checkpoint(path, std::vector<nn::NamedTensor<float>>{t}, {{"run", "second"}}, options),
                       "simulated crash", std::runtime_error);
  CHECK(seen_total > big.size() * sizeof(float));
  CHECK(bytes_of(path) == before);
  CHECK(io::Checkpoint::read(path).metadata().at("run") == "first");
  CHECK(leftover_temporaries(path).empty());

  // The same save without the crash replaces the file whole.
  options.progress = nullptr;
  io::save_checkpoint(path, std::vector<nn::NamedTensor<float>>{t}, {{"run", "second"}}, options);
  const io::Checkpoint second = io::Checkpoint::read(path);
  CHECK(second.metadata().at("run") == "second");
  CHECK(second.values<float>("big")[12345] == 0.5f);
  std::remove(path.c_str());
}

// Writes the files scripts/check_checkpoint_torch.py checks when SYMPHONIC_IO_EXPORT_DIR is set
// (.ci/steps/45-optim-io-torch.sh); otherwise only checks they read back.
TEST_CASE("torch export: checkpoints for the PyTorch cross-check") {
  const char* dir = std::getenv("SYMPHONIC_IO_EXPORT_DIR");
  const std::string prefix =
      dir ? std::string(dir) + "/" : "symphonic_test_io_" + std::to_string(::getpid()) + "_export_";
  // nn.LSTM(input_size=3, hidden_size=4, num_layers=2) and nn.Linear(4, 5) names and shapes; the
  // values are sin(1000 k + i) for tensor k, element i, so Python recomputes them.
  const std::vector<std::pair<std::string, std::vector<std::int64_t>>> layout = {
      {"lstm.weight_ih_l0", {16, 3}}, {"lstm.weight_hh_l0", {16, 4}}, {"lstm.bias_ih_l0", {16}},
      {"lstm.bias_hh_l0", {16}},      {"lstm.weight_ih_l1", {16, 4}}, {"lstm.weight_hh_l1", {16, 4}},
      {"lstm.bias_ih_l1", {16}},      {"lstm.bias_hh_l1", {16}},      {"dense.weight", {5, 4}},
      {"dense.bias", {5}}};
  std::vector<std::vector<double>> values;
  for (std::size_t k = 0; k < layout.size(); ++k) {
    std::int64_t n = 1;
    for (auto d : layout[k].second) n *= d;
    std::vector<double> v(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::sin(1000.0 * double(k) + double(i));
    values.push_back(v);
  }
  auto export_as = [&](auto zero, const std::string& file) {
    using Scalar = decltype(zero);
    std::vector<std::vector<Scalar>> data;
    std::vector<nn::NamedTensor<Scalar>> tensors;
    for (const auto& v : values) data.emplace_back(v.begin(), v.end());
    for (std::size_t k = 0; k < layout.size(); ++k)
      tensors.push_back({layout[k].first, layout[k].second, data[k].data(), true});
    io::save_checkpoint(prefix + file, tensors, {{"symphonic.test", "torch export"}});
    const io::Checkpoint c = io::Checkpoint::read(prefix + file);
    CHECK(c.values<Scalar>("dense.bias") == data.back());
    if (!dir) std::remove((prefix + file).c_str());
  };
  export_as(0.0f, "export_f32.safetensors");
  export_as(0.0, "export_f64.safetensors");
}

}  // TEST_SUITE
