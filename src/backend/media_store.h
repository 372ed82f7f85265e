// The data layer of a namespace: a sparse store of logical blocks. A block is allocated on its
// first write; blocks never written (or deallocated) read as zeroes, so memory grows with the
// data touched, never with the capacity.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>

namespace scnvme::detail {

class MediaStore {
 public:
  MediaStore(uint64_t blocks, uint32_t block_size) : blocks_(blocks), block_size_(block_size) {}

  uint64_t blocks() const { return blocks_; }
  uint32_t block_size() const { return block_size_; }

  /// Copies `count` blocks starting at `lba` into `out` (count * block_size bytes).
  void read(uint64_t lba, uint64_t count, uint8_t* out) const;
  void write(uint64_t lba, uint64_t count, const uint8_t* in);
  void deallocate(uint64_t lba, uint64_t count);
  uint64_t allocated_blocks() const { return data_.size(); }

 private:
  uint64_t blocks_;
  uint32_t block_size_;
  std::unordered_map<uint64_t, std::unique_ptr<uint8_t[]>> data_;
};

}  // namespace scnvme::detail
