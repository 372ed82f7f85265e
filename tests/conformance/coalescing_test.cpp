// Interrupt coalescing (NVMe Base 2.0, 5.27.1.6 Interrupt Coalescing, 5.27.1.7 Interrupt Vector
// Configuration): the Aggregation Threshold (THR, 0-based) and Aggregation Time (TIME, 100 us units)
// per vector, Coalescing Disable per vector, the Admin Completion Queue never coalesced, THR or TIME
// 0h disabling coalescing, MSI-X masking still holding aggregated interrupts in the PBA, multiple
// message MSI, controller reset dropping aggregation state and timers, and no completion left
// unsignalled.
#include <algorithm>

#include "conformance/host_steps.h"

using namespace scnvme;
using namespace scnvme::test;
namespace ft = spec::feature;
namespace p = spec::pci;

#define ASSERT_STATUS_OK(expr)                                                                        \
  do {                                                                                                \
    const spec::Cqe c_ = (expr);                                                                      \
    ASSERT_TRUE(c_.status().ok()) << #expr << ": " << describe(c_.status());                         \
  } while (0)

namespace {

const sc_core::sc_time kUnit(100, sc_core::SC_US);  // TIME granularity
const sc_core::sc_time kSlack(5, sc_core::SC_US);   // CQE write completion + interrupt stage cost

/// Interrupt Coalescing value for a threshold in entries (THR is 0-based) and TIME in 100 us units.
uint32_t coalescing(uint32_t threshold_entries, uint32_t time_100us) {
  return (time_100us & 0xFF) << 8 | ((threshold_entries - 1) & 0xFF);
}

/// Lets messages still on their way (an admin completion's own) arrive, then forgets them all.
void clear_messages(Bench& h) {
  wait_us(2);
  h.msi.messages.clear();
}

/// I/O queue pairs `qid` (SQ qid -> CQ qid) on the given vectors, each 256 entries, with MSI-X on
/// (vector v: address kMsiBase + 4v, data v). The messages of the setup are cleared.
void setup(Bench& h, std::initializer_list<std::pair<uint16_t, uint16_t>> qid_vector) {
  h.pci_setup();
  ASSERT_TRUE(h.enable(64, 64));
  for (const auto& [q, v] : qid_vector) {
    ASSERT_STATUS_OK(h.create_cq(q, 256, v));
    ASSERT_STATUS_OK(h.create_sq(q, 256, q));
  }
  clear_messages(h);
}

/// Submits `n` commands that complete at once (undefined I/O opcode), ringing the doorbell once.
void submit_burst(Bench& h, uint16_t qid, unsigned n) {
  for (unsigned i = 0; i < n; ++i) h.submit(qid, make_sqe(kUndefinedIoOpcode, 0, 0, 1), -1, false);
  h.ring_sq(qid);
}

void consume(Bench& h, uint16_t qid, unsigned n) {
  for (unsigned i = 0; i < n; ++i) EXPECT_STATUS(h.wait_cqe(qid), st::kInvalidCommandOpcode);
}

/// Times at which the controller wrote CQEs into CQ `qid` (host memory records every write).
std::vector<sc_core::sc_time> cqe_writes(Bench& h, uint16_t qid) {
  const HostQueue& q = h.cqs.at(qid);
  std::vector<sc_core::sc_time> t;
  for (const auto& a : h.mem.accesses)
    if (a.command == tlm::TLM_WRITE_COMMAND && a.address >= q.base && a.address < q.base + 16ull * q.size)
      t.push_back(a.time);
  return t;
}

std::vector<sc_core::sc_time> messages_on(Bench& h, uint32_t vector) {
  std::vector<sc_core::sc_time> t;
  for (const auto& m : h.msi.messages)
    if (m.data == vector) {
      EXPECT_EQ(m.address, kMsiBase + 4 * vector);
      t.push_back(m.time);
    }
  return t;
}

/// Every CQE write is followed by a message on its vector within `bound` (nothing lost, and the
/// aggregation time respected).
void expect_each_signalled_within(const std::vector<sc_core::sc_time>& cqes, const std::vector<sc_core::sc_time>& msgs,
                                  sc_core::sc_time bound) {
  for (std::size_t i = 0; i < cqes.size(); ++i) {
    auto m = std::lower_bound(msgs.begin(), msgs.end(), cqes[i]);
    ASSERT_NE(m, msgs.end()) << "CQE " << i << " written at " << cqes[i] << " never signalled";
    EXPECT_LE(*m - cqes[i], bound) << "CQE " << i << " written at " << cqes[i];
  }
}

}  // namespace

TEST(Coalescing, ThresholdAggregatesASteadyStream) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    setup(h, {{1, 1}});
    constexpr unsigned kThreshold = 8, kCommands = 10 * kThreshold;
    ASSERT_STATUS_OK(h.set_features(ft::kInterruptCoalescing, coalescing(kThreshold, 255)));
    EXPECT_EQ(h.get_features(ft::kInterruptCoalescing).dw0(), coalescing(kThreshold, 255));
    clear_messages(h);

    submit_burst(h, 1, kCommands);
    consume(h, 1, kCommands);
    wait_us(2);
    const auto cqes = cqe_writes(h, 1);
    ASSERT_EQ(cqes.size(), kCommands);
    auto msgs = messages_on(h, 1);
    ASSERT_EQ(msgs.size(), kCommands / kThreshold) << "one message per THR + 1 completions";
    for (unsigned k = 0; k < msgs.size(); ++k) {
      EXPECT_GE(msgs[k], cqes[kThreshold * k + kThreshold - 1]) << "message " << k << " before its batch's last CQE";
      EXPECT_LE(msgs[k], cqes[kThreshold * k + kThreshold - 1] + kSlack) << "message " << k << " held past its threshold";
    }
    wait_us(30000);  // beyond TIME: nothing was left aggregated, so nothing more comes
    EXPECT_EQ(messages_on(h, 1).size(), kCommands / kThreshold);
    EXPECT_EQ(h.msi.messages.size(), kCommands / kThreshold) << "no messages on other vectors";
  });
}

TEST(Coalescing, AggregationTimeBoundsTheDelay) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    setup(h, {{1, 1}});
    ASSERT_STATUS_OK(h.set_features(ft::kInterruptCoalescing, coalescing(8, 2)));  // 8 entries or 200 us
    clear_messages(h);

    submit_burst(h, 1, 3);
    consume(h, 1, 3);
    auto cqes = cqe_writes(h, 1);
    ASSERT_EQ(cqes.size(), 3u);
    wait_us(100);
    EXPECT_TRUE(h.msi.messages.empty()) << "below the threshold and before TIME";
    wait_us(200);
    auto msgs = messages_on(h, 1);
    ASSERT_EQ(msgs.size(), 1u) << "one message for the three aggregated entries";
    EXPECT_GE(msgs[0], cqes[0] + 2 * kUnit) << "not before TIME";
    EXPECT_LE(msgs[0], cqes[0] + 2 * kUnit + kSlack) << "no later than TIME after the first entry";

    // Threshold first: four entries with THR = 3 go out at once, long before TIME (25.5 ms).
    ASSERT_STATUS_OK(h.set_features(ft::kInterruptCoalescing, coalescing(4, 255)));
    clear_messages(h);
    h.mem.accesses.clear();
    submit_burst(h, 1, 4);
    consume(h, 1, 4);
    wait_us(2);
    cqes = cqe_writes(h, 1);
    msgs = messages_on(h, 1);
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_GE(msgs[0], cqes[3]) << "not before the threshold is reached";
    EXPECT_LE(msgs[0], cqes[3] + kSlack);

    // Then three entries: held until TIME after the first of them.
    clear_messages(h);
    h.mem.accesses.clear();
    submit_burst(h, 1, 3);
    consume(h, 1, 3);
    cqes = cqe_writes(h, 1);
    wait_us(25000);
    EXPECT_TRUE(h.msi.messages.empty()) << "held for TIME = 25.5 ms";
    wait_us(600);
    msgs = messages_on(h, 1);
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_GE(msgs[0], cqes[0] + 255 * kUnit);
    EXPECT_LE(msgs[0], cqes[0] + 255 * kUnit + kSlack);
  });
}

TEST(Coalescing, ThrOrTimeZeroDisablesCoalescing) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    setup(h, {{1, 1}});
    for (uint32_t value : {coalescing(8, 0), coalescing(1, 255), 0u}) {
      SCOPED_TRACE("Interrupt Coalescing 0x" + std::to_string(value));
      ASSERT_STATUS_OK(h.set_features(ft::kInterruptCoalescing, value));
      clear_messages(h);
      submit_burst(h, 1, 6);
      consume(h, 1, 6);
      wait_us(2);
      EXPECT_EQ(messages_on(h, 1).size(), 6u) << "one message per completion, none held back";
    }
  });
}

TEST(Coalescing, CoalescingDisableSignalsEveryCompletionOfItsVector) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    setup(h, {{1, 1}, {2, 2}});
    ASSERT_STATUS_OK(h.set_features(ft::kInterruptCoalescing, coalescing(8, 255)));
    ASSERT_STATUS_OK(h.set_features(ft::kInterruptVectorConfiguration, ft::kCoalescingDisable | 1));
    EXPECT_EQ(h.get_features(ft::kInterruptVectorConfiguration, 0, 1).dw0(), ft::kCoalescingDisable | 1);
    EXPECT_EQ(h.get_features(ft::kInterruptVectorConfiguration, 0, 2).dw0(), 2u) << "CD clear by default";
    clear_messages(h);

    submit_burst(h, 1, 16);
    submit_burst(h, 2, 16);
    consume(h, 1, 16);
    consume(h, 2, 16);
    wait_us(2);
    EXPECT_EQ(messages_on(h, 1).size(), 16u) << "CD = 1: every completion signalled";
    EXPECT_EQ(messages_on(h, 2).size(), 2u) << "CD = 0: coalesced by 8";

    // Clearing CD again brings coalescing back for vector 1.
    ASSERT_STATUS_OK(h.set_features(ft::kInterruptVectorConfiguration, 1));
    clear_messages(h);
    submit_burst(h, 1, 16);
    consume(h, 1, 16);
    wait_us(2);
    EXPECT_EQ(messages_on(h, 1).size(), 2u);
  });
}

TEST(Coalescing, AdminCompletionQueueIsNeverCoalesced) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    setup(h, {{1, 0}});  // an I/O CQ sharing vector 0 with the admin CQ
    ASSERT_STATUS_OK(h.set_features(ft::kInterruptCoalescing, coalescing(8, 255)));
    EXPECT_STATUS(h.set_features(ft::kInterruptVectorConfiguration, 0), st::kInvalidField)
        << "CD cannot be cleared for the admin vector";
    clear_messages(h);
    h.mem.accesses.clear();
    for (int i = 0; i < 5; ++i) {
      EXPECT_EQ(h.get_features(ft::kInterruptCoalescing).dw0(), coalescing(8, 255));
      wait_us(2);
      EXPECT_EQ(messages_on(h, 0).size(), static_cast<std::size_t>(i + 1)) << "admin completion " << i << " signalled at once";
    }
    expect_each_signalled_within(cqe_writes(h, 0), messages_on(h, 0), kSlack);

    clear_messages(h);
    submit_burst(h, 1, 5);
    consume(h, 1, 5);
    wait_us(2);
    EXPECT_EQ(messages_on(h, 0).size(), 5u) << "vector 0 always has CD set";
  });
}

TEST(Coalescing, MaskedVectorHoldsTheAggregatedInterruptInThePba) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    setup(h, {{1, 1}});
    ASSERT_STATUS_OK(h.set_features(ft::kInterruptCoalescing, coalescing(4, 255)));
    clear_messages(h);
    const ControllerConfig& cfg = h.nvme.config();
    const uint32_t control = cfg.pci.msix_table_offset + p::msix::kEntrySize * 1 + p::msix::kEntryControl;
    h.wr32(control, p::msix::kEntryMasked);
    submit_burst(h, 1, 4);
    consume(h, 1, 4);
    wait_us(2);
    EXPECT_TRUE(messages_on(h, 1).empty());
    EXPECT_EQ(h.rd32(cfg.pci.msix_pba_offset) & 2u, 2u) << "threshold reached while masked: pending bit";
    h.wr32(control, 0);
    wait_us(1);
    EXPECT_EQ(messages_on(h, 1).size(), 1u) << "delivered on unmask";
    EXPECT_EQ(h.rd32(cfg.pci.msix_pba_offset) & 2u, 0u);
  });
}

TEST(Coalescing, MultipleMessageMsiIsCoalesced) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup(false);
    const uint32_t cap = find_capability(h, p::cap_id::kMsi);
    ASSERT_NE(cap, 0u);
    h.cfg_write(cap + p::msi::kAddressLo, 4, 0xFEE00000u);
    h.cfg_write(cap + p::msi::kAddressHi, 4, 0);
    h.cfg_write(cap + p::msi::kData, 2, 0x0040);
    h.cfg_write(cap + p::msi::kControl, 2, p::msi::kEnable | 2u << 4);  // 4 messages
    ASSERT_TRUE(h.enable(64, 64));
    ASSERT_STATUS_OK(h.create_cq(1, 64, 1));
    ASSERT_STATUS_OK(h.create_sq(1, 64, 1));
    ASSERT_STATUS_OK(h.set_features(ft::kInterruptCoalescing, coalescing(4, 1)));  // 4 entries or 100 us
    clear_messages(h);
    submit_burst(h, 1, 10);
    consume(h, 1, 10);
    wait_us(2);
    EXPECT_EQ(h.msi.count(0x41), 2u) << "two batches of four";
    wait_us(150);
    EXPECT_EQ(h.msi.count(0x41), 3u) << "the remaining two after TIME";
    EXPECT_EQ(h.msi.messages.size(), 3u);
  });
}

TEST(Coalescing, ControllerResetDropsAggregationStateAndTimers) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    setup(h, {{1, 1}});
    ASSERT_STATUS_OK(h.set_features(ft::kInterruptCoalescing, coalescing(4, 10)));  // 4 entries or 1 ms
    clear_messages(h);
    submit_burst(h, 1, 3);
    consume(h, 1, 3);
    wait_us(2);
    EXPECT_TRUE(h.msi.messages.empty()) << "three entries aggregated, timer running";

    h.wr32(spec::reg::kCc, 0);  // controller reset: the I/O queues and their entries are gone
    ASSERT_TRUE(h.wait_ready(false));
    wait_us(2000);
    EXPECT_TRUE(messages_on(h, 1).empty()) << "the timer armed before the reset fires nothing";

    ASSERT_TRUE(h.enable(64, 64));
    EXPECT_EQ(h.get_features(ft::kInterruptCoalescing).dw0(), 0u) << "reset value";
    ASSERT_STATUS_OK(h.create_cq(1, 256, 1));
    ASSERT_STATUS_OK(h.create_sq(1, 256, 1));
    clear_messages(h);
    submit_burst(h, 1, 2);
    consume(h, 1, 2);
    wait_us(2);
    EXPECT_EQ(messages_on(h, 1).size(), 2u) << "coalescing off after the reset";

    ASSERT_STATUS_OK(h.set_features(ft::kInterruptCoalescing, coalescing(4, 255)));
    clear_messages(h);
    submit_burst(h, 1, 3);
    consume(h, 1, 3);
    wait_us(2);
    EXPECT_TRUE(messages_on(h, 1).empty()) << "no count left over from before the reset";
    submit_burst(h, 1, 1);
    consume(h, 1, 1);
    wait_us(2);
    EXPECT_EQ(messages_on(h, 1).size(), 1u) << "the fourth entry reaches the threshold";
  });
}

TEST(Coalescing, EveryCompletionIsEventuallySignalled) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    setup(h, {{1, 1}, {2, 2}});
    constexpr unsigned kThreshold = 5;
    ASSERT_STATUS_OK(h.set_features(ft::kInterruptCoalescing, coalescing(kThreshold, 1)));  // 5 entries or 100 us
    clear_messages(h);
    h.mem.accesses.clear();
    // Bursts of uneven sizes on two vectors, with gaps shorter and longer than TIME.
    const unsigned sizes[] = {1, 7, 3, 12, 5, 2, 9, 4};
    const double gaps_us[] = {30, 250, 10, 120, 60, 0, 300, 40};
    unsigned total[3] = {};
    for (unsigned i = 0; i < 8; ++i) {
      const uint16_t q = static_cast<uint16_t>(1 + i % 2);
      submit_burst(h, q, sizes[i]);
      consume(h, q, sizes[i]);
      total[q] += sizes[i];
      if (gaps_us[i] > 0) wait_us(gaps_us[i]);
    }
    wait_us(200);
    for (uint16_t q : {1, 2}) {
      SCOPED_TRACE("CQ " + std::to_string(q));
      const auto cqes = cqe_writes(h, q);
      const auto msgs = messages_on(h, q);
      ASSERT_EQ(cqes.size(), total[q]);
      EXPECT_GE(msgs.size(), (total[q] + kThreshold - 1) / kThreshold);
      EXPECT_LT(msgs.size(), total[q]) << "some aggregation took place";
      expect_each_signalled_within(cqes, msgs, kUnit + kSlack);
    }
    // The Set Features below flushes nothing (everything was signalled) and the stream is quiet.
    const std::size_t before = h.msi.messages.size();
    wait_us(1000);
    EXPECT_EQ(h.msi.messages.size(), before);
  });
}

TEST(Coalescing, ChangingTheSettingSignalsWhatWasAggregated) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    setup(h, {{1, 1}});
    ASSERT_STATUS_OK(h.set_features(ft::kInterruptCoalescing, coalescing(8, 255)));
    clear_messages(h);
    submit_burst(h, 1, 3);
    consume(h, 1, 3);
    wait_us(2);
    EXPECT_TRUE(messages_on(h, 1).empty());
    ASSERT_STATUS_OK(h.set_features(ft::kInterruptCoalescing, 0));
    wait_us(2);
    EXPECT_EQ(messages_on(h, 1).size(), 1u) << "entries held under the old setting are signalled";
    wait_us(30000);
    EXPECT_EQ(messages_on(h, 1).size(), 1u) << "the old timer finds nothing left";
  });
}
