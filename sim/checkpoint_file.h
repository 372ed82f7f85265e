// scnvme-sim's checkpoints (--checkpoint_at, --checkpoint, --resume): a checkpoint file
// (scnvme/checkpoint.h) with these sections, in order:
//   options   the options that shape the run (model, workload, seed), which a resumed run must share
//   platform  the controllers and the host side (ReferencePlatform::save_checkpoint)
//   driver    the reference driver's saved state (nvme_save_state), which it takes up again with
//             nvme_restore in the resumed process
//   workload  the jobs' progress and every statistic gathered so far (workload.cpp)
// The run taking the checkpoint drains the jobs' I/O, waits for a quiescent point, writes the file
// and carries on through the same nvme_restore a resumed run uses, so both runs go on identically
// from that point: the resumed run's results equal the uninterrupted run's.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "driver/nvme_driver.h"
#include "scnvme/checkpoint.h"

namespace scnvme::sim {

struct CheckpointOptions {
  double at_s = 0;           // --checkpoint_at: simulated time it is requested at (0: none)
  std::string path;          // --checkpoint: the file written
  std::string resume_path;   // --resume: the file resumed from ("": a fresh run)
  /// --resume: the file, opened and checked by the option parser (header, hash, options); the
  /// driver thread reads on from the platform section at the checkpoint's time.
  std::shared_ptr<checkpoint::Reader> resume;
  /// The options that shape the run, by name (a job file's jobs as "job<N>.<key>").
  std::map<std::string, std::string> fingerprint;
};

struct CheckpointResult {
  bool written = false;
  double taken_s = 0;        // the simulated time the checkpoint holds
  uint64_t drain_ns = 0;     // from --checkpoint_at to that quiescent point (I/O drained, controller idle)
  uint64_t bytes = 0;        // file size
  bool resumed = false;
  double resumed_at_s = 0;   // --resume: the simulated time the run went on from
};

/// Opens `path` for --resume: checks the file (CheckpointError: not a checkpoint, truncated,
/// corrupt, another format) and that its options equal `fingerprint` (CheckpointError naming the
/// first option that differs and both values). Reads up to the platform section.
std::shared_ptr<checkpoint::Reader> open_for_resume(const std::string& path,
                                                    const std::map<std::string, std::string>& fingerprint);

/// Section "options".
void write_options(checkpoint::Writer& w, const std::map<std::string, std::string>& fingerprint);

/// Section "driver": the reference driver's saved state, checked for its magic, version and size.
void persist_driver_state(checkpoint::Archive& a, nvme_handover_state& state);

/// Writes a finished checkpoint to `path`; its size in bytes. CheckpointError when the file cannot be written.
uint64_t write_file(const checkpoint::Writer& w, const std::string& path);

}  // namespace scnvme::sim
