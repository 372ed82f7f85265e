// Puts trace changes announced ahead of time, and out of order, into time order: absolute values
// and count deltas go in, and once simulation time has passed an instant, the signals whose
// value changed at it come out, each once with its final value there. VcdWriter writes them as
// value changes, PerfettoWriter as counter events.
#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

namespace scnvme::detail {

class ChangeOrder {
 public:
  /// A new signal; `boolean`: its value is 1 while its count is positive (a busy line).
  int add_signal(bool boolean) {
    signals_.push_back(Signal{boolean, 0, 0, false});
    return static_cast<int>(signals_.size() - 1);
  }
  std::size_t size() const { return signals_.size(); }
  void set(uint64_t at, int id, uint64_t value) { pending_.push(Change{at, seq_++, id, true, static_cast<int64_t>(value)}); }
  void add(uint64_t at, int id, int64_t delta) { pending_.push(Change{at, seq_++, id, false, delta}); }
  /// Emits emit(at, id, value) for every change before `limit` (time-resolution units), in time
  /// order, one per signal and instant, skipping values equal to the last emitted one.
  template <typename Emit>
  void flush_before(uint64_t limit, Emit&& emit) {
    while (!pending_.empty() && pending_.top().at < limit) {
      const uint64_t at = pending_.top().at;
      while (!pending_.empty() && pending_.top().at == at) {
        const Change c = pending_.top();
        pending_.pop();
        Signal& s = signals_[static_cast<std::size_t>(c.id)];
        if (c.absolute) s.count = c.value;
        else s.count += c.value;
        if (!s.touched) {
          s.touched = true;
          touched_.push_back(c.id);
        }
      }
      for (const int id : touched_) {
        Signal& s = signals_[static_cast<std::size_t>(id)];
        s.touched = false;
        const uint64_t v = s.count <= 0 ? 0 : s.boolean ? 1 : static_cast<uint64_t>(s.count);
        if (v == s.emitted) continue;
        s.emitted = v;
        emit(at, id, v);
      }
      touched_.clear();
    }
  }
  bool empty() const { return pending_.empty(); }
  uint64_t next_at() const { return pending_.top().at; }

 private:
  struct Signal {
    bool boolean;
    int64_t count;     // as of the instant being flushed
    uint64_t emitted;  // last value emitted
    bool touched;      // changed at the instant being flushed
  };
  struct Change {
    uint64_t at;       // time-resolution units
    uint64_t seq;      // announcement order among changes at one instant
    int id;
    bool absolute;     // set(): value; add(): delta
    int64_t value;
    bool operator>(const Change& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };

  std::vector<Signal> signals_;
  std::priority_queue<Change, std::vector<Change>, std::greater<Change>> pending_;
  std::vector<int> touched_;
  uint64_t seq_ = 0;
};

}  // namespace scnvme::detail
