// What the flash backend did: NAND utilisation and operation counts, FTL activity and write
// amplification, and how the drive was preconditioned. Controller::flash_stats() returns it.
#pragma once

#include <cstdint>
#include <vector>

#include <systemc>

namespace scnvme {

struct FlashStats {
  bool enabled = false;          // false: no flash backend (everything else is zero)
  sc_core::sc_time elapsed;      // simulated time the figures cover (since time 0)

  // --- NAND (completed operations; pages/blocks count every plane) ---
  std::vector<sc_core::sc_time> die_array_busy;  // per die: time in tR / tPROG / tBERS
  std::vector<sc_core::sc_time> die_held;        // per die: owned by an operation (array + bus waits)
  std::vector<double> die_mean_queue_depth;      // per die: transactions queued or running, time-weighted
  std::vector<uint64_t> die_max_queue_depth;
  std::vector<sc_core::sc_time> channel_busy;    // per channel: commands, polls and data on the bus
  double mean_in_flight = 0;                     // NAND transactions in flight, time-weighted
  uint64_t max_in_flight = 0;
  uint64_t nand_reads = 0, nand_programs = 0, nand_erases = 0;
  uint64_t pages_read = 0, pages_programmed = 0, blocks_erased = 0;
  uint64_t read_retries = 0;
  uint64_t suspends = 0;
  uint64_t power_waits = 0;

  // --- FTL (mapping units; since preconditioning ended) ---
  uint64_t mapping_unit_bytes = 0;
  uint64_t logical_units = 0;
  uint64_t host_units_written = 0, host_units_read = 0, host_units_trimmed = 0;
  uint64_t unmapped_reads = 0, buffer_read_hits = 0;
  uint64_t nand_units_programmed = 0, padding_units = 0;
  uint64_t gc_units_migrated = 0, gc_page_reads = 0;
  uint64_t gc_victims_foreground = 0, gc_victims_background = 0;
  uint64_t ftl_blocks_erased = 0;
  uint64_t slc_units_written = 0, slc_bypass_units = 0, slc_units_read = 0, slc_blocks_folded = 0;
  uint64_t fold_units_migrated = 0;
  uint64_t map_hits = 0, map_misses = 0, map_writebacks = 0;
  double waf = 0;                                // NAND units programmed / host units written
  uint32_t wear_min = 0, wear_max = 0;           // erase counts of native blocks
  double wear_mean = 0;

  // --- Host-visible waits ---
  uint64_t buffer_waits = 0;                     // writes that waited for write-buffer space
  sc_core::sc_time buffer_wait_time;
  uint64_t write_buffer_units = 0;               // capacity, mapping units
  uint64_t write_buffer_peak_units = 0;
  uint64_t read_modify_writes = 0;               // partial-unit writes that read the unit first

  // --- Power losses (Controller power loss with the flash backend) ---
  uint64_t power_losses = 0;
  uint64_t power_loss_units_lost = 0;            // host units not yet programmed when power went
  uint64_t power_loss_units_restored = 0;        // of those, mapped to their previous copy again
  uint64_t power_loss_nand_ops_dropped = 0;      // NAND operations queued or running at the time

  // --- Preconditioning ---
  const char* precondition = "none";             // "none", "fill" or "steady"
  uint64_t precondition_units_written = 0;
  double precondition_waf = 0, precondition_steady_waf = 0;
  double precondition_seconds = 0;               // host wall-clock time it took
  uint64_t ftl_memory_bytes = 0;
};

}  // namespace scnvme
