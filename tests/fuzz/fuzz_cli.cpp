// Fuzz target: scnvme-sim's command line with a job file and an INI profile (sim/options.h):
// Boost.Program_options, every --section.key model option and its range checks, fio job keys,
// job files, profiles with their [faults] section, fault specs, namespace events, checkpoint and
// replay options. The input is text in three parts separated by lines "%%": arguments (one per
// line), the job file, the profile. Arguments naming files are dropped (only the harness's own
// files are read: a fuzz input must not read /dev/zero or a real file). Parsing must end in
// Run, Exit or BadInput with one line naming the option, never crash or throw.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "options.h"

using namespace scnvme::sim;

namespace {

/// An anonymous in-memory file holding `text`; its /proc/self/fd path (-1 / "" when none).
struct MemFile {
  explicit MemFile(const std::string& text) {
    fd = memfd_create("fuzz", 0);
    if (fd < 0) return;
    if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) return;
    path = "/proc/self/fd/" + std::to_string(fd);
  }
  ~MemFile() {
    if (fd >= 0) close(fd);
  }
  int fd = -1;
  std::string path;
};

bool names_a_file(const std::string& arg) {
  if (arg.find('/') != std::string::npos) return true;
  // Options whose value is read as a file (a relative name in the working directory).
  for (const char* key : {"profile", "jobfile", "replay", "resume", "image", "read_iolog"})
    if (arg.find(key) != std::string::npos) return true;
  return !arg.empty() && arg[0] != '-';  // positional: the job file
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts{""};
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line == "%%" && parts.size() < 3) {
      parts.emplace_back();
      continue;
    }
    if (parts.size() == 1) {
      if (!names_a_file(line) && line.size() < 256) parts[0] += line + '\n';
    } else {
      parts.back() += line + '\n';
    }
  }
  std::vector<std::string> args{"scnvme-sim"};
  std::istringstream arg_lines(parts[0]);
  for (std::string a; std::getline(arg_lines, a) && args.size() < 64;) args.push_back(a);
  MemFile jobs(parts.size() > 1 ? parts[1] : ""), profile(parts.size() > 2 ? parts[2] : "");
  if (parts.size() > 1 && !jobs.path.empty()) args.push_back(jobs.path);
  if (parts.size() > 2 && !profile.path.empty()) args.push_back("--profile=" + profile.path);
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);

  SimOptions opt;
  std::ostringstream out, err;
  const ParseOutcome outcome = parse_command_line(static_cast<int>(args.size()), argv.data(), opt, out, err);
  const std::string e = err.str();
  switch (outcome) {
    case ParseOutcome::BadInput:
      // One line, naming what is wrong.
      if (e.empty() || e.back() != '\n' || e.rfind("scnvme-sim: ", 0) != 0) std::abort();
      break;
    case ParseOutcome::Run:
      if (!e.empty() && e.find("warning") == std::string::npos) std::abort();
      if (opt.workload.jobs.empty()) std::abort();
      break;
    case ParseOutcome::Exit:
      break;
  }
  return 0;
}
