// Interrupt coalescing: decides when a posted completion is signalled on its interrupt vector
// (NVMe Base 2.0, 5.27.1.6 Interrupt Coalescing, 5.27.1.7 Interrupt Vector Configuration).
//
// Per vector, the CQEs posted since the vector's last interrupt are counted. The vector is
// signalled when the count reaches the Aggregation Threshold (THR + 1 entries, THR being 0-based)
// or when the Aggregation Time (TIME x 100 us) has passed since the first of them was posted,
// whichever comes first. Everything else stays as signal_vector() does it (MSI-X entry/function
// masks and the Pending Bit Array, MSI with INTMS, Bus Master Enable): coalescing only chooses the
// moment signal_vector() is called.
//
// Signalled at once, never aggregated:
// - completions on the Admin Completion Queue ("interrupt coalescing is not supported for the
//   Admin Completion Queue");
// - vectors with Coalescing Disable (CD) set by Interrupt Vector Configuration (vector 0 always);
// - everything while THR or TIME is 0h: either field cleared to 0h disables coalescing, so a
//   completion can never be held without a time limit;
// - pin-based interrupts (INTx): the pin is a level that follows unconsumed CQ entries
//   (update_intx). THR and TIME are recommendations ("recommended minimum number of entries",
//   "recommended maximum time"), so asserting the level at once is within the feature.
// The time limit is applied per interrupt vector, which the feature allows. The optional
// restart of aggregation on CQ head doorbell writes is not modelled.
//
// The timer is one queued timed action per vector at most (no thread per vector): when it fires
// it signals the vector if its deadline has passed, or re-queues itself for the deadline of the
// entries aggregated since. A reset moves the controller epoch on, which makes every queued
// timer and the aggregation state of the old epoch void.
#include "controller/controller_impl.h"
#include "sim_now.h"

namespace scnvme::detail {

namespace {
constexpr const char* kMsgInterrupts = "scnvme/interrupts";
const sc_core::sc_time kTimeUnit(100, sc_core::SC_US);
}  // namespace

VectorAggregation& ControllerImpl::aggregation(uint16_t vector) {
  if (coalescing.epoch != epoch) coalescing.clear(epoch);  // a reset happened since: start afresh
  return coalescing.at(vector);
}

void ControllerImpl::completion_posted(uint16_t cqid, uint16_t vector) {
  const uint32_t setting = features.coalescing;
  const bool cd = vector < features.no_coalescing.size() && features.no_coalescing[vector];
  const bool messages_mode = pci.msix_enabled() || pci.msi_enabled();
  VectorAggregation& a = aggregation(vector);
  if (cqid == 0 || cd || !messages_mode || !coalescing_active(setting)) {
    a.unsignalled = 0;  // this interrupt covers anything aggregated before (settings changed)
    signal_vector(vector);
    return;
  }
  if (a.unsignalled++ == 0) a.first = sim_now();
  if (a.unsignalled >= coalescing_threshold(setting)) {
    a.unsignalled = 0;
    signal_vector(vector);
    return;
  }
  if (!a.timer_armed) {
    a.timer_armed = true;
    const uint64_t e = epoch;
    const sc_core::sc_time now = sim_now();
    const sc_core::sc_time deadline = a.first + kTimeUnit * static_cast<double>(coalescing_time_100us(setting));
    const sc_core::sc_time delay = deadline > now ? deadline - now : sc_core::SC_ZERO_TIME;
    actions.at(delay, [this, vector, e] { coalescing_timer(vector, e); }, Timer{kTimerCoalescing, vector, e});
  }
}

void ControllerImpl::coalescing_timer(uint16_t vector, uint64_t for_epoch) {
  if (for_epoch != epoch) return;  // armed before a reset: the entries it covered are gone
  VectorAggregation& a = aggregation(vector);
  a.timer_armed = false;
  if (a.unsignalled == 0) return;  // the threshold (or a flush) signalled them already
  // The deadline follows the current TIME, so a changed setting takes effect for waiting entries.
  const uint32_t setting = features.coalescing;
  const sc_core::sc_time now = sim_now();
  const sc_core::sc_time deadline =
      coalescing_active(setting) ? a.first + kTimeUnit * static_cast<double>(coalescing_time_100us(setting)) : a.first;
  if (deadline > now) {  // entries aggregated after an earlier batch: wait for their own deadline
    a.timer_armed = true;
    actions.at(deadline - now, [this, vector, for_epoch] { coalescing_timer(vector, for_epoch); },
               Timer{kTimerCoalescing, vector, for_epoch});
    return;
  }
  SC_REPORT_INFO_VERB(kMsgInterrupts,
                      (name + ": vector " + std::to_string(vector) + " aggregation time reached with " +
                       std::to_string(a.unsignalled) + " entries")
                          .c_str(),
                      sc_core::SC_DEBUG);
  a.unsignalled = 0;
  signal_vector(vector);
}

void ControllerImpl::flush_coalescing() {
  if (coalescing.epoch != epoch) return;  // nothing aggregated in this epoch
  for (std::size_t v = 0; v < coalescing.vectors.size(); ++v) {
    VectorAggregation& a = coalescing.vectors[v];
    if (a.unsignalled == 0) continue;
    a.unsignalled = 0;
    signal_vector(static_cast<uint16_t>(v));  // a queued timer finds nothing left and stops
  }
}

}  // namespace scnvme::detail
