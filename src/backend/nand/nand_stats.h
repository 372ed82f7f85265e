// Statistics of a FlashArray: utilisation of dies and channels, queue depths, operation counts.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include <systemc>

namespace scnvme::checkpoint {
class Archive;
}

namespace scnvme::nand {

/// A count that changes over time: current, maximum and time-weighted mean since time 0.
struct DepthStats {
  uint64_t current = 0;
  uint64_t max = 0;
  double mean = 0.0;
};

/// Integrates a level over simulated time.
class DepthTracker {
 public:
  /// Checkpoints (backend/flash/flash_checkpoint.cpp): the state, saved or loaded.
  void persist(checkpoint::Archive& a);
  void change(int64_t delta, const sc_core::sc_time& now) {
    advance(now);
    level_ = static_cast<uint64_t>(static_cast<int64_t>(level_) + delta);
    max_ = std::max(max_, level_);
  }
  DepthStats at(const sc_core::sc_time& now) const {
    const double elapsed = now.to_seconds();
    const double area = area_ + double(level_) * (now - last_).to_seconds();
    return {level_, max_, elapsed > 0.0 ? area / elapsed : double(level_)};
  }

 private:
  void advance(const sc_core::sc_time& now) {
    area_ += double(level_) * (now - last_).to_seconds();
    last_ = now;
  }
  uint64_t level_ = 0, max_ = 0;
  double area_ = 0.0;  // level x seconds
  sc_core::sc_time last_;
};

struct NandDieStats {
  sc_core::sc_time array_busy;  // in tR / tPROG / tBERS (suspend and resume overheads included)
  sc_core::sc_time held;        // owned by an operation (array phase, waiting for the bus, transfers)
  DepthStats depth;             // transactions submitted to the die and not yet complete
  uint64_t reads = 0, programs = 0, erases = 0;  // completed
  uint64_t suspends = 0;
};

struct NandChannelStats {
  sc_core::sc_time busy;        // commands, polls and data transfers on the bus
  uint64_t bytes_in = 0;        // data in (programs)
  uint64_t bytes_out = 0;       // data out (reads)
};

struct NandStats {
  std::vector<NandDieStats> dies;
  std::vector<NandChannelStats> channels;
  DepthStats in_flight;         // all transactions submitted and not complete
  uint64_t reads = 0, programs = 0, erases = 0;  // completed
  uint64_t pages_read = 0, pages_programmed = 0, blocks_erased = 0;  // counting planes
  uint64_t retries = 0;         // read retries of completed reads
  uint64_t suspends = 0;
  uint64_t power_waits = 0;     // array operations that waited for the power budget
};

}  // namespace scnvme::nand
