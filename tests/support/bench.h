// Test bench: a controller wired to host memory, an MSI sink, an INTx signal and an initiator that
// plays the host (configuration and BAR0 accesses from a thread), plus bare-metal driver steps.
// One bench per process: SystemC elaborates once (CTest runs each test case in its own process).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "scnvme/controller.h"
#include "scnvme/spec/nvme_command.h"
#include "scnvme/spec/nvme_registers.h"
#include "scnvme/spec/pci.h"
#include "protocol_checker.h"
#include "queue_monitor.h"
#include "support/host_memory.h"

namespace scnvme::test {

constexpr uint64_t kMsiBase = 0xFEE00000;  // MSI-X vector v is programmed to kMsiBase + 4v, data v

struct HostQueue {
  uint16_t id = 0;
  uint64_t base = 0;
  uint32_t size = 0;
  uint32_t index = 0;  // SQ: tail; CQ: head
  bool phase = true;   // CQ: expected phase
};

class Bench : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Bench> bar0_init;
  tlm_utils::simple_initiator_socket<Bench> cfg_init;
  Controller nvme;
  HostMemory mem;
  MsiSink msi;
  sc_core::sc_signal<bool> intx;
  /// Stands in for the controller on the MSI sink's socket when `msi` stays unbound (a target
  /// socket must be bound for elaboration to succeed); it never sends anything.
  std::unique_ptr<tlm_utils::simple_initiator_socket<Bench>> msi_unused;
  /// Base-protocol checkers on the controller's sockets (platforms/protocol_checker.h): the
  /// controller's side of every transaction is checked; on bar0/pci_cfg the bench's own
  /// transactions are not (tests send odd ones on purpose). msi_check only with bind_msi.
  std::unique_ptr<platform::ProtocolChecker> bar0_check, cfg_check, dma_check, msi_check;
  /// NVMe queue-protocol monitor (platforms/queue_monitor.h): every fetch and CQE is checked.
  std::unique_ptr<platform::QueueMonitor> queue_monitor;

  Bench(const sc_core::sc_module_name& n, const ControllerConfig& cfg, bool bind_msi = true, bool bind_intx = true);

  /// Runs `body` in a thread at time 0; stops the simulation when it returns or at `limit`.
  void run(std::function<void(Bench&)> body, sc_core::sc_time limit = sc_core::sc_time(1, sc_core::SC_SEC));
  /// Sets the host body without starting the simulation: for a second bench in the same
  /// simulation, whose body runs when another bench's run() starts it. Each body's return stops
  /// the simulation, so bodies that share one should wait for each other before returning.
  void set_body(std::function<void(Bench&)> body) { body_ = std::move(body); }

  // --- raw accesses (from the body thread; they wait for the annotated delay) ---
  tlm::tlm_response_status access(tlm_utils::simple_initiator_socket<Bench>& s, tlm::tlm_command cmd, uint64_t addr,
                                  uint8_t* data, unsigned len, const uint8_t* be = nullptr, unsigned be_len = 0);
  uint32_t cfg_read(uint32_t off, unsigned len);
  void cfg_write(uint32_t off, unsigned len, uint32_t value);
  uint32_t rd32(uint32_t off);
  uint64_t rd64(uint32_t off);
  void wr32(uint32_t off, uint32_t value);
  void wr64(uint32_t off, uint64_t value);

  // --- host memory ---
  uint64_t alloc(uint64_t size, uint64_t align = 4096);

  // --- driver steps ---
  /// Memory Space + Bus Master enable; with `msix`, enable MSI-X and program/unmask every vector.
  void pci_setup(bool msix = true);
  /// AQA/ASQ/ACQ, CC (EN, IOSQES 6, IOCQES 4, MPS 0), wait for RDY. False on timeout or CFS.
  bool enable(uint32_t asq_entries = 32, uint32_t acq_entries = 32, uint32_t cc_extra = 0);
  bool wait_ready(bool value, sc_core::sc_time timeout = sc_core::sc_time(10, sc_core::SC_MS));
  /// Places an SQE in queue `sqid` (assigning a CID when cid < 0) and rings its doorbell.
  uint16_t submit(uint16_t sqid, spec::Sqe sqe, int cid = -1, bool ring = true);
  void ring_sq(uint16_t sqid);
  /// Waits for the next CQE on `cqid`; rings the CQ head doorbell. Fails the test on timeout.
  spec::Cqe wait_cqe(uint16_t cqid, sc_core::sc_time timeout = sc_core::sc_time(1, sc_core::SC_MS), bool ring = true);
  bool cqe_available(uint16_t cqid);
  /// Submit on the admin queue and wait for its completion.
  spec::Cqe admin(spec::Sqe sqe);
  /// Identify into a fresh buffer; returns the CQE and fills `out` (4096 bytes).
  spec::Cqe identify(uint8_t cns, uint32_t nsid, std::vector<uint8_t>& out);
  spec::Cqe create_cq(uint16_t qid, uint32_t entries, uint16_t vector, bool ien = true);
  spec::Cqe create_sq(uint16_t qid, uint32_t entries, uint16_t cqid);
  spec::Cqe set_features(uint8_t fid, uint32_t cdw11, uint32_t nsid = 0);
  spec::Cqe get_features(uint8_t fid, uint8_t sel = 0, uint32_t cdw11 = 0, uint32_t nsid = 0);

  std::map<uint16_t, HostQueue> sqs, cqs;

 private:
  void thread();
  std::function<void(Bench&)> body_;
  uint64_t next_free_ = 0x10000;
  uint16_t next_cid_ = 1;
};

/// Convenience: an SQE with opcode and CDW10/11.
spec::Sqe make_sqe(uint8_t opcode, uint32_t cdw10 = 0, uint32_t cdw11 = 0, uint32_t nsid = 0);

/// gtest helper: status as "SCT/SC name".
std::string describe(spec::Status s);

}  // namespace scnvme::test

#define EXPECT_STATUS(cqe, expected)                                                                  \
  EXPECT_TRUE((cqe).status().is(expected)) << "got " << ::scnvme::test::describe((cqe).status())     \
                                           << ", expected " << ::scnvme::test::describe(expected)
