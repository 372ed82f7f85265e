// The platform's MSI/MSI-X interrupt controller. Devices write 4-byte messages into its window;
// the message data carries the platform vector number, which is raised to the CPU. Anything else
// in the window (reads, other sizes, vectors beyond the table) is counted and refused.
#pragma once

#include <cstdint>
#include <functional>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "scnvme/checkpoint.h"

namespace scnvme::platform {

class MsiController : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<MsiController> socket;

  MsiController(const sc_core::sc_module_name& name, unsigned vectors);

  /// Called with the platform vector and the delay after which the interrupt reaches the CPU.
  void on_interrupt(std::function<void(unsigned vector, const sc_core::sc_time& delay)> deliver) {
    deliver_ = std::move(deliver);
  }

  unsigned vectors() const { return vectors_; }
  uint64_t delivered() const { return delivered_; }
  uint64_t unknown_vectors() const { return unknown_; }  // data beyond the vector table
  uint64_t spurious() const { return spurious_; }        // reads, wrong sizes, byte enables
  /// Checkpoints: the counters.
  void persist(checkpoint::Archive& a);

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  unsigned vectors_;
  std::function<void(unsigned, const sc_core::sc_time&)> deliver_;
  uint64_t delivered_ = 0, unknown_ = 0, spurious_ = 0;
};

}  // namespace scnvme::platform
