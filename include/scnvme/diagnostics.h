// scnvme diagnostics: the catalogue of named trace points and of host mistakes ("guest errors").
//
// Every trace point and every guest-error kind has a stable dotted name. Guest errors are always
// reported (SC_REPORT_WARNING, message type "scnvme/guest-error"): the first occurrence per
// subject (a queue such as "SQ1", a register such as "CC", "BAR0", ...) and kind is printed with
// the offending value; later ones are counted and printed again only when their count reaches
// 10, 100, 1000, ... Counts are kept for the whole run (resets do not clear them):
// Controller::guest_errors().
//
// Trace points are silent until enabled by name pattern (Controller::set_log_filter, scnvme-sim
// --log): a matching point is reported with SC_REPORT_INFO_VERB at verbosity SC_NONE (shown at
// every verbosity level) under the message type "scnvme/trace/<name>", its text starting with the
// simulation time. Guest-error kinds are trace points too: a pattern matching one reports every
// occurrence. A disabled point costs one branch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <systemc>

namespace scnvme {

/// Host mistakes the controller detects. Names: guest_error_name().
enum class GuestError : uint8_t {
  RegisterMisalignedAccess,     // guest.register.misaligned_access
  RegisterAccessWidth,          // guest.register.access_width
  RegisterMemorySpaceDisabled,  // guest.register.memory_space_disabled
  RegisterReadOnlyWrite,        // guest.register.read_only_write
  RegisterReservedBits,         // guest.register.reserved_bits
  RegisterReservedWrite,        // guest.register.reserved_write
  RegisterIntmWithMsix,         // guest.register.intm_with_msix
  CcChangedWhileEnabled,        // guest.cc.changed_while_enabled
  CcChangedWhileNotReady,       // guest.cc.changed_while_not_ready
  CcUnsupportedConfig,          // guest.cc.unsupported_config
  DoorbellPartialWrite,         // guest.doorbell.partial_write
  DoorbellReservedBits,         // guest.doorbell.reserved_bits
  DoorbellNoQueue,              // guest.doorbell.no_queue
  DoorbellSqTailBeyondSize,     // guest.doorbell.sq_tail_beyond_size
  DoorbellCqHeadInvalid,        // guest.doorbell.cq_head_invalid
  QueueMemoryOverlap,           // guest.queue.memory_overlap
  PrpMisaligned,                // guest.prp.misaligned
  DmaSqeFetchFailed,            // guest.dma.sqe_fetch_failed
  DmaCqeWriteFailed,            // guest.dma.cqe_write_failed
  MsiWriteFailed,               // guest.msi.write_failed
  KeepAliveExpired,             // guest.keep_alive.expired
  ConfigMisalignedAccess,       // guest.config.misaligned_access
};
constexpr std::size_t kGuestErrorKinds = static_cast<std::size_t>(GuestError::ConfigMisalignedAccess) + 1;

/// Named events of normal operation, reported only when enabled.
enum class TracePoint : uint8_t {
  RegRead,        // reg.read       host read of a BAR0 register (name, offset, value)
  RegWrite,       // reg.write      host write of a BAR0 register other than a doorbell
  RegDoorbell,    // reg.doorbell   a doorbell write taking effect (SQyTDBL / CQyHDBL = value)
  CfgRead,        // cfg.read       PCI configuration space read
  CfgWrite,       // cfg.write      PCI configuration space write
  CmdFetched,     // cmd.fetched    an SQE arrived in a command slot (SQ, CID, opcode, NSID)
  CmdCompleted,   // cmd.completed  its CQE was written (status, time since the doorbell)
  IrqMsix,        // irq.msix       an MSI-X message left (vector, address, data)
  IrqMsi,         // irq.msi        an MSI message left
  IrqIntx,        // irq.intx       the INTx level changed
  CtrlEnable,     // ctrl.enable    CC.EN 0 -> 1 took effect
  CtrlReady,      // ctrl.ready     CSTS.RDY set
  CtrlReset,      // ctrl.reset     controller reset (CC.EN 1 -> 0, or inside FLR / NSSR)
  CtrlShutdown,   // ctrl.shutdown  shutdown started / complete
  CtrlNssr,       // ctrl.nssr      NVM subsystem reset
  CtrlFlr,        // ctrl.flr       function level or conventional reset
  CtrlPowerLoss,  // ctrl.power_loss power lost and restored
  CtrlFatal,      // ctrl.fatal     CSTS.CFS set
  QueueCreated,   // queue.created  I/O SQ or CQ created
  QueueDeleted,   // queue.deleted  I/O SQ or CQ deleted
  FaultInjected,  // fault.injected an injected fault fired (scnvme/faults.h): kind and subject
};
constexpr std::size_t kTracePoints = static_cast<std::size_t>(TracePoint::FaultInjected) + 1;

/// One catalogue entry: the stable name and what it means.
struct CatalogueEntry {
  const char* name;
  const char* meaning;
};

const CatalogueEntry& describe(GuestError kind);
const CatalogueEntry& describe(TracePoint point);
inline const char* guest_error_name(GuestError kind) { return describe(kind).name; }
inline const char* trace_point_name(TracePoint point) { return describe(point).name; }

/// Every name in the catalogue: trace points, then guest-error kinds.
std::vector<std::string> catalogue_names();
/// True if `name` matches the shell-style `pattern` ('*' any text, '?' one character).
bool name_matches(const std::string& pattern, const std::string& name);

/// Host mistakes of one kind on one subject, counted over the whole run.
struct GuestErrorRecord {
  GuestError kind{};
  std::string subject;         // "SQ1", "CQ0", "CC", "BAR0", ...; empty when not tied to one
  uint64_t count = 0;
  uint64_t first_value = 0;    // the offending value of the first occurrence
  sc_core::sc_time first_time;
  std::string first_message;   // what the first occurrence's warning said (without the prefix)
};

}  // namespace scnvme
