#include "host_cpu.h"

#include <optional>

namespace scnvme::platform {

HostCpu::HostCpu(const sc_core::sc_module_name& name, unsigned vectors, sc_core::sc_time op_cost)
    : sc_module(name), bus("bus"), op_cost_(op_cost), counts_(vectors, 0), pending_(vectors, 0) {
  for (unsigned i = 0; i < vectors; ++i) events_.push_back(std::make_unique<sc_core::sc_event>());
  sc_core::sc_spawn_options opts;
  opts.spawn_method();
  opts.set_sensitivity(&arrival_);
  opts.dont_initialize();
  sc_core::sc_spawn([this] { dispatch(); }, "interrupt_dispatch", &opts);
}

void HostCpu::run(const char* thread_name, std::function<void()> body) { sc_core::sc_spawn(std::move(body), thread_name); }

bool HostCpu::transact(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned len) {
  // One payload object serves the CPU's accesses (constructing one allocates); a thread whose
  // access overlaps another's (a target waiting inside b_transport) uses its own.
  std::optional<tlm::tlm_generic_payload> local;
  const bool shared = !payload_busy_;
  tlm::tlm_generic_payload& t = shared ? payload_ : local.emplace();
  if (shared) payload_busy_ = true;
  t.set_command(cmd);
  t.set_address(addr);
  t.set_data_ptr(data);
  t.set_data_length(len);
  t.set_streaming_width(len);
  t.set_byte_enable_ptr(nullptr);
  t.set_dmi_allowed(false);
  t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = op_cost_;
  bus->b_transport(t, delay);
  const bool ok = t.is_response_ok();
  if (shared) payload_busy_ = false;
  sc_core::wait(delay);
  return ok;
}

bool HostCpu::read(uint64_t addr, void* data, unsigned len) {
  return transact(tlm::TLM_READ_COMMAND, addr, static_cast<uint8_t*>(data), len);
}
bool HostCpu::write(uint64_t addr, const void* data, unsigned len) {
  return transact(tlm::TLM_WRITE_COMMAND, addr, static_cast<uint8_t*>(const_cast<void*>(data)), len);
}

void HostCpu::raise(unsigned vector, const sc_core::sc_time& delay) {
  if (vector >= events_.size()) return;
  const sc_core::sc_time when = sc_core::sc_time_stamp() + delay;
  arriving_.emplace(when, vector);
  arrival_.notify(arriving_.begin()->first - sc_core::sc_time_stamp());
}

void HostCpu::dispatch() {
  while (!arriving_.empty() && arriving_.begin()->first <= sc_core::sc_time_stamp()) {
    const unsigned v = arriving_.begin()->second;
    arriving_.erase(arriving_.begin());
    ++counts_[v];
    ++pending_[v];
    events_[v]->notify(sc_core::SC_ZERO_TIME);
    if (auto h = handlers_.find(v); h != handlers_.end()) h->second(v);
  }
  if (!arriving_.empty()) arrival_.notify(arriving_.begin()->first - sc_core::sc_time_stamp());
}

bool HostCpu::wait_interrupt(unsigned vector, const sc_core::sc_time& timeout) {
  if (vector >= events_.size()) return false;
  const sc_core::sc_time end = sc_core::sc_time_stamp() + timeout;
  while (pending_[vector] == 0) {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (now >= end) return false;
    sc_core::wait(end - now, *events_[vector]);
  }
  --pending_[vector];
  return true;
}

void HostCpu::set_handler(unsigned vector, std::function<void(unsigned)> handler) { handlers_[vector] = std::move(handler); }

}  // namespace scnvme::platform
