// NVM command set I/O commands (NVM Command Set 1.0, section 3.3): Read, Write, Compare, Verify,
// Write Zeroes, Write Uncorrectable, Flush and Dataset Management.
#include <algorithm>
#include <cstring>

#include "controller/nvm/flash_io.h"
#include "controller/nvm/nvm_io.h"
#include "scnvme/spec/nvme_identify.h"
#include "scnvme/spec/nvme_status.h"

namespace scnvme::detail {

namespace st = spec::status;
namespace op = spec::nvm_opcode;
using nvm::IoRange;

namespace {

// CDW12 bit 31, Limited Retry: a Read, Compare or Verify with it set gets at most
// nand.limited_retry_max read retries on the flash backend (flash_io.cpp); on Write and Write
// Zeroes it is accepted and has no effect (writes do not fail on the model's media).
constexpr uint32_t kFua = 1u << 30;
constexpr uint32_t kDeac = 1u << 25;           // Write Zeroes: deallocate
constexpr uint32_t kReadReserved = 0x03FF0000;  // CDW12 25:16 (no storage tags, no directives)
constexpr uint32_t kWriteDtype = 0x00F00000;    // CDW12 23:20: directives are not supported
constexpr uint32_t kWriteReserved = 0x030F0000;
constexpr uint32_t kWriteZeroesReserved = 0x01FF0000;

void count_read(ControllerImpl& c, const IoRange& r) {
  ++c.health.host_read_commands;
  c.health.read_512_units += r.nlb * r.ns->data_size() / 512;
}

void io_read(ControllerImpl& c, Command& cmd, bool compare) {
  IoRange r;
  if (!nvm::decode(c, cmd, true, r)) return;
  const uint32_t cdw12 = cmd.sqe.cdw12();
  if (cdw12 & kReadReserved) return cmd.fail(st::kInvalidField, 50);
  if (cdw12 & kFua) r.ns->flush();  // FUA read: from non-volatile media
  std::vector<uint8_t>& data = c.data_storage(cmd);
  std::vector<uint8_t>& md = c.metadata_storage(cmd);
  data.resize(r.nlb * r.ns->data_size());
  md.resize(r.nlb * r.ns->metadata_size());
  uint64_t bad = 0;
  const auto res = r.ns->read(r.slba, r.nlb, data.data(), md.empty() ? nullptr : md.data(), &bad);
  if (res != NamespaceMedia::Result::Ok) {
    ++c.health.media_errors;
    cmd.error_lba = bad;
    return cmd.fail(nvm::media_status(res, true));
  }
  if (!nvm::flash_read(c, cmd, r)) return;
  if (!compare) {
    const spec::Status s = nvm::transfer_blocks(c, cmd, r, data, md, true);
    if (!s.ok()) return cmd.fail(s, s.is(st::kInvalidField) ? 48 : 24);
    count_read(c, r);
    return;
  }
  std::vector<uint8_t> host_data, host_md;
  const spec::Status s = nvm::transfer_blocks(c, cmd, r, host_data, host_md, false);
  if (!s.ok()) return cmd.fail(s, s.is(st::kInvalidField) ? 48 : 24);
  count_read(c, r);
  if (host_data != data || host_md != md) cmd.fail(st::kCompareFailure);
}

void io_write(ControllerImpl& c, Command& cmd) {
  IoRange r;
  if (!nvm::decode(c, cmd, true, r)) return;
  const uint32_t cdw12 = cmd.sqe.cdw12();
  if (cdw12 & (kWriteReserved | kWriteDtype)) return cmd.fail(st::kInvalidField, 50);
  if (r.ns->write_protected()) return cmd.fail(st::kNamespaceIsWriteProtected);
  std::vector<uint8_t>& data = c.data_storage(cmd);
  std::vector<uint8_t>& md = c.metadata_storage(cmd);
  const spec::Status s = nvm::transfer_blocks(c, cmd, r, data, md, false);
  if (!s.ok()) return cmd.fail(s, s.is(st::kInvalidField) ? 48 : 24);
  if (c.stale(cmd)) return;
  const bool durable = (cdw12 & kFua) || !c.write_cache_enabled();
  const auto res = r.ns->write(r.slba, r.nlb, data.data(), md.empty() ? nullptr : md.data(), durable);
  if (res != NamespaceMedia::Result::Ok) return cmd.fail(nvm::media_status(res, false));
  if (!nvm::flash_write(c, cmd, r, durable)) return;
  ++c.health.host_write_commands;
  c.health.written_512_units += r.nlb * r.ns->data_size() / 512;
}

void io_verify(ControllerImpl& c, Command& cmd) {
  IoRange r;
  if (!nvm::decode(c, cmd, true, r)) return;
  if (cmd.sqe.cdw12() & kReadReserved) return cmd.fail(st::kInvalidField, 50);
  // Reads the blocks (in bounded pieces) and transfers nothing.
  constexpr uint64_t kPiece = 256;
  std::vector<uint8_t> buf(std::min(r.nlb, kPiece) * r.ns->data_size());
  for (uint64_t done = 0; done < r.nlb; done += kPiece) {
    const uint64_t n = std::min(kPiece, r.nlb - done);
    uint64_t bad = 0;
    const auto res = r.ns->read(r.slba + done, n, buf.data(), nullptr, &bad);
    if (res != NamespaceMedia::Result::Ok) {
      ++c.health.media_errors;
      cmd.error_lba = bad;
      return cmd.fail(nvm::media_status(res, true));
    }
  }
  nvm::flash_read(c, cmd, r);
}

void io_write_zeroes(ControllerImpl& c, Command& cmd) {
  IoRange r;
  if (!nvm::decode(c, cmd, true, r)) return;
  const uint32_t cdw12 = cmd.sqe.cdw12();
  if (cdw12 & kWriteZeroesReserved) return cmd.fail(st::kInvalidField, 50);
  if (r.ns->write_protected()) return cmd.fail(st::kNamespaceIsWriteProtected);
  const auto res = r.ns->write_zeroes(r.slba, r.nlb, cdw12 & kDeac);
  if (res != NamespaceMedia::Result::Ok) return cmd.fail(nvm::media_status(res, false));
  nvm::flash_trim(c, r, r.slba, r.nlb);  // reads return zeroes: the units need no NAND copy
}

void io_write_uncorrectable(ControllerImpl& c, Command& cmd) {
  IoRange r;
  if (!nvm::decode(c, cmd, true, r)) return;
  if (cmd.sqe.cdw12() & 0xFFFF0000u) return cmd.fail(st::kInvalidField, 50);
  if (r.ns->write_protected()) return cmd.fail(st::kNamespaceIsWriteProtected);
  r.ns->mark_uncorrectable(r.slba, r.nlb);
}

void io_flush(ControllerImpl& c, Command& cmd) {
  if (cmd.sqe.nsid() == spec::kBroadcastNsid) {
    for (NamespaceMedia* ns : c.namespaces.all_media())
      if (ns->flush() != NamespaceMedia::Result::Ok) cmd.fail(st::kWriteFault);
    nvm::flash_flush(c, cmd);
    return;
  }
  IoRange r;
  if (!nvm::decode(c, cmd, false, r)) return;
  if (r.ns->flush() != NamespaceMedia::Result::Ok) return cmd.fail(st::kWriteFault);
  nvm::flash_flush(c, cmd);  // (the write buffer is shared by all namespaces)
}

void io_dataset_management(ControllerImpl& c, Command& cmd) {
  IoRange r;
  if (!nvm::decode(c, cmd, false, r)) return;
  const uint32_t cdw10 = cmd.sqe.cdw10(), cdw11 = cmd.sqe.cdw11();
  if (cdw10 & 0xFFFFFF00u) return cmd.fail(st::kInvalidField, 41);
  if (cdw11 & 0xFFFFFFF8u) return cmd.fail(st::kInvalidField, 44);
  const bool deallocate = cdw11 & (1u << 2);
  const uint32_t ranges = (cdw10 & 0xFF) + 1;  // up to 256
  std::vector<uint8_t> list(ranges * 16);
  const spec::Status s = c.transfer(cmd, list.data(), list.size(), false);
  if (!s.ok()) return cmd.fail(s, 24);
  if (!deallocate) return;  // attributes are hints only
  if (r.ns->write_protected()) return cmd.fail(st::kNamespaceIsWriteProtected);
  // Check every range before changing anything.
  for (uint32_t i = 0; i < ranges; ++i) {
    const uint8_t* e = &list[i * 16];
    const uint64_t len = spec::get_le32(e + 4), slba = spec::get_le64(e + 8);
    if (len && (slba >= r.ns->blocks() || len > r.ns->blocks() - slba)) {
      cmd.error_lba = slba;
      return cmd.fail(st::kLbaOutOfRange);
    }
  }
  for (uint32_t i = 0; i < ranges; ++i) {
    const uint8_t* e = &list[i * 16];
    const uint64_t len = spec::get_le32(e + 4), slba = spec::get_le64(e + 8);
    if (len) {
      r.ns->write_zeroes(slba, len, true);
      nvm::flash_trim(c, r, slba, len);
    }
  }
}

}  // namespace

NamespaceMedia* ControllerImpl::namespace_media(uint32_t nsid) {
  NamespaceTable::Namespace* ns = namespaces.active(nsid);
  return ns ? ns->media.get() : nullptr;
}

bool ControllerImpl::write_cache_enabled() const { return cfg.volatile_write_cache && features.write_cache; }

void ControllerImpl::execute_io(Command& cmd) {
  const spec::Sqe& sqe = cmd.sqe;
  const nvm::FlashActivity activity(*this);
  if (sqe.fuse() != spec::kFuseNormal) return cmd.fail(st::kInvalidField, 1, 0);  // fused operations not supported (FUSES = 0)
  if (sqe.cdw0_reserved()) return cmd.fail(st::kInvalidField, 1, 2);
  if (sqe.psdt() == 3) return cmd.fail(st::kInvalidField, 1, 6);  // reserved PSDT value
  if (sqe.psdt() != spec::kPsdtPrp && !cfg.sgl_support) return cmd.fail(st::kInvalidField, 1, 6);
  switch (sqe.opcode()) {
    case op::kRead: return io_read(*this, cmd, false);
    case op::kCompare: return io_read(*this, cmd, true);
    case op::kWrite: return io_write(*this, cmd);
    case op::kVerify: return io_verify(*this, cmd);
    case op::kWriteZeroes: return io_write_zeroes(*this, cmd);
    case op::kWriteUncorrectable: return io_write_uncorrectable(*this, cmd);
    case op::kFlush: return io_flush(*this, cmd);
    case op::kDatasetManagement: return io_dataset_management(*this, cmd);
    default: return cmd.fail(st::kInvalidCommandOpcode, 0, 0);
  }
}

}  // namespace scnvme::detail
