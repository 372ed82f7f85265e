// NVMe completion status codes (NVMe Base 2.0, section 4.6.1; NVM Command Set 1.0, 3.3.3),
// with their specification names.
#pragma once

#include <cstdint>

#include "scnvme/spec/nvme_command.h"

namespace scnvme::spec::status {

constexpr uint8_t kSctGeneric = 0;
constexpr uint8_t kSctCommandSpecific = 1;
constexpr uint8_t kSctMediaError = 2;
constexpr uint8_t kSctPathRelated = 3;
constexpr uint8_t kSctVendor = 7;

constexpr Status make(uint8_t sct, uint8_t sc, bool dnr = true) { return Status{sct, sc, false, dnr}; }

// Generic Command Status (SCT 0).
constexpr Status kSuccess{0, 0x00, false, false};
constexpr Status kInvalidCommandOpcode = make(kSctGeneric, 0x01);
constexpr Status kInvalidField = make(kSctGeneric, 0x02);
constexpr Status kCommandIdConflict = make(kSctGeneric, 0x03);
constexpr Status kDataTransferError = make(kSctGeneric, 0x04, false);
constexpr Status kAbortedPowerLoss = make(kSctGeneric, 0x05, false);
constexpr Status kInternalError = make(kSctGeneric, 0x06, false);
constexpr Status kAbortRequested = make(kSctGeneric, 0x07, false);
constexpr Status kAbortedSqDeletion = make(kSctGeneric, 0x08, false);
constexpr Status kAbortedFailedFused = make(kSctGeneric, 0x09, false);
constexpr Status kAbortedMissingFused = make(kSctGeneric, 0x0A, false);
constexpr Status kInvalidNamespaceOrFormat = make(kSctGeneric, 0x0B);
constexpr Status kCommandSequenceError = make(kSctGeneric, 0x0C);
constexpr Status kInvalidSglSegmentDescriptor = make(kSctGeneric, 0x0D);
constexpr Status kInvalidNumberOfSglDescriptors = make(kSctGeneric, 0x0E);
constexpr Status kDataSglLengthInvalid = make(kSctGeneric, 0x0F);
constexpr Status kMetadataSglLengthInvalid = make(kSctGeneric, 0x10);
constexpr Status kSglDescriptorTypeInvalid = make(kSctGeneric, 0x11);
constexpr Status kInvalidUseOfCmb = make(kSctGeneric, 0x12);
constexpr Status kPrpOffsetInvalid = make(kSctGeneric, 0x13);
constexpr Status kAtomicWriteUnitExceeded = make(kSctGeneric, 0x14);
constexpr Status kOperationDenied = make(kSctGeneric, 0x15);
constexpr Status kSglOffsetInvalid = make(kSctGeneric, 0x16);
constexpr Status kHostIdInconsistentFormat = make(kSctGeneric, 0x18);
constexpr Status kKeepAliveTimerExpired = make(kSctGeneric, 0x19);
constexpr Status kKeepAliveTimeoutInvalid = make(kSctGeneric, 0x1A);
constexpr Status kAbortedPreemptAndAbort = make(kSctGeneric, 0x1B);
constexpr Status kSanitizeFailed = make(kSctGeneric, 0x1C);
constexpr Status kSanitizeInProgress = make(kSctGeneric, 0x1D);
constexpr Status kSglDataBlockGranularityInvalid = make(kSctGeneric, 0x1E);
constexpr Status kCommandNotSupportedForQueueInCmb = make(kSctGeneric, 0x1F);
constexpr Status kNamespaceIsWriteProtected = make(kSctGeneric, 0x20);
constexpr Status kCommandInterrupted = make(kSctGeneric, 0x21, false);
constexpr Status kTransientTransportError = make(kSctGeneric, 0x22, false);
constexpr Status kCommandProhibitedByLockdown = make(kSctGeneric, 0x23);
constexpr Status kAdminCommandMediaNotReady = make(kSctGeneric, 0x24, false);
constexpr Status kLbaOutOfRange = make(kSctGeneric, 0x80);
constexpr Status kCapacityExceeded = make(kSctGeneric, 0x81);
constexpr Status kNamespaceNotReady = make(kSctGeneric, 0x82, false);
constexpr Status kReservationConflict = make(kSctGeneric, 0x83);
constexpr Status kFormatInProgress = make(kSctGeneric, 0x84, false);

// Command Specific Status (SCT 1).
constexpr Status kCompletionQueueInvalid = make(kSctCommandSpecific, 0x00);
constexpr Status kInvalidQueueIdentifier = make(kSctCommandSpecific, 0x01);
constexpr Status kInvalidQueueSize = make(kSctCommandSpecific, 0x02);
constexpr Status kAbortCommandLimitExceeded = make(kSctCommandSpecific, 0x03);
constexpr Status kAsyncEventRequestLimitExceeded = make(kSctCommandSpecific, 0x05);
constexpr Status kInvalidFirmwareSlot = make(kSctCommandSpecific, 0x06);
constexpr Status kInvalidFirmwareImage = make(kSctCommandSpecific, 0x07);
constexpr Status kInvalidInterruptVector = make(kSctCommandSpecific, 0x08);
constexpr Status kInvalidLogPage = make(kSctCommandSpecific, 0x09);
constexpr Status kInvalidFormat = make(kSctCommandSpecific, 0x0A);
constexpr Status kFirmwareActivationRequiresConventionalReset = make(kSctCommandSpecific, 0x0B);
constexpr Status kInvalidQueueDeletion = make(kSctCommandSpecific, 0x0C);
constexpr Status kFeatureIdNotSaveable = make(kSctCommandSpecific, 0x0D);
constexpr Status kFeatureNotChangeable = make(kSctCommandSpecific, 0x0E);
constexpr Status kFeatureNotNamespaceSpecific = make(kSctCommandSpecific, 0x0F);
constexpr Status kFirmwareActivationRequiresNssr = make(kSctCommandSpecific, 0x10);
constexpr Status kFirmwareActivationRequiresReset = make(kSctCommandSpecific, 0x11);
constexpr Status kFirmwareActivationRequiresMaxTimeViolation = make(kSctCommandSpecific, 0x12);
constexpr Status kFirmwareActivationProhibited = make(kSctCommandSpecific, 0x13);
constexpr Status kOverlappingRange = make(kSctCommandSpecific, 0x14);
constexpr Status kNamespaceInsufficientCapacity = make(kSctCommandSpecific, 0x15);
constexpr Status kNamespaceIdentifierUnavailable = make(kSctCommandSpecific, 0x16);
constexpr Status kNamespaceAlreadyAttached = make(kSctCommandSpecific, 0x18);
constexpr Status kNamespaceIsPrivate = make(kSctCommandSpecific, 0x19);
constexpr Status kNamespaceNotAttached = make(kSctCommandSpecific, 0x1A);
constexpr Status kThinProvisioningNotSupported = make(kSctCommandSpecific, 0x1B);
constexpr Status kControllerListInvalid = make(kSctCommandSpecific, 0x1C);
constexpr Status kDeviceSelfTestInProgress = make(kSctCommandSpecific, 0x1D);
constexpr Status kInvalidControllerIdentifier = make(kSctCommandSpecific, 0x1F);
constexpr Status kIoCommandSetNotSupported = make(kSctCommandSpecific, 0x29);
constexpr Status kConflictingAttributes = make(kSctCommandSpecific, 0x80);
constexpr Status kInvalidProtectionInformation = make(kSctCommandSpecific, 0x81);
constexpr Status kAttemptedWriteToReadOnlyRange = make(kSctCommandSpecific, 0x82);

// Media and Data Integrity Errors (SCT 2).
constexpr Status kWriteFault = make(kSctMediaError, 0x80, false);
constexpr Status kUnrecoveredReadError = make(kSctMediaError, 0x81, false);
constexpr Status kEndToEndGuardCheckError = make(kSctMediaError, 0x82);
constexpr Status kEndToEndApplicationTagCheckError = make(kSctMediaError, 0x83);
constexpr Status kEndToEndReferenceTagCheckError = make(kSctMediaError, 0x84);
constexpr Status kCompareFailure = make(kSctMediaError, 0x85);
constexpr Status kAccessDenied = make(kSctMediaError, 0x86);
constexpr Status kDeallocatedOrUnwrittenLogicalBlock = make(kSctMediaError, 0x87);

/// The specification's name of a status ("Invalid Field in Command"), or "Unknown status".
inline const char* name(Status s) {
  if (s.is(kSuccess)) return "Successful Completion";
  if (s.is(kInvalidCommandOpcode)) return "Invalid Command Opcode";
  if (s.is(kInvalidField)) return "Invalid Field in Command";
  if (s.is(kCommandIdConflict)) return "Command ID Conflict";
  if (s.is(kDataTransferError)) return "Data Transfer Error";
  if (s.is(kAbortedPowerLoss)) return "Commands Aborted due to Power Loss Notification";
  if (s.is(kInternalError)) return "Internal Error";
  if (s.is(kAbortRequested)) return "Command Abort Requested";
  if (s.is(kAbortedSqDeletion)) return "Command Aborted due to SQ Deletion";
  if (s.is(kAbortedFailedFused)) return "Command Aborted due to Failed Fused Command";
  if (s.is(kAbortedMissingFused)) return "Command Aborted due to Missing Fused Command";
  if (s.is(kInvalidNamespaceOrFormat)) return "Invalid Namespace or Format";
  if (s.is(kCommandSequenceError)) return "Command Sequence Error";
  if (s.is(kInvalidSglSegmentDescriptor)) return "Invalid SGL Segment Descriptor";
  if (s.is(kInvalidNumberOfSglDescriptors)) return "Invalid Number of SGL Descriptors";
  if (s.is(kDataSglLengthInvalid)) return "Data SGL Length Invalid";
  if (s.is(kMetadataSglLengthInvalid)) return "Metadata SGL Length Invalid";
  if (s.is(kSglDescriptorTypeInvalid)) return "SGL Descriptor Type Invalid";
  if (s.is(kInvalidUseOfCmb)) return "Invalid Use of Controller Memory Buffer";
  if (s.is(kPrpOffsetInvalid)) return "PRP Offset Invalid";
  if (s.is(kAtomicWriteUnitExceeded)) return "Atomic Write Unit Exceeded";
  if (s.is(kOperationDenied)) return "Operation Denied";
  if (s.is(kSglOffsetInvalid)) return "SGL Offset Invalid";
  if (s.is(kHostIdInconsistentFormat)) return "Host Identifier Inconsistent Format";
  if (s.is(kKeepAliveTimerExpired)) return "Keep Alive Timer Expired";
  if (s.is(kKeepAliveTimeoutInvalid)) return "Keep Alive Timeout Invalid";
  if (s.is(kAbortedPreemptAndAbort)) return "Command Aborted due to Preempt and Abort";
  if (s.is(kSanitizeFailed)) return "Sanitize Failed";
  if (s.is(kSanitizeInProgress)) return "Sanitize In Progress";
  if (s.is(kSglDataBlockGranularityInvalid)) return "SGL Data Block Granularity Invalid";
  if (s.is(kCommandNotSupportedForQueueInCmb)) return "Command Not Supported for Queue in CMB";
  if (s.is(kNamespaceIsWriteProtected)) return "Namespace is Write Protected";
  if (s.is(kCommandInterrupted)) return "Command Interrupted";
  if (s.is(kTransientTransportError)) return "Transient Transport Error";
  if (s.is(kCommandProhibitedByLockdown)) return "Command Prohibited by Command and Feature Lockdown";
  if (s.is(kAdminCommandMediaNotReady)) return "Admin Command Media Not Ready";
  if (s.is(kLbaOutOfRange)) return "LBA Out of Range";
  if (s.is(kCapacityExceeded)) return "Capacity Exceeded";
  if (s.is(kNamespaceNotReady)) return "Namespace Not Ready";
  if (s.is(kReservationConflict)) return "Reservation Conflict";
  if (s.is(kFormatInProgress)) return "Format In Progress";
  if (s.is(kCompletionQueueInvalid)) return "Completion Queue Invalid";
  if (s.is(kInvalidQueueIdentifier)) return "Invalid Queue Identifier";
  if (s.is(kInvalidQueueSize)) return "Invalid Queue Size";
  if (s.is(kAbortCommandLimitExceeded)) return "Abort Command Limit Exceeded";
  if (s.is(kAsyncEventRequestLimitExceeded)) return "Asynchronous Event Request Limit Exceeded";
  if (s.is(kInvalidFirmwareSlot)) return "Invalid Firmware Slot";
  if (s.is(kInvalidFirmwareImage)) return "Invalid Firmware Image";
  if (s.is(kInvalidInterruptVector)) return "Invalid Interrupt Vector";
  if (s.is(kInvalidLogPage)) return "Invalid Log Page";
  if (s.is(kInvalidFormat)) return "Invalid Format";
  if (s.is(kFirmwareActivationRequiresConventionalReset)) return "Firmware Activation Requires Conventional Reset";
  if (s.is(kInvalidQueueDeletion)) return "Invalid Queue Deletion";
  if (s.is(kFeatureIdNotSaveable)) return "Feature Identifier Not Saveable";
  if (s.is(kFeatureNotChangeable)) return "Feature Not Changeable";
  if (s.is(kFeatureNotNamespaceSpecific)) return "Feature Not Namespace Specific";
  if (s.is(kFirmwareActivationRequiresNssr)) return "Firmware Activation Requires NVM Subsystem Reset";
  if (s.is(kFirmwareActivationRequiresReset)) return "Firmware Activation Requires Controller Level Reset";
  if (s.is(kFirmwareActivationRequiresMaxTimeViolation)) return "Firmware Activation Requires Maximum Time Violation";
  if (s.is(kFirmwareActivationProhibited)) return "Firmware Activation Prohibited";
  if (s.is(kOverlappingRange)) return "Overlapping Range";
  if (s.is(kNamespaceInsufficientCapacity)) return "Namespace Insufficient Capacity";
  if (s.is(kNamespaceIdentifierUnavailable)) return "Namespace Identifier Unavailable";
  if (s.is(kNamespaceAlreadyAttached)) return "Namespace Already Attached";
  if (s.is(kNamespaceIsPrivate)) return "Namespace Is Private";
  if (s.is(kNamespaceNotAttached)) return "Namespace Not Attached";
  if (s.is(kThinProvisioningNotSupported)) return "Thin Provisioning Not Supported";
  if (s.is(kControllerListInvalid)) return "Controller List Invalid";
  if (s.is(kDeviceSelfTestInProgress)) return "Device Self-test In Progress";
  if (s.is(kInvalidControllerIdentifier)) return "Invalid Controller Identifier";
  if (s.is(kIoCommandSetNotSupported)) return "I/O Command Set Not Supported";
  if (s.is(kConflictingAttributes)) return "Conflicting Attributes";
  if (s.is(kInvalidProtectionInformation)) return "Invalid Protection Information";
  if (s.is(kAttemptedWriteToReadOnlyRange)) return "Attempted Write to Read Only Range";
  if (s.is(kWriteFault)) return "Write Fault";
  if (s.is(kUnrecoveredReadError)) return "Unrecovered Read Error";
  if (s.is(kEndToEndGuardCheckError)) return "End-to-end Guard Check Error";
  if (s.is(kEndToEndApplicationTagCheckError)) return "End-to-end Application Tag Check Error";
  if (s.is(kEndToEndReferenceTagCheckError)) return "End-to-end Reference Tag Check Error";
  if (s.is(kCompareFailure)) return "Compare Failure";
  if (s.is(kAccessDenied)) return "Access Denied";
  if (s.is(kDeallocatedOrUnwrittenLogicalBlock)) return "Deallocated or Unwritten Logical Block";
  return "Unknown status";
}

}  // namespace scnvme::spec::status
