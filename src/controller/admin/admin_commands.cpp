// Admin command dispatch, Asynchronous Event Request and Abort (NVMe Base 2.0, 5.1 and 5.2).
#include "controller/controller_impl.h"
#include "scnvme/spec/nvme_async_event.h"
#include "scnvme/spec/nvme_features.h"
#include "scnvme/spec/nvme_log.h"
#include "scnvme/spec/nvme_status.h"
#include "sim_now.h"

namespace scnvme::detail {

namespace st = spec::status;
namespace op = spec::admin_opcode;

void ControllerImpl::execute_admin(Command& cmd) {
  // The execution cost (admin_exec_cycles) was spent in the slot's wait before this call.
  const spec::Sqe& sqe = cmd.sqe;
  if (sqe.fuse() != spec::kFuseNormal) return cmd.fail(st::kInvalidField, 1, 0);  // no fused admin commands
  if (sqe.psdt() != spec::kPsdtPrp) return cmd.fail(st::kInvalidField, 1, 6);     // admin commands use PRPs
  if (sqe.cdw0_reserved()) return cmd.fail(st::kInvalidField, 1, 2);
  switch (sqe.opcode()) {
    case op::kIdentify: return admin_identify(cmd);
    case op::kCreateIoCq: return admin_create_cq(cmd);
    case op::kCreateIoSq: return admin_create_sq(cmd);
    case op::kDeleteIoCq: return admin_delete_cq(cmd);
    case op::kDeleteIoSq: return admin_delete_sq(cmd);
    case op::kGetFeatures: return admin_get_features(cmd);
    case op::kSetFeatures: return admin_set_features(cmd);
    case op::kGetLogPage: return admin_get_log_page(cmd);
    case op::kAsyncEventRequest: return admin_async_event_request(cmd);
    case op::kAbort: return admin_abort(cmd);
    case op::kDoorbellBufferConfig: return admin_doorbell_buffer_config(cmd);
    case op::kFirmwareDownload: return admin_firmware_download(cmd);
    case op::kFirmwareCommit: return admin_firmware_commit(cmd);
    case op::kDeviceSelfTest: return admin_device_self_test(cmd);
    case op::kNamespaceManagement:
      if (!cfg.namespace_management) return cmd.fail(st::kInvalidCommandOpcode, 0, 0);
      return admin_namespace_management(cmd);
    case op::kNamespaceAttachment:
      if (!cfg.namespace_management) return cmd.fail(st::kInvalidCommandOpcode, 0, 0);
      return admin_namespace_attachment(cmd);
    case op::kFormatNvm:
      if (!cfg.format_nvm) return cmd.fail(st::kInvalidCommandOpcode, 0, 0);
      return admin_format_nvm(cmd);
    case op::kKeepAlive:
      if (cfg.keep_alive_granularity_100ms == 0) return cmd.fail(st::kInvalidCommandOpcode, 0, 0);
      return restart_keep_alive();
    default: return cmd.fail(st::kInvalidCommandOpcode, 0, 0);
  }
}

void ControllerImpl::admin_async_event_request(Command& cmd) {
  if (parked_aers.size() >= cfg.async_event_limit + 1u) return cmd.fail(st::kAsyncEventRequestLimitExceeded);
  // Held outstanding until an event is reported; it leaves its command slot.
  Command parked = cmd;
  parked.state = Command::State::Parked;
  parked_aers.push_back(parked);
  cmd.post_completion = false;
  aer_work.notify(sc_core::SC_ZERO_TIME);  // an event may be waiting for it
}

void ControllerImpl::post_async_event(uint8_t type, uint8_t info, uint8_t log_page) {
  namespace ae = spec::async_event;
  const uint32_t aec = features.async_event_config;
  if (type == ae::kSmartHealth) {  // each Critical Warning bit enables the event for its condition
    const uint32_t bit = info == ae::smart::kSpareBelowThreshold   ? spec::log::smart::kWarnSpare
                         : info == ae::smart::kTemperatureThreshold ? spec::log::smart::kWarnTemperature
                                                                    : spec::log::smart::kWarnReliability;
    if (!(aec & bit)) return;
  }
  if (type == ae::kNotice) {
    const uint32_t bit = info == ae::notice::kNamespaceAttributeChanged ? spec::feature::kAecNamespaceAttribute
                                                                          : spec::feature::kAecFirmwareActivation;
    if (!(aec & bit)) return;
  }
  if (async_events.post({type, info, log_page})) aer_work.notify(sc_core::SC_ZERO_TIME);
}

void ControllerImpl::aer_thread() {
  // Completes outstanding Asynchronous Event Requests with the events that may be reported.
  for (;;) {
    sc_core::wait(aer_work);
    // (While an activation without reset pauses fetching, its Firmware Activation Starting
    // notice is still reported.)
    while ((ready || firmware.activating) && !parked_aers.empty()) {
      const std::optional<AsyncEvent> e = async_events.take_reportable();
      if (!e) break;
      Command aer = parked_aers.front();
      parked_aers.erase(parked_aers.begin());
      aer.dw0 = spec::async_event::dw0(e->type, e->info, e->log_page);
      aer.timeline.at = sim_now();
      ++aers_completing;  // (it may wait for CQ space: still outstanding, in no slot)
      complete(aer);
      --aers_completing;
    }
  }
}

void ControllerImpl::admin_abort(Command& cmd) {
  const uint16_t sqid = static_cast<uint16_t>(cmd.sqe.cdw10() & 0xFFFF);
  const uint16_t cid = static_cast<uint16_t>(cmd.sqe.cdw10() >> 16);
  cmd.dw0 = 1;  // bit 0 set: the command was not aborted
  if (aborts_in_flight >= cfg.abort_command_limit + 1u) return cmd.fail(st::kAbortCommandLimitExceeded);
  if (sqid >= sqs.size() || !sqs[sqid].valid) return;  // nothing to abort
  ++aborts_in_flight;
  struct Guard {
    unsigned& n;
    ~Guard() { --n; }
  } guard{aborts_in_flight};

  // An outstanding Asynchronous Event Request.
  if (sqid == 0) {
    for (auto it = parked_aers.begin(); it != parked_aers.end(); ++it) {
      if (it->sqe.cid() != cid) continue;
      Command aer = *it;
      parked_aers.erase(it);
      aer.status = st::kAbortRequested;
      ++aers_completing;
      complete(aer);
      --aers_completing;
      cmd.dw0 = 0;
      return;
    }
  }
  // A command inside the controller: fetched, not yet completed. Before its completion is built it
  // is marked (its slot completes it as aborted); while its CQE is still crossing the link, the
  // entry is rewritten before it lands.
  for (Command& c : slots) {
    if (c.state == Command::State::Free || stale(c) || c.sqid != sqid || c.sqe.cid() != cid || &c == &cmd) continue;
    if (!c.cqe_built) {
      if (!c.post_completion) return;  // (an AER leaving its slot for the parked list)
      c.abort_requested = true;
      cmd.dw0 = 0;
      return;
    }
    if (!c.cqe_landed) {
      if (c.status.ok()) {
        ++stats.commands_failed;
        errors.record(c.sqid, cid, st::kAbortRequested, c.cqe_phase, 0xFFFF, 0, c.sqe.nsid());
      }
      c.status = st::kAbortRequested;
      c.status.more = true;
      c.cqe.set_dw0(0);
      c.cqe.set_status_and_phase(c.status, c.cqe_phase);
      cmd.dw0 = 0;
    }
    return;  // completed already, or completing: too late
  }
  // A command still in the submission queue: read each unfetched entry's CID.
  const uint64_t e = epoch;
  SubmissionQueue& sq = sqs[sqid];
  const uint32_t head = sq.head, tail = sq.tail, size = sq.size;
  for (uint32_t i = head; i != tail; i = (i + 1) % size) {
    uint8_t cid_bytes[2];
    if (!dma.read(sq.base + static_cast<uint64_t>(i) * spec::kSqeSize + 2, cid_bytes, 2)) return cmd.fail(st::kDataTransferError);
    if (e != epoch || !sq.valid) return;
    if (spec::get_le16(cid_bytes) != cid) continue;
    // Still unfetched? (the fetcher may have passed it meanwhile)
    if (sq.pending() > 0 && ((i + size - sq.head) % size) < sq.pending()) {
      sq.aborted_entries.insert(i);
      cmd.dw0 = 0;
    }
    return;
  }
}

void ControllerImpl::restart_keep_alive() {
  ++keep_alive_generation;
  if (features.keep_alive_timeout_ms == 0) return;
  const uint64_t generation = keep_alive_generation, e = epoch;
  actions.at(sc_core::sc_time(features.keep_alive_timeout_ms, sc_core::SC_MS),
             [this, generation, e] { keep_alive_expired(generation, e); }, Timer{kTimerKeepAlive, generation, e});
}

void ControllerImpl::keep_alive_expired(uint64_t generation, uint64_t for_epoch) {
  if (generation != keep_alive_generation || for_epoch != epoch || !ready) return;  // restarted, or reset
  // No Keep Alive within KATO: the error is logged and the controller stops processing commands.
  errors.record(0xFFFF, 0xFFFF, st::kKeepAliveTimerExpired, false, 0xFFFF, 0, 0);
  controller_fatal(GuestError::KeepAliveExpired, "", features.keep_alive_timeout_ms,
                   "Keep Alive Timer expired (KATO " + std::to_string(features.keep_alive_timeout_ms) + " ms)");
}

}  // namespace scnvme::detail
