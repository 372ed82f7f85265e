#include "controller/error_log.h"

#include "scnvme/spec/nvme_log.h"

namespace scnvme::detail {

namespace ee = spec::log::error_entry;

void ErrorLog::record(uint16_t sqid, uint16_t cid, spec::Status status, bool phase, uint16_t parameter_location,
                      uint64_t lba, uint32_t nsid) {
  ++count_;
  entries_.push_front(ErrorEntry{count_, sqid, cid, static_cast<uint16_t>(status.field() << 1 | (phase ? 1 : 0)),
                                 parameter_location, lba, nsid});
  while (entries_.size() > capacity_) entries_.pop_back();
}

std::vector<uint8_t> ErrorLog::page() const {
  std::vector<uint8_t> out(static_cast<std::size_t>(capacity_) * ee::kSize, 0);
  std::size_t i = 0;
  for (const auto& e : entries_) {
    uint8_t* p = out.data() + i++ * ee::kSize;
    spec::put_le64(p + ee::kErrorCount, e.error_count);
    spec::put_le16(p + ee::kSqid, e.sqid);
    spec::put_le16(p + ee::kCid, e.cid);
    spec::put_le16(p + ee::kStatus, e.status_field);
    spec::put_le16(p + ee::kParamLocation, e.parameter_location);
    spec::put_le64(p + ee::kLba, e.lba);
    spec::put_le32(p + ee::kNsid, e.nsid);
  }
  return out;
}

}  // namespace scnvme::detail
