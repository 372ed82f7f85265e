// NandConfig::validate(): the defaults are valid and describe a ~1 TiB client TLC drive; every bad
// value or combination throws ConfigError naming "nand.<key>" and the accepted range.
#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "scnvme/nand_config.h"
#include "support/config_verdict.h"

using scnvme::CellType;
using scnvme::ConfigError;
using scnvme::NandConfig;

namespace {

struct Mutation {
  const char* what;
  std::function<void(NandConfig&)> apply;
  std::string field;  // expected ConfigError::field(); empty: the result must validate
};

void check(const Mutation& m) {
  SCOPED_TRACE(m.what);
  NandConfig cfg;
  m.apply(cfg);
  scnvme::test::expect_config_verdict([&] { cfg.validate(); }, m.field);
}

}  // namespace

TEST(NandConfig, DefaultIsAValidClientTlcDrive) {
  const NandConfig cfg;
  EXPECT_NO_THROW(cfg.validate());
  EXPECT_EQ(cfg.dies(), 64u);
  EXPECT_EQ(cfg.bits_per_cell(), 3u);
  EXPECT_EQ(cfg.pages_per_block % 3, 0u);
  // About 1 TiB raw (within 1%).
  EXPECT_NEAR(double(cfg.raw_bytes()) / double(1ull << 40), 1.0, 0.01);
  // TLC figures of REFERENCES.md: 16 KiB page, tR ~50 us, tPROG 500-700 us, tBERS ~3.5 ms.
  EXPECT_EQ(cfg.page_bytes, 16384u);
  EXPECT_EQ(cfg.read_us[1], 50u);
  EXPECT_GE(cfg.program_us, 500u);
  EXPECT_LE(cfg.program_us, 700u);
  EXPECT_EQ(cfg.erase_us, 3500u);
}

TEST(NandConfig, RangeErrorsNameTheField) {
  const Mutation cases[] = {
      {"no channel", [](NandConfig& c) { c.channels = 0; }, "nand.channels"},
      {"too many channels", [](NandConfig& c) { c.channels = 65; }, "nand.channels"},
      {"no target", [](NandConfig& c) { c.targets_per_channel = 0; }, "nand.targets_per_channel"},
      {"too many dies per target", [](NandConfig& c) { c.dies_per_target = 9; }, "nand.dies_per_target"},
      {"33 planes", [](NandConfig& c) { c.planes_per_die = 33; }, "nand.planes_per_die"},
      {"no blocks", [](NandConfig& c) { c.blocks_per_plane = 0; }, "nand.blocks_per_plane"},
      {"no pages", [](NandConfig& c) { c.pages_per_block = 0; }, "nand.pages_per_block"},
      {"partial word line", [](NandConfig& c) { c.pages_per_block = 1153; }, "nand.pages_per_block"},
      {"QLC needs multiples of 4", [](NandConfig& c) { c.cell_type = CellType::Qlc; c.pages_per_block = 1154; }, "nand.pages_per_block"},
      {"bad cell type", [](NandConfig& c) { c.cell_type = static_cast<CellType>(5); }, "nand.cell_type"},
      {"small page", [](NandConfig& c) { c.page_bytes = 256; }, "nand.page_bytes"},
      {"odd page", [](NandConfig& c) { c.page_bytes = 16000; }, "nand.page_bytes"},
      {"huge page", [](NandConfig& c) { c.page_bytes = 131072; }, "nand.page_bytes"},
      {"huge drive", [](NandConfig& c) { c.channels = 64; c.targets_per_channel = 16; c.dies_per_target = 8;
                                          c.planes_per_die = 32; c.blocks_per_plane = 1u << 20; }, "nand.blocks_per_plane"},
      {"zero LSB tR", [](NandConfig& c) { c.read_us[0] = 0; }, "nand.read_us[0]"},
      {"zero CSB tR", [](NandConfig& c) { c.read_us[1] = 0; }, "nand.read_us[1]"},
      {"slow MSB tR", [](NandConfig& c) { c.read_us[2] = 100001; }, "nand.read_us[2]"},
      {"TLC ignores TSB", [](NandConfig& c) { c.read_us[3] = 0; }, ""},
      {"QLC needs TSB", [](NandConfig& c) { c.cell_type = CellType::Qlc; c.pages_per_block = 1024; c.read_us[3] = 0; }, "nand.read_us[3]"},
      {"MLC ignores CSB", [](NandConfig& c) { c.cell_type = CellType::Mlc; c.pages_per_block = 1024; c.read_us[1] = 0; }, ""},
      {"MLC needs MSB", [](NandConfig& c) { c.cell_type = CellType::Mlc; c.pages_per_block = 1024; c.read_us[2] = 0; }, "nand.read_us[2]"},
      {"zero tPROG", [](NandConfig& c) { c.program_us = 0; }, "nand.program_us"},
      {"zero tBERS", [](NandConfig& c) { c.erase_us = 0; }, "nand.erase_us"},
      {"zero pSLC tR", [](NandConfig& c) { c.slc_read_us = 0; }, "nand.slc_read_us"},
      {"zero pSLC tPROG", [](NandConfig& c) { c.slc_program_us = 0; }, "nand.slc_program_us"},
      {"zero rate", [](NandConfig& c) { c.interface_mts = 0; }, "nand.interface_mts"},
      {"too fast", [](NandConfig& c) { c.interface_mts = 10001; }, "nand.interface_mts"},
      {"x16 bus", [](NandConfig& c) { c.bus_width_bytes = 2; }, ""},
      {"x32 bus", [](NandConfig& c) { c.bus_width_bytes = 4; }, "nand.bus_width_bytes"},
      {"slow command", [](NandConfig& c) { c.command_ns = 1000001; }, "nand.command_ns"},
      {"slow poll", [](NandConfig& c) { c.status_poll_ns = 1000001; }, "nand.status_poll_ns"},
      {"free commands and polls", [](NandConfig& c) { c.command_ns = 0; c.status_poll_ns = 0; c.ecc_decode_ns = 0; }, ""},
      {"tiny codeword", [](NandConfig& c) { c.ecc_codeword_bytes = 32; }, "nand.ecc_codeword_bytes"},
      {"slow ECC", [](NandConfig& c) { c.ecc_decode_ns = 1000001; }, "nand.ecc_decode_ns"},
      {"negative probability", [](NandConfig& c) { c.read_retry_probability = -0.1; }, "nand.read_retry_probability"},
      {"probability above 1", [](NandConfig& c) { c.read_retry_probability = 1.5; }, "nand.read_retry_probability"},
      {"NaN probability", [](NandConfig& c) { c.read_retry_probability = std::numeric_limits<double>::quiet_NaN(); }, "nand.read_retry_probability"},
      {"negative growth", [](NandConfig& c) { c.read_retry_growth_per_kpe = -0.01; }, "nand.read_retry_growth_per_kpe"},
      {"zero retry time", [](NandConfig& c) { c.read_retry_extra_us = 0; }, "nand.read_retry_extra_us"},
      {"too many retries", [](NandConfig& c) { c.read_retry_max = 65; }, "nand.read_retry_max"},
      {"retries impossible", [](NandConfig& c) { c.read_retry_probability = 0.01; c.read_retry_max = 0; }, "nand.read_retry_max"},
      {"wear without retries", [](NandConfig& c) { c.read_retry_growth_per_kpe = 0.01; c.read_retry_max = 0; }, "nand.read_retry_max"},
      {"no retries at all", [](NandConfig& c) { c.read_retry_max = 0; }, ""},
      {"slow suspend", [](NandConfig& c) { c.suspend_ns = 100000001; }, "nand.suspend_ns"},
      {"slow resume", [](NandConfig& c) { c.resume_ns = 100000001; }, "nand.resume_ns"},
      {"suspend never allowed", [](NandConfig& c) { c.suspend_max_per_op = 0; }, "nand.suspend_max_per_op"},
      {"suspend off ignores the limit", [](NandConfig& c) { c.suspend = false; c.suspend_max_per_op = 0; }, ""},
      {"budget above the dies", [](NandConfig& c) { c.max_busy_dies = 65; }, "nand.max_busy_dies"},
      {"budget of all dies", [](NandConfig& c) { c.max_busy_dies = 64; }, ""},
      {"SLC drive", [](NandConfig& c) { c.cell_type = CellType::Slc; c.pages_per_block = 256; }, ""},
  };
  for (const auto& m : cases) check(m);
}
