// The NVMe register table of BAR0 (NVMe Base 2.0, 3.1.3), the CC/CSTS state machine (enable,
// reset, shutdown, NVM subsystem reset) and doorbell decoding.
#include <sstream>

#include "controller/controller_impl.h"
#include "scnvme/spec/nvme_async_event.h"
#include "scnvme/spec/nvme_log.h"
#include "scnvme/spec/nvme_registers.h"
#include "sim_now.h"

namespace scnvme::detail {

namespace ae = spec::async_event;

namespace r = spec::reg;

namespace {
constexpr const char* kMsgRegisters = "scnvme/registers";
}  // namespace

void ControllerImpl::build_registers() {
  const uint64_t cap = static_cast<uint64_t>(cfg.max_queue_entries - 1) | (1ull << 16) /* CQR */ |
                       ((cfg.weighted_round_robin ? r::cap::kAmsWrr : 0ull) << 17) /* AMS */ |
                       (static_cast<uint64_t>(cfg.timeout_500ms) << 24) |
                       (static_cast<uint64_t>(cfg.doorbell_stride) << 32) |
                       (static_cast<uint64_t>(cfg.nvm_subsystem_reset ? 1 : 0) << 36) | (r::cap::kCssNvm << 37) |
                       (static_cast<uint64_t>(cfg.mps_min) << 48) | (static_cast<uint64_t>(cfg.mps_max) << 52) |
                       (1ull << 59) /* CRMS.CRWMS */;

  regs.on_ignored_write = [this](const RegisterSpec* reg, uint32_t offset, uint64_t written, uint64_t ignored) {
    register_write_ignored(reg, offset, written, ignored);
  };
  regs.add({"CAP", r::kCap, 8, cap, 0, 0, 0, false, {}, {}});
  regs.add({"VS", r::kVs, 4, r::kVersion20, 0, 0, 0, false, {}, {}});
  // INTMS/INTMC share one mask; both read it. Writes are ignored while MSI-X is enabled.
  regs.add({"INTMS", r::kIntms, 4, 0, 0, 0, 0, false, [this](uint64_t) { return static_cast<uint64_t>(intms); },
            [this](uint64_t, uint64_t, uint64_t written, uint64_t covered) {
              if (pci.msix_enabled())
                return guest_error(GuestError::RegisterIntmWithMsix, "INTMS", written, "INTMS written while MSI-X is enabled; ignored");
              intms |= static_cast<uint32_t>(written & covered);
              actions.at(access_delay, [this] { update_intx(); });
            }});
  regs.add({"INTMC", r::kIntmc, 4, 0, 0, 0, 0, false, [this](uint64_t) { return static_cast<uint64_t>(intms); },
            [this](uint64_t, uint64_t, uint64_t written, uint64_t covered) {
              if (pci.msix_enabled())
                return guest_error(GuestError::RegisterIntmWithMsix, "INTMC", written, "INTMC written while MSI-X is enabled; ignored");
              intms &= ~static_cast<uint32_t>(written & covered);
              actions.at(access_delay, [this] {
                deliver_pending_msi();
                update_intx();
              });
            }});
  regs.add({"CC", r::kCc, 4, 0, r::cc::kWritableMask, 0, 0, true, {},
            [this](uint64_t old_v, uint64_t new_v, uint64_t, uint64_t) {
              on_cc_write(static_cast<uint32_t>(old_v), static_cast<uint32_t>(new_v));
            }});
  regs.add({"CSTS", r::kCsts, 4, 0, 0, r::csts::kNssro, 0, true, {}, {}});
  if (cfg.nvm_subsystem_reset) {
    regs.add({"NSSR", r::kNssr, 4, 0, 0, 0, 0, false, [](uint64_t) { return uint64_t{0}; },
              [this](uint64_t, uint64_t, uint64_t written, uint64_t covered) {
                if (covered == 0xFFFFFFFFu && written == r::kNssrReset) actions.at(access_delay, [this] { subsystem_reset(); });
              }});
  }
  regs.add({"AQA", r::kAqa, 4, 0, r::aqa::kWritableMask, 0, 0, true, {}, {}});
  regs.add({"ASQ", r::kAsq, 8, 0, r::kQueueBaseMask, 0, 0, true, {}, {}});
  regs.add({"ACQ", r::kAcq, 8, 0, r::kQueueBaseMask, 0, 0, true, {}, {}});
  regs.add({"CRTO", r::kCrto, 4, r::crto::make(cfg.timeout_500ms, 0), 0, 0, 0, false, {}, {}});
}

uint32_t ControllerImpl::csts() const { return static_cast<uint32_t>(regs.value(r::kCsts)); }
void ControllerImpl::set_csts_bits(uint32_t mask, bool on) { regs.set_bits(r::kCsts, mask, on); }

void ControllerImpl::on_cc_write(uint32_t old_v, uint32_t new_v) {
  const bool en_old = old_v & r::cc::kEn, en_new = new_v & r::cc::kEn;
  SC_REPORT_INFO_VERB(kMsgRegisters, (name + ": CC <- " + hex(new_v)).c_str(), sc_core::SC_HIGH);
  check_cc_write(old_v, new_v);
  if (en_old && en_new) {
    // While enabled only SHN may change; the other fields are fixed until the next reset.
    constexpr uint32_t kShnMask = 3u << 14;
    if ((old_v ^ new_v) & ~kShnMask) {
      guest_error(GuestError::CcChangedWhileEnabled, "CC", new_v,
                  "CC fields other than SHN written while CC.EN = 1 (" + hex(old_v) + " -> " + hex(new_v) + "); ignored");
      regs.set(r::kCc, (old_v & ~kShnMask) | (new_v & kShnMask));
    }
  }
  if (!en_old && en_new) actions.at(access_delay, [this] { enable_controller(); });
  if (en_old && !en_new) actions.at(access_delay, [this] { controller_reset(); });
  if (en_new && r::cc::shn(new_v) != r::cc::kShnNone && r::cc::shn(old_v) == r::cc::kShnNone)
    actions.at(access_delay, [this] { start_shutdown(); });
}

void ControllerImpl::enable_controller() {
  const uint32_t cc = static_cast<uint32_t>(regs.value(r::kCc));
  if (!(cc & r::cc::kEn)) return;  // disabled again before this took effect
  diag.trace(TracePoint::CtrlEnable, "CC.EN = 1 (CC " + hex(cc) + ")");
  std::string bad;
  if (r::cc::css(cc) != r::cc::kCssNvm) bad = "CC.CSS = " + std::to_string(r::cc::css(cc)) + " (only 000b, NVM command set, is supported)";
  else if (r::cc::mps(cc) < cfg.mps_min || r::cc::mps(cc) > cfg.mps_max)
    bad = "CC.MPS = " + std::to_string(r::cc::mps(cc)) + " outside CAP.MPSMIN..MPSMAX (" + std::to_string(cfg.mps_min) + ".." +
          std::to_string(cfg.mps_max) + ")";
  else if (r::cc::ams(cc) != r::cc::kAmsRoundRobin && !(r::cc::ams(cc) == r::cc::kAmsWrr && cfg.weighted_round_robin))
    bad = "CC.AMS = " + std::to_string(r::cc::ams(cc)) + " (supported: 000b round robin" +
          (cfg.weighted_round_robin ? ", 001b weighted round robin with urgent priority class)" : ")");
  const uint32_t aqa = static_cast<uint32_t>(regs.value(r::kAqa));
  if (bad.empty() && (r::aqa::asqs(aqa) == 0 || r::aqa::acqs(aqa) == 0))
    bad = "AQA.ASQS/ACQS = " + std::to_string(r::aqa::asqs(aqa)) + "/" + std::to_string(r::aqa::acqs(aqa)) +
          " (admin queues need at least 2 entries)";
  if (!bad.empty()) {
    controller_fatal(GuestError::CcUnsupportedConfig, "CC", cc, "enable with unsupported configuration: " + bad);
    return;
  }
  arbiter = make_arbiter(r::cc::ams(cc));
  SubmissionQueue& asq = sqs[0];
  asq = SubmissionQueue{};
  asq.valid = true;
  asq.serial = ++queue_serial;
  asq.base = regs.value(r::kAsq);
  asq.size = r::aqa::asqs(aqa) + 1;
  CompletionQueue& acq = cqs[0];
  acq = CompletionQueue{};
  acq.valid = true;
  acq.serial = ++queue_serial;
  acq.base = regs.value(r::kAcq);
  acq.size = r::aqa::acqs(aqa) + 1;
  acq.interrupts_enabled = true;
  acq.vector = 0;
  acq.sq_count = 1;
  const uint64_t e = epoch;
  actions.at(sc_core::sc_time(cfg.timing.ready_delay_us, sc_core::SC_US), [this, e] {
    if (e != epoch || !(regs.value(r::kCc) & r::cc::kEn) || (csts() & r::csts::kCfs)) return;
    set_csts_bits(r::csts::kRdy, true);
    ready = true;
    fetch_wakeup.notify(sc_core::SC_ZERO_TIME);
    SC_REPORT_INFO_VERB(kMsgRegisters, (name + ": CSTS.RDY = 1").c_str(), sc_core::SC_HIGH);
    diag.trace(TracePoint::CtrlReady, "CSTS.RDY = 1");
  });
}

void ControllerImpl::start_shutdown() {
  if (r::csts::shst(csts()) != r::csts::kShstNormal) return;
  regs.set(r::kCsts, (csts() & ~r::csts::kShstMask) | (r::csts::kShstProcessing << 2));
  shutting_down = true;
  diag.trace(TracePoint::CtrlShutdown, "shutdown started (CC.SHN " + std::to_string(r::cc::shn(static_cast<uint32_t>(regs.value(r::kCc)))) + ")");
  const uint64_t e = epoch;
  // Shutdown completes after the modelled delay, once no command is still executing.
  auto finish = std::make_shared<std::function<void()>>();
  *finish = [this, e, finish] {
    if (e != epoch) return;
    for (const auto& s : slots)
      if (s.state != Command::State::Free && s.epoch == epoch) {
        actions.at(sc_core::sc_time(1, sc_core::SC_US), *finish);
        return;
      }
    // Shutdown makes the volatile write cache durable before it reports completion.
    for (NamespaceMedia* m : namespaces.all_media()) m->flush();
    regs.set(r::kCsts, (csts() & ~r::csts::kShstMask) | (r::csts::kShstComplete << 2));
    SC_REPORT_INFO_VERB(kMsgRegisters, (name + ": shutdown complete").c_str(), sc_core::SC_HIGH);
    diag.trace(TracePoint::CtrlShutdown, "shutdown complete");
  };
  actions.at(sc_core::sc_time(cfg.timing.shutdown_delay_us, sc_core::SC_US), *finish);
}

void ControllerImpl::on_doorbell_write(uint32_t offset, uint32_t value) {
  const uint32_t stride = 4u << cfg.doorbell_stride;
  const uint32_t rel = offset - r::kDoorbellBase;
  if (rel % stride) return;  // between doorbells at a stride > 4: reserved
  const uint32_t index = rel / stride;
  if (diag.on(TracePoint::RegDoorbell)) diag.trace(TracePoint::RegDoorbell, bar0_name(offset) + " = " + std::to_string(value));
  apply_doorbell(static_cast<uint16_t>(index / 2), index & 1, value);
}

void ControllerImpl::apply_doorbell(uint16_t qid, bool is_cq, uint32_t value) {
  if (value > 0xFFFF) {
    guest_error(GuestError::DoorbellReservedBits, queue_subject(is_cq, qid), value,
                std::string(is_cq ? "CQ" : "SQ") + std::to_string(qid) + (is_cq ? " head" : " tail") + " doorbell written with reserved bits 31:16 set (" + hex(value) + "); ignored");
    post_async_event(ae::kError, ae::error::kInvalidDoorbellValue, spec::log::kErrorInformation);
    return;
  }
  if (!is_cq) {
    SubmissionQueue& sq = sqs[qid];
    if (!sq.valid) {
      guest_error(GuestError::DoorbellNoQueue, queue_subject(false, qid), value,
                  "SQ tail doorbell written for non-existent SQ " + std::to_string(qid) + " (value " + std::to_string(value) + "); ignored");
      post_async_event(ae::kError, ae::error::kInvalidDoorbellRegister, spec::log::kErrorInformation);
      return;
    }
    if (value >= sq.size) {
      guest_error(GuestError::DoorbellSqTailBeyondSize, queue_subject(false, qid), value,
                  "SQ " + std::to_string(qid) + " tail " + std::to_string(value) + " is beyond the queue size " + std::to_string(sq.size) + "; ignored");
      post_async_event(ae::kError, ae::error::kInvalidDoorbellValue, spec::log::kErrorInformation);
      return;
    }
    if (sq.rung_at.size() != sq.size) sq.rung_at.assign(sq.size, sc_core::SC_ZERO_TIME);
    for (uint32_t i = sq.tail; i != value; i = (i + 1) % sq.size) sq.rung_at[i] = sim_now();
    trace.sq_rung(qid, (value + sq.size - sq.tail) % sq.size);
    sq.tail = value;
    if (busy_slots < slots.size()) fetch_wakeup.notify(sc_core::SC_ZERO_TIME);  // else a freed slot wakes it
    return;
  }
  CompletionQueue& cq = cqs[qid];
  if (!cq.valid) {
    guest_error(GuestError::DoorbellNoQueue, queue_subject(true, qid), value,
                "CQ head doorbell written for non-existent CQ " + std::to_string(qid) + " (value " + std::to_string(value) + "); ignored");
    post_async_event(ae::kError, ae::error::kInvalidDoorbellRegister, spec::log::kErrorInformation);
    return;
  }
  // Entries the host can have consumed: those whose CQEs have landed.
  const uint32_t posted = (cq.visible_tail + cq.size - cq.head) % cq.size;
  const uint32_t advance = (value + cq.size - cq.head) % cq.size;
  if (value >= cq.size || advance > posted) {
    guest_error(GuestError::DoorbellCqHeadInvalid, queue_subject(true, qid), value,
                "CQ " + std::to_string(qid) + " head " + std::to_string(value) + " is invalid (head " + std::to_string(cq.head) +
                    ", tail " + std::to_string(cq.visible_tail) + ", size " + std::to_string(cq.size) + "); ignored");
    post_async_event(ae::kError, ae::error::kInvalidDoorbellValue, spec::log::kErrorInformation);
    return;
  }
  cq.head = value;
  trace.cq_entries(qid, (cq.visible_tail + cq.size - cq.head) % cq.size);
  cq_space_event.notify(sc_core::SC_ZERO_TIME);
  update_intx();
}

}  // namespace scnvme::detail
