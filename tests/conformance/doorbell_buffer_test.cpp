// Doorbell Buffer Config (NVMe Base 2.0, 5.8): with shadow doorbells configured the host may update
// an I/O queue's doorbell in the Shadow Doorbell buffer only; the controller picks the value up
// before it would stop, and leaves EventIdx at what it has seen so the host's next update rings.
#include "conformance/host_steps.h"

using namespace scnvme;
using namespace scnvme::test;
namespace st = spec::status;

namespace {

spec::Sqe dbbuf_sqe(uint64_t shadow, uint64_t eventidx) {
  spec::Sqe s = make_sqe(op::kDoorbellBufferConfig);
  s.set_prp1(shadow);
  s.set_prp2(eventidx);
  return s;
}

void bring_up(Bench& h) {
  h.pci_setup();
  ASSERT_TRUE(h.enable());
}

/// Where queue `qid`'s SQ tail (or CQ head) sits in either buffer (doorbell stride 0).
uint64_t entry(uint16_t qid, bool cq) { return (2ull * qid + (cq ? 1 : 0)) * 4; }

}  // namespace

TEST(DoorbellBuffer, AdvertisedAndChecked) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    std::vector<uint8_t> id;
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, id), st::kSuccess);
    EXPECT_TRUE(spec::get_le16(&id[spec::id_ctrl::kOacs]) & spec::id_ctrl::kOacsDoorbellBuffer);
    const uint64_t page = h.alloc(8192);
    EXPECT_STATUS(h.admin(dbbuf_sqe(page + 8, page + 4096)), st::kInvalidField) << "shadow buffer not page aligned";
    EXPECT_STATUS(h.admin(dbbuf_sqe(page, page + 4096 + 4)), st::kInvalidField) << "EventIdx buffer not page aligned";
    EXPECT_STATUS(h.admin(dbbuf_sqe(0, page + 4096)), st::kInvalidField);
    EXPECT_STATUS(h.admin(dbbuf_sqe(page, page + 4096)), st::kSuccess);
  });
}

TEST(DoorbellBuffer, ShadowOnlyUpdatesAreFetchedAndEventIdxFollows) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const uint64_t shadow = h.alloc(4096), eventidx = h.alloc(4096);
    EXPECT_STATUS(h.admin(dbbuf_sqe(shadow, eventidx)), st::kSuccess);
    EXPECT_STATUS(h.create_cq(1, 16, 1), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 16, 1), st::kSuccess);
    // Two commands: the shadow tail says 2, the MMIO doorbell is rung with 1 only (as a host does
    // whose second update found EventIdx not passed).
    h.submit(1, make_sqe(kUndefinedIoOpcode, 0, 0, 1), 0x11, false);
    h.submit(1, make_sqe(kUndefinedIoOpcode, 0, 0, 1), 0x22, false);
    spec::put_le32(h.mem.at(shadow + entry(1, false)), 2);
    h.wr32(spec::reg::sq_tail_doorbell(1, 0), 1);
    const spec::Cqe a = h.wait_cqe(1, sc_core::sc_time(1, sc_core::SC_MS), false);
    const spec::Cqe c = h.wait_cqe(1, sc_core::sc_time(1, sc_core::SC_MS), false);
    EXPECT_EQ(a.cid() ^ c.cid(), 0x11 ^ 0x22) << "both commands ran, the second from the shadow doorbell alone";
    wait_us(20);
    EXPECT_EQ(spec::get_le32(h.mem.at(eventidx + entry(1, false))), 2u) << "EventIdx: the tail the controller saw";
  });
}

TEST(DoorbellBuffer, FullCompletionQueueSeesAShadowHead) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const uint64_t shadow = h.alloc(4096), eventidx = h.alloc(4096);
    EXPECT_STATUS(h.admin(dbbuf_sqe(shadow, eventidx)), st::kSuccess);
    EXPECT_STATUS(h.create_cq(1, 2, 1), st::kSuccess);  // one usable entry
    EXPECT_STATUS(h.create_sq(1, 16, 1), st::kSuccess);
    h.submit(1, make_sqe(kUndefinedIoOpcode, 0, 0, 1), 0x11, false);
    spec::put_le32(h.mem.at(shadow + entry(1, false)), 1);
    h.wr32(spec::reg::sq_tail_doorbell(1, 0), 1);
    const spec::Cqe a = h.wait_cqe(1, sc_core::sc_time(1, sc_core::SC_MS), false);
    EXPECT_EQ(a.cid(), 0x11);
    // The host consumes the entry and updates only the shadow head; the MMIO head stays at 0, so
    // to the controller the CQ still looks full.
    spec::put_le32(h.mem.at(shadow + entry(1, true)), 1);
    h.submit(1, make_sqe(kUndefinedIoOpcode, 0, 0, 1), 0x22, false);
    spec::put_le32(h.mem.at(shadow + entry(1, false)), 2);
    h.wr32(spec::reg::sq_tail_doorbell(1, 0), 2);
    const spec::Cqe c = h.wait_cqe(1, sc_core::sc_time(1, sc_core::SC_MS), false);
    EXPECT_EQ(c.cid(), 0x22) << "posted once the controller read the shadow head";
  });
}
