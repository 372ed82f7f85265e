// The flash translation layer's policy parameters: mapping granularity, over-provisioning, garbage
// collection thresholds, write buffer, pSLC cache and mapping-table caching. One plain struct with
// defaults describing a client TLC drive with DRAM, validated by validate(). The NAND geometry the
// FTL manages comes from the NAND configuration, not from here.
#pragma once

#include <cstdint>

#include "scnvme/config_error.h"

namespace scnvme {

/// When the pSLC cache is folded (migrated) into native (TLC/QLC) blocks.
enum class FoldPolicy : uint8_t {
  Idle,      // the FTL's background step folds whenever the drive is idle; a full cache sends
             // host writes straight to native blocks
  WhenFull,  // nothing is folded until the cache is full; then the oldest pSLC block is folded
             // in the foreground (the host write waits for it) and the cache keeps absorbing
};

/// How garbage collection finds the logical units still valid in a victim block.
enum class ReverseMap : uint8_t {
  Table,  // a reverse map in RAM, the model of the LBA each page's spare area records: 4 bytes
          // per physical unit, about 8.3 bytes per logical unit in all (1 TiB of 4 KiB units:
          // 2.1 GiB; fill + one capacity of random overwrites preconditions in about 50 s)
  Scan,   // none: one scan of the mapping table collects the units of the next batch of victims
          // (an eighth of each die's blocks), about 4.5 bytes per logical unit in all (1 TiB:
          // 1.15 GiB), preconditioning about 3 times slower. pSLC blocks keep their reverse map.
};

struct FtlConfig {
  uint32_t mapping_unit_bytes = 4096;        // mapping granularity: a power of two in [512, 65536],
                                             // at most one NAND page
  uint32_t over_provisioning_permille = 70;  // OP = (physical - logical) / logical of the native
                                             // blocks, 1..1000 (70 = 7%); the logical capacity is
                                             // what the native blocks hold divided by (1 + OP)
  uint32_t gc_foreground_free_blocks = 2;    // per die (parallel unit): a host write that needs a
                                             // block below this many free ones waits for garbage
                                             // collection, 2..1024
  uint32_t gc_background_free_blocks = 4;    // per die: the background step collects until this
                                             // many are free, gc_foreground_free_blocks..4096
  uint32_t write_buffer_program_units = 8;   // DRAM write buffer in program units (the timing
                                             // layer's back-pressure), 1..65536
  uint32_t slc_cache_permille = 0;           // static pSLC cache: the data it holds as a share of
                                             // the logical capacity, 0 (none)..1000; its blocks
                                             // come on top of the native blocks OP is defined on
  FoldPolicy fold_policy = FoldPolicy::Idle;
  uint64_t mapping_cache_entries = 0;        // 0: the whole mapping table in DRAM; otherwise a
                                             // DRAM-less drive caching this many entries (whole
                                             // map pages, at least one), 1..2^40; a miss reads
                                             // the map page from NAND
  ReverseMap reverse_map = ReverseMap::Table;

  /// Throws ConfigError naming the field ("ftl.<key>") and its accepted range.
  void validate() const;
};

}  // namespace scnvme
