// The workload keys, shared by the command line (--key=value, applied to every job) and job files
// (key=value in [global] or a job section): each key's help, default and how a value is checked
// and applied to one job.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "option_table.h"
#include "workload.h"

namespace scnvme::sim {

struct JobKey {
  std::string name;
  std::string help;
  std::string default_text;
  bool flag = false;      // may be given bare: `time_based`, `--time_based`
  bool run_wide = false;  // applies to the whole run (job files: [global] only)
  std::function<void(JobOptions&, WorkloadOptions&, const std::string&)> apply;  // throws BadValue("--key=value: ...")
};

/// Every workload key, in --help order.
const std::vector<JobKey>& job_keys();
const JobKey* find_job_key(const std::string& name);
/// fio's other spellings: readwrite -> rw, blocksize -> bs.
std::string canonical_job_key(const std::string& name);
/// fio keys that describe the host side of a real run: accepted in job files, no effect.
bool host_only_job_key(const std::string& name);
/// "rw, bs, ..." for messages.
std::string job_key_list();

/// fio's time values: a number with an optional unit (us, ms, s, m, h; `unit_s` without one).
bool parse_time(const std::string& text, double unit_s, double& seconds);
/// fio's bssplit: SIZE/PERCENT:SIZE/PERCENT...; entries without a percentage share what is left.
bool parse_bssplit(const std::string& text, std::vector<BlockSizeShare>& out, std::string& why);

}  // namespace scnvme::sim
