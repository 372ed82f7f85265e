// --handover_at: the host driver is replaced in the middle of the workload.
// - keepalive: the jobs pause (their commands stay in flight), the running driver instance saves
//   its state (nvme_save_state) and is wiped; after --handover_gap a new instance restores it
//   (nvme_restore) with the controller still enabled, and the jobs go on, reaping the completions
//   of the commands submitted before the hand-over on the new instance.
// - reset: the flow without hand-over support: the jobs stop submitting and drain, the driver
//   shuts the controller down (CC.SHN), resets the function (FLR) and frees its memory; after the
//   gap a new instance initialises the controller from scratch and the jobs go on.
// Duplicate or missing completions and wrong data fail the run as they always do (each job
// checks every CID it reaps and verifies its reads).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <systemc>

#include "driver/nvme_driver.h"

namespace scnvme::sim {

struct HandoverOptions {
  double at_s = 0;             // simulated time (0: no hand-over)
  bool keepalive = true;       // false: shutdown, FLR, re-initialisation
  double gap_s = 100e-6;       // time with no driver instance
};

struct HandoverResult {
  bool happened = false;
  std::string mode;            // "keepalive" or "reset"
  double at_s = 0;
  uint64_t in_flight = 0;      // commands outstanding when the old instance stopped (keepalive)
  uint64_t paused_ns = 0;      // from the request to the jobs going on
  uint64_t jobs_paused = 0;
};

/// The driver instance the jobs use, and the pause protocol between them and the hand-over.
/// A job calls enter() before it starts and leave() when it ends; at the top of its loop it
/// calls pause_if_requested(). All from SystemC processes of the host CPU.
class DriverSlot {
 public:
  explicit DriverSlot(std::unique_ptr<nvme_driver> first) : drv_(std::move(first)) {}
  nvme_driver& driver() { return *drv_; }

  /// The driver thread: the jobs start / have all ended (waits for a hand-over in progress).
  void jobs_started();
  void jobs_ended();
  /// The hand-over thread: waits until the jobs have started; false when they have ended.
  bool wait_for_jobs();

  void enter();
  void leave();
  /// A hand-over, checkpoint or recovery wants the jobs to pause (they stop submitting).
  bool requested() const { return requested_ || recovering_; }
  /// With a recovery running: pauses until it is done (true). With a hand-over requested: pauses
  /// until it is done (true), else returns false at once. A keepalive hand-over pauses jobs
  /// whatever they have in flight; a reset one only once `drained` (the caller stops submitting
  /// meanwhile).
  bool pause_if_requested(bool drained);

  /// A job whose wait for completions found nothing within the command timeout, or an error:
  /// runs the driver's recovery (nvme_recover: Abort, controller reset and re-initialisation)
  /// once every other job has paused, whatever they have in flight (the driver is not for
  /// several threads while it recovers), then lets them go on. When another job is recovering
  /// already, pauses until it is done and returns NVME_RECOVER_NONE. nvme_recover's result.
  int recover();
  /// Recovery statistics over every driver instance the jobs used (hand-overs and checkpoints
  /// replace the instance; its counts are kept).
  nvme_recovery_stats recovery() const;
  /// Checkpoints: the counts of the instances replaced so far.
  nvme_recovery_stats& retired_recovery() { return retired_; }

  /// Runs the hand-over: waits for every running job to pause, replaces the driver, resumes
  /// them. False (with `error`) when the new instance cannot take over; the jobs stay paused
  /// until the simulation stops.
  bool hand_over(const HandoverOptions& opt, scnvme_hal_device* dev, HandoverResult& result, std::string& error);

  /// --checkpoint_at: the jobs stop submitting and drain, then pause; the driver instance saves
  /// its state (nvme_save_state) and `save` writes the checkpoint with it; a new instance restores
  /// that state (nvme_restore), exactly as a run resumed from the checkpoint does, and the jobs go
  /// on. False (with `error`) when the state cannot be saved or restored, or `save` fails; the
  /// jobs stay paused until the simulation stops.
  using SaveCheckpoint = std::function<bool(const nvme_handover_state& state, std::string& error)>;
  bool checkpoint(scnvme_hal_device* dev, const SaveCheckpoint& save, std::string& error);

  /// --disrupt: pauses the jobs (with `drain` once what they have in flight has completed, else
  /// with it in flight) and runs `action` on the driver instance; the action may set
  /// `replacement`, a new instance the jobs go on with. False (with `error`) when the action
  /// failed; the jobs stay paused until the simulation stops.
  using Disruption = std::function<bool(nvme_driver& current, std::unique_ptr<nvme_driver>& replacement, std::string& error)>;
  bool disrupt(bool drain, const Disruption& action, std::string& error);
  /// The jobs have all ended (jobs_ended()).
  bool ended() const { return ended_; }

 private:
  void pause_jobs(bool keepalive);
  void resume_jobs(std::unique_ptr<nvme_driver> next);
  std::unique_ptr<nvme_driver> drv_;
  bool requested_ = false, keepalive_ = true, started_ = false, ended_ = false, recovering_ = false;
  unsigned running_ = 0, paused_ = 0, paused_for_recovery_ = 0;
  nvme_recovery_stats retired_{};
  sc_core::sc_event changed_, resumed_, recovered_;
};

}  // namespace scnvme::sim
