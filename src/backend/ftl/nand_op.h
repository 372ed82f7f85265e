// The NAND operations the FTL asks for, in the order they must happen, each tagged with what it
// is for so the timing layer can prioritise (host reads over garbage collection, say). The FTL
// decides placement only; the glue layer turns these into timed NAND transactions.
#pragma once

#include <cstdint>
#include <vector>

namespace scnvme::detail::ftl {

enum class NandOpType : uint8_t {
  Read,     // one page (the units it needs from it)
  Program,  // one program unit: `pages` consecutive FTL pages (a word line on every plane)
  Erase,    // one FTL block (the block index on every plane)
};

enum class OpPurpose : uint8_t {
  Host,  // host data (reads, and programs of the write buffer including flush padding)
  Gc,    // garbage collection: migrating reads and programs, and the victim's erase
  Fold,  // folding the pSLC cache into native blocks
  Map,   // mapping-table pages of a DRAM-less drive (cache misses and dirty write-backs)
};

/// Map pages of a DRAM-less drive live outside the data blocks: `block` is kMapBlock and `page`
/// the map page's index on its die (map page i is on die i % dies, page i / dies, pSLC mode).
constexpr uint32_t kMapBlock = 0xFFFFFFFFu;

struct NandOp {
  NandOpType type = NandOpType::Read;
  OpPurpose purpose = OpPurpose::Host;
  bool slc = false;            // the block runs in pSLC mode
  uint32_t die = 0;
  uint32_t block = 0;          // block within the die (kMapBlock for map pages)
  uint32_t page = 0;           // first FTL page within the block (Layout::plane_page locates it)
  uint32_t pages = 0;          // Read: 1; Program: pages of the program unit; Erase: 0
  uint32_t units = 0;          // Read: mapping units needed from the page; Program: data units
  uint32_t padding_units = 0;  // Program: units of padding (a flushed partial program unit)
};

using NandOps = std::vector<NandOp>;

const char* to_string(NandOpType t);
const char* to_string(OpPurpose p);

}  // namespace scnvme::detail::ftl
