// Block bookkeeping per die: free pools (native and pSLC), block states, valid-unit counts, erase
// counts (wear), the closed pSLC blocks in the order they filled, and the reverse map (the LBA the
// spare area of each programmed unit records) for the blocks that keep one.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "backend/ftl/ftl_geometry.h"

namespace scnvme::checkpoint {
class Archive;
}

namespace scnvme::detail::ftl {

enum class BlockState : uint8_t {
  Free,    // erased, in its die's pool
  Open,    // being written by a stream
  Closed,  // full; a garbage-collection / fold candidate
  Victim,  // collected; erased once its migrated data is programmed
};

struct WearStats {
  uint32_t min = 0;
  uint32_t max = 0;
  double mean = 0.0;
};

class BlockManager {
 public:
  /// keep_native_oob: native blocks keep a reverse map too (ReverseMap::Table).
  BlockManager(const Layout& layout, bool keep_native_oob);

  const Layout& layout() const { return layout_; }
  uint32_t free_blocks(uint32_t die, bool slc) const { return static_cast<uint32_t>(pool(die, slc).size()); }
  /// Takes the least-worn free block of the die's pool (kNoBlock if empty) and opens it.
  uint32_t open_block(uint32_t die, bool slc);
  /// The unit at `offset` of open block `gblock` now holds `lba` (valid).
  void record(uint32_t gblock, uint32_t offset, uint32_t lba) {
    ++valid_[gblock];
    if (!oob_[gblock].empty()) oob_[gblock][offset] = lba;
  }
  /// The unit at `p` no longer holds valid data (overwritten, trimmed or migrated).
  void invalidate(Ppa p) { --valid_[layout_.gblock_of(p)]; }
  /// The unit at `p` (in an open or closed block) holds valid data again (power-loss recovery).
  void revalidate(Ppa p) { ++valid_[layout_.gblock_of(p)]; }
  void close(uint32_t gblock);
  /// Chosen for collection: no longer a candidate; its units are about to move (each leaves the
  /// valid count as it moves, or when the host overwrites or deallocates it first).
  void mark_victim(uint32_t gblock);
  /// Erased: back to its pool, one more P/E cycle.
  void erase(uint32_t gblock);

  BlockState state(uint32_t gblock) const { return state_[gblock]; }
  uint32_t valid(uint32_t gblock) const { return valid_[gblock]; }
  uint32_t erase_count(uint32_t gblock) const { return erase_count_[gblock]; }
  bool has_oob(uint32_t gblock) const { return !oob_[gblock].empty(); }
  /// LBA recorded at each offset (kUnmapped: padding or never written); only if has_oob().
  const uint32_t* oob(uint32_t gblock) const { return oob_[gblock].data(); }
  /// Closed pSLC blocks of a die, oldest first.
  std::deque<uint32_t>& closed_slc(uint32_t die) { return closed_slc_[die]; }
  const std::deque<uint32_t>& closed_slc(uint32_t die) const { return closed_slc_[die]; }
  /// Global block numbers of the die's native blocks: [first, last).
  uint32_t first_native(uint32_t die) const { return layout_.gblock(die, layout_.slc_blocks_per_die); }
  uint32_t end_native(uint32_t die) const { return layout_.gblock(die + 1, 0); }

  WearStats wear(bool slc) const;
  uint64_t memory_bytes() const;
  /// Checkpoints (flash_checkpoint.cpp): the state, saved or loaded.
  void persist(checkpoint::Archive& a);

 private:
  const std::vector<uint32_t>& pool(uint32_t die, bool slc) const { return (slc ? free_slc_ : free_native_)[die]; }

  const Layout& layout_;
  bool keep_native_oob_;
  std::vector<uint32_t> valid_;
  std::vector<uint32_t> erase_count_;
  std::vector<BlockState> state_;
  std::vector<std::vector<uint32_t>> oob_;
  std::vector<std::vector<uint32_t>> free_native_;  // per die
  std::vector<std::vector<uint32_t>> free_slc_;
  std::vector<std::deque<uint32_t>> closed_slc_;
};

}  // namespace scnvme::detail::ftl
