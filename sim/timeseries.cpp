#include "timeseries.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <ostream>
#include <vector>

namespace scnvme::sim {

const char* const kTimeseriesHeader = "time_s,job,read_iops,write_iops,read_bytes_per_s,write_bytes_per_s,lat_mean_ns,lat_p99_ns";

namespace {

struct Interval {
  uint64_t reads = 0, writes = 0, read_bytes = 0, write_bytes = 0;
  std::vector<uint64_t> latencies;
};

/// The completions of `jobs` in intervals of `interval_ns` from `start_ns`, `count` of them.
std::vector<Interval> bucket(const std::vector<const JobResult*>& jobs, uint64_t start_ns, uint64_t interval_ns, std::size_t count) {
  std::vector<Interval> out(count);
  for (const JobResult* j : jobs)
    for (const Completion& c : j->completions) {
      const uint64_t since = c.at_ns > start_ns ? c.at_ns - start_ns : 0;
      // A completion exactly at an interval's end belongs to it (intervals are (a, b]).
      std::size_t k = since == 0 ? 0 : static_cast<std::size_t>((since - 1) / interval_ns);
      k = std::min(k, count - 1);
      Interval& i = out[k];
      (c.write ? i.writes : i.reads) += 1;
      (c.write ? i.write_bytes : i.read_bytes) += c.bytes;
      i.latencies.push_back(c.latency_ns);
    }
  return out;
}

void rows(std::ostream& os, const std::string& job, std::vector<Interval>& intervals, double interval_s) {
  char line[256];
  for (std::size_t k = 0; k < intervals.size(); ++k) {
    Interval& i = intervals[k];
    double mean = 0;
    uint64_t p99 = 0;
    if (!i.latencies.empty()) {
      long double sum = 0;
      for (const uint64_t v : i.latencies) sum += v;
      mean = static_cast<double>(sum / i.latencies.size());
      const std::size_t at = nearest_rank(99, i.latencies.size());  // as the summary's percentiles
      std::nth_element(i.latencies.begin(), i.latencies.begin() + static_cast<std::ptrdiff_t>(at), i.latencies.end());
      p99 = i.latencies[at];
    }
    std::snprintf(line, sizeof line, "%.9g,%s,%.6g,%.6g,%.6g,%.6g,%.1f,%llu\n", (k + 1) * interval_s, job.c_str(),
                  i.reads / interval_s, i.writes / interval_s, i.read_bytes / interval_s, i.write_bytes / interval_s, mean,
                  static_cast<unsigned long long>(p99));
    os << line;
  }
}

}  // namespace

void write_timeseries(std::ostream& os, const RunResult& run, double interval_s) {
  os << kTimeseriesHeader << "\n";
  const uint64_t interval_ns = std::max<uint64_t>(1, static_cast<uint64_t>(interval_s * 1e9 + 0.5));
  interval_s = static_cast<double>(interval_ns) / 1e9;
  uint64_t last = run.measure_start_ns;
  std::vector<const JobResult*> all;
  for (const auto& j : run.jobs) {
    all.push_back(&j);
    for (const Completion& c : j.completions) last = std::max(last, c.at_ns);
  }
  const uint64_t span = last - run.measure_start_ns;
  const std::size_t count = std::max<std::size_t>(1, static_cast<std::size_t>((span + interval_ns - 1) / interval_ns));
  for (const auto& j : run.jobs) {
    auto intervals = bucket({&j}, run.measure_start_ns, interval_ns, count);
    rows(os, j.name, intervals, interval_s);
  }
  auto intervals = bucket(all, run.measure_start_ns, interval_ns, count);
  rows(os, "all", intervals, interval_s);
}

bool write_timeseries(const std::string& path, const RunResult& run, double interval_s, std::string& error) {
  std::ofstream f(path);
  if (!f) {
    error = "cannot write " + path;
    return false;
  }
  write_timeseries(f, run, interval_s);
  f.flush();
  if (!f) {
    error = "writing " + path + " failed";
    return false;
  }
  return true;
}

}  // namespace scnvme::sim
