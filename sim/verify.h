// fio-style data verification: every block a job writes carries a header (magic, LBA, namespace,
// generation, seed) and, for crc32c, a checksum of the whole block; every read is checked against
// the generation the job expects there.
#pragma once

#include <cstdint>
#include <string>

namespace scnvme::sim {

enum class VerifyMode { None, Crc32c, Meta, Pattern };

/// Parses "0"/"none", "crc32c", "meta", "pattern" (and "1" = crc32c). False if unknown.
bool parse_verify(const std::string& text, VerifyMode& mode);
const char* verify_name(VerifyMode mode);

uint32_t crc32c(const uint8_t* data, std::size_t len, uint32_t crc = 0);

/// Fills a block of `bytes` (a multiple of 8, >= 64) written as `generation` (>= 1) of (nsid, lba).
void fill_block(VerifyMode mode, uint8_t* p, uint64_t bytes, uint32_t nsid, uint64_t lba, uint32_t generation,
                uint64_t seed);
/// Checks a block read back; generation 0 means never written (all zeroes). Returns "" when it
/// matches, else what differs.
std::string check_block(VerifyMode mode, const uint8_t* p, uint64_t bytes, uint32_t nsid, uint64_t lba,
                        uint32_t generation, uint64_t seed);

}  // namespace scnvme::sim
