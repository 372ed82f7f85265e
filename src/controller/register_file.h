// A declared table of memory-mapped registers: each has an offset, width, reset value and
// read-write / write-1-to-clear / write-1-to-set masks, plus optional read and write callbacks that
// give it meaning. Access rules (widths, byte enables, reserved offsets) live here, once.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "scnvme/checkpoint.h"

namespace scnvme::detail {

struct RegisterSpec {
  std::string name;
  uint32_t offset = 0;
  unsigned width = 4;        // 4 or 8 bytes
  uint64_t reset = 0;
  uint64_t rw_mask = 0;      // bits the host writes directly
  uint64_t w1c_mask = 0;     // bits the host clears by writing 1
  uint64_t w1s_mask = 0;     // bits the host sets by writing 1
  bool keep_on_reset = false;  // not changed by reset(); the owner decides
  /// Value returned to the host; default: the stored value.
  std::function<uint64_t(uint64_t stored)> on_read;
  /// Called after a host write was merged: old and new stored values, the written value and the
  /// mask of bits the access covered (byte enables applied).
  std::function<void(uint64_t old_value, uint64_t new_value, uint64_t written, uint64_t covered)> on_write;
};

class RegisterFile {
 public:
  void add(RegisterSpec spec);

  /// Host accesses of 1..8 bytes; `be` may be null (all bytes enabled). Bytes not backed by a
  /// register read as zero and ignore writes.
  void read(uint32_t offset, uint8_t* data, unsigned len, const uint8_t* be, unsigned be_len);
  void write(uint32_t offset, const uint8_t* data, unsigned len, const uint8_t* be, unsigned be_len);
  /// Side-effect-free read for transport_dbg: the stored value (through on_read) only.
  void peek(uint32_t offset, uint8_t* data, unsigned len) const;

  uint64_t value(uint32_t offset) const;
  void set(uint32_t offset, uint64_t v);  // model-side update, no callbacks
  void set_bits(uint32_t offset, uint64_t mask, bool on);
  /// Restores reset values of all registers except those marked keep_on_reset.
  void reset();
  void reset_all();
  /// The register holding `offset` (null: none).
  const RegisterSpec* spec_at(uint32_t offset) const;
  /// The stored values (the table comes from elaboration).
  void persist(checkpoint::Archive& a) {
    a.expect(static_cast<uint64_t>(regs_.size()), "register count");
    for (auto& r : regs_) {
      a.expect(r.spec.offset, "register offset");
      a.io(r.value);
    }
  }

  /// Called for a host write the access rules ignore in whole or in part: any write to a
  /// register without host-writable bits or write callback (`ignored` = the bytes covered), bits
  /// set that are neither writable nor already set (`ignored` = those bits), or bytes at offsets
  /// no register backs (`reg` null, `written` = the access's bytes). Before the write callback.
  std::function<void(const RegisterSpec* reg, uint32_t offset, uint64_t written, uint64_t ignored)> on_ignored_write;

 private:
  struct Reg {
    RegisterSpec spec;
    uint64_t value;
  };
  Reg* find(uint32_t offset);
  const Reg* find(uint32_t offset) const;
  std::vector<Reg> regs_;
};

}  // namespace scnvme::detail
