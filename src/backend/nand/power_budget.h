// The power budget: at most `limit` dies in an array operation (tR, tPROG, tBERS) at once. A die
// takes a token before its array operation starts (before the read/erase command goes out, or
// before tPROG) and returns it when the operation ends or is suspended. Waiting dies get freed
// tokens reads first, then in request order.
#pragma once

#include <cstdint>
#include <deque>

namespace scnvme::checkpoint {
class Archive;
}

namespace scnvme::nand {

class PowerBudget {
 public:
  /// Checkpoints (backend/flash/flash_checkpoint.cpp): the state, saved or loaded.
  void persist(checkpoint::Archive& a);
  static constexpr uint32_t kNone = UINT32_MAX;

  explicit PowerBudget(uint32_t limit) : limit_(limit) {}

  /// True when `die` got a token now; otherwise it is queued until release() hands it one.
  bool acquire(uint32_t die, bool read) {
    if (limit_ == 0) return true;
    if (busy_ < limit_) {
      ++busy_;
      return true;
    }
    (read ? reads_ : others_).push_back(die);
    return false;
  }
  /// Returns a token; the die it passes to (or kNone).
  uint32_t release() {
    if (limit_ == 0) return kNone;
    auto& q = !reads_.empty() ? reads_ : others_;
    if (q.empty()) {
      --busy_;
      return kNone;
    }
    const uint32_t die = q.front();
    q.pop_front();
    return die;
  }
  uint32_t busy() const { return busy_; }

 private:
  uint32_t limit_;
  uint32_t busy_ = 0;
  std::deque<uint32_t> reads_, others_;
};

}  // namespace scnvme::nand
