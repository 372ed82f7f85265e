// Thousands of mixed transactions in flight on the default 64-die drive with every optional
// operation on: all complete, their stages are ordered, the counters add up, the power budget
// holds, and a second array with the same seed and workload produces identical timestamps (the
// second one traced: a read's command then takes the evented path instead of starting the array
// read with it, which must not change a time).
#include <algorithm>
#include <deque>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <systemc>

#include "backend/nand/flash_array.h"
#include "scnvme/trace.h"

using namespace scnvme;
using namespace scnvme::nand;
using sc_core::sc_time;

namespace {

/// `count` random operations (70% reads of 4 or 16 KiB, 25% programs, 5% erases; random plane
/// masks), submitted in bursts of 1000 every 2 ms.
std::deque<NandTransaction> workload(const NandGeometry& g, unsigned count, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::deque<NandTransaction> ops;
  for (unsigned i = 0; i < count; ++i) {
    NandTransaction& t = ops.emplace_back();
    const unsigned kind = rng() % 100;
    t.op = kind < 70 ? NandOp::Read : kind < 95 ? NandOp::Program : NandOp::Erase;
    t.addr = g.die_address(static_cast<uint32_t>(rng() % g.dies()));
    t.addr.plane = static_cast<uint32_t>(rng() % g.planes_per_die());
    t.addr.block = static_cast<uint32_t>(rng() % g.blocks_per_plane());
    t.addr.page = static_cast<uint32_t>(rng() % g.pages_per_block());
    if (rng() % 4 == 0) t.plane_mask = static_cast<uint32_t>(rng() % 15 + 1);
    if (t.op == NandOp::Read) t.bytes = rng() % 2 ? 4096 : 16384;
    if (rng() % 10 == 0) {
      t.slc = true;
      t.addr.page %= g.word_lines_per_block();
    }
    t.pe_cycles = static_cast<uint32_t>(rng() % 3000);
    t.tag = i;
  }
  return ops;
}

void submit_in_bursts(FlashArray& a, std::deque<NandTransaction>& ops) {
  sc_core::sc_spawn([&a, &ops] {
    unsigned n = 0;
    for (auto& t : ops) {
      if (n++ % 1000 == 0 && n > 1) sc_core::wait(2, sc_core::SC_MS);
      a.submit(t);
    }
  });
}

/// The largest number of array operations overlapping in time (an end at t before a start at t).
/// Only meaningful without suspensions (a suspended operation's span is not one interval).
unsigned max_concurrent_array_ops(const std::deque<NandTransaction>& ops) {
  std::vector<std::pair<sc_time, int>> edges;
  for (const auto& t : ops) {
    edges.push_back({t.time.array_start, +1});
    edges.push_back({t.time.array_end, -1});
  }
  std::sort(edges.begin(), edges.end());  // -1 sorts before +1 at equal times
  int level = 0, peak = 0;
  for (const auto& e : edges) peak = std::max(peak, level += e.second);
  return static_cast<unsigned>(peak);
}

/// A trace sink that takes every signal and keeps nothing.
class DiscardingSink : public TraceSink {
 public:
  int declare(const std::string&, unsigned) override { return next_++; }
  void set(int, const sc_time&, uint64_t) override {}
  void busy(int, const sc_time&, const sc_time&, const char*) override {}
  void begin(int, const sc_time&, const char*) override { ++intervals; }
  void end(int, const sc_time&) override {}
  uint64_t intervals = 0;

 private:
  int next_ = 0;
};

NandConfig busy_drive() {
  NandConfig c;  // the default drive: multi-plane, cache read/program and suspend on
  c.read_retry_probability = 0.05;
  c.read_retry_growth_per_kpe = 0.01;
  c.max_busy_dies = 24;
  return c;
}

}  // namespace

TEST(NandStress, MixedOperationsAllCompleteDeterministically) {
  FlashArray a("nand", busy_drive(), 99);
  FlashArray twin("twin", busy_drive(), 99);
  DiscardingSink sink;
  twin.attach_trace(sink, "twin");
  auto ops = workload(a.geometry(), 20000, 5);
  auto twin_ops = workload(twin.geometry(), 20000, 5);
  submit_in_bursts(a, ops);
  submit_in_bursts(twin, twin_ops);
  sc_core::sc_start();

  EXPECT_EQ(a.in_flight(), 0u);
  const NandStats s = a.stats();
  uint64_t reads = 0, programs = 0, erases = 0, suspends = 0, retries = 0;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const NandTransaction& t = ops[i];
    ASSERT_EQ(t.engine.stage, nand::detail::Stage::Done) << i;
    ASSERT_LE(t.time.submitted, t.time.started) << i;
    ASSERT_LE(t.time.started, t.time.array_start) << i;
    ASSERT_LT(t.time.array_start, t.time.array_end) << i;
    ASSERT_LE(t.time.array_end, t.time.done) << i;
    if (t.op == NandOp::Read) {
      ASSERT_LE(t.time.array_end, t.time.transfer_start) << i;
    }
    if (t.op == NandOp::Program) {
      ASSERT_LE(t.time.transfer_end, t.time.array_start) << i;
    }
    reads += t.op == NandOp::Read;
    programs += t.op == NandOp::Program;
    erases += t.op == NandOp::Erase;
    suspends += t.suspends;
    retries += t.retries;
    // Identical twin.
    ASSERT_EQ(t.time.array_start, twin_ops[i].time.array_start) << i;
    ASSERT_EQ(t.time.transfer_start, twin_ops[i].time.transfer_start) << i;
    ASSERT_EQ(t.time.done, twin_ops[i].time.done) << i;
    ASSERT_EQ(t.retries, twin_ops[i].retries) << i;
  }
  EXPECT_EQ(s.reads, reads);
  EXPECT_EQ(s.programs, programs);
  EXPECT_EQ(s.erases, erases);
  EXPECT_EQ(s.suspends, suspends);
  EXPECT_EQ(s.retries, retries);
  EXPECT_GT(suspends, 0u);
  EXPECT_GT(retries, 0u);
  EXPECT_GT(s.power_waits, 0u);
  EXPECT_GE(s.in_flight.max, 1000u);
  EXPECT_EQ(s.in_flight.current, 0u);
  EXPECT_GT(sink.intervals, 0u);
  const NandStats ts = twin.stats();
  for (std::size_t c = 0; c < s.channels.size(); ++c) EXPECT_EQ(s.channels[c].busy, ts.channels[c].busy) << c;
  for (std::size_t d = 0; d < s.dies.size(); ++d) EXPECT_EQ(s.dies[d].array_busy, ts.dies[d].array_busy) << d;
}

TEST(NandStress, PowerBudgetHoldsUnderLoad) {
  NandConfig cfg = busy_drive();
  cfg.suspend = false;  // array operations are then single intervals
  FlashArray a("nand", cfg, 3);
  auto ops = workload(a.geometry(), 10000, 11);
  submit_in_bursts(a, ops);
  sc_core::sc_start();
  EXPECT_EQ(a.in_flight(), 0u);
  EXPECT_EQ(max_concurrent_array_ops(ops), 24u);
}
