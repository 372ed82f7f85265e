// The NVM subsystem's namespaces as they are now (NVMe Base 2.0, 3.2.1 and 8.11): which NSIDs are
// allocated, which of them are attached to this controller (active), each one's current
// configuration (size, LBA format) and its media store, and the NVM capacity they take.
//
// - The configured namespaces (ControllerConfig::namespaces) are allocated and attached at
//   power-on; Namespace Management creates (unattached) and deletes namespaces, Namespace
//   Attachment attaches and detaches them, Format NVM replaces a namespace's media with a store of
//   the new format. All of it is NVM subsystem state: resets do not change it.
// - Capacity: a namespace takes its data bytes rounded up to the allocation unit (the flash
//   backend's mapping unit, else 4 KiB); TNVMCAP is ControllerConfig::nvm_capacity_bytes, or the
//   flash backend's logical capacity, or the configured namespaces' total.
// - With the flash backend, each namespace holds a range of the FTL's logical units: configured
//   ones where place_namespaces() put them, created ones from its first-fit allocator; deleting
//   or formatting a namespace trims its units.
// - Media are shared with the I/O commands executing on them, so a namespace deleted, detached or
//   formatted under a command in flight leaves that command a store to finish on.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "backend/flash/flash_backend.h"
#include "backend/namespace_media.h"
#include "scnvme/config.h"

namespace scnvme::detail {

class NamespaceTable {
 public:
  struct Namespace {
    NamespaceConfig config;               // as it is now (Format NVM changes format and size)
    std::shared_ptr<NamespaceMedia> media;
    bool attached = false;                // to this controller: the NSID is active
    bool shared = false;                  // NMIC bit 0
    uint64_t capacity_bytes = 0;          // NVM capacity it takes (Identify Namespace NVMCAP)
    uint64_t data_bytes = 0;              // data bytes it was allocated with: a format fits as many
                                          // blocks of the new data size as they hold
    uint64_t flash_first = 0, flash_units = 0;  // its FTL logical units (flash backend only)
    std::size_t config_index = 0;         // position in ControllerConfig::namespaces (error messages)
  };

  /// The LBA formats of namespaces created by Namespace Management (Identify Namespace for NSID
  /// FFFFFFFFh reports them).
  static std::vector<LbaFormat> common_formats();

  /// Opens the configured namespaces' stores (ConfigError as NamespaceMedia throws it).
  explicit NamespaceTable(const ControllerConfig& cfg);
  /// Lays the configured namespaces out on the flash backend (ConfigError when they do not fit)
  /// and checks the NVM capacity against what they take (ConfigError naming nvm_capacity_bytes).
  void place(FlashBackend* flash);

  /// An allocated namespace (null: the NSID is not allocated).
  Namespace* find(uint32_t nsid);
  const Namespace* find(uint32_t nsid) const;
  /// An attached (active) namespace, or null.
  Namespace* active(uint32_t nsid);
  const std::map<uint32_t, Namespace>& all() const { return table_; }
  /// Every allocated namespace's store (flush, power loss).
  std::vector<NamespaceMedia*> all_media() const;

  uint64_t total_capacity() const { return total_capacity_; }
  uint64_t allocated_capacity() const;
  uint64_t unallocated_capacity() const { return total_capacity_ - std::min(total_capacity_, allocated_capacity()); }
  /// Capacity a namespace of `bytes` data bytes takes.
  uint64_t capacity_for(uint64_t bytes) const;

  enum class CreateResult { Ok, NoIdentifier, NoCapacity };
  /// Allocates the lowest free NSID (up to `max_nsid`) for a namespace of this configuration
  /// (its nsid is set here); it is created unattached.
  CreateResult create(NamespaceConfig config, bool shared, uint32_t max_nsid, uint32_t& nsid);
  /// Deletes an allocated namespace: its capacity and flash units become free.
  void remove(uint32_t nsid);
  /// Replaces the namespace's store with an empty one of `config` (same NSID), trimming its flash
  /// units: Format NVM. False when the store cannot be opened (the old one stays).
  bool reformat(uint32_t nsid, const NamespaceConfig& config);

  // --- Hot-plug by the platform (Controller::add_namespace & co.). While the capacity is derived
  // from the namespaces (nvm_capacity_bytes 0, no flash backend) a hot-plugged or grown namespace
  // brings its capacity with it; otherwise it must fit in the unallocated capacity.
  enum class HotplugResult { Ok, NsidInUse, NotAllocated, NoCapacity, Unsupported };
  /// Allocates `config.nsid` (validated by the caller) attached, with a fresh store (an image
  /// namespace opens its file: ConfigError as NamespaceMedia throws it).
  HotplugResult add(const NamespaceConfig& config);
  /// New size in data bytes (a multiple of the data size, checked by the caller): the data of the
  /// blocks both sizes hold is kept (copied to a store of the new size; cached data becomes
  /// durable, uncorrectable marks are kept); image namespaces cannot be resized (Unsupported).
  /// With the flash backend the namespace gets new logical units (its old mapping is trimmed).
  HotplugResult resize(uint32_t nsid, uint64_t size_bytes);

  /// The namespaces with their configurations and media (loading replaces the table).
  void persist(checkpoint::Archive& a);

 private:
  uint64_t nvm_capacity_bytes_;          // ControllerConfig::nvm_capacity_bytes
  FlashBackend* flash_ = nullptr;
  uint64_t total_capacity_ = 0;
  std::map<uint32_t, Namespace> table_;  // allocated namespaces by NSID
};

}  // namespace scnvme::detail
