// The NAND flash media: geometry, array and interface timing, ECC, read retry and the optional
// operations (multi-plane, cache read/program, program/erase suspend) with a power budget. One
// plain struct with defaults describing a client 3D TLC drive, validated by validate().
//
// Defaults: 8 channels x 4 targets x 2 dies = 64 dies of 4 planes; 228 blocks per plane of
// 1152 pages (384 word lines x 3 bits) of 16 KiB: 16.03 GiB per die, 1.002 TiB raw. Timing close
// to Samsung's 9x-layer TLC V-NAND (tR 50 us, tPROG 500 us per word line, 16 KiB pages: AnandTech,
// 983 ZET review, ISSCC 2018 data), tBERS 3.5 ms, a Toggle/ONFI 1600 MT/s x 8-bit bus. The
// per-page-type spread of tR (40/50/60 us), the pSLC figures, the command, polling, ECC and
// suspend costs are approximate, chosen to be typical rather than taken from one datasheet.
#pragma once

#include <array>
#include <cstdint>

#include "scnvme/config_error.h"

namespace scnvme {

/// Bits stored per cell = pages per word line.
enum class CellType : uint8_t { Slc = 1, Mlc = 2, Tlc = 3, Qlc = 4 };

/// The page types of a word line. SLC has only Lsb; MLC Lsb and Msb; TLC Lsb, Csb and Msb; QLC
/// all four (Tsb = top page). Indexes NandConfig::read_us.
enum class PageType : uint8_t { Lsb = 0, Csb = 1, Msb = 2, Tsb = 3 };

struct NandConfig {
  // --- Geometry ---------------------------------------------------------------------------------
  uint32_t channels = 8;               // flash channels (buses), 1..64
  uint32_t targets_per_channel = 4;    // chip enables per channel, 1..16
  uint32_t dies_per_target = 2;        // LUNs per target, 1..8
  uint32_t planes_per_die = 4;         // 1..32
  uint32_t blocks_per_plane = 228;     // 1..2^20
  uint32_t pages_per_block = 1152;     // a multiple of bits per cell, 1..65536
  uint32_t page_bytes = 16384;         // user data bytes per page: a multiple of 512 in [512, 65536]
  CellType cell_type = CellType::Tlc;

  // --- Array timing -----------------------------------------------------------------------------
  std::array<uint32_t, 4> read_us = {40, 50, 60, 70};  // tR by PageType (used entries: 1..100000)
  uint32_t program_us = 500;           // tPROG of one word line (all its pages; all planes of a
                                       // multi-plane program), 1..1000000
  uint32_t erase_us = 3500;            // tBERS, 1..1000000 (pSLC blocks too)
  uint32_t slc_read_us = 25;           // tR of a pSLC-mode block, 1..100000
  uint32_t slc_program_us = 160;       // tPROG of a pSLC-mode word line (one page), 1..1000000

  // --- Interface --------------------------------------------------------------------------------
  uint32_t interface_mts = 1600;       // data rate of the channel bus in MT/s, 1..10000
  uint32_t bus_width_bytes = 1;        // 1 (x8) or 2 (x16)
  uint32_t command_ns = 150;           // command + address cycles of one command sequence, 0..1000000
  uint32_t status_poll_ns = 100;       // one read-status poll on the bus, 0..1000000

  // --- ECC (in the controller: a latency after the data out, not a contended resource) ----------
  uint32_t ecc_codeword_bytes = 2048;  // user bytes per codeword, 64..65536
  uint32_t ecc_decode_ns = 500;        // decode time per codeword, 0..1000000

  // --- Endurance --------------------------------------------------------------------------------
  uint32_t rated_pe_cycles = 3000;     // rated program/erase cycles of a native block: SMART
                                       // Percentage Used = mean erase count / this, 1..1000000

  // --- Read retry -------------------------------------------------------------------------------
  // Each read attempt fails with probability p = read_retry_probability + read_retry_growth_per_kpe
  // x P/E cycles / 1000 (capped at 1) and is retried, up to read_retry_max retries, each adding
  // read_retry_extra_us of array time. A fresh drive: no retries (profiles set aged figures).
  double read_retry_probability = 0.0;     // [0, 1]
  double read_retry_growth_per_kpe = 0.0;  // added per 1000 P/E cycles, [0, 1]
  uint32_t read_retry_extra_us = 50;       // 1..100000
  uint32_t read_retry_max = 7;             // 0..64 (>= 1 when retries can happen)
  // A host read with Limited Retry set (CDW12 bit 31) gets at most this many retries: one that
  // needs more ends after them with Unrecovered Read Error instead of retrying on.
  uint32_t limited_retry_max = 1;          // 0..64

  // --- Optional operations ----------------------------------------------------------------------
  bool multi_plane = true;             // reads/programs/erases of one page/block index on several planes
  bool cache_read = true;              // the next array read overlaps the previous data out
  bool cache_program = true;           // the next data in overlaps the previous tPROG
  bool suspend = true;                 // program/erase suspend for reads
  uint32_t suspend_ns = 20000;         // suspend latency (array op halted, die ready), 0..100000000
  uint32_t resume_ns = 5000;           // extra time on resume, 0..100000000
  uint32_t suspend_max_per_op = 4;     // suspensions of one program/erase, 1..1000
  uint32_t max_busy_dies = 0;          // power budget: dies in an array operation at once, 0 = unlimited

  /// Throws ConfigError naming the field ("nand.<key>") and its accepted range.
  void validate() const;

  unsigned bits_per_cell() const { return static_cast<unsigned>(cell_type); }
  uint32_t dies() const { return channels * targets_per_channel * dies_per_target; }
  uint64_t raw_bytes() const {
    return uint64_t{dies()} * planes_per_die * blocks_per_plane * pages_per_block * page_bytes;
  }
};

}  // namespace scnvme
