// Side effects scheduled for a later simulated time. Register and doorbell writes arrive through
// b_transport, which never waits: their consequences are queued here for now + delay and applied
// by one SC_METHOD, in time order (and in arrival order at equal times).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include <systemc>

namespace scnvme::detail {

class TimedActions {
 public:
  TimedActions() {
    sc_core::sc_spawn_options opts;
    opts.spawn_method();
    opts.set_sensitivity(&due_);
    opts.dont_initialize();
    sc_core::sc_spawn([this] { run_due(); }, sc_core::sc_gen_unique_name("timed_actions"), &opts);
  }

  void at(const sc_core::sc_time& delay, std::function<void()> fn) {
    const sc_core::sc_time when = sc_core::sc_time_stamp() + delay;
    const bool earliest = queue_.empty() || when < queue_.front().when;
    queue_.push_back({when, next_seq_++, std::move(fn)});
    std::push_heap(queue_.begin(), queue_.end(), Later{});
    if (earliest) due_.notify(delay);  // otherwise the pending notification comes first anyway
  }

  void clear() { queue_.clear(); }

 private:
  struct Action {
    sc_core::sc_time when;
    uint64_t seq;  // arrival order among actions due at the same time
    std::function<void()> fn;
  };
  struct Later {
    bool operator()(const Action& a, const Action& b) const { return a.when != b.when ? a.when > b.when : a.seq > b.seq; }
  };

  void run_due() {
    while (!queue_.empty() && queue_.front().when <= sc_core::sc_time_stamp()) {
      std::pop_heap(queue_.begin(), queue_.end(), Later{});
      auto fn = std::move(queue_.back().fn);
      queue_.pop_back();
      fn();
    }
    if (!queue_.empty()) due_.notify(queue_.front().when - sc_core::sc_time_stamp());
  }

  std::vector<Action> queue_;  // a min-heap by (when, seq)
  uint64_t next_seq_ = 0;
  sc_core::sc_event due_;
};

}  // namespace scnvme::detail
