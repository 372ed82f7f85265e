// The mapping-table cache of a DRAM-less drive: the controller's SRAM (or a host memory buffer)
// holds a few map pages (page_bytes / 4 entries each), least recently used out. A host access to
// an uncached map page reads it from NAND first; evicting a page the host changed writes it back.
// The FTL still keeps the whole table in simulator memory: only the NAND traffic is modelled.
// Garbage collection's own map updates are assumed batched and are not modelled.
#pragma once

#include <cstdint>
#include <vector>

#include "backend/ftl/ftl_geometry.h"
#include "backend/ftl/ftl_stats.h"
#include "backend/ftl/nand_op.h"

namespace scnvme::checkpoint {
class Archive;
}

namespace scnvme::detail::ftl {

class MapCache {
 public:
  /// cache_entries == 0: the whole table is in DRAM (every access hits, nothing is modelled).
  MapCache(const Layout& layout, uint64_t cache_entries);

  bool enabled() const { return capacity_ > 0; }
  uint32_t entries_per_page() const { return entries_per_page_; }
  uint32_t cached_pages() const { return capacity_; }
  /// The host touches the entry of `lba` (dirty: changes it).
  void access(uint64_t lba, bool dirty, NandOps* ops, FtlStats& stats);
  uint64_t memory_bytes() const;
  /// Power is lost: the cached map pages (the controller's SRAM) are gone, dirty ones too.
  void clear();
  /// Checkpoints (flash_checkpoint.cpp): the state, saved or loaded.
  void persist(checkpoint::Archive& a);

 private:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  void unlink(uint32_t slot);
  void push_front(uint32_t slot);
  NandOp map_op(NandOpType type, uint64_t page) const;

  const Layout& layout_;
  uint32_t entries_per_page_;
  uint32_t capacity_;                // cached map pages
  std::vector<uint32_t> slot_of_;    // per map page: its cache slot or kNone
  std::vector<uint64_t> page_of_;    // per slot
  std::vector<uint32_t> prev_, next_;
  std::vector<uint8_t> dirty_;
  uint32_t head_ = kNone, tail_ = kNone, used_ = 0;
};

}  // namespace scnvme::detail::ftl
