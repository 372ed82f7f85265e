// NandGeometry: capacity numbers, die indices (channel fastest), flat page/block indices both
// ways, word lines and page types per cell type.
#include <gtest/gtest.h>

#include "backend/nand/nand_geometry.h"

using namespace scnvme;
using namespace scnvme::nand;

TEST(NandGeometry, CapacityOfTheDefaultDrive) {
  const NandConfig cfg;
  const NandGeometry g(cfg);
  EXPECT_EQ(g.dies(), 64u);
  EXPECT_EQ(g.dies_per_channel(), 8u);
  EXPECT_EQ(g.planes(), 256u);
  EXPECT_EQ(g.blocks(), 256u * 228);
  EXPECT_EQ(g.pages(), 256ull * 228 * 1152);
  EXPECT_EQ(g.pages_per_word_line(), 3u);
  EXPECT_EQ(g.word_lines_per_block(), 384u);
  EXPECT_EQ(g.block_bytes(), 1152ull * 16384);
  EXPECT_EQ(g.die_bytes(), 4ull * 228 * 1152 * 16384);
  EXPECT_EQ(g.raw_bytes(), cfg.raw_bytes());
  EXPECT_EQ(g.raw_bytes(), 64ull * 4 * 228 * 1152 * 16384);
}

TEST(NandGeometry, DieIndexIsChannelFastest) {
  NandConfig cfg;
  cfg.channels = 4;
  cfg.targets_per_channel = 2;
  cfg.dies_per_target = 2;
  const NandGeometry g(cfg);
  NandAddress a;
  a.channel = 3;
  a.target = 1;
  a.die = 1;
  EXPECT_EQ(g.die_index(a), 3u + 4 * (1 + 2 * 1));
  for (uint32_t d = 0; d < g.dies(); ++d) {
    const NandAddress da = g.die_address(d);
    EXPECT_EQ(g.die_index(da), d);
    EXPECT_EQ(da.channel, d % 4);
    EXPECT_EQ(g.channel_of(d), d % 4);
    EXPECT_EQ(da.plane, 0u);
    EXPECT_EQ(da.block, 0u);
    EXPECT_EQ(da.page, 0u);
  }
}

TEST(NandGeometry, FlatIndicesRoundTrip) {
  NandConfig cfg;
  cfg.channels = 2;
  cfg.targets_per_channel = 3;
  cfg.dies_per_target = 2;
  cfg.planes_per_die = 2;
  cfg.blocks_per_plane = 5;
  cfg.pages_per_block = 9;
  const NandGeometry g(cfg);
  uint64_t expected = 0;
  // Page index order: die-major, then plane, block, page.
  for (uint32_t d = 0; d < g.dies(); ++d) {
    for (uint32_t p = 0; p < 2; ++p) {
      for (uint32_t b = 0; b < 5; ++b) {
        for (uint32_t pg = 0; pg < 9; ++pg, ++expected) {
          NandAddress a = g.die_address(d);
          a.plane = p;
          a.block = b;
          a.page = pg;
          ASSERT_TRUE(g.contains(a));
          ASSERT_EQ(g.page_index(a), expected);
          ASSERT_EQ(g.page_address(expected), a);
          ASSERT_EQ(g.block_index(a), expected / 9);
          NandAddress block_only = a;
          block_only.page = 0;
          ASSERT_EQ(g.block_address(expected / 9), block_only);
        }
      }
    }
  }
  EXPECT_EQ(expected, g.pages());
}

TEST(NandGeometry, ContainsChecksEveryField) {
  const NandConfig cfg;
  const NandGeometry g(cfg);
  NandAddress a;
  EXPECT_TRUE(g.contains(a));
  a.channel = 8;
  EXPECT_FALSE(g.contains(a));
  a = NandAddress{};
  a.target = 4;
  EXPECT_FALSE(g.contains(a));
  a = NandAddress{};
  a.die = 2;
  EXPECT_FALSE(g.contains(a));
  a = NandAddress{};
  a.plane = 4;
  EXPECT_FALSE(g.contains(a));
  a = NandAddress{};
  a.block = 228;
  EXPECT_FALSE(g.contains(a));
  a = NandAddress{};
  a.page = 1152;
  EXPECT_FALSE(g.contains(a));
}

TEST(NandGeometry, PageTypesFollowThePositionInTheWordLine) {
  struct Case {
    CellType cell;
    std::vector<PageType> order;
  } cases[] = {
      {CellType::Slc, {PageType::Lsb}},
      {CellType::Mlc, {PageType::Lsb, PageType::Msb}},
      {CellType::Tlc, {PageType::Lsb, PageType::Csb, PageType::Msb}},
      {CellType::Qlc, {PageType::Lsb, PageType::Csb, PageType::Msb, PageType::Tsb}},
  };
  for (const auto& c : cases) {
    NandConfig cfg;
    cfg.cell_type = c.cell;
    cfg.pages_per_block = 48;
    const NandGeometry g(cfg);
    const uint32_t bits = static_cast<uint32_t>(c.order.size());
    EXPECT_EQ(g.pages_per_word_line(), bits);
    EXPECT_EQ(g.word_lines_per_block(), 48 / bits);
    for (uint32_t page = 0; page < 48; ++page) {
      EXPECT_EQ(g.page_type(page), c.order[page % bits]) << "page " << page;
      EXPECT_EQ(g.word_line(page), page / bits);
      EXPECT_EQ(g.first_page(g.word_line(page)), page - page % bits);
    }
  }
  EXPECT_STREQ(to_string(PageType::Csb), "CSB");
  EXPECT_STREQ(to_string(PageType::Tsb), "TSB");
}
