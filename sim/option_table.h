// The table scnvme-sim's options are declared in: each option's name, help, default text and a
// setter that checks the value and names the accepted range when it is bad.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "workload.h"

namespace scnvme::sim {

struct BadValue {
  std::string message;
};

/// One model/workload option: its text default and how to apply a value.
struct Option {
  std::string name;
  std::string help;
  std::string default_text;
  std::function<void(const std::string&)> apply;  // throws BadValue
};

template <typename T>
std::function<void(const std::string&)> number(const std::string& name, T& field, uint64_t lo = 0,
                                               uint64_t hi = std::numeric_limits<T>::max()) {
  return [&field, name, lo, hi](const std::string& v) {
    uint64_t x = 0;
    std::size_t pos = 0;
    try {
      if (v.empty() || v[0] == '-') throw std::invalid_argument("");
      x = std::stoull(v, &pos, 0);
    } catch (const std::exception&) {
      pos = 0;
    }
    if (pos != v.size() || pos == 0 || x < lo || x > hi)
      throw BadValue{"--" + name + "=" + v + ": expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]"};
    field = static_cast<T>(x);
  };
}

inline std::function<void(const std::string&)> boolean(const std::string& name, bool& field) {
  return [&field, name](const std::string& v) {
    if (v == "1" || v == "true" || v == "yes" || v == "on") field = true;
    else if (v == "0" || v == "false" || v == "no" || v == "off") field = false;
    else throw BadValue{"--" + name + "=" + v + ": expected true/false (or 1/0, yes/no, on/off)"};
  };
}

inline std::function<void(const std::string&)> text(const std::string& name, std::string& field) {
  (void)name;
  return [&field](const std::string& v) { field = v; };
}

inline std::function<void(const std::string&)> size(const std::string& name, uint64_t& field, uint64_t lo = 0,
                                             uint64_t hi = std::numeric_limits<uint64_t>::max()) {
  return [&field, name, lo, hi](const std::string& v) {
    uint64_t x = 0;
    if (!parse_size(v, x) || x < lo || x > hi)
      throw BadValue{"--" + name + "=" + v + ": expected a size such as 4096, 4k, 128k, 1m, 2g in [" + std::to_string(lo) +
                     ", " + std::to_string(hi) + "] bytes"};
    field = x;
  };
}

inline std::function<void(const std::string&)> choice(const std::string& name, std::string& field, std::vector<std::string> allowed) {
  return [&field, name, allowed](const std::string& v) {
    for (const auto& a : allowed)
      if (a == v) {
        field = v;
        return;
      }
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    throw BadValue{"--" + name + "=" + v + ": expected one of " + list};
  };
}

template <typename T>
std::string str(const T& v) {
  std::ostringstream os;
  os << +v;
  return os.str();
}

/// A real number in [lo, hi].
inline std::function<void(const std::string&)> real(const std::string& name, double& field, double lo, double hi) {
  return [&field, name, lo, hi](const std::string& v) {
    double x = 0;
    std::size_t pos = 0;
    try {
      x = std::stod(v, &pos);
    } catch (const std::exception&) {
      pos = 0;
    }
    if (pos == 0 || pos != v.size() || !(x >= lo && x <= hi)) {
      std::ostringstream range;
      range << "[" << lo << ", " << hi << "]";
      throw BadValue{"--" + name + "=" + v + ": expected a number in " + range.str()};
    }
    field = x;
  };
}

}  // namespace scnvme::sim
