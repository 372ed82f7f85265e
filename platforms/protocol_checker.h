// A TLM-2.0 base-protocol checker: placed in-line between an initiator and a target (it has one
// socket of each kind and forwards b_transport, get_direct_mem_ptr, transport_dbg and DMI
// invalidation unchanged), it checks both sides' obligations of the base protocol (IEEE Std
// 1666-2011, clauses 11 and 14) on every call, plus scnvme's integration conventions for a
// register target (ARCHITECTURE.md: b_transport never waits, no DMI on registers).
//
//   ProtocolChecker chk("bar0_check", ProtocolChecker::Target::Registers);
//   initiator.bind(chk.from_initiator);
//   chk.to_target.bind(nvme.bar0);
//
// A violation is reported with SC_REPORT_ERROR under "scnvme/protocol" (which throws unless the
// application changed that message type's actions), naming the checker, the rule and the
// transaction, and is counted; violations() and findings() tell what was seen.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

namespace scnvme::platform {

class ProtocolChecker : public sc_core::sc_module {
 public:
  /// What sits behind to_target. Registers: scnvme's register sockets (bar0, pci_cfg), which must
  /// not wait in b_transport, must not offer DMI and answer get_direct_mem_ptr with false.
  /// Memory: any base-protocol target (it may wait and grant DMI).
  enum class Target { Registers, Memory };

  /// Which side's obligations are checked: the initiator's (the transaction's state when it is
  /// sent), the target's (its state on return, DMI descriptors), or both. A test bench that sends
  /// deliberately odd transactions to see the target's answer checks the target side only.
  enum class Sides { Both, TargetOnly };

  tlm_utils::simple_target_socket<ProtocolChecker> from_initiator;
  tlm_utils::simple_initiator_socket<ProtocolChecker> to_target;

  ProtocolChecker(const sc_core::sc_module_name& name, Target target, Sides sides = Sides::Both);

  /// An extra rule for each forwarded b_transport (e.g. "no DMA while Bus Master Enable is
  /// clear"): called before the transaction is forwarded; a non-empty result is a violation.
  void add_rule(std::function<std::string(const tlm::tlm_generic_payload&)> rule);

  uint64_t transactions() const { return transactions_; }
  uint64_t dmi_requests() const { return dmi_requests_; }
  uint64_t dmi_grants() const { return dmi_grants_; }
  uint64_t invalidations() const { return invalidations_; }
  uint64_t violations() const { return violations_; }
  /// The first violations' texts (at most kMaxFindings).
  const std::vector<std::string>& findings() const { return findings_; }
  static constexpr std::size_t kMaxFindings = 32;

 private:
  struct Snapshot {
    tlm::tlm_command command;
    unsigned char* data;
    unsigned length, streaming_width, be_length;
    unsigned char* be;
    uint64_t written_hash;  // a write's data, to see that nobody changed it
  };

  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  bool get_direct_mem_ptr(tlm::tlm_generic_payload& trans, tlm::tlm_dmi& dmi);
  unsigned transport_dbg(tlm::tlm_generic_payload& trans);
  void invalidate_direct_mem_ptr(sc_dt::uint64 start, sc_dt::uint64 end);

  void check_initial_state(const tlm::tlm_generic_payload& trans);
  static Snapshot snapshot(const tlm::tlm_generic_payload& trans);
  void check_unmodified(const tlm::tlm_generic_payload& trans, const Snapshot& before, const char* where);
  void violation(const tlm::tlm_generic_payload* trans, const std::string& rule, const std::string& what);

  const Target target_;
  const Sides sides_;
  std::vector<std::function<std::string(const tlm::tlm_generic_payload&)>> rules_;
  uint64_t transactions_ = 0, dmi_requests_ = 0, dmi_grants_ = 0, invalidations_ = 0, violations_ = 0;
  std::vector<std::string> findings_;
};

/// The rule "a function masters the bus (DMA, MSI messages) only with Bus Master Enable set"
/// (PCI Command register bit 2), for the checkers of a function's dma and msi sockets. It reads
/// the Command register side-effect free (transport_dbg) through the checker in front of the same
/// function's configuration space.
std::function<std::string(const tlm::tlm_generic_payload&)> bus_master_enable_rule(ProtocolChecker& config_space_checker);

}  // namespace scnvme::platform
