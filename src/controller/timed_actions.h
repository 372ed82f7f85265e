// Side effects scheduled for a later simulated time. Register and doorbell writes arrive through
// b_transport, which never waits: their consequences are queued here for now + delay and applied
// by one SC_METHOD, in time order (and in arrival order at equal times).
#pragma once

#include <functional>
#include <map>

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
    queue_.emplace(when, std::move(fn));
    due_.notify(queue_.begin()->first - sc_core::sc_time_stamp());
  }

  void clear() { queue_.clear(); }

 private:
  void run_due() {
    while (!queue_.empty() && queue_.begin()->first <= sc_core::sc_time_stamp()) {
      auto fn = std::move(queue_.begin()->second);
      queue_.erase(queue_.begin());
      fn();
    }
    if (!queue_.empty()) due_.notify(queue_.begin()->first - sc_core::sc_time_stamp());
  }

  std::multimap<sc_core::sc_time, std::function<void()>> queue_;
  sc_core::sc_event due_;
};

}  // namespace scnvme::detail
