// Chunked logical-to-physical table: allocation on first mapping, release when emptied.
#include "backend/ftl/mapping_table.h"

#include <algorithm>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace scnvme::detail::ftl {

void MappingTable::Free::operator()(uint32_t* p) const { std::free(p); }

MappingTable::MappingTable(uint64_t units)
    : units_(units),
      chunk_bits_(units >= kHugeTableUnits ? kHugeChunkBits : kSmallChunkBits),
      mask_((uint64_t{1} << chunk_bits_) - 1),
      chunks_((units + mask_) >> chunk_bits_),
      chunk_mapped_(chunks_.size(), 0) {}

Ppa MappingTable::set(uint64_t lba, Ppa p) {
  const uint64_t c = lba >> chunk_bits_;
  if (!chunks_[c]) {
    const uint64_t entries = chunk_size(c);
    const bool huge = chunk_bits_ == kHugeChunkBits && entries == chunk_entries();
    const size_t align = huge ? sizeof(uint32_t) << chunk_bits_ : 64;  // huge: whole huge pages
    const size_t bytes = (entries * sizeof(uint32_t) + align - 1) / align * align;
    void* mem = std::aligned_alloc(align, bytes);
    if (!mem) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (huge) madvise(mem, bytes, MADV_HUGEPAGE);
#endif
    chunks_[c].reset(static_cast<uint32_t*>(mem));
    std::fill_n(chunks_[c].get(), entries, kUnmapped);
    ++allocated_;
    allocated_entries_ += entries;
  }
  uint32_t& e = chunks_[c][lba & mask_];
  const Ppa old = e;
  e = p;
  if (old == kUnmapped) {
    ++chunk_mapped_[c];
    ++mapped_;
  }
  return old;
}

Ppa MappingTable::unmap(uint64_t lba) {
  const uint64_t c = lba >> chunk_bits_;
  if (!chunks_[c]) return kUnmapped;
  uint32_t& e = chunks_[c][lba & mask_];
  const Ppa old = e;
  if (old == kUnmapped) return old;
  e = kUnmapped;
  --mapped_;
  if (--chunk_mapped_[c] == 0) {
    chunks_[c].reset();
    --allocated_;
    allocated_entries_ -= chunk_size(c);
  }
  return old;
}

uint64_t MappingTable::directory_bytes() const {
  return chunks_.size() * (sizeof(chunks_[0]) + sizeof(chunk_mapped_[0]));
}

uint64_t MappingTable::memory_bytes() const {
  return allocated_entries_ * sizeof(uint32_t) + directory_bytes();
}

uint64_t MappingTable::checksum() const {
  uint64_t h = 1469598103934665603ull;
  for (uint64_t lba = 0; lba < units_; ++lba) {
    h ^= get(lba);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace scnvme::detail::ftl
