#include "controller/thermal_model.h"

#include <cmath>

namespace scnvme::detail {

ThermalModel::ThermalModel(uint16_t ambient_k, uint32_t heat_k_per_gbps, uint32_t time_constant_ms)
    : ambient_(ambient_k), heat_(heat_k_per_gbps), tau_(time_constant_ms, sc_core::SC_MS), temperature_(ambient_k) {}

double ThermalModel::update(const sc_core::sc_time& now, uint64_t host_bytes) {
  const uint64_t moved = host_bytes >= last_bytes_ ? host_bytes - last_bytes_ : 0;
  if (now <= last_) {  // same instant: the data moved is folded into the next interval
    return temperature_;
  }
  const double dt = (now - last_).to_seconds();
  const double rate_gbps = static_cast<double>(moved) / dt / 1e9;
  const double target = ambient_ + heat_ * rate_gbps;
  temperature_ = target + (temperature_ - target) * std::exp(-dt / tau_.to_seconds());
  last_ = now;
  last_bytes_ = host_bytes;
  settled_ = moved == 0 && std::fabs(temperature_ - ambient_) < 0.5;
  return temperature_;
}

uint16_t ThermalModel::kelvin() const {
  const double t = std::round(temperature_);
  return static_cast<uint16_t>(t < 0 ? 0 : t > 65535 ? 65535 : t);
}

void ThermalModel::restart(const sc_core::sc_time& now, uint64_t host_bytes) {
  temperature_ = ambient_;
  last_ = now;
  last_bytes_ = host_bytes;
  settled_ = true;
}

}  // namespace scnvme::detail
