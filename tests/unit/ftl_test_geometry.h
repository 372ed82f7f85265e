// A small TLC geometry shared by the FTL unit tests.
#pragma once

#include <cstdint>

#include "backend/ftl/ftl_geometry.h"

namespace scnvme::detail::ftl::test {

/// `dies` dies x 2 planes x 128 blocks x 12 pages (4 TLC word lines) x 16 KiB: 96 units per
/// block, 24 per program unit.
inline FtlGeometry small_tlc_geometry(uint32_t dies) {
  FtlGeometry g;
  g.dies = dies;
  g.planes_per_die = 2;
  g.blocks_per_plane = 128;
  g.pages_per_block = 12;
  g.page_bytes = 16384;
  g.bits_per_cell = 3;
  return g;
}

}  // namespace scnvme::detail::ftl::test
