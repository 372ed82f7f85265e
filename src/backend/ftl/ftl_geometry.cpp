// Geometry checks and the layout: pSLC block count, logical capacity, PPA encoding.
#include "backend/ftl/ftl_geometry.h"

#include <algorithm>
#include <string>

namespace scnvme::detail::ftl {
namespace {

void check_range(const char* field, uint64_t value, uint64_t lo, uint64_t hi) {
  if (value < lo || value > hi) {
    throw ConfigError(field, "value " + std::to_string(value) + " is out of range [" + std::to_string(lo) +
                                 ", " + std::to_string(hi) + "]");
  }
}

uint32_t bits_for(uint32_t n) {
  uint32_t b = 0;
  while ((1ull << b) < n) ++b;
  return b;
}

uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

}  // namespace

void FtlGeometry::validate() const {
  check_range("ftl.geometry.dies", dies, 1, 65536);
  check_range("ftl.geometry.planes_per_die", planes_per_die, 1, 32);
  check_range("ftl.geometry.blocks_per_plane", blocks_per_plane, 1, 1u << 20);
  check_range("ftl.geometry.bits_per_cell", bits_per_cell, 1, 4);
  check_range("ftl.geometry.pages_per_block", pages_per_block, 1, 65536);
  if (pages_per_block % bits_per_cell != 0) {
    throw ConfigError("ftl.geometry.pages_per_block",
                      "must be a multiple of bits_per_cell (" + std::to_string(bits_per_cell) + "); got " +
                          std::to_string(pages_per_block));
  }
  if (page_bytes < 512 || page_bytes > 65536 || page_bytes % 512 != 0) {
    throw ConfigError("ftl.geometry.page_bytes",
                      "must be a multiple of 512 in [512, 65536]; got " + std::to_string(page_bytes));
  }
}

Layout::Layout(const FtlConfig& cfg, const FtlGeometry& g) : geo(g) {
  cfg.validate();
  g.validate();
  if (cfg.mapping_unit_bytes > g.page_bytes || g.page_bytes % cfg.mapping_unit_bytes != 0) {
    throw ConfigError("ftl.mapping_unit_bytes", "must divide the NAND page of " + std::to_string(g.page_bytes) +
                                                    " bytes; got " + std::to_string(cfg.mapping_unit_bytes));
  }
  dies = g.dies;
  blocks_per_die = g.blocks_per_plane;
  total_blocks = dies * blocks_per_die;
  units_per_page = g.page_bytes / cfg.mapping_unit_bytes;
  pages_per_block = g.pages_per_block * g.planes_per_die;
  slc_pages_per_block = pages_per_block / g.bits_per_cell;
  units_per_block = pages_per_block * units_per_page;
  slc_units_per_block = slc_pages_per_block * units_per_page;
  program_unit_pages = g.bits_per_cell * (g.multi_plane ? g.planes_per_die : 1);
  slc_program_unit_pages = g.multi_plane ? g.planes_per_die : 1;
  slot_bits = bits_for(units_per_block);

  // The pSLC cache holds slc_cache_permille of the logical capacity, which its blocks (taken from
  // the native area) reduce: iterate to the smallest block count that still holds the share.
  const uint64_t op = cfg.over_provisioning_permille;
  auto logical_for = [&](uint32_t slc_blocks) {
    const uint64_t native_units = uint64_t{dies} * (blocks_per_die - slc_blocks) * units_per_block;
    return native_units * 1000 / (1000 + op);
  };
  uint32_t slc = 0;
  if (cfg.slc_cache_permille > 0) {
    for (int i = 0; i < 16; ++i) {
      if (slc >= blocks_per_die) break;
      const uint64_t want_units = logical_for(slc) * cfg.slc_cache_permille / 1000;
      const uint64_t need = std::max<uint64_t>(1, ceil_div(want_units, uint64_t{slc_units_per_block} * dies));
      if (need <= slc) break;
      slc = static_cast<uint32_t>(std::min<uint64_t>(need, blocks_per_die));
    }
    if (slc + 1 >= blocks_per_die) {
      throw ConfigError("ftl.slc_cache_permille", "a pSLC cache of " + std::to_string(cfg.slc_cache_permille) +
                                                      " permille needs at least " + std::to_string(slc) + " of the " +
                                                      std::to_string(blocks_per_die) + " blocks per die");
    }
  }
  slc_blocks_per_die = slc;
  logical_units = logical_for(slc);

  // Spare native blocks per die must cover the free-block reserve and the open blocks.
  const uint32_t native = blocks_per_die - slc;
  const uint64_t full = ceil_div(ceil_div(logical_units, dies), units_per_block);
  spare_blocks_per_die = native > full ? static_cast<uint32_t>(native - full) : 0;
  const uint32_t open_blocks = slc > 0 ? 3 : 2;  // host, GC (and fold) streams
  const uint32_t need_spare = cfg.gc_foreground_free_blocks + open_blocks + 1;
  if (spare_blocks_per_die < need_spare) {
    throw ConfigError("ftl.over_provisioning_permille",
                      std::to_string(cfg.over_provisioning_permille) + " permille leaves " +
                          std::to_string(spare_blocks_per_die) + " spare blocks per die; the free-block reserve "
                          "(gc_foreground_free_blocks) and the open blocks need at least " +
                          std::to_string(need_spare));
  }
  if (cfg.gc_background_free_blocks + open_blocks + 1 > spare_blocks_per_die) {
    throw ConfigError("ftl.gc_background_free_blocks",
                      "value " + std::to_string(cfg.gc_background_free_blocks) + " is out of range [" +
                          std::to_string(cfg.gc_foreground_free_blocks) + ", " +
                          std::to_string(spare_blocks_per_die - open_blocks - 1) +
                          "] (the spare blocks per die less the open blocks)");
  }
  if ((uint64_t{total_blocks} << slot_bits) >= kUnmapped || logical_units >= kUnmapped) {
    throw ConfigError("ftl.mapping_unit_bytes",
                      "the drive has more mapping units than 32-bit addresses can hold; use a larger mapping unit");
  }
}

PhysicalAddress Layout::decode(Ppa p) const {
  const uint32_t gb = gblock_of(p);
  const uint32_t off = offset_of(p);
  return PhysicalAddress{die_of(gb), block_in_die(gb), off / units_per_page, off % units_per_page};
}

PlanePage Layout::plane_page(uint32_t page, bool slc) const {
  const uint32_t bits = slc ? 1 : geo.bits_per_cell;
  const uint32_t planes = geo.planes_per_die;
  const uint32_t group = page / bits;  // one word line of one plane
  return PlanePage{group % planes, (group / planes) * bits + page % bits};
}

}  // namespace scnvme::detail::ftl
