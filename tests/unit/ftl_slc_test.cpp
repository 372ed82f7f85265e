// The pSLC cache: host writes land in pSLC blocks while the cache has room and are folded into
// native blocks later, when idle (FoldPolicy::Idle) or in the foreground once the cache is full
// (FoldPolicy::WhenFull). Data overwritten while cached is never folded.
#include <algorithm>

#include <gtest/gtest.h>

#include "backend/ftl/ftl.h"

using namespace scnvme::detail::ftl;
using scnvme::FoldPolicy;
using scnvme::FtlConfig;

namespace {

/// 2 dies x 2 planes x 256 blocks x 12 pages x 16 KiB; a 5% cache.
FtlGeometry slc_geometry() {
  FtlGeometry g;
  g.dies = 2;
  g.planes_per_die = 2;
  g.blocks_per_plane = 256;
  g.pages_per_block = 12;
  g.page_bytes = 16384;
  g.bits_per_cell = 3;
  return g;
}

FtlConfig slc_config(FoldPolicy policy) {
  FtlConfig cfg;
  cfg.slc_cache_permille = 50;
  cfg.fold_policy = policy;
  return cfg;
}

uint64_t cache_units(const Ftl& ftl) {
  const Layout& l = ftl.layout();
  return uint64_t{l.slc_blocks_per_die} * l.dies * l.slc_units_per_block;
}

/// Runs background steps until there is nothing left; returns the operations.
NandOps drain(Ftl& ftl) {
  NandOps all;
  for (int i = 0; i < 10000; ++i) {
    NandOps ops = ftl.background_step();
    if (ops.empty()) break;
    all.insert(all.end(), ops.begin(), ops.end());
  }
  return all;
}

TEST(FtlSlc, CacheAbsorbsWritesThenFoldsWhenIdle) {
  Ftl ftl(slc_config(FoldPolicy::Idle), slc_geometry());
  const Layout& l = ftl.layout();
  ASSERT_GT(l.slc_blocks_per_die, 0u);
  const uint64_t cache = cache_units(ftl);
  EXPECT_GE(cache, l.logical_units / 20);
  // Up to the cache size, every host unit lands in pSLC blocks (pSLC program units: one page per plane).
  for (const NandOp& op : ftl.write(0, cache)) {
    EXPECT_TRUE(op.slc);
    EXPECT_EQ(op.pages, 2u);
  }
  EXPECT_EQ(ftl.stats().slc_units_written, cache);
  EXPECT_EQ(ftl.stats().slc_bypass_units, 0u);
  EXPECT_EQ(ftl.slc_units_held(), cache);
  EXPECT_EQ(ftl.read(0, 1)[0].slc, true);
  // Full: the next writes go to native blocks.
  for (const NandOp& op : ftl.write(cache, 100)) EXPECT_FALSE(op.slc);
  EXPECT_EQ(ftl.stats().slc_bypass_units, 100u);
  // Idle: everything is folded, every pSLC block is free again.
  const NandOps ops = drain(ftl);
  EXPECT_EQ(ftl.slc_units_held(), 0u);
  EXPECT_EQ(ftl.stats().fold_units_migrated, cache);
  EXPECT_EQ(ftl.stats().slc_blocks_folded, uint64_t{l.slc_blocks_per_die} * l.dies);
  for (uint32_t d = 0; d < l.dies; ++d) EXPECT_EQ(ftl.blocks().free_blocks(d, true), l.slc_blocks_per_die);
  uint64_t fold_reads = 0, slc_erases = 0;
  for (const NandOp& op : ops) {
    EXPECT_EQ(op.purpose, OpPurpose::Fold);
    if (op.type == NandOpType::Read) {
      EXPECT_TRUE(op.slc);
      fold_reads += op.units;
    } else if (op.type == NandOpType::Program) {
      EXPECT_FALSE(op.slc);
    } else {
      EXPECT_TRUE(op.slc);
      ++slc_erases;
    }
  }
  EXPECT_EQ(fold_reads, cache);
  EXPECT_EQ(slc_erases, ftl.stats().slc_blocks_folded);
  // Folded data reads from native blocks; the cache absorbs writes again.
  EXPECT_FALSE(ftl.read(0, 1)[0].slc);
  for (const NandOp& op : ftl.write(0, 48)) EXPECT_TRUE(op.slc);
}

TEST(FtlSlc, OverwrittenCachedDataIsNotFolded) {
  Ftl ftl(slc_config(FoldPolicy::Idle), slc_geometry());
  const uint64_t cache = cache_units(ftl);
  ftl.write(0, cache / 2);
  ftl.write(0, cache / 2);  // the same units again: the first copies are stale
  EXPECT_EQ(ftl.slc_units_held(), cache / 2);
  drain(ftl);
  EXPECT_EQ(ftl.stats().fold_units_migrated, cache / 2);
  EXPECT_EQ(ftl.slc_units_held(), 0u);
}

TEST(FtlSlc, WhenFullFoldsInTheForeground) {
  Ftl ftl(slc_config(FoldPolicy::WhenFull), slc_geometry());
  const uint64_t cache = cache_units(ftl);
  ftl.write(0, cache);
  EXPECT_TRUE(ftl.background_step().empty());  // no idle folding
  const NandOps ops = ftl.write(cache, cache);  // the cache keeps absorbing by folding its oldest blocks
  EXPECT_EQ(ftl.stats().slc_units_written, 2 * cache);
  EXPECT_EQ(ftl.stats().slc_bypass_units, 0u);
  EXPECT_GT(ftl.stats().slc_blocks_folded, 0u);
  EXPECT_TRUE(std::any_of(ops.begin(), ops.end(), [](const NandOp& op) { return op.purpose == OpPurpose::Fold; }));
  // Folded units moved to native blocks; the newest stay cached.
  EXPECT_FALSE(ftl.layout().is_slc(ftl.layout().gblock_of(ftl.lookup(0))));
  EXPECT_TRUE(ftl.layout().is_slc(ftl.layout().gblock_of(ftl.lookup(2 * cache - 1))));
  EXPECT_EQ(ftl.slc_units_held() + ftl.stats().fold_units_migrated, 2 * cache);
}

TEST(FtlSlc, PreconditioningBypassesTheCache) {
  Ftl ftl(slc_config(FoldPolicy::Idle), slc_geometry());
  ftl.precondition({true, 0.5, 1});
  EXPECT_EQ(ftl.slc_units_held(), 0u);
  EXPECT_EQ(ftl.stats().host_units_written, 0u);  // statistics restart after preconditioning
  for (const NandOp& op : ftl.write(0, 48)) EXPECT_TRUE(op.slc);
}

}  // namespace
