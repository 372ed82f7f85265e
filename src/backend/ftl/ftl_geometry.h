// The NAND geometry the FTL manages, and the layout derived from it and the FTL configuration:
// sizes in mapping units, the pSLC / native split of each die's blocks, the logical capacity and
// the compact physical address (PPA) of a mapping unit.
//
// An FTL block is one block index across all planes of a die (a multi-plane block); its pages
// are numbered word line by word line, plane-interleaved: page p lies on plane (p / bits) % planes,
// at page (p / (bits * planes)) * bits + p % bits of that plane's block (bits = pages per word line,
// 1 in pSLC mode). A program unit is one word line on every plane (multi-plane) or on one plane.
#pragma once

#include <cstdint>

#include "scnvme/ftl_config.h"

namespace scnvme::detail::ftl {

/// Physical address of a mapping unit: global block (die * blocks_per_die + block) in the high
/// bits, the unit's offset in its block in the low `slot_bits`.
using Ppa = uint32_t;
constexpr Ppa kUnmapped = 0xFFFFFFFFu;
constexpr uint32_t kNoBlock = 0xFFFFFFFFu;

/// Filled from the NAND configuration by the glue layer.
struct FtlGeometry {
  uint32_t dies = 4;               // parallel units
  uint32_t planes_per_die = 2;
  uint32_t blocks_per_plane = 256; // = FTL blocks per die
  uint32_t pages_per_block = 192;  // per plane block, native mode (word lines x bits per cell)
  uint32_t page_bytes = 16384;
  uint32_t bits_per_cell = 3;      // pages per word line (1 SLC .. 4 QLC); pSLC mode keeps 1
  bool multi_plane = true;         // a program unit spans all planes

  /// Throws ConfigError naming the field ("ftl.geometry.<key>") and its accepted range.
  void validate() const;
};

/// A PPA decoded: die, block within the die, page within the FTL block, unit within the page.
struct PhysicalAddress {
  uint32_t die = 0;
  uint32_t block = 0;
  uint32_t page = 0;
  uint32_t slot = 0;
  bool operator==(const PhysicalAddress& o) const {
    return die == o.die && block == o.block && page == o.page && slot == o.slot;
  }
};

/// Where an FTL page lies on the NAND: plane and page index in that plane's block.
struct PlanePage {
  uint32_t plane = 0;
  uint32_t page = 0;
};

/// Sizes derived from the configuration and the geometry. The first `slc_blocks_per_die` blocks
/// of every die form the static pSLC cache; the others run in native mode.
struct Layout {
  /// Validates both and their combination (ConfigError).
  Layout(const FtlConfig& cfg, const FtlGeometry& geo);

  FtlGeometry geo;
  uint32_t dies = 0;
  uint32_t blocks_per_die = 0;
  uint32_t slc_blocks_per_die = 0;
  uint32_t total_blocks = 0;
  uint32_t units_per_page = 0;
  uint32_t pages_per_block = 0;        // FTL block, native mode
  uint32_t slc_pages_per_block = 0;
  uint32_t units_per_block = 0;        // native mode
  uint32_t slc_units_per_block = 0;
  uint32_t program_unit_pages = 0;     // native mode
  uint32_t slc_program_unit_pages = 0;
  uint32_t slot_bits = 0;
  uint64_t logical_units = 0;
  uint32_t spare_blocks_per_die = 0;   // native blocks beyond those the logical capacity fills

  Ppa ppa(uint32_t gblock, uint32_t offset) const { return (gblock << slot_bits) | offset; }
  uint32_t gblock_of(Ppa p) const { return p >> slot_bits; }
  uint32_t offset_of(Ppa p) const { return p & ((1u << slot_bits) - 1); }
  uint32_t gblock(uint32_t die, uint32_t block) const { return die * blocks_per_die + block; }
  uint32_t die_of(uint32_t gblock) const { return gblock / blocks_per_die; }
  uint32_t block_in_die(uint32_t gblock) const { return gblock % blocks_per_die; }
  bool is_slc(uint32_t gblock) const { return block_in_die(gblock) < slc_blocks_per_die; }
  uint32_t block_units(bool slc) const { return slc ? slc_units_per_block : units_per_block; }
  uint32_t program_unit_units(bool slc) const {
    return (slc ? slc_program_unit_pages : program_unit_pages) * units_per_page;
  }
  PhysicalAddress decode(Ppa p) const;
  /// The plane and plane-block page of FTL page `page` (pSLC mode: one page per word line).
  PlanePage plane_page(uint32_t page, bool slc) const;
};

}  // namespace scnvme::detail::ftl
