// FtlConfig::validate() and the layout the FTL derives from it and the NAND geometry: defaults are
// valid; every bad value or combination throws ConfigError naming the field ("ftl.<key>").
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "backend/ftl/ftl.h"
#include "scnvme/ftl_config.h"
#include "support/config_verdict.h"

using scnvme::ConfigError;
using scnvme::FtlConfig;
using namespace scnvme::detail::ftl;

namespace {

struct Case {
  const char* what;
  std::function<void(FtlConfig&, FtlGeometry&)> apply;
  std::string field;  // expected ConfigError::field(); empty: valid
};

void check(const Case& c) {
  SCOPED_TRACE(c.what);
  FtlConfig cfg;
  FtlGeometry geo;
  c.apply(cfg, geo);
  scnvme::test::expect_config_verdict([&] { Layout layout(cfg, geo); }, c.field);
}

TEST(FtlConfig, DefaultsAreValid) {
  EXPECT_NO_THROW(FtlConfig{}.validate());
  const Layout layout(FtlConfig{}, FtlGeometry{});
  // Defaults: 4 dies x 2 planes x 256 blocks x 192 pages x 16 KiB, 4 KiB units, 7% OP.
  EXPECT_EQ(layout.units_per_page, 4u);
  EXPECT_EQ(layout.units_per_block, 2u * 192 * 4);
  EXPECT_EQ(layout.program_unit_units(false), 3u * 2 * 4);  // one TLC word line on both planes
  EXPECT_EQ(layout.program_unit_units(true), 2u * 4);       // pSLC: one page per plane
  const uint64_t physical = 4ull * 256 * layout.units_per_block;
  EXPECT_EQ(layout.logical_units, physical * 1000 / 1070);
  EXPECT_EQ(layout.slc_blocks_per_die, 0u);
}

TEST(FtlConfig, FieldRanges) {
  const Case cases[] = {
      {"unit 512", [](FtlConfig& c, FtlGeometry&) { c.mapping_unit_bytes = 512; }, ""},
      {"unit not a power of two", [](FtlConfig& c, FtlGeometry&) { c.mapping_unit_bytes = 3000; }, "ftl.mapping_unit_bytes"},
      {"unit too small", [](FtlConfig& c, FtlGeometry&) { c.mapping_unit_bytes = 256; }, "ftl.mapping_unit_bytes"},
      {"unit larger than a page", [](FtlConfig& c, FtlGeometry&) { c.mapping_unit_bytes = 32768; }, "ftl.mapping_unit_bytes"},
      {"OP 0", [](FtlConfig& c, FtlGeometry&) { c.over_provisioning_permille = 0; }, "ftl.over_provisioning_permille"},
      {"OP above 100%", [](FtlConfig& c, FtlGeometry&) { c.over_provisioning_permille = 1001; }, "ftl.over_provisioning_permille"},
      {"OP too small for the reserve", [](FtlConfig& c, FtlGeometry&) { c.over_provisioning_permille = 10; }, "ftl.over_provisioning_permille"},
      {"foreground 1", [](FtlConfig& c, FtlGeometry&) { c.gc_foreground_free_blocks = 1; }, "ftl.gc_foreground_free_blocks"},
      {"background below foreground", [](FtlConfig& c, FtlGeometry&) { c.gc_foreground_free_blocks = 4; c.gc_background_free_blocks = 3; }, "ftl.gc_background_free_blocks"},
      {"background beyond the spare blocks", [](FtlConfig& c, FtlGeometry&) { c.gc_background_free_blocks = 15; }, "ftl.gc_background_free_blocks"},
      {"write buffer 0", [](FtlConfig& c, FtlGeometry&) { c.write_buffer_program_units = 0; }, "ftl.write_buffer_program_units"},
      {"pSLC above 100%", [](FtlConfig& c, FtlGeometry&) { c.slc_cache_permille = 1001; }, "ftl.slc_cache_permille"},
      {"pSLC 10%", [](FtlConfig& c, FtlGeometry&) { c.slc_cache_permille = 100; }, ""},
      {"pSLC as large as the drive", [](FtlConfig& c, FtlGeometry&) { c.slc_cache_permille = 1000; }, "ftl.slc_cache_permille"},
      {"fold policy", [](FtlConfig& c, FtlGeometry&) { c.fold_policy = static_cast<scnvme::FoldPolicy>(7); }, "ftl.fold_policy"},
      {"map cache 1 entry", [](FtlConfig& c, FtlGeometry&) { c.mapping_cache_entries = 1; }, ""},
      {"map cache too large", [](FtlConfig& c, FtlGeometry&) { c.mapping_cache_entries = (1ull << 40) + 1; }, "ftl.mapping_cache_entries"},
      {"reverse map", [](FtlConfig& c, FtlGeometry&) { c.reverse_map = static_cast<scnvme::ReverseMap>(9); }, "ftl.reverse_map"},
      {"no dies", [](FtlConfig&, FtlGeometry& g) { g.dies = 0; }, "ftl.geometry.dies"},
      {"33 planes", [](FtlConfig&, FtlGeometry& g) { g.planes_per_die = 33; }, "ftl.geometry.planes_per_die"},
      {"no blocks", [](FtlConfig&, FtlGeometry& g) { g.blocks_per_plane = 0; }, "ftl.geometry.blocks_per_plane"},
      {"pages not whole word lines", [](FtlConfig&, FtlGeometry& g) { g.pages_per_block = 190; }, "ftl.geometry.pages_per_block"},
      {"page size", [](FtlConfig&, FtlGeometry& g) { g.page_bytes = 1000; }, "ftl.geometry.page_bytes"},
      {"5 bits per cell", [](FtlConfig&, FtlGeometry& g) { g.bits_per_cell = 5; }, "ftl.geometry.bits_per_cell"},
      {"more units than 32-bit addresses",
       [](FtlConfig& c, FtlGeometry& g) {
         c.mapping_unit_bytes = 512;
         g.dies = 1024;
         g.blocks_per_plane = 4096;
       },
       "ftl.mapping_unit_bytes"},
  };
  for (const Case& c : cases) check(c);
}

TEST(FtlConfig, FtlConstructorValidates) {
  FtlConfig cfg;
  cfg.gc_foreground_free_blocks = 0;
  EXPECT_THROW(Ftl(cfg, FtlGeometry{}), ConfigError);
}

TEST(FtlLayout, AddressesRoundTrip) {
  const Layout layout(FtlConfig{}, FtlGeometry{});
  const uint32_t gb = layout.gblock(3, 200);
  const Ppa p = layout.ppa(gb, 5 * layout.units_per_page + 2);
  EXPECT_EQ(layout.decode(p), (PhysicalAddress{3, 200, 5, 2}));
  // Pages are numbered word line by word line across the planes (TLC: 3 pages per word line).
  EXPECT_EQ(layout.plane_page(0, false).plane, 0u);
  EXPECT_EQ(layout.plane_page(3, false).plane, 1u);
  EXPECT_EQ(layout.plane_page(3, false).page, 0u);
  EXPECT_EQ(layout.plane_page(7, false).plane, 0u);
  EXPECT_EQ(layout.plane_page(7, false).page, 4u);
  EXPECT_EQ(layout.plane_page(5, true).plane, 1u);
  EXPECT_EQ(layout.plane_page(5, true).page, 2u);
}

TEST(FtlLayout, SlcCacheHoldsItsShare) {
  FtlConfig cfg;
  cfg.slc_cache_permille = 50;
  const Layout layout(cfg, FtlGeometry{});
  const uint64_t slc_units = uint64_t{layout.slc_blocks_per_die} * layout.dies * layout.slc_units_per_block;
  EXPECT_GE(slc_units, layout.logical_units * 50 / 1000);
  EXPECT_EQ(layout.slc_units_per_block * 3, layout.units_per_block);
  // OP applies to the native blocks: the pSLC blocks come on top.
  const uint64_t native = uint64_t{layout.dies} * (layout.blocks_per_die - layout.slc_blocks_per_die) * layout.units_per_block;
  EXPECT_EQ(layout.logical_units, native * 1000 / 1070);
}

}  // namespace
