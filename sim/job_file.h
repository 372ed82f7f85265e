// fio job files as scnvme-sim's positional argument: `[global]` plus one job section, `key=value`
// lines, `;` and `#` comments. Every key is reported with its line number.
#pragma once

#include <map>
#include <string>

namespace scnvme::sim {

struct JobFile {
  struct Entry {
    std::string value;
    int line;
  };
  std::string path;
  std::map<std::string, Entry> values;  // [global] values overridden by the job section's
};

/// False with `error` ("FILE:LINE: ...") for unreadable files, syntax errors, unknown keys or more
/// than one job section.
bool read_job_file(const std::string& path, JobFile& out, std::string& error);

}  // namespace scnvme::sim
