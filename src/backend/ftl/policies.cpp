// The shipped policies: round-robin / least-busy die selection, greedy victim choice.
#include <algorithm>

#include "backend/ftl/die_selector.h"
#include "backend/ftl/victim_policy.h"

namespace scnvme::detail::ftl {

uint32_t LeastBusyDieSelector::next(uint32_t previous, uint32_t dies) {
  uint32_t best = (previous + 1) % dies;
  uint64_t best_t = busy_until_(best);
  for (uint32_t i = 2; i <= dies; ++i) {
    const uint32_t d = (previous + i) % dies;
    const uint64_t t = busy_until_(d);
    if (t < best_t) {
      best = d;
      best_t = t;
    }
  }
  return best;
}

namespace {

bool greedy_before(const BlockManager& b, uint32_t x, uint32_t y) {
  if (b.valid(x) != b.valid(y)) return b.valid(x) < b.valid(y);
  if (b.erase_count(x) != b.erase_count(y)) return b.erase_count(x) < b.erase_count(y);
  return x < y;
}

}  // namespace

uint32_t GreedyVictimPolicy::select(const BlockManager& blocks, uint32_t die) const {
  uint32_t best = kNoBlock;
  for (uint32_t gb = blocks.first_native(die), end = blocks.end_native(die); gb < end; ++gb) {
    if (blocks.state(gb) != BlockState::Closed) continue;
    if (best == kNoBlock || greedy_before(blocks, gb, best)) best = gb;
  }
  return best;
}

void GreedyVictimPolicy::candidates(const BlockManager& blocks, uint32_t die, uint32_t n,
                                    std::vector<uint32_t>& out) const {
  std::vector<uint32_t> closed;
  for (uint32_t gb = blocks.first_native(die), end = blocks.end_native(die); gb < end; ++gb) {
    if (blocks.state(gb) == BlockState::Closed) closed.push_back(gb);
  }
  auto less = [&](uint32_t x, uint32_t y) { return greedy_before(blocks, x, y); };
  const size_t k = std::min<size_t>(n, closed.size());
  std::partial_sort(closed.begin(), closed.begin() + static_cast<std::ptrdiff_t>(k), closed.end(), less);
  out.insert(out.end(), closed.begin(), closed.begin() + static_cast<std::ptrdiff_t>(k));
}

}  // namespace scnvme::detail::ftl
