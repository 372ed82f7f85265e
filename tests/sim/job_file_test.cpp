// fio job files in scnvme-sim: the parser (syntax errors with their line), keys and values checked
// with FILE:LINE, global < job < command line, several job sections in one run, bssplit, the
// random distributions' shapes, ramp_time, time_based, rate_iops, thinktime and the progress line.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "distributions.h"
#include "job_file.h"
#include "job_options.h"
#include "options.h"
#include "progress.h"

#ifndef SCNVME_SIM_PATH
#error "SCNVME_SIM_PATH must name the scnvme-sim executable"
#endif
#ifndef SCNVME_EXAMPLE_JOB
#error "SCNVME_EXAMPLE_JOB must name sim/jobs/example.fio"
#endif

namespace {

using scnvme::sim::BlockPicker;
using scnvme::sim::Distribution;
using scnvme::sim::JobFile;
using scnvme::sim::ParseOutcome;
using scnvme::sim::SimOptions;

// Media timing does not matter for most cases: the flash backend is off to keep them fast.
const std::string kFast = "--flash.enabled=false --log-level=error ";

class JobFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/scnvme-jobfile-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string path(const std::string& n) const { return dir_ + "/" + n; }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name)) << text;
    return path(name);
  }
  static std::string slurp(const std::string& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  /// Parses a command line (after the program name) in this process.
  ParseOutcome parse(const std::vector<std::string>& args, SimOptions& opt, std::string& err) const {
    std::vector<const char*> argv{"scnvme-sim"};
    for (const auto& a : args) argv.push_back(a.c_str());
    std::ostringstream o, e;
    const ParseOutcome r = scnvme::sim::parse_command_line(static_cast<int>(argv.size()), argv.data(), opt, o, e);
    err = e.str();
    return r;
  }
  /// Bad input: BadInput and one line containing `needle`.
  void expect_rejected(const std::vector<std::string>& args, const std::string& needle) const {
    SimOptions opt;
    std::string err;
    EXPECT_EQ(parse(args, opt, err), ParseOutcome::BadInput) << args.back();
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    EXPECT_NE(err.find(needle), std::string::npos) << err;
  }

  /// Runs the binary; returns the exit code, fills the JSON, stdout and stderr.
  int run(const std::string& args, nlohmann::json* json = nullptr, std::string* out = nullptr, std::string* err = nullptr) const {
    const std::string cmd = "SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 '" SCNVME_SIM_PATH "' " + args + " --json '" + path("r.json") +
                            "' >'" + path("out.txt") + "' 2>'" + path("err.txt") + "'";
    std::remove(path("r.json").c_str());
    const int status = std::system(cmd.c_str());
    if (out) *out = slurp(path("out.txt"));
    if (err) *err = slurp(path("err.txt"));
    std::ifstream in(path("r.json"));
    if (json && in) *json = nlohmann::json::parse(in);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  /// Runs and expects success; returns the JSON.
  nlohmann::json ok(const std::string& args) const {
    nlohmann::json j;
    std::string err;
    EXPECT_EQ(run(args, &j, nullptr, &err), 0) << args << "\n" << err;
    return j;
  }

  std::string dir_;
};

bool parse_text(const std::string& text, JobFile& f, std::string& error) {
  std::istringstream in(text);
  return scnvme::sim::parse_job_file(in, "t.fio", f, error);
}

double job_iops(const nlohmann::json& job) {
  const double t = job["time_ns"].get<double>() * 1e-9;
  return t > 0 ? job["ios"].get<double>() / t : 0;
}

}  // namespace

// ---- The parser ----

TEST(JobFileParser, SectionsCommentsSpacingAndBareKeys) {
  JobFile f;
  std::string error;
  ASSERT_TRUE(parse_text("; leading comment\n"
                         "# another\n"
                         "[global]\n"
                         "bs = 8k\n"
                         "  time_based\n"
                         "runtime=1ms   ; trailing comment\n"
                         "\n"
                         "[seq writer]\n"
                         "rw=write\n"
                         "[global]\n"
                         "iodepth=4 # later globals apply to later jobs only\n"
                         "[rand-reader]   ; a comment after a header\n"
                         "rw =randread\n",
                         f, error))
      << error;
  ASSERT_EQ(f.jobs.size(), 2u);
  EXPECT_EQ(f.jobs[0].name, "seq writer");
  EXPECT_EQ(f.jobs[0].line, 8);
  ASSERT_EQ(f.jobs[0].entries.size(), 4u);
  EXPECT_EQ(f.jobs[0].entries[0].key, "bs");
  EXPECT_EQ(f.jobs[0].entries[0].value, "8k");
  EXPECT_EQ(f.jobs[0].entries[0].line, 4);
  EXPECT_EQ(f.jobs[0].entries[1].key, "time_based");
  EXPECT_EQ(f.jobs[0].entries[1].value, "1");
  EXPECT_EQ(f.jobs[0].entries[2].value, "1ms");
  EXPECT_EQ(f.jobs[0].entries[3].key, "rw");
  EXPECT_EQ(f.jobs[0].entries[3].line, 9);
  ASSERT_EQ(f.jobs[1].entries.size(), 5u);
  EXPECT_EQ(f.jobs[1].entries[3].key, "iodepth");
  EXPECT_EQ(f.jobs[1].entries[3].value, "4");
  EXPECT_EQ(f.jobs[1].entries[4].value, "randread");
  EXPECT_EQ(f.jobs[1].entries[4].line, 13);
}

TEST(JobFileParser, SyntaxErrorsNameTheLine) {
  const struct {
    const char* text;
    const char* expected;
  } cases[] = {
      {"[global]\nbs=4k\n[job\nrw=read\n", "t.fio:3: malformed section header"},
      {"; c\nrw=read\n[j]\n", "t.fio:2: \"rw=read\" is outside any section"},
      {"[j]\nrw=read\nbs=\n", "t.fio:3: \"bs=\" has no value"},
      {"[j]\n\n=4k\n", "t.fio:3: malformed entry"},
      {"[j]\nrw read\n", "t.fio:2: malformed entry"},
      {"[]\n", "t.fio:1: malformed section header"},
      {"[global]\nbs=4k\n", "t.fio: no job section"},
  };
  for (const auto& c : cases) {
    JobFile f;
    std::string error;
    EXPECT_FALSE(parse_text(c.text, f, error)) << c.text;
    EXPECT_EQ(error.rfind(c.expected, 0), 0u) << "got: " << error;
  }
}

TEST_F(JobFileTest, UnknownKeysAndBadValuesNameFileLineAndAcceptedValues) {
  const std::string f1 = write("a.fio", "[global]\nbs=4k\n\n[job1]\nrw=randread\nfrobnicate=3\n");
  expect_rejected({f1}, f1 + ":6: unknown key \"frobnicate\" (accepted: rw, bs, bssplit,");
  const std::string f2 = write("b.fio", "; c\n[job]\nrw=upward\n");
  expect_rejected({f2}, f2 + ":3: rw=upward: expected one of read, write, randread, randwrite, rw, readwrite, randrw");
  const std::string f3 = write("c.fio", "[global]\niodepth=4\n[x]\n[y]\nbssplit=4k/50:64k/60\n");
  expect_rejected({f3}, f3 + ":5: bssplit=4k/50:64k/60: expected SIZE/PERCENT");
  const std::string f4 = write("d.fio", "[x]\nrw=randread\nrandom_distribution=zipf:-1\n");
  expect_rejected({f4}, f4 + ":3: random_distribution=zipf:-1: expected random, zipf:THETA");
  const std::string f5 = write("e.fio", "[x]\npower_loss_at=0.001\n");
  expect_rejected({f5}, f5 + ":2: power_loss_at applies to the whole run: set it in [global]");
  const std::string f6 = write("f.fio", "[x]\nruntime=soon\n");
  expect_rejected({f6}, f6 + ":2: runtime=soon: expected a time >= 0");
  const std::string f7 = write("g.fio", "[x]\nbs=1000\n");
  expect_rejected({f7}, f7 + ":2: bs=1000: expected a multiple of 512 bytes");
  const std::string f8 = write("h.fio", "[x]\ntime_based=maybe\n");
  expect_rejected({f8}, f8 + ":2: time_based=maybe: expected true/false");
  expect_rejected({path("missing.fio")}, "missing.fio: cannot open the job file");
  expect_rejected({"--progress=sometimes"}, "--progress=sometimes: expected one of auto, always, never");
  expect_rejected({"--random_distribution=pareto:1.5"}, "--random_distribution=pareto:1.5: expected");
}

TEST_F(JobFileTest, GlobalThenJobThenCommandLine) {
  const std::string f = write("o.fio",
                              "[global]\nbs=8k\niodepth=2\nrw=randread\nrate_iops=1000\n"
                              "[a]\niodepth=4\nrw=write\n"
                              "[b]\nbssplit=4k/25:16k/75\nnumjobs=2\nname=bee\n");
  SimOptions opt;
  std::string err;
  ASSERT_EQ(parse({f}, opt, err), ParseOutcome::Run) << err;
  ASSERT_EQ(opt.workload.jobs.size(), 2u);
  const auto& a = opt.workload.jobs[0];
  const auto& b = opt.workload.jobs[1];
  EXPECT_EQ(a.name, "a");
  EXPECT_EQ(a.bs, 8192u);
  EXPECT_EQ(a.iodepth, 4u);
  EXPECT_EQ(a.rw, "write");
  EXPECT_EQ(a.rate_iops, 1000u);
  EXPECT_EQ(b.name, "bee");
  EXPECT_EQ(b.iodepth, 2u);
  EXPECT_EQ(b.rw, "randread");
  ASSERT_EQ(b.bssplit.size(), 2u);
  EXPECT_EQ(b.bssplit[1].bytes, 16384u);
  EXPECT_EQ(b.bssplit[1].percent, 75u);
  EXPECT_EQ(opt.workload.instances(), 3u);
  EXPECT_EQ(opt.driver.io_queues, 3u);

  // Command-line workload options apply to every job, over the file.
  SimOptions cli;
  ASSERT_EQ(parse({f, "--iodepth=16", "--rw=randrw", "--rwmixwrite=30", "--time_based", "--thinktime=2ms"}, cli, err),
            ParseOutcome::Run)
      << err;
  for (const auto& j : cli.workload.jobs) {
    EXPECT_EQ(j.iodepth, 16u) << j.name;
    EXPECT_EQ(j.rw, "randrw") << j.name;
    EXPECT_EQ(j.rwmixread, 70u) << j.name;
    EXPECT_TRUE(j.time_based) << j.name;
    EXPECT_EQ(j.thinktime_us, 2000u) << j.name;
  }
  EXPECT_EQ(cli.effective["iodepth"], "16");
  EXPECT_EQ(cli.effective["jobfile"], f);
  // --bs on the command line wins over a file's bssplit.
  SimOptions bs;
  ASSERT_EQ(parse({f, "--bs=4k"}, bs, err), ParseOutcome::Run) << err;
  EXPECT_TRUE(bs.workload.jobs[1].bssplit.empty());
  EXPECT_EQ(bs.workload.jobs[1].bs, 4096u);
}

TEST(JobFileOptions, TimesAndBlockSizeSplits) {
  double s = 0;
  ASSERT_TRUE(scnvme::sim::parse_time("10", 1e-6, s));
  EXPECT_DOUBLE_EQ(s, 10e-6);
  ASSERT_TRUE(scnvme::sim::parse_time("2ms", 1, s));
  EXPECT_DOUBLE_EQ(s, 2e-3);
  ASSERT_TRUE(scnvme::sim::parse_time("0.5s", 1, s));
  EXPECT_DOUBLE_EQ(s, 0.5);
  EXPECT_FALSE(scnvme::sim::parse_time("-1", 1, s));
  EXPECT_FALSE(scnvme::sim::parse_time("3 weeks", 1, s));
  std::vector<scnvme::sim::BlockSizeShare> v;
  std::string why;
  ASSERT_TRUE(scnvme::sim::parse_bssplit("4k/50:64k/40:1m/10", v, why)) << why;
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[2].bytes, 1u << 20);
  EXPECT_EQ(v[2].percent, 10u);
  ASSERT_TRUE(scnvme::sim::parse_bssplit("4k/40:8k/:16k/", v, why));  // the rest shared
  EXPECT_EQ(v[1].percent, 30u);
  EXPECT_EQ(v[2].percent, 30u);
  EXPECT_FALSE(scnvme::sim::parse_bssplit("4k/50:8k/40", v, why));   // 90%
  EXPECT_FALSE(scnvme::sim::parse_bssplit("4k/50:6k/50", v, why));   // 6k is no multiple of 4k
  EXPECT_FALSE(scnvme::sim::parse_bssplit("4k/50,8k/100", v, why));  // read,write splits
  EXPECT_FALSE(scnvme::sim::parse_bssplit("1000/100", v, why));
}

// ---- Random distributions: the shapes, from the generator the jobs use ----

namespace {
std::vector<uint64_t> histogram(const char* spec, uint64_t blocks, int draws) {
  Distribution d;
  std::string why;
  EXPECT_TRUE(scnvme::sim::parse_distribution(spec, d, why)) << why;
  BlockPicker p(d, blocks, 42);
  std::mt19937_64 rng(7);
  std::vector<uint64_t> h(blocks);
  for (int i = 0; i < draws; ++i) {
    const uint64_t b = p.next(rng);
    EXPECT_LT(b, blocks);
    if (b < blocks) ++h[b];
  }
  return h;
}
/// The share of draws that went to the hottest `fraction` of the blocks.
double top_share(std::vector<uint64_t> h, double fraction) {
  std::sort(h.rbegin(), h.rend());
  const auto n = static_cast<std::size_t>(fraction * h.size());
  uint64_t top = 0, all = 0;
  for (std::size_t i = 0; i < h.size(); ++i) (i < n ? top : all) += h[i];
  return static_cast<double>(top) / static_cast<double>(top + all);
}
}  // namespace

TEST(JobFileDistributions, UniformIsFlat) {
  const auto h = histogram("random", 10000, 200000);
  EXPECT_LT(top_share(h, 0.1), 0.15);
  EXPECT_EQ(std::count(h.begin(), h.end(), 0u), 0);  // 20 draws per block: all hit
}

TEST(JobFileDistributions, ZipfConcentratesOnFewBlocks) {
  const uint64_t n = 10000;
  const auto h = histogram("zipf:1.2", n, 200000);
  // P(rank k) = k^-1.2 / H(n, 1.2): the top 10% of ranks hold ~90% of the draws, the hottest ~20.8%.
  double hn = 0, h10 = 0;
  for (uint64_t k = 1; k <= n; ++k) {
    hn += std::pow(static_cast<double>(k), -1.2);
    if (k <= n / 10) h10 += std::pow(static_cast<double>(k), -1.2);
  }
  EXPECT_NEAR(top_share(h, 0.1), h10 / hn, 0.01);
  EXPECT_GT(top_share(h, 0.1), 0.8);
  EXPECT_NEAR(static_cast<double>(*std::max_element(h.begin(), h.end())) / 200000, 1 / hn, 0.01);
  // The hot blocks are scattered over the range, not all at its start.
  std::vector<uint64_t> sorted(h);
  std::sort(sorted.rbegin(), sorted.rend());
  uint64_t in_first_tenth = 0;
  for (uint64_t b = 0; b < n / 10; ++b) in_first_tenth += h[b] >= sorted[n / 100] ? 1 : 0;
  EXPECT_LT(in_first_tenth, n / 100 / 2);
  // A lower exponent spreads the accesses more.
  EXPECT_LT(top_share(histogram("zipf:0.8", n, 200000), 0.1), top_share(h, 0.1) - 0.2);
}

TEST(JobFileDistributions, ParetoFollowsTheRatio) {
  // pareto:0.2 (fio's h): 80% of the accesses go to 20% of the blocks.
  EXPECT_NEAR(top_share(histogram("pareto:0.2", 10000, 200000), 0.2), 0.8, 0.02);
  EXPECT_NEAR(top_share(histogram("pareto:0.1", 10000, 200000), 0.1), 0.9, 0.02);
}

TEST(JobFileDistributions, NormalIsCentredWithTheGivenSpread) {
  const uint64_t n = 10000;
  const auto h = histogram("normal:10", n, 200000);
  double sum = 0, sq = 0, within = 0;
  for (uint64_t b = 0; b < n; ++b) {
    sum += static_cast<double>(b) * h[b];
    within += (std::abs(static_cast<double>(b) + 0.5 - n / 2.0) <= n / 10.0) ? h[b] : 0;
  }
  const double mean = sum / 200000;
  for (uint64_t b = 0; b < n; ++b) sq += (b - mean) * (b - mean) * h[b];
  EXPECT_NEAR(mean, n / 2.0, n * 0.005);
  EXPECT_NEAR(std::sqrt(sq / 200000), n * 0.10, n * 0.005);
  EXPECT_NEAR(within / 200000, 0.683, 0.01);  // one sigma either side
}

TEST(JobFileDistributions, ScatteringIsAPermutation) {
  for (uint64_t n : {1ull, 2ull, 97ull, 1000ull, 4096ull}) {
    BlockPicker p({Distribution::Kind::Zipf, 1.1}, n, 3);
    std::set<uint64_t> seen;
    for (uint64_t r = 0; r < n; ++r) seen.insert(p.block_of_rank(r));
    EXPECT_EQ(seen.size(), n);
    EXPECT_LT(*seen.rbegin(), n);
  }
}

// ---- End to end ----

TEST_F(JobFileTest, TwoJobSectionsWithDifferentRwInOneRun) {
  const std::string f = write("two.fio",
                              "[global]\nsize=4m\nnumber_ios=300\n"
                              "[writer]\nrw=write\nbs=16k\niodepth=4\n"
                              "[reader]\nrw=randread\nbs=4k\niodepth=8\nrandom_distribution=zipf:1.1\n");
  nlohmann::json j;
  std::string out, err;
  ASSERT_EQ(run(kFast + f, &j, &out, &err), 0) << err;
  EXPECT_NE(out.find("2 I/O queue pair(s)"), std::string::npos) << out;
  EXPECT_NE(out.find("writer: (rw=write, bs=16384, iodepth=4, nsid=1)"), std::string::npos) << out;
  EXPECT_NE(out.find("reader: (rw=randread, bs=4096, iodepth=8, nsid=1, random_distribution=zipf:1.1)"), std::string::npos) << out;
  EXPECT_NE(out.find("600 I/Os"), std::string::npos) << out;
  const auto& jobs = j["results"]["jobs"];
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0]["name"], "writer");
  EXPECT_EQ(jobs[0]["options"]["rw"], "write");
  EXPECT_EQ(jobs[0]["write"]["ios"], 300);
  EXPECT_EQ(jobs[0]["read"]["ios"], 0);
  EXPECT_EQ(jobs[0]["ios_by_bs"]["16384"], 300);
  EXPECT_EQ(jobs[1]["name"], "reader");
  EXPECT_EQ(jobs[1]["read"]["ios"], 300);
  EXPECT_EQ(jobs[1]["write"]["ios"], 0);
  EXPECT_EQ(j["results"]["ios_completed"], 600);
  EXPECT_EQ(j["results"]["write"]["ios"], 300);
  EXPECT_EQ(j["results"]["verify"]["failures"], 0);
  EXPECT_EQ(j["configuration"]["rw"], "write");  // the first job's

  // numjobs instances are reported as name.N, each on its own queue pair.
  const std::string g = write("clones.fio", "[w]\nrw=randrw\nnumjobs=3\nnumber_ios=50\nsize=1m\n");
  ASSERT_EQ(run(kFast + g, &j, &out, &err), 0) << err;
  EXPECT_NE(out.find("3 I/O queue pair(s)"), std::string::npos) << out;
  for (const char* name : {"w.0: (rw=randrw", "w.1: (rw=randrw", "w.2: (rw=randrw"})
    EXPECT_NE(out.find(name), std::string::npos) << name << "\n" << out;
  EXPECT_EQ(j["results"]["jobs"][2]["name"], "w.2");
  EXPECT_EQ(j["results"]["jobs"][2]["instance"], 2);
}

TEST_F(JobFileTest, StonewallRunsTheJobsAfterItOnceTheEarlierOnesFinished) {
  // A preconditioning pass, then the measured job: with stonewall the fill covers the whole
  // namespace (it does not share it with the later job) and the second job starts after it.
  const std::string body = "[global]\nverify=0\n"
                           "[fill]\nrw=write\nbs=128k\niodepth=8\n"
                           "[measure]\n%srw=randread\nbs=4k\niodepth=4\nnumber_ios=200\n";
  auto file = [&](const char* extra) {
    char text[256];
    std::snprintf(text, sizeof text, body.c_str(), extra);
    return write(std::string(extra[0] ? "wall" : "nowall") + ".fio", text);
  };
  const std::string ns = "--ns1.size=16m ";
  nlohmann::json walled, shared;
  std::string out, err;
  ASSERT_EQ(run(kFast + ns + file("stonewall\n"), &walled, &out, &err), 0) << err;
  ASSERT_EQ(run(kFast + ns + file(""), &shared, &out, &err), 0) << err;
  const auto& w = walled["results"]["jobs"];
  const auto& s = shared["results"]["jobs"];
  EXPECT_EQ(w[0]["write"]["bytes"], 16u << 20);  // the whole namespace
  EXPECT_EQ(s[0]["write"]["bytes"], 8u << 20);   // half of it, the other half is the reader's
  EXPECT_EQ(w[1]["read"]["ios"], 200);
  // One after the other: the run spans both jobs' measured periods.
  const double fill = w[0]["time_ns"].get<double>(), measure = w[1]["time_ns"].get<double>();
  EXPECT_GE(walled["results"]["sim_time_ns"].get<double>(), fill + measure);
  EXPECT_LT(shared["results"]["sim_time_ns"].get<double>(), s[0]["time_ns"].get<double>() + s[1]["time_ns"].get<double>());
  // A later job may not verify what an earlier one wrote (its expectations start empty).
  const std::string bad = write("bad.fio", "[fill]\nrw=write\nbs=128k\nverify=0\n[check]\nstonewall\nrw=randread\nnumber_ios=10\n");
  EXPECT_EQ(run(kFast + ns + bad, &walled, &out, &err), 1);
  EXPECT_NE(err.find("the later one (after stonewall) would verify what the earlier one wrote"), std::string::npos) << err;
}

TEST_F(JobFileTest, BssplitProportions) {
  const nlohmann::json j = ok(kFast + "--rw=randrw --bssplit=4k/50:16k/40:64k/10 --iodepth=8 --number_ios=4000 --size=16m");
  const auto& by = j["results"]["jobs"][0]["ios_by_bs"];
  const double n = 4000;
  EXPECT_NEAR(by["4096"].get<double>() / n, 0.50, 0.03);
  EXPECT_NEAR(by["16384"].get<double>() / n, 0.40, 0.03);
  EXPECT_NEAR(by["65536"].get<double>() / n, 0.10, 0.02);
  EXPECT_EQ(j["results"]["verify"]["failures"], 0);  // mixed sizes over the same blocks verify
  const auto& r = j["results"];
  const double bytes = r["read"]["bytes"].get<double>() + r["write"]["bytes"].get<double>();
  EXPECT_DOUBLE_EQ(bytes, by["4096"].get<double>() * 4096 + by["16384"].get<double>() * 16384 + by["65536"].get<double>() * 65536);
}

TEST_F(JobFileTest, RampTimeIsNotCounted) {
  const nlohmann::json plain = ok(kFast + "--number_ios=300");
  const nlohmann::json ramped = ok(kFast + "--number_ios=300 --ramp_time=100us");
  const auto& job = ramped["results"]["jobs"][0];
  EXPECT_EQ(ramped["results"]["ios_completed"], 300);  // number_ios counts after the ramp
  EXPECT_EQ(job["read"]["latency_ns"].is_object(), true);
  EXPECT_EQ(job["ios"], 300);
  // ~2.3 us per I/O at iodepth 1: about 43 I/Os ran in the ramp.
  const double per_io = plain["results"]["sim_time_ns"].get<double>() / 300;
  EXPECT_NEAR(job["ramp_ios"].get<double>(), 100000 / per_io, 3);
  // The measured period starts at the ramp's end: the same length as without a ramp.
  EXPECT_NEAR(ramped["results"]["sim_time_ns"].get<double>(), plain["results"]["sim_time_ns"].get<double>(), 2 * per_io);
  EXPECT_EQ(plain["results"]["jobs"][0]["ramp_ios"], 0);
}

TEST_F(JobFileTest, TimeBasedRunsUntilRuntime) {
  // Without time_based one pass over size ends the job (16 I/Os of 4 KiB), runtime only bounds it.
  const nlohmann::json pass = ok(kFast + "--rw=read --size=64k --runtime=1ms");
  EXPECT_EQ(pass["results"]["ios_completed"], 16);
  EXPECT_LT(pass["results"]["sim_time_ns"].get<double>(), 200000);
  // With it the job wraps around and runs for the runtime.
  const nlohmann::json timed = ok(kFast + "--rw=read --size=64k --runtime=1ms --time_based");
  EXPECT_GT(timed["results"]["ios_completed"].get<uint64_t>(), 300u);
  EXPECT_NEAR(timed["results"]["sim_time_ns"].get<double>(), 1e6, 0.01e6);
  // In a job file the bare key does the same, and ramp_time comes on top of runtime.
  const std::string f = write("t.fio", "[global]\ntime_based\nruntime=1ms\nramp_time=0.5ms\n[j]\nrw=randread\nsize=64k\n");
  const nlohmann::json file = ok(kFast + f);
  EXPECT_NEAR(file["results"]["sim_time_ns"].get<double>(), 1e6, 0.01e6);
  EXPECT_GT(file["results"]["jobs"][0]["ramp_ios"].get<uint64_t>(), 100u);
}

TEST_F(JobFileTest, RateIopsBoundsTheAchievedRate) {
  const nlohmann::json free = ok(kFast + "--iodepth=4 --runtime=2ms --time_based");
  const double uncapped = job_iops(free["results"]["jobs"][0]);
  ASSERT_GT(uncapped, 200000);
  for (const uint64_t cap : {20000ull, 100000ull}) {
    const nlohmann::json j = ok(kFast + "--iodepth=4 --runtime=2ms --time_based --rate_iops=" + std::to_string(cap));
    const double iops = job_iops(j["results"]["jobs"][0]);
    EXPECT_LE(iops, cap * 1.03) << cap;
    EXPECT_GE(iops, cap * 0.95) << cap;
  }
  // Per job instance: two instances at 20000 each make 40000.
  const nlohmann::json two = ok(kFast + "--numjobs=2 --iodepth=4 --runtime=2ms --time_based --rate_iops=20000");
  EXPECT_NEAR(two["results"]["iops"].get<double>(), 40000, 40000 * 0.05);
}

TEST_F(JobFileTest, ThinktimeLowersTheRateAsPredicted) {
  const nlohmann::json base = ok(kFast + "--number_ios=300");
  const nlohmann::json think = ok(kFast + "--number_ios=300 --thinktime=10");
  // iodepth 1: each I/O's period grows by the think time, 10 us.
  const double period0 = 1 / job_iops(base["results"]["jobs"][0]);
  const double period1 = 1 / job_iops(think["results"]["jobs"][0]);
  EXPECT_NEAR(period1, period0 + 10e-6, 0.02 * (period0 + 10e-6));
  // fio semantics at a depth: thinktime_blocks I/Os go out, complete, then the job thinks.
  const nlohmann::json deep = ok(kFast + "--number_ios=320 --iodepth=8 --thinktime=20 --thinktime_blocks=8");
  const double batches = 320.0 / 8;
  const double t = deep["results"]["jobs"][0]["time_ns"].get<double>() * 1e-9;
  EXPECT_GT(t, batches * 20e-6);
  EXPECT_LT(t, batches * (20e-6 + 8 * period0));
}

TEST_F(JobFileTest, ExampleJobFileRuns) {
  nlohmann::json j;
  std::string out, err;
  ASSERT_EQ(run(kFast + "'" SCNVME_EXAMPLE_JOB "'", &j, &out, &err), 0) << err;
  EXPECT_NE(out.find("writer: (rw=randwrite, bssplit="), std::string::npos) << out;
  EXPECT_NE(out.find("reader.1: (rw=randread"), std::string::npos) << out;
  EXPECT_EQ(j["results"]["jobs"].size(), 3u);
  EXPECT_EQ(j["results"]["verify"]["failures"], 0);
}

TEST_F(JobFileTest, PreconditionJobFileRunsItsPhasesInOrder) {
  nlohmann::json j;
  std::string out, err;
  ASSERT_EQ(run("--log-level=error --flash.precondition=none --ns1.size=16m '" SCNVME_SOURCE_DIR
                "/sim/jobs/precondition.fio'",
                &j, &out, &err),
            0)
      << err;
  const auto& jobs = j["results"]["jobs"];
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0]["name"], "fill");
  EXPECT_EQ(jobs[0]["write"]["bytes"], 16u << 20);
  EXPECT_EQ(jobs[1]["write"]["bytes"], 16u << 20);  // one capacity of random 4 KiB writes
  EXPECT_GT(jobs[2]["write"]["ios"].get<uint64_t>(), 0u);
}

// ---- Progress ----

TEST_F(JobFileTest, ProgressLineOnlyWhenAskedOrOnATerminal) {
  std::string out, err;
  ASSERT_EQ(run(kFast + "--number_ios=2000 --progress=always", nullptr, &out, &err), 0) << err;
  ASSERT_FALSE(err.empty());
  EXPECT_EQ(err.front(), '\r');
  EXPECT_EQ(err.back(), '\n');
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  // The last refresh: simulated time, I/Os done of the bound, rates, completion and ETA.
  const std::string last = err.substr(err.rfind('\r') + 1);
  const std::regex format(R"(progress: sim [0-9]+\.[0-9]{3} ms, 2000/2000 I/Os, [0-9]+ IOPS, [0-9]+ I/Os per wall-s, 100%, ETA 0\.0 s *\n)");
  EXPECT_TRUE(std::regex_match(last, format)) << last;
  // Bounded by runtime only: no I/O total, the share of the simulated time.
  ASSERT_EQ(run(kFast + "--runtime=0.5ms --time_based --progress=always", nullptr, &out, &err), 0) << err;
  EXPECT_TRUE(std::regex_search(err, std::regex(R"(progress: sim [0-9.]+ ms, [0-9]+ I/Os, [0-9]+ IOPS, [0-9]+ I/Os per wall-s, [0-9]+%, ETA )")))
      << err;
  // auto with stderr redirected to a file, and never: nothing.
  ASSERT_EQ(run(kFast + "--number_ios=2000", nullptr, &out, &err), 0);
  EXPECT_EQ(err, "");
  ASSERT_EQ(run(kFast + "--number_ios=2000 --progress=never", nullptr, &out, &err), 0);
  EXPECT_EQ(err, "");
}

TEST(JobFileProgress, LineFormatAndEta) {
  std::ostringstream os;
  scnvme::sim::Progress p(os, true, 1000, 0);
  EXPECT_EQ(p.line(2000000, 250, 1.0), "progress: sim 2.000 ms, 250/1000 I/Os, 125000 IOPS, 250 I/Os per wall-s, 25%, ETA 3.0 s");
  scnvme::sim::Progress timed(os, true, 0, 0.010);
  EXPECT_EQ(timed.line(5000000, 100, 2.0), "progress: sim 5.000 ms, 100 I/Os, 20000 IOPS, 50 I/Os per wall-s, 50%, ETA 2.0 s");
  scnvme::sim::Progress open(os, true, 0, 0);
  EXPECT_EQ(open.line(1000000, 10, 0.5), "progress: sim 1.000 ms, 10 I/Os, 10000 IOPS, 20 I/Os per wall-s");
  scnvme::sim::Progress off(os, false, 0, 0);
  off.update(1, 1);
  off.finish();
  EXPECT_EQ(os.str(), "");
}
