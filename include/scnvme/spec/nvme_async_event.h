// Asynchronous events (NVMe Base 2.0, 5.2 Asynchronous Event Request): the completion's Dword 0
// and the event types and information codes.
#pragma once

#include <cstdint>

namespace scnvme::spec::async_event {

/// Asynchronous Event Type (Dword 0 bits 2:0).
enum Type : uint8_t { kError = 0, kSmartHealth = 1, kNotice = 2, kIoCommandSetSpecific = 6, kVendorSpecific = 7 };
constexpr unsigned kTypes = 8;

/// Asynchronous Event Information for Error status events.
namespace error {
constexpr uint8_t kInvalidDoorbellRegister = 0x00;  // write to a doorbell of a queue that does not exist
constexpr uint8_t kInvalidDoorbellValue = 0x01;     // e.g. SQ tail beyond the queue, CQ head not posted
constexpr uint8_t kDiagnosticFailure = 0x02;
constexpr uint8_t kPersistentInternalError = 0x03;
constexpr uint8_t kTransientInternalError = 0x04;
constexpr uint8_t kFirmwareImageLoadError = 0x05;
}  // namespace error

/// Asynchronous Event Information for SMART / Health status events.
namespace smart {
constexpr uint8_t kReliability = 0x00;
constexpr uint8_t kTemperatureThreshold = 0x01;
constexpr uint8_t kSpareBelowThreshold = 0x02;
}  // namespace smart

/// Asynchronous Event Information for Notice events.
namespace notice {
constexpr uint8_t kNamespaceAttributeChanged = 0x00;
constexpr uint8_t kFirmwareActivationStarting = 0x01;
}  // namespace notice

/// Completion Dword 0: type (2:0), information (15:8), associated log page (23:16).
constexpr uint32_t dw0(uint8_t type, uint8_t info, uint8_t log_page) {
  return (type & 7u) | static_cast<uint32_t>(info) << 8 | static_cast<uint32_t>(log_page) << 16;
}

}  // namespace scnvme::spec::async_event
