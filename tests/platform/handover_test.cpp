// Driver hand-over (issue 9, part 5) on the reference platform: the "keepalive" servicing flow
// (nvme_save_state / nvme_restore: the controller stays enabled, commands in flight complete on
// the new driver instance) and the flow without hand-over support (shutdown, Function Level
// Reset, full re-initialisation). Data is checked byte for byte; every command completes once.
#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <set>
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
using test::pattern;
using test::run_cpu;

namespace {

constexpr uint8_t kOpWrite = 0x01, kOpRead = 0x02;
constexpr uint32_t kRegCc = 0x14, kRegCsts = 0x1C;
constexpr uint64_t kTimeoutNs = 100ull * 1000 * 1000;  // 100 ms of simulated time
constexpr uint32_t kBlock = 4096;


PlatformConfig config() { return test::one_namespace_platform(kBlock); }

nvme_driver_options options() { return test::two_queue_options(kTimeoutNs); }


/// Block-sized DMA buffers, one per command of a batch.
struct Buffers {
  scnvme_hal_device* dev;
  std::vector<uint8_t*> cpu;
  std::vector<uint64_t> bus;
  Buffers(scnvme_hal_device* d, std::size_t n) : dev(d), cpu(n), bus(n) {
    for (std::size_t i = 0; i < n; ++i) cpu[i] = static_cast<uint8_t*>(scnvme_hal_dma_alloc(dev, kBlock, 4096, &bus[i]));
  }
  ~Buffers() {
    for (uint8_t* p : cpu) scnvme_hal_dma_free(dev, p);
  }
};

/// Writes generation `gen` of blocks [first, first + n) synchronously on queue q.
void write_blocks(nvme_driver& drv, unsigned q, uint64_t first, unsigned n, uint32_t gen) {
  Buffers b(drv.dev, 1);
  for (unsigned k = 0; k < n; ++k) {
    for (std::size_t i = 0; i < kBlock; ++i) b.cpu[0][i] = pattern(first + k, gen, i);
    const int cid = nvme_io_prepare(&drv, q, kOpWrite, 1, first + k, 1, b.bus[0], kBlock);
    ASSERT_GE(cid, 0);
    nvme_io_ring(&drv, q);
    nvme_completion c{};
    ASSERT_EQ(nvme_io_reap(&drv, q, &c, 1, kTimeoutNs), 1) << drv.error;
    ASSERT_EQ(c.status, 0);
  }
}

/// Reads blocks [first, first + n) on queue q and checks them against generation `gen`.
void expect_blocks(nvme_driver& drv, unsigned q, uint64_t first, unsigned n, uint32_t gen) {
  Buffers b(drv.dev, 1);
  for (unsigned k = 0; k < n; ++k) {
    const int cid = nvme_io_prepare(&drv, q, kOpRead, 1, first + k, 1, b.bus[0], kBlock);
    ASSERT_GE(cid, 0);
    nvme_io_ring(&drv, q);
    nvme_completion c{};
    ASSERT_EQ(nvme_io_reap(&drv, q, &c, 1, kTimeoutNs), 1) << drv.error;
    ASSERT_EQ(c.status, 0);
    for (std::size_t i = 0; i < kBlock; ++i)
      if (b.cpu[0][i] != pattern(first + k, gen, i)) {
        ADD_FAILURE() << "block " << first + k << " byte " << i << " is not generation " << gen;
        break;
      }
  }
}

}  // namespace

TEST(DriverHandover, CommandsInFlightCompleteOnTheNewInstanceWithoutReset) {
  ReferencePlatform p("top", config());
  run_cpu(p, [&] {
    scnvme_hal_device* dev = p.hal(0);
    const nvme_driver_options opt = options();
    auto* old_drv = new nvme_driver;
    ASSERT_EQ(nvme_init(old_drv, dev, &opt), 0) << old_drv->error;
    write_blocks(*old_drv, 1, 0, 16, 1);

    // 16 reads of blocks 0..15 and 16 writes of blocks 100..115 in flight on queue 1.
    constexpr unsigned kReads = 16, kWrites = 16;
    Buffers bufs(dev, kReads + kWrites);
    std::map<int, unsigned> by_cid;  // CID -> buffer
    for (unsigned k = 0; k < kReads + kWrites; ++k) {
      const bool write = k >= kReads;
      const uint64_t lba = write ? 100 + (k - kReads) : k;
      if (write)
        for (std::size_t i = 0; i < kBlock; ++i) bufs.cpu[k][i] = pattern(lba, 2, i);
      const int cid = nvme_io_prepare(old_drv, 1, write ? kOpWrite : kOpRead, 1, lba, 1, bufs.bus[k], kBlock);
      ASSERT_GE(cid, 0);
      ASSERT_TRUE(by_cid.emplace(cid, k).second);
    }
    const uint32_t cc_before = scnvme_hal_mmio_read32(dev, old_drv->bar0 + kRegCc);
    const ControllerStats before = p.controller(0).stats();

    // Save (rings the pending doorbell), copy the state as bytes, and wipe the old instance.
    nvme_handover_state saved{};
    ASSERT_EQ(nvme_save_state(old_drv, &saved), 0) << old_drv->error;
    std::vector<uint8_t> bytes(sizeof saved);
    std::memcpy(bytes.data(), &saved, sizeof saved);
    std::memset(old_drv, 0xA5, sizeof *old_drv);
    delete old_drv;
    scnvme_hal_delay_ns(dev, 200 * 1000);  // the servicing gap: completions land, nobody reaps

    nvme_handover_state restored{};
    std::memcpy(&restored, bytes.data(), sizeof restored);
    nvme_driver drv;
    ASSERT_EQ(nvme_restore(&drv, dev, &restored), 0) << drv.error;
    EXPECT_EQ(scnvme_hal_mmio_read32(dev, drv.bar0 + kRegCc), cc_before) << "CC untouched";
    EXPECT_EQ(scnvme_hal_mmio_read32(dev, drv.bar0 + kRegCsts) & 3u, 1u) << "still ready, no CFS";
    EXPECT_EQ(drv.sq[1].outstanding, kReads + kWrites);

    // Every command completes exactly once, on the new instance.
    std::set<int> seen;
    std::vector<nvme_completion> cpl(64);
    while (seen.size() < kReads + kWrites) {
      const int n = nvme_io_reap(&drv, 1, cpl.data(), static_cast<unsigned>(cpl.size()), kTimeoutNs);
      ASSERT_GT(n, 0) << "missing completions: " << seen.size() << " of " << kReads + kWrites << "; " << drv.error;
      for (int i = 0; i < n; ++i) {
        EXPECT_EQ(cpl[i].status, 0);
        EXPECT_EQ(cpl[i].sqid, 1);
        ASSERT_TRUE(by_cid.count(cpl[i].cid)) << "unknown CID " << cpl[i].cid;
        EXPECT_TRUE(seen.insert(cpl[i].cid).second) << "CID " << cpl[i].cid << " completed twice";
      }
    }
    nvme_completion extra{};
    EXPECT_EQ(nvme_io_reap(&drv, 1, &extra, 1, 1000 * 1000), 0) << "no completion beyond those submitted";
    for (const auto& [cid, k] : by_cid) {
      if (k >= kReads) continue;
      for (std::size_t i = 0; i < kBlock; ++i)
        if (bufs.cpu[k][i] != pattern(k, 1, i)) {
          ADD_FAILURE() << "read of block " << k << " (CID " << cid << ") returned wrong data at byte " << i;
          break;
        }
    }
    // The writes landed; both queues go on working; no reset happened.
    expect_blocks(drv, 2, 100, kWrites, 2);
    write_blocks(drv, 1, 200, 4, 3);
    expect_blocks(drv, 2, 200, 4, 3);
    const ControllerStats after = p.controller(0).stats();
    EXPECT_EQ(after.controller_resets, before.controller_resets);
    EXPECT_EQ(after.commands_completed - before.commands_completed, kReads + kWrites + 16 + 4 + 4);
    EXPECT_EQ(scnvme_hal_bus_errors(dev), 0u);
    EXPECT_EQ(nvme_shutdown(&drv), 0) << drv.error;
  });
}

TEST(DriverHandover, RestoreRefusesAStateThatNoLongerMatchesTheController) {
  ReferencePlatform p("top", config());
  run_cpu(p, [&] {
    scnvme_hal_device* dev = p.hal(0);
    const nvme_driver_options opt = options();
    nvme_driver a;
    ASSERT_EQ(nvme_init(&a, dev, &opt), 0) << a.error;
    nvme_handover_state st{};
    ASSERT_EQ(nvme_save_state(&a, &st), 0) << a.error;

    nvme_handover_state bad = st;
    bad.magic = 0;
    nvme_driver b;
    EXPECT_EQ(nvme_restore(&b, dev, &bad), -1);
    EXPECT_NE(std::string(b.error).find("not a hand-over state"), std::string::npos) << b.error;
    bad = st;
    bad.sq[1].bus = 0x10;  // not DMA memory
    EXPECT_EQ(nvme_restore(&b, dev, &bad), -1);
    EXPECT_NE(std::string(b.error).find("not allocated DMA memory"), std::string::npos) << b.error;

    // A controller reset in between: the queues are gone, the state is stale.
    scnvme_hal_mmio_write32(dev, st.bar0 + kRegCc, 0);
    ASSERT_EQ(scnvme_hal_poll32(dev, st.bar0 + kRegCsts, 1u, 0u, 1000, kTimeoutNs), 0);
    EXPECT_EQ(nvme_restore(&b, dev, &st), -1);
    EXPECT_NE(std::string(b.error).find("no longer enabled and ready"), std::string::npos) << b.error;
  });
}

TEST(DriverHandover, WithoutHandOverShutdownFunctionLevelResetAndReinitialisationKeepTheData) {
  ReferencePlatform p("top", config());
  run_cpu(p, [&] {
    scnvme_hal_device* dev = p.hal(0);
    const nvme_driver_options opt = options();
    nvme_driver a;
    ASSERT_EQ(nvme_init(&a, dev, &opt), 0) << a.error;
    write_blocks(a, 1, 0, 16, 5);

    ASSERT_EQ(nvme_shutdown(&a), 0) << a.error;
    ASSERT_EQ(nvme_function_level_reset(&a), 0) << a.error;
    EXPECT_FALSE(p.controller(0).memory_space_enabled()) << "FLR clears the Command register";
    EXPECT_EQ(scnvme_hal_cfg_read32(dev, 0x10) & ~0xFu, 0u) << "FLR resets BAR0";
    nvme_release(&a);

    nvme_driver b;
    ASSERT_EQ(nvme_init(&b, dev, &opt), 0) << b.error;
    EXPECT_EQ(b.io_queues, 2u);
    expect_blocks(b, 1, 0, 16, 5);
    write_blocks(b, 2, 16, 4, 6);
    expect_blocks(b, 1, 16, 4, 6);
    EXPECT_EQ(nvme_shutdown(&b), 0) << b.error;
    nvme_release(&b);
  });
}
