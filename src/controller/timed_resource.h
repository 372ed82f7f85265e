// Timed resources. A reservation starts no earlier than when the requester is ready and occupies
// the resource for its duration; the requester computes its finish time without waiting and
// sleeps once, until the last reservation it needs. Contention between concurrent commands
// emerges from the shared occupancy.
//
// TimedResource serves one request at a time, in reservation order (a DMA engine, later a NAND
// die). InterleavedResource is a wire that carries many requests' packets interleaved (a PCIe
// link direction, later a flash channel's bus): a reservation fills the idle time after its start,
// including gaps left before reservations made earlier for later times, until its duration is
// covered; it never delays what was reserved before it. A single packet (an SQE fetch, a CQE, an
// interrupt message, a read request) does not queue behind bulk transfers planned ahead: on a real
// wire it goes out between their packets, waiting at most for the one being sent; its time is
// added to the end of the backlog, so the capacity used stays exact.
#pragma once

#include <algorithm>
#include <vector>

#include <systemc>

#include "scnvme/checkpoint.h"
#include "trace/trace_signal.h"
#include "sim_now.h"

namespace scnvme::detail {

class TimedResource {
 public:
  /// Reserves `duration` starting no earlier than `earliest`; returns the finish time.
  sc_core::sc_time reserve(const sc_core::sc_time& earliest, const sc_core::sc_time& duration) {
    const sc_core::sc_time start = std::max(earliest, free_at_);
    free_at_ = start + duration;
    busy_ += duration;
    if (trace_) trace_->busy(start, free_at_, what_);
    return free_at_;
  }
  /// Reports every reservation to `signal` as a busy interval named `what` (static text).
  void trace_to(const TraceSignal* signal, const char* what) {
    trace_ = signal && signal->on() ? signal : nullptr;
    what_ = what;
  }
  sc_core::sc_time free_at() const { return free_at_; }
  /// Total time reserved so far (utilisation = busy / elapsed).
  sc_core::sc_time busy() const { return busy_; }
  void persist(checkpoint::Archive& a) {
    a.io(free_at_);
    a.io(busy_);
  }

 private:
  sc_core::sc_time free_at_ = sc_core::SC_ZERO_TIME;
  sc_core::sc_time busy_ = sc_core::SC_ZERO_TIME;
  const TraceSignal* trace_ = nullptr;
  const char* what_ = nullptr;
};

class InterleavedResource {
 public:
  /// Reserves `duration` of idle time from `earliest` on; returns when the last of it ends.
  sc_core::sc_time reserve(const sc_core::sc_time& earliest, const sc_core::sc_time& duration) {
    busy_time_ += duration;
    prune();  // forget what lies in the past
    sc_core::sc_time t = earliest;
    sc_core::sc_time remaining = duration;
    if (remaining == sc_core::SC_ZERO_TIME) return t;
    // The first busy interval that ends after `t`.
    std::size_t i = first_;
    while (i < busy_.size() && busy_[i].end <= t) ++i;
    for (;;) {
      if (i < busy_.size() && busy_[i].start <= t) {  // busy at t: skip to its end
        t = busy_[i].end;
        ++i;
        continue;
      }
      // Idle from t until interval i (or forever): occupy [t, end), merging with the interval
      // ending at t and the one starting at end.
      const bool bounded = i < busy_.size();
      const sc_core::sc_time take = bounded ? std::min(remaining, busy_[i].start - t) : remaining;
      const sc_core::sc_time end = t + take;
      remaining -= take;
      if (trace_) trace_->busy(t, end, what_);
      const bool joins_before = i > first_ && busy_[i - 1].end == t;
      const bool joins_after = bounded && busy_[i].start == end;
      if (joins_before && joins_after) {
        busy_[i - 1].end = busy_[i].end;
        busy_.erase(busy_.begin() + static_cast<std::ptrdiff_t>(i));
        --i;
      } else if (joins_before) {
        busy_[i - 1].end = end;
        --i;
      } else if (joins_after) {
        busy_[i].start = t;
      } else {
        busy_.insert(busy_.begin() + static_cast<std::ptrdiff_t>(i), Interval{t, end});
      }
      if (remaining == sc_core::SC_ZERO_TIME) return end;
      t = busy_[i].end;
      ++i;
    }
  }
  /// A single packet of `duration` ready at `earliest`, waiting at most `max_wait` for the packet
  /// on the wire; returns when it has been sent.
  sc_core::sc_time reserve_packet(const sc_core::sc_time& earliest, const sc_core::sc_time& duration,
                                  const sc_core::sc_time& max_wait) {
    prune();
    std::size_t i = first_;
    while (i < busy_.size() && busy_[i].end <= earliest) ++i;
    if (i == busy_.size() || busy_[i].start > earliest) return reserve(earliest, duration);
    busy_time_ += duration;
    if (trace_) trace_->busy(busy_.back().end, busy_.back().end + duration, what_);
    busy_.back().end += duration;  // the backlog moves back by the packet
    return earliest + std::min(busy_[i].end - earliest, max_wait) + duration;
  }
  /// Total time reserved so far (utilisation = busy / elapsed).
  sc_core::sc_time busy() const { return busy_time_; }
  /// Reports the time it fills to `signal` as busy intervals named `what` (static text).
  void trace_to(const TraceSignal* signal, const char* what) {
    trace_ = signal && signal->on() ? signal : nullptr;
    what_ = what;
  }
  void persist(checkpoint::Archive& a) {
    prune();
    std::size_t n = a.count(busy_.size() - first_);
    if (a.loading()) {
      busy_.assign(n, Interval{});
      first_ = 0;
    }
    for (std::size_t i = first_; i < busy_.size(); ++i) {
      a.io(busy_[i].start);
      a.io(busy_[i].end);
    }
    a.io(busy_time_);
  }

 private:
  struct Interval {
    sc_core::sc_time start, end;
  };
  void prune() {
    const sc_core::sc_time now = sim_now();
    while (first_ < busy_.size() && busy_[first_].end <= now) ++first_;
    if (first_ > 64 || first_ == busy_.size()) {  // drop the dead prefix now and then
      busy_.erase(busy_.begin(), busy_.begin() + static_cast<std::ptrdiff_t>(first_));
      first_ = 0;
    }
  }

  std::vector<Interval> busy_;  // from first_ on: disjoint, not touching, in time order
  std::size_t first_ = 0;
  sc_core::sc_time busy_time_ = sc_core::SC_ZERO_TIME;
  const TraceSignal* trace_ = nullptr;
  const char* what_ = nullptr;
};

}  // namespace scnvme::detail
