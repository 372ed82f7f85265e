// I/O queue management and the queues' behaviour (NVMe Base 2.0, 5.4-5.7 Create/Delete I/O CQ/SQ;
// 4.6 completion queue entries: SQ ID, SQ head, CID, phase tag; 3.3.1.2 full queues).
#include <map>
#include <set>

#include "conformance/host_steps.h"

using namespace scnvme;
using namespace scnvme::test;

namespace {

void bring_up(Bench& h, uint32_t cc_extra = 0) {
  h.pci_setup();
  ASSERT_TRUE(h.enable(32, 32, cc_extra));
}

/// An I/O command that completes with Invalid Command Opcode: enough to exercise queues.
spec::Sqe io_command() { return make_sqe(kUndefinedIoOpcode, 0, 0, 1); }

}  // namespace

TEST(AdminQueues, CreateIoCqErrors) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    // 4 I/O queue pairs allocated (0-based 3); MSI-X has 65 vectors, CAP.MQES = 1023.
    EXPECT_STATUS(h.set_features(spec::feature::kNumberOfQueues, spec::feature::number_of_queues(3, 3)), st::kSuccess);
    EXPECT_STATUS(h.create_cq(1, 16, 1), st::kSuccess);
    run_admin_cases(h, {
        {"QID 0 (the admin CQ)", create_cq_sqe(h, 0, 16, 1), st::kInvalidQueueIdentifier},
        {"QID beyond the allocated 4", create_cq_sqe(h, 5, 16, 1), st::kInvalidQueueIdentifier},
        {"QID beyond max_io_queues", create_cq_sqe(h, 65, 16, 1), st::kInvalidQueueIdentifier},
        {"QID FFFFh", create_cq_sqe(h, 0xFFFF, 16, 1), st::kInvalidQueueIdentifier},
        {"QID that already exists", create_cq_sqe(h, 1, 16, 1), st::kInvalidQueueIdentifier},
        {"QSIZE 0 (one entry)", create_cq_sqe(h, 2, 1, 1), st::kInvalidQueueSize},
        {"QSIZE above CAP.MQES", create_cq_sqe(h, 2, 1025, 1), st::kInvalidQueueSize},
        {"IV 65 with 65 MSI-X vectors", create_cq_sqe(h, 2, 16, 65), st::kInvalidInterruptVector},
        {"IV FFFFh", create_cq_sqe(h, 2, 16, 0xFFFF), st::kInvalidInterruptVector},
        {"PC = 0 (CAP.CQR = 1)", create_cq_sqe(h, 2, 16, 1, false), st::kInvalidField},
        {"PRP1 not page aligned", create_cq_sqe(h, 2, 16, 1, true, true, 0x200), st::kPrpOffsetInvalid},
        {"QSIZE = CAP.MQES, last vector, last allocated QID", create_cq_sqe(h, 4, 1024, 64), st::kSuccess},
        {"IEN = 0", create_cq_sqe(h, 3, 2, 0, true, false), st::kSuccess},
    });
  });
}

TEST(AdminQueues, CreateIoSqErrors) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(h.set_features(spec::feature::kNumberOfQueues, spec::feature::number_of_queues(3, 3)), st::kSuccess);
    EXPECT_STATUS(h.create_cq(1, 16, 1), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 16, 1), st::kSuccess);
    run_admin_cases(h, {
        {"CQID 0 (the admin CQ)", create_sq_sqe(h, 2, 16, 0), st::kCompletionQueueInvalid},
        {"CQID that does not exist", create_sq_sqe(h, 2, 16, 2), st::kCompletionQueueInvalid},
        {"CQID beyond any queue", create_sq_sqe(h, 2, 16, 0xFFFF), st::kCompletionQueueInvalid},
        {"QID 0 (the admin SQ)", create_sq_sqe(h, 0, 16, 1), st::kInvalidQueueIdentifier},
        {"QID beyond the allocated 4", create_sq_sqe(h, 5, 16, 1), st::kInvalidQueueIdentifier},
        {"QID that already exists", create_sq_sqe(h, 1, 16, 1), st::kInvalidQueueIdentifier},
        {"QSIZE 0", create_sq_sqe(h, 2, 1, 1), st::kInvalidQueueSize},
        {"QSIZE above CAP.MQES", create_sq_sqe(h, 2, 1025, 1), st::kInvalidQueueSize},
        {"PC = 0", create_sq_sqe(h, 2, 16, 1, false), st::kInvalidField},
        {"PRP1 not page aligned", create_sq_sqe(h, 2, 16, 1, true, 0x100), st::kPrpOffsetInvalid},
        {"second SQ on the same CQ", create_sq_sqe(h, 2, 16, 1), st::kSuccess},
        {"QSIZE = CAP.MQES on the last allocated QID", create_sq_sqe(h, 4, 1024, 1), st::kSuccess},
    });
  });
}

TEST(AdminQueues, UnsupportedEntrySizesAreInvalidQueueSize) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h, 1u << 20);  // CC.IOCQES = 5 (32-byte CQEs): Identify CQES allows only 4
    EXPECT_STATUS(h.create_cq(1, 16, 1), st::kInvalidQueueSize);
    // Reset and enable again with CC.IOSQES = 7 (128-byte SQEs) and the right IOCQES.
    h.wr32(spec::reg::kCc, 0);
    ASSERT_TRUE(h.wait_ready(false));
    ASSERT_TRUE(h.enable(32, 32, 1u << 16));
    EXPECT_STATUS(h.create_cq(1, 16, 1), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 16, 1), st::kInvalidQueueSize);
  });
}

TEST(AdminQueues, DeleteRules) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(h.create_cq(1, 16, 1), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 16, 1), st::kSuccess);
    run_admin_cases(h, {
        {"delete CQ with an SQ attached", delete_sqe(op::kDeleteIoCq, 1), st::kInvalidQueueDeletion},
        {"delete the admin CQ", delete_sqe(op::kDeleteIoCq, 0), st::kInvalidQueueIdentifier},
        {"delete the admin SQ", delete_sqe(op::kDeleteIoSq, 0), st::kInvalidQueueIdentifier},
        {"delete a CQ that does not exist", delete_sqe(op::kDeleteIoCq, 9), st::kInvalidQueueIdentifier},
        {"delete an SQ that does not exist", delete_sqe(op::kDeleteIoSq, 9), st::kInvalidQueueIdentifier},
        {"delete a CQ beyond max_io_queues", delete_sqe(op::kDeleteIoCq, 0xFFFF), st::kInvalidQueueIdentifier},
        {"delete the SQ", delete_sqe(op::kDeleteIoSq, 1), st::kSuccess},
        {"delete the SQ again", delete_sqe(op::kDeleteIoSq, 1), st::kInvalidQueueIdentifier},
        {"then its CQ", delete_sqe(op::kDeleteIoCq, 1), st::kSuccess},
        {"delete the CQ again", delete_sqe(op::kDeleteIoCq, 1), st::kInvalidQueueIdentifier},
    });
    // The identifiers are free again.
    EXPECT_STATUS(h.create_cq(1, 8, 2), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 8, 1), st::kSuccess);
    h.submit(1, io_command(), 0x77);
    const spec::Cqe c = h.wait_cqe(1);
    EXPECT_EQ(c.cid(), 0x77);
    EXPECT_EQ(c.sq_id(), 1);
  });
}

TEST(AdminQueues, SqsSharingACqAreIdentifiedInTheCqe) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(h.create_cq(1, 16, 1), st::kSuccess);
    EXPECT_STATUS(h.create_cq(2, 16, 2), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 8, 1), st::kSuccess);
    EXPECT_STATUS(h.create_sq(2, 8, 1), st::kSuccess);
    EXPECT_STATUS(h.create_sq(3, 8, 2), st::kSuccess);
    struct Sent {
      uint16_t sqid, cid, cqid;
    };
    const std::vector<Sent> sent = {{1, 0x1001, 1}, {2, 0x2001, 1}, {1, 0x1002, 1}, {3, 0x3001, 2}, {2, 0x2002, 1}};
    for (const Sent& s : sent) h.submit(s.sqid, io_command(), s.cid);
    std::map<uint16_t, spec::Cqe> by_cid;
    for (int i = 0; i < 4; ++i) {
      const spec::Cqe c = h.wait_cqe(1);
      by_cid[c.cid()] = c;
    }
    const spec::Cqe on_cq2 = h.wait_cqe(2);
    by_cid[on_cq2.cid()] = on_cq2;
    ASSERT_EQ(by_cid.size(), sent.size()) << "every CID completed exactly once";
    std::map<uint16_t, uint16_t> fetched;  // per SQ: entries fetched so far
    for (const Sent& s : sent) {
      SCOPED_TRACE("CID " + std::to_string(s.cid));
      const spec::Cqe& c = by_cid.at(s.cid);
      EXPECT_EQ(c.sq_id(), s.sqid);
      EXPECT_STATUS(c, st::kInvalidCommandOpcode);
      EXPECT_GE(c.sq_head(), ++fetched[s.sqid]) << "SQ head covers the command itself";
      EXPECT_LE(c.sq_head(), s.sqid == 3 ? 1 : 2);
    }
    EXPECT_FALSE(h.cqe_available(1));
    EXPECT_FALSE(h.cqe_available(2));
  });
}

TEST(AdminQueues, PhaseTagInvertsOnEveryWrapAndSqHeadAdvances) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    constexpr uint32_t kCqEntries = 4, kSqEntries = 8;
    EXPECT_STATUS(h.create_cq(1, kCqEntries, 1), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, kSqEntries, 1), st::kSuccess);
    for (uint32_t i = 0; i < 11; ++i) {
      SCOPED_TRACE("completion " + std::to_string(i));
      const uint16_t cid = static_cast<uint16_t>(0xC000 + i);
      h.submit(1, io_command(), cid);
      const uint32_t slot = h.cqs.at(1).index;
      const spec::Cqe c = h.wait_cqe(1);
      EXPECT_EQ(slot, i % kCqEntries);
      EXPECT_EQ(c.phase(), (i / kCqEntries) % 2 == 0) << "phase 1 on the first pass, inverted on each wrap";
      EXPECT_EQ(c.cid(), cid);
      EXPECT_EQ(c.sq_id(), 1);
      EXPECT_EQ(c.sq_head(), (i + 1) % kSqEntries);
    }
  });
}

TEST(AdminQueues, FullCqHoldsCompletionsUntilTheHostFreesSlots) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    constexpr uint32_t kCqEntries = 4;  // a full CQ holds 3 entries
    EXPECT_STATUS(h.create_cq(1, kCqEntries, 1), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 16, 1), st::kSuccess);
    for (uint16_t cid = 1; cid <= 8; ++cid) h.submit(1, io_command(), cid, false);
    h.ring_sq(1);
    wait_us(50);

    std::multiset<uint16_t> seen;
    for (int i = 0; i < 3; ++i) seen.insert(h.wait_cqe(1, sc_core::sc_time(1, sc_core::SC_MS), false).cid());
    const std::vector<uint8_t> snapshot(h.mem.at(h.cqs.at(1).base), h.mem.at(h.cqs.at(1).base) + 16 * kCqEntries);
    EXPECT_TRUE(all_bytes(&snapshot[48], 16, 0)) << "the fourth entry stays free while the CQ is full";
    wait_us(50);  // consumed but not released: still full for the controller
    EXPECT_TRUE(std::equal(snapshot.begin(), snapshot.end(), h.mem.at(h.cqs.at(1).base))) << "nothing overwritten";

    ring_cq(h, 1);  // head 3: entries 3, 0, 1 become free
    for (int i = 0; i < 3; ++i) seen.insert(h.wait_cqe(1, sc_core::sc_time(1, sc_core::SC_MS), false).cid());
    wait_us(50);
    EXPECT_FALSE(h.cqe_available(1)) << "entry 2 is still owned by the host";
    ring_cq(h, 1);
    for (int i = 0; i < 2; ++i) seen.insert(h.wait_cqe(1).cid());
    EXPECT_EQ(seen, (std::multiset<uint16_t>{1, 2, 3, 4, 5, 6, 7, 8}));
    wait_us(20);
    EXPECT_FALSE(h.cqe_available(1));
  });
}

TEST(AdminQueues, DeleteSqWithUnfetchedEntriesCompletes) {
  ControllerConfig cfg;
  cfg.command_slots = 1;  // the Delete occupies the only slot: SQ 1's entries stay unfetched
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(h.create_cq(1, 16, 1), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 16, 1), st::kSuccess);
    for (uint16_t cid = 1; cid <= 4; ++cid) h.submit(1, io_command(), cid, false);
    const uint16_t del = h.submit(0, delete_sqe(op::kDeleteIoSq, 1));
    h.ring_sq(1);
    const spec::Cqe c = h.wait_cqe(0);
    EXPECT_EQ(c.cid(), del);
    EXPECT_STATUS(c, st::kSuccess);
    wait_us(20);
    // Commands of the deleted SQ either never complete or complete as aborted.
    while (h.cqe_available(1)) EXPECT_STATUS(h.wait_cqe(1), st::kAbortedSqDeletion);
    EXPECT_STATUS(h.admin(delete_sqe(op::kDeleteIoCq, 1)), st::kSuccess);
    wait_us(5);  // the last CQE write's own latency
    EXPECT_EQ(h.nvme.stats().commands_fetched, h.nvme.stats().commands_completed) << "no command left behind";
  });
}
