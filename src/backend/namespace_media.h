// A namespace's data with its durability rules. Writes land in a volatile write cache when the
// cache is present and enabled (Feature 06h) and become durable on Flush, FUA or cache disable;
// a power loss drops exactly the data that was not yet durable. Blocks marked by Write
// Uncorrectable fail reads until they are written again (a cached rewrite reads back, but the
// mark goes only when that data becomes durable, so a power loss before then brings it back).
// Timing layers sit above this and must keep these semantics.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <unordered_set>

#include "backend/block_store.h"
#include "scnvme/config.h"

namespace scnvme::detail {

class NamespaceMedia {
 public:
  /// Opens the namespace's store. Throws ConfigError (field namespaces[index].image) when an image
  /// cannot be used.
  NamespaceMedia(const NamespaceConfig& cfg, std::size_t index);

  const NamespaceConfig& config() const { return cfg_; }
  uint32_t nsid() const { return cfg_.nsid; }
  uint64_t blocks() const { return durable_->blocks(); }
  uint32_t data_size() const { return durable_->data_size(); }
  uint16_t metadata_size() const { return durable_->metadata_size(); }
  bool write_protected() const { return write_protected_; }

  enum class Result { Ok, Unrecovered, IoError };
  /// `first_bad` receives the first failing LBA.
  Result read(uint64_t lba, uint64_t count, uint8_t* data, uint8_t* md, uint64_t* first_bad = nullptr);
  /// `durable`: FUA, or the write cache disabled/absent.
  Result write(uint64_t lba, uint64_t count, const uint8_t* data, const uint8_t* md, bool durable);
  /// Write Zeroes and Dataset Management deallocate: durable at once; deallocated blocks read as
  /// zeroes.
  Result write_zeroes(uint64_t lba, uint64_t count, bool deallocate);
  void mark_uncorrectable(uint64_t lba, uint64_t count);
  /// Makes every cached write durable.
  Result flush();
  /// Drops every write that is not yet durable.
  void power_loss();

  /// Blocks holding data, durable or cached (NUSE).
  uint64_t used_blocks() const;
  uint64_t volatile_blocks() const { return ram_ ? volatile_lbas_.size() : (cache_ ? cache_->allocated_blocks() : 0); }
  /// Data (RAM stores; an image file's durable data stays in the file), the write cache and its
  /// undo log, and the uncorrectable marks.
  void persist(checkpoint::Archive& a);
  uint64_t memory_bytes() const {
    return durable_->memory_bytes() + (cache_ ? cache_->memory_bytes() : 0) + (undo_ ? undo_->memory_bytes() : 0);
  }

 private:
  void clear_uncorrectable(uint64_t lba, uint64_t count);
  bool uncorrectable(uint64_t lba, uint64_t count, uint64_t* first) const;

  bool is_volatile(uint64_t lba) const;
  void make_durable(uint64_t lba, uint64_t count);

  NamespaceConfig cfg_;
  bool write_protected_;
  std::unique_ptr<BlockStore> durable_;
  // RAM namespaces write in place and keep an undo log of what is not yet durable: the blocks
  // written since the last flush and, for those that held data, their previous contents (so a
  // flush costs nothing and memory does not double). Image namespaces keep cached writes in an
  // overlay instead, so that the file holds exactly the durable data.
  SparseMemoryStore* ram_ = nullptr;
  std::unordered_set<uint64_t> volatile_lbas_;
  std::unique_ptr<SparseMemoryStore> undo_;
  std::unique_ptr<SparseMemoryStore> cache_;   // overlay write cache (image namespaces)
  std::map<uint64_t, uint64_t> uncorrectable_; // start -> end (exclusive), disjoint
};

}  // namespace scnvme::detail
