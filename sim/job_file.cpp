#include "job_file.h"

#include <fstream>
#include <set>

namespace scnvme::sim {

namespace {
std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// Keys scnvme-sim applies, and fio keys that are accepted and have no effect on a simulated
// device (they describe the host side of a real run).
const std::set<std::string> kKeys{"rw", "readwrite", "bs", "blocksize", "iodepth", "numjobs", "number_ios", "runtime",
                                  "rwmixread", "size", "offset", "nsid", "verify"};
const std::set<std::string> kHostOnlyKeys{"name", "description", "ioengine", "direct", "filename", "group_reporting",
                                          "thread"};
}  // namespace

bool read_job_file(const std::string& path, JobFile& out, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot open the job file";
    return false;
  }
  out.path = path;
  std::map<std::string, JobFile::Entry> global, job;
  std::string section, job_section;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const std::string t = trim(line);
    if (t.empty() || t[0] == ';' || t[0] == '#') continue;
    const std::string at = path + ":" + std::to_string(n) + ": ";
    if (t.front() == '[') {
      if (t.back() != ']' || t.size() < 3) {
        error = at + "malformed section header \"" + t + "\"";
        return false;
      }
      section = t.substr(1, t.size() - 2);
      if (section != "global") {
        if (!job_section.empty()) {
          error = at + "job section [" + section + "] after [" + job_section +
                  "]: scnvme-sim runs one job section (use numjobs for parallel jobs)";
          return false;
        }
        job_section = section;
      }
      continue;
    }
    if (section.empty()) {
      error = at + "\"" + t + "\" is outside any [section]";
      return false;
    }
    const auto eq = t.find('=');
    std::string key = trim(t.substr(0, eq)), value = eq == std::string::npos ? "1" : trim(t.substr(eq + 1));
    if (key == "readwrite") key = "rw";
    if (key == "blocksize") key = "bs";
    if (kHostOnlyKeys.count(key)) continue;
    if (!kKeys.count(key)) {
      std::string accepted;
      for (const auto& k : kKeys) accepted += (accepted.empty() ? "" : ", ") + k;
      error = at + "unknown key \"" + key + "\" (accepted: " + accepted + ")";
      return false;
    }
    (section == "global" ? global : job)[key] = JobFile::Entry{value, n};
  }
  out.values = global;
  for (const auto& [k, v] : job) out.values[k] = v;
  return true;
}

}  // namespace scnvme::sim
