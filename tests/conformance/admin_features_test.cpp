// Get Features / Set Features (NVMe Base 2.0, 5.15, 5.27): round trips of every implemented
// feature, the SEL field, Save, unsupported identifiers and per-feature field checks.
#include "conformance/host_steps.h"

using namespace scnvme;
using namespace scnvme::test;
namespace ft = spec::feature;

namespace {

void bring_up(Bench& h) {
  h.pci_setup();
  ASSERT_TRUE(h.enable());
}

spec::Sqe set_sqe(uint8_t fid, uint32_t cdw11, bool save = false, uint32_t nsid = 0) {
  return make_sqe(op::kSetFeatures, fid | (save ? 1u << 31 : 0u), cdw11, nsid);
}
spec::Sqe get_sqe(uint8_t fid, uint8_t sel = ft::kSelCurrent, uint32_t cdw11 = 0) {
  return make_sqe(op::kGetFeatures, static_cast<uint32_t>(sel) << 8 | fid, cdw11);
}

constexpr uint32_t kOver = ft::kThselOver << 20, kUnder = ft::kThselUnder << 20;

/// Set a value, read it back: Get's CDW11 selects the sub-value where a feature has several.
struct RoundTrip {
  const char* what;
  uint8_t fid;
  uint32_t set_cdw11;
  uint32_t get_cdw11;
  uint32_t expected_dw0;
};

}  // namespace

TEST(AdminFeatures, SetThenGetReturnsTheNewValue) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const RoundTrip cases[] = {
        {"Arbitration AB/LPW/MPW/HPW", ft::kArbitration, 0x40302003, 0, 0x40302003},
        {"Power Management PS 0", ft::kPowerManagement, 0, 0, 0},
        {"over-temperature threshold", ft::kTemperatureThreshold, kOver | 350, kOver, kOver | 350},
        {"under-temperature threshold", ft::kTemperatureThreshold, kUnder | 273, kUnder, kUnder | 273},
        {"Error Recovery TLER", ft::kErrorRecovery, 0x10, 0, 0x10},
        {"Volatile Write Cache off", ft::kVolatileWriteCache, 0, 0, 0},
        {"Volatile Write Cache on", ft::kVolatileWriteCache, ft::kWce, 0, ft::kWce},
        {"Interrupt Coalescing THR/TIME", ft::kInterruptCoalescing, 0x0A05, 0, 0x0A05},
        {"Interrupt Vector Configuration IV 1 CD", ft::kInterruptVectorConfiguration, 1 | ft::kCoalescingDisable, 1,
         1 | ft::kCoalescingDisable},
        {"Async Event Configuration SMART warnings", ft::kAsyncEventConfiguration, 0x1F, 0, 0x1F},
    };
    for (const RoundTrip& c : cases) {
      SCOPED_TRACE(c.what);
      EXPECT_STATUS(h.set_features(c.fid, c.set_cdw11), st::kSuccess);
      const spec::Cqe g = h.get_features(c.fid, ft::kSelCurrent, c.get_cdw11);
      EXPECT_STATUS(g, st::kSuccess);
      EXPECT_EQ(g.dw0(), c.expected_dw0);
    }
    // The other sub-values are untouched.
    EXPECT_EQ(h.get_features(ft::kInterruptVectorConfiguration, 0, 2).dw0(), 2u) << "IV 2 keeps CD = 0";
    EXPECT_EQ(h.get_features(ft::kInterruptVectorConfiguration, 0, 0).dw0(), 0u | ft::kCoalescingDisable)
        << "the admin vector is never coalesced";
  });
}

TEST(AdminFeatures, InvalidRequests) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    run_admin_cases(h, {
        {"Set PS 5 (NPSS = 4)", set_sqe(ft::kPowerManagement, 5), st::kInvalidField},
        {"Set PS 31", set_sqe(ft::kPowerManagement, 31), st::kInvalidField},
        {"Set temperature TMPSEL 1 (no such sensor)", set_sqe(ft::kTemperatureThreshold, 1u << 16 | 300), st::kInvalidField},
        {"Set temperature THSEL 2 (reserved)", set_sqe(ft::kTemperatureThreshold, 2u << 20 | 300), st::kInvalidField},
        {"Get temperature TMPSEL 1", get_sqe(ft::kTemperatureThreshold, 0, 1u << 16), st::kInvalidField},
        {"Get temperature THSEL 3", get_sqe(ft::kTemperatureThreshold, 0, 3u << 20), st::kInvalidField},
        {"Set IV 0 with CD = 0", set_sqe(ft::kInterruptVectorConfiguration, 0), st::kInvalidField},
        {"Set IV 65 (65 MSI-X vectors)", set_sqe(ft::kInterruptVectorConfiguration, 65 | ft::kCoalescingDisable),
         st::kInvalidField},
        {"Get IV 65", get_sqe(ft::kInterruptVectorConfiguration, 0, 65), st::kInvalidField},
        {"Number of Queues NSQR FFFFh", set_sqe(ft::kNumberOfQueues, ft::number_of_queues(0xFFFF, 3)), st::kInvalidField},
        {"Number of Queues NCQR FFFFh", set_sqe(ft::kNumberOfQueues, ft::number_of_queues(3, 0xFFFF)), st::kInvalidField},
        {"Set Number of Queues with SV = 1", set_sqe(ft::kNumberOfQueues, 0, true), st::kFeatureIdNotSaveable},
        {"Set Keep Alive Timer with SV = 1", set_sqe(ft::kKeepAliveTimer, 0, true), st::kFeatureIdNotSaveable},
        {"Get SEL 100b (reserved)", get_sqe(ft::kArbitration, 4), st::kInvalidField},
        {"Get SEL 111b (reserved)", get_sqe(ft::kArbitration, 7), st::kInvalidField},
    });
    std::vector<AdminCase> unsupported;
    for (uint8_t fid : {uint8_t{0x00}, ft::kLbaRangeType, ft::kAutonomousPowerStateTransition, ft::kHostMemoryBuffer,
                        uint8_t{0x7F}, uint8_t{0xC0}}) {
      unsupported.push_back({"Set FID " + std::to_string(fid), set_sqe(fid, 0), st::kInvalidField});
      unsupported.push_back({"Get FID " + std::to_string(fid), get_sqe(fid), st::kInvalidField});
    }
    run_admin_cases(h, unsupported);
  });
}

TEST(AdminFeatures, SelectCurrentDefaultSavedAndCapabilities) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(h.set_features(ft::kArbitration, 0x01020303), st::kSuccess);
    EXPECT_STATUS(h.set_features(ft::kTemperatureThreshold, kOver | 330), st::kSuccess);
    EXPECT_STATUS(h.set_features(ft::kVolatileWriteCache, 0), st::kSuccess);
    struct Sel {
      const char* what;
      uint8_t fid;
      uint8_t sel;
      uint32_t cdw11;
      uint32_t expected;
    };
    const uint32_t wctemp = h.nvme.config().warning_temperature_k;
    const Sel cases[] = {
        {"arbitration current", ft::kArbitration, ft::kSelCurrent, 0, 0x01020303},
        {"arbitration default", ft::kArbitration, ft::kSelDefault, 0, 0},
        {"arbitration saved = default (nothing saved)", ft::kArbitration, ft::kSelSaved, 0, 0},
        {"temperature current", ft::kTemperatureThreshold, ft::kSelCurrent, kOver, kOver | 330},
        {"temperature default = WCTEMP", ft::kTemperatureThreshold, ft::kSelDefault, kOver, kOver | wctemp},
        {"write cache current", ft::kVolatileWriteCache, ft::kSelCurrent, 0, 0},
        {"write cache default", ft::kVolatileWriteCache, ft::kSelDefault, 0, ft::kWce},
        {"write cache saved", ft::kVolatileWriteCache, ft::kSelSaved, 0, ft::kWce},
    };
    for (const Sel& c : cases) {
      SCOPED_TRACE(c.what);
      const spec::Cqe g = h.get_features(c.fid, c.sel, c.cdw11);
      EXPECT_STATUS(g, st::kSuccess);
      EXPECT_EQ(g.dw0(), c.expected);
    }
    for (uint8_t fid : {ft::kArbitration, ft::kPowerManagement, ft::kTemperatureThreshold, ft::kVolatileWriteCache,
                        ft::kNumberOfQueues, ft::kInterruptCoalescing, ft::kAsyncEventConfiguration}) {
      SCOPED_TRACE("capabilities of FID " + std::to_string(fid));
      const spec::Cqe g = h.get_features(fid, ft::kSelSupportedCapabilities);
      EXPECT_STATUS(g, st::kSuccess);
      EXPECT_EQ(g.dw0() & ft::kCapSaveable, fid == ft::kNumberOfQueues ? 0u : ft::kCapSaveable)
          << "saveable: all but Number of Queues (tests/conformance/saved_features_test.cpp)";
      EXPECT_EQ(g.dw0() & ft::kCapNamespaceSpecific, 0u);
      EXPECT_NE(g.dw0() & ft::kCapChangeable, 0u);
    }
    EXPECT_NE(h.get_features(ft::kErrorRecovery, ft::kSelSupportedCapabilities).dw0() & ft::kCapNamespaceSpecific, 0u);
  });
}

TEST(AdminFeatures, NumberOfQueuesAllocation) {
  Bench b("bench", ControllerConfig{});  // max_io_queues 64
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_EQ(h.get_features(ft::kNumberOfQueues).dw0(), ft::number_of_queues(63, 63));
    spec::Cqe c = h.set_features(ft::kNumberOfQueues, ft::number_of_queues(1000, 2000));
    EXPECT_STATUS(c, st::kSuccess);
    EXPECT_EQ(c.dw0(), ft::number_of_queues(63, 63)) << "allocation is capped at what the controller supports";
    c = h.set_features(ft::kNumberOfQueues, ft::number_of_queues(2, 1));
    EXPECT_STATUS(c, st::kSuccess);
    EXPECT_EQ(c.dw0(), ft::number_of_queues(2, 1)) << "NSQA/NCQA are 0-based";
    EXPECT_EQ(h.get_features(ft::kNumberOfQueues).dw0(), ft::number_of_queues(2, 1));

    // 3 SQs and 2 CQs allocated.
    EXPECT_STATUS(h.create_cq(2, 8, 1), st::kSuccess);
    EXPECT_STATUS(h.create_cq(3, 8, 1), st::kInvalidQueueIdentifier);
    EXPECT_STATUS(h.create_sq(3, 8, 2), st::kSuccess);
    EXPECT_STATUS(h.create_sq(4, 8, 2), st::kInvalidQueueIdentifier);
    EXPECT_STATUS(h.set_features(ft::kNumberOfQueues, ft::number_of_queues(7, 7)), st::kCommandSequenceError)
        << "not changeable once I/O queues exist";
    EXPECT_EQ(h.get_features(ft::kNumberOfQueues).dw0(), ft::number_of_queues(2, 1));
  });
}

TEST(AdminFeatures, VolatileWriteCacheFeatureAbsentWithoutCache) {
  ControllerConfig cfg;
  cfg.volatile_write_cache = false;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    run_admin_cases(h, {
        {"Get 06h", get_sqe(ft::kVolatileWriteCache), st::kInvalidField},
        {"Set 06h", set_sqe(ft::kVolatileWriteCache, ft::kWce), st::kInvalidField},
        {"Get 06h capabilities", get_sqe(ft::kVolatileWriteCache, ft::kSelSupportedCapabilities), st::kInvalidField},
    });
  });
}

TEST(AdminFeatures, ControllerResetRestoresDefaults) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(h.set_features(ft::kArbitration, 0x01020303), st::kSuccess);
    EXPECT_STATUS(h.set_features(ft::kTemperatureThreshold, kOver | 330), st::kSuccess);
    h.wr32(spec::reg::kCc, 0);
    ASSERT_TRUE(h.wait_ready(false));
    ASSERT_TRUE(h.enable());
    EXPECT_EQ(h.get_features(ft::kArbitration).dw0(), 0u);
    EXPECT_EQ(h.get_features(ft::kTemperatureThreshold, ft::kSelCurrent, kOver).dw0(),
              kOver | h.nvme.config().warning_temperature_k);
  });
}

TEST(AdminKeepAlive, TimerExpiresWithoutKeepAliveCommands) {
  ControllerConfig cfg;
  cfg.keep_alive_granularity_100ms = 2;  // KAS: 200 ms steps
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    h.pci_setup();
    ASSERT_TRUE(h.enable());
    std::vector<uint8_t> id;
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, id), st::kSuccess);
    EXPECT_EQ(spec::get_le16(&id[spec::id_ctrl::kKas]), 2u);
    // KATO is rounded up to the granularity.
    EXPECT_STATUS(h.admin(set_sqe(ft::kKeepAliveTimer, 250)), st::kSuccess);
    spec::Cqe g = h.admin(get_sqe(ft::kKeepAliveTimer));
    EXPECT_STATUS(g, st::kSuccess);
    EXPECT_EQ(g.dw0(), 400u);
    // Keep Alive commands restart the timer: 3 x 300 ms with one every 300 ms stays alive.
    for (int i = 0; i < 3; ++i) {
      sc_core::wait(300, sc_core::SC_MS);
      EXPECT_STATUS(h.admin(make_sqe(op::kKeepAlive)), st::kSuccess);
    }
    EXPECT_EQ(h.rd32(spec::reg::kCsts) & spec::reg::csts::kCfs, 0u);
    // Then silence: the timer expires 400 ms after the last Keep Alive and the controller fails.
    sc_core::wait(390, sc_core::SC_MS);
    EXPECT_EQ(h.rd32(spec::reg::kCsts) & spec::reg::csts::kCfs, 0u);
    sc_core::wait(20, sc_core::SC_MS);
    EXPECT_NE(h.rd32(spec::reg::kCsts) & spec::reg::csts::kCfs, 0u) << "CSTS.CFS after the Keep Alive Timer expired";
  });
}

TEST(AdminKeepAlive, ZeroTimeoutDisablesTheTimer) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup();
    ASSERT_TRUE(h.enable());
    EXPECT_STATUS(h.admin(set_sqe(ft::kKeepAliveTimer, 100)), st::kSuccess);
    EXPECT_STATUS(h.admin(set_sqe(ft::kKeepAliveTimer, 0)), st::kSuccess);
    sc_core::wait(500, sc_core::SC_MS);
    EXPECT_EQ(h.rd32(spec::reg::kCsts) & spec::reg::csts::kCfs, 0u);
    EXPECT_STATUS(h.admin(make_sqe(op::kKeepAlive)), st::kSuccess);
  });
}

TEST(AdminKeepAlive, NotSupportedWhenKasIsZero) {
  ControllerConfig cfg;
  cfg.keep_alive_granularity_100ms = 0;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    h.pci_setup();
    ASSERT_TRUE(h.enable());
    EXPECT_STATUS(h.admin(make_sqe(op::kKeepAlive)), st::kInvalidCommandOpcode);
    EXPECT_STATUS(h.admin(set_sqe(ft::kKeepAliveTimer, 100)), st::kInvalidField);
  });
}
