// Reverse lookup without a reverse map (ReverseMap::Scan): one pass over the mapping table
// collects, for a batch of victim candidates of every die, the LBAs mapped into each. A closed
// block receives no new data, so a list stays a superset of the block's valid units until the
// block is erased; the collector filters it through the mapping table. Memory: the lists of one
// batch (an eighth of each die's native blocks) and 13 bytes per block.
#pragma once

#include <cstdint>
#include <vector>

#include "backend/ftl/block_manager.h"
#include "backend/ftl/mapping_table.h"

namespace scnvme::checkpoint {
class Archive;
}

namespace scnvme::detail::ftl {

class ScanIndex {
 public:
  explicit ScanIndex(const Layout& layout);

  /// Candidates per die a scan prepares.
  uint32_t batch_per_die() const { return batch_per_die_; }
  bool cached(uint32_t gblock) const { return begin_[gblock] != kNone; }
  const uint32_t* begin(uint32_t gblock) const { return lbas_.data() + begin_[gblock]; }
  const uint32_t* end(uint32_t gblock) const { return lbas_.data() + end_[gblock]; }
  /// The cached closed block of `die` with the fewest valid units (kNoBlock if none).
  uint32_t best_cached(const BlockManager& blocks, uint32_t die) const;
  /// Forgets everything and collects the LBAs of `candidates` (closed blocks) in one scan.
  void rebuild(const MappingTable& map, const BlockManager& blocks, const std::vector<uint32_t>& candidates);
  /// The block was erased.
  void drop(uint32_t gblock);
  uint64_t memory_bytes() const;
  /// Checkpoints (flash_checkpoint.cpp): the state, saved or loaded.
  void persist(checkpoint::Archive& a);

 private:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  static constexpr uint32_t kSlice = 16384;  // table entries staged at a time
  const Layout& layout_;
  uint32_t batch_per_die_;
  std::vector<uint32_t> lbas_;
  std::vector<uint32_t> begin_, end_, limit_;   // per global block
  std::vector<std::vector<uint32_t>> cached_;   // per die
  std::vector<uint8_t> is_candidate_;           // per global block + 1 (unmapped)
  std::vector<uint32_t> stage_lba_, stage_block_;
};

}  // namespace scnvme::detail::ftl
