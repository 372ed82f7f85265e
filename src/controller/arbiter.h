// Command arbitration (NVMe Base 2.0, 3.4.4): which submission queue the fetch engine serves next
// and how many commands it takes from it back to back (the Arbitration Burst). The mechanism is
// chosen by CC.AMS at enable: round robin (000b) or weighted round robin with urgent priority
// class (001b, when CAP.AMS bit 17 advertises it).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "controller/queues.h"
#include "scnvme/checkpoint.h"

namespace scnvme::detail {

/// The Arbitration feature (Feature 01h, Dword 11) decoded: AB 2:0, LPW 15:8, MPW 23:16, HPW 31:24.
struct ArbitrationSettings {
  static constexpr uint32_t kNoLimit = UINT32_MAX;
  uint32_t burst = 1;                  // 2^AB commands per grant; AB = 111b: no limit
  std::array<uint32_t, 3> weights{};   // commands per round for high, medium, low (0-based fields + 1)

  static ArbitrationSettings from_feature(uint32_t value);
};

/// QPRIO of Create I/O Submission Queue (only meaningful under weighted round robin).
enum QueuePriority : uint8_t { kPrioUrgent = 0, kPrioHigh = 1, kPrioMedium = 2, kPrioLow = 3 };

/// One arbitration decision: serve `count` commands from SQ `sqid` before arbitrating again.
struct Grant {
  int sqid = -1;       // -1: no SQ has entries to fetch
  uint32_t count = 0;  // at least 1 when sqid >= 0; never more than the SQ holds
};

/// An SQ the arbiter may choose: created, not being deleted, with unfetched entries.
inline bool fetchable(const SubmissionQueue& sq) { return sq.valid && !sq.deleting && !sq.empty(); }

class Arbiter {
 public:
  virtual ~Arbiter() = default;
  /// Picks the next SQ (index = queue id, 0 = admin) and the number of its commands to take.
  /// Only sqs[0, count) can exist; `arbitration_feature` is the current value of Feature 01h.
  virtual Grant next(const std::vector<SubmissionQueue>& sqs, std::size_t count, uint32_t arbitration_feature) = 0;
  virtual const char* name() const = 0;
  /// The round-robin positions and credits.
  virtual void persist(checkpoint::Archive& a) = 0;
};

/// Round robin over all SQs, the admin SQ included, with equal priority (3.4.4.1). QPRIO is ignored.
class RoundRobinArbiter : public Arbiter {
 public:
  Grant next(const std::vector<SubmissionQueue>& sqs, std::size_t count, uint32_t arbitration_feature) override;
  const char* name() const override { return "round robin"; }
  void persist(checkpoint::Archive& a) override { a.io(next_); }

 private:
  std::size_t next_ = 0;  // the queue id the next round starts at
};

/// Weighted round robin with urgent priority class (3.4.4.2): the admin SQ has strict priority over
/// the urgent class, which has strict priority over the WRR class; inside the WRR class the high,
/// medium and low levels get HPW+1, MPW+1 and LPW+1 commands per round. SQs of one class or level
/// are served round robin.
class WeightedRoundRobinArbiter : public Arbiter {
 public:
  Grant next(const std::vector<SubmissionQueue>& sqs, std::size_t count, uint32_t arbitration_feature) override;
  const char* name() const override { return "weighted round robin with urgent priority class"; }
  void persist(checkpoint::Archive& a) override {
    a.io(next_);
    a.io(credit_);
    a.io(level_next_);
  }

 private:
  /// Next fetchable I/O SQ of priority `prio`, round robin within that priority; -1 if none.
  int pick(const std::vector<SubmissionQueue>& sqs, std::size_t count, uint8_t prio);

  std::array<std::size_t, 4> next_{};  // per QPRIO: the queue id its round robin starts at
  std::array<uint32_t, 3> credit_{};   // commands left in this round for high, medium, low
  std::size_t level_next_ = 0;         // WRR level visited first by the next decision
};

/// The arbiter for a CC.AMS value; nullptr for a mechanism the model does not implement.
std::unique_ptr<Arbiter> make_arbiter(uint32_t cc_ams);

}  // namespace scnvme::detail
