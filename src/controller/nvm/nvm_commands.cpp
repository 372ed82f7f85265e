// NVM command set I/O commands (NVM Command Set 1.0, section 3): Read, Write and Flush over the
// namespace's media store, with PRP data transfer.
#include <algorithm>
#include <vector>

#include "controller/controller_impl.h"
#include "scnvme/spec/nvme_identify.h"
#include "scnvme/spec/nvme_status.h"

namespace scnvme::detail {

namespace st = spec::status;
namespace op = spec::nvm_opcode;

void ControllerImpl::execute_io(Command& cmd) {
  const spec::Sqe& sqe = cmd.sqe;
  if (sqe.fuse() != spec::kFuseNormal) return cmd.fail(st::kInvalidField, 1, 0);  // fused operations not supported (FUSES = 0)
  if (sqe.psdt() != spec::kPsdtPrp) return cmd.fail(st::kInvalidField, 1, 6);     // SGLs not supported (SGLS = 0)
  if (sqe.cdw0_reserved()) return cmd.fail(st::kInvalidField, 1, 2);
  switch (sqe.opcode()) {
    case op::kRead:
    case op::kWrite: return io_read_write(cmd, sqe.opcode() == op::kWrite);
    case op::kFlush: return io_flush(cmd);
    default: return cmd.fail(st::kInvalidCommandOpcode, 0, 0);
  }
}

MediaStore* ControllerImpl::namespace_store(Command& cmd) {
  const uint32_t nsid = cmd.sqe.nsid();
  for (std::size_t i = 0; i < cfg.namespaces.size(); ++i)
    if (cfg.namespaces[i].nsid == nsid) return &stores[i];
  cmd.fail(st::kInvalidNamespaceOrFormat, 4);
  return nullptr;
}

void ControllerImpl::io_read_write(Command& cmd, bool is_write) {
  MediaStore* ns = namespace_store(cmd);
  if (!ns) return;
  const uint64_t slba = static_cast<uint64_t>(cmd.sqe.cdw11()) << 32 | cmd.sqe.cdw10();
  const uint32_t cdw12 = cmd.sqe.cdw12();
  const uint64_t nlb = (cdw12 & 0xFFFF) + 1ull;
  cmd.error_lba = slba;
  if (cdw12 & 0x03FF0000u) return cmd.fail(st::kInvalidField, 48, 0);  // DTYPE/reserved: no directives, no STC
  if (slba >= ns->blocks() || nlb > ns->blocks() - slba) return cmd.fail(st::kLbaOutOfRange, 40);
  const uint64_t bytes = nlb * ns->block_size();
  if (bytes > cfg.max_transfer_bytes()) return cmd.fail(st::kInvalidField, 48);
  std::vector<uint8_t> buf(bytes);
  if (is_write) {
    const spec::Status s = transfer(cmd, buf.data(), bytes, false);
    if (stale(cmd)) return;
    if (!s.ok()) return cmd.fail(s, 24);
    ns->write(slba, nlb, buf.data());
    ++health.host_write_commands;
    health.written_512_units += bytes / 512;
  } else {
    ns->read(slba, nlb, buf.data());
    const spec::Status s = transfer(cmd, buf.data(), bytes, true);
    if (stale(cmd)) return;
    if (!s.ok()) return cmd.fail(s, 24);
    ++health.host_read_commands;
    health.read_512_units += bytes / 512;
  }
}

void ControllerImpl::io_flush(Command& cmd) {
  const uint32_t nsid = cmd.sqe.nsid();
  if (nsid == spec::kBroadcastNsid) return;  // flush every namespace: the store is non-volatile already
  namespace_store(cmd);
}

}  // namespace scnvme::detail
