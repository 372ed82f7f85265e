// One controller's diagnostics state (scnvme/diagnostics.h): which trace points are enabled, and
// the guest errors counted so far with the reporting rule (first occurrence per kind and subject
// printed with its value, then again at 10, 100, 1000, ... occurrences). Per instance: several
// controllers in one simulation keep their own filters and counts.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <systemc>

#include "scnvme/checkpoint.h"
#include "scnvme/diagnostics.h"

namespace scnvme::detail {

/// "0x1f".
std::string hex(uint64_t v);
/// "12.345678 us": a simulation time (or duration) in microseconds, to the picosecond.
std::string us_text(const sc_core::sc_time& t);
/// "SQ3" / "CQ3": the subject of a queue's guest errors.
inline std::string queue_subject(bool is_cq, uint32_t qid) { return (is_cq ? "CQ" : "SQ") + std::to_string(qid); }

class Diagnostics {
 public:
  explicit Diagnostics(std::string owner) : owner_(std::move(owner)) {}

  /// Enables the trace points (and per-occurrence guest-error lines) whose names match one of
  /// `patterns`; an empty list disables them all. ConfigError ("log_filter") for an empty pattern.
  void set_filter(const std::vector<std::string>& patterns);
  bool on(TracePoint p) const { return trace_on_[static_cast<std::size_t>(p)]; }
  bool on(GuestError k) const { return guest_on_[static_cast<std::size_t>(k)]; }

  /// Reports trace point `p` now if it is enabled: "<time> <owner>: <text>".
  void trace(TracePoint p, const std::string& text) const;

  /// Counts one guest error and reports it by the rule above (and as a trace line when its kind
  /// is enabled by the filter).
  void guest_error(GuestError kind, const std::string& subject, uint64_t value, const std::string& what);

  const std::vector<GuestErrorRecord>& records() const { return records_; }
  uint64_t count(GuestError kind) const { return totals_[static_cast<std::size_t>(kind)]; }
  /// The guest-error counts and records (the trace-point filter is the integrator's setting and
  /// stays as it is).
  void persist(checkpoint::Archive& a);

 private:
  void report_info(const std::string& type, const std::string& text) const;

  std::string owner_;
  std::array<bool, kTracePoints> trace_on_{};
  std::array<bool, kGuestErrorKinds> guest_on_{};
  std::vector<GuestErrorRecord> records_;                            // in order of first occurrence
  std::map<std::pair<GuestError, std::string>, std::size_t> index_;  // (kind, subject) -> records_
  std::array<uint64_t, kGuestErrorKinds> totals_{};
};

}  // namespace scnvme::detail
