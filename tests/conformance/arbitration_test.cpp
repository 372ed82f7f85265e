// Command arbitration (NVMe Base 2.0, 3.4.4): round robin (3.4.4.1), weighted round robin with
// urgent priority class (3.4.4.2) with the Arbitration feature's burst and weights (5.27.1.1),
// CAP.AMS / CC.AMS (3.1.3.1, 3.1.3.5) and QPRIO of Create I/O Submission Queue (5.5).
//
// One command slot makes the order deterministic: the controller fetches one command, runs it to
// completion, then arbitrates again, so the CQE order on a CQ shared by the SQs under test is the
// order in which the arbiter served them. SQs are filled while Bus Master Enable is clear (the
// controller cannot fetch), so arbitration starts with every SQ backlogged.
#include <algorithm>
#include <cmath>
#include <map>

#include "conformance/host_steps.h"

using namespace scnvme;
using namespace scnvme::test;
namespace p = spec::pci;
namespace ft = spec::feature;

namespace {

constexpr uint16_t kSharedCq = 1;
constexpr uint8_t kUrgent = 0, kHigh = 1, kMedium = 2, kLow = 3;  // QPRIO
constexpr uint32_t kAmsRr = 0, kAmsWrr = 1;

/// Arbitration feature value (Feature 01h, Dword 11); weights are 0-based as the host writes them.
constexpr uint32_t arbitration(uint32_t ab, uint32_t lpw, uint32_t mpw, uint32_t hpw) {
  return ab | lpw << 8 | mpw << 16 | hpw << 24;
}

ControllerConfig one_slot(bool wrr = true) {
  ControllerConfig cfg;
  cfg.command_slots = 1;
  cfg.weighted_round_robin = wrr;
  return cfg;
}

/// Completes quickly with Invalid Command Opcode.
spec::Sqe io_command() { return make_sqe(kUndefinedIoOpcode, 0, 0, 1); }

/// Create I/O SQ with a queue priority (the Bench helper leaves QPRIO 00b).
void create_sq_prio(Bench& h, uint16_t qid, uint32_t entries, uint16_t cqid, uint8_t qprio) {
  spec::Sqe s = create_sq_sqe(h, qid, entries, cqid);
  s.set_dw(11, s.cdw11() | static_cast<uint32_t>(qprio) << 1);
  EXPECT_STATUS(h.admin(s), st::kSuccess);
  h.sqs[qid] = HostQueue{qid, s.prp1(), entries, 0, true};
}

void hold_fetching(Bench& h) { h.cfg_write(p::kCommand, 2, p::command::kMemorySpace); }
void release_fetching(Bench& h) { h.cfg_write(p::kCommand, 2, p::command::kMemorySpace | p::command::kBusMaster); }

/// Enables with CC.AMS = `ams`, sets the Arbitration feature, creates the shared CQ (no interrupts)
/// and SQ i+1 with QPRIO qprios[i] on it; leaves fetching held.
void setup(Bench& h, uint32_t ams, uint32_t arb, const std::vector<uint8_t>& qprios, uint32_t sq_entries = 256) {
  h.pci_setup();
  ASSERT_TRUE(h.enable(32, 32, ams << 11));
  EXPECT_STATUS(h.set_features(ft::kArbitration, arb), st::kSuccess);
  EXPECT_STATUS(h.create_cq(kSharedCq, 1024, 1, false), st::kSuccess);
  for (std::size_t i = 0; i < qprios.size(); ++i)
    create_sq_prio(h, static_cast<uint16_t>(i + 1), sq_entries, kSharedCq, qprios[i]);
  hold_fetching(h);
}

void fill(Bench& h, uint16_t sqid, unsigned n) {
  for (unsigned i = 0; i < n; ++i) h.submit(sqid, io_command(), -1, false);
  h.ring_sq(sqid);
}

/// The SQ IDs of the next `n` CQEs on the shared CQ; with `refill`, every completed command is
/// replaced by a new one on its SQ, so the SQs stay backlogged.
std::vector<uint16_t> serve(Bench& h, std::size_t n, bool refill) {
  std::vector<uint16_t> order;
  order.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const spec::Cqe c = h.wait_cqe(kSharedCq, sc_core::sc_time(1, sc_core::SC_MS));
    if (c.status().is(spec::status::make(7, 0xFF))) break;  // timed out (already reported)
    EXPECT_STATUS(c, st::kInvalidCommandOpcode);
    order.push_back(c.sq_id());
    if (refill) h.submit(c.sq_id(), io_command());
  }
  return order;
}

std::map<uint16_t, std::size_t> counts(const std::vector<uint16_t>& order) {
  std::map<uint16_t, std::size_t> m;
  for (uint16_t q : order) ++m[q];
  return m;
}

/// Lengths of the runs of consecutive commands from one SQ.
std::vector<std::pair<uint16_t, std::size_t>> runs(const std::vector<uint16_t>& order) {
  std::vector<std::pair<uint16_t, std::size_t>> r;
  for (uint16_t q : order) {
    if (r.empty() || r.back().first != q) r.emplace_back(q, 0);
    ++r.back().second;
  }
  return r;
}

std::string show(const std::vector<uint16_t>& order, std::size_t max = 48) {
  std::string s;
  for (std::size_t i = 0; i < order.size() && i < max; ++i) s += std::to_string(order[i]) + " ";
  return s;
}

/// Within 5 % (relative) of the expected share.
void expect_share(const std::map<uint16_t, std::size_t>& c, uint16_t sqid, double expected, std::size_t total) {
  const double share = static_cast<double>(c.count(sqid) ? c.at(sqid) : 0) / static_cast<double>(total);
  std::printf("  SQ %u: %zu of %zu commands, share %.4f (expected %.4f)\n", sqid, c.count(sqid) ? c.at(sqid) : 0,
              total, share, expected);
  EXPECT_NEAR(share, expected, 0.05 * expected) << "SQ " << sqid;
}

}  // namespace

TEST(Arbitration, CapAdvertisesWrrAndCcAmsWrrIsAccepted) {
  Bench b("bench", one_slot(true));
  b.run([](Bench& h) {
    h.pci_setup();
    const uint64_t cap = h.rd64(spec::reg::kCap);
    EXPECT_EQ((cap >> 17) & 1u, 1u) << "CAP.AMS bit 17: weighted round robin with urgent priority class";
    EXPECT_EQ((cap >> 18) & 1u, 0u) << "CAP.AMS bit 18: no vendor specific arbitration";
    ASSERT_TRUE(h.enable(32, 32, kAmsWrr << 11));
    EXPECT_EQ(spec::reg::cc::ams(h.rd32(spec::reg::kCc)), spec::reg::cc::kAmsWrr);
    EXPECT_EQ(h.rd32(spec::reg::kCsts) & spec::reg::csts::kCfs, 0u);
    // The controller works under WRR: admin and I/O commands complete.
    EXPECT_STATUS(h.set_features(ft::kArbitration, arbitration(3, 1, 3, 7)), st::kSuccess);
    EXPECT_EQ(h.get_features(ft::kArbitration).dw0(), arbitration(3, 1, 3, 7));
    EXPECT_STATUS(h.create_cq(1, 16, 1), st::kSuccess);
    create_sq_prio(h, 1, 16, 1, kMedium);
    const uint16_t cid = h.submit(1, io_command());
    const spec::Cqe c = h.wait_cqe(1);
    EXPECT_EQ(c.cid(), cid);
    EXPECT_STATUS(c, st::kInvalidCommandOpcode);
  });
}

TEST(Arbitration, CcAmsWrrWithoutCapAmsSetsCfs) {
  Bench b("bench", one_slot(false));
  b.run([](Bench& h) {
    h.pci_setup();
    EXPECT_EQ(spec::reg::cap::ams(h.rd64(spec::reg::kCap)), 0u) << "weighted_round_robin = false: round robin only";
    EXPECT_FALSE(h.enable(32, 32, kAmsWrr << 11));
    EXPECT_NE(h.rd32(spec::reg::kCsts) & spec::reg::csts::kCfs, 0u);
    EXPECT_EQ(h.rd32(spec::reg::kCsts) & spec::reg::csts::kRdy, 0u);
    // Back to round robin after a reset: the controller comes up.
    h.wr32(spec::reg::kCc, 0);
    ASSERT_TRUE(h.wait_ready(false));
    EXPECT_TRUE(h.enable(32, 32, kAmsRr << 11));
  });
}

TEST(Arbitration, RoundRobinAlternatesBetweenSqs) {
  Bench b("bench", one_slot());
  b.run([](Bench& h) {
    // QPRIO differs per SQ on purpose: under round robin it is ignored.
    setup(h, kAmsRr, arbitration(0, 0, 0, 0), {kLow, kUrgent, kHigh});
    for (uint16_t q = 1; q <= 3; ++q) fill(h, q, 100);
    release_fetching(h);
    const std::vector<uint16_t> order = serve(h, 300, false);
    ASSERT_EQ(order.size(), 300u);
    for (std::size_t i = 0; i < order.size(); ++i)
      ASSERT_EQ(order[i], i % 3 + 1) << "command " << i << "; order: " << show(order);
  });
}

TEST(Arbitration, RoundRobinIgnoresQprioAndWeights) {
  Bench b("bench", one_slot());
  b.run([](Bench& h) {
    // Weights 8:4:2 and an urgent SQ would skew the shares under WRR; under RR all get a third.
    setup(h, kAmsRr, arbitration(0, 1, 3, 7), {kUrgent, kHigh, kLow});
    for (uint16_t q = 1; q <= 3; ++q) fill(h, q, 200);
    release_fetching(h);
    const std::size_t n = 3000;
    const auto order = serve(h, n, true);
    ASSERT_EQ(order.size(), n);
    const auto c = counts(order);
    for (uint16_t q = 1; q <= 3; ++q) expect_share(c, q, 1.0 / 3, n);
    for (const auto& r : runs(order)) ASSERT_EQ(r.second, 1u) << "AB = 0: one command per SQ per turn";
  });
}

TEST(Arbitration, WrrSharesFollowWeights) {
  Bench b("bench", one_slot());
  b.run([](Bench& h) {
    // HPW 7, MPW 3, LPW 1: 8, 4 and 2 commands per round. SQs 1 and 2 share the high level
    // (round robin inside it), SQ 3 is medium, SQ 4 low.
    setup(h, kAmsWrr, arbitration(0, 1, 3, 7), {kHigh, kHigh, kMedium, kLow});
    for (uint16_t q = 1; q <= 4; ++q) fill(h, q, 200);
    release_fetching(h);
    const std::size_t n = 10000;
    const auto order = serve(h, n, true);
    ASSERT_EQ(order.size(), n);
    std::printf("WRR 8:4:2 over %zu commands, first: %s\n", n, show(order, 28).c_str());
    const auto c = counts(order);
    expect_share(c, 1, 4.0 / 14, n);
    expect_share(c, 2, 4.0 / 14, n);
    expect_share(c, 3, 4.0 / 14, n);
    expect_share(c, 4, 2.0 / 14, n);
    // Every round of 14 commands holds exactly 8 high, 4 medium and 2 low ones.
    for (std::size_t round = 0; round + 14 <= n; round += 14) {
      const auto rc = counts(std::vector<uint16_t>(order.begin() + static_cast<long>(round), order.begin() + static_cast<long>(round + 14)));
      const std::size_t high = (rc.count(1) ? rc.at(1) : 0) + (rc.count(2) ? rc.at(2) : 0);
      ASSERT_EQ(high, 8u) << "round at " << round;
      ASSERT_EQ(rc.count(3) ? rc.at(3) : 0, 4u) << "round at " << round;
      ASSERT_EQ(rc.count(4) ? rc.at(4) : 0, 2u) << "round at " << round;
    }
  });
}

TEST(Arbitration, WrrReadsWeightsWhenArbitrating) {
  Bench b("bench", one_slot());
  b.run([](Bench& h) {
    setup(h, kAmsWrr, arbitration(0, 0, 1, 5), {kHigh, kMedium, kLow});  // 6:2:1
    for (uint16_t q = 1; q <= 3; ++q) fill(h, q, 200);
    release_fetching(h);
    const std::size_t n = 1800;
    auto c = counts(serve(h, n, true));
    std::printf("WRR 6:2:1 over %zu commands\n", n);
    expect_share(c, 1, 6.0 / 9, n);
    expect_share(c, 2, 2.0 / 9, n);
    expect_share(c, 3, 1.0 / 9, n);
    // New weights (low now heaviest) take effect without re-enabling; the admin command itself
    // overtakes the backlog (admin class).
    EXPECT_STATUS(h.set_features(ft::kArbitration, arbitration(0, 4, 2, 0)), st::kSuccess);  // 1:3:5
    serve(h, 20, true);  // let the round in progress finish
    c = counts(serve(h, n, true));
    std::printf("WRR 1:3:5 over %zu commands\n", n);
    expect_share(c, 1, 1.0 / 9, n);
    expect_share(c, 2, 3.0 / 9, n);
    expect_share(c, 3, 5.0 / 9, n);
  });
}

TEST(Arbitration, WrrLevelsWithoutEntriesDoNotHoldBackOthers) {
  Bench b("bench", one_slot());
  b.run([](Bench& h) {
    // Only medium and low are backlogged: they share by their own weights (4:2), the idle high
    // level's credit does not stall them.
    setup(h, kAmsWrr, arbitration(0, 1, 3, 7), {kHigh, kMedium, kLow});
    fill(h, 2, 200);
    fill(h, 3, 200);
    release_fetching(h);
    const std::size_t n = 1200;
    const auto c = counts(serve(h, n, true));
    EXPECT_EQ(c.count(1), 0u);
    expect_share(c, 2, 4.0 / 6, n);
    expect_share(c, 3, 2.0 / 6, n);
  });
}

TEST(Arbitration, UrgentServedBeforeWrrClasses) {
  Bench b("bench", one_slot());
  b.run([](Bench& h) {
    setup(h, kAmsWrr, arbitration(0, 0, 0, 0), {kHigh, kLow, kUrgent, kUrgent});
    fill(h, 1, 100);
    fill(h, 2, 100);
    fill(h, 3, 30);
    fill(h, 4, 30);
    release_fetching(h);
    // Both urgent SQs drain first, round robin between them, before any WRR command.
    auto order = serve(h, 60, false);
    ASSERT_EQ(order.size(), 60u);
    for (std::size_t i = 0; i < order.size(); ++i) ASSERT_EQ(order[i], 3 + i % 2) << "order: " << show(order);
    // Then the WRR class (equal weights: alternating high and low).
    order = serve(h, 40, false);
    for (std::size_t i = 0; i < order.size(); ++i) ASSERT_EQ(order[i], 1 + i % 2) << "order: " << show(order);
    // New urgent commands arriving mid-run are taken next: only the command already fetched and
    // CQEs already posted before the doorbell precede them, then all 20 run back to back.
    fill(h, 3, 20);
    order = serve(h, 40, false);
    const auto first = std::find(order.begin(), order.end(), 3);
    ASSERT_NE(first, order.end());
    EXPECT_LE(first - order.begin(), 2) << "order: " << show(order);
    ASSERT_GE(order.end() - first, 20);
    for (auto it = first; it != first + 20; ++it) EXPECT_EQ(*it, 3) << "order: " << show(order);
    EXPECT_EQ(std::count(order.begin(), order.end(), 3), 20);
  });
}

TEST(Arbitration, AdminServedBeforeUrgent) {
  Bench b("bench", one_slot());
  b.run([](Bench& h) {
    setup(h, kAmsWrr, arbitration(0, 0, 0, 0), {kUrgent});
    fill(h, 1, 100);
    constexpr unsigned kAdmin = 5;
    for (unsigned i = 0; i < kAdmin; ++i)
      h.submit(0, make_sqe(spec::admin_opcode::kGetFeatures, ft::kArbitration), -1, false);
    h.ring_sq(0);
    release_fetching(h);
    // Watch both CQs at a fine grain (no doorbells, so nothing delays the host): every admin CQE
    // must appear before the first urgent one.
    std::vector<std::pair<sc_core::sc_time, uint16_t>> seen;  // time, SQ ID
    const sc_core::sc_time end = sc_core::sc_time_stamp() + sc_core::sc_time(1, sc_core::SC_MS);
    while (seen.size() < kAdmin + 20 && sc_core::sc_time_stamp() < end) {
      for (uint16_t cq : {uint16_t{0}, kSharedCq})
        while (h.cqe_available(cq)) seen.emplace_back(sc_core::sc_time_stamp(), h.wait_cqe(cq, sc_core::sc_time(1, sc_core::SC_NS), false).sq_id());
      sc_core::wait(10, sc_core::SC_NS);
    }
    ASSERT_GE(seen.size(), kAdmin + 20u);
    EXPECT_GT(seen[kAdmin].first, seen[kAdmin - 1].first) << "the first urgent CQE follows the last admin one";
    for (std::size_t i = 0; i < kAdmin; ++i) EXPECT_EQ(seen[i].second, 0u) << "CQE " << i;
    for (std::size_t i = kAdmin; i < seen.size(); ++i) EXPECT_EQ(seen[i].second, 1u) << "CQE " << i;
  });
}

TEST(Arbitration, RoundRobinIncludesAdminSq) {
  Bench b("bench", one_slot());
  b.run([](Bench& h) {
    // Under round robin the admin SQ is one of the queues, with no priority over I/O SQs.
    setup(h, kAmsRr, arbitration(0, 0, 0, 0), {kUrgent});
    fill(h, 1, 100);
    constexpr unsigned kAdmin = 5;
    for (unsigned i = 0; i < kAdmin; ++i)
      h.submit(0, make_sqe(spec::admin_opcode::kGetFeatures, ft::kArbitration), -1, false);
    h.ring_sq(0);
    release_fetching(h);
    std::vector<uint16_t> seen;
    const sc_core::sc_time end = sc_core::sc_time_stamp() + sc_core::sc_time(1, sc_core::SC_MS);
    while (seen.size() < 2 * kAdmin && sc_core::sc_time_stamp() < end) {
      for (uint16_t cq : {uint16_t{0}, kSharedCq})
        while (h.cqe_available(cq)) seen.push_back(h.wait_cqe(cq, sc_core::sc_time(1, sc_core::SC_NS), false).sq_id());
      sc_core::wait(10, sc_core::SC_NS);
    }
    ASSERT_GE(seen.size(), 2 * kAdmin);
    for (std::size_t i = 0; i + 1 < 2 * kAdmin; ++i) EXPECT_NE(seen[i], seen[i + 1]) << "order: " << show(seen);
  });
}

TEST(Arbitration, BurstLimitsConsecutiveCommandsRoundRobin) {
  Bench b("bench", one_slot());
  b.run([](Bench& h) {
    setup(h, kAmsRr, arbitration(2, 0, 0, 0), {kUrgent, kHigh, kLow});  // AB 2: 4 commands
    for (uint16_t q = 1; q <= 3; ++q) fill(h, q, 100);
    release_fetching(h);
    const auto order = serve(h, 240, false);
    ASSERT_EQ(order.size(), 240u);
    const auto r = runs(order);
    for (std::size_t i = 0; i < r.size(); ++i) {
      EXPECT_EQ(r[i].first, i % 3 + 1) << "order: " << show(order);
      EXPECT_EQ(r[i].second, 4u) << "run " << i << "; order: " << show(order);
    }
  });
}

TEST(Arbitration, BurstLimitsConsecutiveCommandsWrr) {
  Bench b("bench", one_slot());
  b.run([](Bench& h) {
    // AB 1 (2 commands), weights 8:4:2, two urgent SQs: each grant takes at most 2 commands from
    // an SQ, the urgent ones included; the shares still follow the weights. Two SQs in the high
    // level (round robin inside it) keep its consecutive grants on different SQs.
    setup(h, kAmsWrr, arbitration(1, 1, 3, 7), {kHigh, kHigh, kMedium, kLow, kUrgent, kUrgent});
    for (uint16_t q = 1; q <= 6; ++q) fill(h, q, q >= 5 ? 50 : 200);
    release_fetching(h);
    auto order = serve(h, 100, false);
    ASSERT_EQ(order.size(), 100u);
    for (const auto& r : runs(order)) {
      EXPECT_GE(r.first, 5u) << "urgent first; order: " << show(order);
      EXPECT_EQ(r.second, 2u) << "order: " << show(order);
    }
    const std::size_t n = 2800;
    order = serve(h, n, true);
    ASSERT_EQ(order.size(), n);
    std::printf("WRR 8:4:2 with AB 1, first: %s\n", show(order, 28).c_str());
    for (const auto& r : runs(order)) ASSERT_LE(r.second, 2u) << "order: " << show(order);
    const auto c = counts(order);
    expect_share(c, 1, 4.0 / 14, n);
    expect_share(c, 2, 4.0 / 14, n);
    expect_share(c, 3, 4.0 / 14, n);
    expect_share(c, 4, 2.0 / 14, n);
  });
}

TEST(Arbitration, BurstNoLimitTakesAllEntries) {
  Bench b("bench", one_slot());
  b.run([](Bench& h) {
    setup(h, kAmsRr, arbitration(7, 0, 0, 0), {kUrgent, kUrgent, kUrgent});  // AB 111b: no limit
    fill(h, 1, 30);
    fill(h, 2, 20);
    fill(h, 3, 10);
    release_fetching(h);
    const auto order = serve(h, 60, false);
    ASSERT_EQ(order.size(), 60u);
    const auto r = runs(order);
    ASSERT_EQ(r.size(), 3u) << show(order, 60);
    EXPECT_EQ(r[0], std::make_pair(uint16_t{1}, std::size_t{30}));
    EXPECT_EQ(r[1], std::make_pair(uint16_t{2}, std::size_t{20}));
    EXPECT_EQ(r[2], std::make_pair(uint16_t{3}, std::size_t{10}));
  });
}
