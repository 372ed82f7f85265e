// Runs the scnvme-sim executable as a user does, in a scratch directory of the test case's own
// (removed at the end): exit code, stdout, stderr, and files it wrote.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#ifndef SCNVME_SIM_PATH
#error "SCNVME_SIM_PATH must name the scnvme-sim executable"
#endif

namespace scnvme::test {

struct SimResult {
  int exit_code = -1;
  std::string out, err;
};

inline std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class SimCli : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/scnvme-sim-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (!dir_.empty()) std::system(("rm -rf '" + dir_ + "'").c_str());
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name)) << text;
    return path(name);
  }
  /// Bad input: exit code 2, exactly one line on stderr containing every one of `needles`, no run.
  void expect_bad_input(const std::string& args, const std::vector<std::string>& needles) const {
    SCOPED_TRACE("scnvme-sim " + args);
    const SimResult r = run(args);
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "expected exactly one line:\n" << r.err;
    for (const auto& n : needles) EXPECT_NE(r.err.find(n), std::string::npos) << "missing '" << n << "' in " << r.err;
    EXPECT_EQ(r.out.find("I/Os"), std::string::npos) << "no run should happen:\n" << r.out;
  }
  void expect_bad_input(const std::string& args, const std::string& needle) const {
    expect_bad_input(args, std::vector<std::string>{needle});
  }
  SimResult run(const std::string& args) const {
    const std::string out = path("stdout.txt"), err = path("stderr.txt");
    const std::string cmd = "SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 '" SCNVME_SIM_PATH "' " + args + " >'" + out + "' 2>'" + err + "'";
    const int status = std::system(cmd.c_str());
    SimResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_text(out);
    r.err = read_text(err);
    return r;
  }
  /// A run that must succeed (exit 0), its results written as JSON to `json_name` in the scratch
  /// directory: the parsed document; the run's stdout in out_.
  nlohmann::json run_ok(const std::string& args, const std::string& json_name = "out.json") {
    const std::string json = path(json_name);
    const SimResult r = run(args + " --progress=never --json=" + json);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    out_ = r.out;
    return nlohmann::json::parse(read_text(json));
  }
  std::string out_;

 private:
  std::string dir_;
};

}  // namespace scnvme::test
