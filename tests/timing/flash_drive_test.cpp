// The flash backend under the controller: drive-level throughput against the NAND bounds, and the
// write buffer's timing contract (writes complete from the buffer, Flush and FUA wait for the
// programs). Each case pins its own small NAND geometry, so changes of the shipped profiles do
// not move them.
//
// Bounds (nand_timing.h's formulas; c = command_ns, p = status_poll_ns, bus(N) = N x 10^6 /
// (interface_mts x bus_width) ps):
// - 4 KiB random read, no cache read: a read owns its die from its command to the end of its data
//   out: c + tR + p + c + bus(4096). tR is the mean over the page types, which random reads of
//   sequentially filled data hit equally. IOPS bound = dies / that, when the channels carry
//   their share (c + p + c + bus(4096) per read) with room to spare.
// - Sequential 128 KiB reads on slow channels: every 16 KiB page costs its channel c + p + c +
//   bus(16384) (single-plane reads), 8 pages per request. IOPS bound = channels / (8 x that).
#include <cmath>
#include <iostream>
#include <numeric>
#include <vector>

#include "support/bench.h"
#include "support/small_flash.h"
#include "support/measured_run.h"

using namespace scnvme;
using namespace scnvme::test;

namespace {

constexpr uint32_t kBlock = 4096;

/// A small TLC drive: `channels` x `dies_per_channel` single-plane dies of 128 blocks x 96 pages
/// (16 KiB), no SLC cache, filled sequentially before the run; one data-less 64 MiB namespace of
/// 4 KiB blocks.
ControllerConfig drive(uint32_t channels, uint32_t dies_per_channel) {
  ControllerConfig c;
  c.command_slots = 256;
  c.data_buffer_kib = 65536;
  c.namespaces[0] = NamespaceConfig(1, 64ull << 20, kBlock);
  c.namespaces[0].data = NamespaceData::Zeroes;
  c.flash = small_flash(channels, dies_per_channel, Precondition::Fill);
  c.flash.nand.cache_read = false;
  return c;
}

double bus_ns(const NandConfig& n, uint64_t bytes) {
  return std::ceil(static_cast<double>(bytes) * 1e6 / (double(n.interface_mts) * n.bus_width_bytes)) / 1000.0;
}

spec::Sqe read_blocks(uint64_t lba, uint32_t blocks, uint64_t buffer) {
  spec::Sqe s = make_sqe(spec::nvm_opcode::kRead, static_cast<uint32_t>(lba), static_cast<uint32_t>(lba >> 32), 1);
  s.set_dw(12, blocks - 1);
  s.set_prp1(buffer);
  return s;
}

/// A scattered, reproducible block number in [0, n).
uint64_t scatter(uint64_t i, uint64_t n) { return (i * 2654435761ull + 12345) % n; }

}  // namespace

TEST(FlashDrive, RandomReadIopsReachTheDieBound) {
  const ControllerConfig cfg = drive(2, 2);
  const NandConfig& n = cfg.flash.nand;
  constexpr unsigned kDepth = 128, kTotal = 6000;  // 32 per die: the dies never run dry
  const uint64_t blocks = cfg.namespaces[0].size_bytes / kBlock;
  const Measured m = measure(cfg, kTotal, kDepth, [&](Bench& h) {
    const uint64_t buffer = h.alloc(kBlock);
    return [=](unsigned i) { return read_blocks(scatter(i, blocks), 1, buffer); };
  });
  const double tr_ns = 1000.0 * (n.read_us[0] + n.read_us[1] + n.read_us[2]) / 3.0;
  const double die_ns = n.command_ns + tr_ns + n.status_poll_ns + n.command_ns + bus_ns(n, kBlock);
  const double bound = n.dies() / (die_ns * 1e-9);
  const double channel_bound = n.channels / ((n.command_ns + n.status_poll_ns + n.command_ns + bus_ns(n, kBlock)) * 1e-9);
  ASSERT_GT(channel_bound, 2 * bound) << "the case is meant to be die bound";
  std::cout << "measured " << m.w.per_second() << " IOPS, die bound " << bound << "\n";
  EXPECT_GE(m.w.per_second(), 0.97 * bound) << "measured " << m.w.per_second() << " IOPS, die bound " << bound;
  EXPECT_LE(m.w.per_second(), 1.01 * bound) << "measured " << m.w.per_second() << " IOPS, die bound " << bound;
}

TEST(FlashDrive, SequentialReadReachesTheChannelBound) {
  ControllerConfig cfg = drive(2, 4);
  cfg.flash.nand.interface_mts = 200;  // slow buses: the channels bind, not the dies or the link
  cfg.flash.nand.cache_read = true;
  const NandConfig& n = cfg.flash.nand;
  constexpr unsigned kDepth = 64, kTotal = 280;
  constexpr uint32_t kRequest = 128 * 1024;
  const uint64_t requests = cfg.namespaces[0].size_bytes / kRequest;
  const Measured m = measure(cfg, kTotal, kDepth, [&](Bench& h) {
    const uint64_t buffer = h.alloc(kRequest);
    const uint64_t list = h.alloc(4096);
    for (uint32_t i = 1; i < kRequest / 4096; ++i) spec::put_le64(h.mem.at(list + 8 * (i - 1)), buffer + 4096ull * i);
    return [=](unsigned i) {
      spec::Sqe s = read_blocks((i % requests) * (kRequest / kBlock), kRequest / kBlock, buffer);
      s.set_prp2(list);
      return s;
    };
  });
  const double page_ns = n.command_ns + n.status_poll_ns + n.command_ns + bus_ns(n, n.page_bytes);
  const double bound = n.channels / ((kRequest / n.page_bytes) * page_ns * 1e-9);
  std::cout << "measured " << m.w.per_second() << " IOPS, channel bound " << bound << "\n";
  EXPECT_GE(m.w.per_second(), 0.97 * bound) << "measured " << m.w.per_second() << " IOPS, channel bound " << bound;
  EXPECT_LE(m.w.per_second(), 1.01 * bound) << "measured " << m.w.per_second() << " IOPS, channel bound " << bound;
}

// Writes complete once their data is in the write buffer; a Flush waits until the buffered data is
// programmed (its partial program unit padded), and so does a FUA write.
TEST(FlashDrive, WritesCompleteFromTheBufferFlushAndFuaWaitForPrograms) {
  ControllerConfig cfg = drive(1, 1);
  cfg.flash.precondition = Precondition::None;
  cfg.namespaces[0].data = NamespaceData::Store;
  const double tprog_ns = cfg.flash.nand.program_us * 1000.0;
  Bench b("bench", cfg);
  std::vector<CommandRecord> records;
  b.nvme.on_command_complete([&](const CommandRecord& r) {
    if (r.sqid == 1) records.push_back(r);
  });
  b.run([&](Bench& h) {
    setup_queue_pair(h, 8);
    const uint64_t buffer = h.alloc(kBlock);
    auto one = [&](spec::Sqe s) {
      h.submit(1, s);
      EXPECT_STATUS(h.wait_cqe(1, sc_core::sc_time(20, sc_core::SC_MS)), spec::status::kSuccess);
      return ns(records.back().posted - records.back().doorbell);
    };
    spec::Sqe w = make_sqe(spec::nvm_opcode::kWrite, 7, 0, 1);
    w.set_prp1(buffer);
    EXPECT_LT(one(w), tprog_ns / 10) << "a cached write does not wait for NAND";
    EXPECT_GE(one(make_sqe(spec::nvm_opcode::kFlush, 0, 0, 1)), tprog_ns) << "Flush programs the buffered data";
    const FlashStats after_flush = h.nvme.flash_stats();
    EXPECT_GT(after_flush.padding_units, 0u) << "the partial program unit was padded";
    EXPECT_EQ(after_flush.host_units_written, 1u);
    spec::Sqe fua = w;
    fua.set_dw(12, 1u << 30);
    EXPECT_GE(one(fua), tprog_ns) << "a FUA write waits for its program";
    EXPECT_LT(one(make_sqe(spec::nvm_opcode::kFlush, 0, 0, 1)), tprog_ns / 10) << "nothing left to program";
  });
}

// A read of a deallocated range costs no NAND time and Write Zeroes unmaps whole units.
TEST(FlashDrive, DeallocatedUnitsAreUnmapped) {
  ControllerConfig cfg = drive(1, 2);
  Bench b("bench", cfg);
  b.run([&](Bench& h) {
    setup_queue_pair(h, 8);
    const uint64_t buffer = h.alloc(kBlock);
    const FlashStats before = h.nvme.flash_stats();
    spec::Sqe z = make_sqe(spec::nvm_opcode::kWriteZeroes, 100, 0, 1);
    z.set_dw(12, 15);  // 16 blocks of 4 KiB: 16 mapping units
    h.submit(1, z);
    EXPECT_STATUS(h.wait_cqe(1), spec::status::kSuccess);
    EXPECT_EQ(h.nvme.flash_stats().host_units_trimmed - before.host_units_trimmed, 16u);
    h.submit(1, read_blocks(107, 1, buffer));
    EXPECT_STATUS(h.wait_cqe(1), spec::status::kSuccess);
    const FlashStats after = h.nvme.flash_stats();
    EXPECT_EQ(after.unmapped_reads - before.unmapped_reads, 1u);
    EXPECT_EQ(after.nand_reads, before.nand_reads) << "no NAND read for deallocated data";
  });
}
