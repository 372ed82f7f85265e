// FlashConfig::validate(): the NAND and FTL configurations, their combination, and the backend's
// own fields.
#include <cmath>
#include <string>

#include "backend/flash/flash_backend.h"
#include "backend/ftl/ftl_geometry.h"
#include "scnvme/flash_config.h"

namespace scnvme {

void FlashConfig::validate() const {
  nand.validate();
  ftl.validate();
  const detail::ftl::Layout layout(ftl, detail::ftl_geometry(nand));  // throws for a combination that cannot work
  (void)layout;
  if (!(precondition_random_capacities > 0.0) || precondition_random_capacities > 100.0 ||
      !std::isfinite(precondition_random_capacities)) {
    throw ConfigError("flash.precondition_random_capacities",
                      "must be in (0, 100] logical capacities; got " + std::to_string(precondition_random_capacities));
  }
  if (background_idle_us > 1000000000u) {
    throw ConfigError("flash.background_idle_us",
                      "value " + std::to_string(background_idle_us) + " is out of range [0, 1000000000]");
  }
}

}  // namespace scnvme
