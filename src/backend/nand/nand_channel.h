// A channel bus: one command, poll or data transfer at a time. Waiting operations are served in
// three classes: short ones first (read and erase commands, status polls: they start or finish
// array work and free dies), then read data out, then program data in (reads before programs);
// arrival order within each class.
#pragma once

#include <cstdint>
#include <deque>

#include <systemc>

namespace scnvme::nand {

struct NandTransaction;

enum class BusOp : uint8_t { Command, DataOut, DataIn, Poll };

struct BusRequest {
  NandTransaction* txn = nullptr;
  BusOp op = BusOp::Command;
  sc_core::sc_time duration;
};

class NandChannel {
 public:
  void request(const BusRequest& r) {
    (r.op == BusOp::DataOut ? data_out_ : r.op == BusOp::DataIn ? data_in_ : short_).push_back(r);
  }
  bool idle() const { return !busy_; }
  bool has_waiting() const { return !short_.empty() || !data_out_.empty() || !data_in_.empty(); }
  /// Starts the next waiting request; the caller schedules its end.
  const BusRequest& start() {
    auto& q = !short_.empty() ? short_ : !data_out_.empty() ? data_out_ : data_in_;
    current_ = q.front();
    q.pop_front();
    busy_ = true;
    return current_;
  }
  /// Ends the current request and returns it.
  BusRequest finish() {
    busy_ = false;
    return current_;
  }

 private:
  std::deque<BusRequest> short_, data_out_, data_in_;
  BusRequest current_;
  bool busy_ = false;
};

}  // namespace scnvme::nand
