#include "controller/msix_table.h"

#include "scnvme/spec/pci.h"

namespace scnvme::detail {

namespace mx = spec::pci::msix;

MsixTable::MsixTable(unsigned vectors) : vectors_(vectors), table_(vectors * mx::kEntrySize), pending_(vectors, false) {
  for (unsigned v = 0; v < vectors; ++v) {
    const uint32_t e = v * mx::kEntrySize;
    table_.define(e + mx::kEntryAddressLo, 4, 0, 0xFFFFFFFC);
    table_.define(e + mx::kEntryAddressHi, 4, 0, 0xFFFFFFFF);
    table_.define(e + mx::kEntryData, 4, 0, 0xFFFFFFFF);
    table_.define(e + mx::kEntryControl, 4, mx::kEntryMasked, mx::kEntryMasked);  // entries reset masked
  }
}

void MsixTable::pba_read(uint32_t rel, uint8_t* data, unsigned len) const {
  for (unsigned i = 0; i < len; ++i) {
    uint8_t b = 0;
    for (unsigned bit = 0; bit < 8; ++bit) {
      const unsigned v = (rel + i) * 8 + bit;
      if (v < vectors_ && pending_[v]) b |= static_cast<uint8_t>(1u << bit);
    }
    data[i] = b;
  }
}

bool MsixTable::masked(unsigned v) const { return table_.u32(v * mx::kEntrySize + mx::kEntryControl) & mx::kEntryMasked; }
uint64_t MsixTable::address(unsigned v) const {
  const uint32_t e = v * mx::kEntrySize;
  return static_cast<uint64_t>(table_.u32(e + mx::kEntryAddressHi)) << 32 | table_.u32(e + mx::kEntryAddressLo);
}
uint32_t MsixTable::data(unsigned v) const { return table_.u32(v * mx::kEntrySize + mx::kEntryData); }

void MsixTable::reset() {
  table_.reset();
  pending_.assign(vectors_, false);
}

}  // namespace scnvme::detail
