// The controller configuration in a checkpoint: a canonical list of fields (name = value) saved
// with the state, so a restore into a controller of another configuration names the field that
// differs; and the namespace configuration as saved state (Namespace Management and Format NVM
// change it at run time).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "scnvme/checkpoint.h"
#include "scnvme/config.h"

namespace scnvme {

void persist(checkpoint::Archive& a, LbaFormat& f);
void persist(checkpoint::Archive& a, NamespaceConfig& c);

namespace detail {
/// Every field of `cfg` as ("pci.msix_vectors", "65"), in a fixed order.
std::vector<std::pair<std::string, std::string>> config_fields(const ControllerConfig& cfg);
/// Saves the fields, or reads them and throws CheckpointError naming the first that differs.
void persist_config(checkpoint::Archive& a, const ControllerConfig& cfg);
}  // namespace detail

}  // namespace scnvme
