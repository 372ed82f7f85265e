// Controller::queues(), the fetch/completion records' queue entries, and the NVMe queue-protocol
// monitor (platforms/queue_monitor.h) that every Bench carries.
#include <vector>

#include "conformance/host_steps.h"

using namespace scnvme;
using namespace scnvme::test;

#define ASSERT_STATUS_OK(cqe) ASSERT_TRUE((cqe).status().ok()) << describe((cqe).status())

namespace {

const QueueInfo* find(const std::vector<QueueInfo>& qs, bool submission, uint16_t id) {
  for (const QueueInfo& q : qs)
    if (q.submission == submission && q.id == id) return &q;
  return nullptr;
}

spec::Sqe io_command() { return make_sqe(kUndefinedIoOpcode, 0, 0, 1); }

}  // namespace

TEST(QueueInfo, ReportsTheQueuesAsTheControllerSeesThem) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    EXPECT_TRUE(h.nvme.queues().empty());
    h.pci_setup();
    ASSERT_TRUE(h.enable(32, 16));
    ASSERT_STATUS_OK(h.create_cq(1, 8, 1));
    ASSERT_STATUS_OK(h.create_sq(1, 4, 1));
    std::vector<QueueInfo> qs = h.nvme.queues();
    ASSERT_EQ(qs.size(), 4u);
    const QueueInfo* asq = find(qs, true, 0);
    const QueueInfo* acq = find(qs, false, 0);
    const QueueInfo* sq = find(qs, true, 1);
    const QueueInfo* cq = find(qs, false, 1);
    ASSERT_TRUE(asq && acq && sq && cq);
    EXPECT_EQ(asq->base, h.sqs[0].base);
    EXPECT_EQ(asq->entries, 32u);
    EXPECT_EQ(acq->entries, 16u);
    EXPECT_EQ(acq->tail, 2u);  // two admin commands answered (Create CQ, Create SQ)
    EXPECT_EQ(asq->head, 2u);
    EXPECT_EQ(asq->tail, 2u);
    EXPECT_EQ(sq->cqid, 1u);
    EXPECT_EQ(sq->entries, 4u);
    EXPECT_EQ(sq->base, h.sqs[1].base);
    EXPECT_EQ(cq->entries, 8u);
    EXPECT_EQ(cq->vector, 1u);
    EXPECT_TRUE(cq->interrupts_enabled);
    EXPECT_TRUE(cq->phase);
    EXPECT_LT(asq->serial, sq->serial);

    // Entries of the records: SQ 1 wraps after 4 commands, CQ 1 after 8 (phase flips).
    std::vector<CommandRecord> fetched, completed;
    h.nvme.on_command_fetched([&](const CommandRecord& r) { fetched.push_back(r); });
    h.nvme.on_command_complete([&](const CommandRecord& r) {
      if (r.sqid == 1) completed.push_back(r);
    });
    for (int i = 0; i < 10; ++i) {
      h.submit(1, io_command());
      h.wait_cqe(1);
    }
    ASSERT_EQ(completed.size(), 10u);
    for (unsigned i = 0; i < 10; ++i) {
      EXPECT_EQ(fetched[i].sq_entry, i % 4);
      EXPECT_EQ(fetched[i].cqid, 1u);
      EXPECT_EQ(completed[i].cq_entry, i % 8);
      EXPECT_EQ(completed[i].cid, fetched[i].cid);
    }
    qs = h.nvme.queues();
    EXPECT_FALSE(find(qs, false, 1)->phase);  // second pass
    EXPECT_EQ(find(qs, false, 1)->tail, 2u);
    EXPECT_EQ(find(qs, true, 1)->head, 2u);

    // A queue deleted and created again with the same ID is a new queue.
    const uint64_t old_serial = find(qs, true, 1)->serial;
    ASSERT_STATUS_OK(h.admin(make_sqe(spec::admin_opcode::kDeleteIoSq, 1)));
    EXPECT_FALSE(h.nvme.queue(true, 1).has_value());
    ASSERT_STATUS_OK(h.create_sq(1, 4, 1));
    EXPECT_GT(h.nvme.queue(true, 1)->serial, old_serial);
    EXPECT_EQ(h.queue_monitor->violations(), 0u);
  });
}

// Every command fetched is answered or held: a hung command is outstanding and in flight until
// an Abort answers it.
TEST(QueueMonitor, CountsOutstandingCommandsAgainstTheControllersInFlight) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup();
    ASSERT_TRUE(h.enable());
    ASSERT_STATUS_OK(h.create_cq(1, 8, 1));
    ASSERT_STATUS_OK(h.create_sq(1, 8, 1));
    CommandDelay hang;
    hang.match.sqid = 1;
    hang.never = true;
    h.nvme.inject(hang);
    const uint16_t cid = h.submit(1, io_command());
    sc_core::wait(20, sc_core::SC_US);
    EXPECT_EQ(h.queue_monitor->outstanding(), 1u);
    h.queue_monitor->check_pending();
    ASSERT_STATUS_OK(h.admin(make_sqe(spec::admin_opcode::kAbort, static_cast<uint32_t>(cid) << 16 | 1)));
    EXPECT_STATUS(h.wait_cqe(1), st::kAbortRequested);
    EXPECT_EQ(h.queue_monitor->outstanding(), 0u);
    h.queue_monitor->check_pending();
    EXPECT_EQ(h.queue_monitor->violations(), 0u);
    EXPECT_EQ(h.queue_monitor->fetches(), h.queue_monitor->completions());
  });
}

// What the monitor reports when host memory does not hold what the controller says it wrote: a
// monitor reading through a corrupting view sees wrong phase tags and CIDs.
TEST(QueueMonitor, ReportsACqeThatDisagreesWithTheCommand) {
  sc_core::sc_report_handler::set_actions("scnvme/protocol", sc_core::SC_LOG);  // counted, not thrown
  Bench b("bench", ControllerConfig{});
  platform::QueueMonitor skewed("skewed", b.nvme, [&](uint64_t a, void* p, std::size_t len) {
    b.mem.read(a, p, len);
    static_cast<uint8_t*>(p)[len - 2] ^= 1;  // the phase tag of a CQE; a byte of an SQE's PRP
    return true;
  });
  b.run([&](Bench& h) {
    h.pci_setup();
    ASSERT_TRUE(h.enable());
    h.get_features(spec::feature::kArbitration);
  });
  EXPECT_GT(skewed.violations(), 0u);
  ASSERT_FALSE(skewed.findings().empty());
  EXPECT_NE(skewed.findings().front().find("phase tag 0 on a pass whose tag is 1"), std::string::npos) << skewed.findings().front();
  EXPECT_EQ(b.queue_monitor->violations(), 0u);
}

// An Asynchronous Event Request leaves its command slot while it waits for an event: it is still a
// command the controller holds, in the admin SQ's in-flight count.
TEST(QueueMonitor, AnOutstandingAsyncEventRequestIsHeld) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup();
    ASSERT_TRUE(h.enable());
    h.submit(0, make_sqe(spec::admin_opcode::kAsyncEventRequest));
    sc_core::wait(20, sc_core::SC_US);
    EXPECT_EQ(h.nvme.queue(true, 0)->in_flight, 1u);
    EXPECT_EQ(h.queue_monitor->outstanding(), 1u);
    h.queue_monitor->check_pending();
    EXPECT_EQ(h.queue_monitor->violations(), 0u);
  });
}

// An event for an outstanding Asynchronous Event Request while the admin CQ is full: the AER
// leaves its parking place and waits for CQ space, still held by the controller.
TEST(QueueMonitor, AnAsyncEventRequestWaitingForCqSpaceIsHeld) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup();
    ASSERT_TRUE(h.enable(8, 2));  // an admin CQ of 2 entries holds one completion
    h.submit(0, make_sqe(spec::admin_opcode::kAsyncEventRequest));
    h.submit(0, make_sqe(spec::admin_opcode::kGetFeatures, spec::feature::kArbitration));  // fills the CQ
    sc_core::wait(20, sc_core::SC_US);
    // An event: a write to a doorbell of a queue that does not exist (Invalid Doorbell Register).
    h.wr32(spec::reg::kDoorbellBase + 8 * 5, 1);
    sc_core::wait(20, sc_core::SC_US);
    EXPECT_EQ(h.nvme.queue(true, 0)->in_flight, 1u);  // the AER, waiting for CQ space
    h.queue_monitor->check_pending();
    EXPECT_EQ(h.queue_monitor->violations(), 0u);
    EXPECT_STATUS(h.wait_cqe(0), st::kSuccess);  // Get Features; its head doorbell frees the entry
    const spec::Cqe aer = h.wait_cqe(0);
    EXPECT_STATUS(aer, st::kSuccess);
    EXPECT_EQ(aer.dw0() & 0x7, 0u);  // Error status
    EXPECT_EQ(h.queue_monitor->outstanding(), 0u);
    EXPECT_EQ(h.queue_monitor->violations(), 0u);
  });
}
