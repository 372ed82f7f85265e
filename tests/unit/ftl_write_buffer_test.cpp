// The write buffer: program units gathered per die and striped over the dies, reads of buffered
// units served from DRAM, flush() padding partial program units, the die-selection policies.
#include <gtest/gtest.h>

#include "backend/ftl/ftl.h"
#include "ftl_test_geometry.h"

using namespace scnvme::detail::ftl;
using scnvme::FtlConfig;

namespace {

TEST(FtlWriteBuffer, ProgramUnitsStripeOverTheDies) {
  Ftl ftl(FtlConfig{}, test::small_tlc_geometry(4));
  const uint32_t pu = ftl.layout().program_unit_units(false);
  ASSERT_EQ(pu, 24u);
  const NandOps ops = ftl.write(0, 6 * pu);
  ASSERT_EQ(ops.size(), 6u);
  for (size_t i = 0; i < ops.size(); ++i) {
    EXPECT_EQ(ops[i].type, NandOpType::Program);
    EXPECT_EQ(ops[i].purpose, OpPurpose::Host);
    EXPECT_EQ(ops[i].die, i % 4) << i;
    EXPECT_EQ(ops[i].page, i < 4 ? 0u : 6u);  // the second program unit of dies 0 and 1
    EXPECT_EQ(ops[i].pages, 6u);              // 3 pages per word line x 2 planes
    EXPECT_EQ(ops[i].units, pu);
    EXPECT_EQ(ops[i].padding_units, 0u);
  }
  // Consecutive units land in the same program unit, so a sequential read reads whole pages.
  const PhysicalAddress a = ftl.decode(ftl.lookup(0)), b = ftl.decode(ftl.lookup(3));
  EXPECT_EQ(a.die, b.die);
  EXPECT_EQ(a.page, b.page);
  EXPECT_EQ(ftl.decode(ftl.lookup(pu)).die, 1u);
}

TEST(FtlWriteBuffer, FlushPadsAndProgramsPartialUnits) {
  Ftl ftl(FtlConfig{}, test::small_tlc_geometry(4));
  EXPECT_TRUE(ftl.write(0, 5).empty());  // gathered, nothing to program yet
  EXPECT_EQ(ftl.buffered_units(), 5u);
  EXPECT_TRUE(ftl.read(0, 5).empty());   // served from the buffer
  EXPECT_EQ(ftl.stats().buffer_read_hits, 5u);
  const NandOps ops = ftl.flush();
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].type, NandOpType::Program);
  EXPECT_EQ(ops[0].units, 5u);
  EXPECT_EQ(ops[0].padding_units, 19u);
  EXPECT_EQ(ftl.stats().padding_units, 19u);
  EXPECT_EQ(ftl.stats().nand_units_programmed, 24u);
  EXPECT_DOUBLE_EQ(ftl.stats().waf(), 24.0 / 5.0);
  EXPECT_EQ(ftl.buffered_units(), 0u);
  EXPECT_TRUE(ftl.flush().empty());  // nothing left
  EXPECT_EQ(ftl.read(0, 5).size(), 2u);  // units 0-3 share a page, unit 4 is on the next
  // The padded slots are used up: the next unit goes to the next program unit, on the next die.
  ftl.write(5, 1);
  EXPECT_EQ(ftl.decode(ftl.lookup(5)).die, 1u);
  EXPECT_EQ(ftl.decode(ftl.lookup(5)).page, 0u);
}

TEST(FtlWriteBuffer, LeastBusyDieSelection) {
  uint64_t busy[4] = {50, 10, 30, 10};
  auto selector = std::make_unique<LeastBusyDieSelector>([&](uint32_t die) { return busy[die]; });
  Ftl ftl(FtlConfig{}, test::small_tlc_geometry(4), std::make_unique<GreedyVictimPolicy>(), std::move(selector));
  const uint32_t pu = ftl.layout().program_unit_units(false);
  NandOps ops = ftl.write(0, pu);  // the first program unit goes to die 0
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].die, 0u);
  ops = ftl.write(pu, pu);  // then the die free earliest: 1 (tie with 3, first after die 0)
  EXPECT_EQ(ops[0].die, 1u);
  busy[1] = 100;
  ops = ftl.write(2 * pu, pu);
  EXPECT_EQ(ops[0].die, 3u);
  RoundRobinDieSelector rr;
  EXPECT_EQ(rr.next(3, 4), 0u);
}

}  // namespace
