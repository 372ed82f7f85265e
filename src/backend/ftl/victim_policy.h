// Garbage-collection victim policy: which closed native block of a die to collect next.
#pragma once

#include <cstdint>
#include <vector>

#include "backend/ftl/block_manager.h"

namespace scnvme::detail::ftl {

class VictimPolicy {
 public:
  virtual ~VictimPolicy() = default;
  /// The closed native block of `die` to collect next; kNoBlock if there is none.
  virtual uint32_t select(const BlockManager& blocks, uint32_t die) const = 0;
  /// Up to `n` closed native blocks of `die`, in the order select() would take them now
  /// (a batched reverse lookup prepares them together).
  virtual void candidates(const BlockManager& blocks, uint32_t die, uint32_t n, std::vector<uint32_t>& out) const = 0;
};

/// Greedy: the block with the fewest valid units; ties go to the least-worn, then the lowest.
class GreedyVictimPolicy : public VictimPolicy {
 public:
  uint32_t select(const BlockManager& blocks, uint32_t die) const override;
  void candidates(const BlockManager& blocks, uint32_t die, uint32_t n, std::vector<uint32_t>& out) const override;
};

}  // namespace scnvme::detail::ftl
