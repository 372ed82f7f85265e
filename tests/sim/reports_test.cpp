// scnvme-sim's reports: percentile and moment arithmetic against known distributions, fio's
// slat/clat/lat split, the JSON schema per job, the --timeseries CSV, and a --perfetto trace
// of a real run checked against the trace-event rules.
#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "statistics.h"
#include "support/sim_cli.h"
#include "support/trace_checks.h"
#include "timeseries.h"

using namespace scnvme;
using namespace scnvme::sim;

namespace {

TEST(LatencyStats, PercentilesOfAUniformSequenceAreItsNearestRanksToTheHistogramsResolution) {
  LatencyStats s;
  for (uint64_t v = 10000; v >= 1; --v) s.add(v);  // 1..10000, added in reverse
  EXPECT_EQ(s.count(), 10000u);
  EXPECT_EQ(s.min(), 1u);
  EXPECT_EQ(s.max(), 10000u);
  // The nearest ranks are the values themselves; a bucket is at most 1/512 of its values wide.
  for (const double p : {50.0, 90.0, 99.0, 99.9, 99.99}) {
    const double exact = p * 100;
    EXPECT_NEAR(static_cast<double>(s.percentile(p)), exact, exact / 512) << p;
  }
  EXPECT_EQ(s.percentile(0), 1u);
  EXPECT_EQ(s.percentile(100), 10000u);
  EXPECT_EQ(s.percentile(0.01), 1u);  // below 512 every value has its own bucket
  EXPECT_EQ(s.percentile(5), 500u);
  EXPECT_DOUBLE_EQ(s.mean(), 5000.5);
  // Sample standard deviation of 1..n: sqrt(n (n + 1) / 12).
  EXPECT_NEAR(s.stdev(), std::sqrt(10000.0 * 10001.0 / 12.0), 1e-6);
}

TEST(LatencyStats, EqualSamplesReportTheirValueExactly) {
  // A deterministic model often repeats a latency: its percentiles are that value, not a bucket's.
  LatencyStats s;
  for (int i = 0; i < 900; ++i) s.add(1850123);
  for (int i = 0; i < 100; ++i) s.add(97654321);
  EXPECT_EQ(s.percentile(50), 1850123u);
  EXPECT_EQ(s.percentile(90), 1850123u);
  EXPECT_EQ(s.percentile(99), 97654321u);
  EXPECT_EQ(s.percentile(99.9), 97654321u);
  EXPECT_DOUBLE_EQ(s.mean(), (900.0 * 1850123 + 100.0 * 97654321) / 1000);
}

TEST(LatencyStats, BucketsCoverEveryValueContiguouslyAndAreAtMostA512thWide) {
  EXPECT_EQ(LatencyStats::bucket_of(0), 0u);
  EXPECT_EQ(LatencyStats::bucket_of(1023), 1023u);
  for (const uint64_t v : {uint64_t{511}, uint64_t{512}, uint64_t{1024}, uint64_t{5000}, uint64_t{1} << 40, (uint64_t{1} << 40) + 12345,
                           ~uint64_t{0}}) {
    const std::size_t i = LatencyStats::bucket_of(v);
    EXPECT_LE(LatencyStats::bucket_low(i), v) << v;
    if (v != ~uint64_t{0}) {
      EXPECT_GT(LatencyStats::bucket_low(i + 1), v) << v;
      EXPECT_EQ(LatencyStats::bucket_of(LatencyStats::bucket_low(i + 1)), i + 1) << v;
      EXPECT_LE(LatencyStats::bucket_low(i + 1) - LatencyStats::bucket_low(i), std::max<uint64_t>(1, v / 512)) << v;
    }
  }
}

TEST(LatencyStats, MergingIsAddingEverySampleToOne) {
  std::mt19937_64 rng(11);
  std::lognormal_distribution<double> d(11, 1.5);
  LatencyStats a, b, one;
  for (int i = 0; i < 20000; ++i) {
    const auto v = static_cast<uint64_t>(d(rng));
    (i % 3 ? a : b).add(v);
    one.add(v);
  }
  LatencyStats merged;
  merged.merge(a);
  merged.merge(b);
  EXPECT_EQ(merged.count(), one.count());
  EXPECT_EQ(merged.min(), one.min());
  EXPECT_EQ(merged.max(), one.max());
  EXPECT_DOUBLE_EQ(merged.mean(), one.mean());
  EXPECT_DOUBLE_EQ(merged.stdev(), one.stdev());
  for (const double p : {1.0, 50.0, 90.0, 99.0, 99.9, 99.99}) EXPECT_EQ(merged.percentile(p), one.percentile(p)) << p;
}

TEST(LatencyStats, PercentilesOfAnExponentialSampleFollowItsQuantiles) {
  // Exponential with mean 10 us: the p-quantile is -mean ln(1 - p).
  std::mt19937_64 rng(7);
  std::exponential_distribution<double> d(1.0 / 10000.0);
  LatencyStats s;
  std::vector<uint64_t> all;
  for (int i = 0; i < 200000; ++i) {
    all.push_back(static_cast<uint64_t>(d(rng)));
    s.add(all.back());
  }
  std::sort(all.begin(), all.end());
  for (const double p : {50.0, 90.0, 99.0, 99.9}) {
    const double q = -10000.0 * std::log(1 - p / 100);
    EXPECT_NEAR(static_cast<double>(s.percentile(p)), q, q * 0.03) << p;
    const double exact = static_cast<double>(all[nearest_rank(p, all.size())]);
    EXPECT_NEAR(static_cast<double>(s.percentile(p)), exact, exact / 512) << p;
  }
  EXPECT_NEAR(s.mean(), 10000.0, 100.0);
}

TEST(Moments, AgreeWithTheExactStatisticsAndMergeExactly) {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<uint64_t> d(100, 100000);
  LatencyStats exact;  // its count, min, max, mean and deviation are exact sums
  Moments a, b;
  for (int i = 0; i < 5000; ++i) {
    const uint64_t v = d(rng);
    exact.add(v);
    (i % 3 ? a : b).add(v);
  }
  Moments all = a;
  all.merge(b);
  EXPECT_EQ(all.count(), exact.count());
  EXPECT_EQ(all.min(), exact.min());
  EXPECT_EQ(all.max(), exact.max());
  EXPECT_NEAR(all.mean(), exact.mean(), 1e-6 * exact.mean());
  EXPECT_NEAR(all.stdev(), exact.stdev(), 1e-6 * exact.stdev());
  Moments empty;
  empty.merge(a);
  EXPECT_EQ(empty.count(), a.count());
}

TEST(Timeseries, IntervalsCountEveryCompletionOnce) {
  RunResult run;
  run.measure_start_ns = 1000000;  // 1 ms
  JobResult j0, j1;
  j0.name = "a";
  j1.name = "b";
  // Interval 1 ms: completions at 1.5 ms (a, read), 2.0 ms (a, write: the end of the first
  // interval belongs to it), 2.5 ms (b, read), 3.9 ms (b, read).
  j0.completions = {{1500000, 100, 4096, false}, {2000000, 300, 8192, true}};
  j1.completions = {{2500000, 200, 4096, false}, {3900000, 400, 4096, false}};
  run.jobs = {j0, j1};
  std::ostringstream os;
  write_timeseries(os, run, 0.001);
  const std::string expected = std::string(kTimeseriesHeader) + "\n" +
                               "0.001,a,1000,1000,4.096e+06,8.192e+06,200.0,300\n"
                               "0.002,a,0,0,0,0,0.0,0\n"
                               "0.003,a,0,0,0,0,0.0,0\n"
                               "0.001,b,0,0,0,0,0.0,0\n"
                               "0.002,b,1000,0,4.096e+06,0,200.0,200\n"
                               "0.003,b,1000,0,4.096e+06,0,400.0,400\n"
                               "0.001,all,1000,1000,4.096e+06,8.192e+06,200.0,300\n"
                               "0.002,all,1000,0,4.096e+06,0,200.0,200\n"
                               "0.003,all,1000,0,4.096e+06,0,400.0,400\n";
  EXPECT_EQ(os.str(), expected);
}

class Reports : public test::SimCli {};

TEST_F(Reports, SlatPlusClatIsLatAndTheJsonHasThemPerJob) {
  const test::SimResult r = run("--log-level=error --rw=randrw --iodepth=4 --numjobs=2 --number_ios=400 --json " + path("r.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("slat (ns): min="), std::string::npos);
  EXPECT_NE(r.out.find("clat (ns): min="), std::string::npos);
  const auto j = nlohmann::json::parse(test::read_text(path("r.json")));
  ASSERT_EQ(j["results"]["jobs"].size(), 2u);
  for (const auto& job : j["results"]["jobs"])
    for (const char* dir : {"read", "write"}) {
      const auto& d = job[dir];
      for (const char* k : {"ios", "bytes", "iops", "bandwidth_bytes_per_s"}) EXPECT_TRUE(d.contains(k)) << k;
      for (const char* k : {"min", "mean", "stdev", "p50", "p90", "p99", "p999", "p9999", "max"})
        EXPECT_TRUE(d["latency_ns"].contains(k)) << k;
      // fio's lat = slat + clat, I/O by I/O, so the means add up.
      EXPECT_NEAR(d["slat_ns"]["mean"].get<double>() + d["clat_ns"]["mean"].get<double>(), d["latency_ns"]["mean"].get<double>(),
                  0.5);
      EXPECT_LE(d["clat_ns"]["max"].get<double>(), d["latency_ns"]["max"].get<double>());
    }
}

TEST_F(Reports, TimeseriesCsvAddsUpToTheRunsIos) {
  const test::SimResult r = run("--log-level=error --rw=randread --iodepth=8 --numjobs=2 --number_ios=1000 --json " + path("r.json") +
                                " --timeseries " + path("ts.csv") + " --timeseries_interval=0.0001");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream csv(test::read_text(path("ts.csv")));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, kTimeseriesHeader);
  std::map<std::string, double> ios;
  std::map<std::string, int> rows;
  while (std::getline(csv, line)) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string x; std::getline(ls, x, ',');) f.push_back(x);
    ASSERT_EQ(f.size(), 8u) << line;
    ios[f[1]] += (std::stod(f[2]) + std::stod(f[3])) * 0.0001;
    ++rows[f[1]];
    EXPECT_GE(std::stod(f[7]), std::stod(f[6]) * 0) << line;
  }
  EXPECT_NEAR(ios["job0"], 1000, 0.01);
  EXPECT_NEAR(ios["job1"], 1000, 0.01);
  EXPECT_NEAR(ios["all"], 2000, 0.01);
  EXPECT_EQ(rows["job0"], rows["all"]);
  EXPECT_GT(rows["all"], 2);
}

TEST_F(Reports, PerfettoTraceOfARunFollowsTheTraceEventRules) {
  const test::SimResult r =
      run("--log-level=error --rw=randrw --iodepth=8 --number_ios=300 --perfetto " + path("t.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Perfetto trace: "), std::string::npos);
  const auto doc = nlohmann::json::parse(test::read_text(path("t.json")));
  EXPECT_EQ(test::trace_event_problem(doc), "");
  uint64_t commands = 0, die_ops = 0, counters = 0, link = 0;
  std::map<int, std::string> tracks;
  for (const auto& e : doc["traceEvents"])
    if (e["ph"] == "M" && e["name"] == "thread_name") tracks[e["tid"].get<int>()] = e["args"]["name"];
  for (const auto& e : doc["traceEvents"]) {
    const std::string ph = e["ph"];
    if (ph == "b" && e["cat"] == "command" && e.contains("args")) ++commands;
    if (ph == "B" && tracks[e["tid"].get<int>()].find(".array") != std::string::npos) ++die_ops;  // opened as they start
    if (ph == "X" && tracks[e["tid"].get<int>()].find(".link.") != std::string::npos) ++link;        // planned ahead
    if (ph == "C") ++counters;
  }
  EXPECT_GE(commands, 300u);  // every I/O, plus the admin commands
  EXPECT_GT(die_ops, 100u);
  EXPECT_GT(link, 300u);
  EXPECT_GT(counters, 300u);
}

TEST_F(Reports, BadTraceOptionsAreRejected) {
  test::SimResult r = run("--perfetto_max_mb=-1 --perfetto " + path("t.json"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--perfetto_max_mb=-1: expected an integer in [0, 1048576]"), std::string::npos) << r.err;
  r = run("--timeseries " + path("ts.csv") + " --timeseries_interval=1e-9");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--timeseries_interval=1e-9"), std::string::npos) << r.err;
  r = run("--perfetto /nonexistent-dir/t.json");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/nonexistent-dir/t.json"), std::string::npos) << r.err;
}

}  // namespace
