#include "progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ostream>

namespace scnvme::sim {

Progress::Progress(std::ostream& os, bool enabled, uint64_t total_ios, double end_sim_s, double interval_s)
    : os_(os),
      enabled_(enabled),
      total_ios_(total_ios),
      end_sim_s_(end_sim_s),
      interval_(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval_s))) {}

bool Progress::wanted(const std::string& mode, int fd) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  return isatty(fd) == 1;
}

void Progress::bounds(const WorkloadOptions& wl, uint64_t& total_ios, double& end_sim_s) {
  total_ios = 0;
  end_sim_s = 0;
  bool all_counted = true, all_timed = true;
  for (const auto& j : wl.jobs) {
    all_counted = all_counted && j.number_ios > 0;
    all_timed = all_timed && j.runtime_s > 0;
    total_ios += j.number_ios * j.numjobs;
    end_sim_s = std::max(end_sim_s, j.ramp_time_s + j.runtime_s);
  }
  if (!all_counted) total_ios = 0;
  if (!all_timed) end_sim_s = 0;
}

std::string Progress::line(uint64_t now_ns, uint64_t ios, double wall_s) const {
  const double sim_s = now_ns / 1e9;
  char buf[256];
  int n = std::snprintf(buf, sizeof buf, "progress: sim %.3f ms, %llu", sim_s * 1e3, static_cast<unsigned long long>(ios));
  if (total_ios_) n += std::snprintf(buf + n, sizeof buf - n, "/%llu", static_cast<unsigned long long>(total_ios_));
  n += std::snprintf(buf + n, sizeof buf - n, " I/Os, %.0f IOPS, %.0f I/Os per wall-s", sim_s > 0 ? ios / sim_s : 0.0,
                     wall_s > 0 ? ios / wall_s : 0.0);
  double done = 0;
  if (total_ios_) done = std::max(done, static_cast<double>(ios) / total_ios_);
  if (end_sim_s_ > 0) done = std::max(done, sim_s / end_sim_s_);
  if (total_ios_ || end_sim_s_ > 0) {
    done = std::min(done, 1.0);
    n += std::snprintf(buf + n, sizeof buf - n, ", %.0f%%", 100 * done);
    if (done > 0) std::snprintf(buf + n, sizeof buf - n, ", ETA %.1f s", wall_s * (1 - done) / done);
    else std::snprintf(buf + n, sizeof buf - n, ", ETA ?");
  }
  return buf;
}

void Progress::update(uint64_t now_ns, uint64_t ios) {
  if (!enabled_) return;
  const auto now = Clock::now();
  if (!started_) {
    started_ = true;
    wall0_ = last_ = now;
  }
  now_ns_ = now_ns;
  ios_ = ios;
  if (now - last_ >= interval_) print(now);
}

void Progress::print(const Clock::time_point& now) {
  last_ = now;
  const std::string text = line(now_ns_, ios_, std::chrono::duration<double>(now - wall0_).count());
  os_ << '\r' << text << std::string(width_ > text.size() ? width_ - text.size() : 0, ' ') << std::flush;
  width_ = text.size();
}

void Progress::finish() {
  if (!enabled_ || !started_) return;
  print(Clock::now());
  os_ << '\n' << std::flush;
}

}  // namespace scnvme::sim
