// Physical addresses of the NAND array and their flat indices.
//
// Conventions
// - Die index (the global parallel unit): channel fastest, then target, then die within the
//   target: die = channel + channels x (target + targets_per_channel x lun). Consecutive die
//   indices sit on different channels, so striping over die indices spreads over channels first.
// - Page index (flat): die-major, then plane, block, page: a block's pages are consecutive.
//   Block index likewise (die, plane, block).
// - Pages of a block in word-line order: page p lies on word line p / bits_per_cell at position
//   p % bits_per_cell, and its type follows the position: SLC {LSB}, MLC {LSB, MSB}, TLC {LSB, CSB,
//   MSB}, QLC {LSB, CSB, MSB, TSB}. This is the one-shot programming order of 3D TLC/QLC; real
//   parts with 2-step programming interleave word lines differently (not modelled).
// - A pSLC-mode block holds one page per word line: its pages are 0 .. word_lines_per_block - 1.
#pragma once

#include <cstdint>

#include "scnvme/nand_config.h"

namespace scnvme::nand {

struct NandAddress {
  uint32_t channel = 0;
  uint32_t target = 0;  // chip enable on the channel
  uint32_t die = 0;     // LUN within the target
  uint32_t plane = 0;
  uint32_t block = 0;   // within the plane
  uint32_t page = 0;    // within the block
  bool operator==(const NandAddress& o) const {
    return channel == o.channel && target == o.target && die == o.die && plane == o.plane && block == o.block &&
           page == o.page;
  }
  bool operator!=(const NandAddress& o) const { return !(*this == o); }
};

const char* to_string(PageType t);

class NandGeometry {
 public:
  explicit NandGeometry(const NandConfig& cfg);

  uint32_t channels() const { return channels_; }
  uint32_t targets_per_channel() const { return targets_; }
  uint32_t dies_per_target() const { return luns_; }
  uint32_t planes_per_die() const { return planes_; }
  uint32_t blocks_per_plane() const { return blocks_; }
  uint32_t pages_per_block() const { return pages_; }
  uint32_t page_bytes() const { return page_bytes_; }
  uint32_t pages_per_word_line() const { return bits_; }  // = bits per cell
  uint32_t word_lines_per_block() const { return pages_ / bits_; }

  // Capacity.
  uint32_t dies() const { return channels_ * targets_ * luns_; }
  uint32_t dies_per_channel() const { return targets_ * luns_; }
  uint64_t planes() const { return uint64_t{dies()} * planes_; }
  uint64_t blocks() const { return planes() * blocks_; }
  uint64_t pages() const { return blocks() * pages_; }
  uint64_t block_bytes() const { return uint64_t{pages_} * page_bytes_; }
  uint64_t die_bytes() const { return block_bytes() * blocks_ * planes_; }
  uint64_t raw_bytes() const { return die_bytes() * dies(); }

  /// True when every field is inside the geometry (page against pages_per_block).
  bool contains(const NandAddress& a) const;

  // Dies.
  uint32_t die_index(const NandAddress& a) const { return a.channel + channels_ * (a.target + targets_ * a.die); }
  uint32_t channel_of(uint32_t die_index) const { return die_index % channels_; }
  /// The address of a die (plane, block, page 0).
  NandAddress die_address(uint32_t die_index) const;

  // Flat indices.
  uint64_t block_index(const NandAddress& a) const;  // ignores a.page
  NandAddress block_address(uint64_t block_index) const;
  uint64_t page_index(const NandAddress& a) const;
  NandAddress page_address(uint64_t page_index) const;

  // Pages within a block (native cell mode).
  uint32_t word_line(uint32_t page) const { return page / bits_; }
  uint32_t first_page(uint32_t word_line) const { return word_line * bits_; }
  PageType page_type(uint32_t page) const;

 private:
  uint32_t channels_, targets_, luns_, planes_, blocks_, pages_, page_bytes_, bits_;
};

}  // namespace scnvme::nand
