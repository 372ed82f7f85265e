// Host DRAM: a TLM-2.0 target with DMI, a configurable size and access latencies. Pages are
// allocated by the OS on first touch, so an untouched large memory costs nothing.
#pragma once

#include <cstdint>
#include <memory>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "scnvme/checkpoint.h"

namespace scnvme::platform {

class HostMemory : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<HostMemory> socket;

  HostMemory(const sc_core::sc_module_name& name, uint64_t size,
             sc_core::sc_time read_latency = sc_core::sc_time(80, sc_core::SC_NS),
             sc_core::sc_time write_latency = sc_core::sc_time(60, sc_core::SC_NS));

  uint64_t size() const { return size_; }
  /// The backing store, for the host CPU's loads and stores (a CPU pointer into DRAM).
  uint8_t* data() { return bytes_.get(); }
  /// Checkpoints: the pages holding anything but zeros. Restore only into a memory nothing has
  /// written yet (a new platform): the pages the checkpoint does not list are left as they are.
  void persist(checkpoint::Archive& a);

 private:
  struct FreeDeleter {
    void operator()(uint8_t* p) const;
  };
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  unsigned transport_dbg(tlm::tlm_generic_payload& trans);
  bool check(tlm::tlm_generic_payload& trans) const;

  uint64_t size_;
  std::unique_ptr<uint8_t[], FreeDeleter> bytes_;
  sc_core::sc_time read_latency_, write_latency_;
};

}  // namespace scnvme::platform
