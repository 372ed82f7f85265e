#include "controller/namespace_table.h"

#include "checkpoint/config_state.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace scnvme::detail {

namespace {
constexpr uint64_t kAllocationUnit = 4096;  // without the flash backend
}

std::vector<LbaFormat> NamespaceTable::common_formats() {
  return {LbaFormat{512, 0}, LbaFormat{512, 8}, LbaFormat{4096, 0}, LbaFormat{4096, 8}, LbaFormat{4096, 64}};
}

NamespaceTable::NamespaceTable(const ControllerConfig& cfg) : nvm_capacity_bytes_(cfg.nvm_capacity_bytes) {
  for (std::size_t i = 0; i < cfg.namespaces.size(); ++i) {
    Namespace ns;
    ns.media = std::make_shared<NamespaceMedia>(cfg.namespaces[i], i);
    ns.config = cfg.namespaces[i];
    // An image sized from its file: the size is fixed from now on (Format NVM keeps it).
    ns.config.size_bytes = ns.media->blocks() * ns.media->data_size();
    ns.data_bytes = ns.config.size_bytes;
    ns.attached = true;
    ns.config_index = i;
    table_.emplace(ns.config.nsid, std::move(ns));
  }
}

void NamespaceTable::place(FlashBackend* flash) {
  flash_ = flash;
  if (flash_) {
    // In configuration order, as before namespaces could be created.
    std::vector<Namespace*> order(table_.size());
    for (auto& [nsid, ns] : table_) order[ns.config_index] = &ns;
    std::vector<uint64_t> sizes;
    for (const Namespace* ns : order) sizes.push_back(ns->config.size_bytes);
    flash_->place_namespaces(sizes);
    for (std::size_t i = 0; i < order.size(); ++i) {
      order[i]->flash_first = flash_->namespace_base(i);
      order[i]->flash_units = flash_->units_for(sizes[i]);
    }
  }
  for (auto& [nsid, ns] : table_) ns.capacity_bytes = capacity_for(ns.config.size_bytes);
  const uint64_t allocated = allocated_capacity();
  if (nvm_capacity_bytes_ == 0) {
    total_capacity_ = flash_ ? flash_->logical_bytes() : allocated;
    return;
  }
  if (nvm_capacity_bytes_ < allocated)
    throw ConfigError("nvm_capacity_bytes", "the configured namespaces take " + std::to_string(allocated) +
                                                " bytes (in allocation units); got " + std::to_string(nvm_capacity_bytes_));
  if (flash_ && nvm_capacity_bytes_ > flash_->logical_bytes())
    throw ConfigError("nvm_capacity_bytes", "the flash backend's logical capacity is " +
                                                std::to_string(flash_->logical_bytes()) + " bytes; got " +
                                                std::to_string(nvm_capacity_bytes_));
  total_capacity_ = nvm_capacity_bytes_;
}

NamespaceTable::Namespace* NamespaceTable::find(uint32_t nsid) {
  const auto it = table_.find(nsid);
  return it == table_.end() ? nullptr : &it->second;
}

const NamespaceTable::Namespace* NamespaceTable::find(uint32_t nsid) const {
  const auto it = table_.find(nsid);
  return it == table_.end() ? nullptr : &it->second;
}

NamespaceTable::Namespace* NamespaceTable::active(uint32_t nsid) {
  Namespace* ns = find(nsid);
  return ns && ns->attached ? ns : nullptr;
}

std::vector<NamespaceMedia*> NamespaceTable::all_media() const {
  std::vector<NamespaceMedia*> out;
  for (const auto& [nsid, ns] : table_) out.push_back(ns.media.get());
  return out;
}

uint64_t NamespaceTable::allocated_capacity() const {
  uint64_t n = 0;
  for (const auto& [nsid, ns] : table_) n += ns.capacity_bytes;
  return n;
}

uint64_t NamespaceTable::capacity_for(uint64_t bytes) const {
  const uint64_t unit = flash_ ? flash_->unit_bytes() : kAllocationUnit;
  return (bytes + unit - 1) / unit * unit;
}

NamespaceTable::CreateResult NamespaceTable::create(NamespaceConfig config, bool shared, uint32_t max_nsid,
                                                    uint32_t& nsid) {
  // The lowest NSID not allocated.
  nsid = 0;
  uint32_t candidate = 1;
  for (const auto& entry : table_) {
    if (entry.first != candidate) break;
    ++candidate;
  }
  if (candidate == 0 || candidate > max_nsid) return CreateResult::NoIdentifier;
  const uint64_t capacity = capacity_for(config.size_bytes);
  if (capacity > unallocated_capacity()) return CreateResult::NoCapacity;
  Namespace ns;
  if (flash_) {
    ns.flash_units = flash_->units_for(config.size_bytes);
    if (!flash_->allocate_units(ns.flash_units, ns.flash_first)) return CreateResult::NoCapacity;  // fragmented
    flash_->trim(ns.flash_first, ns.flash_units);  // a fresh namespace maps nothing
  }
  config.nsid = candidate;
  ns.config = config;
  ns.media = std::make_shared<NamespaceMedia>(config, table_.size());  // a RAM store: does not throw
  ns.shared = shared;
  ns.capacity_bytes = capacity;
  ns.data_bytes = config.size_bytes;
  ns.config_index = table_.size();
  table_.emplace(candidate, std::move(ns));
  nsid = candidate;
  return CreateResult::Ok;
}

void NamespaceTable::remove(uint32_t nsid) {
  const auto it = table_.find(nsid);
  if (it == table_.end()) return;
  if (flash_) flash_->release_units(it->second.flash_first, it->second.flash_units);
  table_.erase(it);
}

NamespaceTable::HotplugResult NamespaceTable::add(const NamespaceConfig& config) {
  if (table_.count(config.nsid)) return HotplugResult::NsidInUse;
  Namespace ns;
  ns.config = config;
  ns.config_index = table_.size();
  ns.media = std::make_shared<NamespaceMedia>(config, ns.config_index);  // (may throw ConfigError)
  ns.config.size_bytes = ns.media->blocks() * ns.media->data_size();   // an image's own size
  ns.data_bytes = ns.config.size_bytes;
  ns.capacity_bytes = capacity_for(ns.config.size_bytes);
  ns.attached = true;
  const bool derived = nvm_capacity_bytes_ == 0 && !flash_;
  if (derived) total_capacity_ = std::max(total_capacity_, allocated_capacity() + ns.capacity_bytes);
  if (ns.capacity_bytes > unallocated_capacity()) return HotplugResult::NoCapacity;
  if (flash_) {
    ns.flash_units = flash_->units_for(ns.config.size_bytes);
    if (!flash_->allocate_units(ns.flash_units, ns.flash_first)) return HotplugResult::NoCapacity;
    flash_->trim(ns.flash_first, ns.flash_units);
  }
  table_.emplace(config.nsid, std::move(ns));
  return HotplugResult::Ok;
}

NamespaceTable::HotplugResult NamespaceTable::resize(uint32_t nsid, uint64_t size_bytes) {
  Namespace* ns = find(nsid);
  if (!ns) return HotplugResult::NotAllocated;
  if (!ns->config.image.empty()) return HotplugResult::Unsupported;
  const uint64_t capacity = capacity_for(size_bytes);
  const bool derived = nvm_capacity_bytes_ == 0 && !flash_;
  if (derived) total_capacity_ = std::max(total_capacity_, allocated_capacity() - ns->capacity_bytes + capacity);
  if (capacity > ns->capacity_bytes && capacity - ns->capacity_bytes > unallocated_capacity())
    return HotplugResult::NoCapacity;
  if (flash_) {
    const uint64_t units = flash_->units_for(size_bytes);
    flash_->release_units(ns->flash_first, ns->flash_units);
    uint64_t first = 0;
    if (!flash_->allocate_units(units, first)) {
      // Fragmented: take the old number of units back (they were just freed, so they fit).
      flash_->allocate_units(ns->flash_units, ns->flash_first);
      flash_->trim(ns->flash_first, ns->flash_units);
      return HotplugResult::NoCapacity;
    }
    flash_->trim(first, units);
    ns->flash_first = first;
    ns->flash_units = units;
  }
  NamespaceConfig config = ns->config;
  config.size_bytes = size_bytes;
  auto media = std::make_shared<NamespaceMedia>(config, ns->config_index);  // a RAM store: does not throw
  if (config.data == NamespaceData::Store) {
    // Copy what the old store holds, a chunk at a time; all-zero chunks stay unwritten (sparse).
    NamespaceMedia& old = *ns->media;
    const uint64_t blocks = std::min(old.blocks(), media->blocks());
    const uint64_t chunk = 256;
    const uint32_t bs = old.data_size(), ms = old.metadata_size();
    std::vector<uint8_t> data(chunk * bs), md(chunk * ms + 1);
    for (uint64_t lba = 0; lba < blocks; lba += chunk) {
      const uint64_t n = std::min(chunk, blocks - lba);
      for (uint64_t b = lba; b < lba + n;) {
        // Whole chunk first; a chunk holding an uncorrectable block goes block by block.
        const uint64_t count = old.read(b, lba + n - b, data.data(), md.data()) == NamespaceMedia::Result::Ok ? lba + n - b : 1;
        if (count == 1 && old.read(b, 1, data.data(), md.data()) != NamespaceMedia::Result::Ok) {
          media->mark_uncorrectable(b, 1);
          ++b;
          continue;
        }
        const bool zero = std::all_of(data.begin(), data.begin() + count * bs, [](uint8_t v) { return v == 0; }) &&
                          std::all_of(md.begin(), md.begin() + count * ms, [](uint8_t v) { return v == 0; });
        if (!zero) media->write(b, count, data.data(), md.data(), true);
        b += count;
      }
    }
  }
  ns->media = std::move(media);
  ns->config = config;
  ns->data_bytes = size_bytes;
  ns->capacity_bytes = capacity;
  return HotplugResult::Ok;
}

bool NamespaceTable::reformat(uint32_t nsid, const NamespaceConfig& config) {
  Namespace* ns = find(nsid);
  if (!ns) return false;
  std::shared_ptr<NamespaceMedia> media;
  try {
    media = std::make_shared<NamespaceMedia>(config, ns->config_index);
  } catch (const std::exception&) {
    return false;  // e.g. the image file went away
  }
  // An image keeps its blocks: they are overwritten with zeroes.
  if (!config.image.empty() && media->write_zeroes(0, media->blocks(), true) != NamespaceMedia::Result::Ok) return false;
  ns->media = std::move(media);
  ns->config = config;
  if (flash_) flash_->trim(ns->flash_first, ns->flash_units);
  return true;
}

}  // namespace scnvme::detail

namespace scnvme::detail {
void NamespaceTable::persist(checkpoint::Archive& a) {
  a.io(total_capacity_);
  std::size_t n = a.count(table_.size());
  if (!a.loading()) {
    for (auto& [nsid, ns] : table_) {
      uint32_t id = nsid;
      a.io(id);
      a.io(ns.config);
      a.io(ns.attached);
      a.io(ns.shared);
      a.io(ns.capacity_bytes);
      a.io(ns.data_bytes);
      a.io(ns.flash_first);
      a.io(ns.flash_units);
      a.io(ns.config_index);
      ns.media->persist(a);
    }
    return;
  }
  std::map<uint32_t, Namespace> loaded;
  for (std::size_t i = 0; i < n; ++i) {
    uint32_t id = 0;
    a.io(id);
    Namespace ns;
    a.io(ns.config);
    a.io(ns.attached);
    a.io(ns.shared);
    a.io(ns.capacity_bytes);
    a.io(ns.data_bytes);
    a.io(ns.flash_first);
    a.io(ns.flash_units);
    a.io(ns.config_index);
    if (id != ns.config.nsid || loaded.count(id)) a.fail("bad namespace table entry for NSID " + std::to_string(id));
    // The store as it is now serves when it has the same shape (an image file stays open);
    // otherwise a new one of the saved configuration.
    const auto current = table_.find(id);
    const NamespaceMedia* m = current == table_.end() ? nullptr : current->second.media.get();
    const LbaFormat lf = ns.config.format();
    if (m && m->config().image == ns.config.image && m->config().data == ns.config.data &&
        m->data_size() == lf.data_size && m->metadata_size() == lf.metadata_size &&
        m->blocks() * m->data_size() == ns.config.size_bytes) {
      ns.media = current->second.media;
    } else {
      try {
        ns.media = std::make_shared<NamespaceMedia>(ns.config, ns.config_index);
      } catch (const std::exception& e) {
        a.fail(std::string("namespace ") + std::to_string(id) + ": " + e.what());
      }
    }
    ns.media->persist(a);
    loaded.emplace(id, std::move(ns));
  }
  table_ = std::move(loaded);
}
}  // namespace scnvme::detail
