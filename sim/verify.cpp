#include "verify.h"

#include <array>
#include <algorithm>
#include <cstring>

namespace scnvme::sim {

uint32_t crc32c(const uint8_t* data, std::size_t len, uint32_t crc);

namespace {
constexpr uint32_t kMagic = 0x766E6373;  // "scnv"
constexpr uint32_t kHeaderBytes = 40;    // magic, length, lba, nsid, generation, seed, crc

uint64_t splitmix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

void put32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
void put64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }
uint32_t get32(const uint8_t* p) { uint32_t v; std::memcpy(&v, p, 4); return v; }
uint64_t get64(const uint8_t* p) { uint64_t v; std::memcpy(&v, p, 8); return v; }

const std::array<uint32_t, 256>& crc_table() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;  // Castagnoli, reflected
      t[i] = c;
    }
    return t;
  }();
  return table;
}

/// crc32c of a block with its crc field (bytes 32..35) taken as zero.
uint32_t block_crc(const uint8_t* p, uint64_t bytes) {
  static const uint8_t kZero[4] = {0, 0, 0, 0};
  uint32_t c = crc32c(p, 32);
  c = crc32c(kZero, 4, c);
  return crc32c(p + 36, bytes - 36, c);
}

void fill_payload(uint8_t* p, uint64_t bytes, uint32_t nsid, uint64_t lba, uint32_t generation, uint64_t seed) {
  for (uint64_t i = 0; i < bytes; i += 8) {
    const uint64_t w = splitmix(seed ^ (lba * 0x100000001B3ull) ^ (static_cast<uint64_t>(generation) << 40) ^
                                (static_cast<uint64_t>(nsid) << 56) ^ (i >> 3));
    std::memcpy(p + i, &w, std::min<uint64_t>(8, bytes - i));
  }
}
}  // namespace

bool parse_verify(const std::string& text, VerifyMode& mode) {
  if (text == "0" || text == "none" || text == "false") mode = VerifyMode::None;
  else if (text == "1" || text == "crc32c" || text == "crc32c-intel") mode = VerifyMode::Crc32c;
  else if (text == "meta") mode = VerifyMode::Meta;
  else if (text == "pattern") mode = VerifyMode::Pattern;
  else return false;
  return true;
}

const char* verify_name(VerifyMode mode) {
  switch (mode) {
    case VerifyMode::None: return "none";
    case VerifyMode::Crc32c: return "crc32c";
    case VerifyMode::Meta: return "meta";
    case VerifyMode::Pattern: return "pattern";
  }
  return "?";
}

uint32_t crc32c(const uint8_t* data, std::size_t len, uint32_t crc) {
  const auto& t = crc_table();
  crc = ~crc;
  for (std::size_t i = 0; i < len; ++i) crc = t[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

void fill_block(VerifyMode mode, uint8_t* p, uint64_t bytes, uint32_t nsid, uint64_t lba, uint32_t generation,
                uint64_t seed) {
  fill_payload(p, bytes, nsid, lba, generation, seed);
  if (mode == VerifyMode::Pattern || mode == VerifyMode::None) return;
  put32(p, kMagic);
  put32(p + 4, static_cast<uint32_t>(bytes));
  put64(p + 8, lba);
  put32(p + 16, nsid);
  put32(p + 20, generation);
  put64(p + 24, seed);
  put32(p + 32, block_crc(p, bytes));
}

std::string check_block(VerifyMode mode, const uint8_t* p, uint64_t bytes, uint32_t nsid, uint64_t lba,
                        uint32_t generation, uint64_t seed) {
  if (mode == VerifyMode::None) return "";
  if (generation == 0) {
    // Compared a page at a time against zeroes (memcmp is vectorised; a byte loop is not).
    static const uint8_t kZeroes[4096] = {};
    for (uint64_t at = 0; at < bytes; at += sizeof kZeroes)
      if (std::memcmp(p + at, kZeroes, std::min<uint64_t>(sizeof kZeroes, bytes - at)) != 0)
        return "expected a never-written (zero) block, found data";
    return "";
  }
  if (mode == VerifyMode::Pattern) {
    std::string expected(bytes, '\0');
    fill_payload(reinterpret_cast<uint8_t*>(&expected[0]), bytes, nsid, lba, generation, seed);
    return std::memcmp(expected.data(), p, bytes) == 0 ? "" : "data differs from the pattern written";
  }
  if (get32(p) != kMagic) return "bad header magic";
  if (get32(p + 4) != bytes) return "header length " + std::to_string(get32(p + 4)) + " != " + std::to_string(bytes);
  if (get64(p + 8) != lba) return "header LBA " + std::to_string(get64(p + 8)) + " != " + std::to_string(lba);
  if (get32(p + 16) != nsid) return "header namespace " + std::to_string(get32(p + 16)) + " != " + std::to_string(nsid);
  if (get32(p + 20) != generation)
    return "header generation " + std::to_string(get32(p + 20)) + " != expected " + std::to_string(generation);
  if (mode == VerifyMode::Crc32c && block_crc(p, bytes) != get32(p + 32)) return "crc32c mismatch";
  (void)kHeaderBytes;
  return "";
}

}  // namespace scnvme::sim
