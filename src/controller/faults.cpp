// Injected faults (scnvme/faults.h): what the controller does when one fires. FaultInjector
// chooses; the pipeline calls in here from one-branch hooks (SQE fetched, a command failed, an
// interrupt message raised).
//
// - A failed command completes with the injected status without executing.
// - A delayed command waits in its slot before it executes; an Abort or a Delete I/O SQ naming it
//   ends the wait (the admin command wakes held commands before it executes), a reset drops it.
// - Controller Fatal Status (NVMe Base 2.0, 3.1.3.6 and 9.5): CSTS.CFS is set, fetching stops and
//   the commands in flight are dropped (a controller in this state cannot post completions); only
//   a Controller Level Reset (CC.EN 1 -> 0, FLR, NSSR, power loss) clears it.
// - Surprise removal: Bus Master Enable goes off inside the device (no DMA, no messages), the
//   commands in flight are dropped, and BAR0 / configuration reads return all ones (what a root
//   port returns for a device that no longer answers); power_loss() is the re-insertion.
#include <cstring>

#include "controller/controller_impl.h"
#include "scnvme/config_error.h"
#include "scnvme/spec/nvme_registers.h"
#include "scnvme/spec/nvme_status.h"
#include "scnvme/spec/pci.h"
#include "sim_now.h"

namespace scnvme::detail {

namespace st = spec::status;

namespace {
constexpr const char* kMsgFault = "scnvme/fault";

std::string command_text(const Command& cmd) {
  return "SQ" + std::to_string(cmd.sqid) + " CID " + std::to_string(cmd.sqe.cid()) + " opcode " + hex(cmd.sqe.opcode()) +
         " NSID " + std::to_string(cmd.sqe.nsid());
}
}  // namespace

void ControllerImpl::fault_report(std::size_t id, const std::string& text) {
  const std::string line = "fault #" + std::to_string(id) + " " + text;
  SC_REPORT_INFO_VERB(kMsgFault, (us_text(sim_now()) + " " + name + ": " + line).c_str(), sc_core::SC_MEDIUM);
  diag.trace(TracePoint::FaultInjected, line);
}

std::size_t ControllerImpl::inject_media(const MediaError& m) {
  NamespaceMedia* ns = namespace_media(m.nsid);
  if (!ns) throw ConfigError("fault.nsid", "namespace " + std::to_string(m.nsid) + " is not an active namespace");
  if (m.nlb == 0 || m.slba >= ns->blocks() || m.nlb > ns->blocks() - m.slba)
    throw ConfigError("fault.lba", "blocks [" + std::to_string(m.slba) + ", +" + std::to_string(m.nlb) + ") are not inside namespace " +
                                       std::to_string(m.nsid) + " (" + std::to_string(ns->blocks()) + " blocks)");
  ns->mark_uncorrectable(m.slba, m.nlb);
  const std::size_t id = faults.add(m);
  SC_REPORT_INFO_VERB(kMsgFault, (name + ": fault #" + std::to_string(id) + " media error armed on NSID " + std::to_string(m.nsid) +
                                  " LBA " + std::to_string(m.slba) + " +" + std::to_string(m.nlb)).c_str(), sc_core::SC_MEDIUM);
  return id;
}

void ControllerImpl::fault_on_fetch(Command& cmd) {
  const FaultInjector::Verdict v = faults.select(cmd.sqid, cmd.sqe.opcode(), cmd.sqe.nsid());
  switch (v.kind) {
    case FaultInjector::Verdict::Kind::None: return;
    case FaultInjector::Verdict::Kind::Fail:
      cmd.status = v.status;
      fault_report(v.id, "fail: " + command_text(cmd) + " -> " + st::name(v.status));
      return;
    case FaultInjector::Verdict::Kind::Delay:
      cmd.fault_hold = true;
      cmd.fault_never = v.never;
      cmd.fault_delay = v.delay;
      cmd.fault_id = static_cast<uint32_t>(v.id);
      fault_report(v.id, (v.never ? "hang: " : "delay " + v.delay.to_string() + ": ") + command_text(cmd));
      return;
  }
}

bool ControllerImpl::fault_hold(Command& cmd) {
  const sc_core::sc_time until = std::max(sim_now(), cmd.fetched_at) + cmd.fault_delay;
  ++faults.held;
  for (;;) {
    if (stale(cmd) || cmd.abort_requested || sqs[cmd.sqid].deleting) break;
    const sc_core::sc_time now = sim_now();
    if (cmd.fault_never) sc_core::wait(faults.wake | reset_event);
    else if (now < until) sc_core::wait(until - now, faults.wake | reset_event);
    else break;
  }
  --faults.held;
  cmd.fault_hold = false;
  if (stale(cmd)) return false;
  if (cmd.abort_requested) {
    cmd.status = st::kAbortRequested;  // it did nothing: ends as aborted at once
    ++faults.stats().hung_aborted;
    fault_report(cmd.fault_id, "held command aborted: " + command_text(cmd));
  }
  return true;
}

void ControllerImpl::fault_media_hit(const Command& cmd) {
  std::size_t id = 0;
  if (faults.media_hit(cmd.sqe.nsid(), cmd.error_lba, id))
    fault_report(id, "media error: " + command_text(cmd) + " LBA " + std::to_string(cmd.error_lba) + " -> Unrecovered Read Error");
}

bool ControllerImpl::fault_drop_message(uint16_t vector) {
  std::size_t id = 0;
  if (!faults.drop_message(vector, id)) return false;
  fault_report(id, "interrupt message of vector " + std::to_string(vector) + " dropped");
  return true;
}

void ControllerImpl::send_spurious_interrupt(uint16_t vector) {
  const std::size_t id = faults.add_immediate();
  if (faults.removed || !(pci.msix_enabled() || pci.msi_enabled()) || vector >= interrupt_vectors()) {
    SC_REPORT_INFO_VERB(kMsgFault, (name + ": fault #" + std::to_string(id) + " spurious interrupt of vector " +
                                    std::to_string(vector) + " not sent (no such MSI/MSI-X vector enabled, or removed)").c_str(),
                        sc_core::SC_MEDIUM);
    return;
  }
  faults.fired(id);
  ++faults.stats().spurious_interrupts;
  fault_report(id, "spurious interrupt of vector " + std::to_string(vector));
  signal_vector(vector);  // masked: left pending, as any message would be
}

void ControllerImpl::raise_fatal_status() {
  const std::size_t id = faults.add_immediate();
  if (faults.removed) return;
  faults.fired(id);
  ++faults.stats().fatal_status;
  enter_fatal_status();
  fault_report(id, "controller fatal status (CSTS.CFS = 1) until a controller reset");
  diag.trace(TracePoint::CtrlFatal, "CSTS.CFS = 1: injected fault");
}

void ControllerImpl::surprise_remove() {
  const std::size_t id = faults.add_immediate();
  if (faults.removed) return;
  faults.fired(id);
  ++faults.stats().surprise_removals;
  faults.removed = true;
  ready = false;
  ++epoch;
  actions.clear();  // register and doorbell writes on their way are lost
  messages.clear();
  uint8_t command[2];
  pci.read(spec::pci::kCommand, command, 2, nullptr, 0);
  command[0] = static_cast<uint8_t>(command[0] & ~spec::pci::command::kBusMaster);
  pci.write(spec::pci::kCommand, command, 2, nullptr, 0);
  dma.invalidate_all();
  if (intx_level) {
    intx_level = false;
    trace.intx.set(false);
    intx_changed.notify(sc_core::SC_ZERO_TIME);
  }
  reset_event.notify(sc_core::SC_ZERO_TIME);
  fetch_wakeup.notify(sc_core::SC_ZERO_TIME);
  fault_report(id, "surprise removal: BAR0 and configuration reads return all ones until power_loss()");
}

void ControllerImpl::removed_access(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  delay += cycles(cfg.timing.register_access_cycles);
  if (trans.get_command() == tlm::TLM_READ_COMMAND) std::memset(trans.get_data_ptr(), 0xFF, trans.get_data_length());
  trans.set_dmi_allowed(false);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned ControllerImpl::removed_debug(tlm::tlm_generic_payload& trans) {
  if (trans.get_command() != tlm::TLM_READ_COMMAND) return 0;
  std::memset(trans.get_data_ptr(), 0xFF, trans.get_data_length());
  return trans.get_data_length();
}

}  // namespace scnvme::detail
