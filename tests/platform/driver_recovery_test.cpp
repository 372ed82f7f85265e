// The reference driver's recovery (issue 9, part 6) on the reference platform: one case per
// injected fault (scnvme/faults.h), each asserting the driver's exact reaction — timeout, Abort,
// controller reset and re-initialisation, driver statuses for what was outstanding, media and
// injected statuses passed through, lost and spurious interrupts, surprise removal — and that
// I/O (and the data written before) is fine afterwards. One process per case.
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

constexpr uint8_t kOpFlush = 0x00, kOpWrite = 0x01, kOpRead = 0x02;
constexpr uint8_t kAdmGetLogPage = 0x02, kAdmAbort = 0x08;
constexpr uint32_t kRegCsts = 0x1C;
constexpr uint64_t kMs = 1000ull * 1000;
constexpr uint64_t kTimeoutNs = 10 * kMs;  // command timeout: 10 ms of simulated time
constexpr uint32_t kBlock = 4096;
constexpr uint16_t kStatusMore = 0x2000;  // M bit of the status field
constexpr uint16_t kAbortRequested = 0x007, kInternalError = 0x006, kUnrecoveredRead = 0x281;


PlatformConfig config() { return test::one_namespace_platform(kBlock); }

nvme_driver_options options() { return test::two_queue_options(kTimeoutNs); }


/// A DMA buffer freed at scope exit.
struct Buffer {
  scnvme_hal_device* dev;
  uint8_t* cpu = nullptr;
  uint64_t bus = 0;
  Buffer(scnvme_hal_device* d, std::size_t bytes) : dev(d) { cpu = static_cast<uint8_t*>(scnvme_hal_dma_alloc(dev, bytes, 4096, &bus)); }
  ~Buffer() { scnvme_hal_dma_free(dev, cpu); }
};

/// One command on queue q, waited for; its completion (status 0xFFFF when none came).
nvme_completion io_sync(nvme_driver& drv, unsigned q, uint8_t op, uint64_t lba, uint64_t bus) {
  nvme_completion c{};
  c.status = 0xFFFF;
  const int cid = nvme_io_prepare(&drv, q, op, 1, lba, op == kOpFlush ? 0 : 1, op == kOpFlush ? 0 : bus, op == kOpFlush ? 0 : kBlock);
  EXPECT_GE(cid, 0) << drv.error;
  if (cid < 0) return c;
  nvme_io_ring(&drv, q);
  const int n = nvme_io_reap(&drv, q, &c, 1, kTimeoutNs);
  EXPECT_EQ(n, 1) << drv.error;
  EXPECT_EQ(c.cid, cid);
  return c;
}

/// Writes generation `gen` of blocks [first, first + n) and flushes them (durable).
void write_durable(nvme_driver& drv, unsigned q, uint64_t first, unsigned n, uint32_t gen) {
  Buffer b(drv.dev, kBlock);
  for (unsigned k = 0; k < n; ++k) {
    for (std::size_t i = 0; i < kBlock; ++i) b.cpu[i] = pattern(first + k, gen, i);
    ASSERT_EQ(io_sync(drv, q, kOpWrite, first + k, b.bus).status, 0);
  }
  ASSERT_EQ(io_sync(drv, q, kOpFlush, 0, 0).status, 0);
}

/// Reads blocks [first, first + n) on queue q and checks them against generation `gen`.
void expect_blocks(nvme_driver& drv, unsigned q, uint64_t first, unsigned n, uint32_t gen) {
  Buffer b(drv.dev, kBlock);
  for (unsigned k = 0; k < n; ++k) {
    ASSERT_EQ(io_sync(drv, q, kOpRead, first + k, b.bus).status, 0) << "read of block " << first + k;
    for (std::size_t i = 0; i < kBlock; ++i)
      if (b.cpu[i] != pattern(first + k, gen, i)) {
        ADD_FAILURE() << "block " << first + k << " byte " << i << " is not generation " << gen;
        break;
      }
  }
}

/// Submits one read of `lba` on q and rings; returns its CID.
int submit_read(nvme_driver& drv, unsigned q, uint64_t lba, uint64_t bus) {
  const int cid = nvme_io_prepare(&drv, q, kOpRead, 1, lba, 1, bus, kBlock);
  EXPECT_GE(cid, 0) << drv.error;
  nvme_io_ring(&drv, q);
  return cid;
}

/// Reaps queue q until every CID of `cids` completed once; returns CID -> status.
std::map<int, uint16_t> reap_all(nvme_driver& drv, unsigned q, const std::set<int>& cids) {
  std::map<int, uint16_t> got;
  std::vector<nvme_completion> cpl(64);
  while (got.size() < cids.size()) {
    const int n = nvme_io_reap(&drv, q, cpl.data(), static_cast<unsigned>(cpl.size()), kTimeoutNs);
    if (n <= 0) {
      ADD_FAILURE() << "queue " << q << ": " << got.size() << " of " << cids.size() << " completions; " << drv.error;
      break;
    }
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(cpl[i].sqid, q);
      EXPECT_TRUE(cids.count(cpl[i].cid)) << "unknown CID " << cpl[i].cid;
      EXPECT_TRUE(got.emplace(cpl[i].cid, cpl[i].status).second) << "CID " << cpl[i].cid << " completed twice";
    }
  }
  return got;
}

/// Get Log Page (NSID FFFFFFFFh) of `bytes` into buf.
uint16_t get_log(nvme_driver& drv, uint8_t lid, uint64_t bus, uint32_t bytes) {
  uint8_t sqe[64] = {};
  sqe[0] = kAdmGetLogPage;
  const uint32_t nsid = 0xFFFFFFFFu, cdw10 = lid | ((bytes / 4 - 1) << 16);
  std::memcpy(sqe + 4, &nsid, 4);
  std::memcpy(sqe + 24, &bus, 8);
  std::memcpy(sqe + 40, &cdw10, 4);
  nvme_completion c{};
  EXPECT_EQ(nvme_admin(&drv, sqe, &c), 0) << drv.error;
  return c.status;
}

template <typename T>
T le(const uint8_t* p) {
  T v{};
  std::memcpy(&v, p, sizeof v);
  return v;
}

void expect_no_recovery(const nvme_driver& drv) {
  const nvme_recovery_stats& r = drv.recovery;
  EXPECT_EQ(r.timeouts, 0u);
  EXPECT_EQ(r.aborts_sent, 0u);
  EXPECT_EQ(r.controller_resets, 0u);
  EXPECT_EQ(r.cfs_recoveries, 0u);
  EXPECT_EQ(r.commands_failed, 0u);
}

}  // namespace

TEST(DriverRecovery, HungCommandTimesOutAndIsAbortedWithAbortRequested) {
  ReferencePlatform p("top", config());
  run_cpu(p, [&] {
    const nvme_driver_options opt = options();
    nvme_driver drv;
    ASSERT_EQ(nvme_init(&drv, p.hal(0), &opt), 0) << drv.error;
    write_durable(drv, 1, 0, 2, 1);
    const uint64_t resets_before = p.controller(0).stats().controller_resets;

    CommandDelay hang;
    hang.match.opcode = kOpRead;
    hang.match.sqid = 1;
    hang.never = true;
    p.controller(0).inject(hang);
    Buffer b(drv.dev, kBlock);
    const int cid = submit_read(drv, 1, 0, b.bus);
    nvme_completion c{};
    EXPECT_EQ(nvme_io_reap(&drv, 1, &c, 1, kTimeoutNs), 0) << "the hung read does not complete";
    EXPECT_EQ(nvme_recover(&drv), NVME_RECOVER_ABORTED) << drv.error;
    ASSERT_EQ(nvme_io_reap(&drv, 1, &c, 1, kTimeoutNs), 1) << drv.error;
    EXPECT_EQ(c.cid, cid);
    EXPECT_EQ(c.status & 0x7FF, kAbortRequested) << nvme_status_string(c.status);
    EXPECT_FALSE(NVME_STATUS_IS_DRIVER(c.status));

    EXPECT_EQ(drv.recovery.timeouts, 1u);
    EXPECT_EQ(drv.recovery.aborts_sent, 1u);
    EXPECT_EQ(drv.recovery.aborts_succeeded, 1u);
    EXPECT_EQ(drv.recovery.controller_resets, 0u);
    EXPECT_EQ(drv.recovery.commands_failed, 0u);
    EXPECT_EQ(p.controller(0).fault_stats().hung_aborted, 1u);
    EXPECT_EQ(p.controller(0).stats().controller_resets, resets_before) << "no reset needed";
    EXPECT_EQ(nvme_recover(&drv), NVME_RECOVER_NONE) << "nothing left to recover";
    expect_blocks(drv, 1, 0, 2, 1);
    EXPECT_EQ(nvme_shutdown(&drv), 0) << drv.error;
  });
}

TEST(DriverRecovery, AbortThatHangsTooResetsAndReinitialises) {
  ReferencePlatform p("top", config());
  run_cpu(p, [&] {
    const nvme_driver_options opt = options();
    nvme_driver drv;
    ASSERT_EQ(nvme_init(&drv, p.hal(0), &opt), 0) << drv.error;
    write_durable(drv, 1, 0, 8, 1);
    const uint64_t resets_before = p.controller(0).stats().controller_resets;

    CommandDelay hang;
    hang.match.opcode = kOpRead;
    hang.match.sqid = 1;
    hang.never = true;
    p.controller(0).inject(hang);
    CommandDelay hang_abort;
    hang_abort.match.opcode = kAdmAbort;
    hang_abort.match.sqid = 0;
    hang_abort.never = true;
    p.controller(0).inject(hang_abort);

    Buffer b(drv.dev, kBlock);
    const int cid = submit_read(drv, 1, 3, b.bus);
    nvme_completion c{};
    EXPECT_EQ(nvme_io_reap(&drv, 1, &c, 1, kTimeoutNs), 0);
    EXPECT_EQ(nvme_recover(&drv), NVME_RECOVER_RESET) << drv.error;
    EXPECT_EQ(drv.state, NVME_DRV_LIVE);
    ASSERT_EQ(nvme_io_reap(&drv, 1, &c, 1, kTimeoutNs), 1) << drv.error;
    EXPECT_EQ(c.cid, cid);
    EXPECT_EQ(c.status, NVME_DRV_STATUS_RESET) << nvme_status_string(c.status);
    EXPECT_TRUE(NVME_STATUS_IS_DRIVER(c.status));

    EXPECT_EQ(drv.recovery.timeouts, 1u);
    EXPECT_EQ(drv.recovery.aborts_sent, 1u);
    EXPECT_EQ(drv.recovery.aborts_succeeded, 0u);
    EXPECT_EQ(drv.recovery.admin_timeouts, 1u) << "the Abort timed out";
    EXPECT_EQ(drv.recovery.controller_resets, 1u);
    EXPECT_EQ(drv.recovery.reinit_failures, 0u);
    EXPECT_EQ(drv.recovery.commands_failed, 1u);
    EXPECT_EQ(p.controller(0).stats().controller_resets, resets_before + 1);
    EXPECT_EQ(p.controller(0).fault_stats().commands_hung, 2u);

    // Both queues work again; what was made durable before reads back.
    expect_blocks(drv, 1, 0, 8, 1);
    expect_blocks(drv, 2, 0, 8, 1);
    write_durable(drv, 2, 100, 4, 2);
    expect_blocks(drv, 1, 100, 4, 2);
    EXPECT_EQ(scnvme_hal_mmio_read32(drv.dev, drv.bar0 + kRegCsts) & 3u, 1u);
    EXPECT_EQ(nvme_shutdown(&drv), 0) << drv.error;
  });
}

TEST(DriverRecovery, FatalStatusWithIoInFlightResetsAndFailsWhatWasOutstanding) {
  ReferencePlatform p("top", config());
  run_cpu(p, [&] {
    const nvme_driver_options opt = options();
    nvme_driver drv;
    ASSERT_EQ(nvme_init(&drv, p.hal(0), &opt), 0) << drv.error;
    write_durable(drv, 1, 0, 16, 1);

    // 8 reads on queue 1 and 4 on queue 2 in flight when CSTS.CFS is raised.
    Buffer b(drv.dev, 12 * kBlock);
    std::set<int> cids1, cids2;
    for (unsigned k = 0; k < 8; ++k) cids1.insert(nvme_io_prepare(&drv, 1, kOpRead, 1, k, 1, b.bus + k * kBlock, kBlock));
    for (unsigned k = 8; k < 12; ++k) cids2.insert(nvme_io_prepare(&drv, 2, kOpRead, 1, k, 1, b.bus + k * kBlock, kBlock));
    nvme_io_ring(&drv, 1);
    nvme_io_ring(&drv, 2);
    p.controller(0).raise_fatal_status();

    nvme_completion c{};
    EXPECT_EQ(nvme_io_reap(&drv, 1, &c, 1, kTimeoutNs), -1);
    EXPECT_NE(std::string(drv.error).find("CSTS.CFS"), std::string::npos) << drv.error;
    EXPECT_EQ(nvme_recover(&drv), NVME_RECOVER_RESET) << drv.error;
    EXPECT_EQ(drv.recovery.cfs_recoveries, 1u);
    EXPECT_EQ(drv.recovery.controller_resets, 1u);
    EXPECT_EQ(drv.recovery.aborts_sent, 0u) << "no Abort to a failed controller";
    EXPECT_EQ(drv.recovery.commands_failed, 12u);

    for (const auto& [cid, status] : reap_all(drv, 1, cids1)) EXPECT_EQ(status, NVME_DRV_STATUS_RESET) << "CID " << cid;
    for (const auto& [cid, status] : reap_all(drv, 2, cids2)) EXPECT_EQ(status, NVME_DRV_STATUS_RESET) << "CID " << cid;
    EXPECT_EQ(nvme_io_reap(&drv, 1, &c, 1, kMs), 0) << "nothing beyond what was submitted";
    EXPECT_EQ(scnvme_hal_mmio_read32(drv.dev, drv.bar0 + kRegCsts) & 3u, 1u) << "ready, CFS cleared";

    expect_blocks(drv, 1, 0, 16, 1);
    write_durable(drv, 2, 200, 4, 2);
    expect_blocks(drv, 1, 200, 4, 2);
    EXPECT_EQ(nvme_shutdown(&drv), 0) << drv.error;
  });
}

TEST(DriverRecovery, MediaErrorReachesTheCallerWithErrorLogAndSmart) {
  ReferencePlatform p("top", config());
  run_cpu(p, [&] {
    const nvme_driver_options opt = options();
    nvme_driver drv;
    ASSERT_EQ(nvme_init(&drv, p.hal(0), &opt), 0) << drv.error;
    write_durable(drv, 1, 1000, 9, 1);
    p.controller(0).inject(MediaError{1, 1000, 8});

    Buffer b(drv.dev, kBlock);
    const nvme_completion c = io_sync(drv, 1, kOpRead, 1003, b.bus);
    EXPECT_EQ(c.status & 0x7FF, kUnrecoveredRead) << nvme_status_string(c.status);
    EXPECT_TRUE(c.status & kStatusMore) << "details in the Error Information log";
    EXPECT_STREQ(nvme_status_string(c.status), "Unrecovered Read Error");
    EXPECT_EQ(io_sync(drv, 1, kOpRead, 1008, b.bus).status, 0) << "the block after the range reads";
    expect_no_recovery(drv);

    Buffer log(drv.dev, 4096);
    ASSERT_EQ(get_log(drv, 0x01, log.bus, 64), 0);  // Error Information, newest entry
    EXPECT_GE(le<uint64_t>(log.cpu + 0), 1u);
    EXPECT_EQ(le<uint16_t>(log.cpu + 8), 1u) << "SQID";
    EXPECT_EQ(le<uint16_t>(log.cpu + 10), c.cid) << "CID";
    EXPECT_EQ((le<uint16_t>(log.cpu + 12) >> 1) & 0x7FF, kUnrecoveredRead);
    EXPECT_EQ(le<uint64_t>(log.cpu + 16), 1003u) << "first failing LBA";
    EXPECT_EQ(le<uint32_t>(log.cpu + 24), 1u) << "NSID";
    ASSERT_EQ(get_log(drv, 0x02, log.bus, 512), 0);  // SMART / Health Information
    EXPECT_EQ(le<uint64_t>(log.cpu + 160), 1u) << "Media and Data Integrity Errors";
    EXPECT_EQ(p.controller(0).fault_stats().media_errors, 1u);
  });
}

TEST(DriverRecovery, InjectedFailureStatusPassesThroughUnchanged) {
  ReferencePlatform p("top", config());
  run_cpu(p, [&] {
    const nvme_driver_options opt = options();
    nvme_driver drv;
    ASSERT_EQ(nvme_init(&drv, p.hal(0), &opt), 0) << drv.error;
    write_durable(drv, 1, 0, 1, 1);
    CommandFailure f;
    f.match.opcode = kOpWrite;
    f.match.sqid = 1;
    f.status = 0x4000 | kInternalError;  // Internal Error, DNR
    p.controller(0).inject(f);

    Buffer b(drv.dev, kBlock);
    for (std::size_t i = 0; i < kBlock; ++i) b.cpu[i] = pattern(0, 2, i);
    const nvme_completion c = io_sync(drv, 1, kOpWrite, 0, b.bus);
    EXPECT_EQ(c.status, 0x4000 | kStatusMore | kInternalError) << nvme_status_string(c.status);
    EXPECT_STREQ(nvme_status_string(c.status), "Internal Error");
    expect_no_recovery(drv);
    expect_blocks(drv, 1, 0, 1, 1);  // nothing was written
    EXPECT_EQ(p.controller(0).fault_stats().commands_failed, 1u);
  });
}

TEST(DriverRecovery, DroppedInterruptCompletionIsFoundInTheQueue) {
  ReferencePlatform p("top", config());
  run_cpu(p, [&] {
    const nvme_driver_options opt = options();
    nvme_driver drv;
    ASSERT_EQ(nvme_init(&drv, p.hal(0), &opt), 0) << drv.error;
    ASSERT_EQ(drv.irq, NVME_IRQ_MSIX);
    write_durable(drv, 1, 0, 1, 1);
    const uint64_t polled_before = drv.recovery.polled_completions;
    p.controller(0).inject(InterruptDrop{drv.cq[1].vector, 1});

    Buffer b(drv.dev, kBlock);
    const uint64_t t0 = scnvme_hal_now_ns(drv.dev);
    const nvme_completion c = io_sync(drv, 1, kOpRead, 0, b.bus);
    EXPECT_EQ(c.status, 0);
    EXPECT_LT(scnvme_hal_now_ns(drv.dev) - t0, kMs) << "found one wait slice later, not at the timeout";
    EXPECT_EQ(drv.recovery.polled_completions, polled_before + 1);
    EXPECT_EQ(p.controller(0).fault_stats().interrupts_dropped, 1u);
    EXPECT_EQ(nvme_recover(&drv), NVME_RECOVER_NONE);
    expect_no_recovery(drv);
    expect_blocks(drv, 1, 0, 1, 1);
  });
}

TEST(DriverRecovery, SpuriousInterruptsAreHarmless) {
  ReferencePlatform p("top", config());
  run_cpu(p, [&] {
    const nvme_driver_options opt = options();
    nvme_driver drv;
    ASSERT_EQ(nvme_init(&drv, p.hal(0), &opt), 0) << drv.error;
    p.controller(0).send_spurious_interrupt(0);
    p.controller(0).send_spurious_interrupt(static_cast<uint16_t>(drv.cq[1].vector));
    scnvme_hal_delay_ns(drv.dev, 10 * 1000);
    write_durable(drv, 1, 0, 4, 1);
    expect_blocks(drv, 1, 0, 4, 1);
    Buffer log(drv.dev, 4096);
    EXPECT_EQ(get_log(drv, 0x02, log.bus, 512), 0);
    EXPECT_EQ(p.controller(0).fault_stats().spurious_interrupts, 2u);
    EXPECT_GE(drv.recovery.empty_interrupts, 2u);
    EXPECT_EQ(nvme_recover(&drv), NVME_RECOVER_NONE);
    expect_no_recovery(drv);
    EXPECT_EQ(nvme_shutdown(&drv), 0) << drv.error;
  });
}

TEST(DriverRecovery, SurpriseRemovalReportsRemovedWithoutHangingOrResetting) {
  ReferencePlatform p("top", config());
  run_cpu(p, [&] {
    const nvme_driver_options opt = options();
    nvme_driver drv;
    ASSERT_EQ(nvme_init(&drv, p.hal(0), &opt), 0) << drv.error;
    write_durable(drv, 1, 0, 4, 1);
    Buffer b(drv.dev, 4 * kBlock);
    std::set<int> cids;
    for (unsigned k = 0; k < 4; ++k) cids.insert(nvme_io_prepare(&drv, 1, kOpRead, 1, k, 1, b.bus + k * kBlock, kBlock));
    nvme_io_ring(&drv, 1);
    p.controller(0).surprise_remove();

    const uint64_t t0 = scnvme_hal_now_ns(drv.dev);
    nvme_completion c{};
    EXPECT_EQ(nvme_io_reap(&drv, 1, &c, 1, kTimeoutNs), -1) << "the wait that finds the device gone";
    EXPECT_NE(std::string(drv.error).find("removed"), std::string::npos) << drv.error;
    EXPECT_LT(scnvme_hal_now_ns(drv.dev) - t0, kMs) << "seen at the first wait slice, not at the timeout";
    EXPECT_EQ(drv.state, NVME_DRV_REMOVED);
    EXPECT_EQ(drv.recovery.commands_failed, 4u);
    for (const auto& [cid, status] : reap_all(drv, 1, cids)) EXPECT_EQ(status, NVME_DRV_STATUS_REMOVED) << "CID " << cid;
    EXPECT_EQ(nvme_io_reap(&drv, 1, &c, 1, kTimeoutNs), -1);
    EXPECT_NE(std::string(drv.error).find("removed"), std::string::npos) << drv.error;
    EXPECT_EQ(nvme_recover(&drv), NVME_RECOVER_REMOVED);
    EXPECT_EQ(nvme_io_prepare(&drv, 1, kOpRead, 1, 0, 1, b.bus, kBlock), -1);
    uint8_t sqe[64] = {};
    sqe[0] = 0x06;  // Identify
    EXPECT_EQ(nvme_admin(&drv, sqe, &c), -1);
    EXPECT_EQ(nvme_shutdown(&drv), -1);
    EXPECT_EQ(drv.recovery.controller_resets, 0u) << "no reset loop on a removed device";
    EXPECT_EQ(drv.recovery.aborts_sent, 0u);
    EXPECT_LT(scnvme_hal_now_ns(drv.dev) - t0, kMs);
  });
}

TEST(DriverRecovery, AdminTimeoutLeadsToReset) {
  ReferencePlatform p("top", config());
  run_cpu(p, [&] {
    const nvme_driver_options opt = options();
    nvme_driver drv;
    ASSERT_EQ(nvme_init(&drv, p.hal(0), &opt), 0) << drv.error;
    write_durable(drv, 1, 0, 2, 1);
    CommandDelay hang;
    hang.match.opcode = kAdmGetLogPage;
    hang.match.sqid = 0;
    hang.never = true;
    p.controller(0).inject(hang);
    Buffer log(drv.dev, 4096);
    uint8_t sqe[64] = {};
    sqe[0] = kAdmGetLogPage;
    nvme_completion c{};
    EXPECT_EQ(nvme_admin(&drv, sqe, &c), -1);
    EXPECT_NE(std::string(drv.error).find("timed out"), std::string::npos) << drv.error;
    EXPECT_EQ(nvme_recover(&drv), NVME_RECOVER_RESET) << drv.error;
    EXPECT_EQ(drv.recovery.admin_timeouts, 1u);
    EXPECT_EQ(drv.recovery.controller_resets, 1u);
    EXPECT_EQ(drv.recovery.commands_failed, 0u);
    EXPECT_EQ(get_log(drv, 0x02, log.bus, 512), 0);
    expect_blocks(drv, 2, 0, 2, 1);
  });
}

TEST(DriverRecovery, ResetGivesUpAfterTheRetryLimit) {
  ReferencePlatform p("top", config());
  run_cpu(p, [&] {
    nvme_driver_options opt = options();
    opt.recovery_timeout_ns = 2 * kMs;
    nvme_driver drv;
    ASSERT_EQ(nvme_init(&drv, p.hal(0), &opt), 0) << drv.error;
    CommandDelay hang;  // every Identify hangs: no re-initialisation can finish
    hang.match.opcode = 0x06;
    hang.match.sqid = 0;
    hang.count = 0;
    hang.never = true;
    p.controller(0).inject(hang);
    Buffer b(drv.dev, kBlock);
    const int cid = submit_read(drv, 1, 0, b.bus);
    p.controller(0).raise_fatal_status();

    const uint64_t t0 = scnvme_hal_now_ns(drv.dev);
    EXPECT_EQ(nvme_recover(&drv), NVME_RECOVER_FAILED);
    EXPECT_EQ(drv.state, NVME_DRV_DEAD);
    EXPECT_NE(std::string(drv.error).find("controller dead"), std::string::npos) << drv.error;
    EXPECT_EQ(drv.recovery.controller_resets, static_cast<uint64_t>(NVME_DRV_RESET_ATTEMPTS));
    EXPECT_EQ(drv.recovery.reinit_failures, static_cast<uint64_t>(NVME_DRV_RESET_ATTEMPTS));
    EXPECT_LT(scnvme_hal_now_ns(drv.dev) - t0, 100 * kMs) << "bounded by attempts x recovery timeout";
    nvme_completion c{};
    ASSERT_EQ(nvme_io_reap(&drv, 1, &c, 1, kTimeoutNs), 1) << "the outstanding read is handed back";
    EXPECT_EQ(c.cid, cid);
    EXPECT_EQ(c.status, NVME_DRV_STATUS_RESET);
    EXPECT_EQ(nvme_io_reap(&drv, 1, &c, 1, kTimeoutNs), -1);
    EXPECT_EQ(nvme_recover(&drv), NVME_RECOVER_FAILED) << "no further attempts by itself";
    EXPECT_EQ(drv.recovery.controller_resets, static_cast<uint64_t>(NVME_DRV_RESET_ATTEMPTS));
    EXPECT_EQ(nvme_io_prepare(&drv, 1, kOpRead, 1, 0, 1, b.bus, kBlock), -1);
  });
}

TEST(DriverRecovery, HungCommandIsAbortedInPollingMode) {
  ReferencePlatform p("top", config());
  run_cpu(p, [&] {
    nvme_driver_options opt = options();
    opt.irq_mode = NVME_IRQ_POLL;
    nvme_driver drv;
    ASSERT_EQ(nvme_init(&drv, p.hal(0), &opt), 0) << drv.error;
    write_durable(drv, 2, 0, 1, 1);
    CommandDelay hang;
    hang.match.opcode = kOpRead;
    hang.match.sqid = 2;
    hang.never = true;
    p.controller(0).inject(hang);
    Buffer b(drv.dev, kBlock);
    const int cid = submit_read(drv, 2, 0, b.bus);
    nvme_completion c{};
    EXPECT_EQ(nvme_io_reap(&drv, 2, &c, 1, kTimeoutNs), 0);
    EXPECT_EQ(nvme_recover(&drv), NVME_RECOVER_ABORTED) << drv.error;
    ASSERT_EQ(nvme_io_reap(&drv, 2, &c, 1, kTimeoutNs), 1) << drv.error;
    EXPECT_EQ(c.cid, cid);
    EXPECT_EQ(c.sqid, 2);
    EXPECT_EQ(c.status & 0x7FF, kAbortRequested) << nvme_status_string(c.status);
    EXPECT_EQ(drv.recovery.aborts_succeeded, 1u);
    EXPECT_EQ(drv.recovery.controller_resets, 0u);
    expect_blocks(drv, 2, 0, 1, 1);
  });
}
