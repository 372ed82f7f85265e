// The reference driver (platforms/driver) on the reference platform: bring-up in each interrupt
// mode, fallbacks, data through PRPs and PRP lists, two controllers, shutdown and errors.
// Each case elaborates its own ReferencePlatform (one process per case).
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <systemc>

#include "driver/nvme_driver.h"
#include "hal/scnvme_hal.h"
#include "reference_platform.h"
#include "support/driver_run.h"

using namespace scnvme;
using platform::PlatformConfig;
using platform::ReferencePlatform;
using test::run_cpu;

namespace {

constexpr uint8_t kOpWrite = 0x01, kOpRead = 0x02;
constexpr uint32_t kRegCc = 0x14, kRegCsts = 0x1C, kRegAqa = 0x24;
constexpr uint64_t kTimeoutNs = 100ull * 1000 * 1000;  // 100 ms of simulated time


/// The platform vector that device-local vector v of `dev` raises.
unsigned platform_vector(scnvme_hal_device* dev, unsigned v) {
  uint64_t addr = 0;
  uint32_t data = 0;
  EXPECT_EQ(scnvme_hal_msi_message(dev, v, &addr, &data), 0);
  return data;
}

void fill(uint8_t* p, std::size_t n, uint32_t seed) {
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>((i * 131 + seed * 7 + (i >> 9)) ^ (seed >> 3));
}

/// Submits one command on queue q and waits for it; returns its status (or -1).
int io_sync(nvme_driver& drv, unsigned q, uint8_t op, uint32_t nsid, uint64_t slba, uint32_t nlb, uint64_t bus, uint64_t bytes) {
  const int cid = nvme_io_prepare(&drv, q, op, nsid, slba, nlb, bus, bytes);
  EXPECT_GE(cid, 0);
  if (cid < 0) return -1;
  nvme_io_ring(&drv, q);
  nvme_completion c{};
  const int n = nvme_io_reap(&drv, q, &c, 1, kTimeoutNs);
  EXPECT_EQ(n, 1) << drv.error;
  if (n != 1) return -1;
  EXPECT_EQ(c.cid, cid);
  EXPECT_EQ(c.sqid, q);
  return c.status;
}

/// Writes `bytes` of a pattern at slba from a buffer at byte offset `offset` into a page, reads it
/// back into another buffer at the same offset and compares.
void write_read_compare(nvme_driver& drv, unsigned q, uint64_t slba, uint64_t bytes, uint64_t offset, uint32_t seed) {
  scnvme_hal_device* dev = drv.dev;
  uint64_t wbus = 0, rbus = 0;
  auto* w = static_cast<uint8_t*>(scnvme_hal_dma_alloc(dev, bytes + offset, 4096, &wbus));
  auto* r = static_cast<uint8_t*>(scnvme_hal_dma_alloc(dev, bytes + offset, 4096, &rbus));
  ASSERT_NE(w, nullptr);
  ASSERT_NE(r, nullptr);
  fill(w + offset, bytes, seed);
  const uint32_t nlb = static_cast<uint32_t>(bytes / 512);
  EXPECT_EQ(io_sync(drv, q, kOpWrite, 1, slba, nlb, wbus + offset, bytes), 0);
  EXPECT_EQ(io_sync(drv, q, kOpRead, 1, slba, nlb, rbus + offset, bytes), 0);
  EXPECT_EQ(std::memcmp(w + offset, r + offset, bytes), 0) << bytes << " bytes at offset " << offset << " differ";
  for (uint64_t i = 0; i < offset; ++i) EXPECT_EQ(r[i], 0) << "read wrote before the buffer";
  scnvme_hal_dma_free(dev, w);
  scnvme_hal_dma_free(dev, r);
}

/// Common checks after a successful bring-up of device i.
void expect_brought_up(ReferencePlatform& p, std::size_t i, const nvme_driver& drv) {
  scnvme_hal_device* dev = p.hal(i);
  uint64_t base = 0, size = 0;
  scnvme_hal_mmio_window(dev, &base, &size);
  const uint64_t bar_size = p.controller(i).config().pci.bar0_size;
  EXPECT_GE(drv.bar0, base);
  EXPECT_LE(drv.bar0 + bar_size, base + size);
  EXPECT_EQ(drv.bar0 % bar_size, 0u);
  EXPECT_EQ(p.controller(i).bar0_address(), drv.bar0);
  EXPECT_TRUE(p.controller(i).memory_space_enabled());
  EXPECT_EQ(scnvme_hal_bus_errors(dev), 0u);
  EXPECT_EQ(drv.error[0], '\0') << drv.error;
  const uint32_t csts = scnvme_hal_mmio_read32(dev, drv.bar0 + kRegCsts);
  EXPECT_EQ(csts & 0x3u, 0x1u) << "CSTS.RDY set, CFS clear";
  EXPECT_EQ(std::string(drv.serial), p.controller(i).config().serial_number);
  EXPECT_EQ(std::string(drv.model), p.controller(i).config().model_number);
  EXPECT_EQ(drv.mdts, p.controller(i).config().mdts);
  EXPECT_EQ(drv.max_transfer, p.controller(i).config().max_transfer_bytes());
}

}  // namespace

TEST(DriverBringUp, MsixWithQueuesAndNamespacesFromConfig) {
  PlatformConfig pc;
  pc.queue_monitors = true;  // every fetch and CQE checked (platforms/queue_monitor.h)
  ControllerConfig& c = pc.controllers.at(0);
  c.serial_number = "DRV-MSIX-0001";
  c.namespaces = {NamespaceConfig{1, 64ull << 20, 512}, NamespaceConfig{3, 32ull << 20, 4096}};
  ReferencePlatform p("top", pc);
  nvme_driver drv;
  run_cpu(p, [&] {
    nvme_driver_options opt;
    nvme_driver_default_options(&opt);
    opt.io_queues = 3;
    opt.io_queue_entries = 64;
    ASSERT_EQ(nvme_init(&drv, p.hal(0), &opt), 0) << drv.error;
    expect_brought_up(p, 0, drv);
    EXPECT_EQ(drv.irq, NVME_IRQ_MSIX);
    EXPECT_EQ(drv.io_queues, 3u);
    EXPECT_EQ(drv.vectors, 4u);  // admin + one per I/O CQ
    for (unsigned q = 1; q <= 3; ++q) {
      EXPECT_EQ(drv.sq[q].size, 64u);
      EXPECT_EQ(drv.cq[q].vector, q) << "one vector per I/O CQ";
    }
    ASSERT_EQ(drv.namespaces, 2u);
    EXPECT_EQ(drv.ns[0].nsid, 1u);
    EXPECT_EQ(drv.ns[0].block_size, 512u);
    EXPECT_EQ(drv.ns[0].blocks, (64ull << 20) / 512);
    EXPECT_EQ(drv.ns[1].nsid, 3u);
    EXPECT_EQ(drv.ns[1].block_size, 4096u);
    EXPECT_EQ(drv.ns[1].blocks, (32ull << 20) / 4096);

    // Admin completions came as MSI-X messages on vector 0; I/O on queue 2 arrives on vector 2.
    EXPECT_GT(p.cpu().interrupts(platform_vector(p.hal(0), 0)), 0u);
    EXPECT_GT(p.msi_controller().delivered(), 0u);
    const uint64_t before = p.cpu().interrupts(platform_vector(p.hal(0), 2));
    write_read_compare(drv, 2, 100, 4096, 0, 1);
    EXPECT_EQ(p.cpu().interrupts(platform_vector(p.hal(0), 2)), before + 2);
    EXPECT_EQ(p.msi_controller().unknown_vectors(), 0u);
    EXPECT_EQ(p.msi_controller().spurious(), 0u);
  });
}

TEST(DriverBringUp, ForcedMsi) {
  ReferencePlatform p("top", PlatformConfig{});
  nvme_driver drv;
  run_cpu(p, [&] {
    nvme_driver_options opt;
    nvme_driver_default_options(&opt);
    opt.irq_mode = NVME_IRQ_MSI;
    opt.io_queues = 2;
    ASSERT_EQ(nvme_init(&drv, p.hal(0), &opt), 0) << drv.error;
    expect_brought_up(p, 0, drv);
    EXPECT_EQ(drv.irq, NVME_IRQ_MSI);
    EXPECT_EQ(drv.io_queues, 2u);
    EXPECT_EQ(drv.vectors, 4u);  // 3 wanted, rounded up to a power of two
    EXPECT_GT(p.cpu().interrupts(platform_vector(p.hal(0), 0)), 0u);
    const uint64_t before = p.cpu().interrupts(platform_vector(p.hal(0), 1));
    write_read_compare(drv, 1, 0, 4096, 0, 2);
    EXPECT_EQ(p.cpu().interrupts(platform_vector(p.hal(0), 1)), before + 2);
  });
}

TEST(DriverBringUp, ForcedIntx) {
  ReferencePlatform p("top", PlatformConfig{});
  nvme_driver drv;
  run_cpu(p, [&] {
    nvme_driver_options opt;
    nvme_driver_default_options(&opt);
    opt.irq_mode = NVME_IRQ_INTX;
    opt.io_queues = 2;
    ASSERT_EQ(nvme_init(&drv, p.hal(0), &opt), 0) << drv.error;
    expect_brought_up(p, 0, drv);
    EXPECT_EQ(drv.irq, NVME_IRQ_INTX);
    EXPECT_EQ(drv.vectors, 1u);
    EXPECT_EQ(drv.io_queues, 2u);
    write_read_compare(drv, 2, 8, 8192, 0, 3);
    EXPECT_EQ(p.msi_controller().delivered(), 0u) << "no MSI/MSI-X messages with INTx";
    EXPECT_GT(p.cpu().interrupts(platform_vector(p.hal(0), 0)), 0u) << "INTx arrives as device vector 0";
  });
}

TEST(DriverBringUp, Polling) {
  ReferencePlatform p("top", PlatformConfig{});
  nvme_driver drv;
  run_cpu(p, [&] {
    nvme_driver_options opt;
    nvme_driver_default_options(&opt);
    opt.irq_mode = NVME_IRQ_POLL;
    opt.io_queues = 1;
    ASSERT_EQ(nvme_init(&drv, p.hal(0), &opt), 0) << drv.error;
    expect_brought_up(p, 0, drv);
    EXPECT_EQ(drv.irq, NVME_IRQ_POLL);
    EXPECT_EQ(drv.io_queues, 1u);
    write_read_compare(drv, 1, 16, 4096, 0, 4);
    EXPECT_EQ(p.msi_controller().delivered(), 0u);
    EXPECT_EQ(p.cpu().interrupts(platform_vector(p.hal(0), 0)), 0u) << "INTx is disabled while polling";
  });
}

TEST(DriverBringUp, FallsBackToMsiWithoutMsix) {
  PlatformConfig pc;
  pc.queue_monitors = true;  // every fetch and CQE checked (platforms/queue_monitor.h)
  pc.controllers.at(0).pci.msix = false;
  ReferencePlatform p("top", pc);
  nvme_driver drv;
  run_cpu(p, [&] {
    ASSERT_EQ(nvme_init(&drv, p.hal(0), nullptr), 0) << drv.error;
    expect_brought_up(p, 0, drv);
    EXPECT_EQ(drv.irq, NVME_IRQ_MSI);
    write_read_compare(drv, 1, 0, 4096, 0, 5);
    EXPECT_GT(p.msi_controller().delivered(), 0u);
  });
}

TEST(DriverBringUp, FallsBackToIntxWithoutMsixAndMsi) {
  PlatformConfig pc;
  pc.queue_monitors = true;  // every fetch and CQE checked (platforms/queue_monitor.h)
  pc.controllers.at(0).pci.msix = false;
  pc.controllers.at(0).pci.msi = false;
  ReferencePlatform p("top", pc);
  nvme_driver drv;
  run_cpu(p, [&] {
    ASSERT_EQ(nvme_init(&drv, p.hal(0), nullptr), 0) << drv.error;
    expect_brought_up(p, 0, drv);
    EXPECT_EQ(drv.irq, NVME_IRQ_INTX);
    write_read_compare(drv, 1, 0, 4096, 0, 6);
    EXPECT_EQ(p.msi_controller().delivered(), 0u);
    EXPECT_GT(p.cpu().interrupts(platform_vector(p.hal(0), 0)), 0u);
  });
}

TEST(DriverIo, WriteReadBackSinglePageAndPrp2) {
  ReferencePlatform p("top", PlatformConfig{});
  nvme_driver drv;
  run_cpu(p, [&] {
    ASSERT_EQ(nvme_init(&drv, p.hal(0), nullptr), 0) << drv.error;
    write_read_compare(drv, 1, 0, 512, 0, 10);     // one block
    write_read_compare(drv, 1, 1000, 4096, 0, 11);  // one page: PRP1 only
    write_read_compare(drv, 1, 2000, 8192, 0, 12);  // two pages: PRP2 is the second page
    write_read_compare(drv, 1, 3000, 4096, 512, 13);  // unaligned: PRP1 with an offset, PRP2
    // Data written earlier is still there after other writes.
    uint64_t bus = 0;
    auto* b = static_cast<uint8_t*>(scnvme_hal_dma_alloc(drv.dev, 4096, 4096, &bus));
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(io_sync(drv, 1, kOpRead, 1, 1000, 8, bus, 4096), 0);
    std::vector<uint8_t> expect(4096);
    fill(expect.data(), expect.size(), 11);
    EXPECT_EQ(std::memcmp(b, expect.data(), 4096), 0);
    // Blocks never written read as zeroes.
    EXPECT_EQ(io_sync(drv, 1, kOpRead, 1, 500000, 8, bus, 4096), 0);
    for (unsigned i = 0; i < 4096; ++i) ASSERT_EQ(b[i], 0) << "byte " << i;
    scnvme_hal_dma_free(drv.dev, b);
  });
}

TEST(DriverIo, MultiPageTransfersUsePrpLists) {
  ReferencePlatform p("top", PlatformConfig{});
  nvme_driver drv;
  run_cpu(p, [&] {
    ASSERT_EQ(nvme_init(&drv, p.hal(0), nullptr), 0) << drv.error;
    ASSERT_GE(drv.max_transfer, 128u * 1024);
    write_read_compare(drv, 1, 0, 64 * 1024, 0, 20);          // PRP list of 15 entries
    write_read_compare(drv, 1, 4096, 64 * 1024, 1024, 21);    // unaligned first page: 16 entries
    write_read_compare(drv, 1, 8192, 12 * 1024, 0, 22);       // three pages: smallest list
    write_read_compare(drv, 1, 16384, drv.max_transfer, 0, 23);  // MDTS-sized transfer
  });
}

TEST(DriverIo, BatchedCommandsOnSeveralQueues) {
  ReferencePlatform p("top", PlatformConfig{});
  nvme_driver drv;
  run_cpu(p, [&] {
    nvme_driver_options opt;
    nvme_driver_default_options(&opt);
    opt.io_queues = 2;
    ASSERT_EQ(nvme_init(&drv, p.hal(0), &opt), 0) << drv.error;
    constexpr unsigned kCmds = 8;
    constexpr uint64_t kBytes = 16384;
    uint64_t bus = 0;
    auto* buf = static_cast<uint8_t*>(scnvme_hal_dma_alloc(drv.dev, kCmds * kBytes, 4096, &bus));
    ASSERT_NE(buf, nullptr);
    for (unsigned i = 0; i < kCmds; ++i) fill(buf + i * kBytes, kBytes, 100 + i);
    // Eight writes with one doorbell on queue 1.
    for (unsigned i = 0; i < kCmds; ++i)
      ASSERT_GE(nvme_io_prepare(&drv, 1, kOpWrite, 1, i * 32, 32, bus + i * kBytes, kBytes), 0);
    nvme_io_ring(&drv, 1);
    unsigned reaped = 0;
    nvme_completion c[kCmds];
    while (reaped < kCmds) {
      const int n = nvme_io_reap(&drv, 1, c, kCmds, kTimeoutNs);
      ASSERT_GT(n, 0) << drv.error;
      for (int k = 0; k < n; ++k) EXPECT_EQ(c[k].status, 0);
      reaped += static_cast<unsigned>(n);
    }
    EXPECT_EQ(drv.sq[1].outstanding, 0u);
    // Read them back in reverse order on queue 2.
    uint64_t rbus = 0;
    auto* rbuf = static_cast<uint8_t*>(scnvme_hal_dma_alloc(drv.dev, kCmds * kBytes, 4096, &rbus));
    ASSERT_NE(rbuf, nullptr);
    for (unsigned i = kCmds; i-- > 0;)
      ASSERT_GE(nvme_io_prepare(&drv, 2, kOpRead, 1, i * 32, 32, rbus + i * kBytes, kBytes), 0);
    nvme_io_ring(&drv, 2);
    reaped = 0;
    while (reaped < kCmds) {
      const int n = nvme_io_reap(&drv, 2, c, kCmds, kTimeoutNs);
      ASSERT_GT(n, 0) << drv.error;
      for (int k = 0; k < n; ++k) EXPECT_EQ(c[k].status, 0);
      reaped += static_cast<unsigned>(n);
    }
    EXPECT_EQ(std::memcmp(buf, rbuf, kCmds * kBytes), 0);
    // A queue that does not exist is refused.
    EXPECT_EQ(nvme_io_prepare(&drv, 3, kOpRead, 1, 0, 1, rbus, 512), -1);
    EXPECT_EQ(nvme_io_prepare(&drv, 0, kOpRead, 1, 0, 1, rbus, 512), -1);
  });
}

TEST(DriverIo, ErrorStatusesReachTheCaller) {
  ReferencePlatform p("top", PlatformConfig{});
  nvme_driver drv;
  run_cpu(p, [&] {
    ASSERT_EQ(nvme_init(&drv, p.hal(0), nullptr), 0) << drv.error;
    uint64_t bus = 0;
    ASSERT_NE(scnvme_hal_dma_alloc(drv.dev, 4096, 4096, &bus), nullptr);
    const uint64_t blocks = drv.ns[0].blocks;
    const int lba_range = io_sync(drv, 1, kOpRead, 1, blocks - 1, 8, bus, 4096);
    EXPECT_EQ(lba_range & 0x7FF, 0x080) << nvme_status_string(static_cast<uint16_t>(lba_range));
    const int bad_ns = io_sync(drv, 1, kOpRead, 2, 0, 8, bus, 4096);
    EXPECT_EQ(bad_ns & 0x7FF, 0x00B) << nvme_status_string(static_cast<uint16_t>(bad_ns));
    // The queue still works afterwards.
    EXPECT_EQ(io_sync(drv, 1, kOpRead, 1, 0, 8, bus, 4096), 0);
  });
}

TEST(DriverMultiController, TwoControllersIndependent) {
  PlatformConfig pc;
  pc.queue_monitors = true;  // every fetch and CQE checked (platforms/queue_monitor.h)
  ControllerConfig a, b;
  a.serial_number = "SERIAL-AAAA";
  b.serial_number = "SERIAL-BBBB";
  b.namespaces = {NamespaceConfig{1, 16ull << 20, 4096}};
  pc.controllers = {a, b};
  ReferencePlatform p("top", pc);
  ASSERT_EQ(p.devices(), 2u);
  nvme_driver drv[2];
  bool written[2] = {false, false}, done[2] = {false, false};
  sc_core::sc_event written_ev;
  for (unsigned i = 0; i < 2; ++i) {
    p.cpu().run(i == 0 ? "drv0" : "drv1", [&, i] {
      ASSERT_EQ(nvme_init(&drv[i], p.hal(i), nullptr), 0) << drv[i].error;
      expect_brought_up(p, i, drv[i]);
      const uint32_t bs = drv[i].ns[0].block_size;
      EXPECT_EQ(bs, i == 0 ? 512u : 4096u);
      uint64_t bus = 0;
      auto* buf = static_cast<uint8_t*>(scnvme_hal_dma_alloc(drv[i].dev, 8192, 4096, &bus));
      ASSERT_NE(buf, nullptr);
      fill(buf, 8192, 1000 + i);
      EXPECT_EQ(io_sync(drv[i], 1, kOpWrite, 1, 0, 8192 / bs, bus, 8192), 0);
      written[i] = true;
      written_ev.notify(sc_core::SC_ZERO_TIME);
      while (!(written[0] && written[1])) sc_core::wait(written_ev);
      // Each device reads back its own data, not the other's.
      std::memset(buf, 0, 8192);
      EXPECT_EQ(io_sync(drv[i], 1, kOpRead, 1, 0, 8192 / bs, bus, 8192), 0);
      std::vector<uint8_t> expect(8192);
      fill(expect.data(), expect.size(), 1000 + i);
      EXPECT_EQ(std::memcmp(buf, expect.data(), 8192), 0) << "device " << i;
      EXPECT_EQ(nvme_shutdown(&drv[i]), 0) << drv[i].error;
      done[i] = true;
      if (done[0] && done[1]) sc_core::sc_stop();
    });
  }
  sc_core::sc_start(sc_core::sc_time(10, sc_core::SC_SEC));
  EXPECT_TRUE(done[0] && done[1]);
  EXPECT_EQ(std::string(drv[0].serial), "SERIAL-AAAA");
  EXPECT_EQ(std::string(drv[1].serial), "SERIAL-BBBB");
  EXPECT_NE(drv[0].bar0, drv[1].bar0);
  EXPECT_NE(platform_vector(p.hal(0), 0), platform_vector(p.hal(1), 0));
  EXPECT_GT(p.cpu().interrupts(platform_vector(p.hal(0), 1)), 0u);
  EXPECT_GT(p.cpu().interrupts(platform_vector(p.hal(1), 1)), 0u);
  EXPECT_EQ(p.msi_controller().unknown_vectors(), 0u);
}

TEST(DriverShutdown, ReachesShutdownComplete) {
  ReferencePlatform p("top", PlatformConfig{});
  nvme_driver drv;
  run_cpu(p, [&] {
    ASSERT_EQ(nvme_init(&drv, p.hal(0), nullptr), 0) << drv.error;
    write_read_compare(drv, 1, 0, 4096, 0, 30);
    const uint64_t t0 = scnvme_hal_now_ns(p.hal(0));
    ASSERT_EQ(nvme_shutdown(&drv), 0) << drv.error;
    EXPECT_GE(scnvme_hal_now_ns(p.hal(0)) - t0, p.controller(0).config().timing.shutdown_delay_us * 1000ull);
    EXPECT_EQ(drv.io_queues, 0u);
    const uint32_t csts = scnvme_hal_mmio_read32(p.hal(0), drv.bar0 + kRegCsts);
    EXPECT_EQ(csts & 0xCu, 0x8u) << "CSTS.SHST = 10b (shutdown complete)";
    EXPECT_EQ(csts & 0x2u, 0u) << "no fatal status";
    EXPECT_EQ(scnvme_hal_mmio_read32(p.hal(0), drv.bar0 + kRegCc) & (3u << 14), 1u << 14) << "CC.SHN = normal";
  });
}

// The controller refuses to become ready when the host's memory page size (4 KiB) is below
// CAP.MPSMIN; the driver sees it in CAP and reports it instead of enabling.
TEST(DriverErrors, ControllerThatCannotBeEnabledGivesClearError) {
  PlatformConfig pc;
  pc.queue_monitors = true;  // every fetch and CQE checked (platforms/queue_monitor.h)
  pc.controllers.at(0).mps_min = 1;  // 8 KiB minimum page
  ReferencePlatform p("top", pc);
  nvme_driver drv;
  run_cpu(p, [&] {
    EXPECT_EQ(nvme_init(&drv, p.hal(0), nullptr), -1);
    EXPECT_NE(drv.error[0], '\0');
    EXPECT_NE(std::string(drv.error).find("MPSMIN"), std::string::npos) << drv.error;
    // Confirm that an enable with CC.MPS = 0 (4 KiB) is indeed refused by the controller.
    scnvme_hal_device* dev = p.hal(0);
    uint64_t asq = 0, acq = 0;
    ASSERT_NE(scnvme_hal_dma_alloc(dev, 8192, 8192, &asq), nullptr);
    ASSERT_NE(scnvme_hal_dma_alloc(dev, 8192, 8192, &acq), nullptr);
    scnvme_hal_mmio_write32(dev, drv.bar0 + kRegAqa, (31u << 16) | 31u);
    scnvme_hal_mmio_write64(dev, drv.bar0 + 0x28, asq);
    scnvme_hal_mmio_write64(dev, drv.bar0 + 0x30, acq);
    scnvme_hal_mmio_write32(dev, drv.bar0 + kRegCc, 1u | (6u << 16) | (4u << 20));
    scnvme_hal_delay_ns(dev, 2ull * p.controller(0).config().timing.ready_delay_us * 1000);
    const uint32_t csts = scnvme_hal_mmio_read32(dev, drv.bar0 + kRegCsts);
    EXPECT_EQ(csts & 0x1u, 0u) << "CSTS.RDY stays clear";
    EXPECT_EQ(csts & 0x2u, 0x2u) << "CSTS.CFS set";
  });
}

TEST(DriverErrors, ForcedMsixWithoutCapabilityFails) {
  PlatformConfig pc;
  pc.queue_monitors = true;  // every fetch and CQE checked (platforms/queue_monitor.h)
  pc.controllers.at(0).pci.msix = false;
  ReferencePlatform p("top", pc);
  nvme_driver drv;
  run_cpu(p, [&] {
    nvme_driver_options opt;
    nvme_driver_default_options(&opt);
    opt.irq_mode = NVME_IRQ_MSIX;
    EXPECT_EQ(nvme_init(&drv, p.hal(0), &opt), -1);
    EXPECT_NE(std::string(drv.error).find("MSI-X"), std::string::npos) << drv.error;
  });
}
