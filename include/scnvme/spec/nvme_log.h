// Log page identifiers and layouts (NVMe Base 2.0, section 5.16).
#pragma once

#include <cstdint>

namespace scnvme::spec::log {

constexpr uint8_t kSupportedLogPages = 0x00;
constexpr uint8_t kErrorInformation = 0x01;
constexpr uint8_t kSmartHealth = 0x02;
constexpr uint8_t kFirmwareSlot = 0x03;
constexpr uint8_t kChangedNamespaceList = 0x04;
constexpr uint8_t kCommandsSupportedAndEffects = 0x05;
constexpr uint8_t kDeviceSelfTest = 0x06;
constexpr uint8_t kTelemetryHostInitiated = 0x07;
constexpr uint8_t kTelemetryControllerInitiated = 0x08;

/// Get Log Page command fields.
constexpr uint8_t lid(uint32_t cdw10) { return static_cast<uint8_t>(cdw10 & 0xFF); }
constexpr uint8_t lsp(uint32_t cdw10) { return static_cast<uint8_t>((cdw10 >> 8) & 0x7F); }
constexpr bool rae(uint32_t cdw10) { return (cdw10 >> 15) & 1; }
constexpr uint16_t numdl(uint32_t cdw10) { return static_cast<uint16_t>(cdw10 >> 16); }
constexpr uint16_t numdu(uint32_t cdw11) { return static_cast<uint16_t>(cdw11 & 0xFFFF); }
constexpr uint16_t lsi(uint32_t cdw11) { return static_cast<uint16_t>(cdw11 >> 16); }
/// Number of bytes requested: (NUMDU:NUMDL + 1) dwords.
constexpr uint64_t length_bytes(uint32_t cdw10, uint32_t cdw11) {
  return ((static_cast<uint64_t>(numdu(cdw11)) << 16 | numdl(cdw10)) + 1) * 4;
}
/// Byte offset: LPOU:LPOL.
constexpr uint64_t offset_bytes(uint32_t cdw12, uint32_t cdw13) {
  return static_cast<uint64_t>(cdw13) << 32 | cdw12;
}

/// Commands Supported and Effects log (4096 bytes): a dword per admin opcode, then per I/O opcode.
namespace effects {
constexpr uint32_t kSize = 4096, kAdminOffset = 0, kIoOffset = 1024;
constexpr uint32_t kCsupp = 1u << 0;  // command supported
constexpr uint32_t kLbcc = 1u << 1;   // may change logical block content
constexpr uint32_t kNcc = 1u << 2;    // may change namespace capabilities
constexpr uint32_t kNic = 1u << 3;    // may change the namespace inventory
constexpr uint32_t kCcc = 1u << 4;    // may change controller capabilities
constexpr uint32_t kCseShift = 16;    // Command Submission and Execution (18:16)
}  // namespace effects

/// Changed Namespace List log: up to 1024 NSIDs (4096 bytes); FFFFFFFFh first when more changed.
namespace changed_namespaces {
constexpr uint32_t kSize = 4096, kMaxEntries = 1024;
}  // namespace changed_namespaces

/// Error Information log entry (64 bytes).
namespace error_entry {
constexpr uint32_t kSize = 64;
constexpr uint32_t kErrorCount = 0, kSqid = 8, kCid = 10, kStatus = 12, kParamLocation = 14;
constexpr uint32_t kLba = 16, kNsid = 24, kVendorInfo = 28, kTrtype = 29, kCmdSpecific = 32;
constexpr uint32_t kTrtypeSpecific = 40;
}  // namespace error_entry

/// SMART / Health Information log (512 bytes).
namespace smart {
constexpr uint32_t kSize = 512;
constexpr uint32_t kCriticalWarning = 0, kCompositeTemperature = 1, kAvailableSpare = 3;
constexpr uint32_t kAvailableSpareThreshold = 4, kPercentageUsed = 5, kEnduranceGroupSummary = 6;
constexpr uint32_t kDataUnitsRead = 32, kDataUnitsWritten = 48, kHostReadCommands = 64;
constexpr uint32_t kHostWriteCommands = 80, kControllerBusyTime = 96, kPowerCycles = 112;
constexpr uint32_t kPowerOnHours = 128, kUnsafeShutdowns = 144, kMediaErrors = 160;
constexpr uint32_t kErrorLogEntries = 176, kWarningTempTime = 192, kCriticalTempTime = 196;
constexpr uint32_t kTemperatureSensor1 = 200;
/// Critical Warning bits (the same bit positions enable their events in Feature 0Bh).
constexpr uint8_t kWarnSpare = 1u << 0, kWarnTemperature = 1u << 1, kWarnReliability = 1u << 2;
constexpr uint8_t kWarnReadOnly = 1u << 3, kWarnVolatileBackup = 1u << 4;
}  // namespace smart

/// Firmware Slot Information log (512 bytes): AFI, then the revision of slots 1..7 (FRS1..FRS7).
namespace firmware_slot {
constexpr uint32_t kSize = 512;
constexpr uint32_t kAfi = 0, kFrs1 = 8, kFrsLen = 8;
constexpr uint32_t frs(unsigned slot) { return kFrs1 + kFrsLen * (slot - 1); }  // slot 1..7
/// AFI: bits 2:0 the active slot, bits 6:4 the slot activated at the next reset (0: none).
constexpr uint8_t afi(unsigned active, unsigned next) { return static_cast<uint8_t>((active & 7) | (next & 7) << 4); }
constexpr unsigned afi_active(uint8_t afi) { return afi & 7u; }
constexpr unsigned afi_next(uint8_t afi) { return (afi >> 4) & 7u; }
}  // namespace firmware_slot

/// Device Self-test log (564 bytes): the current operation and its progress, then 20 result
/// entries of 28 bytes, newest first.
namespace self_test {
constexpr uint32_t kSize = 564;
constexpr uint32_t kCurrentOperation = 0;   // bits 3:0: 0h none, 1h short, 2h extended
constexpr uint32_t kCurrentCompletion = 1;  // bits 6:0: percent complete
constexpr uint32_t kResults = 4, kResultSize = 28, kMaxResults = 20;
constexpr uint32_t result(unsigned i) { return kResults + kResultSize * i; }
/// Offsets inside a result entry.
constexpr uint32_t kStatus = 0, kSegment = 1, kValidInfo = 2, kPowerOnHours = 4, kNsid = 12;
constexpr uint32_t kFailingLba = 16, kSct = 24, kSc = 25, kVendorSpecific = 26;
/// Valid Diagnostic Information bits.
constexpr uint8_t kNsidValid = 1u << 0, kFlbaValid = 1u << 1, kSctValid = 1u << 2, kScValid = 1u << 3;
/// Self-test codes: the command's STC, the log's current operation and a result's code (7:4).
constexpr uint8_t kShort = 0x1, kExtended = 0x2, kVendor = 0xE, kAbort = 0xF;
/// Results (status bits 3:0).
constexpr uint8_t kCompleted = 0x0, kAbortedByCommand = 0x1, kAbortedByReset = 0x2;
constexpr uint8_t kAbortedNamespaceRemoved = 0x3, kAbortedFormat = 0x4, kFatalError = 0x5;
constexpr uint8_t kFailedUnknownSegment = 0x6, kFailedSegments = 0x7, kAbortedUnknown = 0x8;
constexpr uint8_t kAbortedSanitize = 0x9, kUnused = 0xF;
constexpr uint8_t status(uint8_t code, uint8_t result) { return static_cast<uint8_t>((code & 0xF) << 4 | (result & 0xF)); }
}  // namespace self_test

}  // namespace scnvme::spec::log
