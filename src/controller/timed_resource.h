// A timed resource (a link direction, later a NAND channel or die): a reservation starts when
// both the requester is ready and the resource is free, and occupies it for its duration. The
// requester computes its finish time without waiting and sleeps once, until the last reservation
// it needs; contention between concurrent commands emerges from the shared free time.
#pragma once

#include <algorithm>

#include <systemc>

namespace scnvme::detail {

class TimedResource {
 public:
  /// Reserves `duration` starting no earlier than `earliest`; returns the finish time.
  sc_core::sc_time reserve(const sc_core::sc_time& earliest, const sc_core::sc_time& duration) {
    const sc_core::sc_time start = std::max(earliest, free_at_);
    free_at_ = start + duration;
    busy_ += duration;
    return free_at_;
  }
  sc_core::sc_time free_at() const { return free_at_; }
  /// Total time reserved so far (utilisation = busy / elapsed).
  sc_core::sc_time busy() const { return busy_; }
  void reset() { free_at_ = sc_core::SC_ZERO_TIME; }

 private:
  sc_core::sc_time free_at_ = sc_core::SC_ZERO_TIME;
  sc_core::sc_time busy_ = sc_core::SC_ZERO_TIME;
};

}  // namespace scnvme::detail
