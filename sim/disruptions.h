// --disrupt / --disrupt_every: the soak scenario. While the jobs run (verified I/O over their
// queues and namespaces), something happens to the controller at random times (exponentially
// distributed, mean --disrupt_every, from --seed), each time one of the listed kinds:
//   reset       the driver resets the controller (CC.EN 1 -> 0) with the jobs' commands in flight;
//               they end with the driver's reset status and the jobs submit them again
//   nssr        the jobs drain; NVM Subsystem Reset (NSSR = "NVMe"); a new driver instance
//               brings the controller up from its power-on state
//   flr         the jobs drain; the driver shuts down (deleting its I/O queues), a Function Level
//               Reset, a new instance brings the controller up
//   power_loss  the jobs drain; power lost and restored (what the volatile write cache held and no
//               Flush made durable is lost); a new instance brings the controller up and reads
//               back every unit whose newest write was not known durable: it must hold a
//               generation between the last durable one and the newest issued, which the job
//               then expects there
// Hung commands (--fault=hang) and media errors (--fault=media) come from the fault options; the
// driver's recovery (timeouts, Abort, reset) handles the former, the jobs' error accounting the
// latter. Every read is verified as usual; every command is reaped exactly once or the run fails.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "driver/nvme_driver.h"
#include "handover.h"

namespace scnvme::platform {
class ReferencePlatform;
}

namespace scnvme::sim {

enum class DisruptKind { Reset, Nssr, Flr, PowerLoss };

struct DisruptOptions {
  std::vector<DisruptKind> kinds;  // empty: none
  double every_s = 1e-3;           // mean time between disruptions
  bool enabled() const { return !kinds.empty(); }
};

/// Parses a comma-separated list of reset, nssr, flr, power_loss (or "none"). False if unknown.
bool parse_disrupt_kinds(const std::string& text, std::vector<DisruptKind>& out);
const char* disrupt_name(DisruptKind kind);
/// "reset, nssr, flr, power_loss"
std::string disrupt_kind_list();

struct DisruptResult {
  uint64_t resets = 0, nssrs = 0, flrs = 0, power_losses = 0;
  uint64_t units_read_back = 0;  // after power losses: units whose newest write was not known durable
  uint64_t lost_writes = 0;      // ... of which the newest completed write did not survive
  uint64_t paused_ns = 0;        // the jobs paused, over every disruption
  uint64_t units_verified_at_end = 0;  // units read back after the jobs ended: each held its newest write
  uint64_t total() const { return resets + nssrs + flrs + power_losses; }
};

/// After a power loss, with the jobs paused and nothing in flight: reads back what the jobs wrote
/// and adopts what survived (workload.cpp). False with `error` on a failure or wrong data.
using ReadBack = std::function<bool(nvme_driver& drv, DisruptResult& result, std::string& error)>;

/// The disruption thread's body (on the host CPU): disrupts until the jobs end. False with
/// `error` when a disruption failed (the jobs stay paused; the caller stops the simulation).
bool run_disruptions(platform::ReferencePlatform& platform, DriverSlot& slot, const DisruptOptions& opt, uint64_t seed,
                     const ReadBack& read_back, DisruptResult& result, std::string& error);

}  // namespace scnvme::sim
