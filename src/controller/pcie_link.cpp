#include "controller/pcie_link.h"

#include <algorithm>
#include <functional>

namespace scnvme::detail {

namespace {
/// Control-sized transfers (SQEs, CQEs, interrupt messages, PRP/SGL list pieces of up to 32
/// entries) slip between the packets of bulk transfers on a busy link; larger ones take their turn.
constexpr uint64_t kSmallPayload = 256;

/// Usable bytes per second and lane after line encoding.
double lane_bytes_per_second(unsigned generation) {
  switch (generation) {
    case 1: return 2.5e9 * 8 / 10 / 8;        // 8b/10b
    case 2: return 5.0e9 * 8 / 10 / 8;
    case 3: return 8.0e9 * 128 / 130 / 8;     // 128b/130b
    case 4: return 16.0e9 * 128 / 130 / 8;
    case 5: return 32.0e9 * 128 / 130 / 8;
    default: return 64.0e9 / 8 * 242 / 256;   // FLIT mode: 242 of every 256 bytes carry TLPs/DLLPs
  }
}
}  // namespace

PcieLink::PcieLink(const PcieLinkConfig& cfg, unsigned generation, unsigned lanes)
    : cfg_(cfg),
      bytes_per_second_(lane_bytes_per_second(generation) * lanes * (1.0 - cfg.dllp_overhead_permille / 1000.0)),
      units_per_byte_(1.0 / (bytes_per_second_ * sc_core::sc_get_time_resolution().to_seconds())),
      round_trip_(cfg.read_round_trip_ns, sc_core::SC_NS),
      posted_write_(cfg.posted_write_ns, sc_core::SC_NS),
      unit_(sc_core::sc_time::from_value(1)) {
  for (int r = 0; r < 2; ++r)
    for (int w = 0; w < 2; ++w) mmio_[r][w] = mmio_time(r == 1, w ? 8 : 4);
}

sc_core::sc_time PcieLink::wire_time(uint64_t bytes) const {
  return unit_ * static_cast<double>(static_cast<sc_core::sc_time::value_type>(static_cast<double>(bytes) * units_per_byte_ + 0.5));
}

sc_core::sc_time PcieLink::read(uint64_t addr, uint64_t bytes, uint32_t mrrs, uint32_t mps, const sc_core::sc_time& start) {
  const sc_core::sc_time now = start;
  if (tags_.size() != cfg_.max_outstanding_reads) tags_.assign(cfg_.max_outstanding_reads, sc_core::SC_ZERO_TIME);
  const std::greater<sc_core::sc_time> later;
  const sc_core::sc_time& rtt = round_trip_;
  const sc_core::sc_time max_tlp = wire_time(mps + cfg_.tlp_overhead_bytes);
  const uint64_t rcb = cfg_.read_completion_boundary;
  sc_core::sc_time done = now;
  // Counted in bytes left, not in end addresses: a transfer may end at the top of the 64-bit
  // address space, where an end address (and the next 4 KiB boundary) would wrap to zero.
  for (uint64_t pos = addr, left = bytes; left > 0;) {
    // A request: at most MRRS bytes, not crossing a 4 KiB boundary.
    const uint64_t req = std::min({left, uint64_t{mrrs}, 0x1000 - (pos & 0xFFF)});
    // A request needs a tag: the one that frees first.
    std::pop_heap(tags_.begin(), tags_.end(), later);
    const sc_core::sc_time issue = std::max(now, tags_.back());
    const sc_core::sc_time requested = up_.reserve_packet(issue, wire_time(cfg_.tlp_overhead_bytes), max_tlp);
    ++tlps_up_;
    // Its completions: at most MPS bytes each, ending on RCB boundaries except the last (offsets
    // within the request; addresses modulo 2^64 keep their alignment).
    uint64_t wire = 0, completions = 0;
    for (uint64_t c = 0; c < req;) {
      uint64_t c_end = std::min(req, c + mps);
      if (c_end < req) c_end -= (pos + c_end) % rcb;
      if (c_end <= c) c_end = std::min(req, c + rcb - (pos + c) % rcb);
      wire += (c_end - c) + cfg_.tlp_overhead_bytes;
      ++completions;
      c = c_end;
    }
    tlps_down_ += completions;
    // A small completion (an SQE, a piece of a PRP/SGL list) slips between bulk packets; data
    // takes its turn (else a stream of single-completion requests would not be bound at all).
    const sc_core::sc_time completed = completions == 1 && req <= kSmallPayload
                                           ? down_.reserve_packet(requested + rtt, wire_time(wire), max_tlp)
                                           : down_.reserve(requested + rtt, wire_time(wire));
    tags_.back() = completed;
    std::push_heap(tags_.begin(), tags_.end(), later);
    done = std::max(done, completed);
    pos += req;
    left -= req;
  }
  return done;
}

sc_core::sc_time PcieLink::write(uint64_t addr, uint64_t bytes, uint32_t mps, const sc_core::sc_time& start) {
  uint64_t wire = 0, tlps = 0;
  if (bytes > 0 && mps != 0 && (mps & (mps - 1)) == 0 && mps <= 0x1000 && bytes <= (uint64_t{1} << 62)) {
    // A power-of-two MPS (every Device Control encoding) divides 4 KiB: the TLPs end on MPS
    // boundaries, so they are counted from the first one's offset without walking them.
    const unsigned shift = static_cast<unsigned>(__builtin_ctz(mps));
    tlps = (((addr & (mps - 1)) + bytes - 1) >> shift) + 1;
    wire = bytes + tlps * cfg_.tlp_overhead_bytes;
  } else {
    for (uint64_t pos = addr, left = bytes; left > 0;) {  // (bytes left: see read())
      const uint64_t tlp = std::min({left, mps - pos % mps, 0x1000 - (pos & 0xFFF)});
      wire += tlp + cfg_.tlp_overhead_bytes;
      ++tlps;
      pos += tlp;
      left -= tlp;
    }
  }
  tlps_up_ += tlps;
  const sc_core::sc_time sent = tlps == 1 && bytes <= kSmallPayload
                                    ? up_.reserve_packet(start, wire_time(wire), wire_time(mps + cfg_.tlp_overhead_bytes))
                                    : up_.reserve(start, wire_time(wire));
  return sent + posted_write_;
}

sc_core::sc_time PcieLink::mmio(bool is_read, unsigned bytes) const {
  if (bytes == 4 || bytes == 8) return mmio_[is_read][bytes == 8];  // register accesses: computed once
  return mmio_time(is_read, bytes);
}

sc_core::sc_time PcieLink::mmio_time(bool is_read, unsigned bytes) const {
  const sc_core::sc_time wire = wire_time(bytes + cfg_.tlp_overhead_bytes);
  return is_read ? sc_core::sc_time(cfg_.mmio_latency_ns, sc_core::SC_NS) + wire * 2.0
                 : sc_core::sc_time(cfg_.mmio_latency_ns / 2.0, sc_core::SC_NS) + wire;
}

}  // namespace scnvme::detail
