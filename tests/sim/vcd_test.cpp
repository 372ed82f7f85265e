// scnvme-sim --vcd as a user runs it: a small run's VCD is accepted by vcd2fst, declares the
// signals include/scnvme/trace.h promises, is well formed (strictly increasing timestamps, values
// only for declared identifiers, 1-bit values 0/1, vectors within their width), shows activity
// (the PCIe link and a NAND die toggle; the SQ backs up behind 4 command slots but never exceeds
// its size); --vcd_signals filters; bad command lines exit 2; scripts/vcd2png renders the VCD with
// scripts/scnvme.gtkw to a PNG. vcd2fst, gtkwave and xvfb-run come from scripts/setup.sh: missing,
// the cases that need them fail saying so.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#ifndef SCNVME_SIM_PATH
#error "SCNVME_SIM_PATH must name the scnvme-sim executable"
#endif
#ifndef SCNVME_SOURCE_DIR
#error "SCNVME_SOURCE_DIR must name the source tree (scripts/vcd2png, scripts/scnvme.gtkw)"
#endif

namespace {

const std::string kSim = SCNVME_SIM_PATH;
const std::string kSource = SCNVME_SOURCE_DIR;
const std::string kController = "top.nvme0";

// The small workload of most cases: two jobs of 8 I/Os in flight on queues of 9 entries (8
// usable), with only 4 command slots so the submission queues fill up to their limit.
constexpr unsigned kQueueEntries = 9;
const std::string kWorkload =
    "--rw=randrw --iodepth=8 --numjobs=2 --number_ios=300 --driver.queue_entries=9 --controller.command_slots=4";

std::string quote(const std::string& s) {
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

bool on_path(const std::string& tool) {
  return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

struct Result {
  int exit_code = -1;
  std::string out, err;
};

/// A declared VCD variable.
struct Var {
  std::string path;  // scopes and name joined with '.'
  unsigned bits = 1;
};

/// A VCD as the checks need it: declarations, timestamps, and per identifier its values in
/// order (with their times).
struct Vcd {
  std::string timescale;
  std::map<std::string, Var> vars;           // by identifier code
  std::map<std::string, std::string> codes;  // path -> identifier code
  std::vector<uint64_t> timestamps;
  struct Change {
    uint64_t at;
    std::string code;
    uint64_t value;
  };
  std::vector<Change> changes;
  std::vector<std::string> errors;  // malformed lines, undeclared identifiers, bad values

  bool has(const std::string& path) const { return codes.count(path) != 0; }
  /// Values of `path` in file order (the initial $dumpvars one first).
  std::vector<uint64_t> values(const std::string& path) const {
    std::vector<uint64_t> v;
    const auto it = codes.find(path);
    if (it == codes.end()) return v;
    for (const auto& c : changes)
      if (c.code == it->second) v.push_back(c.value);
    return v;
  }
};

Vcd parse_vcd(const std::string& text) {
  Vcd vcd;
  std::istringstream in(text);
  std::string tok;
  std::vector<std::string> scopes;
  auto rest_until_end = [&in]() {
    std::vector<std::string> words;
    std::string w;
    while (in >> w && w != "$end") words.push_back(w);
    return words;
  };
  // Header: keyword sections up to $enddefinitions.
  while (in >> tok) {
    if (tok == "$enddefinitions") {
      rest_until_end();
      break;
    }
    const std::vector<std::string> words = rest_until_end();
    if (tok == "$timescale") {
      for (const auto& w : words) vcd.timescale += (vcd.timescale.empty() ? "" : " ") + w;
    } else if (tok == "$scope") {
      if (words.size() != 2) vcd.errors.push_back("bad $scope");
      else scopes.push_back(words[1]);
    } else if (tok == "$upscope") {
      if (scopes.empty()) vcd.errors.push_back("$upscope without a scope");
      else scopes.pop_back();
    } else if (tok == "$var") {
      // $var type size code reference [range] $end
      if (words.size() < 4) {
        vcd.errors.push_back("bad $var");
        continue;
      }
      Var v;
      v.bits = static_cast<unsigned>(std::stoul(words[1]));
      for (const auto& s : scopes) v.path += s + ".";
      v.path += words[3];
      if (vcd.vars.count(words[2])) vcd.errors.push_back("identifier " + words[2] + " declared twice");
      if (vcd.codes.count(v.path)) vcd.errors.push_back(v.path + " declared twice");
      vcd.codes[v.path] = words[2];
      vcd.vars[words[2]] = v;
    }
  }
  if (!scopes.empty()) vcd.errors.push_back("scopes left open");
  // Value changes.
  uint64_t now = 0;
  std::string line;
  std::getline(in, line);
  auto value = [&vcd, &now](const std::string& code, uint64_t v, bool vector, std::size_t digits) {
    const auto it = vcd.vars.find(code);
    if (it == vcd.vars.end()) {
      vcd.errors.push_back("value change for undeclared identifier '" + code + "'");
      return;
    }
    if (vector != (it->second.bits > 1)) vcd.errors.push_back(it->second.path + ": scalar/vector value mismatch");
    if (digits > it->second.bits) vcd.errors.push_back(it->second.path + ": value wider than declared");
    vcd.changes.push_back({now, code, v});
  };
  while (std::getline(in, line)) {
    if (line.empty() || line == "$dumpvars" || line == "$end") continue;
    if (line[0] == '#') {
      now = std::stoull(line.substr(1));
      vcd.timestamps.push_back(now);
    } else if (line[0] == '0' || line[0] == '1') {
      value(line.substr(1), line[0] == '1', false, 1);
    } else if (line[0] == 'b') {
      const std::size_t space = line.find(' ');
      if (space == std::string::npos) {
        vcd.errors.push_back("bad vector change: " + line);
        continue;
      }
      const std::string bits = line.substr(1, space - 1);
      if (bits.find_first_not_of("01") != std::string::npos || bits.size() > 64) {
        vcd.errors.push_back("bad vector value: " + line);
        continue;
      }
      value(line.substr(space + 1), std::stoull(bits, nullptr, 2), true, bits.size());
    } else {
      vcd.errors.push_back("unexpected line: " + line);
    }
  }
  return vcd;
}

/// A scratch directory per case, removed at the end unless the case failed.
class VcdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/scnvme-vcd-XXXXXX";
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
  Result sim(const std::string& args) const { return sh(quote(kSim) + " --progress=never " + args); }

  /// The small workload's VCD (all signals), written once per case to run.vcd.
  const Vcd& run_vcd() {
    if (!parsed_) {
      const Result r = sim(kWorkload + " --vcd run.vcd");
      EXPECT_EQ(r.exit_code, 0) << r.err;
      EXPECT_NE(r.out.find("VCD: run.vcd ("), std::string::npos) << r.out;
      vcd_ = parse_vcd(read_file(path("run.vcd")));
      parsed_ = true;
    }
    return vcd_;
  }

  std::string dir_;
  Vcd vcd_;
  bool parsed_ = false;
};

TEST_F(VcdTest, Vcd2fstAcceptsTheFile) {
  ASSERT_TRUE(on_path("vcd2fst")) << "vcd2fst (package gtkwave) is missing: run scripts/setup.sh";
  run_vcd();
  const Result r = sh("vcd2fst run.vcd run.fst");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_GT(read_file(path("run.fst")).size(), 0u);
}

TEST_F(VcdTest, DeclaresThePromisedSignals) {
  const Vcd& vcd = run_vcd();
  EXPECT_FALSE(vcd.timescale.empty());
  for (const char* leaf : {"sq1.entries", "cq1.entries", "slots.busy", "dma.busy", "data_buffer.bytes",
                           "link.upstream", "link.downstream", "intx", "interrupt.vector1", "flash.ch0.bus",
                           "flash.ch0.die0.array", "flash.write_buffer.units"})
    EXPECT_TRUE(vcd.has(kController + "." + leaf)) << leaf;
  // The default drive: 8 channels x 8 dies, each with its bus and array signals.
  for (int c = 0; c < 8; ++c) {
    EXPECT_TRUE(vcd.has(kController + ".flash.ch" + std::to_string(c) + ".bus")) << c;
    for (int d = 0; d < 8; ++d)
      EXPECT_TRUE(vcd.has(kController + ".flash.ch" + std::to_string(c) + ".die" + std::to_string(d) + ".array"))
          << c << "/" << d;
  }
  // 1-bit busy/line signals; counts are vectors.
  EXPECT_EQ(vcd.vars.at(vcd.codes.at(kController + ".link.upstream")).bits, 1u);
  EXPECT_EQ(vcd.vars.at(vcd.codes.at(kController + ".flash.ch0.die0.array")).bits, 1u);
  EXPECT_GT(vcd.vars.at(vcd.codes.at(kController + ".sq1.entries")).bits, 1u);
}

TEST_F(VcdTest, TimestampsIncreaseStrictly) {
  const Vcd& vcd = run_vcd();
  ASSERT_FALSE(vcd.timestamps.empty());
  EXPECT_EQ(vcd.timestamps.front(), 0u);
  int reported = 0, backwards = 0;
  for (std::size_t i = 1; i < vcd.timestamps.size(); ++i) {
    if (vcd.timestamps[i] > vcd.timestamps[i - 1]) continue;
    ++backwards;
    if (reported++ < 5)
      ADD_FAILURE() << "timestamp #" << vcd.timestamps[i] << " follows #" << vcd.timestamps[i - 1]
                    << " (entry " << i << ")";
  }
  EXPECT_EQ(backwards, 0) << "of " << vcd.timestamps.size() << " timestamps";
}

TEST_F(VcdTest, ValueChangesReferToDeclaredIdentifiers) {
  const Vcd& vcd = run_vcd();
  EXPECT_GT(vcd.changes.size(), vcd.vars.size());  // the $dumpvars values and then some
  std::string errors;
  for (std::size_t i = 0; i < vcd.errors.size() && i < 10; ++i) errors += vcd.errors[i] + "\n";
  EXPECT_TRUE(vcd.errors.empty()) << vcd.errors.size() << " problems, the first:\n" << errors;
  // Every declared variable has its initial value in $dumpvars.
  std::set<std::string> seen;
  for (const auto& c : vcd.changes) seen.insert(c.code);
  EXPECT_EQ(seen.size(), vcd.vars.size());
}

TEST_F(VcdTest, LinkAndDieArrayToggle) {
  const Vcd& vcd = run_vcd();
  for (const std::string leaf : {"link.upstream", "flash.ch0.die0.array"}) {
    const std::vector<uint64_t> v = vcd.values(kController + "." + leaf);
    int rises = 0, falls = 0;
    for (std::size_t i = 1; i < v.size(); ++i) {
      rises += v[i - 1] == 0 && v[i] == 1;
      falls += v[i - 1] == 1 && v[i] == 0;
    }
    EXPECT_GE(rises, 1) << leaf;
    EXPECT_GE(falls, 1) << leaf;
  }
}

TEST_F(VcdTest, SubmissionQueueNeverExceedsItsSize) {
  const Vcd& vcd = run_vcd();
  const std::vector<uint64_t> v = vcd.values(kController + ".sq1.entries");
  ASSERT_FALSE(v.empty());
  uint64_t max = 0;
  for (const uint64_t x : v) max = std::max(max, x);
  // A queue of N entries holds at most N - 1 commands.
  EXPECT_LE(max, kQueueEntries - 1);
  // With 4 command slots for 16 I/Os in flight the SQ backs up, so the bound is exercised.
  EXPECT_GT(max, 0u) << "sq1.entries never left 0";
}

TEST_F(VcdTest, SignalFilterKeepsOnlyTheLinkSignals) {
  const Result r = sim(kWorkload + " --vcd link.vcd --vcd_signals='*.link.*'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Vcd vcd = parse_vcd(read_file(path("link.vcd")));
  std::set<std::string> declared;
  for (const auto& [code, var] : vcd.vars) declared.insert(var.path);
  EXPECT_EQ(declared, (std::set<std::string>{kController + ".link.downstream", kController + ".link.upstream"}));
  EXPECT_TRUE(vcd.errors.empty()) << vcd.errors.front();
}

TEST_F(VcdTest, SignalsWithoutVcdExitsTwo) {
  const Result r = sim("--number_ios=10 --vcd_signals='*.link.*'");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("--vcd"), std::string::npos) << r.err;
}

TEST_F(VcdTest, UnwritableVcdExitsTwoNamingTheFile) {
  const Result r = sim("--number_ios=10 --vcd /nonexistent/dir/x.vcd");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("/nonexistent/dir/x.vcd"), std::string::npos) << r.err;
}

TEST_F(VcdTest, Vcd2pngRendersTheSaveFile) {
  for (const char* tool : {"gtkwave", "xvfb-run", "xauth"})
    ASSERT_TRUE(on_path(tool)) << tool << " is missing: run scripts/setup.sh (installs gtkwave, xvfb, xauth)";
  run_vcd();
  const std::string script = kSource + "/scripts/vcd2png";
  const std::string save = kSource + "/scripts/scnvme.gtkw";
  const Result r = sh(quote(script) + " run.vcd run.png --save " + quote(save) + " --timeout 20");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const std::string png = read_file(path("run.png"));
  ASSERT_GE(png.size(), 8u) << "run.png is missing or empty";
  EXPECT_EQ(png.compare(0, 8, "\x89PNG\r\n\x1a\n"), 0) << "run.png is not a PNG";
  EXPECT_GT(png.size(), 20000u) << "run.png is suspiciously small";
  // A zoomed range renders too.
  const Result zoom = sh(quote(script) + " run.vcd zoom.png --save " + quote(save) +
                         " --from 100us --to 120us --width 800 --height 600 --timeout 20");
  ASSERT_EQ(zoom.exit_code, 0) << zoom.out << zoom.err;
  EXPECT_EQ(read_file(path("zoom.png")).compare(0, 8, "\x89PNG\r\n\x1a\n"), 0);
  // gtkwave failing (not a VCD) is an error with a message, not a hang.
  std::ofstream(path("bad.vcd")) << "not a VCD\n";
  const Result bad = sh(quote(script) + " bad.vcd bad.png --timeout 20");
  EXPECT_EQ(bad.exit_code, 1) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("gtkwave failed"), std::string::npos) << bad.err;
}

}  // namespace
