#include "disruptions.h"

#include <random>
#include <sstream>

#include <systemc>

#include "hal/scnvme_hal.h"
#include "reference_platform.h"

namespace scnvme::sim {

namespace {

constexpr struct {
  DisruptKind kind;
  const char* name;
} kKinds[] = {{DisruptKind::Reset, "reset"}, {DisruptKind::Nssr, "nssr"}, {DisruptKind::Flr, "flr"}, {DisruptKind::PowerLoss, "power_loss"}};

constexpr uint64_t kRegCap = 0x00, kRegNssr = 0x20;
constexpr uint32_t kNssrReset = 0x4E564D65;  // "NVMe"

/// A new driver instance brought up from the controller's power-on state, with the options and at
/// least the I/O queues of the one it replaces.
/// (`io_queues`: the old instance's, taken before nvme_release.)
bool bring_up(const nvme_driver& old, unsigned io_queues, std::unique_ptr<nvme_driver>& next, const char* what, std::string& error) {
  next = std::make_unique<nvme_driver>();
  if (nvme_init(next.get(), old.dev, &old.opt)) {
    error = std::string("--disrupt: after the ") + what + " the driver could not bring the controller up: " + next->error;
    return false;
  }
  if (next->io_queues < io_queues) {
    error = std::string("--disrupt: after the ") + what + " the controller granted " + std::to_string(next->io_queues) +
            " I/O queues, " + std::to_string(io_queues) + " before";
    return false;
  }
  return true;
}

}  // namespace

bool parse_disrupt_kinds(const std::string& text, std::vector<DisruptKind>& out) {
  out.clear();
  if (text == "none" || text.empty()) return true;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    bool known = false;
    for (const auto& k : kKinds)
      if (item == k.name) {
        known = true;
        out.push_back(k.kind);
      }
    if (!known) return false;
  }
  return !out.empty();
}

const char* disrupt_name(DisruptKind kind) {
  for (const auto& k : kKinds)
    if (k.kind == kind) return k.name;
  return "?";
}

std::string disrupt_kind_list() {
  std::string list;
  for (const auto& k : kKinds) list += (list.empty() ? "" : ", ") + std::string(k.name);
  return list;
}

bool run_disruptions(platform::ReferencePlatform& platform, DriverSlot& slot, const DisruptOptions& opt, uint64_t seed,
                     const ReadBack& read_back, DisruptResult& result, std::string& error) {
  if (!slot.wait_for_jobs()) return true;
  std::mt19937_64 rng(seed ^ 0xD15B0B7EDull);
  std::exponential_distribution<double> interval(1.0 / opt.every_s);
  scnvme_hal_device* dev = platform.hal(0);
  for (;;) {
    sc_core::wait(sc_core::sc_time(interval(rng), sc_core::SC_SEC));
    if (slot.ended()) return true;
    const DisruptKind kind = opt.kinds[rng() % opt.kinds.size()];
    const uint64_t start = scnvme_hal_now_ns(dev);
    bool ok = true;
    switch (kind) {
      case DisruptKind::Reset:
        ok = slot.disrupt(false, [&](nvme_driver& drv, std::unique_ptr<nvme_driver>&, std::string& why) {
          if (nvme_reset_controller(&drv) == NVME_RECOVER_RESET) return true;
          why = std::string("--disrupt: the controller reset failed: ") + drv.error;
          return false;
        }, error);
        ++result.resets;
        break;
      case DisruptKind::Nssr:
        ok = slot.disrupt(true, [&](nvme_driver& drv, std::unique_ptr<nvme_driver>& next, std::string& why) {
          if (!((scnvme_hal_mmio_read64(dev, drv.bar0 + kRegCap) >> 36) & 1)) {
            why = "--disrupt=nssr: the controller does not support NVM Subsystem Reset (CAP.NSSRS = 0)";
            return false;
          }
          scnvme_hal_mmio_write32(dev, drv.bar0 + kRegNssr, kNssrReset);
          const unsigned queues = drv.io_queues;
          nvme_release(&drv);
          return bring_up(drv, queues, next, "NVM Subsystem Reset", why);
        }, error);
        ++result.nssrs;
        break;
      case DisruptKind::Flr:
        ok = slot.disrupt(true, [&](nvme_driver& drv, std::unique_ptr<nvme_driver>& next, std::string& why) {
          const unsigned queues = drv.io_queues;
          if (nvme_shutdown(&drv) || nvme_function_level_reset(&drv)) {
            why = std::string("--disrupt=flr: ") + drv.error;
            return false;
          }
          nvme_release(&drv);
          return bring_up(drv, queues, next, "Function Level Reset", why);
        }, error);
        ++result.flrs;
        break;
      case DisruptKind::PowerLoss:
        ok = slot.disrupt(true, [&](nvme_driver& drv, std::unique_ptr<nvme_driver>& next, std::string& why) {
          platform.controller(0).power_loss();
          const unsigned queues = drv.io_queues;
          nvme_release(&drv);
          return bring_up(drv, queues, next, "power loss", why) && read_back(*next, result, why);
        }, error);
        ++result.power_losses;
        break;
    }
    result.paused_ns += scnvme_hal_now_ns(dev) - start;
    if (!ok) return false;
  }
}

}  // namespace scnvme::sim
