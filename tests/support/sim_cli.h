// Runs the scnvme-sim executable as a user does, in a scratch directory of the test case's own
// (removed at the end): exit code, stdout, stderr, and files it wrote.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

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

 private:
  std::string dir_;
};

}  // namespace scnvme::test
