// Free pools (least-worn block first), block states, valid counts, erase counts, reverse maps.
#include "backend/ftl/block_manager.h"

#include <algorithm>
#include <stdexcept>

namespace scnvme::detail::ftl {

BlockManager::BlockManager(const Layout& layout, bool keep_native_oob)
    : layout_(layout),
      keep_native_oob_(keep_native_oob),
      valid_(layout.total_blocks, 0),
      erase_count_(layout.total_blocks, 0),
      state_(layout.total_blocks, BlockState::Free),
      oob_(layout.total_blocks),
      free_native_(layout.dies),
      free_slc_(layout.dies),
      closed_slc_(layout.dies) {
  for (uint32_t d = 0; d < layout.dies; ++d) {
    for (uint32_t b = 0; b < layout.blocks_per_die; ++b) {
      const uint32_t gb = layout.gblock(d, b);
      (layout.is_slc(gb) ? free_slc_ : free_native_)[d].push_back(gb);
    }
  }
}

uint32_t BlockManager::open_block(uint32_t die, bool slc) {
  auto& pool = (slc ? free_slc_ : free_native_)[die];
  if (pool.empty()) return kNoBlock;
  // Dynamic wear levelling: the least-erased free block; ties go to the one freed first.
  auto best = pool.begin();
  for (auto it = pool.begin(); it != pool.end(); ++it) {
    if (erase_count_[*it] < erase_count_[*best]) best = it;
  }
  const uint32_t gb = *best;
  pool.erase(best);
  state_[gb] = BlockState::Open;
  valid_[gb] = 0;
  if (slc || keep_native_oob_) oob_[gb].assign(layout_.block_units(slc), kUnmapped);
  return gb;
}

void BlockManager::close(uint32_t gblock) {
  state_[gblock] = BlockState::Closed;
  if (layout_.is_slc(gblock)) closed_slc_[layout_.die_of(gblock)].push_back(gblock);
}

void BlockManager::mark_victim(uint32_t gblock) {
  state_[gblock] = BlockState::Victim;
  if (layout_.is_slc(gblock)) {
    auto& closed = closed_slc_[layout_.die_of(gblock)];
    const auto it = std::find(closed.begin(), closed.end(), gblock);
    if (it != closed.end()) closed.erase(it);
  }
}

void BlockManager::erase(uint32_t gblock) {
  if (state_[gblock] == BlockState::Free) throw std::logic_error("FTL: erasing a free block");
  state_[gblock] = BlockState::Free;
  valid_[gblock] = 0;
  ++erase_count_[gblock];
  const uint32_t die = layout_.die_of(gblock);
  (layout_.is_slc(gblock) ? free_slc_ : free_native_)[die].push_back(gblock);
}

WearStats BlockManager::wear(bool slc) const {
  WearStats w;
  uint64_t sum = 0, n = 0;
  bool first = true;
  for (uint32_t gb = 0; gb < layout_.total_blocks; ++gb) {
    if (layout_.is_slc(gb) != slc) continue;
    const uint32_t e = erase_count_[gb];
    w.min = first ? e : std::min(w.min, e);
    w.max = first ? e : std::max(w.max, e);
    first = false;
    sum += e;
    ++n;
  }
  w.mean = n ? static_cast<double>(sum) / static_cast<double>(n) : 0.0;
  return w;
}

uint64_t BlockManager::memory_bytes() const {
  uint64_t bytes = uint64_t{layout_.total_blocks} *
                   (sizeof(uint32_t) * 2 + sizeof(BlockState) + sizeof(std::vector<uint32_t>) + sizeof(uint32_t));
  for (const auto& o : oob_) bytes += o.capacity() * sizeof(uint32_t);
  return bytes;
}

}  // namespace scnvme::detail::ftl
