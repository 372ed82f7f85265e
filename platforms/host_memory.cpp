#include "host_memory.h"

#include <cstdlib>
#include <cstring>
#include <new>

namespace scnvme::platform {

void HostMemory::FreeDeleter::operator()(uint8_t* p) const { std::free(p); }

HostMemory::HostMemory(const sc_core::sc_module_name& name, uint64_t size, sc_core::sc_time read_latency,
                       sc_core::sc_time write_latency)
    : sc_module(name), socket("socket"), size_(size), read_latency_(read_latency), write_latency_(write_latency) {
  // calloc: zeroed pages come from the OS on first touch.
  bytes_.reset(static_cast<uint8_t*>(std::calloc(size, 1)));
  if (!bytes_) throw std::bad_alloc();
  socket.register_b_transport(this, &HostMemory::b_transport);
  socket.register_get_direct_mem_ptr(this, &HostMemory::get_direct_mem_ptr);
  socket.register_transport_dbg(this, &HostMemory::transport_dbg);
}

bool HostMemory::check(tlm::tlm_generic_payload& trans) const {
  const uint64_t a = trans.get_address();
  const uint64_t len = trans.get_data_length();
  if (a >= size_ || len > size_ - a) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  if (trans.get_byte_enable_ptr() || trans.get_streaming_width() < len) {
    trans.set_response_status(trans.get_byte_enable_ptr() ? tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE : tlm::TLM_BURST_ERROR_RESPONSE);
    return false;
  }
  return true;
}

void HostMemory::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (!check(trans)) return;
  uint8_t* p = bytes_.get() + trans.get_address();
  if (trans.is_read()) {
    std::memcpy(trans.get_data_ptr(), p, trans.get_data_length());
    delay += read_latency_;
  } else if (trans.is_write()) {
    std::memcpy(p, trans.get_data_ptr(), trans.get_data_length());
    delay += write_latency_;
  }
  trans.set_dmi_allowed(true);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

bool HostMemory::get_direct_mem_ptr(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
  dmi.set_dmi_ptr(bytes_.get());
  dmi.set_start_address(0);
  dmi.set_end_address(size_ - 1);
  dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_READ_WRITE);
  dmi.set_read_latency(read_latency_);
  dmi.set_write_latency(write_latency_);
  return true;
}

unsigned HostMemory::transport_dbg(tlm::tlm_generic_payload& trans) {
  const uint64_t a = trans.get_address();
  if (a >= size_) return 0;
  const unsigned len = static_cast<unsigned>(std::min<uint64_t>(trans.get_data_length(), size_ - a));
  if (trans.is_read()) std::memcpy(trans.get_data_ptr(), bytes_.get() + a, len);
  else if (trans.is_write()) std::memcpy(bytes_.get() + a, trans.get_data_ptr(), len);
  return len;
}

}  // namespace scnvme::platform
