// The PCI Express link between the controller and the host, as timing: generation and lane count
// give the raw rate; the encoding (8b/10b for generations 1-2, 128b/130b for 3-5, FLIT mode for 6)
// and DLLP overhead give the usable rate per direction; every TLP carries a fixed overhead; reads
// are split into requests of at most MRRS bytes, each holding one of the outstanding-request tags
// until its last completion arrives, and
// answered by completions of at most MPS bytes that break at the read completion boundary; writes
// are posted TLPs of at most MPS bytes. A DMA of N bytes costs what the link spends on its TLPs.
// Upstream (device to host) and downstream (host to device) are separate timed resources whose
// TLPs from concurrent transfers interleave.
#pragma once

#include <cstdint>
#include <vector>

#include <systemc>

#include "controller/timed_resource.h"
#include "scnvme/config.h"
#include "sim_now.h"

namespace scnvme::detail {

class PcieLink {
 public:
  PcieLink(const PcieLinkConfig& cfg, unsigned generation, unsigned lanes);

  bool enabled() const { return cfg_.enabled; }
  /// Usable bytes per second in one direction (after encoding and DLLP overhead).
  double bytes_per_second() const { return bytes_per_second_; }

  /// The device reads `bytes` of host memory at `addr`, issuing from `start`: reserves the request
  /// TLPs upstream and the completions downstream; returns when the last completion has arrived.
  sc_core::sc_time read(uint64_t addr, uint64_t bytes, uint32_t mrrs, uint32_t mps,
                        const sc_core::sc_time& start = sim_now());
  /// The device writes `bytes` at `addr` (posted): returns when the last byte reached host memory.
  sc_core::sc_time write(uint64_t addr, uint64_t bytes, uint32_t mps, const sc_core::sc_time& start = sim_now());
  /// Extra delay of a host MMIO access of `bytes` to the device through the link.
  sc_core::sc_time mmio(bool is_read, unsigned bytes) const;

  /// Reports the TLPs each direction carries to the signals as busy intervals.
  void trace_to(const TraceSignal* upstream, const TraceSignal* downstream) {
    up_.trace_to(upstream, "TLP");
    down_.trace_to(downstream, "TLP");
  }
  const InterleavedResource& upstream() const { return up_; }
  const InterleavedResource& downstream() const { return down_; }
  uint64_t tlps_up() const { return tlps_up_; }
  uint64_t tlps_down() const { return tlps_down_; }
  void persist(checkpoint::Archive& a) {
    up_.persist(a);
    down_.persist(a);
    a.io(tags_);
    a.io(tlps_up_);
    a.io(tlps_down_);
  }

 private:
  sc_core::sc_time wire_time(uint64_t bytes) const;
  sc_core::sc_time mmio_time(bool is_read, unsigned bytes) const;

  PcieLinkConfig cfg_;
  double bytes_per_second_;
  double units_per_byte_;  // time-resolution units per byte on the wire
  sc_core::sc_time round_trip_, posted_write_;
  sc_core::sc_time unit_;        // one time-resolution unit (sc_time arithmetic stays inline)
  sc_core::sc_time mmio_[2][2];  // [read][8-byte]
  InterleavedResource up_, down_;
  /// The read tags as a min-heap of the times they free: a request takes the one that frees first
  /// (tags are handed out in reservation order, like the DMA engines).
  std::vector<sc_core::sc_time> tags_;
  uint64_t tlps_up_ = 0, tlps_down_ = 0;
};

}  // namespace scnvme::detail
