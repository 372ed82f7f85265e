// INTx and the interrupt path's integration rules (NVMe Base 2.0, 3.5.1; PCI Local Bus 3.0 6.2.2
// Command/Status registers): the INTx level follows unconsumed CQ entries, PCI Status.Interrupt
// Status mirrors it, Interrupt Disable and INTMS gate the pin; Bus Master Enable stops DMA and
// messages; a message never overtakes its CQE write; unbound `msi`/`intx` are harmless.
#include "conformance/host_steps.h"

using namespace scnvme;
using namespace scnvme::test;
namespace p = spec::pci;
namespace reg = spec::reg;

namespace {

constexpr uint16_t kMseBme = p::command::kMemorySpace | p::command::kBusMaster;

bool interrupt_status(Bench& h) { return h.cfg_read(p::kStatus, 2) & p::status::kInterruptStatus; }

/// Submits an admin Identify and waits until its CQE is visible, without consuming it.
void complete_unconsumed(Bench& h) {
  spec::Sqe s = make_sqe(op::kIdentify, spec::cns::kController);
  s.set_prp1(h.alloc(4096));
  h.submit(0, s);
  const sc_core::sc_time end = sc_core::sc_time_stamp() + sc_core::sc_time(1, sc_core::SC_MS);
  while (!h.cqe_available(0) && sc_core::sc_time_stamp() < end) wait_us(0.1);
  ASSERT_TRUE(h.cqe_available(0));
  wait_us(1);
}

/// Consumes the admin CQE and writes the CQ head doorbell.
void consume(Bench& h) {
  h.wait_cqe(0);
  wait_us(1);
}

}  // namespace

TEST(InterruptsIntx, LevelFollowsUnconsumedCompletions) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup(false);  // neither MSI-X nor MSI enabled
    ASSERT_TRUE(h.enable());
    EXPECT_FALSE(h.intx.read());
    EXPECT_FALSE(interrupt_status(h));
    complete_unconsumed(h);
    EXPECT_TRUE(h.intx.read());
    EXPECT_TRUE(interrupt_status(h)) << "PCI Status bit 3 mirrors the INTx condition";
    consume(h);
    EXPECT_FALSE(h.intx.read()) << "the CQ head doorbell consumed every entry";
    EXPECT_FALSE(interrupt_status(h));
    EXPECT_TRUE(h.msi.messages.empty()) << "no messages in INTx mode";

    // An I/O CQ without interrupts enabled does not assert INTx.
    EXPECT_STATUS(h.create_cq(1, 8, 0, false), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 8, 1), st::kSuccess);
    h.submit(1, make_sqe(kUndefinedIoOpcode, 0, 0, 1));
    while (!h.cqe_available(1)) wait_us(0.1);
    wait_us(1);
    EXPECT_FALSE(h.intx.read());
    h.wait_cqe(1);
  });
}

TEST(InterruptsIntx, InterruptDisableGatesThePinButNotTheStatus) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup(false);
    ASSERT_TRUE(h.enable());
    h.cfg_write(p::kCommand, 2, kMseBme | p::command::kInterruptDisable);
    complete_unconsumed(h);
    EXPECT_FALSE(h.intx.read());
    EXPECT_TRUE(interrupt_status(h));
    h.cfg_write(p::kCommand, 2, kMseBme);  // re-enable: the pending condition shows on the pin
    wait_us(1);
    EXPECT_TRUE(h.intx.read());
    consume(h);
    EXPECT_FALSE(h.intx.read());
    EXPECT_FALSE(interrupt_status(h));
  });
}

TEST(InterruptsIntx, IntmsBitZeroMasksIntx) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup(false);
    ASSERT_TRUE(h.enable());
    h.wr32(spec::reg::kIntms, 1);
    EXPECT_EQ(h.rd32(spec::reg::kIntms), 1u);
    complete_unconsumed(h);
    EXPECT_FALSE(h.intx.read()) << "masked by INTMS";
    h.wr32(spec::reg::kIntmc, 1);
    wait_us(1);
    EXPECT_TRUE(h.intx.read()) << "unmasked with an entry still unconsumed";
    consume(h);
    EXPECT_FALSE(h.intx.read());
  });
}

TEST(InterruptsBusMaster, ClearBmeStopsFetchesWritesAndMessages) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup();
    ASSERT_TRUE(h.enable());
    std::vector<uint8_t> id;
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, id), st::kSuccess);
    wait_us(2);
    const std::size_t accesses = h.mem.accesses.size(), messages = h.msi.messages.size();
    const uint64_t fetched = h.nvme.stats().commands_fetched;
    ASSERT_EQ(messages, 1u);

    h.cfg_write(p::kCommand, 2, p::command::kMemorySpace);  // Bus Master Enable clear
    spec::Sqe s = make_sqe(op::kIdentify, spec::cns::kController);
    s.set_prp1(h.alloc(4096));
    h.submit(0, s);
    wait_us(100);
    EXPECT_EQ(h.mem.accesses.size(), accesses) << "no DMA without Bus Master Enable";
    EXPECT_EQ(h.nvme.stats().commands_fetched, fetched) << "the SQE is not fetched";
    EXPECT_FALSE(h.cqe_available(0));
    EXPECT_EQ(h.msi.messages.size(), messages);
    EXPECT_EQ(h.rd32(reg::kCsts) & reg::csts::kCfs, 0u) << "a held fetch is not a controller failure";
    // Bus Master Enable set again: the command is fetched, completes and interrupts.
    h.cfg_write(p::kCommand, 2, kMseBme);
    const spec::Cqe c = h.wait_cqe(0);
    EXPECT_STATUS(c, st::kSuccess);
    wait_us(2);
    EXPECT_EQ(h.msi.messages.size(), messages + 1);
  });
}

TEST(InterruptsBusMaster, PendingMsixWaitsForBusMasterEnable) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup();
    const uint32_t entry0 = h.nvme.config().pci.msix_table_offset;
    h.wr32(entry0 + p::msix::kEntryControl, p::msix::kEntryMasked);
    ASSERT_TRUE(h.enable());
    std::vector<uint8_t> id;
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, id), st::kSuccess);
    wait_us(2);
    EXPECT_EQ(h.rd32(h.nvme.config().pci.msix_pba_offset), 1u);
    h.cfg_write(p::kCommand, 2, p::command::kMemorySpace);
    h.wr32(entry0 + p::msix::kEntryControl, 0);  // unmasked, but the function may not write
    wait_us(5);
    EXPECT_TRUE(h.msi.messages.empty()) << "an MSI-X message is a memory write: needs Bus Master Enable";
    EXPECT_EQ(h.rd32(h.nvme.config().pci.msix_pba_offset), 1u);
    h.cfg_write(p::kCommand, 2, kMseBme);
    wait_us(1);
    EXPECT_EQ(h.msi.messages.size(), 1u);
    EXPECT_EQ(h.rd32(h.nvme.config().pci.msix_pba_offset), 0u);
  });
}

TEST(InterruptsOrdering, MessageFollowsItsCqeWrite) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup();
    ASSERT_TRUE(h.enable());
    EXPECT_STATUS(h.create_cq(1, 8, 1), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 8, 1), st::kSuccess);
    for (int i = 0; i < 3; ++i) {
      h.submit(1, make_sqe(kUndefinedIoOpcode, 0, 0, 1));
      h.wait_cqe(1);
    }
    wait_us(2);
    // Pair the k-th write into each CQ with the k-th message of its vector.
    for (uint16_t q : {0, 1}) {
      SCOPED_TRACE("CQ " + std::to_string(q));
      const HostQueue& cq = h.cqs.at(q);
      std::vector<sc_core::sc_time> writes, sent;
      for (const auto& a : h.mem.accesses)
        if (a.command == tlm::TLM_WRITE_COMMAND && a.address >= cq.base && a.address < cq.base + 16ull * cq.size)
          writes.push_back(a.time);
      for (const auto& m : h.msi.messages)
        if (m.data == q) sent.push_back(m.time);
      ASSERT_EQ(writes.size(), q == 0 ? 2u : 3u);
      ASSERT_EQ(sent.size(), writes.size());
      for (std::size_t k = 0; k < writes.size(); ++k)
        EXPECT_GE(sent[k], writes[k] + h.mem.latency) << "message " << k << " sent before its CQE write completed";
    }
  });
}

TEST(InterruptsUnbound, CommandsCompleteWithoutMsiAndIntxBound) {
  Bench b("bench", ControllerConfig{}, /*bind_msi=*/false, /*bind_intx=*/false);
  b.run([](Bench& h) {
    h.pci_setup();  // MSI-X mode with nothing bound to `msi`
    ASSERT_TRUE(h.enable());
    std::vector<uint8_t> id;
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, id), st::kSuccess);
    EXPECT_STATUS(h.create_cq(1, 8, 1), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 8, 1), st::kSuccess);
    h.submit(1, make_sqe(kUndefinedIoOpcode, 0, 0, 1), 0x99);
    EXPECT_EQ(h.wait_cqe(1).cid(), 0x99);

    // INTx mode with nothing bound to `intx`.
    const uint32_t cap = find_capability(h, p::cap_id::kMsix);
    h.cfg_write(cap + p::msix::kControl, 2, 0);
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, id), st::kSuccess);
    wait_us(2);
    EXPECT_EQ(h.nvme.stats().commands_completed, 5u);
    EXPECT_EQ(h.nvme.stats().interrupts_sent, 0u) << "nothing written on an unbound port";
    EXPECT_TRUE(h.msi.messages.empty());
  });
}
