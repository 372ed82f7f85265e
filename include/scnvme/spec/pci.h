// PCI configuration space (PCI Local Bus 3.0, type 0 header) and the capabilities scnvme
// implements: Power Management, MSI, MSI-X and PCI Express (PCIe Base, chapter 7).
#pragma once

#include <cstdint>

namespace scnvme::spec::pci {

constexpr uint32_t kConfigSpaceSize = 4096;   // PCIe extended configuration space
constexpr uint32_t kLegacyConfigSize = 256;

// Type 0 header offsets.
constexpr uint32_t kVendorId = 0x00, kDeviceId = 0x02, kCommand = 0x04, kStatus = 0x06;
constexpr uint32_t kRevisionId = 0x08, kClassProgIf = 0x09, kSubclass = 0x0A, kBaseClass = 0x0B;
constexpr uint32_t kCacheLineSize = 0x0C, kLatencyTimer = 0x0D, kHeaderType = 0x0E, kBist = 0x0F;
constexpr uint32_t kBar0 = 0x10, kBar1 = 0x14, kBar2 = 0x18, kBar5 = 0x24;
constexpr uint32_t kCardbusCis = 0x28, kSubsystemVendorId = 0x2C, kSubsystemId = 0x2E;
constexpr uint32_t kExpansionRom = 0x30, kCapabilitiesPtr = 0x34;
constexpr uint32_t kInterruptLine = 0x3C, kInterruptPin = 0x3D, kMinGnt = 0x3E, kMaxLat = 0x3F;
constexpr uint32_t kExtendedCapabilities = 0x100;

// Class code of an NVM Express controller: mass storage / non-volatile memory / NVMe.
constexpr uint8_t kClassMassStorage = 0x01, kSubclassNvm = 0x08, kProgIfNvme = 0x02;

// Command register bits.
namespace command {
constexpr uint16_t kIoSpace = 1u << 0;
constexpr uint16_t kMemorySpace = 1u << 1;
constexpr uint16_t kBusMaster = 1u << 2;
constexpr uint16_t kParityErrorResponse = 1u << 6;
constexpr uint16_t kSerrEnable = 1u << 8;
constexpr uint16_t kInterruptDisable = 1u << 10;
}  // namespace command

// Status register bits.
namespace status {
constexpr uint16_t kInterruptStatus = 1u << 3;
constexpr uint16_t kCapabilitiesList = 1u << 4;
constexpr uint16_t kMasterDataParityError = 1u << 8;
constexpr uint16_t kSignaledTargetAbort = 1u << 11;
constexpr uint16_t kReceivedTargetAbort = 1u << 12;
constexpr uint16_t kReceivedMasterAbort = 1u << 13;
constexpr uint16_t kSignaledSystemError = 1u << 14;
constexpr uint16_t kDetectedParityError = 1u << 15;
constexpr uint16_t kW1cMask = 0xF900;
}  // namespace status

// Memory BAR low dword bits.
namespace bar {
constexpr uint32_t kMemory = 0, kType64 = 2u << 1, kPrefetchable = 1u << 3;
constexpr uint32_t kFlagsMask = 0xF;
}  // namespace bar

// Capability IDs.
namespace cap_id {
constexpr uint8_t kPowerManagement = 0x01;
constexpr uint8_t kMsi = 0x05;
constexpr uint8_t kPciExpress = 0x10;
constexpr uint8_t kMsix = 0x11;
}  // namespace cap_id

// Every capability starts with ID (byte 0) and next pointer (byte 1).
constexpr uint32_t kCapId = 0, kCapNext = 1;

// Power Management capability (8 bytes).
namespace pm {
constexpr uint32_t kSize = 8;
constexpr uint32_t kPmc = 2, kPmcsr = 4;
constexpr uint16_t kPmcVersion3 = 3;           // PMC bits 2:0
constexpr uint16_t kPmcsrPowerStateMask = 0x3; // D0..D3hot
constexpr uint16_t kPmcsrNoSoftReset = 1u << 3;
constexpr uint16_t kPmcsrPmeEnable = 1u << 8;
constexpr uint16_t kPmcsrPmeStatus = 1u << 15;
}  // namespace pm

// MSI capability, 64-bit address, without per-vector masking (14 bytes, kept at 16).
namespace msi {
constexpr uint32_t kSize = 16;
constexpr uint32_t kControl = 2, kAddressLo = 4, kAddressHi = 8, kData = 12;
constexpr uint16_t kEnable = 1u << 0;
constexpr uint16_t mmc(uint16_t ctrl) { return (ctrl >> 1) & 7; }  // log2 of vectors requested
constexpr uint16_t mme(uint16_t ctrl) { return (ctrl >> 4) & 7; }  // log2 of vectors enabled
constexpr uint16_t kMmeMask = 7u << 4;
constexpr uint16_t k64Bit = 1u << 7;
constexpr uint16_t kPerVectorMasking = 1u << 8;
}  // namespace msi

// MSI-X capability (12 bytes) and its table entries (16 bytes) in a BAR.
namespace msix {
constexpr uint32_t kSize = 12;
constexpr uint32_t kControl = 2, kTable = 4, kPba = 8;
constexpr uint16_t kTableSizeMask = 0x7FF;  // N-1
constexpr uint16_t kFunctionMask = 1u << 14;
constexpr uint16_t kEnable = 1u << 15;
constexpr uint32_t kBirMask = 0x7;
constexpr uint32_t kMaxVectors = 2048;
constexpr uint32_t kEntrySize = 16;
constexpr uint32_t kEntryAddressLo = 0, kEntryAddressHi = 4, kEntryData = 8, kEntryControl = 12;
constexpr uint32_t kEntryMasked = 1u << 0;
}  // namespace msix

// PCI Express capability (version 2, 60 bytes).
namespace pcie {
constexpr uint32_t kSize = 0x3C;
constexpr uint32_t kCapabilities = 0x02, kDeviceCapabilities = 0x04, kDeviceControl = 0x08;
constexpr uint32_t kDeviceStatus = 0x0A, kLinkCapabilities = 0x0C, kLinkControl = 0x10;
constexpr uint32_t kLinkStatus = 0x12, kDeviceCapabilities2 = 0x24, kDeviceControl2 = 0x28;
constexpr uint32_t kLinkCapabilities2 = 0x2C, kLinkControl2 = 0x30, kLinkStatus2 = 0x32;
constexpr uint16_t kCapVersion2 = 2;             // bits 3:0
constexpr uint16_t kTypeEndpoint = 0u << 4;      // bits 7:4
// Device Capabilities.
constexpr uint32_t devcap_mps_supported(uint32_t v) { return v & 7; }  // 128 << n bytes
constexpr uint32_t kDevcapFlr = 1u << 28;
// Device Control.
constexpr uint16_t kDevctlMpsShift = 5, kDevctlMpsMask = 7u << 5;
constexpr uint16_t kDevctlMrrsShift = 12, kDevctlMrrsMask = 7u << 12;
constexpr uint16_t kDevctlInitiateFlr = 1u << 15;
constexpr uint16_t kDevctlWritableMask = 0x7CFF;  // everything but Initiate FLR (handled) and bit 15
/// Max payload / read request size in bytes from a Device Control value.
constexpr uint32_t devctl_mps_bytes(uint16_t v) { return 128u << ((v & kDevctlMpsMask) >> kDevctlMpsShift); }
constexpr uint32_t devctl_mrrs_bytes(uint16_t v) { return 128u << ((v & kDevctlMrrsMask) >> kDevctlMrrsShift); }
// Device Status W1C bits 3:0 (error detected) and Transactions Pending bit 5 (RO).
constexpr uint16_t kDevstaTransactionsPending = 1u << 5;
// Link Capabilities: max link speed bits 3:0, max width bits 9:4.
constexpr uint32_t linkcap(unsigned speed, unsigned width) { return (speed & 0xF) | ((width & 0x3F) << 4); }
// Link Status: current speed bits 3:0, negotiated width bits 9:4.
constexpr uint16_t linksta(unsigned speed, unsigned width) {
  return static_cast<uint16_t>((speed & 0xF) | ((width & 0x3F) << 4));
}
// Link Capabilities 2: supported link speeds vector, bit n = generation n (bits 7:1).
constexpr uint32_t linkcap2_speeds(unsigned max_gen) { return ((1u << max_gen) - 1) << 1; }
}  // namespace pcie

}  // namespace scnvme::spec::pci
