// One command inside the controller: fetched SQE, where it came from, its result. Commands live in
// the controller's slot table (not in thread locals) so they can be inspected, aborted and
// checkpointed.
#pragma once

#include <cstdint>

#include <systemc>

#include "controller/dma_port.h"
#include "scnvme/spec/nvme_command.h"

namespace scnvme::detail {

struct Command {
  enum class State { Free, Fetched, Executing, Completing, Parked };
  State state = State::Free;
  uint64_t epoch = 0;          // controller epoch at fetch; a reset makes the command stale
  uint16_t sqid = 0;
  uint32_t sq_entry = 0;
  spec::Sqe sqe;
  sc_core::sc_time rung_at;     // doorbell covering the entry took effect
  sc_core::sc_time fetched_at;
  sc_core::sc_time executed_at;
  sc_core::sc_time claimed_at;  // the slot was taken (for slot utilisation)
  DmaTimeline timeline;         // the command's transfers, planned ahead of simulated time
  uint64_t buffer_bytes = 0;    // internal data buffer held until the command leaves its slot
  spec::Cqe cqe;                // the completion entry while it crosses the link
  bool cqe_phase = false;       // phase tag of the claimed CQ entry
  bool cqe_built = false;       // the CQE is built and on its way ...
  bool cqe_landed = false;      // ... and has reached host memory
  bool abort_requested = false; // an Abort named it before its completion was built

  // Result.
  spec::Status status;
  uint32_t dw0 = 0;
  uint32_t dw1 = 0;
  bool post_completion = true;  // false: the command completes later (AER) or never
  uint16_t error_location = 0xFFFF;  // Parameter Error Location: byte << 0 | bit << 8
  uint64_t error_lba = 0;
  // An injected CommandDelay (controller/faults.cpp): held in its slot for `fault_delay`, or
  // forever, before it executes.
  bool fault_hold = false;
  bool fault_never = false;
  uint32_t fault_id = 0;
  sc_core::sc_time fault_delay;

  void fail(spec::Status s, uint16_t byte_offset = 0xFFFF, uint8_t bit = 0) {
    status = s;
    error_location = byte_offset == 0xFFFF ? 0xFFFF : static_cast<uint16_t>(byte_offset | (bit << 8));
  }
};

}  // namespace scnvme::detail
