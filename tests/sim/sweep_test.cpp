// scripts/sweep and scripts/plot.py as a user runs them: a 2x2 grid of tiny scnvme-sim runs
// through GNU parallel and through a Slurm job array (scripts/slurm-local.sh must have started
// the local cluster: when sinfo cannot reach it the Slurm test fails with the cluster's status and
// logs), failed runs, bad grid files (exit 2 naming FILE:LINE), and plot.py on a run's JSON, a
// timeseries CSV and a sweep CSV. Nothing here depends on the machine's speed: the runs are
// checked for their simulated figures only, and the waits are bounded generously.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#ifndef SCNVME_SIM_PATH
#error "SCNVME_SIM_PATH must name the scnvme-sim executable"
#endif
#ifndef SCNVME_SOURCE_DIR
#error "SCNVME_SOURCE_DIR must name the source tree"
#endif

namespace {

const std::string kSource = SCNVME_SOURCE_DIR;
const std::string kSim = SCNVME_SIM_PATH;
const std::string kSweep = kSource + "/scripts/sweep";
const std::string kPlot = kSource + "/scripts/plot.py";
const std::string kSlurmLocal = kSource + "/scripts/slurm-local.sh";

struct Result {
  int exit_code = -1;
  std::string out, err;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool exists(const std::string& path) { return std::ifstream(path).good(); }

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

/// A CSV file without quoted fields (what scripts/sweep writes): rows of column -> value.
struct Csv {
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
};

Csv read_csv(const std::string& path) {
  Csv csv;
  std::istringstream in(read_file(path));
  std::string line;
  if (!std::getline(in, line)) return csv;
  csv.header = split(line, ',');
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto fields = split(line, ',');
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < csv.header.size() && i < fields.size(); ++i) row[csv.header[i]] = fields[i];
    csv.rows.push_back(row);
  }
  return csv;
}

double num(const std::map<std::string, std::string>& row, const std::string& key) {
  const auto it = row.find(key);
  if (it == row.end() || it->second.empty()) {
    ADD_FAILURE() << "no value for " << key;
    return -1;
  }
  return std::stod(it->second);
}

/// True for a PNG file of plausible size.
::testing::AssertionResult is_png(const std::string& path) {
  const std::string data = read_file(path);
  if (data.empty()) return ::testing::AssertionFailure() << path << ": missing or empty";
  if (data.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return ::testing::AssertionFailure() << path << ": not a PNG";
  if (data.size() < 5000) return ::testing::AssertionFailure() << path << ": only " << data.size() << " bytes";
  return ::testing::AssertionSuccess();
}

/// A scratch directory per test case, removed at the end unless the case failed.
class SweepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/scnvme-sweep-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (dir_.empty()) return;
    if (HasFailure()) {
      std::printf("kept %s for inspection\n", dir_.c_str());
    } else {
      std::system(("rm -rf " + quote(dir_)).c_str());
    }
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name)) << text;
    return path(name);
  }

  /// Runs a shell command in the scratch directory.
  Result sh(const std::string& cmd) const {
    const std::string out = path(".stdout"), err = path(".stderr");
    const std::string full = "cd " + quote(dir_) + " && SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 " + cmd + " >" +
                             quote(out) + " 2>" + quote(err) + " </dev/null";
    const int status = std::system(full.c_str());
    Result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
  }

  Result sweep(const std::string& args) const { return sh(quote(kSweep) + " --sim " + quote(kSim) + " " + args); }
  Result plot(const std::string& args) const { return sh(quote(kPlot) + " " + args); }

  /// The 2x2 grid of the end-to-end tests: iodepth 1, 4 x rw randread, randwrite, 200 I/Os each.
  std::string small_grid() const {
    return write("grid.ini",
                 "; 2 x 2 tiny runs\n"
                 "[sweep]\n"
                 "iodepth = 1, 4\n"
                 "rw = randread, randwrite   ; fio's names\n"
                 "[fixed]\n"
                 "number_ios = 200\n"
                 "profile = sim/profiles/client-tlc.ini\n");
  }

  /// What both end-to-end tests check: 4 rows with the grid's values and sane metrics, one run
  /// directory per run, and the sweep curves.
  void check_small_sweep(const std::string& out) const {
    const Csv csv = read_csv(out + "/sweep.csv");
    ASSERT_GE(csv.header.size(), 3u);
    EXPECT_EQ(csv.header[0], "iodepth");
    EXPECT_EQ(csv.header[1], "rw");
    EXPECT_EQ(csv.header.back(), "run");
    ASSERT_EQ(csv.rows.size(), 4u) << read_file(out + "/sweep.csv");
    std::set<std::pair<std::string, std::string>> combos;
    for (const auto& row : csv.rows) {
      SCOPED_TRACE(row.at("run"));
      combos.insert({row.at("iodepth"), row.at("rw")});
      const bool reads = row.at("rw") == "randread";
      EXPECT_EQ(num(row, "ios"), 200);
      EXPECT_GT(num(row, "iops"), 0);
      EXPECT_GT(num(row, "bandwidth_bytes_per_s"), 0);
      EXPECT_GT(num(row, reads ? "read_iops" : "write_iops"), 0);
      EXPECT_EQ(num(row, reads ? "write_iops" : "read_iops"), 0);
      EXPECT_NEAR(num(row, "iops"), num(row, "read_iops") + num(row, "write_iops"), 1.0);
      EXPECT_NEAR(num(row, "bandwidth_bytes_per_s"), num(row, "iops") * 4096, num(row, "iops") * 4096 * 1e-3);
      EXPECT_GT(num(row, "lat_mean_ns"), 0);
      EXPECT_LE(num(row, "lat_p50_ns"), num(row, "lat_p99_ns"));
      EXPECT_LE(num(row, "lat_p99_ns"), num(row, "lat_p9999_ns"));
      EXPECT_GT(num(row, "sim_time_s"), 0);
      EXPECT_GT(num(row, "wall_time_s"), 0);
      EXPECT_GT(num(row, "ios_per_wall_second"), 0);
      // 200 I/Os over the simulated time give the IOPS (one job).
      EXPECT_NEAR(num(row, "iops"), 200 / num(row, "sim_time_s"), 200 / num(row, "sim_time_s") * 0.05);
      if (reads) {
        EXPECT_EQ(row.at("waf"), "");  // nothing written to amplify
        EXPECT_GT(num(row, "read_lat_mean_ns"), 0);
      } else {
        EXPECT_GT(num(row, "waf"), 0);
        EXPECT_LT(num(row, "waf"), 10);
        EXPECT_GT(num(row, "write_lat_mean_ns"), 0);
      }
      // Its run directory: command line, stdout, stderr, JSON, exit code.
      const std::string run = out + "/runs/" + row.at("run");
      const std::string command = read_file(run + "/command");
      EXPECT_NE(command.find("--iodepth=" + row.at("iodepth")), std::string::npos) << command;
      EXPECT_NE(command.find("--rw=" + row.at("rw")), std::string::npos) << command;
      EXPECT_NE(command.find("--number_ios=200"), std::string::npos) << command;
      EXPECT_NE(command.find("--profile=" + kSource + "/sim/profiles/client-tlc.ini"), std::string::npos) << command;
      EXPECT_EQ(read_file(run + "/exit_code"), "0\n");
      EXPECT_NE(read_file(run + "/stdout").find("200 I/Os"), std::string::npos);
      EXPECT_TRUE(exists(run + "/stderr"));
      const auto json = nlohmann::json::parse(read_file(run + "/result.json"));
      EXPECT_EQ(json["configuration"]["iodepth"], row.at("iodepth"));
      EXPECT_EQ(json["configuration"]["rw"], row.at("rw"));
    }
    const std::set<std::pair<std::string, std::string>> expected = {
        {"1", "randread"}, {"1", "randwrite"}, {"4", "randread"}, {"4", "randwrite"}};
    EXPECT_EQ(combos, expected);
    // Deeper queues: more read IOPS at the same simulated drive.
    double qd1 = 0, qd4 = 0;
    for (const auto& row : csv.rows) {
      if (row.at("rw") == "randread") (row.at("iodepth") == "1" ? qd1 : qd4) = num(row, "read_iops");
    }
    EXPECT_GT(qd4, qd1 * 1.5);
    EXPECT_TRUE(is_png(out + "/plots/sweep-vs-iodepth.png"));
    EXPECT_TRUE(is_png(out + "/plots/sweep-vs-rw.png"));
    EXPECT_FALSE(exists(out + "/failed.txt"));
  }

  std::string dir_;
};

// ---------------------------------------------------------------------------------------------
// Sweeps

TEST_F(SweepTest, LocalSweepWithGnuParallelEndToEnd) {
  const std::string grid = small_grid();
  const Result r = sweep(quote(grid) + " --local -j 2 -o out");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("4 runs (iodepth: 2 x rw: 2)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("4 of 4 runs succeeded"), std::string::npos) << r.out;
  EXPECT_TRUE(exists(path("out/parallel.joblog")));
  EXPECT_EQ(split(read_file(path("out/commands.txt")), '\n').size(), 5u);  // 4 lines and the end
  check_small_sweep(path("out"));
}

TEST_F(SweepTest, SlurmSweepAsJobArrayEndToEnd) {
  // The local cluster must be up (.ci/run starts it with scripts/slurm-local.sh start). If it is
  // not, this fails with the cluster's status and the daemons' logs: it is never skipped.
  const Result info = sh("timeout 20 sinfo -h -N -n localhost -o %T");
  const std::string state = info.out.substr(0, info.out.find('\n'));
  if (info.exit_code != 0 || (state != "idle" && state != "mixed" && state != "allocated")) {
    const Result status = sh(quote(kSlurmLocal) + " status");
    FAIL() << "Slurm is not reachable (sinfo exit " << info.exit_code << ", node state '" << state
           << "': " << info.err << "); start it with scripts/slurm-local.sh start.\n"
           << "scripts/slurm-local.sh status:\n"
           << status.out << status.err;
  }
  const std::string grid = small_grid();
  const Result r = sweep(quote(grid) + " --slurm --slurm-timeout 300 -o out");
  if (r.exit_code != 0) {
    const Result status = sh(quote(kSlurmLocal) + " status");
    FAIL() << "sweep --slurm failed (exit " << r.exit_code << "):\n"
           << r.out << r.err << "\nscripts/slurm-local.sh status:\n"
           << status.out << status.err;
  }
  EXPECT_NE(r.out.find("submitted Slurm job array"), std::string::npos) << r.out;
  const std::string sbatch = read_file(path("out/slurm/sweep.sbatch"));
  EXPECT_NE(sbatch.find("#SBATCH --array=0-3\n"), std::string::npos) << sbatch;
  for (int task = 0; task < 4; ++task) {
    const std::string log = read_file(path("out/slurm/task-" + std::to_string(task) + ".out"));
    EXPECT_NE(log.find("task " + std::to_string(task) + " on "), std::string::npos) << log;
  }
  check_small_sweep(path("out"));
}

TEST_F(SweepTest, FailedRunsAreListedAndTheOthersKept) {
  const std::string grid = write("grid.ini",
                                 "[sweep]\n"
                                 "iodepth = 2, 0\n"  // 0 is out of range: that run exits 2
                                 "[fixed]\n"
                                 "number_ios = 100\n");
  const Result r = sweep(quote(grid) + " -j 2 -o out --no-plot");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("1 of 2 runs failed"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("0001_iodepth=0: exit 2: scnvme-sim: --iodepth=0"), std::string::npos) << r.err;
  EXPECT_NE(read_file(path("out/failed.txt")).find("0001_iodepth=0"), std::string::npos);
  const Csv csv = read_csv(path("out/sweep.csv"));
  ASSERT_EQ(csv.rows.size(), 1u);
  EXPECT_EQ(csv.rows[0].at("iodepth"), "2");
  EXPECT_EQ(num(csv.rows[0], "ios"), 100);
}

TEST_F(SweepTest, BadGridFilesExit2WithFileAndLine) {
  struct Case {
    std::string text, where, what;
  };
  const std::vector<Case> cases = {
      {"[sweep]\niodepth = 1, 2\nnot_an_option = 3\n", "grid.ini:3:", "unknown scnvme-sim option 'not_an_option'"},
      {"; comment\n\n[sweep]\niodepth =\n", "grid.ini:4:", "needs a comma-separated list"},
      {"[sweep]\niodepth = 1,,4\n", "grid.ini:2:", "empty value"},
      {"iodepth = 1, 2\n", "grid.ini:1:", "before any section"},
      {"[sweep]\niodepth = 1\n[grid]\nbs = 4k\n", "grid.ini:3:", "unknown section [grid]"},
      {"[sweep]\niodepth = 1, 2\n[fixed]\niodepth = 8\n", "grid.ini:4:", "given twice (first at line 2)"},
      {"[sweep]\nnand.read_csb_us = 30, 50\n[fixed]\nprofile = no/such.ini\n", "grid.ini:4:", "no such file"},
      {"[sweep]\njson = a, b\n", "grid.ini:2:", "set by the sweep itself"},
      {"[fixed]\nnumber_ios = 10\n", "grid.ini:2:", "no [sweep] key"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const std::string grid = write("grid.ini", c.text);
    const Result r = sweep(quote(grid) + " -o out");
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(c.where), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.what), std::string::npos) << r.err;
    EXPECT_FALSE(exists(path("out/commands.txt"))) << "nothing should be prepared";
  }
  // A missing grid file, and an option both in the grid and after --.
  Result r = sweep(quote(path("missing.ini")));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.ini: no such file"), std::string::npos) << r.err;
  r = sweep(quote(small_grid()) + " -o out -- --iodepth=8");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--iodepth is both in"), std::string::npos) << r.err;
}

TEST_F(SweepTest, DryRunWritesOneCommandPerCombination) {
  const std::string grid = write("grid.ini",
                                 "[sweep]\n"
                                 "bs = 4k, 128k\n"
                                 "nand.read_csb_us = 30, 50, 70\n"
                                 "[fixed]\n"
                                 "time_based            # a bare key is a flag\n"
                                 "runtime = 100us\n");
  const Result r = sweep(quote(grid) + " --dry-run -o out -- --seed=7");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = split(read_file(path("out/commands.txt")), '\n');
  ASSERT_EQ(lines.size(), 7u);  // 2 x 3 and the final newline
  const std::string last = read_file(path("out/runs/0005_bs=128k_nand.read_csb_us=70/command"));
  EXPECT_NE(last.find(" --time_based --runtime=100us --bs=128k --nand.read_csb_us=70 --seed=7 --progress=never --json="),
            std::string::npos)
      << last;
}

// ---------------------------------------------------------------------------------------------
// plot.py

TEST_F(SweepTest, PlotsARunsJson) {
  const Result run = sh(quote(kSim) + " --rw=randrw --numjobs=2 --iodepth=4 --number_ios=200 --json run.json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const Result r = plot("run.json -o plots");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(is_png(path("plots/latency-cdf.png")));
  EXPECT_TRUE(is_png(path("plots/latency-percentiles.png")));
  EXPECT_TRUE(is_png(path("plots/flash-utilisation.png")));
  EXPECT_NE(r.out.find("plots/flash-utilisation.png"), std::string::npos) << r.out;

  // Without the flash backend: latency plots, no heat map.
  const Result plain = sh(quote(kSim) + " --flash.enabled=false --number_ios=100 --json plain.json");
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const Result r2 = plot("plain.json -o plain");
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  EXPECT_TRUE(is_png(path("plain/latency-cdf.png")));
  EXPECT_FALSE(exists(path("plain/flash-utilisation.png")));
  EXPECT_NE(r2.err.find("no utilisation heat map"), std::string::npos) << r2.err;
}

TEST_F(SweepTest, PlotsATimeseriesCsv) {
  // Written by hand in scnvme-sim --timeseries's format: a row per interval per job, plus `all`.
  std::string csv = "time_s,job,read_iops,write_iops,read_bytes_per_s,write_bytes_per_s,lat_mean_ns,lat_p99_ns\n";
  for (int i = 1; i <= 10; ++i) {
    const std::string t = std::to_string(i * 0.0001);
    const int r = 40000 + 1000 * i, w = i == 5 ? 0 : 20000;
    csv += t + ",reader," + std::to_string(r) + ",0," + std::to_string(r * 4096) + ",0," +
           std::to_string(50000 + 100 * i) + "," + std::to_string(90000 + 100 * i) + "\n";
    csv += t + ",writer,0," + std::to_string(w) + ",0," + std::to_string(w * 4096) + "," +
           (w ? "3000,5000\n" : "0,0\n");
    csv += t + ",all," + std::to_string(r) + "," + std::to_string(w) + "," + std::to_string(r * 4096) + "," +
           std::to_string(w * 4096) + ",40000,88000\n";
  }
  write("ts.csv", csv);
  const Result r = plot("--timeseries ts.csv -o plots");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(is_png(path("plots/timeseries-throughput.png")));
  EXPECT_TRUE(is_png(path("plots/timeseries-latency.png")));

  write("bad.csv", "time_s,job,read_iops\n0.001,all,5\n");
  const Result bad = plot("--timeseries bad.csv -o plots");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("missing column(s) write_iops"), std::string::npos) << bad.err;
}

TEST_F(SweepTest, PlotsASweepCsv) {
  std::string csv = "iodepth,rw,iops,lat_mean_ns,lat_p99_ns,run\n";
  for (int qd : {1, 4, 16, 64}) {
    for (const std::string rw : {"randread", "randwrite"}) {
      const double iops = (rw == "randread" ? 20000.0 : 300000.0) * qd;
      csv += std::to_string(qd) + "," + rw + "," + std::to_string(iops) + "," + std::to_string(1e9 * qd / iops) +
             "," + std::to_string(2e9 * qd / iops) + ",r" + std::to_string(qd) + rw + "\n";
    }
  }
  write("sweep.csv", csv);
  Result r = plot("--sweep sweep.csv --x iodepth --y iops --series rw -o plots");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(is_png(path("plots/sweep-iops-vs-iodepth.png")));
  r = plot("--sweep sweep.csv --x rw --y iops,lat_p99_ns -o plots");  // categories: grouped bars
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(is_png(path("plots/sweep-vs-rw.png")));

  r = plot("--sweep sweep.csv --x bs --y iops -o plots");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing column(s) bs"), std::string::npos) << r.err;
  r = plot("--sweep missing.csv --x iodepth --y iops -o plots");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.csv: no such file"), std::string::npos) << r.err;
  r = plot("missing.json -o plots");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.json: no such file"), std::string::npos) << r.err;
}

}  // namespace
