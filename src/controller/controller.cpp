// scnvme::Controller: the public module. Binds the sockets to ControllerImpl.
#include "scnvme/controller.h"

#include "controller/controller_impl.h"

namespace scnvme {

namespace {
const ControllerConfig& validated(const ControllerConfig& cfg) {
  cfg.validate();
  return cfg;
}
}  // namespace

Controller::Controller(const sc_core::sc_module_name& name, const ControllerConfig& config)
    : sc_module(name), bar0("bar0"), pci_cfg("pci_cfg"), dma("dma"), msi("msi"), intx("intx") {
  impl_ = std::make_unique<detail::ControllerImpl>(*this, validated(config));
  bar0.register_b_transport(this, &Controller::bar0_b_transport);
  bar0.register_transport_dbg(this, &Controller::bar0_transport_dbg);
  bar0.register_get_direct_mem_ptr(this, &Controller::get_direct_mem_ptr);
  pci_cfg.register_b_transport(this, &Controller::cfg_b_transport);
  pci_cfg.register_transport_dbg(this, &Controller::cfg_transport_dbg);
  pci_cfg.register_get_direct_mem_ptr(this, &Controller::get_direct_mem_ptr);
  dma.register_invalidate_direct_mem_ptr(this, &Controller::invalidate_direct_mem_ptr);
}

Controller::~Controller() = default;

const ControllerConfig& Controller::config() const { return impl_->cfg; }
ControllerStats Controller::stats() const {
  ControllerStats s = impl_->stats;
  s.link_upstream_busy = impl_->link.upstream().busy();
  s.link_downstream_busy = impl_->link.downstream().busy();
  s.slots_busy = impl_->slots_busy;
  for (const auto& e : impl_->dma.engines()) s.dma_engines_busy += e.busy();
  s.data_buffer_byte_seconds = impl_->data_buffer.byte_seconds();
  s.data_buffer_peak_bytes = impl_->data_buffer.peak();
  return s;
}
FlashStats Controller::flash_stats() const { return impl_->flash ? impl_->flash->stats() : FlashStats{}; }

uint64_t Controller::bar0_address() const { return impl_->pci.bar0_address(); }
bool Controller::memory_space_enabled() const { return impl_->pci.memory_space_enabled(); }
void Controller::power_loss() {
  impl_->faults.removed = false;  // power comes back with the device in its slot
  impl_->power_loss();
}
bool Controller::add_namespace(const NamespaceConfig& config) { return impl_->hotplug_add(config); }
bool Controller::remove_namespace(uint32_t nsid) { return impl_->hotplug_remove(nsid); }
bool Controller::resize_namespace(uint32_t nsid, uint64_t size_bytes) { return impl_->hotplug_resize(nsid, size_bytes); }
void Controller::attach_trace(TraceSink& sink) { impl_->attach_trace(sink); }
std::vector<GuestErrorRecord> Controller::guest_errors() const { return impl_->diag.records(); }
uint64_t Controller::guest_error_count(GuestError kind) const { return impl_->diag.count(kind); }
void Controller::set_log_filter(const std::vector<std::string>& patterns) { impl_->diag.set_filter(patterns); }

std::size_t Controller::inject(const CommandFailure& fault) { return impl_->faults.add(fault); }
std::size_t Controller::inject(const MediaError& fault) { return impl_->inject_media(fault); }
std::size_t Controller::inject(const CommandDelay& fault) { return impl_->faults.add(fault); }
std::size_t Controller::inject(const InterruptDrop& fault) { return impl_->faults.add(fault); }
void Controller::send_spurious_interrupt(uint16_t vector) { impl_->send_spurious_interrupt(vector); }
void Controller::raise_fatal_status() { impl_->raise_fatal_status(); }
void Controller::surprise_remove() { impl_->surprise_remove(); }
FaultStats Controller::fault_stats() const { return impl_->faults.stats(); }

std::string Controller::quiescence_blocker() const { return impl_->quiescence_blocker(); }
// Saving reads the state through the same description that loads it (persist): the Writer never
// modifies what it is given.
void Controller::save_checkpoint(checkpoint::Writer& w) const { impl_->save_checkpoint(w); }
void Controller::save_checkpoint(std::ostream& out) const {
  checkpoint::Writer w;
  save_checkpoint(w);
  w.finish(out);
}
void Controller::restore_checkpoint(checkpoint::Reader& r) { impl_->restore_checkpoint(r); }
void Controller::restore_checkpoint(std::istream& in) {
  checkpoint::Reader r(in);
  restore_checkpoint(r);
}

void Controller::on_command_complete(std::function<void(const CommandRecord&)> callback) {
  if (callback) impl_->command_completed.push_back(std::move(callback));
}
void Controller::on_command_fetched(std::function<void(const CommandRecord&)> callback) {
  if (callback) impl_->command_fetched.push_back(std::move(callback));
}
std::vector<QueueInfo> Controller::queues() const { return impl_->queue_infos(); }
std::optional<QueueInfo> Controller::queue(bool submission, uint16_t id) const { return impl_->queue_info(submission, id); }
void Controller::on_bar0_change(std::function<void(uint64_t, bool)> callback) { impl_->bar0_changed = std::move(callback); }

// After a surprise removal nothing answers but the all-ones reads (ControllerImpl::removed_access).
void Controller::bar0_b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (impl_->faults.removed) return impl_->removed_access(trans, delay);
  impl_->bar0_access(trans, delay);
}
unsigned Controller::bar0_transport_dbg(tlm::tlm_generic_payload& trans) {
  return impl_->faults.removed ? impl_->removed_debug(trans) : impl_->bar0_debug(trans);
}
void Controller::cfg_b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (impl_->faults.removed) return impl_->removed_access(trans, delay);
  impl_->cfg_access(trans, delay);
}
unsigned Controller::cfg_transport_dbg(tlm::tlm_generic_payload& trans) {
  return impl_->faults.removed ? impl_->removed_debug(trans) : impl_->cfg_debug(trans);
}

// Registers have side effects on every access: no DMI.
bool Controller::get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
  trans.set_dmi_allowed(false);
  dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
  return false;
}

void Controller::invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end) { impl_->dma.invalidate(start, end); }

}  // namespace scnvme
