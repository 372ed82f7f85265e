// Device Self-test (NVMe Base 2.0, 5.9 and 8.11) and the Device Self-test log (5.16.1.7): short
// and extended operations in the background, progress, abort, one operation at a time, NSID
// checks, the 20-entry result log newest first, and what resets and power loss do to a test.
#include <string>
#include <vector>

#include "conformance/host_steps.h"

using namespace scnvme;
using namespace scnvme::test;
namespace lg = spec::log;
namespace dst = spec::log::self_test;
namespace ic = spec::id_ctrl;
namespace reg = spec::reg;

namespace {

spec::Sqe self_test_sqe(uint8_t stc, uint32_t nsid = 0) { return make_sqe(op::kDeviceSelfTest, stc, 0, nsid); }
spec::Cqe self_test(Bench& h, uint8_t stc, uint32_t nsid = 0) { return h.admin(self_test_sqe(stc, nsid)); }

struct DstLog {
  uint8_t operation, completion;
  std::vector<uint8_t> status;  // 20 entries' status bytes, newest first
  std::vector<uint8_t> bytes;
};
DstLog dst_log(Bench& h) {
  const LogRead r = read_log(h, lg::kDeviceSelfTest, dst::kSize);
  EXPECT_STATUS(r.cqe, st::kSuccess);
  DstLog l{r.bytes[dst::kCurrentOperation], r.bytes[dst::kCurrentCompletion], {}, r.bytes};
  for (unsigned i = 0; i < dst::kMaxResults; ++i) l.status.push_back(r.bytes[dst::result(i) + dst::kStatus]);
  return l;
}

void bring_up(Bench& h) {
  h.pci_setup();
  ASSERT_TRUE(h.enable());
}

void wait_ms(double ms) { sc_core::wait(sc_core::sc_time(ms, sc_core::SC_MS)); }

ControllerConfig quick() {
  ControllerConfig cfg;
  cfg.self_test_short_ms = 100;
  cfg.self_test_extended_ms = 200;
  return cfg;
}

}  // namespace

TEST(SelfTest, IdentifyAndSupportedLogPages) {
  ControllerConfig cfg;
  cfg.self_test_extended_ms = 150000;  // 2.5 minutes: EDSTT 3
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    std::vector<uint8_t> id;
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, id), st::kSuccess);
    EXPECT_TRUE(spec::get_le16(&id[ic::kOacs]) & ic::kOacsSelfTest);
    EXPECT_EQ(spec::get_le16(&id[ic::kEdstt]), 3);
    const LogRead r = read_log(h, lg::kSupportedLogPages, 1024);
    EXPECT_EQ(spec::get_le32(&r.bytes[4 * lg::kDeviceSelfTest]), 1u);
    // Nothing run yet: no operation, every entry unused.
    const DstLog l = dst_log(h);
    EXPECT_EQ(l.operation, 0);
    EXPECT_EQ(l.completion, 0);
    for (unsigned i = 0; i < dst::kMaxResults; ++i) EXPECT_EQ(l.status[i], dst::kUnused) << "entry " << i;
  });
}

TEST(SelfTest, ShortOperationRunsInTheBackground) {
  Bench b("bench", quick());
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(self_test(h, dst::kShort), st::kSuccess) << "completes at once";
    DstLog l = dst_log(h);
    EXPECT_EQ(l.operation, dst::kShort);
    EXPECT_LE(l.completion, 2);
    wait_ms(50);
    l = dst_log(h);
    EXPECT_EQ(l.operation, dst::kShort);
    EXPECT_GE(l.completion, 49);
    EXPECT_LE(l.completion, 52);
    EXPECT_EQ(l.status[0], dst::kUnused) << "no result before it ends";
    // One operation at a time.
    run_admin_cases(h, {{"second short", self_test_sqe(dst::kShort), st::kDeviceSelfTestInProgress},
                        {"extended meanwhile", self_test_sqe(dst::kExtended, 1), st::kDeviceSelfTestInProgress}});
    wait_ms(55);
    l = dst_log(h);
    EXPECT_EQ(l.operation, 0);
    EXPECT_EQ(l.completion, 0);
    EXPECT_EQ(l.status[0], dst::status(dst::kShort, dst::kCompleted));
    EXPECT_EQ(l.bytes[dst::result(0) + dst::kValidInfo], 0) << "no failure: no diagnostic fields";
    EXPECT_EQ(l.status[1], dst::kUnused);
    // Another may start now.
    EXPECT_STATUS(self_test(h, dst::kExtended, spec::kBroadcastNsid), st::kSuccess);
    EXPECT_EQ(dst_log(h).operation, dst::kExtended);
    wait_ms(210);
    l = dst_log(h);
    EXPECT_EQ(l.status[0], dst::status(dst::kExtended, dst::kCompleted));
    EXPECT_EQ(l.status[1], dst::status(dst::kShort, dst::kCompleted));
  });
}

TEST(SelfTest, AbortEndsTheOperation) {
  Bench b("bench", quick());
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(self_test(h, dst::kAbort), st::kSuccess) << "nothing to abort";
    EXPECT_EQ(dst_log(h).status[0], dst::kUnused) << "and nothing recorded";
    EXPECT_STATUS(self_test(h, dst::kExtended, 1), st::kSuccess);
    wait_ms(20);
    EXPECT_STATUS(self_test(h, dst::kAbort, 0), st::kSuccess);
    DstLog l = dst_log(h);
    EXPECT_EQ(l.operation, 0);
    EXPECT_EQ(l.status[0], dst::status(dst::kExtended, dst::kAbortedByCommand));
    wait_ms(250);
    l = dst_log(h);
    EXPECT_EQ(l.status[0], dst::status(dst::kExtended, dst::kAbortedByCommand)) << "its end never comes";
    EXPECT_EQ(l.status[1], dst::kUnused);
  });
}

TEST(SelfTest, CommandFieldsAndNamespaces) {
  ControllerConfig cfg = quick();
  cfg.self_test_short_ms = 1;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    spec::Sqe reserved = self_test_sqe(dst::kShort);
    reserved.set_dw(10, reserved.cdw10() | 1u << 8);
    run_admin_cases(h, {
        {"STC 0h (reserved)", self_test_sqe(0), st::kInvalidField},
        {"STC 3h (reserved)", self_test_sqe(3), st::kInvalidField},
        {"STC Eh (vendor specific, not supported)", self_test_sqe(dst::kVendor), st::kInvalidField},
        {"CDW10 reserved bit 8", reserved, st::kInvalidField},
        {"inactive NSID 2", self_test_sqe(dst::kShort, 2), st::kInvalidNamespaceOrFormat},
        {"NSID beyond NN", self_test_sqe(dst::kShort, 0xFFFFFFFEu), st::kInvalidNamespaceOrFormat},
    });
    EXPECT_EQ(dst_log(h).operation, 0) << "nothing started";
    // No namespace, every namespace, one namespace.
    for (uint32_t nsid : {0u, spec::kBroadcastNsid, 1u}) {
      SCOPED_TRACE("NSID " + std::to_string(nsid));
      EXPECT_STATUS(self_test(h, dst::kShort, nsid), st::kSuccess);
      wait_ms(2);
    }
    const DstLog l = dst_log(h);
    for (unsigned i = 0; i < 3; ++i) EXPECT_EQ(l.status[i], dst::status(dst::kShort, dst::kCompleted));
    EXPECT_EQ(l.status[3], dst::kUnused);
  });
}

TEST(SelfTest, LogKeepsTheTwentyNewestResults) {
  ControllerConfig cfg = quick();
  cfg.self_test_short_ms = 1;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    // 23 operations: short ones complete, extended ones are aborted.
    for (unsigned i = 0; i < 23; ++i) {
      if (i % 2 == 0) {
        EXPECT_STATUS(self_test(h, dst::kShort), st::kSuccess);
        wait_ms(2);
      } else {
        EXPECT_STATUS(self_test(h, dst::kExtended), st::kSuccess);
        EXPECT_STATUS(self_test(h, dst::kAbort), st::kSuccess);
      }
    }
    const DstLog l = dst_log(h);
    for (unsigned i = 0; i < dst::kMaxResults; ++i) {
      const unsigned op_index = 22 - i;  // newest first
      EXPECT_EQ(l.status[i], op_index % 2 == 0 ? dst::status(dst::kShort, dst::kCompleted)
                                               : dst::status(dst::kExtended, dst::kAbortedByCommand))
          << "entry " << i;
    }
  });
}

TEST(SelfTest, ControllerResetAbortsAShortOperationNotAnExtendedOne) {
  Bench b("bench", quick());
  b.run([](Bench& h) {
    bring_up(h);
    auto reset = [&] {
      h.wr32(reg::kCc, h.rd32(reg::kCc) & ~reg::cc::kEn);
      ASSERT_TRUE(h.wait_ready(false));
      ASSERT_TRUE(h.enable());
    };
    EXPECT_STATUS(self_test(h, dst::kShort), st::kSuccess);
    wait_ms(10);
    reset();
    DstLog l = dst_log(h);
    EXPECT_EQ(l.operation, 0);
    EXPECT_EQ(l.status[0], dst::status(dst::kShort, dst::kAbortedByReset));

    EXPECT_STATUS(self_test(h, dst::kExtended), st::kSuccess);
    wait_ms(50);
    reset();
    l = dst_log(h);
    EXPECT_EQ(l.operation, dst::kExtended) << "an extended operation persists across the reset";
    EXPECT_GE(l.completion, 25);
    wait_ms(160);
    l = dst_log(h);
    EXPECT_EQ(l.operation, 0);
    EXPECT_EQ(l.status[0], dst::status(dst::kExtended, dst::kCompleted));
    EXPECT_EQ(l.status[1], dst::status(dst::kShort, dst::kAbortedByReset));
  });
}

TEST(SelfTest, ExtendedOperationSurvivesPowerLoss) {
  Bench b("bench", quick());
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(self_test(h, dst::kExtended), st::kSuccess);
    wait_ms(50);
    h.nvme.power_loss();
    h.sqs.clear();
    h.cqs.clear();
    bring_up(h);
    EXPECT_EQ(dst_log(h).operation, dst::kExtended);
    wait_ms(160);
    const DstLog l = dst_log(h);
    EXPECT_EQ(l.operation, 0);
    EXPECT_EQ(l.status[0], dst::status(dst::kExtended, dst::kCompleted));
  });
}

TEST(SelfTest, DeviceSelfTestOff) {
  ControllerConfig cfg;
  cfg.device_self_test = false;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    std::vector<uint8_t> id;
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, id), st::kSuccess);
    EXPECT_EQ(spec::get_le16(&id[ic::kOacs]) & ic::kOacsSelfTest, 0);
    EXPECT_EQ(spec::get_le16(&id[ic::kEdstt]), 0);
    EXPECT_STATUS(self_test(h, dst::kShort), st::kInvalidCommandOpcode);
    EXPECT_STATUS(read_log(h, lg::kDeviceSelfTest, dst::kSize).cqe, st::kInvalidLogPage);
    const LogRead r = read_log(h, lg::kSupportedLogPages, 1024);
    EXPECT_EQ(spec::get_le32(&r.bytes[4 * lg::kDeviceSelfTest]), 0u);
  });
}
