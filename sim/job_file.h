// fio job files as scnvme-sim's positional argument, in fio's syntax: `[global]` sections and one
// section per job (any name), `key=value`, `key = value` or a bare key (a boolean such as
// time_based), `;` and `#` comments. A job takes the [global] entries that precede it; its own
// entries come after them (later entries win). Only syntax is checked here: keys and values are
// checked where they are applied, with the entry's line.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace scnvme::sim {

struct JobFile {
  struct Entry {
    std::string key;
    std::string value;  // "1" for a bare key
    int line = 0;
  };
  struct Job {
    std::string name;
    int line = 0;                // of its [name] header
    std::vector<Entry> entries;  // the [global] entries before it, then its own, in order
  };
  std::string path;
  std::vector<Job> jobs;
  std::vector<Entry> global;     // every [global] entry (the keys that apply to the whole run)
};

/// False with `error` ("FILE:LINE: ...") for an unreadable file, a malformed line or a file
/// without a job section.
bool read_job_file(const std::string& path, JobFile& out, std::string& error);
/// The same on a stream; `path` names it in messages.
bool parse_job_file(std::istream& in, const std::string& path, JobFile& out, std::string& error);

}  // namespace scnvme::sim
