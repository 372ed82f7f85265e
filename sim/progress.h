// scnvme-sim's progress line on stderr: simulated time, I/Os done, the simulated and wall-clock
// rates and, when number_ios or runtime bounds the run, an ETA; rewritten in place (carriage
// return) at most a few times per wall-second, finished with a newline.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

#include "workload.h"

namespace scnvme::sim {

class Progress {
 public:
  using Clock = std::chrono::steady_clock;

  /// `total_ios` and `end_sim_s` (0: unknown) give the ETA; `interval_s` is the wall time
  /// between refreshes.
  Progress(std::ostream& os, bool enabled, uint64_t total_ios, double end_sim_s, double interval_s = 0.25);

  /// auto: only when `fd` is a terminal; always; never.
  static bool wanted(const std::string& mode, int fd);
  /// The I/O count and simulated end that bound `wl`, when it has them (else 0).
  static void bounds(const WorkloadOptions& wl, uint64_t& total_ios, double& end_sim_s);

  /// Called as I/Os complete; prints when the interval has passed.
  void update(uint64_t now_ns, uint64_t ios);
  /// Prints the last state and ends the line (if anything is enabled).
  void finish();

  /// The line's text (no carriage return) after `wall_s` wall-seconds of the run.
  std::string line(uint64_t now_ns, uint64_t ios, double wall_s) const;

 private:
  void print(const Clock::time_point& now);

  std::ostream& os_;
  bool enabled_;
  uint64_t total_ios_;
  double end_sim_s_;
  Clock::duration interval_;
  bool started_ = false;
  Clock::time_point wall0_, last_;
  uint64_t now_ns_ = 0, ios_ = 0;
  std::size_t width_ = 0;  // of the previous line, to blank what a shorter one leaves
};

}  // namespace scnvme::sim
