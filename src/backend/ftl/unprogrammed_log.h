// Host data the FTL has placed but NAND does not hold yet: for each mapping unit a host write
// placed, where it went and where its previous copy was, kept until the program of its program
// unit completes (the timing layer reports that: Ftl::programmed()). A power loss without
// power-loss protection undoes these placements newest first (Ftl::power_loss()). The log holds
// only units still gathering in the write buffer or in programs in flight, so it is bounded by
// the write buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "backend/ftl/ftl_geometry.h"
#include "scnvme/checkpoint.h"

namespace scnvme::detail::ftl {

class UnprogrammedLog {
 public:
  struct Entry {
    uint64_t seq = 0;              // placement order
    uint32_t lba = 0;
    Ppa placed = kUnmapped;
    Ppa previous = kUnmapped;      // the copy it replaced (kUnmapped: none)
    uint32_t previous_erases = 0;  // erase count of the previous copy's block at the time
  };

  /// One log per die and mode (native / pSLC): the programs of one host stream on one die.
  explicit UnprogrammedLog(uint32_t dies) : logs_(std::size_t{dies} * 2) {}

  void add(uint32_t die, bool slc, uint32_t lba, Ppa placed, Ppa previous, uint32_t previous_erases) {
    logs_[index(die, slc)].push_back(Entry{next_seq_++, lba, placed, previous, previous_erases});
    ++size_;
  }
  /// The program of units [first, first + span) of one block (die `die`) completed; it held
  /// `units` host units (the rest was padding).
  void programmed(uint32_t die, bool slc, Ppa first, uint32_t span, uint32_t units);
  /// Every entry, newest first; the log is empty afterwards.
  std::vector<Entry> take_newest_first();
  void clear();
  std::size_t size() const { return size_; }
  uint64_t memory_bytes() const { return size_ * sizeof(Entry) + logs_.size() * sizeof(std::deque<Entry>); }
  /// Checkpoints (flash_checkpoint.cpp): the state, saved or loaded.
  void persist(checkpoint::Archive& a);

 private:
  std::size_t index(uint32_t die, bool slc) const { return std::size_t{die} * 2 + (slc ? 1 : 0); }
  std::vector<std::deque<Entry>> logs_;
  uint64_t next_seq_ = 0;
  std::size_t size_ = 0;
};

}  // namespace scnvme::detail::ftl
