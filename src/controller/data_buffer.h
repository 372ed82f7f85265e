// The controller's internal data buffer (SRAM/DRAM staging between host DMA and the backend): a
// command holds its transfer's bytes (at most the whole buffer: a larger transfer streams through
// it) from the start of its data phase until it leaves its slot. Requests are served in arrival
// order; while one waits the buffer is exhausted and the fetcher stops taking new commands.
// Occupancy is integrated over time for the utilisation report.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>

#include <systemc>

#include "scnvme/checkpoint.h"
#include "trace/trace_signal.h"
#include "sim_now.h"

namespace scnvme::detail {

class DataBuffer {
 public:
  explicit DataBuffer(uint64_t capacity) : capacity_(capacity) {}

  uint64_t capacity() const { return capacity_; }
  uint64_t in_use() const { return in_use_; }
  uint64_t peak() const { return peak_; }
  /// True while a request waits for space (the fetcher holds back).
  bool exhausted() const { return !waiting_.empty(); }
  /// Fired when space is freed while requests wait, or the head of the wait line changes.
  const sc_core::sc_event& changed() const { return changed_; }

  /// Bytes a request of `bytes` actually holds.
  uint64_t share(uint64_t bytes) const { return std::min(bytes, capacity_); }

  /// Takes `bytes` for `who` if it is first in line (or nobody waits) and they fit; otherwise puts
  /// `who` in line (once) and returns false: call again after changed().
  bool try_acquire(const void* who, uint64_t bytes) {
    bytes = share(bytes);
    const bool first = waiting_.empty() || waiting_.front() == who;
    if (first && in_use_ + bytes <= capacity_) {
      if (!waiting_.empty()) {
        waiting_.pop_front();
        changed_.notify(sc_core::SC_ZERO_TIME);
      }
      account();
      in_use_ += bytes;
      peak_ = std::max(peak_, in_use_);
      if (trace_) trace_->set(in_use_ / trace_unit_);
      return true;
    }
    if (std::find(waiting_.begin(), waiting_.end(), who) == waiting_.end()) waiting_.push_back(who);
    return false;
  }
  /// Leaves the line without taking anything (the command was reset).
  void cancel(const void* who) {
    auto it = std::find(waiting_.begin(), waiting_.end(), who);
    if (it == waiting_.end()) return;
    waiting_.erase(it);
    changed_.notify(sc_core::SC_ZERO_TIME);
  }
  void release(uint64_t bytes) {
    if (bytes == 0) return;
    account();
    in_use_ -= std::min(bytes, in_use_);
    if (trace_) trace_->set(in_use_ / trace_unit_);
    if (!waiting_.empty()) changed_.notify(sc_core::SC_ZERO_TIME);  // only a waiter cares
  }

  /// Reports the occupancy (in units of `unit` bytes) to `signal` from now on.
  void trace_to(const TraceSignal* signal, uint64_t unit = 1) {
    trace_ = signal && signal->on() ? signal : nullptr;
    trace_unit_ = unit ? unit : 1;
  }

  /// Integral of the occupancy over simulated time, up to now (byte-seconds).
  double byte_seconds() const {
    const double units = byte_units_ + static_cast<double>(in_use_) * static_cast<double>((sim_now() - since_).value());
    return units * sc_core::sc_get_time_resolution().to_seconds();
  }
  /// Occupancy figures (saved at a quiescent point: nothing held, nobody waiting).
  void persist(checkpoint::Archive& a) {
    a.expect(capacity_, "data buffer capacity");
    a.io(in_use_);
    a.io(peak_);
    a.io(byte_units_);
    a.io(since_);
  }

 private:
  void account() {
    const sc_core::sc_time now = sim_now();
    byte_units_ += static_cast<double>(in_use_) * static_cast<double>((now - since_).value());
    since_ = now;
  }

  uint64_t capacity_;
  uint64_t in_use_ = 0;
  uint64_t peak_ = 0;
  std::deque<const void*> waiting_;
  sc_core::sc_event changed_;
  const TraceSignal* trace_ = nullptr;
  uint64_t trace_unit_ = 1;
  double byte_units_ = 0;  // byte x time-resolution units
  sc_core::sc_time since_;
};

}  // namespace scnvme::detail
