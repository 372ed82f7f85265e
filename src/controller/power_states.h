// Power states (NVMe Base 2.0, 8.15) as the controller applies them: the configured table
// (ControllerConfig::power_states), the state Feature 02h selected, and what each state costs.
//
// - Operational states run the controller clock at performance_percent of timing.clock_mhz: every
//   stage cost (decode, execution, list walks, CQE build, interrupt generation, register access)
//   grows by 100 / performance_percent. Media (flash backend) and PCIe link timing are unchanged.
// - Entering a state (Set Features) completes after the state's entry latency (ENLAT).
// - A non-operational state processes admin commands at the last operational state's clock; the
//   first I/O command returns the controller to the last operational state and starts its
//   execution the non-operational state's exit latency (EXLAT) later.
#pragma once

#include <cstdint>
#include <vector>

#include <systemc>

#include "scnvme/checkpoint.h"
#include "scnvme/config.h"

namespace scnvme::detail {

class PowerStates {
 public:
  explicit PowerStates(const std::vector<PowerStateConfig>& table) : table_(table) {}

  std::size_t count() const { return table_.size(); }
  bool exists(unsigned ps) const { return ps < table_.size(); }
  const PowerStateConfig& state(unsigned ps) const { return table_.at(ps); }
  unsigned current() const { return current_; }
  unsigned last_operational() const { return last_operational_; }
  bool non_operational() const { return table_[current_].non_operational; }

  /// Enters `ps` (which exists) and returns its entry latency.
  sc_core::sc_time enter(unsigned ps);
  /// An I/O command starts: from a non-operational state the controller returns to the last
  /// operational one and the command pays the exit latency (returned); otherwise zero.
  sc_core::sc_time wake();
  /// The controller clock period in the current state, from the full-speed period `base`
  /// (rounded to the SystemC time resolution).
  sc_core::sc_time clock(const sc_core::sc_time& base) const;
  /// Identify Controller NPSS and the power state descriptors PSD0..PSDn.
  void put_identify(uint8_t* id_ctrl) const;
  void persist(checkpoint::Archive& a) {
    a.io(current_);
    a.io(last_operational_);
    if (a.loading() && (current_ >= table_.size() || last_operational_ >= table_.size())) a.fail("power state out of range");
  }

 private:
  std::vector<PowerStateConfig> table_;
  unsigned current_ = 0;
  unsigned last_operational_ = 0;
};

}  // namespace scnvme::detail
