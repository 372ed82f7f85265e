// A small TLC flash drive for tests that need the flash backend: `channels` x `dies_per_channel`
// single-plane dies of 128 blocks x 96 pages of 16 KiB (192 MiB per die),
// no pSLC cache. Tests pin their own geometry so that changes of the shipped profiles do not move
// them.
#pragma once

#include <cstdint>

#include "scnvme/flash_config.h"

namespace scnvme::test {

inline FlashConfig small_flash(uint32_t channels, uint32_t dies_per_channel, Precondition precondition) {
  FlashConfig f;
  f.enabled = true;
  f.precondition = precondition;
  f.nand.channels = channels;
  f.nand.targets_per_channel = 1;
  f.nand.dies_per_target = dies_per_channel;
  f.nand.planes_per_die = 1;
  f.nand.blocks_per_plane = 128;
  f.nand.pages_per_block = 96;
  f.nand.page_bytes = 16384;
  f.nand.cell_type = CellType::Tlc;
  f.ftl.slc_cache_permille = 0;
  return f;
}

}  // namespace scnvme::test
