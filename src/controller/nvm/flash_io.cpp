// NVM commands through the flash backend (see flash_io.h).
#include "controller/nvm/flash_io.h"

#include <algorithm>
#include <exception>

#include "scnvme/spec/nvme_status.h"
#include "sim_now.h"

namespace scnvme::detail::nvm {

namespace st = spec::status;
using sc_core::sc_time;

namespace {

FlashBackend::Units units_of(const ControllerImpl& c, const IoRange& r, uint64_t slba, uint64_t nlb) {
  const uint64_t bs = r.ns->data_size();
  return c.flash->units_at(r.flash_base, slba * bs, nlb * bs);
}

/// Waits until the command's NAND work is done, submitting deferred work on the way.
bool wait_work(ControllerImpl& c, Command& cmd, FlashWait& w) {
  for (;;) {
    while (w.pending) {
      w.wait_done_or(c.reset_event);
      if (c.stale(cmd)) return false;
    }
    if (w.deferred.empty()) break;
    c.flash->submit_deferred(w);
  }
  cmd.timeline.at = std::max({cmd.timeline.at, sim_now(), w.ready_at});
  return true;
}

/// Waits until simulated time reaches the command's timeline (its data has arrived).
bool reach_timeline(ControllerImpl& c, Command& cmd) {
  const sc_time now = sim_now();
  if (cmd.timeline.at > now) sc_core::wait(cmd.timeline.at - now);
  return !c.stale(cmd);
}

bool wait_programs(ControllerImpl& c, Command& cmd, uint64_t barrier) {
  while (!c.flash->programs_done_through(barrier)) {
    sc_core::wait(c.flash->programs_progress() | c.reset_event);
    if (c.stale(cmd)) return false;
  }
  cmd.timeline.at = std::max(cmd.timeline.at, sim_now());
  return true;
}

}  // namespace

bool flash_read(ControllerImpl& c, Command& cmd, const IoRange& r) {
  if (!c.flash) return true;
  FlashWait& w = c.flash_wait(cmd);
  w.start();
  constexpr uint32_t kLimitedRetry = 1u << 31;  // CDW12 of Read, Compare and Verify
  if (cmd.sqe.cdw12() & kLimitedRetry) w.retry_limit = c.flash->config().nand.limited_retry_max;
  const FlashBackend::Units u = units_of(c, r, r.slba, r.nlb);
  const sc_time now = sim_now();
  c.flash->read(w, u.first, u.count(), cmd.timeline.at > now ? cmd.timeline.at - now : sc_core::SC_ZERO_TIME);
  if (!wait_work(c, cmd, w)) return false;
  if (w.uncorrectable) {  // the limited retries did not recover a page: no data goes to the host
    ++c.health.media_errors;
    cmd.error_lba = r.slba;  // (which of the command's units sat on the page is not tracked)
    cmd.fail(st::kUnrecoveredReadError);
    return false;
  }
  return true;
}

bool flash_write(ControllerImpl& c, Command& cmd, const IoRange& r, bool durable) {
  if (!c.flash) return true;
  FlashBackend& flash = *c.flash;
  FlashWait& w = c.flash_wait(cmd);
  w.start();
  const FlashBackend::Units u = units_of(c, r, r.slba, r.nlb);
  if (!reach_timeline(c, cmd)) return false;
  flash.read_for_partial_write(w, u);
  if (!wait_work(c, cmd, w) || !reach_timeline(c, cmd)) return false;  // the old data decoded, to merge

  DataBuffer& buffer = flash.write_buffer();
  const sc_time asked = sim_now();
  bool waited = false;
  while (!buffer.try_acquire(&cmd, u.count())) {
    waited = true;
    sc_core::wait(buffer.changed() | c.reset_event);
    if (c.stale(cmd)) {
      buffer.cancel(&cmd);
      return false;
    }
  }
  if (waited) flash.buffer_waited(sim_now() - asked);
  try {
    flash.write(u.first, u.count(), durable);
  } catch (const std::exception& e) {
    SC_REPORT_WARNING("scnvme/flash", (c.name + ": write failed in the flash backend: " + e.what()).c_str());
    cmd.fail(st::kWriteFault);
    return true;
  }
  if (flash.needs_program_wait(durable)) return wait_programs(c, cmd, flash.program_barrier());
  cmd.timeline.at = std::max(cmd.timeline.at, sim_now());
  return true;
}

bool flash_flush(ControllerImpl& c, Command& cmd) {
  if (!c.flash) return true;
  if (!c.flash->flush()) return true;
  return wait_programs(c, cmd, c.flash->program_barrier());
}

void flash_trim(ControllerImpl& c, const IoRange& r, uint64_t slba, uint64_t nlb) {
  if (!c.flash || nlb == 0) return;
  const FlashBackend::Units u = units_of(c, r, slba, nlb);
  // Only whole mapping units are unmapped; a partly covered one keeps its (zeroed) data mapped.
  const uint64_t first = u.first + (u.partial_head ? 1 : 0);
  const uint64_t end = u.end - (u.partial_tail && u.end > first ? 1 : 0);
  if (end > first) c.flash->trim(first, end - first);
}

}  // namespace scnvme::detail::nvm
