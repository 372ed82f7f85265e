// One branch-free pass over the mapping table distributes the LBAs of the candidate blocks.
#include "backend/ftl/scan_index.h"

#include <algorithm>
#include <stdexcept>

namespace scnvme::detail::ftl {

ScanIndex::ScanIndex(const Layout& layout)
    : layout_(layout),
      batch_per_die_(std::max<uint32_t>(1, (layout.blocks_per_die - layout.slc_blocks_per_die) / 8)),
      begin_(layout.total_blocks, kNone),
      end_(layout.total_blocks, kNone),
      limit_(layout.total_blocks, 0),
      cached_(layout.dies),
      is_candidate_(size_t{layout.total_blocks} + 1, 0),
      stage_lba_(kSlice),
      stage_block_(kSlice) {}

uint32_t ScanIndex::best_cached(const BlockManager& blocks, uint32_t die) const {
  uint32_t best = kNoBlock;
  for (uint32_t gb : cached_[die]) {
    if (blocks.state(gb) != BlockState::Closed) continue;
    if (best == kNoBlock || blocks.valid(gb) < blocks.valid(best)) best = gb;
  }
  return best;
}

void ScanIndex::rebuild(const MappingTable& map, const BlockManager& blocks, const std::vector<uint32_t>& candidates) {
  for (auto& c : cached_) {
    for (uint32_t gb : c) begin_[gb] = end_[gb] = kNone;
    c.clear();
  }
  uint64_t total = 0;
  for (uint32_t gb : candidates) total += blocks.valid(gb);
  // Capacity for a full batch at once, so that the lists never take more than that.
  if (lbas_.capacity() == 0) lbas_.reserve(uint64_t{layout_.dies} * batch_per_die_ * layout_.units_per_block);
  lbas_.resize(total);
  std::fill(is_candidate_.begin(), is_candidate_.end(), 0);
  uint32_t offset = 0;
  for (uint32_t gb : candidates) {
    begin_[gb] = end_[gb] = offset;  // end_ is the fill cursor until the scan is over
    offset += blocks.valid(gb);
    limit_[gb] = offset;
    is_candidate_[gb] = 1;
    cached_[layout_.die_of(gb)].push_back(gb);
  }
  // Pass 1 (branch-free) stages the entries of candidate blocks of a slice of the table; pass 2
  // appends them to their block's list.
  const uint32_t shift = layout_.slot_bits;
  const uint32_t none = layout_.total_blocks;  // unmapped entries land here (never a candidate)
  const uint8_t* cand = is_candidate_.data();
  map.for_each_chunk([&](uint64_t first, const uint32_t* e, uint32_t n) {
    for (uint32_t lo = 0; lo < n; lo += kSlice) {
      const uint32_t hi = std::min(n, lo + kSlice);
      uint32_t m = 0;
      for (uint32_t i = lo; i < hi; ++i) {
        const uint32_t b = std::min(e[i] >> shift, none);
        stage_lba_[m] = static_cast<uint32_t>(first) + i;
        stage_block_[m] = b;
        m += cand[b];
      }
      for (uint32_t j = 0; j < m; ++j) {
        uint32_t& e = end_[stage_block_[j]];
        if (e == limit_[stage_block_[j]]) throw std::logic_error("FTL: valid count differs from the mapping table");
        lbas_[e++] = stage_lba_[j];
      }
    }
  });
  for (uint32_t gb : candidates) {
    if (end_[gb] - begin_[gb] != blocks.valid(gb)) throw std::logic_error("FTL: valid count differs from the mapping table");
  }
}

void ScanIndex::drop(uint32_t gblock) {
  if (begin_[gblock] == kNone) return;
  begin_[gblock] = end_[gblock] = kNone;
  auto& c = cached_[layout_.die_of(gblock)];
  c.erase(std::find(c.begin(), c.end(), gblock));
}

uint64_t ScanIndex::memory_bytes() const {
  uint64_t bytes = (lbas_.capacity() + begin_.size() + end_.size() + limit_.size() + 2 * kSlice) * sizeof(uint32_t) +
                   is_candidate_.size();
  for (const auto& c : cached_) bytes += c.capacity() * sizeof(uint32_t);
  return bytes;
}

}  // namespace scnvme::detail::ftl
