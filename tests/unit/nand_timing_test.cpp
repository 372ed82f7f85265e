// NandTiming: every formula of nand_timing.h against hand-computed values for the default
// configuration (command 150 ns, poll 100 ns, 1600 MT/s x 8 bit, 16 KiB pages, 2 KiB ECC
// codewords at 500 ns), and the seeded read retry draws.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>
#include <systemc>

#include "backend/nand/nand_timing.h"
#include "backend/nand/read_retry.h"

using namespace scnvme;
using namespace scnvme::nand;
using sc_core::sc_time;

namespace {
sc_time ns(uint64_t v) { return sc_time(double(v), sc_core::SC_NS); }
sc_time ps(uint64_t v) { return sc_time(double(v), sc_core::SC_PS); }
}  // namespace

TEST(NandTiming, BusTimeIsBytesOverRateTimesWidth) {
  NandConfig cfg;
  EXPECT_EQ(NandTiming(cfg).bus(16384), ns(10240));  // 16384 B / 1600 MB/s
  EXPECT_EQ(NandTiming(cfg).bus(4096), ns(2560));
  EXPECT_EQ(NandTiming(cfg).bus(1), ps(625));
  EXPECT_EQ(NandTiming(cfg).bus(0), sc_core::SC_ZERO_TIME);
  cfg.interface_mts = 2400;  // 4096e6 / 2400 = 1706666.67 ps: rounded up
  EXPECT_EQ(NandTiming(cfg).bus(4096), ps(1706667));
  cfg.interface_mts = 1600;
  cfg.bus_width_bytes = 2;
  EXPECT_EQ(NandTiming(cfg).bus(4096), ns(1280));
}

TEST(NandTiming, StagesOfTheDefaultConfiguration) {
  const NandTiming t{NandConfig{}};
  EXPECT_EQ(t.transfer(16384), ns(150 + 10240));
  EXPECT_EQ(t.command(1), ns(150));
  EXPECT_EQ(t.command(4), ns(600));
  EXPECT_EQ(t.status_poll(), ns(100));
  EXPECT_EQ(t.array_read(PageType::Lsb, false, 0), ns(40000));
  EXPECT_EQ(t.array_read(PageType::Csb, false, 0), ns(50000));
  EXPECT_EQ(t.array_read(PageType::Msb, false, 0), ns(60000));
  EXPECT_EQ(t.array_read(PageType::Msb, false, 2), ns(60000 + 2 * 50000));
  EXPECT_EQ(t.array_read(PageType::Msb, true, 0), ns(25000));  // pSLC: one tR whatever the type
  EXPECT_EQ(t.data_out(1, 16384), ns(100 + 10390));
  EXPECT_EQ(t.data_out(4, 4096), ns(100 + 4 * (150 + 2560)));
  EXPECT_EQ(t.ecc(16384), ns(8 * 500));
  EXPECT_EQ(t.ecc(4096), ns(2 * 500));
  EXPECT_EQ(t.ecc(2049), ns(2 * 500));  // whole codewords
  EXPECT_EQ(t.ecc(100), ns(500));
  EXPECT_EQ(t.pages_per_word_line(false), 3u);
  EXPECT_EQ(t.pages_per_word_line(true), 1u);
  EXPECT_EQ(t.data_in(1, false), ns(3 * 10390));
  EXPECT_EQ(t.data_in(4, false), ns(12 * 10390));
  EXPECT_EQ(t.data_in(2, true), ns(2 * 10390));
  EXPECT_EQ(t.program(false), ns(500000));
  EXPECT_EQ(t.program(true), ns(160000));
  EXPECT_EQ(t.erase(), ns(3500000));
  EXPECT_EQ(t.suspend(), ns(20000));
  EXPECT_EQ(t.resume(), ns(5000));
}

TEST(NandTiming, IdleLatencies) {
  const NandTiming t{NandConfig{}};
  // 150 ns command + 50 us tR + 100 ns poll + 10.39 us data out + 8 codewords x 500 ns.
  EXPECT_EQ(t.read_latency(PageType::Csb, 1, 16384), ns(64640));
  // Four planes: 4 addresses, one tR, one poll, 4 transfers, 4 x 8 codewords.
  EXPECT_EQ(t.read_latency(PageType::Msb, 4, 16384), ns(600 + 60000 + 100 + 4 * 10390 + 32 * 500));
  EXPECT_EQ(t.read_latency(PageType::Lsb, 1, 4096, false, 1), ns(150 + 40000 + 50000 + 100 + 2710 + 1000));
  EXPECT_EQ(t.read_latency(PageType::Lsb, 1, 4096, true), ns(150 + 25000 + 100 + 2710 + 1000));
  EXPECT_EQ(t.program_latency(1), ns(3 * 10390 + 500000 + 100));
  EXPECT_EQ(t.program_latency(4), ns(12 * 10390 + 500000 + 100));
  EXPECT_EQ(t.program_latency(1, true), ns(10390 + 160000 + 100));
  EXPECT_EQ(t.erase_latency(1), ns(150 + 3500000 + 100));
  EXPECT_EQ(t.erase_latency(2), ns(300 + 3500000 + 100));
}

TEST(NandTiming, RetryProbabilityGrowsWithWear) {
  NandConfig cfg;
  cfg.read_retry_probability = 0.01;
  cfg.read_retry_growth_per_kpe = 0.02;
  cfg.read_retry_max = 3;
  const NandTiming t(cfg);
  EXPECT_DOUBLE_EQ(t.retry_probability(0), 0.01);
  EXPECT_DOUBLE_EQ(t.retry_probability(3000), 0.07);
  EXPECT_DOUBLE_EQ(t.retry_probability(100000), 1.0);
  const double p = 0.07;
  EXPECT_DOUBLE_EQ(t.expected_retries(3000), p + p * p + p * p * p);
  EXPECT_DOUBLE_EQ(t.expected_retries(100000), 3.0);
}

TEST(NandTiming, RetryDrawsMatchTheDistributionAndRepeatPerSeed) {
  NandConfig cfg;
  cfg.read_retry_probability = 0.2;
  cfg.read_retry_max = 4;
  const double p = 0.2;
  // P(k) = p^k (1 - p) for k < max, P(max) = p^max.
  double mean = 0, second = 0;
  for (unsigned k = 0; k <= 4; ++k) {
    const double pk = std::pow(p, k) * (k < 4 ? 1 - p : 1.0);
    mean += k * pk;
    second += double(k) * k * pk;
  }
  EXPECT_NEAR(mean, NandTiming(cfg).expected_retries(0), 1e-12);
  const double sd = std::sqrt(second - mean * mean);

  const unsigned n = 200000;
  ReadRetry a(cfg, 42), b(cfg, 42), c(cfg, 43);
  std::vector<uint32_t> da(n), db(n), dc(n);
  uint64_t sum = 0;
  for (unsigned i = 0; i < n; ++i) {
    da[i] = a.draw(0);
    db[i] = b.draw(0);
    dc[i] = c.draw(0);
    ASSERT_LE(da[i], 4u);
    sum += da[i];
  }
  EXPECT_NEAR(double(sum) / n, mean, 5 * sd / std::sqrt(double(n)));
  EXPECT_EQ(da, db);  // same seed, same draws
  EXPECT_NE(da, dc);  // another seed, other draws
}

TEST(NandTiming, NoRetriesWithoutProbability) {
  ReadRetry r(NandConfig{}, 7);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(r.draw(100000), 0u);
}
