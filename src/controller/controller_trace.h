// The controller's trace signals (scnvme/trace.h): declared when a sink is attached, driven where
// the state they show changes. Without a sink each is an empty list.
#pragma once

#include <vector>

#include "trace/trace_signal.h"
#include "sim_now.h"

namespace scnvme::detail {

struct ControllerTrace {
  std::vector<TraceSignal> sq, cq;   // occupancy, by queue id (0 = admin)
  TraceSignal slots;                 // command slots holding a command
  TraceSignal dma;                   // DMA engines moving data
  TraceSignal data_buffer;           // bytes of the internal data buffer held
  TraceSignal link_up, link_down;    // PCIe link busy per direction
  TraceSignal intx;                  // the legacy interrupt line
  std::vector<TraceSignal> vectors;  // interrupt messages (MSI-X / MSI), by vector
  TraceSignal write_buffer;          // flash write-buffer units holding host data

  /// SQ occupancy: `n` entries rung (the tail doorbell took effect) now.
  void sq_rung(std::size_t qid, uint32_t n) const {
    if (qid < sq.size() && n) sq[qid].begin(sim_now(), "entry", n);
  }
  /// ... one entry left the SQ: its SQE arrives in a command slot at `arrival`.
  void sq_fetched(std::size_t qid, const sc_core::sc_time& arrival) const {
    if (qid < sq.size()) sq[qid].end(arrival);
  }
  /// ... `n` entries never to be fetched (the SQ was deleted or reset) are gone now.
  void sq_dropped(std::size_t qid, uint32_t n) const {
    if (qid < sq.size() && n) sq[qid].end(sim_now(), n);
  }
  void cq_entries(std::size_t qid, uint32_t entries) const {
    if (qid < cq.size()) cq[qid].set(entries);
  }
};

}  // namespace scnvme::detail
