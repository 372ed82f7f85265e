// NandGeometry: address <-> flat index conversions and page types.
#include "backend/nand/nand_geometry.h"

namespace scnvme::nand {

const char* to_string(PageType t) {
  switch (t) {
    case PageType::Lsb: return "LSB";
    case PageType::Csb: return "CSB";
    case PageType::Msb: return "MSB";
    case PageType::Tsb: return "TSB";
  }
  return "?";
}

NandGeometry::NandGeometry(const NandConfig& cfg)
    : channels_(cfg.channels),
      targets_(cfg.targets_per_channel),
      luns_(cfg.dies_per_target),
      planes_(cfg.planes_per_die),
      blocks_(cfg.blocks_per_plane),
      pages_(cfg.pages_per_block),
      page_bytes_(cfg.page_bytes),
      bits_(cfg.bits_per_cell()) {}

bool NandGeometry::contains(const NandAddress& a) const {
  return a.channel < channels_ && a.target < targets_ && a.die < luns_ && a.plane < planes_ && a.block < blocks_ &&
         a.page < pages_;
}

NandAddress NandGeometry::die_address(uint32_t die_index) const {
  NandAddress a;
  a.channel = die_index % channels_;
  a.target = (die_index / channels_) % targets_;
  a.die = die_index / channels_ / targets_;
  return a;
}

uint64_t NandGeometry::block_index(const NandAddress& a) const {
  return (uint64_t{die_index(a)} * planes_ + a.plane) * blocks_ + a.block;
}

NandAddress NandGeometry::block_address(uint64_t block_index) const {
  const uint32_t block = static_cast<uint32_t>(block_index % blocks_);
  const uint64_t plane_index = block_index / blocks_;
  NandAddress a = die_address(static_cast<uint32_t>(plane_index / planes_));
  a.plane = static_cast<uint32_t>(plane_index % planes_);
  a.block = block;
  return a;
}

uint64_t NandGeometry::page_index(const NandAddress& a) const { return block_index(a) * pages_ + a.page; }

NandAddress NandGeometry::page_address(uint64_t page_index) const {
  NandAddress a = block_address(page_index / pages_);
  a.page = static_cast<uint32_t>(page_index % pages_);
  return a;
}

PageType NandGeometry::page_type(uint32_t page) const {
  const uint32_t position = page % bits_;
  if (bits_ == 2 && position == 1) return PageType::Msb;  // MLC: LSB, MSB
  return static_cast<PageType>(position);
}

}  // namespace scnvme::nand
