// The flash translation layer: plain C++, no SystemC, no data (the media store keeps the data;
// the FTL decides where each mapping unit lives and which NAND operations that takes).
//
// Every host-facing call returns the NAND operations to perform, in order, each tagged with its
// purpose (host, GC, fold, map) so the timing layer can prioritise. Logical addresses are mapping
// units (FtlConfig::mapping_unit_bytes); the caller splits commands and handles sub-unit writes.
//
//   Ftl ftl(cfg, geometry);                       // validates (ConfigError)
//   ftl.precondition({true, 2.0, seed});          // steady state, no operations produced
//   NandOps ops = ftl.write(unit, count);         // foreground GC, then host programs
//   ops = ftl.read(unit, count);                  // page reads (buffer hits and unmapped: none)
//   ops = ftl.background_step();                  // when idle: one GC victim / fold / padding
#pragma once

#include <cstdint>
#include <memory>

#include "backend/ftl/block_manager.h"
#include "backend/ftl/die_selector.h"
#include "backend/ftl/ftl_geometry.h"
#include "backend/ftl/ftl_stats.h"
#include "backend/ftl/garbage_collector.h"
#include "backend/ftl/map_cache.h"
#include "backend/ftl/mapping_table.h"
#include "backend/ftl/nand_op.h"
#include "backend/ftl/scan_index.h"
#include "backend/ftl/unprogrammed_log.h"
#include "backend/ftl/victim_policy.h"
#include "backend/ftl/write_buffer.h"
#include "scnvme/ftl_config.h"

namespace scnvme::checkpoint {
class Archive;
}

namespace scnvme::detail::ftl {

/// Preconditioning: a sequential fill, then uniform random overwrites of `random_capacities`
/// times the filled span drawn from a generator seeded with `seed`.
struct PreconditionSpec {
  bool sequential_fill = true;
  double random_capacities = 2.0;
  uint64_t seed = 1;
  uint64_t units = 0;  // the units [0, units) only (0: the whole logical capacity)
};

/// What preconditioning did.
struct PreconditionReport {
  uint64_t fill_units = 0;
  uint64_t random_units = 0;
  uint64_t nand_units_programmed = 0;
  uint64_t gc_units_migrated = 0;
  uint64_t blocks_erased = 0;
  uint64_t padding_units = 0;
  uint64_t reverse_scans = 0;
  double waf = 0.0;         // over all of preconditioning
  double steady_waf = 0.0;  // over the second half of the random overwrites
  double seconds = 0.0;     // wall-clock time it took
  uint64_t memory_bytes = 0;  // the FTL's memory afterwards
};

class Ftl {
 public:
  /// Greedy victims, round-robin die striping.
  Ftl(const FtlConfig& cfg, const FtlGeometry& geometry);
  Ftl(const FtlConfig& cfg, const FtlGeometry& geometry, std::unique_ptr<VictimPolicy> victims,
      std::unique_ptr<DieSelector> dies);
  Ftl(const Ftl&) = delete;
  Ftl& operator=(const Ftl&) = delete;

  const Layout& layout() const { return layout_; }
  const FtlConfig& config() const { return cfg_; }
  uint64_t logical_units() const { return layout_.logical_units; }

  /// Host writes of [first, first + count): foreground GC / folds when a die needs a block, then
  /// a Program for every program unit the data completes (the rest waits in the buffer).
  NandOps write(uint64_t first, uint64_t count);
  /// Host reads: one Read per NAND page touched (consecutive units of a page share it).
  NandOps read(uint64_t first, uint64_t count);
  /// The same into `ops` (cleared first; its capacity is reused).
  void read(uint64_t first, uint64_t count, NandOps& ops);
  /// Deallocate: the units are unmapped; their old copies are never migrated.
  NandOps trim(uint64_t first, uint64_t count);
  /// Write Zeroes: unmapped like a trim (reads return zeroes without touching NAND).
  NandOps write_zeroes(uint64_t first, uint64_t count) { return trim(first, count); }
  /// Programs the host data still in partial program units (padding the rest).
  NandOps flush();

  // --- Power loss. Without power-loss protection the FTL keeps, for every host unit it placed,
  // the previous copy until the timing layer reports the unit's program complete (programmed()).
  /// Turns that log on (a drive without power-loss protection); off: power_loss() loses nothing.
  void track_unprogrammed(bool on) {
    track_unprogrammed_ = on;
    if (!on) unprogrammed_.clear();
  }
  /// The host Program of `op` (as this FTL issued it) completed on NAND.
  void programmed(const NandOp& op);
  /// Power is lost, then restored; every NAND operation in flight was lost with it. With power-loss
  /// protection the hold-up energy programs what the buffer held (no operations are produced).
  /// Without it, host units not yet programmed are undone newest first: each maps to its previous
  /// copy again if that copy's block still holds it (neither erased nor chosen for collection
  /// since), else it is unmapped; the host streams' open blocks are closed as they are. The map
  /// cache's pages are gone. Either way the GC and fold streams' partial program units are
  /// programmed (padded) and their victims erased by the recovery: those operations go to
  /// `recovery` (the drive performs them once power is back).
  void power_loss(bool protected_buffer, NandOps* recovery);
  /// Host units placed but not known to be programmed (0 unless track_unprogrammed()).
  std::size_t unprogrammed_units() const { return unprogrammed_.size(); }
  /// One piece of idle work: background GC of one victim on the die with the fewest free blocks
  /// (below gc_background_free_blocks), else an idle fold of one pSLC block, else padding the
  /// GC / fold streams so collected victims get erased. Empty: nothing left to do.
  NandOps background_step();
  /// Garbage collection only (the host is busy): one victim of the die with the fewest free
  /// blocks, if that is below gc_background_free_blocks. Empty: no collection wanted.
  NandOps gc_step();
  /// Some die has fewer free native blocks than gc_background_free_blocks.
  bool gc_wanted() const;

  /// Brings the drive to steady state running the same algorithms, without producing operations
  /// (and without the pSLC cache and the map cache). Statistics restart afterwards; wear stays.
  PreconditionReport precondition(const PreconditionSpec& spec);

  /// Current PPA of a logical unit (kUnmapped if none).
  Ppa lookup(uint64_t lba) const { return map_.get(lba); }
  /// Starts loading a logical unit's mapping entry into the cache (a hint; nothing changes).
  void prefetch(uint64_t lba) const {
    if (lba < map_.units()) map_.prefetch(lba);
  }
  PhysicalAddress decode(Ppa p) const { return layout_.decode(p); }
  bool buffered(Ppa p) const { return buffer_.buffered(p); }
  /// Units placed in partial program units, not yet issued for programming (all streams).
  uint64_t buffered_units() const { return buffer_.buffered_units(); }
  const FtlStats& stats() const { return stats_; }
  void reset_stats() { stats_ = FtlStats{}; }
  WearStats wear(bool slc = false) const { return blocks_.wear(slc); }
  const BlockManager& blocks() const { return blocks_; }
  const MappingTable& mapping() const { return map_; }
  /// Valid units held in pSLC blocks.
  uint64_t slc_units_held() const;
  /// Bytes of host memory the FTL uses.
  uint64_t memory_bytes() const;
  /// Hash of the mapping and the block states (determinism checks).
  uint64_t checksum() const;
  void set_migration_observer(MigrationObserver observer) { observer_ = std::move(observer); }
  /// Checkpoints (flash_checkpoint.cpp): the state, saved or loaded.
  void persist(checkpoint::Archive& a);

 private:
  void check_range(uint64_t first, uint64_t count) const;
  void write_unit(uint32_t lba, NandOps* ops, bool precondition);
  Stream host_stream(NandOps* ops);
  uint32_t neediest_die() const;  // the die with the fewest free native blocks

  FtlConfig cfg_;
  Layout layout_;
  std::unique_ptr<VictimPolicy> victims_;
  std::unique_ptr<DieSelector> dies_;
  FtlStats stats_;
  MappingTable map_;
  BlockManager blocks_;
  WriteBuffer buffer_;
  std::unique_ptr<ScanIndex> scan_;
  GarbageCollector gc_;
  MapCache map_cache_;
  MigrationObserver observer_;
  uint32_t fold_die_ = 0;
  UnprogrammedLog unprogrammed_;
  bool track_unprogrammed_ = false;
  /// Free native blocks per die below which collection keeps pace with host writes.
  uint32_t pace_below() const { return std::min(cfg_.gc_foreground_free_blocks + 2, cfg_.gc_background_free_blocks); }
};

}  // namespace scnvme::detail::ftl
