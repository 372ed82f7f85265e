// scnvme-sim's flash options (--flash.*, --nand.*, --ftl.*) and its default drive, the client
// TLC profile (sim/profiles/client-tlc.ini states the same values with their sources).
#pragma once

#include <vector>

#include "option_table.h"
#include "scnvme/config.h"

namespace scnvme::sim {

/// scnvme-sim's default drive: a client PCIe 4.0 x4 TLC SSD with an SLC cache (990 PRO class).
void use_client_tlc_defaults(ControllerConfig& c);

/// The options setting `c.flash` (the flash backend, its NAND and its FTL).
std::vector<Option> flash_options(FlashConfig& f);

}  // namespace scnvme::sim
