// A memory-mapped interconnect: initiators bind to `from_initiators`, targets to `to_targets`;
// an address map of named regions routes b_transport, DMI and debug accesses (the target sees the
// offset inside its region). Overlapping regions are rejected; a region can move at run time
// (a BAR the host reprograms).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include "scnvme/checkpoint.h"

namespace scnvme::platform {

class Interconnect : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Interconnect> from_initiators;
  tlm_utils::multi_passthrough_initiator_socket<Interconnect> to_targets;

  Interconnect(const sc_core::sc_module_name& name, sc_core::sc_time latency = sc_core::sc_time(10, sc_core::SC_NS));

  /// Maps [base, base + size) to the target bound at `target_port` (binding order of to_targets).
  /// Throws std::invalid_argument if the region overlaps an enabled one or is empty.
  void map(const std::string& region, uint64_t base, uint64_t size, unsigned target_port, bool enabled = true);
  /// Moves or (dis)ables a region at run time; an overlap leaves it disabled and returns false.
  bool remap(const std::string& region, uint64_t base, bool enabled);

  struct Region {
    std::string name;
    uint64_t base;
    uint64_t size;
    unsigned port;
    bool enabled;
  };
  const std::vector<Region>& regions() const { return regions_; }
  uint64_t unmapped_accesses() const { return unmapped_; }
  /// Checkpoints: the counter (the regions follow the configuration and the controllers' BARs).
  void persist(checkpoint::Archive& a);

 private:
  const Region* decode(uint64_t addr, uint64_t len) const;
  Region* find(const std::string& name);
  bool overlaps(const Region& r) const;
  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(int id, tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  unsigned transport_dbg(int id, tlm::tlm_generic_payload& trans);
  void invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end);
  void invalidate_global(uint64_t start, uint64_t end);

  std::vector<Region> regions_;
  sc_core::sc_time latency_;
  uint64_t unmapped_ = 0;
};

}  // namespace scnvme::platform
