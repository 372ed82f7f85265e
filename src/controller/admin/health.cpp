// SMART / health state behind the SMART / Health Information log and its asynchronous events
// (NVMe Base 2.0, 5.16.1.3, 5.27.1.3): the composite temperature against the over- and
// under-temperature thresholds of Feature 04h. The temperature is the configured ambient one (no
// thermal model yet); a threshold set across it raises the temperature warning at once, and, when
// Feature 0Bh enables it, a SMART / health asynchronous event naming the SMART log.
#include "controller/controller_impl.h"
#include "scnvme/spec/nvme_async_event.h"
#include "scnvme/spec/nvme_log.h"

namespace scnvme::detail {

namespace sm = spec::log::smart;

uint16_t ControllerImpl::composite_temperature_k() const { return cfg.ambient_temperature_k; }

uint8_t ControllerImpl::critical_warning() const {
  const uint16_t t = composite_temperature_k();
  uint8_t w = 0;
  // At or above the over-temperature threshold, or at or below the under-temperature one.
  if (t >= features.temperature_over || t <= features.temperature_under)
    w |= sm::kWarnTemperature;
  return w;
}

void ControllerImpl::check_health() {
  namespace ae = spec::async_event;
  if (critical_warning() & sm::kWarnTemperature)
    post_async_event(ae::kSmartHealth, ae::smart::kTemperatureThreshold, spec::log::kSmartHealth);
}

}  // namespace scnvme::detail
