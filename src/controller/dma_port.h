// The controller's bus-master port: DMA reads and writes of host memory over the `dma` socket,
// using DMI where the platform grants it and b_transport otherwise, gated by Bus Master Enable.
//
// Two ways to use it:
// - on a command's timeline (DmaTimeline): a transfer starts at the timeline's time, on the DMA
//   engine that frees first, and moves the timeline to when it ends; the data moves at once (as a
//   loosely-timed model does) and nothing waits. The command's thread sleeps once, at the end,
//   for the sum of it all. Data may thus reach host memory before its modelled time; the CQE that
//   tells the host it is there never does.
// - blocking (read/write without a timeline, from an SC_THREAD): waits for the transfer's time.
// Writes whose visibility is itself the event (a CQE) are timed with arrival() and made visible
// with land() when the caller has slept until then.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <systemc>
#include <tlm>

#include "controller/pcie_link.h"
#include "controller/timed_resource.h"

namespace scnvme::detail {

/// The time line of one command's transfers: `at` is when its next transfer may start.
struct DmaTimeline {
  sc_core::sc_time at;
  uint64_t list_entries = 0;  // PRP entries / SGL descriptors walked (charged per entry)
};

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
  /// `engines`: DMA engines carrying timeline transfers (each a timed resource; 0 = unlimited).
  DmaPort(Transport transport, GetDmi get_dmi, std::function<bool()> bus_master_enabled, PcieLink* link = nullptr,
          std::function<LinkLimits()> limits = {}, std::function<uint64_t()> epoch = {}, unsigned engines = 0)
      : transport_(std::move(transport)),
        get_dmi_(std::move(get_dmi)),
        bme_(std::move(bus_master_enabled)),
        link_(link),
        limits_(std::move(limits)),
        epoch_(std::move(epoch)),
        engines_(engines) {}

  /// Timeline transfers (no waiting): the data moves now; `t.at` advances to the transfer's end
  /// (a read: its last completion arrived; a write: its last TLP left, it lands a flight later).
  bool read(uint64_t addr, uint8_t* dst, uint64_t len, DmaTimeline& t) { return on_timeline(tlm::TLM_READ_COMMAND, addr, dst, len, t); }
  bool write(uint64_t addr, const uint8_t* src, uint64_t len, DmaTimeline& t) {
    return on_timeline(tlm::TLM_WRITE_COMMAND, addr, const_cast<uint8_t*>(src), len, t);
  }
  /// On the timeline when given, else blocking.
  bool read(uint64_t addr, uint8_t* dst, uint64_t len, DmaTimeline* t) { return t ? read(addr, dst, len, *t) : read(addr, dst, len); }
  /// When a write of `len` bytes at `addr`, starting at `start`, has landed in host memory (the
  /// link reserved for it); nothing moves until land().
  sc_core::sc_time arrival(uint64_t addr, uint64_t len, const sc_core::sc_time& start);
  /// Makes a write visible now (after sleeping until its arrival()), without waiting. False when
  /// Bus Master Enable is clear, the target failed, or the controller was reset since `epoch`.
  /// arrival() includes a DMI region's write latency; a b_transport target's data is visible when
  /// the call returns.
  bool land(uint64_t addr, const uint8_t* src, uint64_t len, uint64_t epoch);

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
  const std::vector<TimedResource>& engines() const { return engines_; }
  /// Reports every engine's transfers to `signal` (its value: engines busy).
  void trace_to(const TraceSignal* signal) {
    for (auto& e : engines_) e.trace_to(signal, "transfer");
  }

  uint64_t dmi_accesses() const { return dmi_accesses_; }
  /// Engines and counters (DMI regions are asked for again).
  void persist(checkpoint::Archive& a) {
    a.expect(static_cast<uint64_t>(engines_.size()), "DMA engines");
    for (auto& e : engines_) e.persist(a);
    a.io(dmi_hint_);
    a.io(transactions_);
    a.io(dmi_accesses_);
  }

 private:
  bool access(tlm::tlm_command cmd, uint64_t addr, uint8_t* buf, uint64_t len,
              const sc_core::sc_time& lead = sc_core::SC_ZERO_TIME);
  /// The functional transfer (DMI or b_transport), annotated as happening `offset` from now;
  /// `done` = now + offset + the target's latency.
  bool move(tlm::tlm_command cmd, uint64_t addr, uint8_t* buf, uint64_t len, const sc_core::sc_time& offset,
            sc_core::sc_time& done);
  bool timed(tlm::tlm_command cmd, uint64_t addr, uint8_t* buf, uint64_t len, const sc_core::sc_time& lead,
             sc_core::sc_time& done);
  bool on_timeline(tlm::tlm_command cmd, uint64_t addr, uint8_t* buf, uint64_t len, DmaTimeline& t);
  const tlm::tlm_dmi* find_region(uint64_t addr, uint64_t len, tlm::tlm_command cmd) const;

  Transport transport_;
  GetDmi get_dmi_;
  std::function<bool()> bme_;
  PcieLink* link_;
  std::function<LinkLimits()> limits_;
  std::function<uint64_t()> epoch_;
  std::vector<TimedResource> engines_;
  std::vector<tlm::tlm_dmi> regions_;
  bool dmi_hint_ = true;   // the target may grant DMI; cleared after a refusal until invalidation
  uint64_t transactions_ = 0;
  uint64_t dmi_accesses_ = 0;
};

}  // namespace scnvme::detail
