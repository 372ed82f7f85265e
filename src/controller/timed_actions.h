// Side effects scheduled for a later simulated time. Register and doorbell writes arrive through
// b_transport, which never waits: their consequences are queued here for now + delay and applied
// by one SC_METHOD, in time order (and in arrival order at equal times).
//
// Timers (a keep-alive expiry, a coalescing deadline, the end of a self-test) carry a Timer tag:
// they are plain data, so a checkpoint saves them and a restore re-creates their functions. Any
// other action pending means the controller is not at a quiescent point.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include <systemc>

#include "scnvme/checkpoint.h"
#include "sim_now.h"

namespace scnvme::detail {

/// What a timer action does, as data: `kind` chosen by the owner, with two arguments.
struct Timer {
  uint8_t kind = 0;  // 0: not a timer
  uint64_t a = 0, b = 0;
};

class TimedActions {
 public:
  TimedActions() {
    sc_core::sc_spawn_options opts;
    opts.spawn_method();
    opts.set_sensitivity(&due_);
    opts.dont_initialize();
    sc_core::sc_spawn([this] { run_due(); }, sc_core::sc_gen_unique_name("timed_actions"), &opts);
  }

  void at(const sc_core::sc_time& delay, std::function<void()> fn, Timer timer = Timer{}) {
    push(sim_now() + delay, next_seq_++, std::move(fn), timer);
  }

  void clear() { queue_.clear(); }

  /// Pending actions that are not timers.
  std::size_t pending_actions() const {
    return static_cast<std::size_t>(std::count_if(queue_.begin(), queue_.end(), [](const Action& x) { return x.timer.kind == 0; }));
  }
  /// The pending timers (saved), or re-created by `make` from the saved ones (loaded: the queue
  /// must be empty of other actions).
  void persist(checkpoint::Archive& a, const std::function<std::function<void()>(const Timer&)>& make) {
    std::vector<Action> timers;
    for (const Action& x : queue_)
      if (x.timer.kind != 0) timers.push_back({x.when, x.seq, {}, x.timer});
    std::sort(timers.begin(), timers.end(), [](const Action& x, const Action& y) { return x.seq < y.seq; });
    std::size_t n = a.count(timers.size());
    if (a.loading()) timers.resize(n);
    for (Action& x : timers) {
      a.io(x.when);
      a.io(x.seq);
      a.io(x.timer.kind);
      a.io(x.timer.a);
      a.io(x.timer.b);
    }
    a.io(next_seq_);
    if (!a.loading()) return;
    queue_.clear();
    for (Action& x : timers) {
      if (x.when < sim_now()) a.fail("a timer is due before the checkpoint's time");
      push(x.when, x.seq, make(x.timer), x.timer);
    }
  }

 private:
  struct Action {
    sc_core::sc_time when;
    uint64_t seq;  // arrival order among actions due at the same time
    std::function<void()> fn;
    Timer timer;
  };
  void push(const sc_core::sc_time& when, uint64_t seq, std::function<void()> fn, Timer timer) {
    const bool earliest = queue_.empty() || when < queue_.front().when;
    queue_.push_back({when, seq, std::move(fn), timer});
    std::push_heap(queue_.begin(), queue_.end(), Later{});
    // Otherwise the pending notification comes first anyway.
    if (earliest) due_.notify(when - sim_now());
  }
  struct Later {
    bool operator()(const Action& a, const Action& b) const { return a.when != b.when ? a.when > b.when : a.seq > b.seq; }
  };

  void run_due() {
    while (!queue_.empty() && queue_.front().when <= sim_now()) {
      std::pop_heap(queue_.begin(), queue_.end(), Later{});
      auto fn = std::move(queue_.back().fn);
      queue_.pop_back();
      fn();
    }
    if (!queue_.empty()) due_.notify(queue_.front().when - sim_now());
  }

  std::vector<Action> queue_;  // a min-heap by (when, seq)
  uint64_t next_seq_ = 0;
  sc_core::sc_event due_;
};

}  // namespace scnvme::detail
