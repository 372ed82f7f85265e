#include "backend/namespace_media.h"

#include <algorithm>
#include <stdexcept>
#include <vector>
#include <unordered_set>

namespace scnvme::detail {

NamespaceMedia::NamespaceMedia(const NamespaceConfig& cfg, std::size_t index) : cfg_(cfg) {
  const LbaFormat lf = cfg.format();
  write_protected_ = cfg.write_protected || (!cfg.image.empty() && cfg.image_read_only);
  if (!cfg.image.empty()) {
    try {
      uint64_t blocks = cfg.size_bytes / lf.data_size;
      if (blocks == 0) blocks = ImageFileStore::file_blocks(cfg.image, lf.data_size);
      if (blocks == 0) throw std::runtime_error(cfg.image + ": the image is empty; give the namespace a size");
      durable_ = std::make_unique<ImageFileStore>(cfg.image, blocks, lf.data_size, cfg.image_read_only);
    } catch (const std::runtime_error& e) {
      throw ConfigError("namespaces[" + std::to_string(index) + "].image", e.what());
    }
  } else if (cfg.data == NamespaceData::Store) {
    durable_ = std::make_unique<SparseMemoryStore>(cfg.size_bytes / lf.data_size, lf.data_size, lf.metadata_size);
  } else {
    durable_ = std::make_unique<DatalessStore>(cfg.size_bytes / lf.data_size, lf.data_size, lf.metadata_size,
                                               cfg.data == NamespaceData::Pattern);
  }
  ram_ = dynamic_cast<SparseMemoryStore*>(durable_.get());
  if (ram_) undo_ = std::make_unique<SparseMemoryStore>(durable_->blocks(), lf.data_size, lf.metadata_size);
  else if (cfg.data == NamespaceData::Store)
    cache_ = std::make_unique<SparseMemoryStore>(durable_->blocks(), lf.data_size, lf.metadata_size);
}

bool NamespaceMedia::is_volatile(uint64_t lba) const {
  return ram_ ? volatile_lbas_.count(lba) != 0 : (cache_ && cache_->contains(lba));
}

void NamespaceMedia::make_durable(uint64_t lba, uint64_t count) {
  if (ram_) {
    if (volatile_lbas_.empty()) return;
    for (uint64_t i = 0; i < count; ++i)
      if (volatile_lbas_.erase(lba + i)) undo_->deallocate(lba + i, 1);
  } else if (cache_) {
    cache_->deallocate(lba, count);  // superseded cached data
  }
}

bool NamespaceMedia::uncorrectable(uint64_t lba, uint64_t count, uint64_t* first) const {
  auto it = uncorrectable_.upper_bound(lba);
  if (it != uncorrectable_.begin()) {
    auto prev = std::prev(it);
    if (prev->second > lba) {
      if (first) *first = lba;
      return true;
    }
  }
  if (it != uncorrectable_.end() && it->first < lba + count) {
    if (first) *first = it->first;
    return true;
  }
  return false;
}

void NamespaceMedia::clear_uncorrectable(uint64_t lba, uint64_t count) {
  if (uncorrectable_.empty()) return;
  const uint64_t end = lba + count;
  auto it = uncorrectable_.upper_bound(lba);
  if (it != uncorrectable_.begin()) --it;
  while (it != uncorrectable_.end() && it->first < end) {
    const uint64_t s = it->first, e = it->second;
    if (e <= lba) {
      ++it;
      continue;
    }
    it = uncorrectable_.erase(it);
    if (s < lba) uncorrectable_[s] = lba;
    if (e > end) uncorrectable_[end] = e;
  }
}

void NamespaceMedia::mark_uncorrectable(uint64_t lba, uint64_t count) {
  uint64_t s = lba, e = lba + count;
  // Merge with overlapping or adjacent ranges.
  auto it = uncorrectable_.upper_bound(s);
  if (it != uncorrectable_.begin() && std::prev(it)->second >= s) --it;
  while (it != uncorrectable_.end() && it->first <= e) {
    s = std::min(s, it->first);
    e = std::max(e, it->second);
    it = uncorrectable_.erase(it);
  }
  uncorrectable_[s] = e;
  make_durable(lba, count);  // the mark is durable at once; the blocks' cached data is gone
}

NamespaceMedia::Result NamespaceMedia::read(uint64_t lba, uint64_t count, uint8_t* data, uint8_t* md, uint64_t* first_bad) {
  uint64_t bad = 0;
  if (uncorrectable(lba, count, &bad)) {
    // A block rewritten in the write cache reads its newer data; its mark goes only when that
    // data becomes durable (flush), so a power loss brings the mark back.
    bool failed = volatile_blocks() == 0;
    for (uint64_t b = bad; !failed && b < lba + count; ++b)
      if (!is_volatile(b) && uncorrectable(b, 1, nullptr)) {
        bad = b;
        failed = true;
      }
    if (failed) {
      if (first_bad) *first_bad = bad;
      return Result::Unrecovered;
    }
  }
  if (!durable_->read(lba, count, data, md)) {
    if (first_bad) *first_bad = lba;
    return Result::IoError;
  }
  if (cache_ && cache_->allocated_blocks()) {
    const uint32_t ds = data_size(), ms = metadata_size();
    for (uint64_t i = 0; i < count; ++i)
      if (cache_->contains(lba + i)) cache_->read(lba + i, 1, data ? data + i * ds : nullptr, md ? md + i * ms : nullptr);
  }
  return Result::Ok;
}

NamespaceMedia::Result NamespaceMedia::write(uint64_t lba, uint64_t count, const uint8_t* data, const uint8_t* md, bool durable) {
  if (durable || (!cache_ && !ram_)) {
    clear_uncorrectable(lba, count);
    make_durable(lba, count);
    return durable_->write(lba, count, data, md) ? Result::Ok : Result::IoError;
  }
  // Write Uncorrectable marks stay until this data is flushed.
  if (cache_) {
    cache_->write(lba, count, data, md);
    return Result::Ok;
  }
  const uint32_t ds = data_size(), ms = metadata_size();
  std::vector<uint8_t> old_data(ds), old_md(ms);
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t b = lba + i;
    if (volatile_lbas_.insert(b).second && ram_->contains(b)) {
      ram_->read(b, 1, old_data.data(), ms ? old_md.data() : nullptr);
      undo_->write(b, 1, old_data.data(), ms ? old_md.data() : nullptr);
    }
  }
  ram_->write(lba, count, data, md);
  return Result::Ok;
}

NamespaceMedia::Result NamespaceMedia::write_zeroes(uint64_t lba, uint64_t count, bool deallocate) {
  clear_uncorrectable(lba, count);
  make_durable(lba, count);
  const bool ok = deallocate ? durable_->deallocate(lba, count) : durable_->write(lba, count, nullptr, nullptr);
  return ok ? Result::Ok : Result::IoError;
}

NamespaceMedia::Result NamespaceMedia::flush() {
  if (ram_) {
    for (uint64_t b : volatile_lbas_) clear_uncorrectable(b, 1);
    volatile_lbas_.clear();
    undo_->clear();
    return Result::Ok;
  }
  if (!cache_ || cache_->allocated_blocks() == 0) return Result::Ok;
  bool ok = true;
  cache_->for_each([&](uint64_t lba, const uint8_t* data, const uint8_t* md) {
    clear_uncorrectable(lba, 1);
    ok = durable_->write(lba, 1, data, metadata_size() ? md : nullptr) && ok;
  });
  cache_->clear();
  return ok ? Result::Ok : Result::IoError;
}

uint64_t NamespaceMedia::used_blocks() const {
  uint64_t n = durable_->allocated_blocks();
  if (ram_) return n;
  if (cache_ && cache_->allocated_blocks()) {
    const auto* ram = dynamic_cast<const SparseMemoryStore*>(durable_.get());
    cache_->for_each([&](uint64_t lba, const uint8_t*, const uint8_t*) {
      if (ram ? !ram->contains(lba) : n < durable_->blocks()) ++n;
    });
  }
  return std::min(n, durable_->blocks());
}

void NamespaceMedia::power_loss() {
  if (cache_) cache_->clear();
  if (!ram_) return;
  // Undo what was not durable: previous contents back, blocks that held nothing deallocated.
  const uint32_t ds = data_size(), ms = metadata_size();
  std::vector<uint8_t> old_data(ds), old_md(ms);
  for (uint64_t b : volatile_lbas_) {
    if (undo_->contains(b)) {
      undo_->read(b, 1, old_data.data(), ms ? old_md.data() : nullptr);
      ram_->write(b, 1, old_data.data(), ms ? old_md.data() : nullptr);
    } else {
      ram_->deallocate(b, 1);
    }
  }
  volatile_lbas_.clear();
  undo_->clear();
}

}  // namespace scnvme::detail

namespace scnvme::detail {
void NamespaceMedia::persist(checkpoint::Archive& a) {
  a.expect(blocks(), "namespace blocks");
  a.expect(cfg_.image, "namespace image");
  a.expect(static_cast<uint8_t>(cfg_.data), "namespace data kind");
  if (ram_) {
    ram_->persist(a);
    std::vector<uint64_t> lbas(volatile_lbas_.begin(), volatile_lbas_.end());
    std::sort(lbas.begin(), lbas.end());
    a.io(lbas);
    if (a.loading()) volatile_lbas_ = std::unordered_set<uint64_t>(lbas.begin(), lbas.end());
    undo_->persist(a);
  }
  if (cache_) cache_->persist(a);
  a.io(uncorrectable_);
}
}  // namespace scnvme::detail
