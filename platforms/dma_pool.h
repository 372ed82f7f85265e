// First-fit allocator over a slice of host memory, for the HAL's dma_alloc/dma_free.
#pragma once

#include <cstdint>
#include <map>

#include "scnvme/checkpoint.h"

namespace scnvme::platform {

class DmaPool {
 public:
  DmaPool(uint64_t base, uint64_t size) : base_(base), size_(size) { free_[base] = size; }

  /// Bus address of a block of `size` bytes aligned to `align` (a power of two), or 0 when
  /// nothing fits (address 0 is never handed out).
  uint64_t allocate(uint64_t size, uint64_t align);
  /// Returns false for an address that is not an allocated block.
  bool release(uint64_t addr);
  /// True when [addr, addr + size) lies inside one allocated block.
  bool allocated(uint64_t addr, uint64_t size) const;
  uint64_t bytes_in_use() const { return in_use_; }
  /// Checkpoints: the free and allocated blocks (the pool's range must be the same).
  void persist(checkpoint::Archive& a);

 private:
  uint64_t base_, size_;
  std::map<uint64_t, uint64_t> free_;       // start -> length
  std::map<uint64_t, uint64_t> allocated_;  // start -> length
  uint64_t in_use_ = 0;
};

}  // namespace scnvme::platform
