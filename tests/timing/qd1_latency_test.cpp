// QD1 latency equals the sum of the configured stage costs and the link's transfers (issue 5's
// analytic check), stage by stage, within one controller clock per stage.
#include <cmath>

#include "scnvme/spec/nvme_status.h"
#include "support/bench.h"

using namespace scnvme;
using namespace scnvme::test;

namespace {

double ns(const sc_core::sc_time& t) { return t.to_seconds() * 1e9; }

}  // namespace

TEST(Qd1Latency, StagesAddUpToTheConfiguredCostsAndLinkTransfers) {
  ControllerConfig cfg;
  cfg.pci.link_generation = 3;
  cfg.pci.link_width = 4;
  Bench b("bench", cfg);
  std::vector<CommandRecord> records;
  b.nvme.on_command_complete([&records](const CommandRecord& r) {
    if (r.sqid == 1) records.push_back(r);
  });
  b.run([&](Bench& h) {
    h.pci_setup();
    ASSERT_TRUE(h.enable());
    ASSERT_TRUE(h.create_cq(1, 16, 1).status().ok());
    ASSERT_TRUE(h.create_sq(1, 16, 1).status().ok());
    const uint64_t buf = h.alloc(4096);
    for (int i = 0; i < 4; ++i) {
      spec::Sqe s = make_sqe(spec::nvm_opcode::kRead, 8 * i, 0, 1);
      s.set_dw(12, 7);  // 8 blocks of 512 B = 4 KiB, one page: PRP1 only
      s.set_prp1(buf);
      h.submit(1, s);
      EXPECT_STATUS(h.wait_cqe(1), spec::status::kSuccess);
      sc_core::wait(20, sc_core::SC_US);  // idle link between commands: QD1
    }
  });
  ASSERT_EQ(records.size(), 4u);

  const auto& t = cfg.timing;
  const auto& l = cfg.pcie;
  const double clock = 1000.0 / t.clock_mhz;  // ns
  const double bps = 8e9 * 128 / 130 / 8 * 4 * (1 - l.dllp_overhead_permille / 1000.0);
  auto wire = [&](double bytes) { return bytes / bps * 1e9; };
  const double memory = 100;  // the bench's host memory latency per access
  const uint32_t mps = 128;   // Device Control's reset value (the bench does not change it)
  // Doorbell -> fetched: arbitration, then a 64-byte read: request TLP up, round trip, completion
  // down, host memory.
  const double fetch = t.arbitration_cycles * clock + wire(l.tlp_overhead_bytes) + l.read_round_trip_ns +
                       wire(64 + l.tlp_overhead_bytes) + memory;
  // Fetched -> executed: decode, execution, the PRP walk (one entry), then 4 KiB posted to host
  // memory in MPS-sized TLPs.
  const double execute = (t.decode_cycles + t.io_exec_cycles + t.list_entry_cycles) * clock +
                         wire(4096 / mps * (mps + l.tlp_overhead_bytes)) + l.posted_write_ns + memory;
  // Executed -> CQE written: CQE build, a 16-byte posted write (visible in the bench's b_transport
  // memory as soon as it gets there).
  const double complete = t.cqe_build_cycles * clock + wire(16 + l.tlp_overhead_bytes) + l.posted_write_ns;
  for (const auto& r : records) {
    EXPECT_NEAR(ns(r.fetched - r.doorbell), fetch, clock);
    EXPECT_NEAR(ns(r.executed - r.fetched), execute, clock);
    EXPECT_NEAR(ns(r.posted - r.executed), complete, clock);
    EXPECT_NEAR(ns(r.posted - r.doorbell), fetch + execute + complete, 3 * clock);
    // CQE written -> interrupt message sent: generation, a 4-byte posted write.
    EXPECT_NEAR(ns(r.interrupt - r.posted), t.interrupt_cycles * clock + wire(4 + l.tlp_overhead_bytes) + l.posted_write_ns, clock);
  }
}
