// Interrupt coalescing state (NVMe Base 2.0, 5.27.1.6 Interrupt Coalescing, 5.27.1.7 Interrupt
// Vector Configuration): per interrupt vector, how many posted completion queue entries have not
// been signalled yet, when the first of them was posted, and whether its aggregation-time timer is
// scheduled. Plain data; the behaviour is in interrupt_coalescing.cpp (ControllerImpl members).
#pragma once

#include <cstdint>
#include <vector>

#include <systemc>

namespace scnvme::detail {

struct VectorAggregation {
  uint32_t unsignalled = 0;     // CQEs posted on the vector since its last interrupt
  sc_core::sc_time first;       // when the oldest of them was posted
  bool timer_armed = false;     // a timed action for this vector is queued
};

struct CoalescingState {
  uint64_t epoch = 0;                    // controller epoch the state belongs to (a reset clears it)
  std::vector<VectorAggregation> vectors;  // index = interrupt vector, grown on demand

  VectorAggregation& at(uint16_t vector) {
    if (vector >= vectors.size()) vectors.resize(static_cast<std::size_t>(vector) + 1);
    return vectors[vector];
  }
  void clear(uint64_t new_epoch) {
    epoch = new_epoch;
    vectors.clear();
  }
};

/// THR (bits 7:0, 0-based) and TIME (bits 15:8, 100 us units) of the Interrupt Coalescing value.
constexpr uint32_t coalescing_threshold(uint32_t feature) { return (feature & 0xFF) + 1; }
constexpr uint32_t coalescing_time_100us(uint32_t feature) { return (feature >> 8) & 0xFF; }
/// Either field cleared to 0h disables coalescing: THR = 0h aggregates one entry, TIME = 0h allows
/// no delay.
constexpr bool coalescing_active(uint32_t feature) {
  return (feature & 0xFF) != 0 && coalescing_time_100us(feature) != 0;
}

}  // namespace scnvme::detail
