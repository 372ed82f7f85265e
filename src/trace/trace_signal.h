// A declared trace signal as model code drives it: the sinks that wanted it and their handles.
// With no sink attached (the usual case) every call is one empty-vector test.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <systemc>

#include "scnvme/trace.h"
#include "sim_now.h"

namespace scnvme::detail {

class TraceSignal {
 public:
  /// Declares `path` to `sink`; kept only if the sink wants it.
  void declare(TraceSink& sink, const std::string& path, unsigned bits) {
    const int id = sink.declare(path, bits);
    if (id >= 0) to_.emplace_back(&sink, id);
  }
  bool on() const { return !to_.empty(); }
  void set(const sc_core::sc_time& at, uint64_t value) const {
    for (const auto& [sink, id] : to_) sink->set(id, at, value);
  }
  void set(uint64_t value) const {
    if (on()) set(sim_now(), value);
  }
  void busy(const sc_core::sc_time& begin, const sc_core::sc_time& end, const char* what) const {
    if (end <= begin) return;
    for (const auto& [sink, id] : to_) sink->busy(id, begin, end, what);
  }
  /// Opens `n` intervals at `at` (a count rises by n).
  void begin(const sc_core::sc_time& at, const char* what, uint32_t n = 1) const {
    for (const auto& [sink, id] : to_)
      for (uint32_t i = 0; i < n; ++i) sink->begin(id, at, what);
  }
  /// Closes `n` intervals at `at`.
  void end(const sc_core::sc_time& at, uint32_t n = 1) const {
    for (const auto& [sink, id] : to_)
      for (uint32_t i = 0; i < n; ++i) sink->end(id, at);
  }

 private:
  std::vector<std::pair<TraceSink*, int>> to_;
};

}  // namespace scnvme::detail
