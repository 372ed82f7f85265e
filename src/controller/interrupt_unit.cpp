// Interrupt signalling: MSI-X when enabled, else MSI, else INTx (NVMe Base 2.0, 3.5.1; PCI Local
// Bus 3.0, 6.8). Messages go out on the `msi` socket from one thread, in the order they were
// raised, each after the CQE write that caused it. When a completion is signalled (at once, or
// after aggregation) is decided by interrupt_coalescing.cpp.
#include <optional>

#include "controller/controller_impl.h"
#include "scnvme/spec/pci.h"
#include "sim_now.h"

namespace scnvme::detail {

namespace {
constexpr const char* kMsgInterrupts = "scnvme/interrupts";
}

unsigned ControllerImpl::interrupt_vectors() const {
  if (pci.msix_enabled()) return msix.vectors();
  if (pci.msi_enabled()) return pci.msi_enabled_vectors();
  return 1;  // INTx: one interrupt for all queues
}

void ControllerImpl::signal_vector(uint16_t vector) {
  if (pci.msix_enabled()) {
    if (vector >= msix.vectors()) return;
    if (pci.msix_function_masked() || msix.masked(vector) || !pci.bus_master_enabled()) {
      msix.set_pending(vector, true);
      return;
    }
    queue_message(msix.address(vector), msix.data(vector), vector);
    return;
  }
  if (pci.msi_enabled()) {
    const unsigned n = pci.msi_enabled_vectors();
    const unsigned v = vector % n;
    if (intms & (1u << v)) {
      msi_pending[v] = true;
      return;
    }
    if (!pci.bus_master_enabled()) {
      msi_pending[v] = true;  // sent once Bus Master Enable is set again
      return;
    }
    // Multiple message MSI: the vector number replaces the low bits of the message data.
    const uint32_t data = (pci.msi_data() & ~(n - 1)) | v;
    queue_message(pci.msi_address(), data, static_cast<uint16_t>(v));
    return;
  }
  update_intx();
}

void ControllerImpl::deliver_pending_msix() {
  if (!pci.msix_enabled() || pci.msix_function_masked() || !pci.bus_master_enabled()) return;
  for (unsigned v = 0; v < msix.vectors(); ++v) {
    if (msix.pending(v) && !msix.masked(v)) {
      msix.set_pending(v, false);
      queue_message(msix.address(v), msix.data(v), static_cast<uint16_t>(v));
    }
  }
}

void ControllerImpl::deliver_pending_msi() {
  if (pci.msix_enabled() || !pci.msi_enabled() || !pci.bus_master_enabled()) return;
  for (unsigned v = 0; v < msi_pending.size(); ++v) {
    if (msi_pending[v] && !(intms & (1u << v))) {
      msi_pending[v] = false;
      signal_vector(static_cast<uint16_t>(v));
    }
  }
}

void ControllerImpl::update_intx() {
  bool level = false;
  if (!pci.msix_enabled() && !pci.msi_enabled() && !(intms & 1u)) {
    for (const auto& cq : cqs)
      if (cq.valid && cq.interrupts_enabled && cq.has_unconsumed()) {
        level = true;
        break;
      }
  }
  pci.set_interrupt_status(level);
  const bool out = level && !pci.intx_disabled() && !faults.removed;
  if (out != intx_level) {
    intx_level = out;
    trace.intx.set(out);
    // The pin is driven from one process only (a signal allows a single driver).
    intx_changed.notify(sc_core::SC_ZERO_TIME);
    SC_REPORT_INFO_VERB(kMsgInterrupts, (name + ": INTx " + (out ? "asserted" : "deasserted")).c_str(), sc_core::SC_DEBUG);
    diag.trace(TracePoint::IrqIntx, out ? "INTx asserted" : "INTx deasserted");
  }
}

void ControllerImpl::drive_intx() {
  if (owner.intx.size() > 0) owner.intx->write(intx_level);
}

void ControllerImpl::queue_message(uint64_t address, uint32_t data, uint16_t vector) {
  // Interrupt generation, then the message: a 4-byte posted write upstream. Its place on the link
  // is taken now, right behind the CQE write that caused it.
  if (faults.interrupts_armed() && fault_drop_message(vector)) return;  // injected: lost
  const sc_core::sc_time generated = sim_now() + cycles(cfg.timing.interrupt_cycles);
  const sc_core::sc_time send_at = link.enabled() ? link.write(address, 4, pci.max_payload_bytes(), generated) : generated;
  last_message_at = send_at;
  if (diag.on(pci.msix_enabled() ? TracePoint::IrqMsix : TracePoint::IrqMsi)) trace_message(address, data, vector, send_at);
  if (vector < trace.vectors.size()) trace.vectors[vector].busy(send_at, send_at + clock, "message");
  if (messages_from_thread && messages.empty()) {
    // A command slot's thread (after its CQE landed) sends the message itself, loosely timed: the
    // write carries the time until it arrives as its annotated delay.
    send_message({address, data, send_at, vector});
    return;
  }
  messages.push_back({address, data, send_at, vector});
  message_event.notify(sc_core::SC_ZERO_TIME);
}

void ControllerImpl::interrupt_thread() {
  for (;;) {
    while (messages.empty()) sc_core::wait(message_event);
    const InterruptMessage m = messages.front();
    messages.pop_front();
    message_leaving = true;
    if (m.send_at > sim_now()) sc_core::wait(m.send_at - sim_now());
    // A message is a memory write: with Bus Master Enable cleared since it was generated, the
    // function may not send it (PCIe Base 7.5.1.1.3); signalled again, its vector is held pending.
    if (pci.bus_master_enabled()) send_message(m);
    else signal_vector(m.vector);
    message_leaving = false;
  }
}

void ControllerImpl::send_message(const InterruptMessage& m) {
  if (owner.msi.size() == 0 || faults.removed) return;  // interrupt port left unbound, or device gone
  uint8_t data[4];
  spec::put_le32(data, m.data);
  // One payload object serves every message (constructing one allocates); a second one is made
  // only if a target waits inside b_transport while another message goes out.
  std::optional<tlm::tlm_generic_payload> local;
  tlm::tlm_generic_payload& trans = message_payload_busy ? local.emplace() : message_payload;
  PayloadClaim claim(message_payload_busy, &trans == &message_payload);
  trans.set_command(tlm::TLM_WRITE_COMMAND);
  trans.set_address(m.address);
  trans.set_data_ptr(data);
  trans.set_data_length(4);
  trans.set_streaming_width(4);
  trans.set_byte_enable_ptr(nullptr);
  trans.set_dmi_allowed(false);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  // A posted write: nothing waits for it to be accepted.
  sc_core::sc_time delay = m.send_at > sim_now() ? m.send_at - sim_now() : sc_core::SC_ZERO_TIME;
  owner.msi->b_transport(trans, delay);
  ++stats.interrupts_sent;
  if (!trans.is_response_ok())
    guest_error(GuestError::MsiWriteFailed, "", m.address, "interrupt message write to " + hex(m.address) + " failed: " + trans.get_response_string());
}

}  // namespace scnvme::detail
