// A channel bus: one command, poll or data transfer at a time. Waiting operations are served in
// three classes: short ones first (read and erase commands, status polls: they start or finish
// array work and free dies), then read data out, then program data in (reads before programs);
// arrival order within each class.
//
// A read's command needs no event of its own when nothing waits for the bus (FlashArray starts
// the read's array time with it): the channel is then busy *until* a known time, and ends the
// command when a later request finds it over, or at that time when a request waits for it
// (finish_due / waking_at).
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
    until_ = false;
    wake_pending_ = false;
    return current_;
  }

  /// The current request ends at `end` with no event scheduled for it (see the header).
  void busy_until(const sc_core::sc_time& end) {
    until_ = true;
    end_ = end;
  }
  /// The current request is one of busy_until().
  bool until() const { return busy_ && until_; }
  /// A busy_until() request over by `now` and with no event for its end: ended here (true). (With
  /// an event, the event ends it.)
  bool finish_due(const sc_core::sc_time& now) {
    if (!until() || wake_pending_ || end_ > now) return false;
    finish();
    return true;
  }
  /// A request waits behind a busy_until() one with no event for its end yet: returns true once
  /// (the caller schedules the channel's end at end()).
  bool needs_wake() {
    if (!until() || wake_pending_ || !has_waiting()) return false;
    wake_pending_ = true;
    return true;
  }
  const sc_core::sc_time& end() const { return end_; }

 private:
  std::deque<BusRequest> short_, data_out_, data_in_;
  BusRequest current_;
  bool busy_ = false;
  bool until_ = false;         // the current request is timed by end_, not by an event
  bool wake_pending_ = false;  // ... and an event for end_ is scheduled
  sc_core::sc_time end_;
};

}  // namespace scnvme::nand
