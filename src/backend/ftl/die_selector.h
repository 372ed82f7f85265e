// Die selection policy: which die (parallel unit) the next program unit of host data goes to.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>

namespace scnvme::detail::ftl {

class DieSelector {
 public:
  virtual ~DieSelector() = default;
  /// The die after `previous` that receives the next program unit (dies > 0).
  virtual uint32_t next(uint32_t previous, uint32_t dies) = 0;
};

/// Stripes program units over the dies in turn.
class RoundRobinDieSelector : public DieSelector {
 public:
  uint32_t next(uint32_t previous, uint32_t dies) override { return (previous + 1) % dies; }
};

/// The die that is free earliest according to the timing layer (`busy_until(die)`, any monotonic
/// unit); ties go to the first one in round-robin order after `previous`.
class LeastBusyDieSelector : public DieSelector {
 public:
  explicit LeastBusyDieSelector(std::function<uint64_t(uint32_t)> busy_until) : busy_until_(std::move(busy_until)) {}
  uint32_t next(uint32_t previous, uint32_t dies) override;

 private:
  std::function<uint64_t(uint32_t)> busy_until_;
};

}  // namespace scnvme::detail::ftl
