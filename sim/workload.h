// fio-like workloads run by the reference driver on the reference platform: one CPU thread and
// one I/O queue pair per job, each keeping `iodepth` commands in flight.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "driver/nvme_driver.h"
#include "reference_platform.h"
#include "statistics.h"
#include "verify.h"

namespace scnvme::sim {

struct WorkloadOptions {
  std::string rw = "randread";   // read, write, randread, randwrite, rw/readwrite, randrw
  uint64_t bs = 4096;
  unsigned iodepth = 1;
  unsigned numjobs = 1;
  uint64_t number_ios = 0;       // per job; 0 = until runtime (or one pass over size)
  double runtime_s = 0;          // simulated seconds; 0 = no limit
  unsigned rwmixread = 50;
  uint64_t size = 0;             // bytes of the namespace each job covers; 0 = whole namespace / numjobs
  uint64_t offset = 0;
  uint32_t nsid = 1;             // 0: every active namespace, jobs spread round robin
  VerifyMode verify = VerifyMode::Crc32c;  // how reads are checked against what this run wrote
  uint32_t fsync = 0;            // issue a Flush after this many writes (0: never)
  double power_loss_at_s = 0;    // simulated time of a power loss (0: none); then recover and verify
  bool writes_durable = false;   // the controller has no volatile write cache
  uint64_t seed = 1;
};

/// Parses fio's size syntax: 4096, 4k, 128K, 1m, 2g (powers of 1024). Returns false if invalid.
bool parse_size(const std::string& text, uint64_t& out);
bool valid_rw(const std::string& rw);

struct JobResult {
  uint32_t nsid = 0;
  LatencyStats read, write;
  uint64_t bytes_read = 0, bytes_written = 0;
  uint64_t flushes = 0;
  uint64_t errors = 0;
  uint64_t verified_reads = 0;
  uint64_t verify_failures = 0;
};

/// After a power loss: what the recovery pass read back.
struct PowerLossResult {
  bool happened = false;
  double at_s = 0;
  uint64_t chunks_checked = 0;     // blocks (of bs) the jobs had written
  uint64_t lost_writes = 0;        // chunks whose newest completed write did not survive (it was not durable)
  uint64_t mismatches = 0;         // chunks not holding their last durable data
};

/// Per-stage latencies of the controller's I/O commands (from Controller::on_command_complete):
/// doorbell -> SQE fetched (arbitration and fetch), fetched -> executed (execution and data
/// transfer), executed -> CQE written (completion post), doorbell -> CQE written (the device's
/// share of the total), and CQE written -> interrupt message sent (only commands whose completion
/// sent one: not coalesced, masked, INTx or polled).
struct StageStats {
  LatencyStats fetch, execute, complete, device, interrupt;
};

struct RunResult {
  bool ok = true;
  std::string error;               // why the run failed (driver or I/O error)
  std::vector<JobResult> jobs;
  double sim_time_s = 0;           // from the first submission to the last completion
  std::string controller_model, controller_serial;
  unsigned io_queues = 0;
  std::string interrupt_mode;
  std::vector<nvme_namespace> namespaces;
  PowerLossResult power_loss;
  StageStats stages;
};

/// Brings the controller up with the reference driver, runs the workload, shuts down. Call
/// during elaboration: it spawns the CPU threads; `result` is complete when simulation ends.
void start_workload(platform::ReferencePlatform& platform, const nvme_driver_options& driver, const WorkloadOptions& wl,
                    RunResult& result);

}  // namespace scnvme::sim
