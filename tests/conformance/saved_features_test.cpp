// Saveable features (NVMe Base 2.0, 5.27: SV, SEL, ONCS bit 4), Timestamp (Feature 0Eh, ONCS bit 6)
// and Host Behavior Support (Feature 16h).
#include "integration/nvm_host.h"

using namespace scnvme;
using namespace scnvme::test;
using namespace scnvme::test::nvm;
namespace ft = spec::feature;

namespace {

constexpr uint32_t kOver = ft::kThselOver << 20, kUnder = ft::kThselUnder << 20;

spec::Sqe set_sqe(uint8_t fid, uint32_t cdw11, bool save) {
  return make_sqe(op::kSetFeatures, fid | (save ? 1u << 31 : 0u), cdw11);
}

/// The saveable features: FID, the value saved, Get's CDW11 (sub-value) and what Get returns.
struct Saved {
  const char* what;
  uint8_t fid;
  uint32_t cdw11;
  uint32_t get_cdw11;
  uint32_t dw0;
};
const Saved kSaved[] = {
    {"Arbitration", ft::kArbitration, 0x04030201, 0, 0x04030201},
    {"Power Management PS1 WH2", ft::kPowerManagement, ft::power_management(1, 2), 0, ft::power_management(1, 2)},
    {"over-temperature", ft::kTemperatureThreshold, kOver | 330, kOver, kOver | 330},
    {"under-temperature", ft::kTemperatureThreshold, kUnder | 250, kUnder, kUnder | 250},
    {"Error Recovery", ft::kErrorRecovery, 0x20, 0, 0x20},
    {"Volatile Write Cache off", ft::kVolatileWriteCache, 0, 0, 0},
    {"Interrupt Coalescing", ft::kInterruptCoalescing, 0x0203, 0, 0x0203},
    {"Async Event Configuration", ft::kAsyncEventConfiguration, 0x100, 0, 0x100},
};

void expect_saved_are_current(Bench& h) {
  for (const Saved& s : kSaved) {
    SCOPED_TRACE(s.what);
    EXPECT_EQ(h.get_features(s.fid, ft::kSelCurrent, s.get_cdw11).dw0(), s.dw0);
    EXPECT_EQ(h.get_features(s.fid, ft::kSelSaved, s.get_cdw11).dw0(), s.dw0);
  }
}

void save_all_then_change(Bench& h) {
  for (const Saved& s : kSaved) {
    SCOPED_TRACE(s.what);
    EXPECT_STATUS(h.admin(set_sqe(s.fid, s.cdw11, true)), st::kSuccess);
  }
  // Current values changed without SV: the saved ones stay.
  EXPECT_STATUS(h.set_features(ft::kArbitration, 0x01010100), st::kSuccess);
  EXPECT_STATUS(h.set_features(ft::kTemperatureThreshold, kOver | 340), st::kSuccess);
  EXPECT_EQ(h.get_features(ft::kArbitration).dw0(), 0x01010100u);
  EXPECT_EQ(h.get_features(ft::kArbitration, ft::kSelSaved).dw0(), 0x04030201u);
  EXPECT_EQ(h.get_features(ft::kArbitration, ft::kSelDefault).dw0(), 0u);
  EXPECT_EQ(h.get_features(ft::kTemperatureThreshold, ft::kSelSaved, kOver).dw0(), kOver | 330);
  EXPECT_EQ(h.get_features(ft::kTemperatureThreshold, ft::kSelDefault, kOver).dw0(),
            kOver | h.nvme.config().warning_temperature_k);
}

void controller_reset(Bench& h) {
  h.wr32(spec::reg::kCc, 0);
  ASSERT_TRUE(h.wait_ready(false));
  ASSERT_TRUE(h.enable());
}

std::vector<uint8_t> get_data(Bench& h, uint8_t fid, uint32_t len, spec::Status expected = st::kSuccess,
                              uint8_t sel = ft::kSelCurrent) {
  const uint64_t buf = h.alloc(4096);
  std::memset(h.mem.at(buf), 0xA5, len);
  EXPECT_STATUS(h.admin(with_prp1(make_sqe(op::kGetFeatures, static_cast<uint32_t>(sel) << 8 | fid), buf)), expected);
  return std::vector<uint8_t>(h.mem.at(buf), h.mem.at(buf) + len);
}

spec::Status set_data(Bench& h, uint8_t fid, const std::vector<uint8_t>& data, bool save = false) {
  const uint64_t buf = h.alloc(4096);
  std::memcpy(h.mem.at(buf), data.data(), data.size());
  return h.admin(with_prp1(set_sqe(fid, 0, save), buf)).status();
}

uint64_t timestamp_ms(const std::vector<uint8_t>& d) {
  uint64_t v = 0;
  for (unsigned i = 0; i < 6; ++i) v |= static_cast<uint64_t>(d[i]) << (8 * i);
  return v;
}

}  // namespace

TEST(SavedFeatures, ControllerResetRestoresSavedValues) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    save_all_then_change(h);
    controller_reset(h);
    expect_saved_are_current(h);
  });
}

TEST(SavedFeatures, SubsystemResetAndPowerLossRestoreSavedValues) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    save_all_then_change(h);
    h.wr32(spec::reg::kNssr, spec::reg::kNssrReset);
    wait_us(20);
    h.pci_setup();
    ASSERT_TRUE(h.enable());
    expect_saved_are_current(h);
    EXPECT_STATUS(h.set_features(ft::kArbitration, 0), st::kSuccess);
    h.nvme.power_loss();
    wait_us(20);
    h.pci_setup();
    ASSERT_TRUE(h.enable());
    expect_saved_are_current(h);
  });
}

TEST(SavedFeatures, CapabilitiesAndNotSaveableFeatures) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const auto id = identify_ctrl(h);
    EXPECT_NE(spec::get_le16(&id[ic::kOncs]) & ic::kOncsSaveSelect, 0) << "ONCS bit 4";
    EXPECT_NE(spec::get_le16(&id[ic::kOncs]) & ic::kOncsTimestamp, 0) << "ONCS bit 6";
    struct Cap {
      uint8_t fid;
      uint32_t dw0;
    };
    const uint32_t c = ft::kCapChangeable, s = ft::kCapSaveable, n = ft::kCapNamespaceSpecific;
    for (const Cap& cap : {Cap{ft::kArbitration, c | s}, Cap{ft::kPowerManagement, c | s},
                           Cap{ft::kTemperatureThreshold, c | s}, Cap{ft::kErrorRecovery, c | s | n},
                           Cap{ft::kVolatileWriteCache, c | s}, Cap{ft::kNumberOfQueues, c},
                           Cap{ft::kInterruptCoalescing, c | s}, Cap{ft::kInterruptVectorConfiguration, c},
                           Cap{ft::kAsyncEventConfiguration, c | s}, Cap{ft::kTimestamp, c},
                           Cap{ft::kKeepAliveTimer, c}, Cap{ft::kHostBehaviorSupport, c}}) {
      SCOPED_TRACE("FID " + std::to_string(cap.fid));
      const spec::Cqe g = h.get_features(cap.fid, ft::kSelSupportedCapabilities);
      EXPECT_STATUS(g, st::kSuccess);
      EXPECT_EQ(g.dw0(), cap.dw0);
    }
    run_admin_cases(h, {
        {"Number of Queues SV", set_sqe(ft::kNumberOfQueues, 0, true), st::kFeatureIdNotSaveable},
        {"Interrupt Vector Configuration SV", set_sqe(ft::kInterruptVectorConfiguration, 1 | ft::kCoalescingDisable, true),
         st::kFeatureIdNotSaveable},
        {"Keep Alive Timer SV", set_sqe(ft::kKeepAliveTimer, 0, true), st::kFeatureIdNotSaveable},
        {"Timestamp SV", set_sqe(ft::kTimestamp, 0, true), st::kFeatureIdNotSaveable},
        {"Host Behavior Support SV", set_sqe(ft::kHostBehaviorSupport, 0, true), st::kFeatureIdNotSaveable},
        {"Power Management SV to PS 7", set_sqe(ft::kPowerManagement, 7, true), st::kInvalidField},
    });
    EXPECT_EQ(h.get_features(ft::kPowerManagement, ft::kSelSaved).dw0(), 0u) << "a failed Set saves nothing";
    EXPECT_EQ(h.get_features(ft::kNumberOfQueues, ft::kSelSaved).dw0(), ft::number_of_queues(63, 63))
        << "not saveable: the saved value is the default";
  });
}

TEST(SavedFeatures, TimestampAdvancesWithSimulatedTime) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    namespace ts = ft::timestamp;
    auto d = get_data(h, ft::kTimestamp, 8);
    EXPECT_EQ(ts::origin(d[ts::kAttributes]), ts::kOriginReset);
    EXPECT_EQ(d[ts::kAttributes] & ts::kSynch, 0);
    EXPECT_LT(timestamp_ms(d), 5u) << "counting from 0 since the reset";
    const uint64_t set = 1700000000000ull;
    std::vector<uint8_t> v(8, 0);
    for (unsigned i = 0; i < 6; ++i) v[i] = static_cast<uint8_t>(set >> (8 * i));
    v[6] = 0xFF;  // reserved on Set: ignored
    EXPECT_TRUE(set_data(h, ft::kTimestamp, v).ok());
    sc_core::wait(25, sc_core::SC_MS);
    d = get_data(h, ft::kTimestamp, 8);
    EXPECT_GE(timestamp_ms(d), set + 25);
    EXPECT_LE(timestamp_ms(d), set + 26);
    EXPECT_EQ(d[ts::kAttributes], ts::kOriginSetFeatures << 1) << "origin 001b, Synch 0";
    EXPECT_EQ(d[7], 0);
    controller_reset(h);
    d = get_data(h, ft::kTimestamp, 8);
    EXPECT_EQ(ts::origin(d[ts::kAttributes]), ts::kOriginReset) << "a Controller Level Reset restarts it";
    EXPECT_LT(timestamp_ms(d), 5u);
  });
}

TEST(SavedFeatures, HostBehaviorSupportIsStored) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    namespace hbs = ft::host_behavior;
    EXPECT_TRUE(all_zero(get_data(h, ft::kHostBehaviorSupport, hbs::kSize))) << "cleared by default";
    std::vector<uint8_t> v(hbs::kSize, 0);
    v[hbs::kAcre] = 1;
    v[hbs::kLbafee] = 1;
    EXPECT_TRUE(set_data(h, ft::kHostBehaviorSupport, v).ok());
    EXPECT_EQ(get_data(h, ft::kHostBehaviorSupport, hbs::kSize), v);
    EXPECT_TRUE(all_zero(get_data(h, ft::kHostBehaviorSupport, hbs::kSize, st::kSuccess, ft::kSelDefault)));
    std::vector<uint8_t> bad = v;
    bad[hbs::kEtdas] = 2;
    EXPECT_TRUE(set_data(h, ft::kHostBehaviorSupport, bad).is(st::kInvalidField));
    EXPECT_EQ(get_data(h, ft::kHostBehaviorSupport, hbs::kSize), v) << "unchanged";
    controller_reset(h);
    EXPECT_TRUE(all_zero(get_data(h, ft::kHostBehaviorSupport, hbs::kSize))) << "not saveable: default after reset";
  });
}
