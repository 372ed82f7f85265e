// A byte-addressed register block where every byte has a writable mask and a write-1-to-clear
// mask, plus a reset image: the storage of PCI configuration space and of the MSI-X table.
#pragma once

#include <cstdint>
#include <vector>

#include "scnvme/checkpoint.h"
#include "scnvme/spec/endian.h"

namespace scnvme::detail {

class MaskedBytes {
 public:
  explicit MaskedBytes(std::size_t size) : bytes_(size, 0), wmask_(size, 0), w1c_(size, 0), reset_(size, 0) {}

  std::size_t size() const { return bytes_.size(); }

  // Layout (elaboration): value, writable bits and W1C bits of a little-endian field.
  void define(uint32_t off, unsigned len, uint64_t value, uint64_t writable = 0, uint64_t w1c = 0) {
    for (unsigned i = 0; i < len; ++i) {
      reset_[off + i] = bytes_[off + i] = static_cast<uint8_t>(value >> (8 * i));
      wmask_[off + i] = static_cast<uint8_t>(writable >> (8 * i));
      w1c_[off + i] = static_cast<uint8_t>(w1c >> (8 * i));
    }
  }

  void read(uint32_t off, uint8_t* data, unsigned len, const uint8_t* be, unsigned be_len) const {
    for (unsigned i = 0; i < len; ++i)
      if (!be || !be_len || be[i % be_len]) data[i] = bytes_[off + i];
  }
  void write(uint32_t off, const uint8_t* data, unsigned len, const uint8_t* be, unsigned be_len) {
    for (unsigned i = 0; i < len; ++i) {
      if (be && be_len && !be[i % be_len]) continue;
      uint8_t& b = bytes_[off + i];
      b = static_cast<uint8_t>((b & ~wmask_[off + i]) | (data[i] & wmask_[off + i]));
      b = static_cast<uint8_t>(b & ~(data[i] & w1c_[off + i]));
    }
  }

  uint8_t u8(uint32_t off) const { return bytes_[off]; }
  uint16_t u16(uint32_t off) const { return spec::get_le16(&bytes_[off]); }
  uint32_t u32(uint32_t off) const { return spec::get_le32(&bytes_[off]); }
  void set_u8(uint32_t off, uint8_t v) { bytes_[off] = v; }
  void set_u16(uint32_t off, uint16_t v) { spec::put_le16(&bytes_[off], v); }
  void set_u32(uint32_t off, uint32_t v) { spec::put_le32(&bytes_[off], v); }

  void reset() { bytes_ = reset_; }
  /// The current bytes (the layout comes from elaboration).
  void persist(checkpoint::Archive& a) {
    a.expect(static_cast<uint64_t>(bytes_.size()), "register block size");
    a.raw(bytes_.data(), bytes_.size());
  }

 private:
  std::vector<uint8_t> bytes_, wmask_, w1c_, reset_;
};

}  // namespace scnvme::detail
