// Large transfers through the whole controller reach the PCIe link's payload limit:
// usable rate x MPS / (MPS + per-TLP overhead), within 2% (the SQE fetches, PRP lists and CQEs
// share the link too).
#include <cstring>

#include "scnvme/spec/nvme_status.h"
#include "scnvme/spec/pci.h"
#include "support/bench.h"

using namespace scnvme;
using namespace scnvme::test;
namespace p = scnvme::spec::pci;

namespace {

constexpr uint32_t kBytes = 128 * 1024;
constexpr unsigned kCommands = 96;

/// The effective MPS-limited payload rate of the configured link.
double payload_limit(const ControllerConfig& c, uint32_t mps) {
  const double lane = 8e9 * 128 / 130 / 8;  // generation 3
  return lane * c.pci.link_width * (1 - c.pcie.dllp_overhead_permille / 1000.0) * mps / (mps + c.pcie.tlp_overhead_bytes);
}

/// Host reads (device writes upstream) or writes (device reads, completions downstream) of
/// kCommands x 128 KiB at queue depth kCommands; returns bytes per second of simulated time.
double run_transfers(Bench& h, uint8_t opcode, unsigned mps_field = 1) {
  h.pci_setup();
  // Device Control: MPS 128 << mps_field bytes (default 256), MRRS 512 bytes.
  uint32_t cap = h.cfg_read(p::kCapabilitiesPtr, 1);
  while (cap && h.cfg_read(cap, 1) != p::cap_id::kPciExpress) cap = h.cfg_read(cap + 1, 1);
  EXPECT_NE(cap, 0u);
  const uint32_t devctl = h.cfg_read(cap + p::pcie::kDeviceControl, 2);
  h.cfg_write(cap + p::pcie::kDeviceControl, 2, (devctl & ~p::pcie::kDevctlMpsMask) | (mps_field << p::pcie::kDevctlMpsShift));
  EXPECT_TRUE(h.enable());
  EXPECT_TRUE(h.create_cq(1, 256, 1).status().ok());
  EXPECT_TRUE(h.create_sq(1, 256, 1).status().ok());
  const uint64_t data = h.alloc(kBytes);
  const uint64_t list = h.alloc(4096);
  for (uint32_t i = 1; i < kBytes / 4096; ++i) spec::put_le64(h.mem.at(list + 8 * (i - 1)), data + 4096ull * i);
  for (unsigned i = 0; i < kCommands; ++i) {
    spec::Sqe s = make_sqe(opcode, (i * 256) & 0xFFFFF, 0, 1);
    s.set_dw(12, kBytes / 512 - 1);
    s.set_prp1(data);
    s.set_prp2(list);
    h.submit(1, s, -1, false);
  }
  const sc_core::sc_time start = sc_core::sc_time_stamp();
  h.ring_sq(1);
  sc_core::sc_time last;
  for (unsigned i = 0; i < kCommands; ++i) {
    const spec::Cqe c = h.wait_cqe(1, sc_core::sc_time(10, sc_core::SC_MS));
    EXPECT_STATUS(c, spec::status::kSuccess);
    last = sc_core::sc_time_stamp();
  }
  // Every completion's interrupt follows it closely even on a saturated link: the message takes
  // its place on the link right behind its CQE.
  sc_core::wait(20, sc_core::SC_US);
  EXPECT_EQ(h.msi.count(1), kCommands);
  return kCommands * double(kBytes) / (last - start).to_seconds();
}

ControllerConfig config() {
  ControllerConfig c;
  c.pci.link_generation = 3;
  c.pci.link_width = 4;
  c.command_slots = 16;
  c.volatile_write_cache = true;
  return c;
}

}  // namespace

TEST(LinkBandwidth, LargeReadsReachTheUpstreamPayloadLimit) {
  Bench b("bench", config());
  double rate = 0;
  b.run([&rate](Bench& h) { rate = run_transfers(h, spec::nvm_opcode::kRead); });
  const double limit = payload_limit(config(), 256);
  EXPECT_LE(rate, limit * 1.0001);
  EXPECT_GE(rate, limit * 0.98) << "reached " << rate / 1e9 << " GB/s of " << limit / 1e9;
}

TEST(LinkBandwidth, LargeWritesReachTheDownstreamPayloadLimit) {
  Bench b("bench", config());
  double rate = 0;
  b.run([&rate](Bench& h) { rate = run_transfers(h, spec::nvm_opcode::kWrite); });
  const double limit = payload_limit(config(), 256);
  EXPECT_LE(rate, limit * 1.0001);
  EXPECT_GE(rate, limit * 0.98) << "reached " << rate / 1e9 << " GB/s of " << limit / 1e9;
}

// With MPS = MRRS (512 bytes) every read request of the data comes back as one completion: the
// data is still bound by the link (a single completion slips between bulk packets only when it
// is control-sized).
TEST(LinkBandwidth, SingleCompletionReadRequestsStayWithinTheLink) {
  Bench b("bench", config());
  double rate = 0;
  b.run([&rate](Bench& h) { rate = run_transfers(h, spec::nvm_opcode::kWrite, 2); });
  const double limit = payload_limit(config(), 512);
  EXPECT_LE(rate, limit * 1.0001) << "reached " << rate / 1e9 << " GB/s of " << limit / 1e9;
  EXPECT_GE(rate, limit * 0.97) << "reached " << rate / 1e9 << " GB/s of " << limit / 1e9;
}
