#include "controller/dma_port.h"

#include <algorithm>
#include <cstring>

#include "sim_now.h"

namespace scnvme::detail {

const tlm::tlm_dmi* DmaPort::find_region(uint64_t addr, uint64_t len, tlm::tlm_command cmd) const {
  for (const auto& r : regions_) {
    if (addr < r.get_start_address() || addr + len - 1 > r.get_end_address()) continue;
    if (cmd == tlm::TLM_READ_COMMAND ? r.is_read_allowed() : r.is_write_allowed()) return &r;
  }
  return nullptr;
}

bool DmaPort::access(tlm::tlm_command cmd, uint64_t addr, uint8_t* buf, uint64_t len, const sc_core::sc_time& lead) {
  if (cmd == tlm::TLM_WRITE_COMMAND && len && bme_() && addr + len >= addr) {
    // A write lands in host memory when the link has carried it: wait for the link first, then
    // make the data visible (a polling host must not see a CQE before its modelled arrival).
    const uint64_t epoch = epoch_ ? epoch_() : 0;
    const sc_core::sc_time arrives = arrival(addr, len, sim_now() + lead);
    if (arrives > sim_now()) sc_core::wait(arrives - sim_now());
    return land(addr, buf, len, epoch);
  }
  sc_core::sc_time done;
  const bool ok = timed(cmd, addr, buf, len, lead, done);
  if (done > sim_now()) sc_core::wait(done - sim_now());
  return ok;
}

sc_core::sc_time DmaPort::arrival(uint64_t addr, uint64_t len, const sc_core::sc_time& start) {
  sc_core::sc_time t = start;
  if (link_ && link_->enabled() && len) t = link_->write(addr, len, limits_().max_payload, start);
  // Host memory's write latency, when known from its DMI grant (b_transport reports it on landing).
  if (const tlm::tlm_dmi* r = find_region(addr, len, tlm::TLM_WRITE_COMMAND)) t += r->get_write_latency();
  return t;
}

bool DmaPort::land(uint64_t addr, const uint8_t* src, uint64_t len, uint64_t epoch) {
  if ((epoch_ && epoch_() != epoch) || !bme_()) return false;  // reset meanwhile: the write is dropped
  if (len == 0) return true;
  if (addr + len < addr) return false;
  if (const tlm::tlm_dmi* r = find_region(addr, len, tlm::TLM_WRITE_COMMAND)) {
    std::memcpy(r->get_dmi_ptr() + (addr - r->get_start_address()), src, len);  // latency was in arrival()
    ++dmi_accesses_;
    return true;
  }
  // Through b_transport the target holds the data once the call returns: the write is visible
  // now, whatever latency it reports (a posted write: nobody waits for it).
  sc_core::sc_time done;
  return move(tlm::TLM_WRITE_COMMAND, addr, const_cast<uint8_t*>(src), len, sc_core::SC_ZERO_TIME, done);
}

bool DmaPort::timed(tlm::tlm_command cmd, uint64_t addr, uint8_t* buf, uint64_t len, const sc_core::sc_time& lead,
                    sc_core::sc_time& done) {
  const sc_core::sc_time start = sim_now() + lead;
  done = start;
  if (len == 0) return true;
  if (!bme_()) return false;
  if (addr + len < addr) return false;  // wraps the address space
  // The link's share of the time: from `start` until its last TLP is through.
  if (link_ && link_->enabled()) {
    const LinkLimits l = limits_();
    done = cmd == tlm::TLM_READ_COMMAND ? link_->read(addr, len, l.max_read_request, l.max_payload, start)
                                        : link_->write(addr, len, l.max_payload, start);
  }
  // The data moves now (loosely timed: host memory is accessed at issue, its latency added).
  sc_core::sc_time moved;
  const bool ok = move(cmd, addr, buf, len, sc_core::SC_ZERO_TIME, moved);
  done += moved - sim_now();
  return ok;
}

bool DmaPort::on_timeline(tlm::tlm_command cmd, uint64_t addr, uint8_t* buf, uint64_t len, DmaTimeline& t) {
  const sc_core::sc_time now = sim_now();
  if (t.at < now) t.at = now;
  if (len == 0) return true;
  if (!bme_() || addr + len < addr) return false;
  // The engine that frees first carries the transfer, from when both it and the command are ready.
  TimedResource* engine = nullptr;
  for (auto& e : engines_)
    if (!engine || e.free_at() < engine->free_at()) engine = &e;
  const sc_core::sc_time start = engine ? std::max(t.at, engine->free_at()) : t.at;
  sc_core::sc_time done;
  const bool ok = timed(cmd, addr, buf, len, start - now, done);
  if (engine) engine->reserve(start, done - start);
  t.at = done;
  return ok;
}

bool DmaPort::move(tlm::tlm_command cmd, uint64_t addr, uint8_t* buf, uint64_t len, const sc_core::sc_time& offset,
                   sc_core::sc_time& done) {
  done = sim_now() + offset;
  if (const tlm::tlm_dmi* r = find_region(addr, len, cmd)) {
    uint8_t* p = r->get_dmi_ptr() + (addr - r->get_start_address());
    if (cmd == tlm::TLM_READ_COMMAND) std::memcpy(buf, p, len);
    else std::memcpy(p, buf, len);
    ++dmi_accesses_;
    done += cmd == tlm::TLM_READ_COMMAND ? r->get_read_latency() : r->get_write_latency();
    return true;
  }
  tlm::tlm_generic_payload trans;
  trans.set_command(cmd);
  trans.set_address(addr);
  trans.set_data_ptr(buf);
  trans.set_data_length(static_cast<unsigned>(len));
  trans.set_streaming_width(static_cast<unsigned>(len));
  trans.set_byte_enable_ptr(nullptr);
  trans.set_dmi_allowed(false);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = offset;  // loosely timed: the access happens `offset` from now
  transport_(trans, delay);
  ++transactions_;
  const bool ok = trans.is_response_ok();
  if (ok && trans.is_dmi_allowed() && dmi_hint_) {
    tlm::tlm_generic_payload q;
    q.set_command(cmd);
    q.set_address(addr);
    tlm::tlm_dmi dmi;
    if (get_dmi_(q, dmi) && dmi.get_dmi_ptr() != nullptr) regions_.push_back(dmi);
    else dmi_hint_ = false;
  }
  // A target that waited inside b_transport already advanced time.
  done = sim_now() + delay;
  return ok;
}

bool DmaPort::read(uint64_t addr, uint8_t* dst, uint64_t len) { return access(tlm::TLM_READ_COMMAND, addr, dst, len); }

bool DmaPort::write(uint64_t addr, const uint8_t* src, uint64_t len, const sc_core::sc_time& lead) {
  return access(tlm::TLM_WRITE_COMMAND, addr, const_cast<uint8_t*>(src), len, lead);
}

void DmaPort::invalidate(uint64_t start, uint64_t end) {
  for (auto it = regions_.begin(); it != regions_.end();) {
    if (it->get_start_address() <= end && start <= it->get_end_address()) it = regions_.erase(it);
    else ++it;
  }
  dmi_hint_ = true;
}

}  // namespace scnvme::detail
