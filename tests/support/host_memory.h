// Test host memory: a TLM target standing in for system RAM. Grants DMI (optional), records
// every b_transport access, and can be told to fail accesses to an address range.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

namespace scnvme::test {

class HostMemory : public sc_core::sc_module {
 public:
  struct Access {
    tlm::tlm_command command;
    uint64_t address;
    unsigned length;
    sc_core::sc_time time;
  };

  tlm_utils::simple_target_socket<HostMemory> socket;
  std::vector<uint8_t> bytes;
  bool grant_dmi = false;
  sc_core::sc_time latency = sc_core::sc_time(100, sc_core::SC_NS);
  std::vector<Access> accesses;  // b_transport accesses only (DMI bypasses them)
  uint64_t fail_begin = 1, fail_end = 0;  // accesses overlapping [begin, end) get an error

  HostMemory(const sc_core::sc_module_name& n, std::size_t size) : sc_module(n), socket("socket"), bytes(size, 0) {
    socket.register_b_transport(this, &HostMemory::b_transport);
    socket.register_get_direct_mem_ptr(this, &HostMemory::get_dmi);
    socket.register_transport_dbg(this, &HostMemory::debug);
  }

  void fail_range(uint64_t begin, uint64_t end) {
    fail_begin = begin;
    fail_end = end;
    socket->invalidate_direct_mem_ptr(0, ~0ull);
  }

  uint8_t* at(uint64_t addr) { return bytes.data() + addr; }
  void write(uint64_t addr, const void* src, std::size_t len) { std::memcpy(at(addr), src, len); }
  void read(uint64_t addr, void* dst, std::size_t len) { std::memcpy(dst, at(addr), len); }

 private:
  bool failing(uint64_t a, uint64_t len) const { return a < fail_end && fail_begin < a + len; }

  void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay) {
    const uint64_t a = t.get_address();
    const unsigned len = t.get_data_length();
    accesses.push_back({t.get_command(), a, len, sc_core::sc_time_stamp() + delay});
    if (a + len > bytes.size() || a + len < a) {
      t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
    if (failing(a, len)) {
      t.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
      return;
    }
    if (t.is_read()) std::memcpy(t.get_data_ptr(), at(a), len);
    else if (t.is_write()) std::memcpy(at(a), t.get_data_ptr(), len);
    delay += latency;
    t.set_dmi_allowed(grant_dmi && fail_end <= fail_begin);
    t.set_response_status(tlm::TLM_OK_RESPONSE);
  }

  bool get_dmi(tlm::tlm_generic_payload&, tlm::tlm_dmi& dmi) {
    if (!grant_dmi || fail_begin < fail_end) return false;
    dmi.set_dmi_ptr(bytes.data());
    dmi.set_start_address(0);
    dmi.set_end_address(bytes.size() - 1);
    dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_READ_WRITE);
    dmi.set_read_latency(latency);
    dmi.set_write_latency(latency);
    return true;
  }

  unsigned debug(tlm::tlm_generic_payload& t) {
    const uint64_t a = t.get_address();
    const unsigned len = t.get_data_length();
    if (a + len > bytes.size()) return 0;
    if (t.is_read()) std::memcpy(t.get_data_ptr(), at(a), len);
    else std::memcpy(at(a), t.get_data_ptr(), len);
    return len;
  }
};

/// Receives MSI/MSI-X messages (4-byte writes) and records them.
class MsiSink : public sc_core::sc_module {
 public:
  struct Message {
    uint64_t address;
    uint32_t data;
    sc_core::sc_time time;
  };
  tlm_utils::simple_target_socket<MsiSink> socket;
  std::vector<Message> messages;
  sc_core::sc_event received;

  explicit MsiSink(const sc_core::sc_module_name& n) : sc_module(n), socket("socket") {
    socket.register_b_transport(this, &MsiSink::b_transport);
  }

  std::size_t count(uint32_t data) const {
    std::size_t n = 0;
    for (const auto& m : messages) n += m.data == data;
    return n;
  }

 private:
  void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay) {
    uint32_t v = 0;
    if (t.get_data_length() == 4 && t.is_write()) std::memcpy(&v, t.get_data_ptr(), 4);
    messages.push_back({t.get_address(), v, sc_core::sc_time_stamp() + delay});
    received.notify(delay);
    t.set_response_status(t.get_data_length() == 4 && t.is_write() ? tlm::TLM_OK_RESPONSE : tlm::TLM_GENERIC_ERROR_RESPONSE);
  }
};

}  // namespace scnvme::test
