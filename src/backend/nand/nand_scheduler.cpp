// The scheduling policies of nand_scheduler.h.
#include "backend/nand/nand_scheduler.h"

#include <algorithm>

namespace scnvme::nand {
namespace {

using Queue = std::deque<NandTransaction*>;

NandTransaction* first_allowed(const Queue& q, OpSet allowed) {
  for (NandTransaction* t : q) {
    if (allowed.has(t->op)) return t;
  }
  return nullptr;
}

void remove(Queue& q, NandTransaction* t) {
  if (!q.empty() && q.front() == t) {
    q.pop_front();
    return;
  }
  const auto it = std::find(q.begin(), q.end(), t);
  if (it != q.end()) q.erase(it);
}

}  // namespace

void ReadFirstScheduler::push(uint32_t die, NandTransaction* t) {
  Queue& q = (t->op == NandOp::Read ? reads_ : writes_)[die];
  if (t->background || q.empty() || !q.back()->background) {
    q.push_back(t);
    return;
  }
  // Host work goes ahead of queued background work, behind earlier host work.
  q.insert(std::find_if(q.begin(), q.end(), [](const NandTransaction* x) { return x->background; }), t);
}

NandTransaction* ReadFirstScheduler::peek(uint32_t die, OpSet allowed) const {
  if (allowed.read && !reads_[die].empty()) return reads_[die].front();
  if (!allowed.program && !allowed.erase) return nullptr;
  return first_allowed(writes_[die], allowed);
}

void ReadFirstScheduler::pop(uint32_t die, NandTransaction* t) {
  remove(t->op == NandOp::Read ? reads_[die] : writes_[die], t);
}

std::size_t ReadFirstScheduler::queued(uint32_t die, NandOp op) const {
  if (op == NandOp::Read) return reads_[die].size();
  const auto& q = writes_[die];
  return static_cast<std::size_t>(std::count_if(q.begin(), q.end(), [op](const NandTransaction* t) { return t->op == op; }));
}

void FifoScheduler::push(uint32_t die, NandTransaction* t) {
  queues_[die].push_back(t);
  ++counts_[die][static_cast<unsigned>(t->op)];
}

NandTransaction* FifoScheduler::peek(uint32_t die, OpSet allowed) const { return first_allowed(queues_[die], allowed); }

void FifoScheduler::pop(uint32_t die, NandTransaction* t) {
  remove(queues_[die], t);
  --counts_[die][static_cast<unsigned>(t->op)];
}

std::size_t FifoScheduler::queued(uint32_t die, NandOp op) const { return counts_[die][static_cast<unsigned>(op)]; }

}  // namespace scnvme::nand
