// FlashArray against exact timelines derived from the formulas of nand_timing.h: single
// operations on an idle array, parallel dies, a shared channel, read priority, program suspend,
// the power budget, cache read and cache program. Notation in the comments: c = command (150 ns),
// T = tR, O = status poll + data out, E = ECC, D = program data in, W = tPROG, P = status poll.
#include <algorithm>
#include <deque>
#include <memory>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>
#include <systemc>

#include "backend/nand/flash_array.h"

using namespace scnvme;
using namespace scnvme::nand;
using sc_core::sc_time;

namespace {

sc_time ns(double v) { return sc_time(v, sc_core::SC_NS); }
sc_time us(double v) { return sc_time(v, sc_core::SC_US); }

/// 8 channels x 2 targets x 1 die, 4 planes; no cache operations, no suspend, no retries.
NandConfig plain() {
  NandConfig c;
  c.channels = 8;
  c.targets_per_channel = 2;
  c.dies_per_target = 1;
  c.blocks_per_plane = 16;
  c.pages_per_block = 48;
  c.cache_read = false;
  c.cache_program = false;
  c.suspend = false;
  return c;
}

/// Transactions live here for the whole simulation (deque: stable addresses).
struct Ops {
  std::deque<NandTransaction> all;
  NandTransaction& add(const FlashArray& a, NandOp op, uint32_t die, uint32_t page = 1, uint32_t plane_mask = 0) {
    NandTransaction& t = all.emplace_back();
    t.op = op;
    t.addr = a.geometry().die_address(die);
    t.addr.block = 3;
    t.addr.page = page;
    t.plane_mask = plane_mask;
    return t;
  }
};

/// Submissions at given times, made in the order they were planned (one thread submits them all:
/// the order in which SystemC runs several spawned threads at the same instant is unspecified).
class Schedule {
 public:
  void at(FlashArray& a, NandTransaction& t, const sc_time& when) { plan_.push_back({when, &a, &t}); }
  /// Runs the simulation to its end.
  void run() {
    std::stable_sort(plan_.begin(), plan_.end(), [](const Item& x, const Item& y) { return x.when < y.when; });
    sc_core::sc_spawn([this] {
      for (const Item& i : plan_) {
        if (i.when > sc_core::sc_time_stamp()) sc_core::wait(i.when - sc_core::sc_time_stamp());
        i.array->submit(*i.txn);
      }
    });
    sc_core::sc_start();
  }

 private:
  struct Item {
    sc_time when;
    FlashArray* array;
    NandTransaction* txn;
  };
  std::vector<Item> plan_;
};

}  // namespace

TEST(NandArray, SingleOperationsTakeTheirFormulaTime) {
  FlashArray a("nand", plain(), 1);
  const NandTiming& tm = a.timing();
  Ops ops;
  Schedule plan;
  // Each on its own channel (dies 0..7 sit on channels 0..7).
  NandTransaction& rd = ops.add(a, NandOp::Read, 0, 1);                 // CSB page
  NandTransaction& pg = ops.add(a, NandOp::Program, 1, 4);              // word line 1
  NandTransaction& er = ops.add(a, NandOp::Erase, 2);
  NandTransaction& mrd = ops.add(a, NandOp::Read, 3, 2, 0xF);           // MSB, 4 planes
  NandTransaction& mpg = ops.add(a, NandOp::Program, 4, 0, 0xF);
  NandTransaction& slc_rd = ops.add(a, NandOp::Read, 5, 7);
  slc_rd.slc = true;
  NandTransaction& slc_pg = ops.add(a, NandOp::Program, 6, 7, 0x3);
  slc_pg.slc = true;
  NandTransaction& small = ops.add(a, NandOp::Read, 7, 0);              // LSB, 4 KiB
  small.bytes = 4096;
  for (auto& t : ops.all) plan.at(a, t, sc_core::SC_ZERO_TIME);
  plan.run();

  EXPECT_EQ(rd.latency(), tm.read_latency(PageType::Csb, 1, 16384));
  EXPECT_EQ(rd.latency(), ns(150 + 50000 + 100 + 150 + 10240 + 8 * 500));
  EXPECT_EQ(pg.latency(), tm.program_latency(1));
  EXPECT_EQ(pg.latency(), ns(3 * (150 + 10240) + 500000 + 100));
  EXPECT_EQ(er.latency(), tm.erase_latency(1));
  EXPECT_EQ(er.latency(), ns(150 + 3500000 + 100));
  EXPECT_EQ(mrd.latency(), tm.read_latency(PageType::Msb, 4, 16384));
  EXPECT_EQ(mpg.latency(), tm.program_latency(4));
  EXPECT_EQ(slc_rd.latency(), tm.read_latency(PageType::Lsb, 1, 16384, true));
  EXPECT_EQ(slc_pg.latency(), tm.program_latency(2, true));
  EXPECT_EQ(small.latency(), ns(150 + 40000 + 100 + 150 + 2560 + 2 * 500));

  // Stage timestamps of the read and the program.
  EXPECT_EQ(rd.time.started, sc_core::SC_ZERO_TIME);
  EXPECT_EQ(rd.time.array_start, ns(150));
  EXPECT_EQ(rd.time.array_end, ns(150 + 50000));
  EXPECT_EQ(rd.time.transfer_start, ns(150 + 50000));
  EXPECT_EQ(rd.time.transfer_end, ns(150 + 50000 + 100 + 10390));
  EXPECT_EQ(pg.time.transfer_start, sc_core::SC_ZERO_TIME);
  EXPECT_EQ(pg.time.transfer_end, ns(31170));
  EXPECT_EQ(pg.time.array_start, ns(31170));
  EXPECT_EQ(pg.time.array_end, ns(531170));

  const NandStats s = a.stats();
  EXPECT_EQ(s.reads, 4u);
  EXPECT_EQ(s.programs, 3u);
  EXPECT_EQ(s.erases, 1u);
  EXPECT_EQ(s.pages_read, 1u + 4 + 1 + 1);
  EXPECT_EQ(s.pages_programmed, 3u + 12 + 2);
  EXPECT_EQ(s.blocks_erased, 1u);
  EXPECT_EQ(s.channels[0].busy, ns(150 + 100 + 10390));
  EXPECT_EQ(s.channels[0].bytes_out, 16384u);
  EXPECT_EQ(s.channels[1].busy, ns(31170 + 100));
  EXPECT_EQ(s.channels[1].bytes_in, 3u * 16384);
  EXPECT_EQ(s.dies[0].array_busy, us(50));
  EXPECT_EQ(s.dies[0].held, ns(150 + 50000 + 10490));
  EXPECT_EQ(s.dies[2].array_busy, us(3500));
  EXPECT_EQ(s.in_flight.max, 8u);
  EXPECT_EQ(s.in_flight.current, 0u);
  EXPECT_EQ(a.in_flight(), 0u);
}

TEST(NandArray, ReadsOnSeparateDiesRunInParallelAndOnOneDieSerially) {
  FlashArray a("nand", plain(), 1);
  const NandTiming& tm = a.timing();
  Ops parallel, serial;
  Schedule plan;
  for (uint32_t d = 0; d < 8; ++d) plan.at(a, parallel.add(a, NandOp::Read, d), sc_core::SC_ZERO_TIME);
  for (int i = 0; i < 4; ++i) plan.at(a, serial.add(a, NandOp::Read, 8), sc_core::SC_ZERO_TIME);  // die 8: channel 0
  plan.run();
  // Dies 0..7 sit on channels 0..7: all eight reads take one read time. (Die 0 shares channel 0
  // with die 8, but was submitted first: its command and data out go first.)
  for (const auto& t : parallel.all) EXPECT_EQ(t.latency(), tm.read_latency(PageType::Csb, 1, 16384));
  // Die 8, without cache read: each read holds the die for c + T + O, so once the first read has
  // left the die the others follow c + T + O apart. The first one's command waits for die 0's (c)
  // and its data out for die 0's (which ends at c + T + O).
  const sc_time c = tm.command(1), T = us(50), O = tm.data_out(1, 16384), E = tm.ecc(16384);
  ASSERT_EQ(serial.all.size(), 4u);
  EXPECT_EQ(serial.all[0].time.array_start, 2 * c);
  EXPECT_EQ(serial.all[0].time.transfer_start, c + T + O);
  const sc_time first_free = c + T + O + O;
  EXPECT_EQ(serial.all[0].time.done, first_free + E);
  for (int k = 1; k < 4; ++k) EXPECT_EQ(serial.all[k].time.done, first_free + (c + T + O) * k + E) << k;
}

TEST(NandArray, SharedChannelSerialisesTheTransfers) {
  // 8 dies on one channel, one 16 KiB read each at time 0. The commands go out back to back
  // (die i's array read ends at (i + 1) c + T), then the data outs queue on the bus: as O > c, the
  // k-th ends at c + T + (k + 1) O. The bus bound: n reads take at least n x O of bus time.
  NandConfig cfg = plain();
  cfg.channels = 1;
  cfg.targets_per_channel = 8;
  FlashArray a("nand", cfg, 1);
  const NandTiming& tm = a.timing();
  Ops ops;
  Schedule plan;
  for (uint32_t d = 0; d < 8; ++d) plan.at(a, ops.add(a, NandOp::Read, d), sc_core::SC_ZERO_TIME);
  plan.run();
  const sc_time c = tm.command(1), T = us(50), O = tm.data_out(1, 16384), E = tm.ecc(16384);
  for (uint32_t k = 0; k < 8; ++k) {
    EXPECT_EQ(ops.all[k].time.array_start, c * double(k + 1)) << k;
    EXPECT_EQ(ops.all[k].time.transfer_end, c + T + O * double(k + 1)) << k;
    EXPECT_EQ(ops.all[k].time.done, c + T + O * double(k + 1) + E) << k;
  }
  EXPECT_EQ(a.stats().channels[0].busy, (c + O) * 8.0);
}

TEST(NandArray, AReadQueuedBehindAProgramIsServedFirst) {
  // Die 0 erases from time 0; a program arrives at 1 us, a read at 2 us. Read-first serves the read
  // when the erase completes; FIFO (a second array, same workload) serves the program first.
  FlashArray rf("read_first", plain(), 1);
  FlashArray fifo("fifo", plain(), 1, std::make_unique<FifoScheduler>(16));
  const NandTiming& tm = rf.timing();
  Ops ops;
  Schedule plan;
  NandTransaction* t[2][3];
  FlashArray* arrays[2] = {&rf, &fifo};
  for (int i = 0; i < 2; ++i) {
    t[i][0] = &ops.add(*arrays[i], NandOp::Erase, 0);
    t[i][1] = &ops.add(*arrays[i], NandOp::Program, 0, 0);
    t[i][2] = &ops.add(*arrays[i], NandOp::Read, 0, 1);
    plan.at(*arrays[i], *t[i][0], sc_core::SC_ZERO_TIME);
    plan.at(*arrays[i], *t[i][1], us(1));
    plan.at(*arrays[i], *t[i][2], us(2));
  }
  plan.run();
  const sc_time erased = tm.erase_latency(1);
  const sc_time read = tm.read_latency(PageType::Csb, 1, 16384);
  const sc_time read_holds_die = tm.command(1) + us(50) + tm.data_out(1, 16384);
  // Read first.
  EXPECT_EQ(t[0][0]->time.done, erased);
  EXPECT_EQ(t[0][2]->time.done, erased + read);
  EXPECT_EQ(t[0][1]->time.done, erased + read_holds_die + tm.program_latency(1));
  // FIFO.
  EXPECT_EQ(t[1][1]->time.done, erased + tm.program_latency(1));
  EXPECT_EQ(t[1][2]->time.done, erased + tm.program_latency(1) + read);
}

TEST(NandArray, ProgramSuspendLetsAReadFinishFarEarlier) {
  // A program starts at 0 (data in D, then tPROG W from D); a read of the same die arrives at 100 us.
  // Suspend: the program is suspended at 100 us (S = 20 us), the read runs from 120 us, the program
  // resumes when the read has left the die, with resume_ns + its remaining D + W - 100 us.
  // No suspend: the read waits for the program and its status poll.
  NandConfig with = plain();
  with.suspend = true;
  with.suspend_ns = 20000;
  with.resume_ns = 5000;
  FlashArray sus("suspend", with, 1);
  FlashArray plain_array("no_suspend", plain(), 1);
  const NandTiming& tm = sus.timing();
  Ops ops;
  Schedule plan;
  NandTransaction& p1 = ops.add(sus, NandOp::Program, 0, 0);
  NandTransaction& r1 = ops.add(sus, NandOp::Read, 0, 1);
  NandTransaction& p2 = ops.add(plain_array, NandOp::Program, 0, 0);
  NandTransaction& r2 = ops.add(plain_array, NandOp::Read, 0, 1);
  plan.at(sus, p1, sc_core::SC_ZERO_TIME);
  plan.at(sus, r1, us(100));
  plan.at(plain_array, p2, sc_core::SC_ZERO_TIME);
  plan.at(plain_array, r2, us(100));
  plan.run();

  const sc_time D = tm.data_in(1, false), W = us(500), P = tm.status_poll();
  const sc_time read = tm.read_latency(PageType::Csb, 1, 16384);
  const sc_time read_holds_die = tm.command(1) + us(50) + tm.data_out(1, 16384);
  // With suspend.
  EXPECT_EQ(r1.time.started, us(120));
  EXPECT_EQ(r1.time.done, us(120) + read);
  EXPECT_EQ(r1.time.done, ns(184640));
  const sc_time remaining = D + W - us(100);
  EXPECT_EQ(p1.time.done, us(120) + read_holds_die + ns(5000) + remaining + P);
  EXPECT_EQ(p1.time.done, ns(616910));
  EXPECT_EQ(p1.suspends, 1u);
  EXPECT_EQ(sus.stats().suspends, 1u);
  // Without.
  EXPECT_EQ(p2.time.done, D + W + P);
  EXPECT_EQ(r2.time.done, D + W + P + read);
  EXPECT_EQ(r2.time.done, ns(595910));
  EXPECT_EQ(p2.suspends, 0u);
  EXPECT_LT(r1.latency() * 5.0, r2.latency());
}

TEST(NandArray, SuspendServesQueuedReadsAndRespectsItsLimit) {
  // Three reads queued during one tPROG are served in one suspension; with suspend_max_per_op = 1
  // a read arriving after the resume waits for the program.
  NandConfig cfg = plain();
  cfg.suspend = true;
  cfg.suspend_max_per_op = 1;
  FlashArray a("nand", cfg, 1);
  const NandTiming& tm = a.timing();
  Ops ops;
  Schedule plan;
  NandTransaction& p = ops.add(a, NandOp::Program, 0, 0);
  plan.at(a, p, sc_core::SC_ZERO_TIME);
  std::vector<NandTransaction*> reads;
  for (int i = 0; i < 3; ++i) {
    reads.push_back(&ops.add(a, NandOp::Read, 0, 1));
    plan.at(a, *reads.back(), us(100));
  }
  NandTransaction& late = ops.add(a, NandOp::Read, 0, 1);
  plan.at(a, late, us(400));
  plan.run();
  const sc_time hold = tm.command(1) + us(50) + tm.data_out(1, 16384);
  const sc_time start = us(100) + tm.suspend();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(reads[i]->time.done, start + hold * double(i + 1) + tm.ecc(16384)) << i;
  const sc_time remaining = tm.data_in(1, false) + us(500) - us(100);
  const sc_time program_done = start + hold * 3.0 + tm.resume() + remaining + tm.status_poll();
  EXPECT_EQ(p.time.done, program_done);
  EXPECT_EQ(p.suspends, 1u);
  EXPECT_EQ(late.time.done, program_done + tm.read_latency(PageType::Csb, 1, 16384));
}

TEST(NandArray, PowerBudgetLimitsDiesInArrayOperations) {
  // 8 reads on 8 dies of 8 channels with max_busy_dies = 3: three waves of array reads, each
  // starting when the previous wave's tR ends; read i ends at (i / 3 + 1)(c + T) + O + E, so all 8
  // take ceil(8 / 3) (c + T) + O + E. Unlimited: all at (c + T) + O + E.
  NandConfig budget = plain();
  budget.max_busy_dies = 3;
  FlashArray limited("limited", budget, 1);
  FlashArray unlimited("unlimited", plain(), 1);
  const NandTiming& tm = limited.timing();
  Ops ops;
  Schedule plan;
  std::vector<NandTransaction*> l, u;
  for (uint32_t d = 0; d < 8; ++d) {
    l.push_back(&ops.add(limited, NandOp::Read, d));
    u.push_back(&ops.add(unlimited, NandOp::Read, d));
    plan.at(limited, *l.back(), sc_core::SC_ZERO_TIME);
    plan.at(unlimited, *u.back(), sc_core::SC_ZERO_TIME);
  }
  plan.run();
  const sc_time cycle = tm.command(1) + us(50), tail = tm.data_out(1, 16384) + tm.ecc(16384);
  for (uint32_t i = 0; i < 8; ++i) {
    EXPECT_EQ(l[i]->time.done, cycle * double(i / 3 + 1) + tail) << i;
    EXPECT_EQ(u[i]->time.done, cycle + tail) << i;
  }
  EXPECT_EQ(limited.stats().power_waits, 5u);
  EXPECT_EQ(unlimited.stats().power_waits, 0u);
}

TEST(NandArray, CacheReadOverlapsDataOutWithTheNextArrayRead) {
  // Four reads on one die. Without cache read each holds the die for c + T + O. With it the die is
  // free once the data is in the register: the next command goes out first (commands before data
  // outs on the bus), then the data out overlaps the next tR, so read i < 3 ends at
  // (i + 2) c + (i + 1) T + O + E and the last at 4 (c + T) + O + E.
  NandConfig cached = plain();
  cached.cache_read = true;
  FlashArray with("cache", cached, 1);
  FlashArray without("no_cache", plain(), 1);
  const NandTiming& tm = with.timing();
  Ops ops;
  Schedule plan;
  std::vector<NandTransaction*> w, n;
  for (int i = 0; i < 4; ++i) {
    w.push_back(&ops.add(with, NandOp::Read, 0));
    n.push_back(&ops.add(without, NandOp::Read, 0));
    plan.at(with, *w.back(), sc_core::SC_ZERO_TIME);
    plan.at(without, *n.back(), sc_core::SC_ZERO_TIME);
  }
  plan.run();
  const sc_time c = tm.command(1), T = us(50), O = tm.data_out(1, 16384), E = tm.ecc(16384);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(w[i]->time.done, c * double(i + 2) + T * double(i + 1) + O + E) << i;
  EXPECT_EQ(w[3]->time.done, (c + T) * 4.0 + O + E);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(n[i]->time.done, (c + T + O) * double(i + 1) + E) << i;
}

TEST(NandArray, CacheReadKeepsTheDieWhileTheRegisterIsFull) {
  // Two dies on one channel, SLC-fast array reads (3 us) and a slow bus (100 MT/s: a 16 KiB data
  // out takes 164 us): the second read of die 0 finishes its tR long before the first read's data
  // is out and keeps the die until the register empties.
  NandConfig cfg = plain();
  cfg.cache_read = true;
  cfg.interface_mts = 100;
  cfg.slc_read_us = 3;
  FlashArray a("nand", cfg, 1);
  const NandTiming& tm = a.timing();
  Ops ops;
  Schedule plan;
  NandTransaction& r0 = ops.add(a, NandOp::Read, 0);
  NandTransaction& r1 = ops.add(a, NandOp::Read, 0);
  NandTransaction& r2 = ops.add(a, NandOp::Read, 0);
  for (auto* t : {&r0, &r1, &r2}) {
    t->slc = true;
    plan.at(a, *t, sc_core::SC_ZERO_TIME);
  }
  plan.run();
  const sc_time c = tm.command(1), T = us(3), O = tm.data_out(1, 16384), E = tm.ecc(16384);
  // r0: command, tR, into the register at c + T; r1's command, then r0's data out [2c + T, 2c + T + O].
  EXPECT_EQ(r0.time.done, c * 2.0 + T + O + E);
  // r1's tR ends at 2(c + T); it waits in the die until r0's data is out, then moves to the register:
  // r2's command goes out, then r1's data out.
  EXPECT_EQ(r1.time.array_end, (c + T) * 2.0);
  EXPECT_EQ(r2.time.array_start, c * 3.0 + T + O);
  EXPECT_EQ(r1.time.done, c * 3.0 + T + O + O + E);
  EXPECT_EQ(r2.time.done, c * 3.0 + T + O * 3.0 + E);
}

TEST(NandArray, CacheProgramOverlapsDataInWithTheProgram) {
  // Two programs on one die: with cache program the second one's data in runs during the first
  // one's tPROG; its tPROG starts after the first one's status poll.
  NandConfig cached = plain();
  cached.cache_program = true;
  FlashArray with("cache", cached, 1);
  FlashArray without("no_cache", plain(), 1);
  const NandTiming& tm = with.timing();
  Ops ops;
  Schedule plan;
  NandTransaction& w1 = ops.add(with, NandOp::Program, 0, 0);
  NandTransaction& w2 = ops.add(with, NandOp::Program, 0, 3);
  NandTransaction& n1 = ops.add(without, NandOp::Program, 0, 0);
  NandTransaction& n2 = ops.add(without, NandOp::Program, 0, 3);
  for (auto* t : {&w1, &w2}) plan.at(with, *t, sc_core::SC_ZERO_TIME);
  for (auto* t : {&n1, &n2}) plan.at(without, *t, sc_core::SC_ZERO_TIME);
  plan.run();
  const sc_time D = tm.data_in(1, false), W = us(500), P = tm.status_poll();
  EXPECT_EQ(w1.time.done, D + W + P);
  EXPECT_EQ(w2.time.transfer_start, D);
  EXPECT_EQ(w2.time.array_start, D + W + P);
  EXPECT_EQ(w2.time.done, D + W * 2.0 + P * 2.0);
  EXPECT_EQ(n1.time.done, D + W + P);
  EXPECT_EQ(n2.time.transfer_start, D + W + P);
  EXPECT_EQ(n2.time.done, D * 2.0 + W * 2.0 + P * 2.0);
}

TEST(NandArray, QueueDepthStatistics) {
  // Four reads on one die at time 0: the die's depth steps 4, 3, 2, 1, 0 as each read's data has
  // left the die (x_k; its ECC decode is the controller's), so its time-weighted mean up to the
  // end of the run (x_3: no event waits for the decodes) is (x_0 + x_1 + x_2 + x_3) / x_3.
  FlashArray a("nand", plain(), 1);
  Ops ops;
  Schedule plan;
  for (int i = 0; i < 4; ++i) plan.at(a, ops.add(a, NandOp::Read, 0), sc_core::SC_ZERO_TIME);
  plan.run();
  double sum = 0;
  for (const auto& t : ops.all) sum += t.time.transfer_end.to_seconds();
  const NandStats s = a.stats();
  EXPECT_EQ(s.dies[0].depth.max, 4u);
  EXPECT_EQ(s.dies[0].depth.current, 0u);
  EXPECT_NEAR(s.dies[0].depth.mean, sum / ops.all.back().time.transfer_end.to_seconds(), 1e-9);
  EXPECT_EQ(s.dies[0].reads, 4u);
  EXPECT_EQ(s.dies[1].depth.max, 0u);
  EXPECT_NEAR(s.in_flight.mean, s.dies[0].depth.mean, 1e-9);
}

TEST(NandArray, CallbacksMayResubmitAndEventsAreNotified) {
  FlashArray a("nand", plain(), 1);
  Ops ops;
  NandTransaction& t = ops.add(a, NandOp::Read, 0);
  sc_core::sc_event done;
  int callbacks = 0;
  t.done_event = &done;
  t.on_done = [&](NandTransaction& self) {
    if (++callbacks < 3) a.submit(self);  // the same object again, from the callback
  };
  std::vector<sc_time> woken;
  sc_core::sc_spawn([&] {
    a.submit(t);
    for (int i = 0; i < 3; ++i) {
      sc_core::wait(done);
      woken.push_back(sc_core::sc_time_stamp());
    }
  });
  sc_core::sc_start();
  EXPECT_EQ(callbacks, 3);
  // The callback runs once the data has left the die (the controller decodes it after that), so
  // each resubmission finds the die idle one ECC decode before the event of the previous read.
  const sc_time latency = a.timing().read_latency(PageType::Csb, 1, 16384);
  const sc_time ecc = a.timing().ecc(16384);
  ASSERT_EQ(woken.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(woken[i], (latency - ecc) * double(i + 1) + ecc) << i;
}

TEST(NandArray, PowerLossDropsEverythingInFlightAndTheArrayStartsAfresh) {
  FlashArray a("nand", plain(), 1);
  const NandTiming& tm = a.timing();
  Ops ops;
  NandTransaction& pg = ops.add(a, NandOp::Program, 0, 4);  // in the array at the loss
  NandTransaction& rd = ops.add(a, NandOp::Read, 0, 1);     // queued behind it
  NandTransaction& er = ops.add(a, NandOp::Erase, 1);       // in the array
  NandTransaction& late = ops.add(a, NandOp::Read, 2, 1);   // submitted with a delay, not arrived
  int completions = 0;
  for (auto& t : ops.all) t.on_done = [&](NandTransaction&) { ++completions; };
  std::size_t dropped = 0, in_flight_after = 9;
  bool idle_after = false;
  sc_time resubmitted;
  sc_core::sc_spawn([&] {
    a.submit(pg);
    a.submit(er);
    a.submit(late, us(500));
    sc_core::wait(us(50));  // the program's data is in, tPROG runs: the read queues behind it
    a.submit(rd);
    sc_core::wait(us(50));  // mid-program, mid-erase
    dropped = a.power_loss();
    in_flight_after = a.in_flight();
    idle_after = a.idle();
    sc_core::wait(us(1000));  // nothing that was dropped completes, not even the delayed one
    resubmitted = sc_core::sc_time_stamp();
    for (NandTransaction* t : {&pg, &er, &late}) a.submit(*t);  // the same transactions again
    sc_core::wait(us(50));
    a.submit(rd);
  });
  sc_core::sc_start();
  EXPECT_EQ(dropped, 4u);
  EXPECT_EQ(in_flight_after, 0u);
  EXPECT_TRUE(idle_after);
  EXPECT_EQ(completions, 4);  // only the resubmissions completed
  // After the loss the dies are free: each resubmission takes its formula time from then on
  // (the read on die 0 queues behind the program there, as the first time: no suspend).
  EXPECT_EQ(pg.time.submitted, resubmitted);
  EXPECT_EQ(pg.latency(), tm.program_latency(1));
  EXPECT_EQ(er.latency(), tm.erase_latency(1));
  EXPECT_EQ(late.latency(), tm.read_latency(PageType::Csb, 1, 16384));
  EXPECT_GT(rd.time.done, pg.time.done);
  EXPECT_TRUE(a.idle());
  EXPECT_EQ(a.stats().in_flight.current, 0u);
}

TEST(NandArray, BadSubmissionsThrow) {
  NandConfig single = plain();
  single.multi_plane = false;
  FlashArray a("nand", single, 1);
  Ops ops;
  NandTransaction& off = ops.add(a, NandOp::Read, 0);
  off.addr.block = 16;
  EXPECT_THROW(a.submit(off), std::invalid_argument);
  NandTransaction& multi = ops.add(a, NandOp::Read, 0, 1, 0x3);
  EXPECT_THROW(a.submit(multi), std::invalid_argument);
  NandTransaction& no_plane = ops.add(a, NandOp::Read, 0, 1, 0x10);
  EXPECT_THROW(a.submit(no_plane), std::invalid_argument);
  NandTransaction& big = ops.add(a, NandOp::Read, 0);
  big.bytes = 16385;
  EXPECT_THROW(a.submit(big), std::invalid_argument);
  NandTransaction& slc = ops.add(a, NandOp::Read, 0, 16);  // a pSLC block has 48 / 3 = 16 pages
  slc.slc = true;
  EXPECT_THROW(a.submit(slc), std::invalid_argument);
  NandTransaction& twice = ops.add(a, NandOp::Read, 0);
  bool threw = false;
  sc_core::sc_spawn([&] {
    a.submit(twice);
    try {
      a.submit(twice);
    } catch (const std::logic_error&) {
      threw = true;
    }
  });
  NandConfig bad = plain();
  bad.channels = 0;
  EXPECT_THROW(FlashArray("bad", bad, 1), ConfigError);
  sc_core::sc_start();
  EXPECT_TRUE(threw);
  EXPECT_EQ(twice.time.done, a.timing().read_latency(PageType::Csb, 1, 16384));
}
