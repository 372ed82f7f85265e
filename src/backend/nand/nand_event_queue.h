// The engine's timed events, in time order (and submission order at equal times). One SC_METHOD
// drains the due ones; a die's array event carries a generation so a suspension can cancel it.
#pragma once

#include <cstdint>
#include <queue>
#include <vector>

#include <systemc>

namespace scnvme::nand {

struct NandTransaction;

enum class EventKind : uint8_t {
  ChannelDone,  // the operation on channel `index` finished
  ArrayDone,    // die `index`'s array operation (generation `gen`) finished
  SuspendDone,  // die `index` finished suspending its program/erase
  Arrive,       // `txn`, submitted with a delay, reaches its die's queue
};

struct NandEvent {
  sc_core::sc_time when;
  uint64_t seq;
  EventKind kind;
  uint32_t index;
  uint32_t gen;
  NandTransaction* txn;
};

class NandEventQueue {
 public:
  void push(const sc_core::sc_time& when, EventKind kind, uint32_t index, uint32_t gen = 0, NandTransaction* txn = nullptr) {
    heap_.push(NandEvent{when, seq_++, kind, index, gen, txn});
  }
  bool empty() const { return heap_.empty(); }
  const sc_core::sc_time& next() const { return heap_.top().when; }
  NandEvent pop() {
    NandEvent e = heap_.top();
    heap_.pop();
    return e;
  }

 private:
  struct Later {
    bool operator()(const NandEvent& a, const NandEvent& b) const {
      return a.when != b.when ? a.when > b.when : a.seq > b.seq;
    }
  };
  std::priority_queue<NandEvent, std::vector<NandEvent>, Later> heap_;
  uint64_t seq_ = 0;
};

}  // namespace scnvme::nand
