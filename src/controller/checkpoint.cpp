// Checkpoints of one controller (scnvme/checkpoint.h): the quiescence rule and the state saved at
// a quiescent point. A restore runs in a freshly elaborated simulation advanced to the
// checkpoint's time; it overwrites the power-on state and re-arms the timers, so the resumed run
// continues with the same absolute times as the uninterrupted one.
//
// Not saved, because a quiescent point has none of it: commands in slots, fetched or held SQ
// entries, CQEs and interrupt messages on their way, register side effects still pending, held
// data buffer space, an enable/reset/shutdown or firmware activation in progress. Not saved by
// choice: the trace-point filter and attached trace sinks (the integrator's settings), DMI regions
// (asked for again), armed fault injections (a save refuses while one is armed).
#include <sstream>

#include "checkpoint/config_state.h"
#include "controller/controller_impl.h"
#include "scnvme/spec/nvme_registers.h"
#include "sim_now.h"

namespace scnvme {

void persist(checkpoint::Archive& a, ControllerStats& s) {
  a.io(s.commands_fetched);
  a.io(s.commands_completed);
  a.io(s.commands_failed);
  a.io(s.interrupts_sent);
  a.io(s.guest_errors);
  a.io(s.controller_resets);
  a.io(s.subsystem_resets);
  a.io(s.function_level_resets);
  a.io(s.link_upstream_busy);
  a.io(s.link_downstream_busy);
  a.io(s.slots_busy);
  a.io(s.dma_engines_busy);
  a.io(s.data_buffer_byte_seconds);
  a.io(s.data_buffer_peak_bytes);
}

namespace spec {
void persist(checkpoint::Archive& a, Sqe& s) { a.raw(s.raw.data(), s.raw.size()); }
void persist(checkpoint::Archive& a, Cqe& c) { a.raw(c.raw.data(), c.raw.size()); }
void persist(checkpoint::Archive& a, Status& s) {
  a.io(s.sct);
  a.io(s.sc);
  a.io(s.more);
  a.io(s.dnr);
}
}  // namespace spec

namespace detail {

void persist(checkpoint::Archive& a, DmaTimeline& t) {
  a.io(t.at);
  a.io(t.list_entries);
}

void persist(checkpoint::Archive& a, Command& c) {
  a.io(c.state);
  a.io(c.epoch);
  a.io(c.sqid);
  a.io(c.sq_entry);
  a.io(c.sqe);
  a.io(c.rung_at);
  a.io(c.fetched_at);
  a.io(c.executed_at);
  a.io(c.claimed_at);
  a.io(c.timeline);
  a.io(c.buffer_bytes);
  a.io(c.cqe);
  a.io(c.cqe_phase);
  a.io(c.cqe_built);
  a.io(c.cqe_landed);
  a.io(c.abort_requested);
  a.io(c.status);
  a.io(c.dw0);
  a.io(c.dw1);
  a.io(c.post_completion);
  a.io(c.error_location);
  a.io(c.error_lba);
  a.io(c.fault_hold);
  a.io(c.fault_never);
  a.io(c.fault_id);
  a.io(c.fault_delay);
}

void persist(checkpoint::Archive& a, SubmissionQueue& q) {
  a.io(q.valid);
  a.io(q.id);
  a.io(q.cqid);
  a.io(q.base);
  a.io(q.size);
  a.io(q.head);
  a.io(q.tail);
  a.io(q.priority);
  a.io(q.deleting);
  a.io(q.in_flight);
  a.io(q.aborted_entries);
  a.io(q.rung_at);
  if (a.loading() && q.valid && (q.size == 0 || q.head >= q.size || q.tail >= q.size)) a.fail("bad SQ state");
}

void persist(checkpoint::Archive& a, CompletionQueue& q) {
  a.io(q.valid);
  a.io(q.id);
  a.io(q.base);
  a.io(q.size);
  a.io(q.head);
  a.io(q.tail);
  a.io(q.visible_tail);
  a.io(q.last_landing);
  a.io(q.phase);
  a.io(q.interrupts_enabled);
  a.io(q.vector);
  a.io(q.sq_count);
  a.io(q.writes_in_flight);
  if (a.loading() && q.valid && (q.size == 0 || q.head >= q.size || q.tail >= q.size)) a.fail("bad CQ state");
}

void persist(checkpoint::Archive& a, FeatureState& f) {
  a.io(f.arbitration);
  a.io(f.power_management);
  a.io(f.temperature_over);
  a.io(f.temperature_under);
  a.io(f.error_recovery);
  a.io(f.write_cache);
  a.io(f.nsqa);
  a.io(f.ncqa);
  a.io(f.coalescing);
  a.io(f.no_coalescing);
  a.io(f.async_event_config);
  a.io(f.keep_alive_timeout_ms);
  a.io(f.timestamp_ms);
  a.io(f.timestamp_at);
  a.io(f.timestamp_origin);
  a.io(f.host_behavior);
}

void persist(checkpoint::Archive& a, HealthCounters& h) {
  a.io(h.read_512_units);
  a.io(h.written_512_units);
  a.io(h.io_outstanding);
  a.io(h.busy_since);
  a.io(h.host_read_commands);
  a.io(h.host_write_commands);
  a.io(h.busy_time_ns);
  a.io(h.power_cycles);
  a.io(h.unsafe_shutdowns);
  a.io(h.media_errors);
}

void persist(checkpoint::Archive& a, FirmwareState::Slot& s) {
  a.io(s.revision);
  a.io(s.needs);
  a.io(s.immediate);
}

void persist(checkpoint::Archive& a, FirmwareState& f) {
  a.io(f.slots);
  a.io(f.running);
  a.io(f.active);
  a.io(f.next);
  a.io(f.last_committed);
  a.io(f.download);
  a.io(f.pieces);
  a.io(f.activating);
}

void persist(checkpoint::Archive& a, SelfTestState::Result& r) {
  a.io(r.status);
  a.io(r.power_on_hours);
}

void persist(checkpoint::Archive& a, SelfTestState& s) {
  a.io(s.current);
  a.io(s.nsid);
  a.io(s.started);
  a.io(s.duration);
  a.io(s.generation);
  a.io(s.results);
}

void persist(checkpoint::Archive& a, VectorAggregation& v) {
  a.io(v.unsignalled);
  a.io(v.first);
  a.io(v.timer_armed);
}

void persist(checkpoint::Archive& a, CoalescingState& c) {
  a.io(c.epoch);
  a.io(c.vectors);
}

namespace {
void persist_rng(checkpoint::Archive& a, std::mt19937_64& rng) {
  std::ostringstream os;
  os << rng;
  std::string state = os.str();
  a.io(state);
  if (a.loading()) {
    std::istringstream is(state);
    is >> rng;
    if (!is) a.fail("bad generator state");
  }
}
}  // namespace

std::string ControllerImpl::quiescence_blocker() const {
  if (busy_slots != 0) return std::to_string(busy_slots) + " command(s) in the controller's slots";
  if (const std::size_t n = actions.pending_actions()) return std::to_string(n) + " register/doorbell side effect(s) pending";
  for (std::size_t i = 0; i < sq_id_limit && i < sqs.size(); ++i) {
    const SubmissionQueue& sq = sqs[i];
    if (!sq.valid) continue;
    if (sq.in_flight) return "SQ " + std::to_string(i) + " has commands in flight";
    if (!sq.empty()) return "SQ " + std::to_string(i) + " has " + std::to_string(sq.pending()) + " entries not fetched yet";
    if (sq.deleting) return "SQ " + std::to_string(i) + " is being deleted";
  }
  for (std::size_t i = 0; i < cqs.size(); ++i)
    if (cqs[i].valid && (cqs[i].writes_in_flight || cqs[i].visible_tail != cqs[i].tail))
      return "CQ " + std::to_string(i) + " has completion entries on their way";
  if (!messages.empty() || message_leaving || message_payload_busy) return "interrupt messages on their way";
  if (coalescing.epoch == epoch)
    for (std::size_t v = 0; v < coalescing.vectors.size(); ++v)
      if (coalescing.vectors[v].unsignalled) return "vector " + std::to_string(v) + " holds aggregated completions";
  if (data_buffer.in_use() || data_buffer.exhausted()) return "the data buffer is in use";
  if (firmware.activating) return "a firmware activation is in progress";
  if (shutting_down) return "a shutdown is in progress";
  if (faults.held || aborts_in_flight) return "commands are held or being aborted";
  if (aers_completing) return "an Asynchronous Event Request's completion waits for CQ space";
  if (faults.any_armed()) return "injected faults are armed (fault injections are not checkpointed)";
  if (health.io_outstanding) return "I/O commands outstanding";
  if (flash) {
    const std::string why = flash->quiescence_blocker();
    if (!why.empty()) return "flash backend: " + why;
  }
  return "";
}

std::function<void()> ControllerImpl::make_timer(const Timer& t) {
  switch (t.kind) {
    case kTimerKeepAlive: return [this, g = t.a, e = t.b] { keep_alive_expired(g, e); };
    case kTimerCoalescing: return [this, v = static_cast<uint16_t>(t.a), e = t.b] { coalescing_timer(v, e); };
    case kTimerSelfTest: return [this, g = t.a] { self_test_finished(g); };
    default: throw CheckpointError("unknown timer kind " + std::to_string(t.kind));
  }
}

void ControllerImpl::persist(checkpoint::Archive& a) {
  a.begin("registers");
  regs.persist(a);
  pci.persist(a);
  msix.persist(a);
  a.end();

  a.begin("queues");
  a.io(sqs);
  a.io(cqs);
  if (a.loading()) {  // serials are not in the file: the restored queues are new ones to monitors
    for (SubmissionQueue& q : sqs)
      if (q.valid) q.serial = ++queue_serial;
    for (CompletionQueue& q : cqs)
      if (q.valid) q.serial = ++queue_serial;
  }
  a.io(sq_id_limit);
  a.io(free_slot_list);
  for (uint32_t s : free_slot_list)
    if (s >= slots.size()) a.fail("bad free slot list");
  if (free_slot_list.size() != slots.size()) a.fail("command slots in use");
  if (a.loading() && (sqs.size() != cfg.max_io_queues + 1u || cqs.size() != sqs.size())) a.fail("queue table size");
  bool wrr = dynamic_cast<WeightedRoundRobinArbiter*>(arbiter.get()) != nullptr;
  a.io(wrr);
  if (a.loading())
    arbiter = wrr ? std::unique_ptr<Arbiter>(std::make_unique<WeightedRoundRobinArbiter>())
                  : std::unique_ptr<Arbiter>(std::make_unique<RoundRobinArbiter>());
  arbiter->persist(a);
  a.io(parked_aers);
  a.io(dbbuf.enabled);
  a.io(dbbuf.shadow);
  a.io(dbbuf.eventidx);
  a.end();

  a.begin("state");
  a.io(clock);
  a.io(base_clock);
  persist_rng(a, rng);
  a.io(features);
  a.io(saved_features);
  a.io(firmware);
  a.io(self_test);
  errors.persist(a);
  async_events.persist(a);
  a.io(changed_namespaces);
  a.io(keep_alive_generation);
  a.io(epoch);
  a.io(ready);
  a.io(shutting_down);
  a.io(io_queues_exist);
  a.io(intms);
  a.io(msi_pending);
  a.io(coalescing);
  a.io(intx_level);
  a.io(last_message_at);
  thermal.persist(a);
  a.io(thermal_watching);
  a.io(thermal_due);
  power.persist(a);
  actions.persist(a, [this](const Timer& t) { return make_timer(t); });
  a.end();

  a.begin("statistics");
  a.io(health);
  a.io(stats);
  a.io(slots_busy);
  link.persist(a);
  dma.persist(a);
  data_buffer.persist(a);
  diag.persist(a);
  faults.persist(a);
  a.end();

  a.begin("namespaces");
  namespaces.persist(a);
  a.end();

  a.expect(flash != nullptr, "flash backend");
  if (flash) {
    a.begin("flash");
    flash->persist(a);
    a.end();
  }
}

void ControllerImpl::save_checkpoint(checkpoint::Writer& w) {
  const std::string why = quiescence_blocker();
  if (!why.empty()) throw CheckpointError(name + " is not at a quiescent point: " + why);
  w.begin("controller");
  w.expect(cfg.command_slots, "command slots");
  detail::persist_config(w, cfg);
  persist(w);
  w.end();
}

void ControllerImpl::restore_checkpoint(checkpoint::Reader& r) {
  const sc_core::sc_time now = sim_now();
  if (now != r.time())
    throw CheckpointError("the checkpoint was taken at " + r.time().to_string() + "; advance the simulation there (sc_start) before restoring " + name + " (now " + now.to_string() + ")");
  if (busy_slots != 0 || actions.pending_actions() != 0)
    throw CheckpointError(name + " is not idle: restore into a controller the host has not used yet");
  r.begin("controller");
  r.expect(cfg.command_slots, "command slots");
  detail::persist_config(r, cfg);
  persist(r);
  r.end();
  // Power-on processes pick the restored state up.
  dma.invalidate_all();
  if (thermal_watching) {
    thermal_timer.cancel();
    thermal_timer.notify(thermal_due > now ? thermal_due - now : sc_core::SC_ZERO_TIME);
  }
  intx_changed.notify(sc_core::SC_ZERO_TIME);
  fetch_wakeup.notify(sc_core::SC_ZERO_TIME);
  if (bar0_changed) bar0_changed(pci.bar0_address(), pci.memory_space_enabled());
}

}  // namespace detail
}  // namespace scnvme
