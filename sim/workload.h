// fio-like workloads run by the reference driver on the reference platform: one or more job
// sections, each with numjobs instances; one CPU thread and one I/O queue pair per instance, each
// keeping `iodepth` commands in flight.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "driver/nvme_driver.h"
#include "reference_platform.h"
#include "checkpoint_file.h"
#include "distributions.h"
#include "disruptions.h"
#include "handover.h"
#include "statistics.h"
#include "verify.h"

namespace scnvme::sim {

/// One bssplit entry: I/Os of `bytes` make up `percent` of the job's I/Os.
struct BlockSizeShare {
  uint64_t bytes = 0;
  unsigned percent = 0;
};

/// One fio job section; `numjobs` instances of it run, each with its own queue pair and vector.
struct JobOptions {
  std::string name;              // the section's name ("": the command line's job, reported as job<N>)
  std::string rw = "randread";   // read, write, randread, randwrite, rw, randrw
  uint64_t bs = 4096;
  std::vector<BlockSizeShare> bssplit;  // non-empty: the block size of each I/O is drawn from it (bs unused)
  unsigned iodepth = 1;
  unsigned numjobs = 1;
  uint64_t number_ios = 0;       // per instance, after the ramp; 0 = one pass over size, or until runtime with time_based
  double runtime_s = 0;          // simulated seconds after the ramp; 0 = no limit
  bool time_based = false;       // keep going until runtime even after a pass
  double ramp_time_s = 0;        // simulated seconds run before anything is counted
  unsigned rwmixread = 50;
  uint64_t size = 0;             // bytes each instance covers; 0 = what is left of the namespace, shared
  uint64_t offset = 0;
  uint32_t nsid = 1;             // 0: every active namespace, instances spread round robin
  Distribution random_distribution;
  uint64_t thinktime_us = 0;     // after every thinktime_blocks I/Os: let them complete, then wait this long
  unsigned thinktime_blocks = 1;
  uint64_t rate_iops = 0;        // per instance; 0 = no cap
  VerifyMode verify = VerifyMode::Crc32c;  // how reads are checked against what this run wrote
  uint32_t fsync = 0;            // issue a Flush after this many writes (0: never)
  bool continue_on_read_error = false;  // fio's continue_on_error=read: a read failing with Unrecovered
                                        // Read Error is counted in errors and the job goes on
  bool stonewall = false;        // wait for every job before it to finish (fio's stonewall): a new group
  std::vector<std::pair<std::string, std::string>> effective;  // key -> value used, for the report

  uint64_t min_bs() const;
  uint64_t max_bs() const;
  /// "4096", or the bssplit text ("4096/50:65536/50").
  std::string bs_text() const;
  bool random() const { return rw.rfind("rand", 0) == 0; }
};

struct Trace;  // trace_replay.h

/// --replay: a block trace replayed on I/O queue pair 1 instead of the jobs (sim/replay.h); the
/// first job's iodepth and nsid apply.
struct ReplayOptions {
  std::string path;                    // "": no replay
  std::shared_ptr<const Trace> trace;  // parsed when the options are read
  bool faithful = true;                // issue at the trace's times (false: as fast as iodepth allows)
  double speed = 1;                    // faithful: times divided by this
  bool wrap = false;                   // LBA mapping: offset modulo the namespace (false: scale)
  unsigned loops = 1;
};

struct WorkloadOptions {
  std::vector<JobOptions> jobs{JobOptions{}};
  ReplayOptions replay;
  double power_loss_at_s = 0;    // simulated time of a power loss (0: none); then recover and verify
  HandoverOptions handover;      // --handover_at: the driver replaced mid-run (sim/handover.h)
  DisruptOptions disrupt;        // --disrupt: resets, NSSR, FLR, power losses while the jobs run (sim/disruptions.h)
  CheckpointOptions checkpoint;  // --checkpoint_at / --resume (sim/checkpoint_file.h)
  bool writes_durable = false;   // the controller has no volatile write cache
  uint64_t seed = 1;
  bool keep_completions = false; // record every counted completion (for --timeseries)
  unsigned instances() const;    // the sum of every job's numjobs: the I/O queue pairs needed
};

/// Parses fio's size syntax: 4096, 4k, 128K, 1m, 2g (powers of 1024). Returns false if invalid.
bool parse_size(const std::string& text, uint64_t& out);
bool valid_rw(const std::string& rw);

/// Per-stage latencies of the controller's I/O commands (from Controller::on_command_complete):
/// doorbell -> SQE fetched (arbitration and fetch), fetched -> executed (execution and data
/// transfer), executed -> CQE written (completion post), doorbell -> CQE written (the device's
/// share of the total), and CQE written -> interrupt message sent (only commands whose completion
/// sent one: not coalesced, masked, INTx or polled).
struct StageStats {
  LatencyStats fetch, execute, complete, device, interrupt;
  void merge(const StageStats& o) {
    fetch.merge(o.fetch);
    execute.merge(o.execute);
    complete.merge(o.complete);
    device.merge(o.device);
    interrupt.merge(o.interrupt);
  }
  void persist(checkpoint::Archive& a);
};

/// One counted completion, kept with WorkloadOptions::keep_completions.
struct Completion {
  uint64_t at_ns = 0;        // simulated time the host reaped it
  uint64_t latency_ns = 0;   // submission to reap (lat)
  uint32_t bytes = 0;
  bool write = false;
  void persist(checkpoint::Archive& a);
};

struct JobResult {
  std::string name;                // as reported: the section's name (name.N with numjobs > 1), or job<N>
  unsigned job = 0;                // index of its JobOptions
  unsigned instance = 0;           // 0 .. numjobs - 1
  uint32_t nsid = 0;
  double time_s = 0;               // measured period: first I/O (or the ramp's end) to the last counted completion
  uint64_t ramp_ios = 0;           // completed during the ramp, not counted
  std::map<uint64_t, uint64_t> ios_by_bs;  // counted I/Os per block size
  LatencyStats read, write;        // lat: submission (prepared) to completion reaped
  Moments read_slat, write_slat;   // slat: prepared to the doorbell written
  Moments read_clat, write_clat;   // clat: the doorbell written to completion reaped
  std::vector<Completion> completions;  // with keep_completions
  StageStats stages;               // the controller's stages of the commands on its queue pair
  uint64_t bytes_read = 0, bytes_written = 0;
  uint64_t flushes = 0;
  uint64_t errors = 0;
  uint64_t retries = 0;            // I/Os and Flushes submitted again after the driver's recovery ended them
  uint64_t verified_reads = 0;
  uint64_t verify_failures = 0;
  /// Checkpoints: everything gathered so far.
  void persist(checkpoint::Archive& a);
};

/// After a power loss: what the recovery pass read back.
struct PowerLossResult {
  bool happened = false;
  double at_s = 0;
  uint64_t chunks_checked = 0;     // blocks (of bs) the jobs had written
  uint64_t lost_writes = 0;        // chunks whose newest completed write did not survive (it was not durable)
  uint64_t mismatches = 0;         // chunks not holding their last durable data
};


/// What --replay replayed and how closely it kept the trace's times.
struct ReplayResult {
  std::string path;                // "": no replay
  std::string format;              // blkparse, msr, csv
  bool detected = false;           // by --replay_format=auto
  uint64_t records = 0;            // I/O records in the trace (one pass)
  uint64_t skipped = 0;            // lines not replayed: comments, headers, other actions, empty I/Os
  uint64_t replayed = 0;           // records issued, every loop
  uint64_t commands = 0;           // NVMe commands issued (records split at the maximum transfer, preflushes)
  uint64_t late = 0;               // records issued after their time because iodepth commands were in flight
  double mean_lateness_ns = 0;     // over the late records
  uint64_t max_lateness_ns = 0;
  uint64_t deallocates = 0;        // Dataset Management (deallocate) commands completed
  uint64_t deallocated_bytes = 0;
};

struct RunResult {
  bool ok = true;
  bool bad_input = false;          // the failure is the user's input (a checkpoint that cannot be resumed): exit code 2
  std::string error;               // why the run failed (driver or I/O error)
  std::vector<JobResult> jobs;
  double sim_time_s = 0;           // from the first counted submission (or ramp end) to the last completion
  uint64_t measure_start_ns = 0;   // simulated time that period starts
  uint64_t ios_done = 0;           // completions so far, ramp included (progress)
  std::string controller_model, controller_serial;
  unsigned io_queues = 0;
  std::string interrupt_mode;
  std::vector<nvme_namespace> namespaces;
  PowerLossResult power_loss;
  HandoverResult handover;
  DisruptResult disruptions;
  CheckpointResult checkpoint;
  nvme_recovery_stats recovery{};  // the reference driver's recovery (every instance the jobs used)
  StageStats stages;
  ReplayResult replay;
};

/// Called after completions are reaped: simulated time (ns) and I/Os completed so far.
using ProgressHook = std::function<void(uint64_t now_ns, uint64_t ios_done)>;

/// Brings the controller up with the reference driver, runs the workload, shuts down. Call
/// during elaboration: it spawns the CPU threads; `result` is complete when simulation ends.
void start_workload(platform::ReferencePlatform& platform, const nvme_driver_options& driver, const WorkloadOptions& wl,
                    RunResult& result, ProgressHook progress = {});

}  // namespace scnvme::sim
