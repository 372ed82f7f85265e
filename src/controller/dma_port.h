// The controller's bus-master port: DMA reads and writes of host memory over the `dma` socket,
// using DMI where the platform grants it and b_transport otherwise, gated by Bus Master Enable.
// Called from SC_THREADs only (it waits for the transfer's time).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <systemc>
#include <tlm>

#include "controller/pcie_link.h"

namespace scnvme::detail {

class DmaPort {
 public:
  using Transport = std::function<void(tlm::tlm_generic_payload&, sc_core::sc_time&)>;
  using GetDmi = std::function<bool(tlm::tlm_generic_payload&, tlm::tlm_dmi&)>;

  struct LinkLimits {
    uint32_t max_payload;       // MPS in bytes
    uint32_t max_read_request;  // MRRS in bytes
  };

  /// `link` (may be null, or disabled) times every transfer; `limits` gives MPS/MRRS as the
  /// driver programmed them.
  /// `epoch` (optional) changes with every reset: a write still crossing the link when it changes
  /// is dropped, like in-flight DMA at a reset.
  DmaPort(Transport transport, GetDmi get_dmi, std::function<bool()> bus_master_enabled, PcieLink* link = nullptr,
          std::function<LinkLimits()> limits = {}, std::function<uint64_t()> epoch = {})
      : transport_(std::move(transport)),
        get_dmi_(std::move(get_dmi)),
        bme_(std::move(bus_master_enabled)),
        link_(link),
        limits_(std::move(limits)),
        epoch_(std::move(epoch)) {}

  /// True on success. False when Bus Master Enable is clear or the target answered with an error.
  bool read(uint64_t addr, uint8_t* dst, uint64_t len);
  /// `lead`: time from now before the write starts (folded into the one wait).
  bool write(uint64_t addr, const uint8_t* src, uint64_t len, const sc_core::sc_time& lead = sc_core::SC_ZERO_TIME);

  /// The transfer without the wait: moves the data now and sets `done` to when the modelled
  /// transfer, starting `lead` from now, finishes. The caller sleeps until then (or folds the
  /// time into a later wait).
  bool read_timed(uint64_t addr, uint8_t* dst, uint64_t len, const sc_core::sc_time& lead, sc_core::sc_time& done) {
    return timed(tlm::TLM_READ_COMMAND, addr, dst, len, lead, done);
  }

  void invalidate(uint64_t start, uint64_t end);
  void invalidate_all() { regions_.clear(); }

  uint64_t transactions() const { return transactions_; }
  uint64_t dmi_accesses() const { return dmi_accesses_; }

 private:
  bool access(tlm::tlm_command cmd, uint64_t addr, uint8_t* buf, uint64_t len,
              const sc_core::sc_time& lead = sc_core::SC_ZERO_TIME);
  /// The functional transfer (DMI or b_transport); `done` = now + the target's latency.
  bool move(tlm::tlm_command cmd, uint64_t addr, uint8_t* buf, uint64_t len, sc_core::sc_time& done);
  bool timed(tlm::tlm_command cmd, uint64_t addr, uint8_t* buf, uint64_t len, const sc_core::sc_time& lead,
             sc_core::sc_time& done);
  const tlm::tlm_dmi* find_region(uint64_t addr, uint64_t len, tlm::tlm_command cmd) const;

  Transport transport_;
  GetDmi get_dmi_;
  std::function<bool()> bme_;
  PcieLink* link_;
  std::function<LinkLimits()> limits_;
  std::function<uint64_t()> epoch_;
  std::vector<tlm::tlm_dmi> regions_;
  bool dmi_hint_ = true;   // the target may grant DMI; cleared after a refusal until invalidation
  uint64_t transactions_ = 0;
  uint64_t dmi_accesses_ = 0;
};

}  // namespace scnvme::detail
