// The NVM commands' side of the flash backend: each function plans the command's NAND work from
// its timeline, waits for what the command must wait for (reads, write-buffer space, programs
// of durable data) and moves the timeline on to the end of that wait. False: the command went
// stale (reset) while waiting. Without a flash backend they return at once.
#pragma once

#include "controller/controller_impl.h"
#include "controller/nvm/nvm_io.h"

namespace scnvme::detail::nvm {

/// Read, Compare and Verify: the NAND reads of the range, from the command's execution time.
/// False when the command was reset, or failed (Limited Retry did not recover a page: Unrecovered
/// Read Error, counted as a media error).
bool flash_read(ControllerImpl& c, Command& cmd, const IoRange& r);
/// Write, once its data has arrived (the timeline): write-buffer space, then placement; durable
/// data (FUA or no volatile write cache) without power-loss protection waits for its programs.
/// A backend failure fails the command with Write Fault.
bool flash_write(ControllerImpl& c, Command& cmd, const IoRange& r, bool durable);
/// Flush: volatile data in the write buffer is programmed (padding partial program units).
bool flash_flush(ControllerImpl& c, Command& cmd);
/// Deallocate / Write Zeroes of blocks [slba, slba + nlb): whole mapping units are unmapped.
void flash_trim(ControllerImpl& c, const IoRange& r, uint64_t slba, uint64_t nlb);

/// Counts the command as host activity in the backend for its lifetime (background work waits).
class FlashActivity {
 public:
  explicit FlashActivity(ControllerImpl& c) : backend_(c.flash.get()) {
    if (backend_) backend_->begin_host();
  }
  ~FlashActivity() {
    if (backend_) backend_->end_host();
  }
  FlashActivity(const FlashActivity&) = delete;
  FlashActivity& operator=(const FlashActivity&) = delete;

 private:
  FlashBackend* backend_;
};

}  // namespace scnvme::detail::nvm
