// The write buffer and the open blocks: every stream (host native, host pSLC, GC, fold) of every
// die appends mapping units to its open block; units are placed (their PPA fixed) when they enter
// the buffer, and a Program operation is issued each time a whole program unit is gathered. Host
// streams stripe program units over the dies through a DieSelector; GC and fold stay on their die.
// flush() programs partial program units, padding counted. A unit is "buffered" (reads are served
// from DRAM) from append until its program unit is issued; the timing layer holds the data of
// issued programs until they complete (write_buffer_program_units bounds that).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "backend/ftl/block_manager.h"
#include "backend/ftl/die_selector.h"
#include "backend/ftl/ftl_stats.h"
#include "backend/ftl/nand_op.h"

namespace scnvme::checkpoint {
class Archive;
}

namespace scnvme::detail::ftl {

enum class Stream : uint8_t { Host = 0, HostSlc = 1, Gc = 2, Fold = 3 };
constexpr uint32_t kStreams = 4;
inline bool is_slc_stream(Stream s) { return s == Stream::HostSlc; }

class WriteBuffer {
 public:
  WriteBuffer(const Layout& layout, BlockManager& blocks, DieSelector& dies, FtlStats& stats);

  /// The die a host stream's next unit goes to.
  uint32_t current_die(Stream s) const { return current_die_[static_cast<uint32_t>(s)]; }
  /// True when the next append to (s, die) has to open a block.
  bool needs_block(Stream s, uint32_t die) const { return cursor(s, die).block == kNoBlock; }
  uint32_t open_block(Stream s, uint32_t die) const { return cursor(s, die).block; }
  /// Places `lba` in the stream's open block of `die` (opening one from the pool if needed; the
  /// caller has made sure the pool is not empty); issues the Program when a program unit fills.
  Ppa append(Stream s, uint32_t die, uint32_t lba, OpPurpose purpose, NandOps* ops);
  /// Pads and programs the stream's partial program unit on `die`, if any.
  void flush(Stream s, uint32_t die, OpPurpose purpose, NandOps* ops);
  /// Moves a host stream on to the next die (its current one has no room left).
  void skip_die(Stream s) {
    uint32_t& cur = current_die_[static_cast<uint32_t>(s)];
    cur = dies_.next(cur, layout_.dies);
  }
  /// Closes the stream's open block on `die` before it is full, if it holds data and no partial
  /// program unit (an idle fold of the pSLC block being written); false otherwise.
  bool close_early(Stream s, uint32_t die);
  /// Power is lost: the host streams' open blocks are closed as they are (what they gathered is
  /// gone; the rest of each block stays unwritten until it is erased).
  void close_host_streams();
  /// The unit at `p` is placed but its program unit not issued yet.
  bool buffered(Ppa p) const;
  /// Units of (s, die) placed / issued for programming so far (padding included).
  uint64_t placed_total(Stream s, uint32_t die) const { return cursor(s, die).placed_total; }
  uint64_t issued_total(Stream s, uint32_t die) const { return cursor(s, die).issued_total; }
  /// Units placed but not yet issued, over all streams.
  uint64_t buffered_units() const;
  /// Checkpoints (flash_checkpoint.cpp): the state, saved or loaded.
  void persist(checkpoint::Archive& a);

 private:
  struct Cursor {
    uint32_t block = kNoBlock;
    uint32_t next = 0;      // next offset in the block
    uint32_t issued = 0;    // offsets below this are issued for programming
    uint32_t padding = 0;   // padding units in the partial program unit
    uint64_t placed_total = 0;
    uint64_t issued_total = 0;
  };
  Cursor& cursor(Stream s, uint32_t die) { return cursors_[die * kStreams + static_cast<uint32_t>(s)]; }
  const Cursor& cursor(Stream s, uint32_t die) const { return cursors_[die * kStreams + static_cast<uint32_t>(s)]; }
  void issue(Cursor& c, Stream s, uint32_t die, OpPurpose purpose, NandOps* ops);

  const Layout& layout_;
  BlockManager& blocks_;
  DieSelector& dies_;
  FtlStats& stats_;
  std::vector<Cursor> cursors_;
  std::array<uint32_t, kStreams> current_die_{};
  std::vector<uint8_t> open_stream_;  // per global block: the stream writing it (when open)
};

}  // namespace scnvme::detail::ftl
