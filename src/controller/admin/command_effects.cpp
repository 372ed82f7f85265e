// Which commands the controller supports and what they may change: the Commands Supported and
// Effects log (NVMe Base 2.0, 5.16.1.6). The dispatchers (execute_admin, execute_io) and this table
// name the same opcodes; the conformance tests check that every opcode not listed here gets
// Invalid Command Opcode.
#include "controller/controller_impl.h"
#include "scnvme/spec/nvme_log.h"

namespace scnvme::detail {

namespace ef = spec::log::effects;

uint32_t ControllerImpl::admin_command_effects(uint8_t opcode, const ControllerConfig& cfg) {
  namespace op = spec::admin_opcode;
  switch (opcode) {
    case op::kDeleteIoSq:
    case op::kCreateIoSq:
    case op::kGetLogPage:
    case op::kDeleteIoCq:
    case op::kCreateIoCq:
    case op::kIdentify:
    case op::kAbort:
    case op::kGetFeatures:
    case op::kAsyncEventRequest: return ef::kCsupp;
    case op::kKeepAlive: return cfg.keep_alive_granularity_100ms != 0 ? ef::kCsupp : 0;
    case op::kDoorbellBufferConfig: return cfg.doorbell_buffer_config ? ef::kCsupp : 0;
    case op::kFirmwareDownload: return cfg.firmware_update ? ef::kCsupp : 0;
    // An activation changes the firmware revision (Identify FR): capabilities may change.
    case op::kFirmwareCommit: return cfg.firmware_update ? ef::kCsupp | ef::kCcc : 0;
    case op::kDeviceSelfTest: return cfg.device_self_test ? ef::kCsupp : 0;
    case op::kSetFeatures: return ef::kCsupp | ef::kCcc;  // e.g. Number of Queues, Volatile Write Cache
    // Creating, deleting, attaching and detaching change the namespace inventory (and, with it,
    // UNVMCAP and what the namespaces can do).
    case op::kNamespaceManagement:
    case op::kNamespaceAttachment: return cfg.namespace_management ? ef::kCsupp | ef::kNcc | ef::kNic : 0;
    // A format erases the data and may change the LBA format.
    case op::kFormatNvm: return cfg.format_nvm ? ef::kCsupp | ef::kLbcc | ef::kNcc : 0;
    default: return 0;
  }
}

uint32_t ControllerImpl::io_command_effects(uint8_t opcode) {
  namespace op = spec::nvm_opcode;
  switch (opcode) {
    case op::kFlush:
    case op::kRead:
    case op::kCompare:
    case op::kVerify: return ef::kCsupp;
    case op::kWrite:
    case op::kWriteUncorrectable:
    case op::kWriteZeroes:
    case op::kDatasetManagement: return ef::kCsupp | ef::kLbcc;
    default: return 0;
  }
}

std::vector<uint8_t> ControllerImpl::command_effects_log() const {
  std::vector<uint8_t> page(ef::kSize, 0);
  for (unsigned opc = 0; opc < 256; ++opc) {
    spec::put_le32(page.data() + ef::kAdminOffset + 4 * opc,
                   admin_command_effects(static_cast<uint8_t>(opc), cfg));
    spec::put_le32(page.data() + ef::kIoOffset + 4 * opc, io_command_effects(static_cast<uint8_t>(opc)));
  }
  return page;
}

}  // namespace scnvme::detail
