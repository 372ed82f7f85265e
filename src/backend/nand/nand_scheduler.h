// The transaction scheduling policy: which queued transaction a die starts next. FlashArray asks
// the policy whenever a die can take work, restricted to the operations the die can start at
// that moment (only reads while its program is suspended, for instance); everything else
// (resources, suspension, the power budget) is the engine's.
//
// Policies: ReadFirstScheduler (the default: reads before programs and erases, FIFO within a
// class with host work ahead of background work; dies are independent, so service is out of
// order across dies) and FifoScheduler
// (arrival order per die, for comparison).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "backend/nand/nand_transaction.h"

namespace scnvme::nand {

/// A set of operation kinds.
struct OpSet {
  bool read = false, program = false, erase = false;
  bool has(NandOp op) const { return op == NandOp::Read ? read : op == NandOp::Program ? program : erase; }
  static OpSet all() { return {true, true, true}; }
};

class NandScheduler {
 public:
  virtual ~NandScheduler() = default;
  /// Queues `t` at die `die`.
  virtual void push(uint32_t die, NandTransaction* t) = 0;
  /// The transaction `die` should start next among queued ones whose op is in `allowed`, or nullptr.
  virtual NandTransaction* peek(uint32_t die, OpSet allowed) const = 0;
  /// Removes `t` (a transaction peek() returned) from the die's queue.
  virtual void pop(uint32_t die, NandTransaction* t) = 0;
  /// Queued transactions of kind `op` at `die`.
  virtual std::size_t queued(uint32_t die, NandOp op) const = 0;
};

/// Reads first, then programs and erases; within each class host transactions before background
/// ones, arrival order otherwise.
class ReadFirstScheduler : public NandScheduler {
 public:
  explicit ReadFirstScheduler(uint32_t dies) : reads_(dies), writes_(dies) {}
  void push(uint32_t die, NandTransaction* t) override;
  NandTransaction* peek(uint32_t die, OpSet allowed) const override;
  void pop(uint32_t die, NandTransaction* t) override;
  std::size_t queued(uint32_t die, NandOp op) const override;

 private:
  std::vector<std::deque<NandTransaction*>> reads_, writes_;  // writes_: programs and erases
};

/// Arrival order: the oldest queued transaction whose op is allowed.
class FifoScheduler : public NandScheduler {
 public:
  explicit FifoScheduler(uint32_t dies) : queues_(dies), counts_(dies) {}
  void push(uint32_t die, NandTransaction* t) override;
  NandTransaction* peek(uint32_t die, OpSet allowed) const override;
  void pop(uint32_t die, NandTransaction* t) override;
  std::size_t queued(uint32_t die, NandOp op) const override;

 private:
  std::vector<std::deque<NandTransaction*>> queues_;
  std::vector<std::array<std::size_t, 3>> counts_;
};

}  // namespace scnvme::nand
