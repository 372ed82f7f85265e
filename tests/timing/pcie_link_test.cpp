// The PCIe link model against its analytic costs: usable rate per generation and width, posted
// writes split at MPS, reads split at MRRS with completions at MPS/RCB, the outstanding-read
// limit, and the bandwidth a large transfer reaches through the whole controller.
#include <gtest/gtest.h>
#include <systemc>

#include "controller/pcie_link.h"

using namespace scnvme;
using scnvme::detail::PcieLink;
using sc_core::SC_NS;
using sc_core::SC_SEC;
using sc_core::sc_time;

namespace {

sc_time wire(double bytes, double bps) { return sc_time(bytes / bps, SC_SEC); }

/// Runs `body` at simulated time 0 inside an SC_THREAD (the link reads sc_time_stamp()).
void at_time_zero(std::function<void()> body) {
  sc_core::sc_spawn(body);
  sc_core::sc_start();
}

PcieLinkConfig plain() {
  PcieLinkConfig c;
  c.tlp_overhead_bytes = 24;
  c.dllp_overhead_permille = 20;
  c.read_round_trip_ns = 500;
  c.posted_write_ns = 200;
  c.max_outstanding_reads = 32;
  c.read_completion_boundary = 64;
  return c;
}

}  // namespace

TEST(PcieLink, UsableRatePerGenerationAndWidth) {
  struct Case {
    unsigned gen, lanes;
    double per_lane;
  } cases[] = {{1, 1, 250e6}, {2, 4, 500e6}, {3, 4, 8e9 * 128 / 130 / 8}, {4, 4, 16e9 * 128 / 130 / 8},
               {5, 8, 32e9 * 128 / 130 / 8}, {6, 16, 64e9 / 8 * 242 / 256}};
  for (const auto& c : cases) {
    PcieLink link(plain(), c.gen, c.lanes);
    EXPECT_NEAR(link.bytes_per_second(), c.per_lane * c.lanes * 0.98, 1.0) << "gen " << c.gen << " x" << c.lanes;
  }
}

TEST(PcieLink, PostedWriteSplitsAtMaxPayload) {
  at_time_zero([] {
    PcieLink link(plain(), 3, 4);
    const double bps = link.bytes_per_second();
    // 4 KiB at MPS 256: 16 TLPs of 256 + 24 bytes, then the posted-write flight time.
    const sc_time done = link.write(0x10000, 4096, 256);
    EXPECT_EQ(done, wire(16 * 280, bps) + sc_time(200, SC_NS));
    EXPECT_EQ(link.tlps_up(), 16u);
    // An unaligned 100-byte write crossing a 256-byte boundary: two TLPs, after the first transfer.
    const sc_time second = link.write(0x100F0, 100, 256);
    EXPECT_EQ(second, wire(16 * 280, bps) + wire(100 + 2 * 24, bps) + sc_time(200, SC_NS));
  });
}

TEST(PcieLink, AnUnalignedWriteSplitsAtEveryMaxPayloadBoundary) {
  at_time_zero([] {
    struct Case {
      uint64_t addr, bytes;
      uint32_t mps;
      uint64_t tlps;
    } cases[] = {{0x101F0, 4096, 256, 17},   // 16 bytes, 15 full TLPs, 240 bytes
                 {0x10010, 8192, 4096, 3},   // 4080, 4096, 16
                 {0x1007F, 2, 128, 2},       // one byte either side of a boundary
                 {0x10000, 1, 128, 1},
                 {0x10040, 192, 256, 1}};    // ends exactly on the boundary
    for (const auto& c : cases) {
      PcieLink link(plain(), 3, 4);
      const sc_time done = link.write(c.addr, c.bytes, c.mps);
      EXPECT_EQ(link.tlps_up(), c.tlps) << std::hex << c.addr << std::dec << " " << c.bytes << " mps " << c.mps;
      EXPECT_EQ(done, wire(static_cast<double>(c.bytes + c.tlps * 24), link.bytes_per_second()) + sc_time(200, SC_NS))
          << std::hex << c.addr;
    }
  });
}

TEST(PcieLink, ReadSplitsIntoRequestsAndCompletions) {
  at_time_zero([] {
    PcieLink link(plain(), 3, 4);
    const double bps = link.bytes_per_second();
    // 4 KiB, MRRS 512, MPS 256: 8 requests upstream; 16 completions of 256 + 24 downstream. The
    // first completion can start one round trip after the first request; the rest follow back to
    // back (each request's completions take longer than the next request).
    const sc_time done = link.read(0x20000, 4096, 512, 256);
    EXPECT_EQ(link.tlps_up(), 8u);
    EXPECT_EQ(link.tlps_down(), 16u);
    const sc_time first_request = wire(24, bps);
    EXPECT_LE(done, first_request + sc_time(500, SC_NS) + wire(16 * 280, bps) + sc_time(8, sc_core::SC_PS));
    EXPECT_GE(done, first_request + sc_time(500, SC_NS) + wire(16 * 280, bps) - sc_time(8, sc_core::SC_PS));
  });
}

TEST(PcieLink, CompletionsBreakAtTheReadCompletionBoundary) {
  at_time_zero([] {
    PcieLink link(plain(), 3, 4);
    // 512 bytes from 0x300E0 (32 bytes below a 64-byte boundary), MPS 256: a completion may not
    // end off a 64-byte boundary unless it is the last: 224 (to 0x301C0), 256, 32 -> 3 TLPs.
    link.read(0x300E0, 512, 512, 256);
    EXPECT_EQ(link.tlps_down(), 3u);
  });
}

TEST(PcieLink, TransfersAtTheTopOfTheAddressSpaceSplitAsAnywhereElse) {
  // Fuzzing found these hanging: a 4 KiB boundary above the last page wraps to address 0. A
  // host may give the controller such an address (a queue, a PRP); the link must count the
  // same TLPs as for the same alignment lower down (the access itself is then refused).
  at_time_zero([] {
    PcieLink link(plain(), 3, 4);
    link.read(0xFFFF'FFFF'FFFF'F000, 64, 512, 256);  // an SQE fetch from the last page
    EXPECT_EQ(link.tlps_up(), 1u);
    EXPECT_EQ(link.tlps_down(), 1u);
    link.read(0xFFFF'FFFF'FFFF'F000, 4096, 512, 256);  // the whole last page, ending at 2^64
    EXPECT_EQ(link.tlps_up(), 1u + 8u);
    EXPECT_EQ(link.tlps_down(), 1u + 16u);
    link.read(0xFFFF'FFFF'FFFF'FFE0, 32, 512, 256);
    EXPECT_EQ(link.tlps_down(), 1u + 16u + 1u);
    const uint64_t up = link.tlps_up();
    link.write(0xFFFF'FFFF'FFFF'FF00, 4, 256);  // a CQE-sized write in the last 256 bytes
    EXPECT_EQ(link.tlps_up(), up + 1);
    link.write(0xFFFF'FFFF'FFFF'F000, 4096, 256);
    EXPECT_EQ(link.tlps_up(), up + 1 + 16);
  });
}

TEST(PcieLink, OutstandingReadLimitSerializesRequests) {
  at_time_zero([] {
    PcieLinkConfig cfg = plain();
    cfg.max_outstanding_reads = 1;
    PcieLink link(cfg, 3, 4);
    const double bps = link.bytes_per_second();
    // With one tag each 512-byte request waits for the previous one's completions.
    const sc_time done = link.read(0x40000, 2048, 512, 512);
    const sc_time per_request = wire(24, bps) + sc_time(500, SC_NS) + wire(512 + 24, bps);
    EXPECT_LE(done, per_request * 4.0 + sc_time(8, sc_core::SC_PS));
    EXPECT_GE(done, per_request * 4.0 - sc_time(8, sc_core::SC_PS));
  });
}
