// NandTiming: the formulas documented in nand_timing.h.
#include "backend/nand/nand_timing.h"

#include <algorithm>

namespace scnvme::nand {

sc_core::sc_time NandTiming::bus(uint64_t bytes) const {
  // One transfer per byte lane per MT: bytes / (MT/s x width) seconds = bytes x 10^6 / (MT/s x width) ps.
  const uint64_t per_us = uint64_t{cfg_.interface_mts} * cfg_.bus_width_bytes;  // bytes per microsecond
  return ps((bytes * 1000000 + per_us - 1) / per_us);
}

sc_core::sc_time NandTiming::array_read(PageType type, bool slc, unsigned retries) const {
  const uint64_t base = slc ? cfg_.slc_read_us : cfg_.read_us[static_cast<unsigned>(type)];
  return us(base + uint64_t{retries} * cfg_.read_retry_extra_us);
}

sc_core::sc_time NandTiming::ecc(uint64_t bytes) const {
  const uint64_t codewords = (bytes + cfg_.ecc_codeword_bytes - 1) / cfg_.ecc_codeword_bytes;
  return ns(codewords * cfg_.ecc_decode_ns);
}

double NandTiming::retry_probability(uint32_t pe_cycles) const {
  return std::min(1.0, cfg_.read_retry_probability + cfg_.read_retry_growth_per_kpe * pe_cycles / 1000.0);
}

double NandTiming::expected_retries(uint32_t pe_cycles) const {
  const double p = retry_probability(pe_cycles);
  double sum = 0.0, term = 1.0;
  for (uint32_t i = 0; i < cfg_.read_retry_max; ++i) sum += (term *= p);
  return sum;
}

}  // namespace scnvme::nand
