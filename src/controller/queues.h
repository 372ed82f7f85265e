// Submission and completion queue state as the controller keeps it.
#pragma once

#include <cstdint>
#include <set>
#include <vector>

#include <systemc>

namespace scnvme::detail {

struct SubmissionQueue {
  bool valid = false;
  uint16_t id = 0;
  uint16_t cqid = 0;
  uint64_t serial = 0;      // creation count (QueueInfo::serial)
  uint64_t base = 0;        // bus address of entry 0 (physically contiguous)
  uint32_t size = 0;        // entries
  uint32_t head = 0;        // next entry to fetch
  uint32_t tail = 0;        // last tail doorbell value
  uint8_t priority = 0;     // QPRIO
  bool deleting = false;
  uint32_t in_flight = 0;   // fetched, not yet completed
  std::set<uint32_t> aborted_entries;  // unfetched entries an Abort command marked
  std::vector<sc_core::sc_time> rung_at;  // per entry: when the tail doorbell covering it took effect

  bool empty() const { return head == tail; }
  uint32_t pending() const { return (tail + size - head) % size; }
};

struct CompletionQueue {
  bool valid = false;
  uint16_t id = 0;
  uint64_t serial = 0;      // creation count (QueueInfo::serial)
  uint64_t base = 0;
  uint32_t size = 0;
  uint32_t head = 0;        // last head doorbell value
  uint32_t tail = 0;        // next entry to claim for a completion
  uint32_t visible_tail = 0;  // entries before this one have landed in host memory
  sc_core::sc_time last_landing;  // CQEs land in the order their entries were claimed
  uint64_t claims = 0, landings = 0;  // CQEs claimed / landed: landings at the same time keep that order
  bool phase = true;        // phase tag of the current pass
  bool interrupts_enabled = false;
  uint16_t vector = 0;
  uint32_t sq_count = 0;    // SQs that post here
  uint32_t writes_in_flight = 0;

  bool full() const { return (tail + 1) % size == head; }
  bool has_unconsumed() const { return head != visible_tail; }
};

}  // namespace scnvme::detail
