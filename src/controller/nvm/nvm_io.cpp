#include "controller/nvm/nvm_io.h"

#include <cstring>

#include "scnvme/spec/nvme_status.h"

namespace scnvme::detail::nvm {

namespace st = spec::status;

bool decode(ControllerImpl& c, Command& cmd, bool with_range, IoRange& r) {
  const NamespaceTable::Namespace* ns = c.namespaces.active(cmd.sqe.nsid());
  if (!ns) {
    cmd.fail(st::kInvalidNamespaceOrFormat, 4);
    return false;
  }
  r.ns = ns->media;
  r.flash_base = ns->flash_first;
  if (!with_range) return true;
  r.slba = static_cast<uint64_t>(cmd.sqe.cdw11()) << 32 | cmd.sqe.cdw10();
  r.nlb = (cmd.sqe.cdw12() & 0xFFFF) + 1ull;
  cmd.error_lba = r.slba;
  if (r.slba >= r.ns->blocks() || r.nlb > r.ns->blocks() - r.slba) {
    cmd.fail(st::kLbaOutOfRange, 40);
    return false;
  }
  return true;
}

spec::Status transfer_blocks(ControllerImpl& c, Command& cmd, const IoRange& r, std::vector<uint8_t>& data,
                             std::vector<uint8_t>& md, bool to_host) {
  const uint64_t ds = r.ns->data_size(), ms = r.ns->metadata_size();
  const bool extended = ms && r.ns->config().extended_lba;
  const uint64_t data_bytes = r.nlb * ds, md_bytes = r.nlb * ms;
  // MDTS bounds the data transferred, including metadata when it is interleaved.
  const uint64_t wire = extended ? data_bytes + md_bytes : data_bytes;
  if (wire > c.cfg.max_transfer_bytes()) return st::kInvalidField;
  // The data stage in the internal buffer (waits while it is exhausted).
  if (!c.hold_buffer(cmd, data_bytes + md_bytes)) return st::kAbortedSqDeletion;
  data.resize(data_bytes);
  md.resize(md_bytes);
  if (extended) {
    std::vector<uint8_t> wire_buf(wire);
    if (to_host)
      for (uint64_t i = 0; i < r.nlb; ++i) {
        std::memcpy(&wire_buf[i * (ds + ms)], &data[i * ds], ds);
        std::memcpy(&wire_buf[i * (ds + ms) + ds], &md[i * ms], ms);
      }
    const spec::Status s = c.transfer(cmd, wire_buf.data(), wire, to_host);
    if (!s.ok() || to_host) return s;
    for (uint64_t i = 0; i < r.nlb; ++i) {
      std::memcpy(&data[i * ds], &wire_buf[i * (ds + ms)], ds);
      std::memcpy(&md[i * ms], &wire_buf[i * (ds + ms) + ds], ms);
    }
    return s;
  }
  spec::Status s = c.transfer(cmd, data.data(), data_bytes, to_host);
  if (!s.ok() || md_bytes == 0) return s;
  return c.transfer_metadata(cmd, md.data(), md_bytes, to_host);
}

spec::Status media_status(NamespaceMedia::Result result, bool is_read) {
  switch (result) {
    case NamespaceMedia::Result::Ok: return st::kSuccess;
    case NamespaceMedia::Result::Unrecovered: return st::kUnrecoveredReadError;
    case NamespaceMedia::Result::IoError: return is_read ? st::kUnrecoveredReadError : st::kWriteFault;
  }
  return st::kInternalError;
}

}  // namespace scnvme::detail::nvm
