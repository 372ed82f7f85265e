// Where a namespace's blocks live. A block is `data_size` data bytes plus `metadata_size`
// metadata bytes; stores keep both. Three kinds: a sparse RAM store, a raw image file, and a
// data-less store for timing-only runs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "scnvme/checkpoint.h"

namespace scnvme::detail {

class BlockStore {
 public:
  BlockStore(uint64_t blocks, uint32_t data_size, uint16_t metadata_size)
      : blocks_(blocks), data_size_(data_size), metadata_size_(metadata_size) {}
  virtual ~BlockStore() = default;

  uint64_t blocks() const { return blocks_; }
  uint32_t data_size() const { return data_size_; }
  uint16_t metadata_size() const { return metadata_size_; }

  /// `md` may be null (metadata not wanted). False on an I/O error of the backing file.
  virtual bool read(uint64_t lba, uint64_t count, uint8_t* data, uint8_t* md) = 0;
  virtual bool write(uint64_t lba, uint64_t count, const uint8_t* data, const uint8_t* md) = 0;
  /// Deallocated blocks read as zeroes (data and metadata).
  virtual bool deallocate(uint64_t lba, uint64_t count) = 0;
  /// Blocks holding data (NUSE).
  virtual uint64_t allocated_blocks() const = 0;
  /// Bytes of host memory the store uses for data.
  virtual uint64_t memory_bytes() const = 0;

 protected:
  uint64_t blocks_;
  uint32_t data_size_;
  uint16_t metadata_size_;
};

/// Sparse RAM store: a block takes memory on its first write and gives it back when deallocated.
/// Blocks live in 1 MiB arenas (no reallocation spikes); an index maps LBA -> slot. Memory is the
/// bytes written plus ~48 bytes of index per block.
class SparseMemoryStore : public BlockStore {
 public:
  SparseMemoryStore(uint64_t blocks, uint32_t data_size, uint16_t metadata_size);
  bool read(uint64_t lba, uint64_t count, uint8_t* data, uint8_t* md) override;
  bool write(uint64_t lba, uint64_t count, const uint8_t* data, const uint8_t* md) override;
  bool deallocate(uint64_t lba, uint64_t count) override;
  uint64_t allocated_blocks() const override { return index_.size(); }
  uint64_t memory_bytes() const override;

  bool contains(uint64_t lba) const { return index_.count(lba) != 0; }
  void clear();
  /// The blocks held, by LBA (loading replaces the contents).
  void persist(checkpoint::Archive& a);
  /// Calls fn(lba, data, md) for every block held, in no particular order.
  template <typename Fn>
  void for_each(Fn fn) const {
    for (const auto& [lba, slot] : index_) fn(lba, slot_ptr(slot), slot_ptr(slot) + data_size_);
  }

 private:
  uint8_t* slot_ptr(uint32_t slot) const;
  uint32_t slot_bytes() const { return data_size_ + metadata_size_; }

  std::unordered_map<uint64_t, uint32_t> index_;
  std::vector<std::unique_ptr<uint8_t[]>> arenas_;
  std::vector<uint32_t> free_slots_;
  uint32_t slots_per_arena_;
  uint32_t next_slot_ = 0;
};

/// A raw image file: block n's data at byte n x data_size. No metadata (validated).
class ImageFileStore : public BlockStore {
 public:
  /// Opens (and, when writable and too small, extends) the file. Throws std::runtime_error with
  /// the reason.
  ImageFileStore(const std::string& path, uint64_t blocks, uint32_t data_size, bool read_only);
  ~ImageFileStore() override;
  bool read(uint64_t lba, uint64_t count, uint8_t* data, uint8_t* md) override;
  bool write(uint64_t lba, uint64_t count, const uint8_t* data, const uint8_t* md) override;
  bool deallocate(uint64_t lba, uint64_t count) override;
  uint64_t allocated_blocks() const override { return blocks_; }
  uint64_t memory_bytes() const override { return 0; }
  /// Blocks in the file at `path` (for a namespace sized from its image), or throws.
  static uint64_t file_blocks(const std::string& path, uint32_t data_size);

 private:
  int fd_ = -1;
};

/// Timing-only store: nothing is kept; reads return zeroes or an LBA-derived pattern.
class DatalessStore : public BlockStore {
 public:
  DatalessStore(uint64_t blocks, uint32_t data_size, uint16_t metadata_size, bool pattern)
      : BlockStore(blocks, data_size, metadata_size), pattern_(pattern) {}
  bool read(uint64_t lba, uint64_t count, uint8_t* data, uint8_t* md) override;
  bool write(uint64_t, uint64_t, const uint8_t*, const uint8_t*) override { return true; }
  bool deallocate(uint64_t, uint64_t) override { return true; }
  uint64_t allocated_blocks() const override { return 0; }
  uint64_t memory_bytes() const override { return 0; }
  /// The pattern word at byte offset 8k of block `lba`: (lba << 16) | k, little endian.
  static uint64_t pattern_word(uint64_t lba, uint64_t k) { return (lba << 16) | (k & 0xFFFF); }

 private:
  bool pattern_;
};

}  // namespace scnvme::detail
