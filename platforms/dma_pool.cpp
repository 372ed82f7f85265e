#include "dma_pool.h"

namespace scnvme::platform {

uint64_t DmaPool::allocate(uint64_t size, uint64_t align) {
  if (size == 0 || align == 0 || (align & (align - 1))) return 0;
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    const uint64_t start = it->first, len = it->second;
    uint64_t a = (start + align - 1) & ~(align - 1);
    if (a == 0) a = align;  // never hand out bus address 0
    if (a < start || a - start > len || len - (a - start) < size) continue;
    free_.erase(it);
    if (a > start) free_[start] = a - start;
    if (a + size < start + len) free_[a + size] = start + len - (a + size);
    allocated_[a] = size;
    in_use_ += size;
    return a;
  }
  return 0;
}

bool DmaPool::release(uint64_t addr) {
  auto it = allocated_.find(addr);
  if (it == allocated_.end()) return false;
  uint64_t start = addr, len = it->second;
  in_use_ -= len;
  allocated_.erase(it);
  // Merge with the neighbours.
  auto next = free_.lower_bound(start);
  if (next != free_.end() && start + len == next->first) {
    len += next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == start) {
      prev->second += len;
      return true;
    }
  }
  free_[start] = len;
  return true;
}

bool DmaPool::allocated(uint64_t addr, uint64_t size) const {
  auto it = allocated_.upper_bound(addr);
  if (it == allocated_.begin()) return false;
  --it;
  return addr - it->first <= it->second && size <= it->second - (addr - it->first);
}

}  // namespace scnvme::platform
