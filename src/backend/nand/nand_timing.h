// Operation timing as pure functions of the configuration. Every duration is exact to the
// picosecond (the bus time is rounded up to a whole picosecond), so at SystemC's default 1 ps
// resolution the engine's timestamps equal these sums.
//
// Formulas (k = planes of a multi-plane operation, N = bytes per plane, c = command_ns):
//   bus(N)           = ceil(N x 10^6 / (interface_mts x bus_width_bytes)) ps
//   transfer(N)      = c + bus(N)                     one command sequence with N data bytes
//   command(k)       = k x c                          read / erase command (one address per plane)
//   array_read       = tR[page type] (pSLC: slc_read_us) + retries x read_retry_extra_us
//   data_out(k, N)   = status_poll_ns + k x transfer(N)
//   ecc(N)           = ceil(N / ecc_codeword_bytes) x ecc_decode_ns   (per plane)
//   data_in(k)       = k x pages_per_word_line x transfer(page_bytes)  (pSLC: 1 page per word line)
//   program          = program_us (pSLC: slc_program_us), one per word line and multi-plane group
//   erase            = erase_us
// On an idle array:
//   read latency     = command(k) + array_read + data_out(k, N) + k x ecc(N)
//   program latency  = data_in(k) + program + status_poll_ns
//   erase latency    = command(k) + erase + status_poll_ns
// Read retry probability of a block with P/E cycles e:
//   p(e) = min(1, read_retry_probability + read_retry_growth_per_kpe x e / 1000); each attempt
//   fails with p(e), up to read_retry_max retries: E[retries] = sum_{i=1..max} p^i.
#pragma once

#include <cstdint>

#include <systemc>

#include "scnvme/nand_config.h"

namespace scnvme::nand {

class NandTiming {
 public:
  explicit NandTiming(const NandConfig& cfg) : cfg_(cfg), ticks_per_ns_(sc_core::sc_time(1, sc_core::SC_NS).value()) {}

  sc_core::sc_time bus(uint64_t bytes) const;
  sc_core::sc_time transfer(uint64_t bytes) const { return ns(cfg_.command_ns) + bus(bytes); }
  sc_core::sc_time command(unsigned planes) const { return ns(uint64_t{planes} * cfg_.command_ns); }
  sc_core::sc_time status_poll() const { return ns(cfg_.status_poll_ns); }
  sc_core::sc_time array_read(PageType type, bool slc, unsigned retries) const;
  sc_core::sc_time data_out(unsigned planes, uint64_t bytes_per_plane) const {
    return status_poll() + transfer(bytes_per_plane) * planes;
  }
  sc_core::sc_time ecc(uint64_t bytes) const;
  unsigned pages_per_word_line(bool slc) const { return slc ? 1u : cfg_.bits_per_cell(); }
  sc_core::sc_time data_in(unsigned planes, bool slc) const {
    return transfer(cfg_.page_bytes) * (double(planes) * pages_per_word_line(slc));
  }
  sc_core::sc_time program(bool slc) const { return us(slc ? cfg_.slc_program_us : cfg_.program_us); }
  sc_core::sc_time erase() const { return us(cfg_.erase_us); }
  sc_core::sc_time suspend() const { return ns(cfg_.suspend_ns); }
  sc_core::sc_time resume() const { return ns(cfg_.resume_ns); }
  double retry_probability(uint32_t pe_cycles) const;
  double expected_retries(uint32_t pe_cycles) const;

  // Latencies of one operation on an idle array.
  sc_core::sc_time read_latency(PageType type, unsigned planes, uint64_t bytes_per_plane, bool slc = false,
                                unsigned retries = 0) const {
    return command(planes) + array_read(type, slc, retries) + data_out(planes, bytes_per_plane) +
           ecc(bytes_per_plane) * planes;
  }
  sc_core::sc_time program_latency(unsigned planes, bool slc = false) const {
    return data_in(planes, slc) + program(slc) + status_poll();
  }
  sc_core::sc_time erase_latency(unsigned planes) const { return command(planes) + erase() + status_poll(); }

 private:
  // Whole nanoseconds (and picoseconds) in integer ticks where the time resolution divides them:
  // the same values as sc_time(double, unit), without its floating-point scaling on every operation.
  sc_core::sc_time ns(uint64_t v) const {
    return ticks_per_ns_ ? sc_core::sc_time::from_value(v * ticks_per_ns_) : sc_core::sc_time(double(v), sc_core::SC_NS);
  }
  sc_core::sc_time us(uint64_t v) const { return ns(v * 1000); }
  sc_core::sc_time ps(uint64_t v) const {
    return ticks_per_ns_ % 1000 == 0 && ticks_per_ns_ ? sc_core::sc_time::from_value(v * (ticks_per_ns_ / 1000))
                                                     : sc_core::sc_time(double(v), sc_core::SC_PS);
  }

  NandConfig cfg_;
  uint64_t ticks_per_ns_;  // 0 when the resolution is coarser than 1 ns
};

}  // namespace scnvme::nand
