// The Error Information log: one entry for every command that completed with an error, newest
// first, holding ELPE + 1 entries.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "scnvme/checkpoint.h"
#include "scnvme/spec/nvme_command.h"

namespace scnvme::detail {

struct ErrorEntry {
  uint64_t error_count = 0;
  uint16_t sqid = 0;
  uint16_t cid = 0;
  uint16_t status_field = 0;   // status field (bits 15:1) and the phase tag posted (bit 0)
  uint16_t parameter_location = 0xFFFF;
  uint64_t lba = 0;
  uint32_t nsid = 0;
  void persist(checkpoint::Archive& a) {
    a.io(error_count);
    a.io(sqid);
    a.io(cid);
    a.io(status_field);
    a.io(parameter_location);
    a.io(lba);
    a.io(nsid);
  }
};

class ErrorLog {
 public:
  explicit ErrorLog(unsigned capacity) : capacity_(capacity) {}

  /// `phase`: the phase tag of the CQE that carried the status (bit 0 of the logged status field).
  void record(uint16_t sqid, uint16_t cid, spec::Status status, bool phase, uint16_t parameter_location, uint64_t lba,
              uint32_t nsid);
  uint64_t error_count() const { return count_; }
  std::size_t entries() const { return entries_.size(); }
  /// The log page image: capacity entries of 64 bytes, newest first, unused entries zero.
  std::vector<uint8_t> page() const;
  void persist(checkpoint::Archive& a) {
    a.expect(capacity_, "error log entries");
    a.io(count_);
    a.io(entries_);
  }

 private:
  unsigned capacity_;
  uint64_t count_ = 0;
  std::deque<ErrorEntry> entries_;
};

}  // namespace scnvme::detail
