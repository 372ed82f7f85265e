// Get Log Page (NVMe Base 2.0, 5.16): Supported Log Pages, Error Information, SMART / Health
// Information, Firmware Slot Information, Changed Namespace List, Commands Supported and Effects
// and Device Self-test, with NUMD, offset and length honoured exactly.
#include <algorithm>
#include <cstring>

#include "controller/controller_impl.h"
#include "scnvme/spec/nvme_identify.h"
#include "scnvme/spec/nvme_log.h"
#include "scnvme/spec/nvme_status.h"
#include "sim_now.h"

namespace scnvme::detail {

namespace st = spec::status;
namespace lg = spec::log;

namespace {
void put_le128(uint8_t* p, uint64_t v) {
  spec::put_le64(p, v);
  spec::put_le64(p + 8, 0);
}
}  // namespace

void ControllerImpl::admin_get_log_page(Command& cmd) {
  const uint32_t cdw10 = cmd.sqe.cdw10(), cdw11 = cmd.sqe.cdw11();
  const uint8_t lid = lg::lid(cdw10);
  const uint64_t len = lg::length_bytes(cdw10, cdw11);
  const uint64_t offset = lg::offset_bytes(cmd.sqe.cdw12(), cmd.sqe.cdw13());
  const uint32_t nsid = cmd.sqe.nsid();

  std::vector<uint8_t> page;
  switch (lid) {
    case lg::kSupportedLogPages: {
      page.assign(1024, 0);
      for (uint8_t id : {lg::kSupportedLogPages, lg::kErrorInformation, lg::kSmartHealth, lg::kFirmwareSlot,
                         lg::kChangedNamespaceList, lg::kCommandsSupportedAndEffects})
        spec::put_le32(page.data() + 4 * id, 1u);  // LSUPP
      if (cfg.device_self_test) spec::put_le32(page.data() + 4 * lg::kDeviceSelfTest, 1u);
      break;
    }
    case lg::kErrorInformation:
      page = errors.page();
      break;
    case lg::kSmartHealth: {
      if (nsid != 0 && nsid != spec::kBroadcastNsid) return cmd.fail(st::kInvalidField, 4);  // no per-namespace SMART
      namespace sm = lg::smart;
      page.assign(sm::kSize, 0);
      uint8_t* p = page.data();
      check_health();  // the state read now: a threshold crossed since is reported as well
      p[sm::kCriticalWarning] = critical_warning();
      spec::put_le16(p + sm::kCompositeTemperature, composite_temperature_k());
      p[sm::kAvailableSpare] = available_spare();
      p[sm::kAvailableSpareThreshold] = cfg.available_spare_threshold;
      p[sm::kPercentageUsed] = percentage_used();
      // Data units are thousands of 512-byte units, rounded up.
      put_le128(p + sm::kDataUnitsRead, (health.read_512_units + 999) / 1000);
      put_le128(p + sm::kDataUnitsWritten, (health.written_512_units + 999) / 1000);
      put_le128(p + sm::kHostReadCommands, health.host_read_commands);
      put_le128(p + sm::kHostWriteCommands, health.host_write_commands);
      put_le128(p + sm::kControllerBusyTime, health.busy_time_ns / 60000000000ull);
      put_le128(p + sm::kPowerCycles, health.power_cycles);
      put_le128(p + sm::kPowerOnHours, static_cast<uint64_t>(sim_now().to_seconds() / 3600.0));
      put_le128(p + sm::kUnsafeShutdowns, health.unsafe_shutdowns);
      put_le128(p + sm::kMediaErrors, health.media_errors);
      put_le128(p + sm::kErrorLogEntries, errors.error_count());
      break;
    }
    case lg::kFirmwareSlot:  // (admin/firmware.cpp)
      page = firmware_slot_log();
      break;
    case lg::kDeviceSelfTest:  // (admin/self_test.cpp); controller-wide, whatever the NSID
      if (!cfg.device_self_test) return cmd.fail(st::kInvalidLogPage, 40);
      page = self_test_log();
      break;
    case lg::kChangedNamespaceList: {
      // NSIDs whose attributes changed since the log was last read (FFFFFFFFh alone when more than
      // the log holds); reading it with RAE cleared empties it.
      namespace cn = lg::changed_namespaces;
      page.assign(cn::kSize, 0);
      if (changed_namespaces.size() > cn::kMaxEntries) spec::put_le32(page.data(), 0xFFFFFFFFu);
      else
        for (std::size_t i = 0; i < changed_namespaces.size(); ++i) spec::put_le32(page.data() + 4 * i, changed_namespaces[i]);
      break;
    }
    case lg::kCommandsSupportedAndEffects:
      page = command_effects_log();
      break;
    default:
      return cmd.fail(st::kInvalidLogPage, 40);
  }
  if (lg::lsp(cdw10) != 0) return cmd.fail(st::kInvalidField, 41);        // no log-specific parameters
  if (cmd.sqe.cdw14() & 0x7F) return cmd.fail(st::kInvalidField, 56);     // UUID index: no UUID list
  if (cmd.sqe.cdw14() & (1u << 23)) return cmd.fail(st::kInvalidField, 58);  // index offsets not supported
  if (offset & 3) return cmd.fail(st::kInvalidField, 48);                 // offset must be dword aligned
  if (offset >= page.size()) return cmd.fail(st::kInvalidField, 48);
  if (len > cfg.max_transfer_bytes()) return cmd.fail(st::kInvalidField, 42);

  // Exactly `len` bytes: the page from `offset`, zero-filled past its end.
  std::vector<uint8_t> out(len, 0);
  const uint64_t avail = std::min<uint64_t>(len, page.size() - offset);
  std::memcpy(out.data(), page.data() + offset, avail);
  const spec::Status s = transfer(cmd, out.data(), len, true);
  if (!s.ok()) return cmd.fail(s, 24);
  // Read with Retain Asynchronous Event cleared: the event type it reports on is unmasked.
  if (!lg::rae(cdw10)) {
    if (lid == lg::kChangedNamespaceList) changed_namespaces.clear();
    async_events.log_read(lid);
    aer_work.notify(sc_core::SC_ZERO_TIME);
  }
}

}  // namespace scnvme::detail
