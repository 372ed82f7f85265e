// SMART / Health Information from the controller's state (NVMe Base 2.0, 5.16.1.3): the composite
// temperature of the thermal model against both thresholds of Feature 04h, the endurance figures
// (Available Spare, Percentage Used) from the flash backend's wear, the Critical Warning bits and
// the SMART / health asynchronous events Feature 0Bh enables.
#include <cmath>

#include "integration/nvm_host.h"
#include "support/config_verdict.h"
#include "support/small_flash.h"
#include "scnvme/spec/nvme_async_event.h"

using namespace scnvme;
using namespace scnvme::test;
using namespace scnvme::test::nvm;
namespace ft = spec::feature;
namespace lg = spec::log;
namespace sm = spec::log::smart;
namespace ae = spec::async_event;

namespace {

constexpr uint16_t kAmbient = 300;
constexpr uint32_t kOver = ft::kThselOver << 20, kUnder = ft::kThselUnder << 20;

/// A hot-running controller: 10 K per GB/s, a 1 ms time constant, a data-less namespace.
ControllerConfig thermal_config() {
  ControllerConfig cfg;
  cfg.ambient_temperature_k = kAmbient;
  cfg.thermal_heat_k_per_gbps = 10;
  cfg.thermal_time_constant_ms = 1;
  cfg.namespaces = {NamespaceConfig{1, 64ull << 20, 4096}};
  cfg.namespaces[0].data = NamespaceData::Zeroes;
  return cfg;
}

uint16_t temperature(Bench& h) { return spec::get_le16(&smart_log(h)[sm::kCompositeTemperature]); }

/// Back-to-back 128 KiB reads for `us` microseconds at queue depth 8.
void load(Bench& h, DataBuffer& buf, double us) {
  const sc_core::sc_time end = sc_core::sc_time_stamp() + sc_core::sc_time(us, sc_core::SC_US);
  unsigned outstanding = 0;
  uint64_t lba = 0;
  while (sc_core::sc_time_stamp() < end || outstanding) {
    while (outstanding < 8 && sc_core::sc_time_stamp() < end) {
      h.submit(1, buf.with_prps(lba_sqe(io_op::kRead, 1, lba, 32), 128 * 1024));
      lba = (lba + 32) % 16384;
      ++outstanding;
    }
    EXPECT_TRUE(h.wait_cqe(1, sc_core::sc_time(10, sc_core::SC_MS)).status().ok());
    --outstanding;
  }
}

}  // namespace

TEST(Health, TemperatureFollowsActivityAndRelaxesToAmbient) {
  Bench b("bench", thermal_config());
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_EQ(temperature(h), kAmbient) << "idle: ambient";
    DataBuffer buf(h, 128 * 1024);
    load(h, buf, 3000);  // three time constants
    const uint16_t hot = temperature(h);
    EXPECT_GT(hot, kAmbient + 5) << "several GB/s at 10 K per GB/s";
    EXPECT_LT(hot, kAmbient + 100);
    wait_us(500);  // half a time constant idle: on its way down
    const uint16_t cooling = temperature(h);
    EXPECT_LT(cooling, hot);
    EXPECT_GT(cooling, kAmbient);
    wait_us(20000);
    EXPECT_EQ(temperature(h), kAmbient) << "twenty time constants idle";
  });
}

TEST(Health, NoHeatWithoutActivityOrWithZeroHeat) {
  ControllerConfig cfg = thermal_config();
  cfg.thermal_heat_k_per_gbps = 0;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 128 * 1024);
    load(h, buf, 1000);
    EXPECT_EQ(temperature(h), kAmbient);
  });
}

TEST(Health, OverTemperatureCrossedUnderLoadRaisesTheEventWithoutAHostRead) {
  Bench b("bench", thermal_config());
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(h.set_features(ft::kTemperatureThreshold, kOver | (kAmbient + 3)), st::kSuccess);
    EXPECT_STATUS(h.set_features(ft::kAsyncEventConfiguration, sm::kWarnTemperature), st::kSuccess);
    h.submit(0, make_sqe(op::kAsyncEventRequest), 0xE1);
    wait_us(20);
    EXPECT_FALSE(h.cqe_available(0)) << "below the threshold";
    DataBuffer buf(h, 128 * 1024);
    load(h, buf, 3000);
    wait_us(100);
    ASSERT_TRUE(h.cqe_available(0)) << "the thermal watch reported the crossing";
    const spec::Cqe e = h.wait_cqe(0);
    EXPECT_EQ(e.cid(), 0xE1);
    EXPECT_EQ(e.dw0(), ae::dw0(ae::kSmartHealth, ae::smart::kTemperatureThreshold, lg::kSmartHealth));
    EXPECT_NE(smart_log(h)[sm::kCriticalWarning] & sm::kWarnTemperature, 0);
    wait_us(20000);
    EXPECT_EQ(smart_log(h)[sm::kCriticalWarning] & sm::kWarnTemperature, 0) << "cooled below the threshold";
  });
}

TEST(Health, UnderTemperatureThreshold) {
  Bench b("bench", thermal_config());
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_EQ(h.get_features(ft::kTemperatureThreshold, ft::kSelCurrent, kUnder).dw0(), kUnder | 0u);
    EXPECT_STATUS(h.set_features(ft::kTemperatureThreshold, kUnder | (kAmbient - 1)), st::kSuccess);
    EXPECT_EQ(smart_log(h)[sm::kCriticalWarning], 0);
    h.submit(0, make_sqe(op::kAsyncEventRequest), 0xE2);
    EXPECT_STATUS(h.set_features(ft::kAsyncEventConfiguration, sm::kWarnTemperature), st::kSuccess);
    // At the under-temperature threshold: the warning and its event.
    EXPECT_STATUS(h.set_features(ft::kTemperatureThreshold, kUnder | kAmbient), st::kSuccess);
    const spec::Cqe e = h.wait_cqe(0);
    EXPECT_EQ(e.cid(), 0xE2);
    EXPECT_EQ(e.dw0(), ae::dw0(ae::kSmartHealth, ae::smart::kTemperatureThreshold, lg::kSmartHealth));
    EXPECT_EQ(smart_log(h)[sm::kCriticalWarning], sm::kWarnTemperature);
    EXPECT_EQ(h.get_features(ft::kTemperatureThreshold, ft::kSelCurrent, kUnder).dw0(), kUnder | kAmbient);
    EXPECT_EQ(h.get_features(ft::kTemperatureThreshold, ft::kSelCurrent, kOver).dw0(),
              kOver | h.nvme.config().warning_temperature_k) << "the other threshold is untouched";
  });
}

TEST(Health, EnduranceWithoutFlashIsFresh) {
  ControllerConfig cfg;
  cfg.available_spare_threshold = 15;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    const auto page = smart_log(h);
    EXPECT_EQ(page[sm::kAvailableSpare], 100);
    EXPECT_EQ(page[sm::kAvailableSpareThreshold], 15);
    EXPECT_EQ(page[sm::kPercentageUsed], 0);
    EXPECT_EQ(page[sm::kCriticalWarning], 0);
  });
}

namespace {
/// A small preconditioned TLC drive whose blocks have been erased a few times each.
ControllerConfig worn_drive(uint32_t rated) {
  ControllerConfig c;
  c.namespaces = {NamespaceConfig{1, 16ull << 20, 4096}};
  c.namespaces[0].data = NamespaceData::Zeroes;
  c.flash = small_flash(1, 2, Precondition::Steady);
  c.flash.precondition_random_capacities = 3.0;
  c.flash.nand.rated_pe_cycles = rated;
  c.flash.ftl.over_provisioning_permille = 150;
  return c;
}
}  // namespace

TEST(Health, PercentageUsedFromWearAndReliabilityWarning) {
  Bench b("bench", worn_drive(2));
  b.run([](Bench& h) {
    bring_up(h);
    const double mean = h.nvme.flash_stats().wear_mean;
    ASSERT_GT(mean, 2.0) << "the steady-state precondition erased every block a few times";
    const auto page = smart_log(h);
    EXPECT_EQ(page[sm::kPercentageUsed], static_cast<uint8_t>(std::min(255.0, std::floor(mean * 100.0 / 2))));
    ASSERT_GE(h.nvme.flash_stats().wear_min, 2u) << "every native block erased at least twice";
    EXPECT_EQ(page[sm::kAvailableSpare], 0) << "every block worn out: the spare blocks are used up";
    EXPECT_EQ(page[sm::kCriticalWarning], sm::kWarnReliability | sm::kWarnSpare) << "worn past the rated P/E cycles";
    // The reliability event, once Feature 0Bh enables it.
    h.submit(0, make_sqe(op::kAsyncEventRequest), 0xE3);
    wait_us(20);
    EXPECT_FALSE(h.cqe_available(0));
    EXPECT_STATUS(h.set_features(ft::kAsyncEventConfiguration, sm::kWarnReliability), st::kSuccess);
    const spec::Cqe e = h.wait_cqe(0);
    EXPECT_EQ(e.cid(), 0xE3);
    EXPECT_EQ(e.dw0(), ae::dw0(ae::kSmartHealth, ae::smart::kReliability, lg::kSmartHealth));
  });
}

TEST(Health, PercentageUsedBelowTheRating) {
  Bench b("bench", worn_drive(3000));
  b.run([](Bench& h) {
    bring_up(h);
    const double mean = h.nvme.flash_stats().wear_mean;
    const auto page = smart_log(h);
    EXPECT_EQ(page[sm::kPercentageUsed], static_cast<uint8_t>(std::floor(mean * 100.0 / 3000)));
    EXPECT_EQ(page[sm::kAvailableSpare], 100) << "no block near its rating";
    EXPECT_EQ(page[sm::kCriticalWarning], 0);
  });
}

TEST(Health, ConfigurationIsValidated) {
  ControllerConfig c;
  c.thermal_time_constant_ms = 0;
  expect_config_verdict([&] { c.validate(); }, "thermal_time_constant_ms");
  c = ControllerConfig{};
  c.thermal_heat_k_per_gbps = 1001;
  expect_config_verdict([&] { c.validate(); }, "thermal_heat_k_per_gbps");
  c = ControllerConfig{};
  c.available_spare_threshold = 101;
  expect_config_verdict([&] { c.validate(); }, "available_spare_threshold");
  c = ControllerConfig{};
  c.flash.enabled = true;
  c.flash.nand.rated_pe_cycles = 0;
  expect_config_verdict([&] { c.validate(); }, "nand.rated_pe_cycles");
}
