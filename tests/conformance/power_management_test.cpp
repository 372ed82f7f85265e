// Power Management (NVMe Base 2.0, 5.27.1.2 and 8.15): the power state descriptors in Identify
// Controller, Feature 02h (PS and WH), and what a state costs in the timing model: reduced
// operational states slow the controller clock, entering a state takes its entry latency, and the
// I/O command leaving a non-operational state waits for its exit latency.
#include "integration/nvm_host.h"
#include "support/config_verdict.h"

using namespace scnvme;
using namespace scnvme::test;
using namespace scnvme::test::nvm;
namespace ft = spec::feature;

namespace {

sc_core::sc_time timed(const std::function<void()>& fn) {
  const sc_core::sc_time t0 = sc_core::sc_time_stamp();
  fn();
  return sc_core::sc_time_stamp() - t0;
}

sc_core::sc_time read_latency(Bench& h, DataBuffer& buf) {
  return timed([&] { EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kRead, 1, 0, 8), 4096)), st::kSuccess); });
}

}  // namespace

TEST(PowerManagement, IdentifyDescribesTheDefaultPowerStates) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const auto id = identify_ctrl(h);
    EXPECT_EQ(id[ic::kNpss], 4) << "five power states, 0-based";
    struct Psd {
      uint16_t mp;
      uint8_t flags;
      uint32_t enlat, exlat;
      uint8_t rank;
    };
    const Psd expected[] = {
        {800, 0, 0, 0, 0},                            // 8.00 W
        {600, 0, 10, 10, 1},                          // 6.00 W
        {350, 0, 20, 20, 2},                          // 3.50 W
        {5, ic::kPsdNops, 2000, 2000, 3},             // 0.05 W
        {50, ic::kPsdNops | ic::kPsdMxps, 6000, 12000, 4},  // 0.0050 W in 0.0001 W units
    };
    for (unsigned n = 0; n < 5; ++n) {
      SCOPED_TRACE("PSD" + std::to_string(n));
      const uint8_t* d = &id[ic::psd(n)];
      EXPECT_EQ(spec::get_le16(d + ic::kPsdMp), expected[n].mp);
      EXPECT_EQ(d[ic::kPsdFlags], expected[n].flags);
      EXPECT_EQ(spec::get_le32(d + ic::kPsdEnlat), expected[n].enlat);
      EXPECT_EQ(spec::get_le32(d + ic::kPsdExlat), expected[n].exlat);
      for (uint32_t off : {ic::kPsdRrt, ic::kPsdRrl, ic::kPsdRwt, ic::kPsdRwl}) EXPECT_EQ(d[off], expected[n].rank);
    }
    EXPECT_TRUE(all_zero(id, ic::psd(5), 32)) << "PSD5 unused";
  });
}

TEST(PowerManagement, SetAndGetPowerStateAndWorkloadHint) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_EQ(h.get_features(ft::kPowerManagement).dw0(), 0u);
    EXPECT_STATUS(h.set_features(ft::kPowerManagement, ft::power_management(2, 3)), st::kSuccess);
    EXPECT_EQ(h.get_features(ft::kPowerManagement).dw0(), ft::power_management(2, 3));
    EXPECT_STATUS(h.set_features(ft::kPowerManagement, 5), st::kInvalidField) << "PS above NPSS";
    EXPECT_STATUS(h.set_features(ft::kPowerManagement, 31), st::kInvalidField);
    EXPECT_EQ(h.get_features(ft::kPowerManagement).dw0(), ft::power_management(2, 3)) << "unchanged";
    EXPECT_EQ(h.get_features(ft::kPowerManagement, ft::kSelDefault).dw0(), 0u);
    // A Controller Level Reset returns to the default (nothing saved).
    h.wr32(spec::reg::kCc, 0);
    ASSERT_TRUE(h.wait_ready(false));
    ASSERT_TRUE(h.enable());
    EXPECT_EQ(h.get_features(ft::kPowerManagement).dw0(), 0u);
  });
}

TEST(PowerManagement, ReducedOperationalStateSlowsTheController) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 4096);
    read_latency(h, buf);  // warm
    const sc_core::sc_time full = read_latency(h, buf);
    EXPECT_STATUS(h.set_features(ft::kPowerManagement, 2), st::kSuccess);  // 50 %
    const sc_core::sc_time half = read_latency(h, buf);
    EXPECT_GT(half, full) << "every controller stage at half the clock";
    EXPECT_STATUS(h.set_features(ft::kPowerManagement, 0), st::kSuccess);
    EXPECT_EQ(read_latency(h, buf), full) << "back at full speed";
  });
}

TEST(PowerManagement, NonOperationalStateEntryAndExitLatencies) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 4096);
    read_latency(h, buf);
    const sc_core::sc_time normal = read_latency(h, buf);
    EXPECT_STATUS(h.set_features(ft::kPowerManagement, 1), st::kSuccess);
    const sc_core::sc_time ps1 = read_latency(h, buf);
    // Entering PS3 completes after its entry latency (2 ms).
    const sc_core::sc_time entry = timed([&] {
      h.submit(0, make_sqe(op::kSetFeatures, ft::kPowerManagement, 3));
      EXPECT_STATUS(h.wait_cqe(0, sc_core::sc_time(10, sc_core::SC_MS)), st::kSuccess);
    });
    EXPECT_GE(entry, sc_core::sc_time(2000, sc_core::SC_US));
    EXPECT_LT(entry, sc_core::sc_time(2100, sc_core::SC_US));
    EXPECT_EQ(h.get_features(ft::kPowerManagement).dw0(), 3u) << "admin commands do not wake it";
    // The first I/O command pays the exit latency (2 ms) and returns to the last operational state.
    const sc_core::sc_time wake = read_latency(h, buf);
    EXPECT_GE(wake, sc_core::sc_time(2000, sc_core::SC_US) + normal);
    EXPECT_LT(wake, sc_core::sc_time(2000, sc_core::SC_US) + ps1 + sc_core::sc_time(5, sc_core::SC_US));
    EXPECT_EQ(h.get_features(ft::kPowerManagement).dw0(), 1u) << "PS1 was the last operational state";
    EXPECT_EQ(read_latency(h, buf), ps1) << "then at PS1's speed";
  });
}

TEST(PowerManagement, PowerStateTableIsValidated) {
  ControllerConfig c;
  c.power_states.clear();
  expect_config_verdict([&] { c.validate(); }, "power_states");
  c = ControllerConfig{};
  c.power_states[0].non_operational = true;
  expect_config_verdict([&] { c.validate(); }, "power_states[0].non_operational");
  c = ControllerConfig{};
  c.power_states[1].performance_percent = 0;
  expect_config_verdict([&] { c.validate(); }, "power_states[1].performance_percent");
  c = ControllerConfig{};
  c.power_states[2].relative_read_latency = 5;
  expect_config_verdict([&] { c.validate(); }, "power_states[2].relative_read_latency");
  c = ControllerConfig{};
  c.power_states.resize(33);
  expect_config_verdict([&] { c.validate(); }, "power_states");
}
