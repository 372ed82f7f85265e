// Garbage collection and pSLC folding: pick a victim, read its valid units (only those the
// mapping table still points at: overwritten and deallocated units are never migrated), program
// them through the GC or fold stream of the same die, and erase the victim once the program unit
// holding its last migrated unit has been issued.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "backend/ftl/block_manager.h"
#include "backend/ftl/ftl_stats.h"
#include "backend/ftl/mapping_table.h"
#include "backend/ftl/nand_op.h"
#include "backend/ftl/scan_index.h"
#include "backend/ftl/victim_policy.h"
#include "backend/ftl/write_buffer.h"

namespace scnvme::checkpoint {
class Archive;
}

namespace scnvme::detail::ftl {

/// Called for every migrated unit (tests, traces): logical unit, old and new PPA, GC or fold.
using MigrationObserver = std::function<void(uint32_t lba, Ppa from, Ppa to, OpPurpose purpose)>;

class GarbageCollector {
 public:
  /// `scan` is null with ReverseMap::Table. `foreground_free` is gc_foreground_free_blocks.
  GarbageCollector(const Layout& layout, uint32_t foreground_free, MappingTable& map, BlockManager& blocks,
                   WriteBuffer& buffer, const VictimPolicy& policy, ScanIndex* scan, FtlStats& stats);

  void set_observer(const MigrationObserver* observer) { observer_ = observer; }
  /// Collects one native victim of `die`; false if none is worth it (background: one that frees
  /// less than a program unit; foreground: a fully valid one).
  bool collect_one(uint32_t die, bool background, NandOps* ops);
  /// Collects until `die` has `target` free native blocks, or nothing is left to gain.
  void ensure_free(uint32_t die, uint32_t target, NandOps* ops);
  /// Folds the oldest closed pSLC block of `die` into native blocks; false if there is none.
  bool fold_one(uint32_t die, NandOps* ops);
  /// Pads the GC and fold streams of `die` so that the victims waiting for them are erased.
  void flush(uint32_t die, NandOps* ops);
  bool pending_erases(uint32_t die) const { return !pending_[die].empty(); }
  /// Checkpoints (flash_checkpoint.cpp): the state, saved or loaded.
  void persist(checkpoint::Archive& a);

 private:
  struct Pending {
    uint32_t gblock;
    Stream stream;
    uint64_t watermark;  // placed_total of the stream after the victim's last unit
    OpPurpose purpose;
  };
  uint32_t pick_victim(uint32_t die, bool background);
  /// The LBA of each unit of `victim` (kUnmapped: none), from its reverse map or the scan.
  const uint32_t* unit_lbas(uint32_t victim);
  void migrate(uint32_t victim, Stream to, OpPurpose purpose, NandOps* ops);
  void release_erases(uint32_t die, NandOps* ops);
  void erase(uint32_t gblock, OpPurpose purpose, NandOps* ops);

  const Layout& layout_;
  uint32_t foreground_free_;
  MappingTable& map_;
  BlockManager& blocks_;
  WriteBuffer& buffer_;
  const VictimPolicy& policy_;
  ScanIndex* scan_;
  FtlStats& stats_;
  const MigrationObserver* observer_ = nullptr;
  std::vector<std::vector<Pending>> pending_;  // per die
  std::vector<uint32_t> mark_;                 // offset -> LBA of a victim (scan mode)
  std::vector<uint32_t> page_lbas_, page_offsets_;  // valid units of the page being migrated
  std::vector<uint32_t> candidates_;
};

}  // namespace scnvme::detail::ftl
