// The command pipeline: arbitration and SQE fetch (one thread), command slots (one thread per
// slot: decode, execute, complete), CQE posting with phase tags and back-pressure from full CQs.
//
// Time: a slot thread wakes when its SQE fetch is issued and executes the command functionally at
// once, planning its costs on the command's timeline (SQE arrival, decode, execution, PRP/SGL walk,
// data DMA on the DMA engines and the link); it then sleeps once, until its CQE has landed in host
// memory, and signals the interrupt. Only contention (a full CQ, the data buffer exhausted, an
// admin command waiting for its queue to drain) costs further waits.
#include <algorithm>

#include "controller/controller_impl.h"
#include "controller/prp_walker.h"
#include "controller/sgl_walker.h"
#include "scnvme/spec/nvme_registers.h"
#include "scnvme/spec/nvme_status.h"
#include "sim_now.h"

namespace scnvme::detail {

namespace st = spec::status;

namespace {
constexpr const char* kMsgCommands = "scnvme/commands";
}

void ControllerImpl::start_threads() {
  sc_core::sc_spawn_options thread_opts;
  sc_core::sc_spawn([this] { fetch_thread(); }, "fetch", &thread_opts);
  sc_core::sc_spawn([this] { interrupt_thread(); }, "interrupt", &thread_opts);
  sc_core::sc_spawn([this] { aer_thread(); }, "async_events", &thread_opts);
  sc_core::sc_spawn_options pin_opts;
  pin_opts.spawn_method();
  pin_opts.set_sensitivity(&intx_changed);
  pin_opts.dont_initialize();
  sc_core::sc_spawn([this] { drive_intx(); }, "intx_driver", &pin_opts);
  sc_core::sc_spawn_options thermal_opts;
  thermal_opts.spawn_method();
  thermal_opts.set_sensitivity(&thermal_timer);
  thermal_opts.dont_initialize();
  sc_core::sc_spawn([this] { thermal_watch(); }, "thermal_watch", &thermal_opts);
  for (unsigned i = 0; i < slots.size(); ++i)
    sc_core::sc_spawn([this, i] { slot_thread(i); }, ("slot_" + std::to_string(i)).c_str(), &thread_opts);
}

uint64_t ControllerImpl::page_size() const {
  return 4096ull << spec::reg::cc::mps(static_cast<uint32_t>(regs.value(spec::reg::kCc)));
}

void ControllerImpl::fetch_thread() {
  // The arbiter (3.4.4) grants an SQ and a number of commands (its arbitration burst); they are
  // fetched back to back, each into the next free slot, before the arbiter is asked again. A reset,
  // a drained or deleted SQ, or fetching being stopped ends a grant early.
  Grant grant;
  uint64_t grant_epoch = epoch;
  for (;;) {
    Command* free_slot = free_slot_list.empty() ? nullptr : &slots[free_slot_list.back()];
    // An exhausted data buffer holds fetching back until the commands waiting for it got space.
    const bool fetching = ready && !shutting_down && pci.bus_master_enabled() && !data_buffer.exhausted();
    if (!fetching || grant_epoch != epoch || (grant.count > 0 && !fetchable(sqs[static_cast<std::size_t>(grant.sqid)])))
      grant = Grant{};
    bool arbitrated = false;
    if (fetching && free_slot && grant.count == 0) {
      grant = arbiter->next(sqs, sq_id_limit, features.arbitration);
      grant_epoch = epoch;
      arbitrated = true;
    }
    if (grant.count == 0 || !free_slot) {
      // With shadow doorbells the host may have queued commands without ringing: look first.
      if (fetching && free_slot && dbbuf.enabled && poll_shadow_doorbells()) continue;
      sc_core::wait(fetch_wakeup);
      continue;
    }
    const int chosen = grant.sqid;
    --grant.count;
    const uint64_t e = epoch;
    Command& cmd = *free_slot;
    cmd = Command{};
    cmd.state = Command::State::Fetched;
    cmd.epoch = e;
    SubmissionQueue& sq = sqs[chosen];
    if (e != epoch || !sq.valid || sq.deleting || sq.empty() || !ready) {
      cmd.state = Command::State::Free;
      grant = Grant{};
      continue;
    }
    const uint32_t entry = sq.head;
    cmd.sqid = static_cast<uint16_t>(chosen);
    cmd.sq_entry = entry;
    // The fetch is issued now (after the arbitration time) and its time is folded into the slot
    // thread's first wait, so fetches pipeline instead of waiting for each other.
    sc_core::sc_time arrival;
    const bool ok = dma.read_timed(sq.base + static_cast<uint64_t>(entry) * spec::kSqeSize, cmd.sqe.raw.data(),
                                   spec::kSqeSize, arbitrated ? cycles(cfg.timing.arbitration_cycles) : sc_core::SC_ZERO_TIME,
                                   arrival);
    if (e != epoch) {
      cmd.state = Command::State::Free;
      continue;
    }
    if (!ok) {
      cmd.state = Command::State::Free;
      controller_fatal(GuestError::DmaSqeFetchFailed, queue_subject(false, chosen), sq.base + uint64_t{entry} * spec::kSqeSize, "SQE fetch from SQ " + std::to_string(chosen) + " entry " + std::to_string(entry) + " failed");
      continue;
    }
    sq.head = (sq.head + 1) % sq.size;
    trace.sq_fetched(static_cast<std::size_t>(chosen), arrival);
    ++sq.in_flight;
    ++stats.commands_fetched;
    if (diag.on(TracePoint::CmdFetched)) trace_fetched(cmd);
    cmd.fetched_at = arrival;
    cmd.rung_at = entry < sq.rung_at.size() ? sq.rung_at[entry] : sim_now();
    if (!command_fetched.empty()) {
      const CommandRecord r = record_of(cmd);
      for (const auto& callback : command_fetched) callback(r);
    }
    if (sq.aborted_entries.erase(entry)) cmd.status = st::kAbortRequested;
    if (faults.commands_armed() && cmd.status.ok()) fault_on_fetch(cmd);  // injected failure or delay
    cmd.claimed_at = sim_now();
    if (flash && cmd.sqid != 0 && cmd.sqe.opcode() == spec::nvm_opcode::kRead) prefetch_mapping(cmd);
    ++busy_slots;
    trace.slots.set(busy_slots);
    free_slot_list.pop_back();
    slot_events[static_cast<std::size_t>(&cmd - slots.data())]->notify(sc_core::SC_ZERO_TIME);
  }
}

void ControllerImpl::prefetch_mapping(const Command& cmd) {
  // The slot thread looks the first block up in the FTL once it runs (a delta cycle later, after
  // the fetcher and the kernel's own work): a random read's mapping entry is a cache miss, which
  // this overlaps with that work. Only a hint: the command is decoded and checked as before.
  const NamespaceTable::Namespace* ns = namespaces.active(cmd.sqe.nsid());
  if (!ns || !ns->media) return;
  const uint64_t slba = static_cast<uint64_t>(cmd.sqe.cdw11()) << 32 | cmd.sqe.cdw10();
  if (slba >= ns->media->blocks()) return;
  flash->prefetch_read(ns->flash_first, slba * ns->media->data_size());
}

CommandRecord ControllerImpl::record_of(const Command& cmd) const {
  CommandRecord r;
  r.sqid = cmd.sqid;
  r.cid = cmd.sqe.cid();
  r.cqid = sqs[cmd.sqid].cqid;
  r.sq_entry = cmd.sq_entry;
  r.opcode = cmd.sqe.opcode();
  r.nsid = cmd.sqe.nsid();
  r.doorbell = cmd.rung_at;
  r.fetched = cmd.fetched_at;
  return r;
}

void ControllerImpl::slot_thread(unsigned index) {
  Command& cmd = slots[index];
  for (;;) {
    sc_core::wait(*slot_events[index]);
    if (stale(cmd) || (cmd.fault_hold && !fault_hold(cmd))) {
      release(cmd);
      continue;
    }
    cmd.state = Command::State::Executing;
    const bool io = cmd.sqid != 0;
    const sc_core::sc_time now = sim_now();
    if (io && health.io_outstanding++ == 0) health.busy_since = now;
    // The timeline: the SQE's arrival, then decode and the command's execution cost, then what the
    // command does (its transfers plan themselves on it). An I/O command executes at once, ahead
    // of its time; an admin command, which reads and changes controller state other commands
    // see, executes at its time.
    cmd.timeline = DmaTimeline{std::max(now, cmd.fetched_at), 0};
    // Power management: an I/O command that leaves a non-operational power state starts its exit
    // latency later (io_start_cost(), admin/health.cpp; it also wakes the thermal watch).
    if (io) cmd.timeline.at += io_start_cost();
    if (cmd.status.ok()) {
      cmd.timeline.at += cycles(cfg.timing.decode_cycles + (io ? cfg.timing.io_exec_cycles : cfg.timing.admin_exec_cycles));
      if (!io) sc_core::wait(cmd.timeline.at - now);
      if (stale(cmd)) {
        release(cmd);
        continue;
      }
      // An Abort or Delete I/O SQ may name a command an injected delay holds: it looks again.
      if (!io && faults.held > 0) faults.wake.notify(sc_core::SC_ZERO_TIME);
      if (sqs[cmd.sqid].deleting) cmd.status = st::kAbortedSqDeletion;
      else io ? execute_io(cmd) : execute_admin(cmd);
    }
    cmd.executed_at = std::max(cmd.timeline.at, sim_now());
    if (cmd.abort_requested && cmd.post_completion) cmd.status = st::kAbortRequested;
    if (!stale(cmd) && cmd.post_completion) complete(cmd);
    if (io && --health.io_outstanding == 0)
      health.busy_time_ns += static_cast<uint64_t>((sim_now() - health.busy_since).to_seconds() * 1e9);
    release(cmd);
  }
}

bool ControllerImpl::hold_buffer(Command& cmd, uint64_t bytes) {
  bool waited = false;
  while (!data_buffer.try_acquire(&cmd, bytes)) {
    waited = true;
    sc_core::wait(data_buffer.changed() | reset_event);
    if (stale(cmd)) {
      data_buffer.cancel(&cmd);
      fetch_wakeup.notify(sc_core::SC_ZERO_TIME);
      return false;
    }
  }
  if (waited) fetch_wakeup.notify(sc_core::SC_ZERO_TIME);  // the line may be empty now
  cmd.buffer_bytes += data_buffer.share(bytes);
  return true;
}

void ControllerImpl::release(Command& cmd) {
  if (!stale(cmd)) {
    SubmissionQueue& sq = sqs[cmd.sqid];
    if (sq.valid && sq.in_flight > 0) --sq.in_flight;
    if (sq.deleting) slot_done_event.notify(sc_core::SC_ZERO_TIME);  // Delete I/O SQ waits for these
  }
  data_buffer.release(cmd.buffer_bytes);
  cmd.buffer_bytes = 0;
  slots_busy += sim_now() - cmd.claimed_at;
  --busy_slots;
  trace.slots.set(busy_slots);
  cmd.state = Command::State::Free;
  // Only a fetcher that found no free slot waits for one; otherwise it waits for a doorbell.
  if (free_slot_list.empty()) fetch_wakeup.notify(sc_core::SC_ZERO_TIME);
  free_slot_list.push_back(static_cast<uint32_t>(&cmd - slots.data()));
}

void ControllerImpl::complete(Command& cmd) {
  cmd.state = Command::State::Completing;
  const SubmissionQueue& sq = sqs[cmd.sqid];
  const uint16_t cqid = sq.cqid;
  if (!cmd.status.ok()) {
    ++stats.commands_failed;
    cmd.status.more = true;  // details are in the Error Information log
    if (faults.media_armed() && cmd.status.is(st::kUnrecoveredReadError)) fault_media_hit(cmd);
  }
  // A full CQ holds the completion back; so does a cleared Bus Master Enable (no writes upstream).
  while (!stale(cmd) && cqs[cqid].valid && (cqs[cqid].full() || !pci.bus_master_enabled())) {
    if (cqs[cqid].full() && pci.bus_master_enabled()) {
      refresh_cq_head(cqid);  // a head the host wrote only to the shadow doorbell
      if (stale(cmd) || !cqs[cqid].valid || !cqs[cqid].full()) continue;
    }
    sc_core::wait(cq_space_event | bus_master_event | reset_event);
  }
  if (stale(cmd) || !cqs[cqid].valid) return;

  // The entry is claimed now; the CQE is built after the command's last transfer and lands when
  // the link has carried it, after every CQE claimed before it on this CQ.
  CompletionQueue& cq = cqs[cqid];
  if (cmd.abort_requested) {  // (an Abort may have named it while it waited for CQ space)
    if (cmd.status.ok()) ++stats.commands_failed;
    cmd.status = st::kAbortRequested;
    cmd.status.more = true;
  }
  const uint32_t slot = cq.tail;
  const uint64_t ticket = cq.claims++;
  const bool phase = cq.phase;
  cmd.cqe_phase = phase;
  cmd.cqe_built = true;
  cq.tail = (cq.tail + 1) % cq.size;
  if (cq.tail == 0) cq.phase = !cq.phase;
  if (cmd.status.is(st::kPrpOffsetInvalid)) prp_offset_invalid(cmd);
  if (!cmd.status.ok())
    errors.record(cmd.sqid, cmd.sqe.cid(), cmd.status, phase, cmd.error_location, cmd.error_lba, cmd.sqe.nsid());

  spec::Cqe& cqe = cmd.cqe;
  cqe.set_dw0(cmd.dw0);
  cqe.set_dw1(cmd.dw1);
  cqe.set_sq_head(static_cast<uint16_t>(sqs[cmd.sqid].head));
  cqe.set_sq_id(cmd.sqid);
  cqe.set_cid(cmd.sqe.cid());
  cqe.set_status_and_phase(cmd.status, phase);
  const uint64_t address = cq.base + static_cast<uint64_t>(slot) * spec::kCqeSize;
  const sc_core::sc_time start = std::max(cmd.timeline.at, sim_now()) + cycles(cfg.timing.cqe_build_cycles);
  const sc_core::sc_time lands = std::max(dma.arrival(address, spec::kCqeSize, start), cq.last_landing);
  cq.last_landing = lands;
  if (lands > sim_now()) sc_core::wait(lands - sim_now());
  while (!stale(cmd) && cq.landings != ticket) {  // one claimed before it lands at the same time
    ++cqe_landing_waiters;
    sc_core::wait(cqe_landed_event | reset_event);
    --cqe_landing_waiters;
  }
  if (stale(cmd)) return;  // reset meanwhile: the write is dropped
  const bool ok = dma.land(address, cqe.raw.data(), spec::kCqeSize, cmd.epoch);
  ++cq.landings;
  if (cqe_landing_waiters) cqe_landed_event.notify(sc_core::SC_ZERO_TIME);
  cmd.cqe_landed = true;
  cq.visible_tail = (cq.visible_tail + 1) % cq.size;
  trace.cq_entries(cqid, (cq.visible_tail + cq.size - cq.head) % cq.size);
  if (stale(cmd)) return;
  if (!ok) {
    controller_fatal(GuestError::DmaCqeWriteFailed, queue_subject(true, cqid), address, "CQE post to CQ " + std::to_string(cqid) + " entry " + std::to_string(slot) + " failed");
    return;
  }
  ++stats.commands_completed;
  last_message_at = sc_core::SC_ZERO_TIME;
  // The interrupt follows the CQE write's completion.
  if (cq.interrupts_enabled) {
    messages_from_thread = true;
    completion_posted(cqid, cq.vector);  // now, or aggregated (coalescing)
    messages_from_thread = false;
  }
  update_intx();
  if (!command_completed.empty()) {
    CommandRecord r = record_of(cmd);
    r.cq_entry = slot;
    r.status = cmd.status.field();
    r.executed = cmd.executed_at;
    r.posted = sim_now();
    r.interrupt = last_message_at;
    for (const auto& callback : command_completed) callback(r);
  }
  if (diag.on(TracePoint::CmdCompleted)) trace_completed(cmd);
  if (sc_core::sc_report_handler::get_verbosity_level() >= sc_core::SC_DEBUG) {
    SC_REPORT_INFO_VERB(kMsgCommands,
                        (name + ": SQ" + std::to_string(cmd.sqid) + " CID " + std::to_string(cmd.sqe.cid()) + " opcode " +
                         std::to_string(cmd.sqe.opcode()) + " -> " + st::name(cmd.status))
                            .c_str(),
                        sc_core::SC_DEBUG);
  }
}

spec::Status ControllerImpl::move_segments(Command& cmd, const std::vector<DmaSegment>& segments, uint8_t* buf, bool to_host) {
  uint64_t done = 0;
  for (const auto& seg : segments) {
    if (!seg.bit_bucket) {
      const bool ok = to_host ? dma.write(seg.address, buf + done, seg.length, cmd.timeline)
                              : dma.read(seg.address, buf + done, seg.length, cmd.timeline);
      if (stale(cmd)) return st::kAbortedSqDeletion;
      if (!ok) return st::kDataTransferError;
    }
    done += seg.length;  // a bit bucket discards its share of the data
  }
  return st::kSuccess;
}

spec::Status ControllerImpl::transfer_metadata(Command& cmd, uint8_t* buf, uint64_t len, bool to_host) {
  std::vector<DmaSegment>& segments = segment_buffer(cmd);
  const uint64_t walked = cmd.timeline.list_entries;
  const spec::Status s = walk_metadata(dma, cmd.sqe.psdt(), cmd.sqe.mptr(), len, to_host, sgl_limits, segments, &cmd.timeline);
  cmd.timeline.at += cycles(cfg.timing.list_entry_cycles * (cmd.timeline.list_entries - walked));
  if (!s.ok()) return s;
  return move_segments(cmd, segments, buf, to_host);
}

spec::Status ControllerImpl::transfer(Command& cmd, uint8_t* buf, uint64_t len, bool to_host) {
  if (len > cfg.max_transfer_bytes()) return st::kInvalidField;
  std::vector<DmaSegment>& segments = segment_buffer(cmd);
  const uint64_t walked = cmd.timeline.list_entries;
  const spec::Status s = cmd.sqe.psdt() == spec::kPsdtPrp
                             ? walk_prp(dma, cmd.sqe.prp1(), cmd.sqe.prp2(), len, page_size(), segments, &cmd.timeline)
                             : walk_sgl(dma, cmd.sqe.raw.data() + 24, len, to_host, sgl_limits, segments, &cmd.timeline);
  cmd.timeline.at += cycles(cfg.timing.list_entry_cycles * (cmd.timeline.list_entries - walked));
  if (!s.ok()) return s;
  return move_segments(cmd, segments, buf, to_host);
}

}  // namespace scnvme::detail
