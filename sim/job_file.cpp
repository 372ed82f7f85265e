#include "job_file.h"

#include <cctype>
#include <fstream>
#include <istream>

namespace scnvme::sim {

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

/// A comment after an entry starts with ';' or '#' after white space.
std::string strip_comment(const std::string& s) {
  for (std::size_t i = 1; i < s.size(); ++i)
    if ((s[i] == ';' || s[i] == '#') && (s[i - 1] == ' ' || s[i - 1] == '\t')) return s.substr(0, i);
  return s;
}

bool valid_key(const std::string& k) {
  if (k.empty()) return false;
  for (const char c : k)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  return true;
}

}  // namespace

bool parse_job_file(std::istream& in, const std::string& path, JobFile& out, std::string& error) {
  out = JobFile{};
  out.path = path;
  std::vector<JobFile::Entry> global;  // in effect for the next job section
  JobFile::Job* job = nullptr;
  bool in_global = false;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    const std::string t = trim(line);
    if (t.empty() || t[0] == ';' || t[0] == '#') continue;
    const std::string at = path + ":" + std::to_string(n) + ": ";
    if (t.front() == '[') {
      const std::string h = trim(strip_comment(t));  // a comment may follow the header too
      const std::string name = h.back() == ']' ? trim(h.substr(1, h.size() - 2)) : "";
      if (name.empty() || name.find_first_of("[]") != std::string::npos) {
        error = at + "malformed section header \"" + t + "\" (expected [global] or [JOBNAME])";
        return false;
      }
      in_global = name == "global";
      job = nullptr;
      if (!in_global) {
        out.jobs.push_back(JobFile::Job{name, n, global});
        job = &out.jobs.back();
      }
      continue;
    }
    if (!in_global && !job) {
      error = at + "\"" + t + "\" is outside any section (start with [global] or [JOBNAME])";
      return false;
    }
    const std::string entry = trim(strip_comment(t));
    const auto eq = entry.find('=');
    JobFile::Entry e{trim(entry.substr(0, eq)), eq == std::string::npos ? "1" : trim(entry.substr(eq + 1)), n};
    if (!valid_key(e.key)) {
      error = at + "malformed entry \"" + t + "\" (expected key=value or a bare key)";
      return false;
    }
    if (eq != std::string::npos && e.value.empty()) {
      error = at + "\"" + e.key + "=\" has no value";
      return false;
    }
    if (in_global) {
      global.push_back(e);
      out.global.push_back(e);
    } else {
      job->entries.push_back(e);
    }
  }
  if (out.jobs.empty()) {
    error = path + ": no job section (add one such as [job1] after [global])";
    return false;
  }
  return true;
}

bool read_job_file(const std::string& path, JobFile& out, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = path + ": cannot open the job file";
    return false;
  }
  return parse_job_file(in, path, out, error);
}

}  // namespace scnvme::sim
