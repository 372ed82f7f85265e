// The reference platform's address map. Every region is a named constant; the interconnect
// rejects overlapping regions at elaboration.
#pragma once

#include <cstdint>

namespace scnvme::platform::address_map {

constexpr uint64_t kRamBase = 0x0000'0000;             // host DRAM
constexpr uint64_t kRamDefaultSize = 256ull << 20;
constexpr uint64_t kPciMmioBase = 0x8000'0000;         // window BARs are assigned from
constexpr uint64_t kPciMmioSize = 0x4000'0000;         // 1 GiB
constexpr uint64_t kEcamBase = 0xE000'0000;            // PCIe enhanced configuration access
constexpr uint64_t kEcamSize = 0x1000'0000;            // 256 buses x 32 devices x 8 functions x 4 KiB
constexpr uint64_t kMsiBase = 0xFEE0'0000;             // MSI/MSI-X message window
constexpr uint64_t kMsiSize = 0x0010'0000;

/// ECAM offset of bus/device/function (PCIe Base, 7.2.2).
constexpr uint64_t ecam_offset(unsigned bus, unsigned device, unsigned function) {
  return (static_cast<uint64_t>(bus) << 20) | (static_cast<uint64_t>(device) << 15) | (static_cast<uint64_t>(function) << 12);
}

}  // namespace scnvme::platform::address_map
