// What the FTL did, in mapping units / blocks / NAND operations, since construction or the end of
// preconditioning. WAF = units programmed on NAND (any mode, padding included) / host units written.
#pragma once

#include <cstdint>

namespace scnvme::detail::ftl {

struct FtlStats {
  // Host side.
  uint64_t host_units_written = 0;
  uint64_t host_units_read = 0;
  uint64_t host_units_trimmed = 0;     // mapped units unmapped by trim / write zeroes
  uint64_t unmapped_reads = 0;         // read units never written or trimmed (no NAND access)
  uint64_t buffer_read_hits = 0;       // read units still in the write buffer (no NAND access)
  uint64_t host_page_reads = 0;        // NAND page reads for host data
  // NAND side.
  uint64_t nand_units_programmed = 0;  // all streams and modes, padding included
  uint64_t padding_units = 0;
  uint64_t gc_units_migrated = 0;
  uint64_t fold_units_migrated = 0;
  uint64_t gc_page_reads = 0;          // NAND page reads for garbage collection and folding
  uint64_t blocks_erased = 0;          // native and pSLC
  uint64_t gc_victims_foreground = 0;  // collected while a host write waited
  uint64_t gc_victims_background = 0;
  uint64_t reverse_scans = 0;          // mapping-table scans (ReverseMap::Scan)
  // pSLC cache.
  uint64_t slc_units_written = 0;      // host units the cache absorbed
  uint64_t slc_bypass_units = 0;       // host units written natively because the cache was full
  uint64_t slc_units_read = 0;         // host read units served from pSLC blocks
  uint64_t slc_blocks_folded = 0;
  // Mapping-table cache (DRAM-less).
  uint64_t map_hits = 0;
  uint64_t map_misses = 0;             // map page reads
  uint64_t map_writebacks = 0;         // dirty map page programs
  // Power losses (Ftl::power_loss()).
  uint64_t power_losses = 0;
  uint64_t power_loss_units_lost = 0;      // host units placed but not on NAND when power went
  uint64_t power_loss_units_restored = 0;  // of those, mapped to their previous copy again

  double waf() const {
    return host_units_written ? static_cast<double>(nand_units_programmed) / static_cast<double>(host_units_written)
                              : 0.0;
  }
};

}  // namespace scnvme::detail::ftl
