// ControllerImpl: construction, the BAR0 and configuration-space access paths, and resets.
#include "controller/controller_impl.h"

#include <cmath>
#include <cstring>
#include <sstream>

#include "scnvme/spec/nvme_registers.h"
#include "scnvme/spec/pci.h"
#include "sim_now.h"

namespace scnvme::detail {

namespace {
constexpr const char* kMsgController = "scnvme/controller";

sc_core::sc_time clock_period(const ControllerConfig& cfg) {
  const double period_s = 1.0 / (cfg.timing.clock_mhz * 1e6);
  const double res_s = sc_core::sc_get_time_resolution().to_seconds();
  const double units = period_s / res_s;
  if (std::fabs(units - std::round(units)) > 1e-6 || std::round(units) < 1)
    throw ConfigError("timing.clock_mhz", "a " + std::to_string(cfg.timing.clock_mhz) +
                                              " MHz clock period is not a whole number of SystemC time-resolution units (" +
                                              sc_core::sc_get_time_resolution().to_string() + ")");
  return sc_core::sc_get_time_resolution() * std::round(units);
}

std::string default_subnqn(const std::string& hier_name, const std::string& serial) {
  return "nqn.2026-11.io.scnvme:" + hier_name + ":" + serial;
}

bool aligned_access(uint64_t addr, unsigned len) {
  if (len == 8) return addr % 8 == 0;
  if (len == 4 || len == 2 || len == 1) return addr % len == 0;
  return false;
}
}  // namespace

ControllerImpl::ControllerImpl(Controller& owner_, const ControllerConfig& cfg_)
    : owner(owner_),
      cfg(cfg_),
      name(owner_.name()),
      subnqn(cfg_.subnqn.empty() ? default_subnqn(owner_.name(), cfg_.serial_number) : cfg_.subnqn),
      clock(clock_period(cfg_)),
      rng(cfg_.seed),
      pci(cfg_),
      msix(cfg_.pci.msix ? cfg_.pci.msix_vectors : 0),
      link(cfg_.pcie, cfg_.pci.link_generation, cfg_.pci.link_width),
      dma([this](tlm::tlm_generic_payload& t, sc_core::sc_time& d) { owner.dma->b_transport(t, d); },
          [this](tlm::tlm_generic_payload& t, tlm::tlm_dmi& d) { return owner.dma->get_direct_mem_ptr(t, d); },
          [this] { return pci.bus_master_enabled(); }, &link,
          [this] { return DmaPort::LinkLimits{pci.max_payload_bytes(), pci.max_read_request_bytes()}; },
          [this] { return epoch; }, cfg_.dma_engines),
      data_buffer(static_cast<uint64_t>(cfg_.data_buffer_kib) * 1024),
      errors(cfg_.error_log_entries + 1u),
      thermal(cfg_.ambient_temperature_k, cfg_.thermal_heat_k_per_gbps, cfg_.thermal_time_constant_ms),
      power(cfg_.power_states),
      namespaces(cfg),
      sqs(cfg_.max_io_queues + 1u),
      cqs(cfg_.max_io_queues + 1u),
      slots(cfg_.command_slots),
      slot_data(cfg_.command_slots),
      slot_metadata(cfg_.command_slots),
      slot_segments(cfg_.command_slots),
      msi_pending(32, false) {
  if (subnqn.size() > 223) subnqn = subnqn.substr(0, 223);
  if (cfg.flash.enabled) {
    flash = std::make_unique<FlashBackend>("flash", cfg.flash, cfg.volatile_write_cache, cfg.seed);
    for (unsigned i = 0; i < cfg.command_slots; ++i) slot_flash.push_back(std::make_unique<FlashWait>());
  }
  namespaces.place(flash.get());  // the configured namespaces on the flash backend; TNVMCAP
  for (unsigned i = 0; i < slots.size(); ++i) slot_events.push_back(std::make_unique<sc_core::sc_event>());
  for (std::size_t i = slots.size(); i-- > 0;) free_slot_list.push_back(static_cast<uint32_t>(i));  // slot 0 first
  build_registers();
  base_clock = clock;
  saved_features = default_features();  // nothing saved yet
  reset_features();
  init_firmware();
  start_threads();
}

void ControllerImpl::enter_fatal_status() {
  set_csts_bits(spec::reg::csts::kCfs, true);
  ready = false;
  ++epoch;  // the commands in flight never complete (NVMe 2.0 9.5: no more completions are posted)
  messages.clear();
  reset_event.notify(sc_core::SC_ZERO_TIME);
  fetch_wakeup.notify(sc_core::SC_ZERO_TIME);
}

void ControllerImpl::controller_fatal(GuestError kind, const std::string& subject, uint64_t value, const std::string& why) {
  enter_fatal_status();
  guest_error(kind, subject, value, "controller fatal status: " + why);
  diag.trace(TracePoint::CtrlFatal, "CSTS.CFS = 1: " + why);
}

// ---------------------------------------------------------------------------------------------
// BAR0

void ControllerImpl::bar0_access(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  delay += cycles(cfg.timing.register_access_cycles);
  if (link.enabled()) delay += link.mmio(trans.is_read(), trans.get_data_length());
  const uint64_t addr = trans.get_address();
  const unsigned len = trans.get_data_length();
  uint8_t* data = trans.get_data_ptr();
  const uint8_t* be = trans.get_byte_enable_ptr();
  const unsigned be_len = trans.get_byte_enable_length();
  const bool is_write = trans.get_command() == tlm::TLM_WRITE_COMMAND;

  if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) {
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  if (trans.get_streaming_width() < len || !aligned_access(addr, len)) {
    guest_error(GuestError::RegisterMisalignedAccess, "BAR0", addr, "BAR0 access at " + hex(addr) + " of " + std::to_string(len) +
                " bytes is not a naturally aligned 1/2/4/8-byte access");
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  if (addr + len > cfg.pci.bar0_size) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (!pci.memory_space_enabled()) {
    guest_error(GuestError::RegisterMemorySpaceDisabled, "BAR0", addr, "BAR0 access at " + hex(addr) + " while Memory Space Enable is clear");
    if (!is_write) std::memset(data, 0xFF, len);
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }

  const uint32_t off = static_cast<uint32_t>(addr);
  const uint64_t table = cfg.pci.msix_table_offset, pba = cfg.pci.msix_pba_offset;
  if (sc_core::sc_report_handler::get_verbosity_level() >= sc_core::SC_DEBUG) {
    std::ostringstream os;
    os << name << ": BAR0 " << (is_write ? "write" : "read") << " 0x" << std::hex << off << " (" << std::dec << len << " bytes)";
    if (is_write && len <= 8) {
      uint64_t v = 0;
      for (unsigned i = 0; i < len; ++i) v |= static_cast<uint64_t>(data[i]) << (8 * i);
      os << " = 0x" << std::hex << v;
    }
    SC_REPORT_INFO_VERB("scnvme/registers", os.str().c_str(), sc_core::SC_DEBUG);
  }
  if (off < spec::reg::kDoorbellBase) {
    access_delay = delay;
    check_register_access(off, len, be, be_len, is_write);
    if (is_write) regs.write(off, data, len, be, be_len);
    else regs.read(off, data, len, be, be_len);
  } else if (off < cfg.doorbell_area_end()) {
    if (is_write) {
      if (len < 4 || (be && be_len)) {
        guest_error(GuestError::DoorbellPartialWrite, doorbell_subject(off), off, "doorbell " + bar0_name(off) + " written with a partial (" + std::to_string(len) + "-byte or byte-enabled) access; ignored");
      } else {
        for (unsigned i = 0; i < len; i += 4) {
          const uint32_t value = spec::get_le32(data + i);
          const uint32_t db = off + i;
          actions.at(delay + cycles(cfg.timing.doorbell_cycles), [this, db, value] { on_doorbell_write(db, value); });
        }
      }
    } else {
      std::memset(data, 0, len);  // doorbells are write-only: reads return 0, no side effect
    }
  } else if (cfg.pci.msix && off >= table && off + len <= table + msix.table_bytes()) {
    if (is_write) {
      msix.table_write(off - static_cast<uint32_t>(table), data, len, be, be_len);
      actions.at(delay, [this] { deliver_pending_msix(); });
    } else {
      msix.table_read(off - static_cast<uint32_t>(table), data, len, be, be_len);
    }
  } else if (cfg.pci.msix && off >= pba && off + len <= pba + msix.pba_bytes()) {
    if (!is_write) msix.pba_read(off - static_cast<uint32_t>(pba), data, len);  // PBA is read-only
    else guest_error(GuestError::RegisterReadOnlyWrite, "MSI-X PBA", off, "write to the MSI-X PBA at " + hex(off) + "; ignored");
  } else if (!is_write) {
    std::memset(data, 0, len);  // reserved: reads 0, writes ignored
  } else {
    guest_error(GuestError::RegisterReservedWrite, "BAR0", off, "write to reserved BAR0 offset " + hex(off) + "; ignored");
  }
  if (diag.on(is_write ? TracePoint::RegWrite : TracePoint::RegRead)) trace_register(off, data, len, is_write, delay);
  trans.set_dmi_allowed(false);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned ControllerImpl::bar0_debug(tlm::tlm_generic_payload& trans) {
  const uint64_t addr = trans.get_address();
  unsigned len = trans.get_data_length();
  uint8_t* data = trans.get_data_ptr();
  if (trans.get_command() != tlm::TLM_READ_COMMAND || addr >= cfg.pci.bar0_size) return 0;
  if (addr + len > cfg.pci.bar0_size) len = static_cast<unsigned>(cfg.pci.bar0_size - addr);
  for (unsigned i = 0; i < len; ++i) {
    const uint64_t off = addr + i;
    if (off < spec::reg::kDoorbellBase) regs.peek(static_cast<uint32_t>(off), data + i, 1);
    else if (cfg.pci.msix && off >= cfg.pci.msix_table_offset && off < cfg.pci.msix_table_offset + msix.table_bytes())
      msix.table_read(static_cast<uint32_t>(off - cfg.pci.msix_table_offset), data + i, 1, nullptr, 0);
    else if (cfg.pci.msix && off >= cfg.pci.msix_pba_offset && off < cfg.pci.msix_pba_offset + msix.pba_bytes())
      msix.pba_read(static_cast<uint32_t>(off - cfg.pci.msix_pba_offset), data + i, 1);
    else data[i] = 0;
  }
  return len;
}

// ---------------------------------------------------------------------------------------------
// PCI configuration space

void ControllerImpl::cfg_access(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  namespace p = spec::pci;
  delay += cycles(cfg.timing.register_access_cycles);
  if (link.enabled()) delay += link.mmio(trans.is_read(), trans.get_data_length());
  const uint64_t addr = trans.get_address();
  const unsigned len = trans.get_data_length();
  uint8_t* data = trans.get_data_ptr();
  const uint8_t* be = trans.get_byte_enable_ptr();
  const unsigned be_len = trans.get_byte_enable_length();

  if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) {
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  if (addr >= p::kConfigSpaceSize || addr + len > p::kConfigSpaceSize) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (len == 0 || len > 4 || (addr % 4) + len > 4 || trans.get_streaming_width() < len) {
    guest_error(GuestError::ConfigMisalignedAccess, "config", addr, "configuration access at " + hex(addr) + " of " + std::to_string(len) +
                " bytes is not within one dword");
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  const uint32_t off = static_cast<uint32_t>(addr);
  if (trans.get_command() == tlm::TLM_READ_COMMAND) {
    pci.read(off, data, len, be, be_len);
    if (diag.on(TracePoint::CfgRead)) trace_config(off, data, len, false, delay);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }

  // Snapshot what a write may change, apply it, then act on the differences at now + delay.
  const uint16_t cmd_before = pci.command();
  const uint64_t bar_before = pci.bar0_address();
  const bool msix_before = pci.msix_enabled(), fmask_before = pci.msix_function_masked();
  const bool msi_before = pci.msi_enabled();
  bool flr = false;
  if (const uint32_t devctl = pci.pcie_offset() + p::pcie::kDeviceControl + 1; off <= devctl && devctl < off + len) {
    const unsigned i = devctl - off;
    flr = (data[i] & 0x80) && (!be || !be_len || be[i % be_len]);
  }
  pci.write(off, data, len, be, be_len);
  if (diag.on(TracePoint::CfgWrite)) trace_config(off, data, len, true, delay);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);

  const uint16_t cmd_after = pci.command();
  if (flr) {
    actions.at(delay, [this] { function_level_reset(); });
    return;
  }
  if ((cmd_before ^ cmd_after) & p::command::kBusMaster) {
    if (cmd_after & p::command::kBusMaster) {
      bus_master_event.notify(delay);
      fetch_wakeup.notify(delay);
    }
    else dma.invalidate_all();
  }
  if (((cmd_before ^ cmd_after) & p::command::kMemorySpace) || bar_before != pci.bar0_address()) {
    if (bar0_changed) bar0_changed(pci.bar0_address(), pci.memory_space_enabled());
  }
  const bool unmasked = (pci.msix_enabled() && (!msix_before || (fmask_before && !pci.msix_function_masked())));
  const bool mode_changed = msix_before != pci.msix_enabled() || msi_before != pci.msi_enabled() ||
                            ((cmd_before ^ cmd_after) & (p::command::kInterruptDisable | p::command::kBusMaster));
  if (unmasked || mode_changed) {
    actions.at(delay, [this] {
      deliver_pending_msix();
      deliver_pending_msi();
      update_intx();
    });
  }
}

unsigned ControllerImpl::cfg_debug(tlm::tlm_generic_payload& trans) {
  const uint64_t addr = trans.get_address();
  unsigned len = trans.get_data_length();
  if (trans.get_command() != tlm::TLM_READ_COMMAND || addr >= spec::pci::kConfigSpaceSize) return 0;
  if (addr + len > spec::pci::kConfigSpaceSize) len = static_cast<unsigned>(spec::pci::kConfigSpaceSize - addr);
  pci.read(static_cast<uint32_t>(addr), trans.get_data_ptr(), len, nullptr, 0);
  return len;
}

// ---------------------------------------------------------------------------------------------
// Resets

void ControllerImpl::controller_reset() {
  ++epoch;
  ++stats.controller_resets;
  ready = false;
  shutting_down = false;
  io_queues_exist = false;
  for (std::size_t q = 0; q < sqs.size(); ++q)
    if (sqs[q].valid) trace.sq_dropped(q, sqs[q].pending());
  for (auto& sq : sqs) sq = SubmissionQueue{};
  sq_id_limit = 1;
  for (auto& cq : cqs) cq = CompletionQueue{};
  for (std::size_t q = 0; q < cqs.size(); ++q) trace.cq_entries(q, 0);
  parked_aers.clear();  // an outstanding Asynchronous Event Request never completes
  async_events.clear();
  dbbuf = DoorbellBuffers{};
  messages.clear();
  std::fill(msi_pending.begin(), msi_pending.end(), false);
  intms = 0;
  regs.reset();  // all but AQA, ASQ, ACQ, CC and CSTS, which are handled here
  set_csts_bits(spec::reg::csts::kCfs | spec::reg::csts::kShstMask, false);
  reset_features();
  firmware_reset(FirmwareState::Reset::Controller);  // a pending image may activate; downloads are dropped
  self_test_reset();                                 // a short device self-test is aborted
  reset_event.notify(sc_core::SC_ZERO_TIME);
  fetch_wakeup.notify(sc_core::SC_ZERO_TIME);
  update_intx();
  const uint64_t e = epoch;
  actions.at(sc_core::sc_time(cfg.timing.reset_delay_us, sc_core::SC_US), [this, e] {
    if (e == epoch && !(regs.value(spec::reg::kCc) & spec::reg::cc::kEn)) set_csts_bits(spec::reg::csts::kRdy, false);
  });
  SC_REPORT_INFO_VERB(kMsgController, (name + ": controller reset").c_str(), sc_core::SC_HIGH);
  diag.trace(TracePoint::CtrlReset, "controller reset");
}

void ControllerImpl::function_level_reset() {
  ++stats.function_level_resets;
  reset_function(false);
}

void ControllerImpl::reset_function(bool conventional) {
  // CSTS.NSSRO changes only with an NVM Subsystem Reset (NVMe Base 2.0, 3.1.3.6: its initial value
  // is set by the last one) or the host's write-1-to-clear: a Function Level Reset keeps it. The
  // conventional resets (NVM Subsystem Reset, power loss) set it themselves.
  const bool nssro = csts() & spec::reg::csts::kNssro;
  controller_reset();
  --stats.controller_resets;
  regs.reset_all();
  if (!conventional && nssro) set_csts_bits(spec::reg::csts::kNssro, true);
  if (conventional) firmware_reset(FirmwareState::Reset::Conventional);
  pci.reset(conventional);
  msix.reset();
  dma.invalidate_all();
  update_intx();
  if (bar0_changed) bar0_changed(pci.bar0_address(), pci.memory_space_enabled());
  SC_REPORT_INFO_VERB(kMsgController, (name + (conventional ? ": conventional reset" : ": function level reset")).c_str(),
                      sc_core::SC_HIGH);
  diag.trace(TracePoint::CtrlFlr, conventional ? "conventional reset" : "function level reset");
}

void ControllerImpl::power_loss() {
  actions.clear();  // register and doorbell writes still on their way die with the power
  thermal_timer.cancel();
  thermal_watching = false;
  thermal.restart(sim_now(), (health.read_512_units + health.written_512_units) * 512);  // cold again
  for (NamespaceMedia* m : namespaces.all_media()) m->power_loss();
  if (flash) flash->power_loss();
  namespace r = spec::reg;
  if (r::csts::shst(csts()) != r::csts::kShstComplete) ++health.unsafe_shutdowns;
  ++health.power_cycles;
  reset_function(true);
  firmware_reset(FirmwareState::Reset::PowerCycle);
  set_csts_bits(r::csts::kNssro, false);
  SC_REPORT_INFO_VERB(kMsgController, (name + ": power lost and restored").c_str(), sc_core::SC_HIGH);
  diag.trace(TracePoint::CtrlPowerLoss, "power lost and restored");
}

void ControllerImpl::subsystem_reset() {
  ++stats.subsystem_resets;
  reset_function(true);
  firmware_reset(FirmwareState::Reset::Subsystem);
  set_csts_bits(spec::reg::csts::kNssro, true);
  SC_REPORT_INFO_VERB(kMsgController, (name + ": NVM subsystem reset").c_str(), sc_core::SC_HIGH);
  diag.trace(TracePoint::CtrlNssr, "NVM subsystem reset");
}

}  // namespace scnvme::detail
