// Garbage collection and pSLC folding: pick a victim, read its valid units (only those the
// mapping table still points at: overwritten and deallocated units are never migrated), program
// them through the GC or fold stream of the same die, and erase the victim once the program unit
// holding its last migrated unit has been issued.
//
// Collection runs three ways. Background steps (idle time) and the foreground floor (a host write
// that needs a block when fewer than gc_foreground_free_blocks are free) migrate whole victims.
// In between, two blocks above the floor (gc_foreground_free_blocks + 2, at most
// gc_background_free_blocks), collection keeps pace with the host: each host unit written to a
// die migrates, page by page, valid/(block - valid) units of that die's current victim (what
// keeps the free pool level under a sustained write stream), so writes are not held behind
// whole-block migrations.
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
  /// One host unit goes to `die`'s native blocks: while the die has fewer than `target` free
  /// blocks (or a paced victim is unfinished), migrate its share of the die's paced victim.
  void keep_pace(uint32_t die, uint32_t target, NandOps* ops);
  /// The die's paced victim (kNoBlock: none).
  uint32_t paced_victim(uint32_t die) const { return paced_[die].m.victim; }
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
  /// A victim being migrated: where it goes and how far it got.
  struct Migration {
    uint32_t victim = kNoBlock;
    Stream to = Stream::Gc;
    OpPurpose purpose = OpPurpose::Gc;
    uint32_t next = 0;             // offset of the next page to migrate
    uint32_t moved = 0;            // units migrated so far
    bool verify = false;           // check each unit against the mapping table (reverse map, paced)
    std::vector<uint32_t> lbas;    // paced, scan mode: the LBA at each offset (kUnmapped: none)
  };
  /// A die's collection in step with host writes.
  struct Paced {
    Migration m;
    double ratio = 0;  // units to migrate per host unit: valid / (block - valid) at the start
    double debt = 0;   // units owed to the host writes so far
  };
  uint32_t pick_victim(uint32_t die, bool background);
  /// The LBA of each unit of `victim` (kUnmapped: none), from its reverse map or the scan.
  const uint32_t* unit_lbas(uint32_t victim);
  /// Starts migrating `victim` (marked as a victim from now on). `paced`: it will be migrated in
  /// steps, with host writes in between.
  void begin(Migration& m, uint32_t victim, Stream to, OpPurpose purpose, bool paced);
  /// Migrates pages of m's victim until at least `budget` units moved or the victim is done;
  /// true when it is done (its erase is then pending or issued, and m is reset).
  bool advance(Migration& m, uint64_t budget, NandOps* ops);
  void migrate(uint32_t victim, Stream to, OpPurpose purpose, NandOps* ops);
  /// Starts a paced victim on `die`; false if there is none worth collecting.
  bool begin_paced(uint32_t die);
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
  std::vector<Paced> paced_;                   // per die
  std::vector<uint32_t> mark_;                 // offset -> LBA of a victim (scan mode)
  std::vector<uint32_t> page_lbas_, page_offsets_;  // valid units of the page being migrated
  std::vector<uint32_t> candidates_;
};

}  // namespace scnvme::detail::ftl
