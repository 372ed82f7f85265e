// Shared pieces of the NVM command set handlers: the namespace and LBA-range checks and the data
// and metadata transfers for extended-LBA and separate-metadata formats.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "backend/namespace_media.h"
#include "controller/controller_impl.h"

namespace scnvme::detail::nvm {

struct IoRange {
  /// Held for the command's lifetime: a namespace deleted, detached or formatted meanwhile leaves
  /// the command its store to finish on.
  std::shared_ptr<NamespaceMedia> ns;
  uint64_t flash_base = 0;  // the namespace's first FTL logical unit (flash backend)
  uint64_t slba = 0;
  uint64_t nlb = 0;
};

/// The command's namespace if it is active (attached; Invalid Namespace or Format otherwise) and, when `with_range`,
/// SLBA (CDW10/11) and NLB (CDW12 15:0, 0-based) checked against its capacity (LBA Out of Range,
/// including overflow). False when the command already failed.
bool decode(ControllerImpl& c, Command& cmd, bool with_range, IoRange& r);

/// Moves a command's data and metadata between host memory and `data`/`md` (nlb blocks each),
/// interleaving for extended-LBA formats. MDTS is checked here.
spec::Status transfer_blocks(ControllerImpl& c, Command& cmd, const IoRange& r, std::vector<uint8_t>& data,
                             std::vector<uint8_t>& md, bool to_host);

/// NVMe status for a media result.
spec::Status media_status(NamespaceMedia::Result result, bool is_read);

}  // namespace scnvme::detail::nvm
