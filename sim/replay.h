// scnvme-sim --replay: the command-line options that select and shape a trace replay, and the
// replay itself, run by the reference driver on I/O queue pair 1 instead of the jobs.
#pragma once

#include <iosfwd>
#include <map>
#include <string>

#include "driver/nvme_driver.h"
#include "options.h"
#include "workload.h"

namespace boost::program_options {
class options_description;
class variables_map;
}  // namespace boost::program_options

namespace scnvme::sim {

/// --replay, --replay_format, --replay_timing, --replay_speed, --replay_lba, --replay_action,
/// --replay_loops.
boost::program_options::options_description replay_options();

/// Applies the replay options after the jobs are built: checks them (and how they mix with a job
/// file and the workload keys in `cli`), reads the trace and fills opt.workload.replay. False
/// after writing one line to `err` (bad input); a warning line about ignored keys otherwise.
bool apply_replay_options(const boost::program_options::variables_map& vm, const std::map<std::string, std::string>& cli,
                          SimOptions& opt, std::ostream& err);

/// Replays wl.replay's trace on I/O queue pair 1 of an initialised driver: at most the first
/// job's iodepth commands in flight, on its nsid. Fills result.jobs (one job, "replay"),
/// result.sim_time_s and result.replay. Runs in the driver's CPU thread.
void run_replay(nvme_driver& drv, const WorkloadOptions& wl, RunResult& result, const ProgressHook& progress);

}  // namespace scnvme::sim
