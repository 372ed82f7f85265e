// The NAND flash timing engine: when the operations submitted to the dies finish. Data lives in
// the media store; this models time only.
//
// Resources
// - Die array: one array operation at a time (tR, tPROG, tBERS), owned by one transaction from
//   its start until the die is free again (see the operations below).
// - Die data (cache) register: holds a cache read's data until it is out, or a cache program's
//   data from its data in until its tPROG starts.
// - Channel bus: one command, status poll or data transfer at a time (nand_channel.h).
// - Power budget: at most max_busy_dies dies in an array operation (power_budget.h).
// ECC decoding is a latency after the data out, not a contended resource.
//
// Operations (durations in nand_timing.h)
// - Read: [power token] command(k) on the bus -> array read on the die -> status poll + data out
//   of k planes on the bus -> ECC -> done. Without cache read the die is free after the data out;
//   with it, once the data is in the data register (the next array read overlaps the data out; a
//   read whose data finds the register still full keeps the die until it empties).
// - Program: data in of the word line(s) on the bus -> [power token] tPROG -> status poll -> done;
//   the die is held throughout. With cache program the next program's data in goes to the data
//   register while the die is in tPROG; its tPROG starts when the die is free.
// - Erase: [power token] command(k) -> tBERS -> status poll -> done.
// - Suspend (when enabled): a read queued at a die in tPROG/tBERS suspends it if more than
//   suspend_ns of the array time remain and the operation has been suspended fewer than
//   suspend_max_per_op times: after suspend_ns the die serves the reads queued at that moment
//   (array held through each read's data out; the data register is left alone), then the
//   operation resumes with its remaining time + resume_ns. Reads still queued when a batch is done
//   start another round (counted as a suspension) while the limit allows.
// Scheduling: per-die queues under a NandScheduler policy (default ReadFirstScheduler); the bus
// serves commands and status polls first, then read data out, then program data in, FIFO within
// each class. Submissions at the same instant are scheduled together (one delta later).
//
// Speed: one SC_METHOD handles all timed events of the array (a heap of small event records);
// there is no process per die, and a transaction costs a handful of events. A read's command
// and its array read are scheduled together when the command starts (the bus is then busy until
// the command's end without an event unless another request waits for it: nand_channel.h), so
// a read costs three events: arrival, array done, data out done. Traced arrays keep an event for
// the command's end (the bus interval is drawn then); the times are the same.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include <systemc>

#include "backend/nand/nand_channel.h"
#include "backend/nand/nand_event_queue.h"
#include "backend/nand/nand_geometry.h"
#include "backend/nand/nand_scheduler.h"
#include "backend/nand/nand_stats.h"
#include "backend/nand/nand_timing.h"
#include "backend/nand/nand_transaction.h"
#include "backend/nand/power_budget.h"
#include "backend/nand/read_retry.h"
#include "trace/trace_signal.h"

namespace scnvme::checkpoint {
class Archive;
}

namespace scnvme::nand {

class FlashArray : public sc_core::sc_module {
 public:
  /// Validates `cfg` (ConfigError). `seed` seeds the read retry draws; `scheduler` defaults to
  /// ReadFirstScheduler.
  FlashArray(sc_core::sc_module_name name, const NandConfig& cfg, uint64_t seed,
             std::unique_ptr<NandScheduler> scheduler = nullptr);

  /// Queues `t` at its die. Throws std::invalid_argument for an address outside the geometry, a
  /// plane mask with planes that do not exist (or several without multi_plane), a read of more
  /// than a page; std::logic_error if `t` is still in flight.
  void submit(NandTransaction& t);
  /// As submit(), but `t` reaches its die's queue `delay` from now (its submitted time then); the
  /// request is checked now.
  void submit(NandTransaction& t, const sc_core::sc_time& delay);

  const NandConfig& config() const { return cfg_; }
  const NandGeometry& geometry() const { return geometry_; }
  const NandTiming& timing() const { return timing_; }
  NandStats stats() const;
  std::size_t in_flight() const { return in_flight_count_; }
  /// Nothing queued, in the dies or on the buses (a checkpoint may be taken).
  bool idle() const;
  /// Power is lost: every transaction queued, delayed or in progress ends without completing (no
  /// on_done, no done_event) and may be submitted again; the dies, data registers, buses and
  /// power budget are free from now on. Returns how many transactions were dropped.
  std::size_t power_loss();
  /// Checkpoints (backend/flash/flash_checkpoint.cpp): the state, saved or loaded.
  void persist(checkpoint::Archive& a);
  /// Declares `<prefix>.ch<C>.bus` and `<prefix>.ch<C>.die<D>.array` (D counted within the
  /// channel) to `sink`: bus transfers and array operations are reported as busy intervals.
  void attach_trace(TraceSink& sink, const std::string& prefix);

 private:
  struct Die {
    uint32_t channel = 0;
    NandTransaction* array = nullptr;      // owns the array
    NandTransaction* reg = nullptr;        // holds the data register
    NandTransaction* suspended = nullptr;  // program/erase suspended for reads
    bool in_array = false;                 // array operation, suspend or resume running
    bool dirty = false;
    uint32_t gen = 0;                      // generation of the pending ArrayDone
    uint32_t suspend_budget = 0;           // reads left in this suspension round
    sc_core::sc_time array_started, array_end_at, resume_done_at, held_since;
    NandDieStats stats;
    DepthTracker depth;
  };

  void check(NandTransaction& t);
  void enqueue(NandTransaction& t);
  void run();
  void handle(const NandEvent& e);
  void dispatch();
  void mark(uint32_t die);
  void mark_channel(uint32_t channel);

  // Dies (flash_array_dies.cpp).
  void service_die(uint32_t d);
  void start_read(uint32_t d, NandTransaction& t, bool in_suspension);
  void start_program(uint32_t d, NandTransaction& t);
  void load_program(uint32_t d, NandTransaction& t);
  void start_erase(uint32_t d, NandTransaction& t);
  void acquire_token(NandTransaction& t);
  void release_token();
  void token_granted(NandTransaction& t);
  /// The array operation runs from `at` (now, or a read's command end) for `duration`.
  void start_array(NandTransaction& t, const sc_core::sc_time& at, const sc_core::sc_time& duration);
  void array_done(uint32_t d);
  bool can_suspend(uint32_t d) const;
  void suspend(uint32_t d);
  void suspend_done(uint32_t d);
  void resume(uint32_t d);
  void set_array(Die& die, NandTransaction* t);
  void release_register(uint32_t d);

  // Trace names (flash_array_trace.cpp): "read", "program", "erase" ("gc ..." for background work).
  static const char* array_op_name(const NandTransaction& t);
  static const char* bus_op_name(BusOp op);

  // Bus and completion (flash_array.cpp).
  void bus(NandTransaction& t, BusOp op, const sc_core::sc_time& duration);
  void service_channel(uint32_t c);
  void bus_done(uint32_t c);
  /// The transaction is over for the array; `decode`: ECC decode time still to come (time.done).
  void finish(NandTransaction& t, const sc_core::sc_time& decode = sc_core::SC_ZERO_TIME);

  NandConfig cfg_;
  NandGeometry geometry_;
  NandTiming timing_;
  std::unique_ptr<NandScheduler> scheduler_;
  ReadRetry retry_;
  PowerBudget power_;
  std::vector<Die> dies_;
  std::vector<NandChannel> channels_;
  std::vector<NandChannelStats> channel_stats_;
  std::vector<bool> channel_dirty_;
  std::deque<uint32_t> dirty_dies_, dirty_channels_;
  NandEventQueue events_;
  sc_core::sc_event wake_;
  bool running_ = false;
  std::size_t in_flight_count_ = 0;
  uint32_t power_epoch_ = 0;  // transactions of an earlier epoch were dropped by power_loss()
  DepthTracker in_flight_;
  std::vector<scnvme::detail::TraceSignal> die_trace_, channel_trace_;  // empty: no trace attached
  NandStats totals_;  // counters only; dies, channels and depths are filled in by stats()
};

}  // namespace scnvme::nand
