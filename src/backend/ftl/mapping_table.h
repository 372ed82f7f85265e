// The logical-to-physical mapping table: one 32-bit PPA per logical mapping unit, allocated in
// chunks on the first write into a chunk and released when a chunk is entirely unmapped again.
// Chunks hold 4096 entries (16 KiB; the last one only what the capacity needs); tables of 2^22 units (16 GiB of 4 KiB units) and more use
// 2 MiB chunks backed by transparent huge pages, since random lookups over a large table are
// otherwise bound by TLB misses. Memory: 4 bytes per entry of every allocated chunk plus a
// 16-byte directory entry per chunk of capacity.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "backend/ftl/ftl_geometry.h"

namespace scnvme::checkpoint {
class Archive;
}

namespace scnvme::detail::ftl {

class MappingTable {
 public:
  static constexpr uint32_t kSmallChunkBits = 12;
  static constexpr uint32_t kHugeChunkBits = 19;
  static constexpr uint64_t kHugeTableUnits = 1ull << 22;

  explicit MappingTable(uint64_t units);

  uint64_t units() const { return units_; }
  uint32_t chunk_entries() const { return 1u << chunk_bits_; }
  /// kUnmapped when never written or unmapped.
  Ppa get(uint64_t lba) const {
    const uint32_t* c = chunks_[lba >> chunk_bits_].get();
    return c ? c[lba & mask_] : kUnmapped;
  }
  /// Maps `lba` (p != kUnmapped); returns the previous PPA.
  Ppa set(uint64_t lba, Ppa p);
  /// Replaces an existing mapping (migration): no chunk allocation, no count change.
  void remap(uint64_t lba, Ppa p) { chunks_[lba >> chunk_bits_][lba & mask_] = p; }
  /// Unmaps `lba`; returns the previous PPA (kUnmapped if it was not mapped).
  Ppa unmap(uint64_t lba);
  void prefetch(uint64_t lba) const {
    const uint32_t* c = chunks_[lba >> chunk_bits_].get();
    if (!c) return;
    const uint32_t* a = c + (lba & mask_);
    // GCC 12 drops a prefetch whose address it derives from member loads; the empty asm keeps it.
    __asm__ volatile("" : "+r"(a));
    __builtin_prefetch(a);
  }

  uint64_t mapped_units() const { return mapped_; }
  uint64_t allocated_chunks() const { return allocated_; }
  /// Bytes of host memory the table uses (chunks and directory).
  uint64_t memory_bytes() const;
  /// Directory bytes alone (proportional to the capacity, not to the data).
  uint64_t directory_bytes() const;

  /// Calls f(first_lba, entries, count) for every allocated chunk in LBA order.
  template <typename F>
  void for_each_chunk(F&& f) const {
    for (uint64_t c = 0; c < chunks_.size(); ++c) {
      if (!chunks_[c]) continue;
      const uint64_t first = c << chunk_bits_;
      const uint64_t n = std::min<uint64_t>(chunk_entries(), units_ - first);
      f(first, chunks_[c].get(), static_cast<uint32_t>(n));
    }
  }

  /// FNV-1a over every entry (determinism checks).
  uint64_t checksum() const;
  /// Checkpoints (flash_checkpoint.cpp): the state, saved or loaded.
  void persist(checkpoint::Archive& a);

 private:
  /// Entries of chunk c (the last one holds only what the capacity needs).
  uint64_t chunk_size(uint64_t c) const { return std::min<uint64_t>(chunk_entries(), units_ - (c << chunk_bits_)); }
  struct Free {
    void operator()(uint32_t* p) const;
  };
  uint64_t units_;
  uint32_t chunk_bits_;
  uint64_t mask_;
  std::vector<std::unique_ptr<uint32_t[], Free>> chunks_;
  std::vector<uint32_t> chunk_mapped_;  // mapped entries per chunk
  uint64_t mapped_ = 0;
  uint64_t allocated_ = 0;
  uint64_t allocated_entries_ = 0;
};

}  // namespace scnvme::detail::ftl
