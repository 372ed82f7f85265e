#include "handover.h"

#include <cstring>
#include <vector>

#include "hal/hal_device.h"

namespace scnvme::sim {

void DriverSlot::jobs_started() {
  started_ = true;
  changed_.notify(sc_core::SC_ZERO_TIME);
}

void DriverSlot::jobs_ended() {
  while (requested_) sc_core::wait(resumed_);
  ended_ = true;
  changed_.notify(sc_core::SC_ZERO_TIME);
}

bool DriverSlot::wait_for_jobs() {
  while (!started_ && !ended_) sc_core::wait(changed_);
  return !ended_;
}

void DriverSlot::enter() {
  while (requested_) sc_core::wait(resumed_);  // a job starting during a hand-over waits for it
  ++running_;
}

void DriverSlot::leave() {
  --running_;
  changed_.notify(sc_core::SC_ZERO_TIME);
}

bool DriverSlot::pause_if_requested(bool drained) {
  if (recovering_) {
    ++paused_for_recovery_;
    changed_.notify(sc_core::SC_ZERO_TIME);
    while (recovering_) sc_core::wait(recovered_);
    --paused_for_recovery_;
    return true;
  }
  if (!requested_ || (!keepalive_ && !drained)) return false;
  // Drained: nothing of the job is pending, not even CPU time (a checkpoint saves the time).
  if (!keepalive_) scnvme_hal_delay_ns(drv_->dev, 0);
  ++paused_;
  changed_.notify(sc_core::SC_ZERO_TIME);
  while (requested_) sc_core::wait(resumed_);
  return true;
}

int DriverSlot::recover() {
  if (recovering_) {
    pause_if_requested(false);
    return NVME_RECOVER_NONE;
  }
  recovering_ = true;
  // Every other running job paused: for this recovery, or already for a hand-over or checkpoint.
  while (paused_for_recovery_ + (requested_ ? paused_ : 0) + 1 < running_) sc_core::wait(changed_);
  const int result = nvme_recover(drv_.get());
  recovering_ = false;
  recovered_.notify(sc_core::SC_ZERO_TIME);
  return result;
}

nvme_recovery_stats DriverSlot::recovery() const {
  nvme_recovery_stats total = retired_;
  const nvme_recovery_stats& now = drv_->recovery;
  total.timeouts += now.timeouts;
  total.admin_timeouts += now.admin_timeouts;
  total.aborts_sent += now.aborts_sent;
  total.aborts_succeeded += now.aborts_succeeded;
  total.controller_resets += now.controller_resets;
  total.reinit_failures += now.reinit_failures;
  total.cfs_recoveries += now.cfs_recoveries;
  total.commands_failed += now.commands_failed;
  total.polled_completions += now.polled_completions;
  total.empty_interrupts += now.empty_interrupts;
  return total;
}

bool DriverSlot::hand_over(const HandoverOptions& opt, scnvme_hal_device* dev, HandoverResult& result, std::string& error) {
  const uint64_t start = scnvme_hal_now_ns(dev);
  pause_jobs(opt.keepalive);
  result.happened = true;
  result.mode = opt.keepalive ? "keepalive" : "reset";
  result.at_s = opt.at_s;
  result.jobs_paused = paused_;
  const nvme_driver_options driver_opt = drv_->opt;
  const unsigned io_queues = drv_->io_queues;
  const uint64_t gap_ns = static_cast<uint64_t>(opt.gap_s * 1e9 + 0.5);
  auto next = std::make_unique<nvme_driver>();
  if (opt.keepalive) {
    nvme_handover_state state{};
    if (nvme_save_state(drv_.get(), &state)) {
      error = std::string("hand-over: ") + drv_->error;
      return false;
    }
    for (unsigned q = 1; q <= state.io_queues; ++q) result.in_flight += state.sq[q].outstanding;
    // The state travels as bytes; the old instance is gone (wiped, so any later use shows).
    std::vector<uint8_t> bytes(sizeof state);
    std::memcpy(bytes.data(), &state, sizeof state);
    retired_ = recovery();  // (the instance is wiped: keep its counts)
    std::memset(drv_.get(), 0xA5, sizeof *drv_);
    scnvme_hal_delay_ns(dev, gap_ns);
    nvme_handover_state restored{};
    std::memcpy(&restored, bytes.data(), sizeof restored);
    if (nvme_restore(next.get(), dev, &restored)) {
      error = std::string("hand-over: ") + next->error;
      return false;
    }
  } else {
    if (nvme_shutdown(drv_.get()) || nvme_function_level_reset(drv_.get())) {
      error = std::string("hand-over (reset): ") + drv_->error;
      return false;
    }
    nvme_release(drv_.get());
    retired_ = recovery();  // (the instance is wiped: keep its counts)
    std::memset(drv_.get(), 0xA5, sizeof *drv_);
    scnvme_hal_delay_ns(dev, gap_ns);
    if (nvme_init(next.get(), dev, &driver_opt)) {
      error = std::string("hand-over (reset): re-initialisation failed: ") + next->error;
      return false;
    }
    if (next->io_queues < io_queues) {
      error = "hand-over (reset): the controller granted " + std::to_string(next->io_queues) + " I/O queues after the reset, " +
              std::to_string(io_queues) + " before";
      return false;
    }
  }
  result.paused_ns = scnvme_hal_now_ns(dev) - start;
  resume_jobs(std::move(next));
  return true;
}

bool DriverSlot::checkpoint(scnvme_hal_device* dev, const SaveCheckpoint& save, std::string& error) {
  pause_jobs(false);
  nvme_handover_state state{};
  if (nvme_save_state(drv_.get(), &state)) {
    error = std::string("checkpoint: ") + drv_->error;
    return false;
  }
  retired_ = recovery();  // (saved with the checkpoint: the next instance starts from zero)
  std::memset(&drv_->recovery, 0, sizeof drv_->recovery);
  if (!save(state, error)) return false;
  std::memset(drv_.get(), 0xA5, sizeof *drv_);
  auto next = std::make_unique<nvme_driver>();
  if (nvme_restore(next.get(), dev, &state)) {
    error = std::string("checkpoint: the driver could not take its saved state up again: ") + next->error;
    return false;
  }
  dev->cpu->sync();
  resume_jobs(std::move(next));
  return true;
}

bool DriverSlot::disrupt(bool drain, const Disruption& action, std::string& error) {
  pause_jobs(!drain);
  std::unique_ptr<nvme_driver> next;
  if (!action(*drv_, next, error)) return false;
  if (next) {
    retired_ = recovery();  // (the instance is wiped: keep its counts)
    std::memset(drv_.get(), 0xA5, sizeof *drv_);
    resume_jobs(std::move(next));
  } else {
    requested_ = false;
    resumed_.notify(sc_core::SC_ZERO_TIME);
  }
  return true;
}

void DriverSlot::pause_jobs(bool keepalive) {
  requested_ = true;
  keepalive_ = keepalive;
  paused_ = 0;
  while (paused_ < running_) sc_core::wait(changed_);
}

void DriverSlot::resume_jobs(std::unique_ptr<nvme_driver> next) {
  drv_ = std::move(next);
  requested_ = false;
  resumed_.notify(sc_core::SC_ZERO_TIME);
}

}  // namespace scnvme::sim
