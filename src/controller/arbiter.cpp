// Round robin and weighted round robin with urgent priority class arbitration (NVMe Base 2.0, 3.4.4).
#include "controller/arbiter.h"

#include <algorithm>

#include "scnvme/spec/nvme_registers.h"

namespace scnvme::detail {

ArbitrationSettings ArbitrationSettings::from_feature(uint32_t value) {
  ArbitrationSettings s;
  const uint32_t ab = value & 7u;
  s.burst = ab == 7u ? kNoLimit : 1u << ab;
  s.weights = {((value >> 24) & 0xFFu) + 1u, ((value >> 16) & 0xFFu) + 1u, ((value >> 8) & 0xFFu) + 1u};
  return s;
}

namespace {
Grant grant(const std::vector<SubmissionQueue>& sqs, std::size_t q, uint32_t limit) {
  return Grant{static_cast<int>(q), std::min(limit, sqs[q].pending())};
}
}  // namespace

Grant RoundRobinArbiter::next(const std::vector<SubmissionQueue>& sqs, std::size_t count, uint32_t arbitration_feature) {
  const uint32_t burst = ArbitrationSettings::from_feature(arbitration_feature).burst;
  const std::size_t n = std::min(count, sqs.size()), from = next_ < n ? next_ : 0;
  for (std::size_t q = from; q < n; ++q)
    if (fetchable(sqs[q])) {
      next_ = q + 1;
      return grant(sqs, q, burst);
    }
  for (std::size_t q = 0; q < from; ++q)
    if (fetchable(sqs[q])) {
      next_ = q + 1;
      return grant(sqs, q, burst);
    }
  return {};
}

int WeightedRoundRobinArbiter::pick(const std::vector<SubmissionQueue>& sqs, std::size_t count, uint8_t prio) {
  const std::size_t n = std::min(count, sqs.size());
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t q = (next_[prio] + k) % n;
    if (q != 0 && fetchable(sqs[q]) && (sqs[q].priority & 3u) == prio) {
      next_[prio] = q + 1;
      return static_cast<int>(q);
    }
  }
  return -1;
}

Grant WeightedRoundRobinArbiter::next(const std::vector<SubmissionQueue>& sqs, std::size_t count, uint32_t arbitration_feature) {
  const ArbitrationSettings s = ArbitrationSettings::from_feature(arbitration_feature);
  // Strict priority: the admin SQ, then the urgent class.
  if (!sqs.empty() && fetchable(sqs[0])) return grant(sqs, 0, s.burst);
  if (const int q = pick(sqs, count, kPrioUrgent); q >= 0) return grant(sqs, static_cast<std::size_t>(q), s.burst);
  // The WRR class: levels visited in turn, each taking from its credit for this round; a new round
  // starts when every level with entries has spent its credit (so the shares of the backlogged
  // levels follow their weights).
  for (auto& c : credit_) c = std::min(c, s.weights[static_cast<std::size_t>(&c - credit_.data())]);
  for (int round = 0; round < 2; ++round) {
    for (std::size_t k = 0; k < credit_.size(); ++k) {
      const std::size_t level = (level_next_ + k) % credit_.size();
      if (credit_[level] == 0) continue;
      const int q = pick(sqs, count, static_cast<uint8_t>(kPrioHigh + level));
      if (q < 0) continue;
      Grant g = grant(sqs, static_cast<std::size_t>(q), std::min(s.burst, credit_[level]));
      credit_[level] -= g.count;
      level_next_ = (level + 1) % credit_.size();
      return g;
    }
    credit_ = s.weights;
    level_next_ = 0;
  }
  return {};
}

std::unique_ptr<Arbiter> make_arbiter(uint32_t cc_ams) {
  switch (cc_ams) {
    case spec::reg::cc::kAmsRoundRobin: return std::make_unique<RoundRobinArbiter>();
    case spec::reg::cc::kAmsWrr: return std::make_unique<WeightedRoundRobinArbiter>();
    default: return nullptr;
  }
}

}  // namespace scnvme::detail
