// FlashArray: the dies' state machine (what a die starts next, array operations, the power
// budget, cache registers, suspend and resume). The rules are described in flash_array.h.
#include <algorithm>

#include "backend/nand/flash_array.h"
#include "sim_now.h"

namespace scnvme::nand {

using detail::Stage;
using sc_core::sc_time;

void FlashArray::service_die(uint32_t d) {
  Die& die = dies_[d];
  // A suspended program/erase: serve the reads of this round, start another round while reads
  // are queued and the limit allows, then resume.
  if (!die.array && die.suspended) {
    NandTransaction& owner = *die.suspended;
    if (die.suspend_budget == 0 && scheduler_->queued(d, NandOp::Read) > 0 &&
        owner.suspends < cfg_.suspend_max_per_op) {
      die.suspend_budget = static_cast<uint32_t>(scheduler_->queued(d, NandOp::Read));
      ++owner.suspends;
      ++totals_.suspends;
      ++die.stats.suspends;
    }
    if (die.suspend_budget > 0) {
      if (NandTransaction* r = scheduler_->peek(d, OpSet{true, false, false})) {
        scheduler_->pop(d, r);
        --die.suspend_budget;
        start_read(d, *r, true);
        return;
      }
      die.suspend_budget = 0;
    }
    resume(d);
    return;
  }
  if (!die.array) {
    // Cache program: data loaded during the previous tPROG goes first.
    if (die.reg && die.reg->engine.stage == Stage::WaitArray) {
      NandTransaction& p = *die.reg;
      die.reg = nullptr;
      set_array(die, &p);
      p.engine.stage = Stage::WaitToken;
      acquire_token(p);
      mark(d);  // the register is free again
      return;
    }
    // The register may hold a cache read's data (reads and erases can start; a program needs the
    // register for its data in) or a program's data being loaded (nothing starts before it).
    const bool reg_free = !die.reg;
    const bool reg_read = die.reg && die.reg->op == NandOp::Read;
    NandTransaction* t = scheduler_->peek(d, OpSet{reg_free || reg_read, reg_free, reg_free || reg_read});
    if (!t) return;
    scheduler_->pop(d, t);
    switch (t->op) {
      case NandOp::Read: start_read(d, *t, false); break;
      case NandOp::Program: start_program(d, *t); break;
      case NandOp::Erase: start_erase(d, *t); break;
    }
    return;
  }
  // The die is in a program's or erase's array phase: suspend it for reads, or load the next
  // program's data into the register (cache program) when the policy picks a program next.
  NandTransaction& owner = *die.array;
  if (owner.op == NandOp::Read || owner.engine.stage != Stage::Array) return;
  if (can_suspend(d)) {
    suspend(d);
    return;
  }
  if (cfg_.cache_program && owner.op == NandOp::Program && !die.reg) {
    NandTransaction* next = scheduler_->peek(d, OpSet::all());
    if (next && next->op == NandOp::Program) {
      scheduler_->pop(d, next);
      load_program(d, *next);
    }
  }
}

// --- Starting operations -------------------------------------------------------------------------

void FlashArray::start_read(uint32_t d, NandTransaction& t, bool in_suspension) {
  t.time.started = sim_now();
  t.engine.in_suspension = in_suspension;
  set_array(dies_[d], &t);
  t.engine.stage = Stage::WaitToken;
  acquire_token(t);
}

void FlashArray::start_erase(uint32_t d, NandTransaction& t) {
  t.time.started = sim_now();
  set_array(dies_[d], &t);
  t.engine.stage = Stage::WaitToken;
  acquire_token(t);
}

void FlashArray::start_program(uint32_t d, NandTransaction& t) {
  t.time.started = sim_now();
  Die& die = dies_[d];
  set_array(die, &t);
  die.reg = &t;
  bus(t, BusOp::DataIn, timing_.data_in(t.engine.planes, t.slc));
}

void FlashArray::load_program(uint32_t d, NandTransaction& t) {
  t.time.started = sim_now();
  dies_[d].reg = &t;
  bus(t, BusOp::DataIn, timing_.data_in(t.engine.planes, t.slc));
}

// --- Power budget and array operations -----------------------------------------------------------

void FlashArray::acquire_token(NandTransaction& t) {
  if (power_.acquire(t.engine.die, t.op == NandOp::Read)) {
    token_granted(t);
  } else {
    ++totals_.power_waits;
  }
}

void FlashArray::release_token() {
  const uint32_t next = power_.release();
  if (next != PowerBudget::kNone) token_granted(*dies_[next].array);
}

void FlashArray::token_granted(NandTransaction& t) {
  if (t.engine.stage == Stage::Suspended) {  // resume: overhead, then the remaining array time
    const sc_time now = sim_now();
    dies_[t.engine.die].resume_done_at = now + timing_.resume();
    start_array(t, now, timing_.resume() + t.engine.remaining);
    return;
  }
  switch (t.op) {
    case NandOp::Read:
    case NandOp::Erase: bus(t, BusOp::Command, timing_.command(t.engine.planes)); break;
    case NandOp::Program:
      t.time.array_start = sim_now();
      start_array(t, t.time.array_start, timing_.program(t.slc));
      break;
  }
}

void FlashArray::start_array(NandTransaction& t, const sc_time& at, const sc_time& duration) {
  const uint32_t d = t.engine.die;
  Die& die = dies_[d];
  t.engine.stage = Stage::Array;
  die.in_array = true;
  die.array_started = at;
  if (!die_trace_.empty()) die_trace_[d].begin(at, array_op_name(t));
  die.array_end_at = at + duration;
  events_.push(die.array_end_at, EventKind::ArrayDone, d, die.gen);
  if (t.op != NandOp::Read) mark(d);  // queued reads may suspend it, a next program may load
}

void FlashArray::array_done(uint32_t d) {
  Die& die = dies_[d];
  const sc_time now = sim_now();
  NandTransaction& t = *die.array;
  die.in_array = false;
  die.stats.array_busy += now - die.array_started;
  if (!die_trace_.empty()) die_trace_[d].end(now);
  t.time.array_end = now;
  release_token();
  if (t.op != NandOp::Read) {
    bus(t, BusOp::Poll, timing_.status_poll());
    return;
  }
  const sc_time out = timing_.data_out(t.engine.planes, t.engine.bytes_per_plane);
  if (cfg_.cache_read && !t.engine.in_suspension) {
    if (die.reg) {  // the register still holds the previous read's data: keep the die
      t.engine.stage = Stage::WaitRegister;
      return;
    }
    die.reg = &t;
    set_array(die, nullptr);
    mark(d);
  }
  bus(t, BusOp::DataOut, out);
}

void FlashArray::release_register(uint32_t d) {
  Die& die = dies_[d];
  die.reg = nullptr;
  mark(d);
  if (die.array && die.array->engine.stage == Stage::WaitRegister) {  // the next read's data moves in
    NandTransaction& w = *die.array;
    die.reg = &w;
    set_array(die, nullptr);
    bus(w, BusOp::DataOut, timing_.data_out(w.engine.planes, w.engine.bytes_per_plane));
  }
}

void FlashArray::set_array(Die& die, NandTransaction* t) {
  const sc_time now = sim_now();
  if (die.array) die.stats.held += now - die.held_since;
  die.array = t;
  if (t) die.held_since = now;
}

// --- Suspend and resume --------------------------------------------------------------------------

bool FlashArray::can_suspend(uint32_t d) const {
  const Die& die = dies_[d];
  const NandTransaction& owner = *die.array;
  if (!cfg_.suspend || !die.in_array || owner.suspends >= cfg_.suspend_max_per_op) return false;
  if (scheduler_->queued(d, NandOp::Read) == 0) return false;
  const sc_time now = sim_now();
  return die.array_end_at - std::max(now, die.resume_done_at) > timing_.suspend();
}

void FlashArray::suspend(uint32_t d) {
  Die& die = dies_[d];
  NandTransaction& owner = *die.array;
  const sc_time now = sim_now();
  ++die.gen;  // cancels the pending ArrayDone
  owner.engine.remaining = die.array_end_at - std::max(now, die.resume_done_at);
  owner.engine.stage = Stage::Suspending;
  ++owner.suspends;
  ++totals_.suspends;
  ++die.stats.suspends;
  events_.push(now + timing_.suspend(), EventKind::SuspendDone, d);
}

void FlashArray::suspend_done(uint32_t d) {
  Die& die = dies_[d];
  NandTransaction& owner = *die.array;
  die.in_array = false;
  die.stats.array_busy += sim_now() - die.array_started;
  if (!die_trace_.empty()) die_trace_[d].end(sim_now());
  owner.engine.stage = Stage::Suspended;
  die.suspended = &owner;
  set_array(die, nullptr);
  die.suspend_budget = static_cast<uint32_t>(scheduler_->queued(d, NandOp::Read));
  release_token();
  mark(d);
}

void FlashArray::resume(uint32_t d) {
  Die& die = dies_[d];
  NandTransaction& owner = *die.suspended;
  die.suspended = nullptr;
  set_array(die, &owner);
  acquire_token(owner);  // stage stays Suspended until the token comes: token_granted() resumes
}

}  // namespace scnvme::nand
