// Little-endian field access for wire structures. NVMe and PCI structures are little-endian; these
// helpers read and write them byte by byte so the layout never depends on the host's endianness or
// on compiler bitfield rules.
#pragma once

#include <cstddef>
#include <cstdint>

namespace scnvme::spec {

inline uint8_t get_le8(const uint8_t* p) { return p[0]; }
inline uint16_t get_le16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}
inline uint32_t get_le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
inline uint64_t get_le64(const uint8_t* p) {
  return static_cast<uint64_t>(get_le32(p)) | (static_cast<uint64_t>(get_le32(p + 4)) << 32);
}

inline void put_le8(uint8_t* p, uint8_t v) { p[0] = v; }
inline void put_le16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}
inline void put_le32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
inline void put_le64(uint8_t* p, uint64_t v) {
  put_le32(p, static_cast<uint32_t>(v));
  put_le32(p + 4, static_cast<uint32_t>(v >> 32));
}

/// Bits [hi:lo] of v.
constexpr uint64_t bits(uint64_t v, unsigned hi, unsigned lo) {
  return (v >> lo) & ((hi - lo >= 63) ? ~0ULL : ((1ULL << (hi - lo + 1)) - 1));
}
/// v with bits [hi:lo] replaced by field.
constexpr uint64_t set_bits(uint64_t v, unsigned hi, unsigned lo, uint64_t field) {
  const uint64_t mask = ((hi - lo >= 63) ? ~0ULL : ((1ULL << (hi - lo + 1)) - 1)) << lo;
  return (v & ~mask) | ((field << lo) & mask);
}

/// Copies an ASCII string into a fixed-width field padded with spaces (Identify strings).
inline void put_ascii_padded(uint8_t* p, std::size_t width, const char* s) {
  std::size_t i = 0;
  for (; i < width && s[i] != '\0'; ++i) p[i] = static_cast<uint8_t>(s[i]);
  for (; i < width; ++i) p[i] = ' ';
}

}  // namespace scnvme::spec
