// FlashArray: submission, the event loop, the channel buses and completion. The dies' state
// machine is in flash_array_dies.cpp.
#include "backend/nand/flash_array.h"

#include <bitset>
#include <stdexcept>
#include <string>

#include "sim_now.h"

namespace scnvme::nand {

using sc_core::sc_time;

FlashArray::FlashArray(sc_core::sc_module_name name, const NandConfig& cfg, uint64_t seed,
                       std::unique_ptr<NandScheduler> scheduler)
    : sc_core::sc_module((cfg.validate(), name)),  // a bad configuration throws before the module exists
      cfg_(cfg),
      geometry_(cfg_),
      timing_(cfg_),
      scheduler_(scheduler ? std::move(scheduler) : std::make_unique<ReadFirstScheduler>(geometry_.dies())),
      retry_(cfg_, seed),
      power_(cfg_.max_busy_dies),
      dies_(geometry_.dies()),
      channels_(geometry_.channels()),
      channel_stats_(geometry_.channels()),
      channel_dirty_(geometry_.channels(), false) {
  for (uint32_t d = 0; d < dies_.size(); ++d) dies_[d].channel = geometry_.channel_of(d);
  SC_HAS_PROCESS(FlashArray);
  SC_METHOD(run);
  sensitive << wake_;
  dont_initialize();
}

void FlashArray::check(NandTransaction& t) {
  if (t.engine.stage != detail::Stage::Idle && t.engine.stage != detail::Stage::Done && t.engine.power_epoch == power_epoch_)
    throw std::logic_error("nand: transaction submitted while still in flight");
  NandAddress a = t.addr;
  const uint32_t all_planes = (cfg_.planes_per_die == 32) ? 0xFFFFFFFFu : ((1u << cfg_.planes_per_die) - 1);
  if (t.plane_mask & ~all_planes) throw std::invalid_argument("nand: plane_mask names planes the die does not have");
  const unsigned planes = t.plane_mask ? static_cast<unsigned>(std::bitset<32>(t.plane_mask).count()) : 1u;
  if (planes > 1 && !cfg_.multi_plane) throw std::invalid_argument("nand: multi-plane operation without nand.multi_plane");
  if (t.plane_mask) a.plane = 0;  // the mask names the planes; addr.plane is not used
  if (!geometry_.contains(a)) throw std::invalid_argument("nand: address outside the geometry");
  if (t.slc && a.page >= geometry_.word_lines_per_block())
    throw std::invalid_argument("nand: page beyond the word lines of a pSLC block");
  if (t.op == NandOp::Read && t.bytes > cfg_.page_bytes) throw std::invalid_argument("nand: read of more than a page");

  auto& e = t.engine;
  e = detail::EngineState{};
  e.stage = detail::Stage::Queued;
  e.power_epoch = power_epoch_;
  e.die = geometry_.die_index(a);
  e.planes = planes;
  e.bytes_per_plane = t.bytes ? t.bytes : cfg_.page_bytes;
  t.time = NandTimestamps{};
  t.retries = t.op == NandOp::Read ? retry_.draw(t.pe_cycles) : 0;
  t.uncorrectable = t.retries > t.retry_limit;  // (drawn in full all the same: later draws stay as they were)
  if (t.uncorrectable) t.retries = t.retry_limit;
  t.suspends = 0;
  ++in_flight_count_;
}

void FlashArray::submit(NandTransaction& t) {
  check(t);
  enqueue(t);
}

void FlashArray::submit(NandTransaction& t, const sc_time& delay) {
  if (delay == sc_core::SC_ZERO_TIME) return submit(t);
  check(t);
  events_.push(sim_now() + delay, EventKind::Arrive, 0, 0, &t);
  if (!running_) wake_.notify(delay);  // (an earlier pending wake-up stays)
}

void FlashArray::enqueue(NandTransaction& t) {
  const sc_time now = sim_now();
  const uint32_t die = t.engine.die;
  t.time.submitted = now;
  in_flight_.change(+1, now);
  dies_[die].depth.change(+1, now);
  scheduler_->push(die, &t);
  mark(die);
  if (!running_) wake_.notify(sc_core::SC_ZERO_TIME);
}

void FlashArray::run() {
  running_ = true;
  const sc_time now = sim_now();
  for (;;) {
    while (!events_.empty() && events_.next() <= now) handle(events_.pop());
    dispatch();
    if (events_.empty() || events_.next() > now) break;  // zero-duration steps loop here
  }
  running_ = false;
  if (!events_.empty()) wake_.notify(events_.next() - now);
}

void FlashArray::handle(const NandEvent& e) {
  switch (e.kind) {
    case EventKind::ChannelDone: bus_done(e.index); break;
    case EventKind::ArrayDone:
      if (dies_[e.index].gen == e.gen) array_done(e.index);  // else cancelled by a suspension
      break;
    case EventKind::SuspendDone: suspend_done(e.index); break;
    case EventKind::Arrive: enqueue(*e.txn); break;
  }
}

void FlashArray::dispatch() {
  while (!dirty_dies_.empty() || !dirty_channels_.empty()) {
    while (!dirty_dies_.empty()) {
      const uint32_t d = dirty_dies_.front();
      dirty_dies_.pop_front();
      dies_[d].dirty = false;
      service_die(d);
    }
    while (!dirty_channels_.empty()) {
      const uint32_t c = dirty_channels_.front();
      dirty_channels_.pop_front();
      channel_dirty_[c] = false;
      service_channel(c);
    }
  }
}

void FlashArray::mark(uint32_t die) {
  if (dies_[die].dirty) return;
  dies_[die].dirty = true;
  dirty_dies_.push_back(die);
}

void FlashArray::mark_channel(uint32_t channel) {
  if (channel_dirty_[channel]) return;
  channel_dirty_[channel] = true;
  dirty_channels_.push_back(channel);
}

std::size_t FlashArray::power_loss() {
  const sc_time now = sim_now();
  const std::size_t dropped = in_flight_count_;
  ++power_epoch_;  // the dropped transactions may be submitted again (check())
  events_ = NandEventQueue{};  // pending completions, suspensions and delayed arrivals
  for (uint32_t d = 0; d < dies_.size(); ++d) {
    Die& die = dies_[d];
    while (NandTransaction* t = scheduler_->peek(d, OpSet::all())) scheduler_->pop(d, t);
    if (die.in_array && now > die.array_started) {  // (a read's may start after its command)
      die.stats.array_busy += now - die.array_started;
      if (!die_trace_.empty()) die_trace_[d].end(now);
    }
    set_array(die, nullptr);
    die.reg = nullptr;
    die.suspended = nullptr;
    die.in_array = false;
    die.dirty = false;
    ++die.gen;
    die.suspend_budget = 0;
    die.resume_done_at = now;
    die.depth.change(-static_cast<int64_t>(die.depth.at(now).current), now);
  }
  for (uint32_t c = 0; c < channels_.size(); ++c) {
    if (!channels_[c].idle() && !channel_trace_.empty()) channel_trace_[c].end(now);
    channels_[c] = NandChannel{};
    channel_dirty_[c] = false;
  }
  dirty_dies_.clear();
  dirty_channels_.clear();
  power_ = PowerBudget(cfg_.max_busy_dies);
  in_flight_.change(-static_cast<int64_t>(in_flight_.at(now).current), now);
  in_flight_count_ = 0;
  return dropped;
}

// --- Channel buses -------------------------------------------------------------------------------

void FlashArray::bus(NandTransaction& t, BusOp op, const sc_time& duration) {
  using detail::Stage;
  t.engine.stage = op == BusOp::Command ? Stage::Command
                   : op == BusOp::DataOut ? Stage::DataOut
                   : op == BusOp::DataIn  ? Stage::DataIn
                                          : Stage::Poll;
  const uint32_t c = dies_[t.engine.die].channel;
  channels_[c].request(BusRequest{&t, op, duration});
  mark_channel(c);
}

void FlashArray::service_channel(uint32_t c) {
  NandChannel& ch = channels_[c];
  const sc_time now = sim_now();
  ch.finish_due(now);  // a read command timed by busy_until() that is over
  if (ch.needs_wake()) events_.push(ch.end(), EventKind::ChannelDone, c);
  if (!ch.idle() || !ch.has_waiting()) return;
  const BusRequest& r = ch.start();
  if (r.op == BusOp::DataOut || r.op == BusOp::DataIn) r.txn->time.transfer_start = now;
  if (r.op == BusOp::Command && r.txn->op == NandOp::Read && channel_trace_.empty()) {
    // A read's command: its array time follows at once, so it starts now to end at the command's
    // end plus tR, and the bus is busy until the command's end without an event of its own (one
    // event fewer per read; the same times). Traced runs take the evented path to draw the bus.
    channel_stats_[c].busy += r.duration;
    ch.busy_until(now + r.duration);
    NandTransaction& t = *r.txn;
    t.time.array_start = now + r.duration;
    start_array(t, t.time.array_start, timing_.array_read(geometry_.page_type(t.addr.page), t.slc, t.retries));
    if (ch.needs_wake()) events_.push(ch.end(), EventKind::ChannelDone, c);
    return;
  }
  if (!channel_trace_.empty()) channel_trace_[c].begin(now, bus_op_name(r.op));
  events_.push(now + r.duration, EventKind::ChannelDone, c);
}

void FlashArray::bus_done(uint32_t c) {
  NandChannel& ch = channels_[c];
  if (ch.until()) {  // a read command timed by busy_until() (its array time is running)
    ch.finish();
    mark_channel(c);
    return;
  }
  const BusRequest r = ch.finish();
  channel_stats_[c].busy += r.duration;
  if (!channel_trace_.empty()) channel_trace_[c].end(sim_now());
  mark_channel(c);
  NandTransaction& t = *r.txn;
  const uint32_t d = t.engine.die;
  Die& die = dies_[d];
  const sc_time now = sim_now();
  switch (r.op) {
    case BusOp::Command:  // read (traced runs) or erase: the array operation starts
      t.time.array_start = now;
      start_array(t, now,
                  t.op == NandOp::Read ? timing_.array_read(geometry_.page_type(t.addr.page), t.slc, t.retries)
                                       : timing_.erase());
      break;
    case BusOp::DataOut: {
      t.time.transfer_end = now;
      channel_stats_[c].bytes_out += uint64_t{t.engine.bytes_per_plane} * t.engine.planes;
      if (die.reg == &t) release_register(d);
      if (die.array == &t) set_array(die, nullptr);
      mark(d);
      // The controller's ECC engine decodes the data after this: no NAND resource is involved,
      // so the transaction ends here and reports its decode time in time.done.
      finish(t, timing_.ecc(t.engine.bytes_per_plane) * t.engine.planes);
      break;
    }
    case BusOp::DataIn:
      t.time.transfer_end = now;
      channel_stats_[c].bytes_in += uint64_t{cfg_.page_bytes} * timing_.pages_per_word_line(t.slc) * t.engine.planes;
      if (die.array == &t) {  // the die is ours: release the register and start tPROG
        die.reg = nullptr;
        t.engine.stage = detail::Stage::WaitToken;
        acquire_token(t);
      } else {  // cache program: the data waits in the register for the die
        t.engine.stage = detail::Stage::WaitArray;
        mark(d);
      }
      break;
    case BusOp::Poll:
      set_array(die, nullptr);
      mark(d);
      finish(t);
      break;
  }
}

// --- Completion and statistics -------------------------------------------------------------------

void FlashArray::finish(NandTransaction& t, const sc_time& decode) {
  const sc_time now = sim_now();
  Die& die = dies_[t.engine.die];
  t.engine.stage = detail::Stage::Done;
  t.time.done = now + decode;
  --in_flight_count_;
  in_flight_.change(-1, now);
  die.depth.change(-1, now);
  const uint64_t planes = t.engine.planes;
  switch (t.op) {
    case NandOp::Read:
      ++totals_.reads;
      ++die.stats.reads;
      totals_.pages_read += planes;
      totals_.retries += t.retries;
      break;
    case NandOp::Program:
      ++totals_.programs;
      ++die.stats.programs;
      totals_.pages_programmed += planes * timing_.pages_per_word_line(t.slc);
      break;
    case NandOp::Erase:
      ++totals_.erases;
      ++die.stats.erases;
      totals_.blocks_erased += planes;
      break;
  }
  if (t.done_event) t.done_event->notify(decode);  // SC_ZERO_TIME: the next delta cycle
  if (t.on_done) {
    // Moved out while it runs: the callback may resubmit the transaction or replace on_done. It
    // goes back unless replaced (a transaction cannot complete again before this returns).
    auto callback = std::move(t.on_done);
    t.on_done = nullptr;
    callback(t);
    if (!t.on_done) t.on_done = std::move(callback);
  }
}

NandStats FlashArray::stats() const {
  const sc_time now = sim_now();
  NandStats s = totals_;
  s.in_flight = in_flight_.at(now);
  s.channels = channel_stats_;
  s.dies.reserve(dies_.size());
  for (const Die& die : dies_) {
    NandDieStats ds = die.stats;
    if (die.in_array && now > die.array_started) ds.array_busy += now - die.array_started;
    if (die.array) ds.held += now - die.held_since;
    ds.depth = die.depth.at(now);
    s.dies.push_back(ds);
  }
  return s;
}

}  // namespace scnvme::nand
