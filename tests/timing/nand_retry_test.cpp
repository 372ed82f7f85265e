// Seeded read retry: over many reads the mean extra array time is E[retries] x read_retry_extra_us
// (E[retries] = p + p^2 + ... + p^max, about p for small p) within a statistical bound; the tail
// is longer than the median; the same seed gives identical results, another seed other ones.
// Several arrays run side by side in one simulation.
#include <algorithm>
#include <cmath>
#include <deque>
#include <vector>

#include <gtest/gtest.h>
#include <systemc>

#include "backend/nand/flash_array.h"

using namespace scnvme;
using namespace scnvme::nand;
using sc_core::sc_time;

namespace {

/// 16 dies on 8 channels; retry probability 0.04 + 0.012 per 1000 P/E cycles, blocks at 5000
/// cycles: p = 0.1; up to 8 retries of 50 us.
NandConfig aged() {
  NandConfig c;
  c.channels = 8;
  c.targets_per_channel = 2;
  c.dies_per_target = 1;
  c.read_retry_probability = 0.04;
  c.read_retry_growth_per_kpe = 0.012;
  c.read_retry_max = 8;
  c.read_retry_extra_us = 50;
  return c;
}
constexpr uint32_t kPe = 5000;

struct Sample {
  sc_time latency, array_time;
  uint32_t retries;
  bool operator==(const Sample& o) const {
    return latency == o.latency && array_time == o.array_time && retries == o.retries;
  }
};

/// One read at a time per die (CSB pages), `per_die` reads each; the samples in completion order.
class Workload {
 public:
  Workload(FlashArray& a, unsigned per_die) : a_(a) {
    const NandGeometry& g = a.geometry();
    for (uint32_t d = 0; d < g.dies(); ++d) {
      NandTransaction& t = ops_.emplace_back();
      t.op = NandOp::Read;
      t.addr = g.die_address(d);
      t.addr.page = 1;
      t.pe_cycles = kPe;
      t.on_done = [this, per_die, left = per_die](NandTransaction& self) mutable {
        samples.push_back({self.latency(), self.time.array_end - self.time.array_start, self.retries});
        if (--left > 0) a_.submit(self);
      };
    }
    sc_core::sc_spawn([this] {
      for (auto& t : ops_) a_.submit(t);
    });
  }
  std::vector<Sample> samples;

 private:
  FlashArray& a_;
  std::deque<NandTransaction> ops_;
};

}  // namespace

TEST(NandRetry, MeanExtraTimeIsTheExpectedRetriesTimesTheRetryTime) {
  FlashArray a("nand", aged(), 2024);
  FlashArray twin("twin", aged(), 2024);
  FlashArray other("other", aged(), 7);
  Workload w(a, 1500), w_twin(twin, 1500), w_other(other, 1500);
  sc_core::sc_start();

  const NandTiming& tm = a.timing();
  const double p = tm.retry_probability(kPe);
  ASSERT_NEAR(p, 0.1, 1e-12);
  // Distribution of the retries: P(k) = p^k (1 - p) for k < 8, P(8) = p^8.
  double mean = 0, second = 0;
  for (unsigned k = 0; k <= 8; ++k) {
    const double pk = std::pow(p, k) * (k < 8 ? 1 - p : 1.0);
    mean += k * pk;
    second += double(k) * k * pk;
  }
  ASSERT_NEAR(mean, tm.expected_retries(kPe), 1e-12);
  const double sd = std::sqrt(second - mean * mean);

  ASSERT_EQ(w.samples.size(), 16u * 1500);
  const double n = double(w.samples.size());
  const sc_time base = tm.array_read(PageType::Csb, false, 0), extra = sc_time(50, sc_core::SC_US);
  double extra_sum = 0;
  uint64_t retries = 0;
  for (const Sample& s : w.samples) {
    ASSERT_EQ(s.array_time, base + extra * double(s.retries));  // each retry adds exactly one extra tR
    extra_sum += (s.array_time - base).to_seconds();
    retries += s.retries;
  }
  const double mean_extra = extra_sum / n;
  EXPECT_NEAR(mean_extra, mean * extra.to_seconds(), 5 * sd * extra.to_seconds() / std::sqrt(n));
  EXPECT_NEAR(mean_extra, p * extra.to_seconds(), 0.02 * extra.to_seconds());  // ~ p x extra for small p
  EXPECT_EQ(a.stats().retries, retries);

  // Tail latency is not a copy of the median: the 99th percentile includes retries.
  std::vector<sc_time> lat;
  for (const Sample& s : w.samples) lat.push_back(s.latency);
  std::sort(lat.begin(), lat.end());
  const sc_time median = lat[lat.size() / 2], p99 = lat[lat.size() * 99 / 100];
  EXPECT_GE(p99, median + extra);

  // Same seed: identical; another seed: different.
  EXPECT_TRUE(w.samples == w_twin.samples);
  EXPECT_FALSE(w.samples == w_other.samples);
}
