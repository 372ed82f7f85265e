#include "interconnect.h"

#include <stdexcept>

namespace scnvme::platform {

Interconnect::Interconnect(const sc_core::sc_module_name& name, sc_core::sc_time latency)
    : sc_module(name), from_initiators("from_initiators"), to_targets("to_targets"), latency_(latency) {
  from_initiators.register_b_transport(this, &Interconnect::b_transport);
  from_initiators.register_get_direct_mem_ptr(this, &Interconnect::get_direct_mem_ptr);
  from_initiators.register_transport_dbg(this, &Interconnect::transport_dbg);
  to_targets.register_invalidate_direct_mem_ptr(this, &Interconnect::invalidate_direct_mem_ptr);
}

bool Interconnect::overlaps(const Region& r) const {
  for (const auto& o : regions_)
    if (&o != &r && o.enabled && o.name != r.name && r.base < o.base + o.size && o.base < r.base + r.size) return true;
  return false;
}

void Interconnect::map(const std::string& region, uint64_t base, uint64_t size, unsigned target_port, bool enabled) {
  if (size == 0 || base + size < base) throw std::invalid_argument(std::string(name()) + ": region " + region + " is empty or wraps");
  Region r{region, base, size, target_port, enabled};
  if (enabled) {
    for (const auto& o : regions_)
      if (o.enabled && base < o.base + o.size && o.base < base + size)
        throw std::invalid_argument(std::string(name()) + ": region " + region + " overlaps " + o.name);
  }
  regions_.push_back(r);
}

Interconnect::Region* Interconnect::find(const std::string& n) {
  for (auto& r : regions_)
    if (r.name == n) return &r;
  return nullptr;
}

bool Interconnect::remap(const std::string& region, uint64_t base, bool enabled) {
  Region* r = find(region);
  if (!r) return false;
  if (r->enabled) invalidate_global(r->base, r->base + r->size - 1);
  r->base = base;
  r->enabled = enabled;
  if (enabled && overlaps(*r)) {
    r->enabled = false;
    SC_REPORT_WARNING("scnvme/platform", (std::string(name()) + ": region " + region + " at 0x" +
                                          sc_dt::sc_uint<64>(base).to_string(sc_dt::SC_HEX) + " overlaps another; left unmapped")
                                             .c_str());
    return false;
  }
  return true;
}

const Interconnect::Region* Interconnect::decode(uint64_t addr, uint64_t len) const {
  for (const auto& r : regions_)
    if (r.enabled && addr >= r.base && addr - r.base < r.size && len <= r.size - (addr - r.base)) return &r;
  return nullptr;
}

void Interconnect::b_transport(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const uint64_t addr = trans.get_address();
  const Region* r = decode(addr, trans.get_data_length());
  if (!r) {
    ++unmapped_;
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  delay += latency_;
  trans.set_address(addr - r->base);
  to_targets[r->port]->b_transport(trans, delay);
  trans.set_address(addr);
}

bool Interconnect::get_direct_mem_ptr(int, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi) {
  const uint64_t addr = trans.get_address();
  const Region* r = decode(addr, 1);
  if (!r) return false;
  trans.set_address(addr - r->base);
  const bool ok = to_targets[r->port]->get_direct_mem_ptr(trans, dmi);
  trans.set_address(addr);
  // Translate to global addresses and clip to the region.
  uint64_t start = dmi.get_start_address() + r->base, end = dmi.get_end_address() + r->base;
  const uint64_t region_end = r->base + r->size - 1;
  if (end > region_end || end < start) end = region_end;
  if (start < r->base) {
    if (dmi.get_dmi_ptr()) dmi.set_dmi_ptr(dmi.get_dmi_ptr() + (r->base - start));
    start = r->base;
  }
  dmi.set_start_address(start);
  dmi.set_end_address(end);
  if (ok) {
    dmi.set_read_latency(dmi.get_read_latency() + latency_);
    dmi.set_write_latency(dmi.get_write_latency() + latency_);
  }
  return ok;
}

unsigned Interconnect::transport_dbg(int, tlm::tlm_generic_payload& trans) {
  const uint64_t addr = trans.get_address();
  const Region* r = decode(addr, trans.get_data_length());
  if (!r) return 0;
  trans.set_address(addr - r->base);
  const unsigned n = to_targets[r->port]->transport_dbg(trans);
  trans.set_address(addr);
  return n;
}

void Interconnect::invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end) {
  for (const auto& r : regions_) {
    if (r.port != static_cast<unsigned>(port)) continue;
    const uint64_t s = r.base + start;
    const uint64_t e = end >= r.size ? r.base + r.size - 1 : r.base + end;
    invalidate_global(s, e);
  }
}

void Interconnect::invalidate_global(uint64_t start, uint64_t end) {
  for (unsigned i = 0; i < from_initiators.size(); ++i) from_initiators[i]->invalidate_direct_mem_ptr(start, end);
}

}  // namespace scnvme::platform
