// Commands the reference driver's recovery ended (nvme_recover: aborted after a timeout, or
// outstanding at a controller reset) are submitted again by scnvme-sim's workloads and trace
// replay, as the Linux block layer requeues them.
#pragma once

#include <cstdint>

#include "driver/nvme_driver.h"

namespace scnvme::sim {

/// A command is submitted again at most this often (Linux's nvme_core.max_retries default).
constexpr unsigned kMaxRetries = 5;

/// Ended by recovery, not by the command itself: Command Abort Requested (the driver aborted it
/// after its timeout) or the driver's reset status, without Do Not Retry.
inline bool ended_by_recovery(uint16_t status) {
  constexpr uint16_t kDoNotRetry = 1u << 14, kAbortRequested = 0x07;
  return status == NVME_DRV_STATUS_RESET || ((status & 0x7FF) == kAbortRequested && !(status & kDoNotRetry));
}

}  // namespace scnvme::sim
