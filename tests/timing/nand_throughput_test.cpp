// Random reads keeping 4 reads per die outstanding (queue depth 4 x dies) reach the analytic
// bound of the array: dies / (read die cycle), or the channel bound when lower.
//
// Bounds for the default drive (64 dies, 8 channels, uniformly random pages: E[tR] = 50 us):
//   die bound      = dies / (c + E[tR] + status poll + transfer(N))     without cache read
//                  = dies / (c + E[tR])                                 with cache read
//   channel bound  = channels / (c + status poll + transfer(N))         (command + data out per read)
// ECC is decoded after the data out and does not hold the die; REFERENCES.md's simpler
// dies / (tR + ECC + transfer + overheads) is also checked (it includes ECC in the die cycle, so
// the model sits just above it).
#include <algorithm>
#include <deque>
#include <random>

#include <gtest/gtest.h>
#include <systemc>

#include "backend/nand/flash_array.h"

using namespace scnvme;
using namespace scnvme::nand;
using sc_core::sc_time;

namespace {

struct Result {
  double rate = 0;  // reads per second in the window
  NandStats stats;
};

/// Keeps `per_die` random reads of `bytes` outstanding on every die; counts the reads completing in
/// (warm, warm + window].
Result closed_loop(FlashArray& a, unsigned per_die, uint32_t bytes, const sc_time& warm, const sc_time& window) {
  const NandGeometry& g = a.geometry();
  std::mt19937_64 rng(12345);
  std::deque<NandTransaction> ops;
  uint64_t counted = 0;
  const sc_time end = warm + window;
  auto randomise = [&](NandTransaction& t) {
    t.addr.plane = static_cast<uint32_t>(rng() % g.planes_per_die());
    t.addr.block = static_cast<uint32_t>(rng() % g.blocks_per_plane());
    t.addr.page = static_cast<uint32_t>(rng() % g.pages_per_block());
  };
  for (uint32_t d = 0; d < g.dies(); ++d) {
    for (unsigned i = 0; i < per_die; ++i) {
      NandTransaction& t = ops.emplace_back();
      t.op = NandOp::Read;
      t.addr = g.die_address(d);
      t.bytes = bytes;
      randomise(t);
      t.on_done = [&](NandTransaction& self) {
        if (self.time.done > warm && self.time.done <= end) ++counted;
        randomise(self);
        a.submit(self);
      };
    }
  }
  sc_core::sc_spawn([&] {
    for (auto& t : ops) a.submit(t);
  });
  sc_core::sc_start(end);
  return Result{double(counted) / window.to_seconds(), a.stats()};
}

NandConfig drive(bool cache_read) {
  NandConfig c;  // the default 1 TiB drive
  c.cache_read = cache_read;
  return c;
}

double per_second(const sc_time& t) { return 1.0 / t.to_seconds(); }

/// The measured rate and its bound, in the test's XML output (--gtest_output=xml).
void record(double rate, double bound) {
  testing::Test::RecordProperty("reads_per_second", std::to_string(rate));
  testing::Test::RecordProperty("bound_per_second", std::to_string(bound));
}

}  // namespace

TEST(NandThroughput, Random4kReadsReachTheDieBound) {
  FlashArray a("nand", drive(false), 1);
  const NandTiming& tm = a.timing();
  const double dies = a.geometry().dies(), channels = a.geometry().channels();
  const sc_time mean_tr = sc_time(50, sc_core::SC_US);
  const double die_bound = dies * per_second(tm.command(1) + mean_tr + tm.data_out(1, 4096));
  const double channel_bound = channels * per_second(tm.command(1) + tm.data_out(1, 4096));
  const double reference = dies * per_second(mean_tr + tm.ecc(4096) + tm.transfer(4096) + tm.command(1) + tm.status_poll());
  ASSERT_LT(die_bound, channel_bound);
  const Result r = closed_loop(a, 4, 4096, sc_time(1, sc_core::SC_MS), sc_time(20, sc_core::SC_MS));
  record(r.rate, die_bound);
  EXPECT_GT(r.rate, 0.97 * die_bound) << "bound " << die_bound;
  EXPECT_LT(r.rate, 1.005 * die_bound);
  EXPECT_GT(r.rate, 0.97 * reference);
  EXPECT_LT(r.rate, 1.03 * reference);
  EXPECT_EQ(r.stats.in_flight.max, 4u * 64);
}

TEST(NandThroughput, Random4kCacheReadsReachTheDieBound) {
  FlashArray a("nand", drive(true), 1);
  const NandTiming& tm = a.timing();
  const double dies = a.geometry().dies();
  const double die_bound = dies * per_second(tm.command(1) + sc_time(50, sc_core::SC_US));
  const Result r = closed_loop(a, 4, 4096, sc_time(1, sc_core::SC_MS), sc_time(20, sc_core::SC_MS));
  record(r.rate, die_bound);
  EXPECT_GT(r.rate, 0.97 * die_bound) << "bound " << die_bound;
  EXPECT_LT(r.rate, 1.005 * die_bound);
}

TEST(NandThroughput, Random16kReadsReachTheChannelBound) {
  FlashArray a("nand", drive(false), 1);
  const NandTiming& tm = a.timing();
  const double dies = a.geometry().dies(), channels = a.geometry().channels();
  const double die_bound = dies * per_second(tm.command(1) + sc_time(50, sc_core::SC_US) + tm.data_out(1, 16384));
  const double channel_bound = channels * per_second(tm.command(1) + tm.data_out(1, 16384));
  ASSERT_LT(channel_bound, die_bound);
  const sc_time warm(1, sc_core::SC_MS), window(20, sc_core::SC_MS);
  const Result r = closed_loop(a, 4, 16384, warm, window);
  record(r.rate, channel_bound);
  EXPECT_GT(r.rate, 0.97 * channel_bound) << "bound " << channel_bound;
  EXPECT_LT(r.rate, 1.005 * channel_bound);
  // The buses are (almost) never idle.
  for (const auto& c : r.stats.channels) EXPECT_GT(c.busy.to_seconds() / (warm + window).to_seconds(), 0.97);
}
