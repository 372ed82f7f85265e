// The MSI-X table and Pending Bit Array that live in BAR0 (PCI Local Bus 3.0, 6.8.2).
#pragma once

#include <cstdint>
#include <vector>

#include "controller/masked_bytes.h"

namespace scnvme::detail {

class MsixTable {
 public:
  explicit MsixTable(unsigned vectors);

  unsigned vectors() const { return vectors_; }
  uint32_t table_bytes() const { return vectors_ * 16; }
  uint32_t pba_bytes() const { return ((vectors_ + 63) / 64) * 8; }

  void table_read(uint32_t rel, uint8_t* data, unsigned len, const uint8_t* be, unsigned be_len) const {
    table_.read(rel, data, len, be, be_len);
  }
  void table_write(uint32_t rel, const uint8_t* data, unsigned len, const uint8_t* be, unsigned be_len) {
    table_.write(rel, data, len, be, be_len);
  }
  void pba_read(uint32_t rel, uint8_t* data, unsigned len) const;

  bool masked(unsigned v) const;
  uint64_t address(unsigned v) const;
  uint32_t data(unsigned v) const;
  bool pending(unsigned v) const { return pending_[v]; }
  void set_pending(unsigned v, bool p) { pending_[v] = p; }
  void reset();
  void persist(checkpoint::Archive& a) {
    table_.persist(a);
    a.io(pending_);
  }

 private:
  unsigned vectors_;
  MaskedBytes table_;
  std::vector<bool> pending_;
};

}  // namespace scnvme::detail
