// tests/support/raw_tensors.hpp - the tiny exchange format between the C++ tests and
// scripts/torch_reference.py (no dependency on the checkpoint code).
//
//   "symphonic-raw 1\n"
//   per record: "<name> <f64|i32|txt> <ndim> <d0> <d1> ...\n" then the elements, little-endian
//               (txt: ndim 1, d0 bytes of text)
//   "end\n"
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace symphonic_test {

struct RawRecord {
  std::string type;                 // f64, i32 or txt
  std::vector<std::int64_t> shape;
  std::vector<double> f64;
  std::vector<std::int32_t> i32;
  std::string text;
};

using RawFile = std::map<std::string, RawRecord>;

inline void write_raw(const std::string& path, const std::vector<std::pair<std::string, RawRecord>>& records) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error("cannot write " + path);
  out << "symphonic-raw 1\n";
  for (const auto& [name, r] : records) {
    out << name << ' ' << r.type << ' ' << r.shape.size();
    for (auto d : r.shape) out << ' ' << d;
    out << '\n';
    if (r.type == "f64") out.write(reinterpret_cast<const char*>(r.f64.data()), static_cast<std::streamsize>(r.f64.size() * 8));
    if (r.type == "i32") out.write(reinterpret_cast<const char*>(r.i32.data()), static_cast<std::streamsize>(r.i32.size() * 4));
    if (r.type == "txt") out.write(r.text.data(), static_cast<std::streamsize>(r.text.size()));
  }
  out << "end\n";
  if (!out) throw std::runtime_error("write failed: " + path);
}

inline RawFile read_raw(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::string line;
  if (!std::getline(in, line) || line != "symphonic-raw 1") throw std::runtime_error("bad raw header in " + path);
  RawFile file;
  while (std::getline(in, line)) {
    if (line == "end") return file;
    std::istringstream head(line);
    std::string name;
    RawRecord r;
    std::size_t ndim = 0;
    head >> name >> r.type >> ndim;
    std::int64_t count = 1;
    for (std::size_t i = 0; i < ndim; ++i) {
      std::int64_t d = 0;
      head >> d;
      if (d < 0 || d > (1 << 26)) throw std::runtime_error("bad dimension in " + path);
      r.shape.push_back(d);
      count *= d;
    }
    if (!head || count > (1 << 26)) throw std::runtime_error("bad record header '" + line + "' in " + path);
    const auto n = static_cast<std::size_t>(count);
    if (r.type == "f64") {
      r.f64.resize(n);
      in.read(reinterpret_cast<char*>(r.f64.data()), static_cast<std::streamsize>(n * 8));
    } else if (r.type == "i32") {
      r.i32.resize(n);
      in.read(reinterpret_cast<char*>(r.i32.data()), static_cast<std::streamsize>(n * 4));
    } else if (r.type == "txt") {
      r.text.resize(n);
      in.read(r.text.data(), static_cast<std::streamsize>(n));
    } else {
      throw std::runtime_error("bad record type in " + path);
    }
    if (!in) throw std::runtime_error("truncated record " + name + " in " + path);
    file[name] = std::move(r);
  }
  throw std::runtime_error("no end marker in " + path);
}

}  // namespace symphonic_test
