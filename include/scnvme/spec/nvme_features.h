// Feature identifiers and fields for Get/Set Features (NVMe Base 2.0, section 5.27).
#pragma once

#include <cstdint>

namespace scnvme::spec::feature {

constexpr uint8_t kArbitration = 0x01;
constexpr uint8_t kPowerManagement = 0x02;
constexpr uint8_t kLbaRangeType = 0x03;
constexpr uint8_t kTemperatureThreshold = 0x04;
constexpr uint8_t kErrorRecovery = 0x05;
constexpr uint8_t kVolatileWriteCache = 0x06;
constexpr uint8_t kNumberOfQueues = 0x07;
constexpr uint8_t kInterruptCoalescing = 0x08;
constexpr uint8_t kInterruptVectorConfiguration = 0x09;
constexpr uint8_t kWriteAtomicityNormal = 0x0A;
constexpr uint8_t kAsyncEventConfiguration = 0x0B;
constexpr uint8_t kAutonomousPowerStateTransition = 0x0C;
constexpr uint8_t kHostMemoryBuffer = 0x0D;
constexpr uint8_t kTimestamp = 0x0E;
constexpr uint8_t kKeepAliveTimer = 0x0F;
constexpr uint8_t kHostControlledThermalManagement = 0x10;
constexpr uint8_t kNonOperationalPowerStateConfig = 0x11;
constexpr uint8_t kHostBehaviorSupport = 0x16;

/// CDW10 of Get/Set Features.
constexpr uint8_t fid(uint32_t cdw10) { return static_cast<uint8_t>(cdw10 & 0xFF); }
constexpr uint8_t sel(uint32_t cdw10) { return static_cast<uint8_t>((cdw10 >> 8) & 0x7); }  // Get
constexpr bool sv(uint32_t cdw10) { return (cdw10 >> 31) & 1; }                             // Set

/// Get Features SEL values.
constexpr uint8_t kSelCurrent = 0, kSelDefault = 1, kSelSaved = 2, kSelSupportedCapabilities = 3;
/// Capabilities returned for SEL = 011b.
constexpr uint32_t kCapSaveable = 1u << 0, kCapNamespaceSpecific = 1u << 1, kCapChangeable = 1u << 2;

// Number of Queues: NSQR bits 15:0, NCQR bits 31:16, both 0-based.
constexpr uint16_t nsqr(uint32_t v) { return static_cast<uint16_t>(v & 0xFFFF); }
constexpr uint16_t ncqr(uint32_t v) { return static_cast<uint16_t>(v >> 16); }
constexpr uint32_t number_of_queues(uint16_t nsqa, uint16_t ncqa) {
  return static_cast<uint32_t>(nsqa) | (static_cast<uint32_t>(ncqa) << 16);
}

// Temperature Threshold: TMPTH bits 15:0 (kelvin), TMPSEL bits 19:16, THSEL bits 21:20.
constexpr uint16_t tmpth(uint32_t v) { return static_cast<uint16_t>(v & 0xFFFF); }
constexpr uint8_t tmpsel(uint32_t v) { return static_cast<uint8_t>((v >> 16) & 0xF); }
constexpr uint8_t thsel(uint32_t v) { return static_cast<uint8_t>((v >> 20) & 0x3); }
constexpr uint8_t kThselOver = 0, kThselUnder = 1;
constexpr uint8_t kTmpselComposite = 0, kTmpselAll = 0xF;

// Interrupt Coalescing: THR bits 7:0 (0-based), TIME bits 15:8 (100 us units).
// Interrupt Vector Configuration: IV bits 15:0, CD bit 16.
constexpr uint16_t iv(uint32_t v) { return static_cast<uint16_t>(v & 0xFFFF); }
constexpr uint32_t kCoalescingDisable = 1u << 16;

// Asynchronous Event Configuration: SMART critical warnings 7:0, namespace attribute 8,
// firmware activation 9, telemetry log 10, ANA change 11, ...
constexpr uint32_t kAecSmartMask = 0xFF, kAecNamespaceAttribute = 1u << 8;
constexpr uint32_t kAecFirmwareActivation = 1u << 9, kAecTelemetry = 1u << 10;

// Arbitration: AB bits 2:0, LPW 15:8, MPW 23:16, HPW 31:24.
// Power Management: PS bits 4:0, WH bits 7:5.
constexpr uint8_t ps(uint32_t v) { return static_cast<uint8_t>(v & 0x1F); }
constexpr uint8_t wh(uint32_t v) { return static_cast<uint8_t>((v >> 5) & 0x7); }
constexpr uint32_t power_management(uint8_t ps_, uint8_t wh_) {
  return (ps_ & 0x1Fu) | static_cast<uint32_t>(wh_ & 0x7) << 5;
}

// Timestamp (8-byte data buffer): bytes 5:0 milliseconds since 1970-01-01 UTC; byte 6 bit 0
// Synch (1: the count may have skipped, e.g. the controller stopped), bits 3:1 Timestamp Origin.
namespace timestamp {
constexpr uint32_t kSize = 8, kAttributes = 6;
constexpr uint64_t kMask = (1ull << 48) - 1;
constexpr uint8_t kSynch = 1u << 0;
constexpr uint8_t kOriginReset = 0, kOriginSetFeatures = 1;  // Timestamp Origin values
constexpr uint8_t origin(uint8_t attributes) { return static_cast<uint8_t>((attributes >> 1) & 0x7); }
}  // namespace timestamp

// Host Behavior Support (512-byte data buffer): byte 0 ACRE (Advanced Command Retry Enable),
// byte 1 ETDAS (Extended Telemetry Data Area 4 Supported), byte 2 LBAFEE (LBA Format Extension
// Enable); the rest reserved.
namespace host_behavior {
constexpr uint32_t kSize = 512, kAcre = 0, kEtdas = 1, kLbafee = 2;
}  // namespace host_behavior

// Volatile Write Cache: WCE bit 0.
constexpr uint32_t kWce = 1u << 0;

}  // namespace scnvme::spec::feature
