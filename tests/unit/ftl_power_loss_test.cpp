// The FTL across a power loss: without power-loss protection the host units not yet programmed
// on NAND (gathering in the write buffer, or in a program that had not completed) are undone
// newest first, each back to its previous copy when that copy is still on NAND, else unmapped;
// units whose program completed survive. With protection the buffer is programmed on the
// hold-up energy and nothing is lost. The block valid counts stay those of the mapping.
#include <gtest/gtest.h>

#include <cstdint>

#include "backend/ftl/ftl.h"
#include "ftl_test_geometry.h"

using namespace scnvme::detail::ftl;
using scnvme::FtlConfig;

namespace {

/// The timing layer's part: every program of `ops` completes.
void complete(Ftl& ftl, const NandOps& ops) {
  for (const NandOp& op : ops) ftl.programmed(op);
}

/// Valid units per block add up to the mapped units, and each mapped unit's block counts it.
void expect_valid_counts_match_mapping(const Ftl& ftl) {
  const Layout& l = ftl.layout();
  std::vector<uint32_t> from_map(l.total_blocks, 0);
  for (uint64_t lba = 0; lba < ftl.logical_units(); ++lba)
    if (const Ppa p = ftl.lookup(lba); p != kUnmapped) ++from_map[l.gblock_of(p)];
  for (uint32_t gb = 0; gb < l.total_blocks; ++gb) EXPECT_EQ(ftl.blocks().valid(gb), from_map[gb]) << "block " << gb;
}

}  // namespace

TEST(FtlPowerLoss, UnitsNotProgrammedAreUndoneToTheirPreviousCopies) {
  Ftl ftl(FtlConfig{}, test::small_tlc_geometry(4));
  ftl.track_unprogrammed(true);
  const uint32_t pu = ftl.layout().program_unit_units(false);
  // Units [0, 4 pu) written and programmed: on NAND.
  complete(ftl, ftl.write(0, 4 * pu));
  EXPECT_EQ(ftl.unprogrammed_units(), 0u);
  std::vector<Ppa> on_nand;
  for (uint64_t lba = 0; lba < 4 * pu; ++lba) on_nand.push_back(ftl.lookup(lba));
  // Overwrites of [0, pu): one program unit, issued but never completed (in flight at the loss);
  // overwrites of [pu, pu + 5) and first writes of [8 pu, 8 pu + 3): still in the buffer.
  const NandOps in_flight = ftl.write(0, pu);
  ASSERT_EQ(in_flight.size(), 1u);
  EXPECT_TRUE(ftl.write(pu, 5).empty());
  EXPECT_TRUE(ftl.write(8 * pu, 3).empty());
  EXPECT_EQ(ftl.unprogrammed_units(), pu + 5 + 3);
  NandOps recovery;
  ftl.power_loss(false, &recovery);
  for (uint64_t lba = 0; lba < 4 * pu; ++lba) EXPECT_EQ(ftl.lookup(lba), on_nand[lba]) << "lba " << lba;
  for (uint64_t lba = 8 * pu; lba < 8 * pu + 3; ++lba) EXPECT_EQ(ftl.lookup(lba), kUnmapped) << "lba " << lba;
  EXPECT_EQ(ftl.stats().power_losses, 1u);
  EXPECT_EQ(ftl.stats().power_loss_units_lost, pu + 5 + 3);
  EXPECT_EQ(ftl.stats().power_loss_units_restored, pu + 5);
  EXPECT_EQ(ftl.unprogrammed_units(), 0u);
  EXPECT_EQ(ftl.buffered_units(), 0u);  // what the buffer gathered is gone
  expect_valid_counts_match_mapping(ftl);
  // A unit overwritten twice before the loss goes back to the copy on NAND, not the middle one.
  complete(ftl, ftl.write(2 * pu, 1));
  complete(ftl, ftl.flush());
  const Ppa programmed = ftl.lookup(2 * pu);
  ftl.write(2 * pu, 1);
  ftl.write(2 * pu, 1);
  ftl.power_loss(false, &recovery);
  EXPECT_EQ(ftl.lookup(2 * pu), programmed);
  expect_valid_counts_match_mapping(ftl);
}

TEST(FtlPowerLoss, CompletedProgramsSurviveAndWritingGoesOnInFreshBlocks) {
  Ftl ftl(FtlConfig{}, test::small_tlc_geometry(4));
  ftl.track_unprogrammed(true);
  const uint32_t pu = ftl.layout().program_unit_units(false);
  // Two program units: the first completes, the second does not.
  const NandOps ops = ftl.write(0, 2 * pu);
  ASSERT_EQ(ops.size(), 2u);
  ftl.programmed(ops[0]);
  const Ppa kept = ftl.lookup(0);
  const Ppa lost = ftl.lookup(pu);
  NandOps recovery;
  ftl.power_loss(false, &recovery);
  EXPECT_EQ(ftl.lookup(0), kept);
  EXPECT_EQ(ftl.lookup(pu), kUnmapped);
  EXPECT_EQ(ftl.stats().power_loss_units_lost, pu);
  EXPECT_EQ(ftl.stats().power_loss_units_restored, 0u);
  expect_valid_counts_match_mapping(ftl);
  // The host blocks open at the loss are closed as they are: new data goes to other blocks.
  complete(ftl, ftl.write(4 * pu, 4 * pu));
  for (uint64_t lba = 4 * pu; lba < 8 * pu; ++lba) {
    const uint32_t gb = ftl.layout().gblock_of(ftl.lookup(lba));
    EXPECT_NE(gb, ftl.layout().gblock_of(kept)) << "lba " << lba;
    EXPECT_NE(gb, ftl.layout().gblock_of(lost)) << "lba " << lba;
  }
  expect_valid_counts_match_mapping(ftl);
}

TEST(FtlPowerLoss, ProtectedBufferIsProgrammedOnHoldUpEnergy) {
  Ftl ftl(FtlConfig{}, test::small_tlc_geometry(4));
  ftl.track_unprogrammed(false);  // power-loss protection: nothing to undo
  const uint32_t pu = ftl.layout().program_unit_units(false);
  ftl.write(0, pu);  // issued, not reported complete
  EXPECT_TRUE(ftl.write(pu, 7).empty());
  EXPECT_EQ(ftl.unprogrammed_units(), 0u);
  std::vector<Ppa> placed;
  for (uint64_t lba = 0; lba < pu + 7; ++lba) placed.push_back(ftl.lookup(lba));
  const uint64_t programmed_before = ftl.stats().nand_units_programmed;
  NandOps recovery;
  ftl.power_loss(true, &recovery);
  for (uint64_t lba = 0; lba < pu + 7; ++lba) EXPECT_EQ(ftl.lookup(lba), placed[lba]) << "lba " << lba;
  EXPECT_EQ(ftl.buffered_units(), 0u);
  EXPECT_EQ(ftl.stats().nand_units_programmed, programmed_before + pu);  // the partial unit, padded
  EXPECT_EQ(ftl.stats().power_loss_units_lost, 0u);
  EXPECT_EQ(ftl.stats().power_losses, 1u);
  expect_valid_counts_match_mapping(ftl);
}

TEST(FtlPowerLoss, DeallocatedUnitsStayDeallocated) {
  Ftl ftl(FtlConfig{}, test::small_tlc_geometry(4));
  ftl.track_unprogrammed(true);
  const uint32_t pu = ftl.layout().program_unit_units(false);
  complete(ftl, ftl.write(0, pu));
  ftl.write(0, 4);  // overwritten in the buffer, then deallocated before the loss
  ftl.trim(0, 4);
  NandOps recovery;
  ftl.power_loss(false, &recovery);
  for (uint64_t lba = 0; lba < 4; ++lba) EXPECT_EQ(ftl.lookup(lba), kUnmapped) << "lba " << lba;
  EXPECT_EQ(ftl.stats().power_loss_units_lost, 0u);  // the trim had already dropped them
  expect_valid_counts_match_mapping(ftl);
}

TEST(FtlPowerLoss, MapCachePagesAreGone) {
  FtlConfig cfg;
  cfg.mapping_cache_entries = 4096;
  Ftl ftl(cfg, test::small_tlc_geometry(4));
  ftl.track_unprogrammed(true);
  complete(ftl, ftl.write(0, 96));
  complete(ftl, ftl.flush());
  ftl.read(0, 1);
  const uint64_t misses = ftl.stats().map_misses;
  ftl.read(0, 1);
  EXPECT_EQ(ftl.stats().map_misses, misses);  // cached
  NandOps recovery;
  ftl.power_loss(false, &recovery);
  const NandOps after = ftl.read(0, 1);
  EXPECT_EQ(ftl.stats().map_misses, misses + 1);  // read from NAND again
  ASSERT_FALSE(after.empty());
  EXPECT_EQ(after.front().block, kMapBlock);
}
