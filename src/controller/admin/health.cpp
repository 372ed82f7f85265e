// SMART / health state behind the SMART / Health Information log and its asynchronous events
// (NVMe Base 2.0, 5.16.1.3, 5.27.1.3):
// - Composite temperature: the thermal model (controller/thermal_model.h), evaluated when read.
//   Critical Warning bit 1 while it is at or above the over-temperature threshold or at or below
//   the under-temperature threshold of Feature 04h. A coarse watch re-evaluates it while it moves,
//   so a crossing during I/O is reported without a host read.
// - Available Spare: with the flash backend, the share of the spare native blocks (those beyond
//   the logical capacity) not yet consumed by worn-out blocks, a native block counting as worn out
//   at nand.rated_pe_cycles erases (the FTL models no bad blocks of its own and keeps using it);
//   100 % without the flash backend. Critical Warning bit 0 when below the threshold
//   (ControllerConfig::available_spare_threshold).
// - Percentage Used: the flash backend's mean erase count of native blocks / nand.rated_pe_cycles,
//   rounded down, capped at 255; 0 without the flash backend. Critical Warning bit 2 (reliability
//   degraded) at 100 % and beyond.
// Each warning bit raises its SMART / health asynchronous event when Feature 0Bh enables it.
#include <algorithm>
#include <cmath>

#include "controller/controller_impl.h"
#include "scnvme/spec/nvme_async_event.h"
#include "scnvme/spec/nvme_features.h"
#include "scnvme/spec/nvme_log.h"
#include "sim_now.h"

namespace scnvme::detail {

namespace sm = spec::log::smart;

uint16_t ControllerImpl::composite_temperature_k() {
  thermal.update(sim_now(), (health.read_512_units + health.written_512_units) * 512);
  return thermal.kelvin();
}

uint8_t ControllerImpl::available_spare() const {
  if (!flash) return 100;
  // A native block at or past its rated P/E cycles counts as worn out: it would be retired and
  // replaced from the spare blocks (the FTL keeps using it; this is the report's model).
  const ftl::Ftl& f = flash->ftl();
  const ftl::Layout& l = f.layout();
  const uint64_t spare = uint64_t{l.spare_blocks_per_die} * l.dies;
  uint64_t worn = 0;
  for (uint32_t gb = 0; gb < l.total_blocks; ++gb)
    if (!l.is_slc(gb) && f.blocks().erase_count(gb) >= cfg.flash.nand.rated_pe_cycles) ++worn;
  if (worn == 0) return 100;
  if (spare == 0 || worn >= spare) return 0;
  return static_cast<uint8_t>(100 - (worn * 100 + spare - 1) / spare);  // rounded down
}

uint8_t ControllerImpl::percentage_used() const {
  if (!flash) return 0;
  const double mean = flash->ftl().wear().mean;
  const double used = std::floor(mean * 100.0 / cfg.flash.nand.rated_pe_cycles);
  return static_cast<uint8_t>(std::min(255.0, std::max(0.0, used)));
}

uint8_t ControllerImpl::critical_warning() {
  const uint16_t t = composite_temperature_k();
  uint8_t w = 0;
  if (available_spare() < cfg.available_spare_threshold) w |= sm::kWarnSpare;
  // At or above the over-temperature threshold, or at or below the under-temperature one.
  if (t >= features.temperature_over || t <= features.temperature_under) w |= sm::kWarnTemperature;
  if (percentage_used() >= 100) w |= sm::kWarnReliability;
  return w;
}

void ControllerImpl::check_health() {
  namespace ae = spec::async_event;
  const uint8_t w = critical_warning();
  if (w & sm::kWarnSpare) post_async_event(ae::kSmartHealth, ae::smart::kSpareBelowThreshold, spec::log::kSmartHealth);
  if (w & sm::kWarnTemperature)
    post_async_event(ae::kSmartHealth, ae::smart::kTemperatureThreshold, spec::log::kSmartHealth);
  if (w & sm::kWarnReliability) post_async_event(ae::kSmartHealth, ae::smart::kReliability, spec::log::kSmartHealth);
}

void ControllerImpl::thermal_watch() {
  check_health();
  if (thermal.settled()) {
    thermal_watching = false;
    return;
  }
  thermal_watching = true;
  const sc_core::sc_time period = std::max(thermal.time_constant() / 4.0, sc_core::sc_time(100, sc_core::SC_US));
  thermal_timer.notify(period);
  thermal_due = sim_now() + period;
}

sc_core::sc_time ControllerImpl::io_start_cost() {
  if (!thermal_watching && cfg.thermal_heat_k_per_gbps != 0) {
    // I/O resumes after the temperature settled: watch it from the next evaluation on.
    thermal_watching = true;
    thermal.update(sim_now(), (health.read_512_units + health.written_512_units) * 512);
    const sc_core::sc_time period = std::max(thermal.time_constant() / 4.0, sc_core::sc_time(100, sc_core::SC_US));
    thermal_timer.notify(period);
    thermal_due = sim_now() + period;
  }
  if (!power.non_operational()) return sc_core::SC_ZERO_TIME;
  const sc_core::sc_time exit = power.wake();
  features.power_management = spec::feature::power_management(static_cast<uint8_t>(power.current()),
                                                               spec::feature::wh(features.power_management));
  clock = power.clock(base_clock);
  return exit;
}

sc_core::sc_time ControllerImpl::enter_power_state(unsigned ps) {
  const sc_core::sc_time latency = power.enter(ps);
  clock = power.clock(base_clock);
  return latency;
}

}  // namespace scnvme::detail
