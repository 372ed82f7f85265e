// The host CPU: runs driver code in SC_THREADs. Its loads and stores to device registers are
// TLM transactions on `bus`; every driver operation costs a configurable CPU time; interrupts
// arrive per platform vector, wake waiters and run registered handlers.
//
// Stores are posted, as through a CPU's write buffer: the thread goes on after its own issue cost
// while the store travels (its delay is annotated on the transaction). A thread's CPU time is kept
// locally and handed to the kernel only when the thread blocks (a load, an interrupt wait, a
// delay) or when it has run 1 us ahead; a load first lets the thread's earlier stores land (loads
// do not pass posted writes), so what a load returns is exact.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "scnvme/checkpoint.h"

namespace scnvme::platform {

class HostCpu : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<HostCpu> bus;

  HostCpu(const sc_core::sc_module_name& name, unsigned vectors, sc_core::sc_time op_cost = sc_core::sc_time(50, sc_core::SC_NS));

  /// Starts `body` as a CPU thread at the beginning of simulation (call during elaboration).
  void run(const char* thread_name, std::function<void()> body);

  // Loads and stores (from a CPU thread): true on an OK response. A load waits for its modelled
  // time; a store is posted.
  bool read(uint64_t addr, void* data, unsigned len);
  bool write(uint64_t addr, const void* data, unsigned len);
  /// Charges one driver operation.
  void op() { advance(op_cost_); }
  /// The calling thread's own time (the simulation time plus the CPU time it has not yet handed over).
  sc_core::sc_time local_time() { return simcontext()->time_stamp() + thread().ahead; }
  /// local_time() in whole nanoseconds (rounded down), in integer arithmetic.
  uint64_t local_time_ns() {
    const uint64_t ticks = local_time().value();
    return ticks_per_ns_ ? ticks / ticks_per_ns_ : ticks * ns_per_tick_;
  }
  /// Hands the calling thread's CPU time to the kernel (waits for it).
  void sync();
  sc_core::sc_time op_cost() const { return op_cost_; }

  // Interrupts.
  void raise(unsigned vector, const sc_core::sc_time& delay);
  /// Waits until `vector` has fired since the last wait (consumes one), or the timeout passes.
  bool wait_interrupt(unsigned vector, const sc_core::sc_time& timeout);
  void set_handler(unsigned vector, std::function<void(unsigned)> handler);
  uint64_t interrupts(unsigned vector) const { return vector < counts_.size() ? counts_[vector] : 0; }
  /// An interrupt has been raised and not yet arrived.
  bool interrupt_arriving() const { return !arriving_.empty(); }

  /// Checkpoints: interrupt counts and the ones not yet waited for. Taken when no interrupt is on
  /// its way and no access is in progress (else CheckpointError); threads and handlers are not
  /// state: the restored driver registers its handlers again.
  void persist(checkpoint::Archive& a);

 private:
  void dispatch();
  bool transact(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned len);
  struct ThreadTime {
    const sc_core::sc_object* thread;
    sc_core::sc_time ahead;      // CPU time not yet handed to the kernel
    sc_core::sc_time stores_at;  // when the thread's last posted store lands
    // Interrupt-wait timeouts: one event per thread, re-armed only when no notification that
    // ends the wait in time is pending (a timeout per wait would leave a cancelled timed event
    // in the kernel's queue for every interrupt).
    std::unique_ptr<sc_core::sc_event> deadline = std::make_unique<sc_core::sc_event>();
    sc_core::sc_time deadline_at;
    std::vector<std::unique_ptr<sc_core::sc_event_or_list>> waits;  // per vector: interrupt | deadline
  };
  ThreadTime& thread();
  void advance(const sc_core::sc_time& t);

  sc_core::sc_time op_cost_;
  // The time resolution (a power of ten) as one of these; the other is 0.
  uint64_t ticks_per_ns_ = 0, ns_per_tick_ = 0;
  tlm::tlm_generic_payload payload_;
  bool payload_busy_ = false;
  std::deque<ThreadTime> threads_;  // stable references
  std::vector<uint64_t> counts_;
  std::vector<uint64_t> pending_;
  std::vector<std::unique_ptr<sc_core::sc_event>> events_;
  std::map<unsigned, std::function<void(unsigned)>> handlers_;
  struct Arrival {
    sc_core::sc_time when;
    uint64_t seq;
    unsigned vector;
    bool operator>(const Arrival& o) const { return when != o.when ? when > o.when : seq > o.seq; }
  };
  std::vector<Arrival> arriving_;  // min-heap by (when, seq)
  uint64_t arrival_seq_ = 0;
  sc_core::sc_event arrival_;
};

}  // namespace scnvme::platform
