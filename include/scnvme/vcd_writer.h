// scnvme::VcdWriter — a TraceSink writing a Value Change Dump for gtkwave (IEEE 1364 VCD).
//
// Signals become variables in nested scopes (one per dot in the path; numbered names in numeric
// order); a 1-bit signal is a wire, a wider one a vector; the timescale is the SystemC time
// resolution. Changes are buffered until simulation time passes them (they may be announced
// ahead of time and out of order), then written in time order; changes at one instant collapse
// into the final value.
#pragma once

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "scnvme/trace.h"

namespace scnvme {

namespace detail {
class ChangeOrder;
}

class VcdWriter : public TraceSink {
 public:
  /// Opens `path` for writing (std::runtime_error if it cannot be). `filters`: shell-style
  /// patterns ('*' any text, '?' one character) of the signal paths wanted; empty: all.
  explicit VcdWriter(const std::string& path, std::vector<std::string> filters = {});
  ~VcdWriter() override;
  VcdWriter(const VcdWriter&) = delete;
  VcdWriter& operator=(const VcdWriter&) = delete;

  int declare(const std::string& path, unsigned bits) override;
  void set(int id, const sc_core::sc_time& at, uint64_t value) override;
  void busy(int id, const sc_core::sc_time& begin, const sc_core::sc_time& end, const char* what) override;
  void begin(int id, const sc_core::sc_time& at, const char* what) override;
  void end(int id, const sc_core::sc_time& at) override;

  /// Writes every change still buffered (future ones included) and closes the file; later
  /// changes are ignored. The destructor calls it.
  void close();
  std::size_t signals() const { return signals_.size(); }
  uint64_t changes_written() const { return changes_written_; }

  /// True if `path` matches the shell-style `pattern` ('*', '?').
  static bool matches(const std::string& pattern, const std::string& path);

 private:
  struct Signal {
    std::string path;
    unsigned bits = 1;
    std::string code;  // VCD identifier
  };

  void change(const sc_core::sc_time& at, int id, bool absolute, int64_t value);
  /// Writes the changes before `limit` (time-resolution units).
  void flush_before(uint64_t limit);
  void write_header();
  void write_value(const Signal& s, uint64_t value);

  std::ofstream out_;
  std::vector<std::string> filters_;
  std::vector<Signal> signals_;
  std::unique_ptr<detail::ChangeOrder> order_;
  uint64_t last_time_ = 0;  // of the last timestamp written
  uint64_t changes_written_ = 0;
  bool header_written_ = false;
  bool closed_ = false;
};

}  // namespace scnvme
