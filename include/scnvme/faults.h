// scnvme fault injection: what a test or a platform can make go wrong in a controller, so that a
// driver's error, timeout, abort and recovery paths run. Faults are armed with Controller::inject
// and the Controller methods next to it (scnvme/controller.h); scnvme-sim takes the same faults as
// --fault specs or in a profile's [faults] section.
//
// Every fault is per controller and deterministic: a probabilistic choice draws from the
// controller's own generator, seeded from ControllerConfig::seed, so the same seed and the same
// command sequence select the same commands. Each fault that fires is reported with
// SC_REPORT_INFO_VERB (SC_MEDIUM) under "scnvme/fault" and as the trace point "fault.injected".
// Armed faults stay armed across resets until their count is used up.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <systemc>

namespace scnvme {

/// Which commands a fault applies to. An empty field matches anything: an opcode alone matches it
/// on every queue (admin opcodes on SQ 0, I/O opcodes on the I/O queues); sqid 0 is the admin queue.
struct CommandMatch {
  std::optional<uint8_t> opcode;
  std::optional<uint16_t> sqid;
  std::optional<uint32_t> nsid;

  bool matches(uint16_t sqid_, uint8_t opcode_, uint32_t nsid_) const {
    return (!opcode || *opcode == opcode_) && (!sqid || *sqid == sqid_) && (!nsid || *nsid == nsid_);
  }
};

/// The next `count` matching commands (0: every one) complete with `status` instead of executing:
/// no data moves, the Error Information log gets an entry, ControllerStats::commands_failed counts
/// it. Each match is selected with `probability`. `status` is the CQE status field as in
/// CommandRecord (SC | SCT << 8 | DNR << 14); M is set by the controller; it must not be success.
struct CommandFailure {
  CommandMatch match;
  uint32_t count = 1;
  double probability = 1.0;
  uint16_t status = 0x0006;  // Internal Error (SCT 0h, SC 06h)
};

/// Blocks [slba, slba + nlb) of namespace `nsid` become unreadable: Read, Compare and Verify
/// touching them complete with Unrecovered Read Error (SCT 2h, SC 81h), an Error Information log
/// entry naming the first failing LBA, and the SMART "Media and Data Integrity Errors" count
/// incremented. This is the Write Uncorrectable state: the data the blocks held (cached or not) is
/// lost, and a host write that becomes durable (FUA, cache off, or the next Flush), Write Zeroes or
/// deallocation clears it, as a real drive remaps a bad block on rewrite.
struct MediaError {
  uint32_t nsid = 1;
  uint64_t slba = 0;
  uint64_t nlb = 1;
};

/// The next `count` matching commands (0: every one; each selected with `probability`) wait in
/// their command slot for `delay` before they execute, so their CQE comes that much later; with
/// `never` they wait forever (a hung command). A waiting command still occupies its slot, is
/// aborted by an Abort command (it completes at once with Command Abort Requested, having done
/// nothing) and is dropped by a controller reset, FLR, NSSR or power loss like any command in flight.
struct CommandDelay {
  CommandMatch match;
  uint32_t count = 1;
  double probability = 1.0;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  bool never = false;
};

/// The next `count` MSI/MSI-X messages (of `vector`, or of any vector) are lost: not sent, not
/// left pending. The CQEs that caused them are in host memory as usual.
struct InterruptDrop {
  std::optional<uint16_t> vector;
  uint32_t count = 1;
};

/// How often each kind of fault fired, and each injection (in the order of the calls that armed
/// them: the index Controller::inject returned).
struct FaultStats {
  uint64_t commands_failed = 0;      // CommandFailure
  uint64_t media_errors = 0;         // commands failed on a MediaError range
  uint64_t commands_delayed = 0;     // CommandDelay with a delay
  uint64_t commands_hung = 0;        // CommandDelay with never
  uint64_t hung_aborted = 0;         // delayed or hung commands ended by an Abort command
  uint64_t interrupts_dropped = 0;   // InterruptDrop
  uint64_t spurious_interrupts = 0;  // Controller::send_spurious_interrupt messages sent
  uint64_t fatal_status = 0;         // Controller::raise_fatal_status
  uint64_t surprise_removals = 0;    // Controller::surprise_remove
  std::vector<uint64_t> fired;       // per injection id
};

}  // namespace scnvme
