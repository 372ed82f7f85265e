// NandConfig::validate(): every field and combination, with the field named "nand.<key>".
#include "scnvme/nand_config.h"

#include <cmath>
#include <sstream>
#include <string>

namespace scnvme {
namespace {

void check_range(const std::string& field, uint64_t value, uint64_t lo, uint64_t hi, const std::string& unit = {}) {
  if (value < lo || value > hi) {
    std::ostringstream os;
    os << "value " << value << " is out of range [" << lo << ", " << hi << "]" << unit;
    throw ConfigError("nand." + field, os.str());
  }
}

void check_fraction(const std::string& field, double value) {
  if (!(value >= 0.0 && value <= 1.0)) {  // also rejects NaN
    std::ostringstream os;
    os << "value " << value << " is out of range [0, 1]";
    throw ConfigError("nand." + field, os.str());
  }
}

const char* const kTypeNames[] = {"LSB", "CSB", "MSB", "TSB"};

}  // namespace

void NandConfig::validate() const {
  check_range("channels", channels, 1, 64);
  check_range("targets_per_channel", targets_per_channel, 1, 16);
  check_range("dies_per_target", dies_per_target, 1, 8);
  check_range("planes_per_die", planes_per_die, 1, 32);
  check_range("blocks_per_plane", blocks_per_plane, 1, 1u << 20);
  const unsigned bits = bits_per_cell();
  if (bits < 1 || bits > 4) throw ConfigError("nand.cell_type", "must be SLC, MLC, TLC or QLC (1..4 bits per cell)");
  check_range("pages_per_block", pages_per_block, 1, 65536);
  if (pages_per_block % bits != 0) {
    throw ConfigError("nand.pages_per_block", "must be a multiple of the bits per cell (" + std::to_string(bits) +
                                                  ": whole word lines); got " + std::to_string(pages_per_block));
  }
  check_range("page_bytes", page_bytes, 512, 65536, " bytes");
  if (page_bytes % 512 != 0) throw ConfigError("nand.page_bytes", "must be a multiple of 512; got " + std::to_string(page_bytes));
  // 2^60 bytes (1 EiB) keeps every flat index and byte count far from overflow.
  const double raw = double(dies()) * planes_per_die * blocks_per_plane * pages_per_block * page_bytes;
  if (raw > std::ldexp(1.0, 60)) throw ConfigError("nand.blocks_per_plane", "the drive exceeds 2^60 raw bytes; reduce the geometry");

  // Used page types: SLC {LSB}, MLC {LSB, MSB}, TLC {LSB, CSB, MSB}, QLC all four.
  for (unsigned t = 0; t < 4; ++t) {
    const bool used = t == 0 || (bits == 2 && t == 2) || (bits >= 3 && t < bits);
    if (used) check_range("read_us[" + std::to_string(t) + "]", read_us[t], 1, 100000, std::string(" us (tR of ") + kTypeNames[t] + " pages)");
  }
  check_range("program_us", program_us, 1, 1000000, " us");
  check_range("erase_us", erase_us, 1, 1000000, " us");
  check_range("slc_read_us", slc_read_us, 1, 100000, " us");
  check_range("slc_program_us", slc_program_us, 1, 1000000, " us");

  check_range("interface_mts", interface_mts, 1, 10000, " MT/s");
  if (bus_width_bytes != 1 && bus_width_bytes != 2)
    throw ConfigError("nand.bus_width_bytes", "must be 1 (x8) or 2 (x16); got " + std::to_string(bus_width_bytes));
  check_range("command_ns", command_ns, 0, 1000000, " ns");
  check_range("status_poll_ns", status_poll_ns, 0, 1000000, " ns");

  check_range("ecc_codeword_bytes", ecc_codeword_bytes, 64, 65536, " bytes");
  check_range("ecc_decode_ns", ecc_decode_ns, 0, 1000000, " ns");

  check_range("rated_pe_cycles", rated_pe_cycles, 1, 1000000);

  check_fraction("read_retry_probability", read_retry_probability);
  check_fraction("read_retry_growth_per_kpe", read_retry_growth_per_kpe);
  check_range("read_retry_extra_us", read_retry_extra_us, 1, 100000, " us");
  check_range("read_retry_max", read_retry_max, 0, 64);
  check_range("limited_retry_max", limited_retry_max, 0, 64);
  if (read_retry_max == 0 && (read_retry_probability > 0.0 || read_retry_growth_per_kpe > 0.0))
    throw ConfigError("nand.read_retry_max", "must be in [1, 64] when reads can fail (read_retry_probability or read_retry_growth_per_kpe > 0)");

  check_range("suspend_ns", suspend_ns, 0, 100000000, " ns");
  check_range("resume_ns", resume_ns, 0, 100000000, " ns");
  if (suspend) check_range("suspend_max_per_op", suspend_max_per_op, 1, 1000);
  check_range("max_busy_dies", max_busy_dies, 0, dies(), " (0 = unlimited; at most the number of dies)");
}

}  // namespace scnvme
