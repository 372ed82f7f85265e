// The flash backend: the FTL (placement, garbage collection, write buffer) over the NAND timing
// engine (FlashArray), as the controller's I/O commands see it. Data stays in the namespaces'
// media stores; this decides when things happen.
//
// - Reads: the FTL's page reads (map-page reads of a DRAM-less drive first) go to the dies, host
//   priority; reads of units still in the write buffer or never written cost no NAND time.
//   Reads of one page index on several planes of a die are merged into a multi-plane read.
// - Writes: the data takes write-buffer space (DataBuffer, mapping units) on arrival and holds it
//   until the program of its program unit completes; a write completes once it has its space,
//   or, when it must be durable without power-loss protection (FUA, or no volatile write cache),
//   once its data is programmed (a partial program unit is padded out). Foreground GC issued by
//   a write runs at host priority ahead of that write's programs.
// - Flush: pads partial program units and waits for every host program issued before it.
// - Deallocate / Write Zeroes: whole mapping units are unmapped (never migrated afterwards).
// - Background: while a die has fewer free blocks than ftl.gc_background_free_blocks, garbage
//   collection runs one victim at a time at background priority beside the host's work; after
//   flash.background_idle_us without host commands, pSLC folding and GC-stream padding too.
// Namespaces are laid out one after another on the logical capacity, each from a mapping unit
// boundary.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <memory>
#include <unordered_map>
#include <vector>

#include <systemc>

#include "backend/ftl/ftl.h"
#include "backend/nand/flash_array.h"
#include "controller/data_buffer.h"
#include "scnvme/flash_config.h"
#include "scnvme/flash_stats.h"

namespace scnvme::detail {

/// The FTL geometry of a NAND configuration (one FTL die per NAND die, same numbering).
ftl::FtlGeometry ftl_geometry(const NandConfig& nand);

/// One host command's wait for its NAND operations; owned by the command's slot and reused.
/// A new command bumps `generation`: completions of a reset command's operations are ignored.
class FlashWait {
 public:
  sc_core::sc_event done;  // notified (immediately) when `pending` drops to 0
  uint64_t generation = 0;
  uint32_t pending = 0;
  sc_core::sc_time ready_at;  // when the data of the operations done so far is decoded
  ftl::NandOps deferred;   // operations to submit once `pending` is 0 (reads after map-page reads)
  uint32_t retry_limit = UINT32_MAX;  // host data reads' retries at most (Limited Retry), set after start()
  bool uncorrectable = false;         // a host data read needed more retries than retry_limit
  void start() {
    ++generation;
    pending = 0;
    ready_at = sc_core::SC_ZERO_TIME;
    deferred.clear();
    retry_limit = UINT32_MAX;
    uncorrectable = false;
  }
  bool idle() const { return pending == 0 && deferred.empty(); }
  /// Waits until `done` or `other` is notified. The list is built once per `other`: a fresh
  /// `done | other` costs three heap allocations on every wait, and this is every read's wait.
  void wait_done_or(const sc_core::sc_event& other) {
    if (done_or_other_ != &other) {
      sc_core::sc_event_or_list list;
      list |= done;
      list |= other;
      done_or_.swap(list);
      done_or_other_ = &other;
    }
    sc_core::wait(done_or_);
  }

 private:
  sc_core::sc_event_or_list done_or_;
  const sc_core::sc_event* done_or_other_ = nullptr;
};

class FlashBackend : public sc_core::sc_module {
 public:
  /// `volatile_cache`: the controller advertises a volatile write cache. Validates (ConfigError).
  FlashBackend(sc_core::sc_module_name name, const FlashConfig& cfg, bool volatile_cache, uint64_t seed);

  const FlashConfig& config() const { return cfg_; }
  uint64_t unit_bytes() const { return cfg_.ftl.mapping_unit_bytes; }
  uint64_t logical_bytes() const { return ftl_->logical_units() * unit_bytes(); }
  /// Places namespaces of these sizes (bytes) one after another; ConfigError when they exceed the
  /// logical capacity. Index i is the namespace's position in the controller's list. The first
  /// placement preconditions the drive (flash.precondition).
  void place_namespaces(const std::vector<uint64_t>& sizes);

  /// Mapping units [first, end) covering bytes of a namespace.
  struct Units {
    uint64_t first = 0, end = 0;
    bool partial_head = false, partial_tail = false;  // first / last unit only partly covered
    uint64_t count() const { return end - first; }
  };
  /// The units covering bytes [offset, offset + bytes) of the namespace whose first unit is
  /// `base` (namespace_base(), allocate_units()).
  Units units_at(uint64_t base, uint64_t offset, uint64_t bytes) const;
  /// A hint that a read of the namespace's block at byte `offset` comes: its mapping entry, a
  /// likely cache miss on a large drive, starts loading while other work runs.
  void prefetch_read(uint64_t base, uint64_t offset) const { ftl_->prefetch(base + offset / unit_bytes()); }
  /// First unit of the namespace at position `ns` of place_namespaces().
  uint64_t namespace_base(std::size_t ns) const { return ns < ns_base_.size() ? ns_base_[ns] : 0; }

  // --- Logical units of namespaces created at run time (Namespace Management). The units that
  // place_namespaces() did not give out are free; allocation is first fit over the free ranges.
  uint64_t units_for(uint64_t bytes) const { return (bytes + unit_bytes() - 1) / unit_bytes(); }
  /// Takes `count` units out of the lowest free range that holds them (false: none does).
  bool allocate_units(uint64_t count, uint64_t& first);
  /// Gives units back: they are unmapped (trimmed) and become free again.
  void release_units(uint64_t first, uint64_t count);
  uint64_t free_units() const;

  // --- Host operations: they submit NAND work `delay` from now and count it in `w` (to wait for
  // on w.done until w.pending is 0). Call begin_host() before and end_host() after each command.
  void begin_host();
  void end_host();
  /// Page reads of units [first, first + count). A DRAM-less drive's map-page reads go first; the
  /// data reads wait in w.deferred for submit_deferred() once they are done.
  void read(FlashWait& w, uint64_t first, uint64_t count, const sc_core::sc_time& delay);
  void submit_deferred(FlashWait& w);
  /// The partial head/tail units of a write that are on NAND (read-modify-write): reads them.
  void read_for_partial_write(FlashWait& w, const Units& u);
  /// Write-buffer space for `units` (FIFO; false: wait for write_buffer().changed()).
  DataBuffer& write_buffer() { return write_buffer_; }
  /// A write waited `how_long` for write-buffer space (statistics).
  void buffer_waited(const sc_core::sc_time& how_long) {
    ++buffer_waits_;
    buffer_wait_time_ += how_long;
  }
  /// Places the units and issues what that takes (foreground GC, programs); with `durable` (and no
  /// power-loss protection) the caller then waits for program_barrier().
  void write(uint64_t first, uint64_t count, bool durable);
  /// Pads partial program units; the caller then waits for program_barrier() (true) or not (false:
  /// nothing volatile, a power-loss protected buffer).
  bool flush();
  void trim(uint64_t first, uint64_t count);
  /// Durable writes and Flush: issued host programs are counted; the barrier is the last one
  /// issued, reached when every program up to it has completed.
  uint64_t program_barrier() const { return programs_issued_; }
  bool programs_done_through(uint64_t barrier) const { return programs_done_below_ > barrier; }
  const sc_core::sc_event& programs_progress() const { return programs_progress_; }
  bool needs_program_wait(bool durable) const { return durable && !cfg_.power_loss_protection; }

  FlashStats stats() const;
  const ftl::Ftl& ftl() const { return *ftl_; }
  const nand::FlashArray& array() const { return *array_; }
  /// Why the backend is not at a quiescent point ("" when it is): NAND work, buffered writes,
  /// background work (GC, folding, padding) not finished.
  std::string quiescence_blocker() const;
  /// Checkpoints (backend/flash/flash_checkpoint.cpp): the state, saved or loaded.
  void persist(checkpoint::Archive& a);
  /// Power is lost and restored: the NAND operations in flight are dropped, the write buffer's
  /// data is gone (units not yet programmed are undone in the FTL unless the buffer is power-loss
  /// protected; see Ftl::power_loss()), durability barriers are released, and the recovery's own
  /// work (programming the GC streams' partial units, erasing their victims) is submitted.
  /// Commands waiting here are ended by the controller's reset.
  void power_loss();
  /// Declares the NAND array's signals and `<prefix>.write_buffer.units` to `sink`.
  void attach_trace(TraceSink& sink, const std::string& prefix) {
    array_->attach_trace(sink, prefix);
    write_buffer_trace_.declare(sink, prefix + ".write_buffer.units", 32);
    write_buffer_.trace_to(&write_buffer_trace_);
  }

 private:
  struct Slot {
    nand::NandTransaction t;
    FlashWait* wait = nullptr;
    uint64_t generation = 0;
    uint32_t release_units = 0;  // host program: write-buffer units freed when it completes
    uint64_t program_seq = 0;    // host program: its number (0: not counted)
    ftl::NandOp program;         // host program: the FTL's operation (reported back when done)
    uint64_t merge_key = ~0ull;  // read: die, block, plane page and mode (multi-plane merging)
  };

  void submit(const ftl::NandOps& ops, FlashWait* w, const sc_core::sc_time& delay, bool background);
  Slot& take_slot();
  void completed(nand::NandTransaction& t);
  void background_thread();
  void note_write_work();

  FlashConfig cfg_;
  bool volatile_cache_;
  std::unique_ptr<ftl::Ftl> ftl_;
  std::unique_ptr<nand::FlashArray> array_;
  ftl::PreconditionReport precondition_;
  uint64_t seed_;
  bool preconditioned_ = false;
  std::vector<uint64_t> ns_base_;  // first unit of each namespace
  std::map<uint64_t, uint64_t> free_ranges_;  // free logical units: first -> end (disjoint, not adjacent)
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<uint32_t> free_slots_;
  DataBuffer write_buffer_;
  detail::TraceSignal write_buffer_trace_;

  // Host programs in flight, for durability barriers.
  uint64_t programs_issued_ = 0;
  uint64_t programs_done_below_ = 1;      // every program numbered below this has completed
  std::deque<bool> program_done_;         // completion flags of programs numbered >= done_below
  sc_core::sc_event programs_progress_;

  // Background work.
  uint32_t host_active_ = 0;
  bool background_waiting_ = false;       // the thread waits for a kick (or the idle delay)
  bool background_work_ = false;          // writes or trims since background_step found nothing
  sc_core::sc_time last_host_activity_;
  sc_core::sc_event background_kick_;     // the host went quiet, or writes made collection wanted
  FlashWait background_wait_;

  // Scratch space reused by every submission (no allocation per command once warm).
  ftl::NandOps ops_;
  std::vector<Slot*> batch_;
  std::unordered_map<uint64_t, Slot*> merge_;

  // Statistics kept here.
  uint64_t read_modify_writes_ = 0;
  uint64_t power_loss_ops_dropped_ = 0;
  uint64_t buffer_waits_ = 0;
  sc_core::sc_time buffer_wait_time_;
};

}  // namespace scnvme::detail
