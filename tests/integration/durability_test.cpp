// Durability across power loss (NVMe Base 2.0, 5.27.1.4 Volatile Write Cache; NVM Command Set 1.0,
// 3.2.3 Flush and the FUA bit of Write; SMART / Health log Power Cycles and Unsafe Shutdowns):
// data that was flushed, written with FUA, or written with the cache disabled survives
// Controller::power_loss(); cached data does not. After power returns the controller and its PCI
// function are in their power-on state.
//
// Built twice: as test_durability (memory-speed media) and as test_durability_flash with
// SCNVME_TEST_WITH_FLASH, where the same rules must hold with the flash backend's write buffer
// and NAND timing in place.
#include "integration/nvm_host.h"
#include "support/small_flash.h"

using namespace scnvme;
using namespace scnvme::test;
using namespace scnvme::test::nvm;
namespace sm = spec::log::smart;
namespace reg = spec::reg;

namespace {

constexpr uint8_t kFidVwc = 0x06;

ControllerConfig one_namespace(bool vwc = true) {
  ControllerConfig cfg;
  cfg.volatile_write_cache = vwc;
  cfg.namespaces = {NamespaceConfig{1, 1 << 20, 512}, NamespaceConfig{2, 1 << 20, 4096}};
#ifdef SCNVME_TEST_WITH_FLASH
  cfg.flash = small_flash(1, 2, Precondition::None);
#endif
  return cfg;
}

/// Power goes away and comes back: the host finds a powered-on, unconfigured function and brings
/// it up again (PCI setup, enable, I/O queue pair 1).
void power_cycle(Bench& h) {
  h.nvme.power_loss();
  EXPECT_EQ(h.cfg_read(spec::pci::kCommand, 2), 0u) << "PCI Command back to its reset value";
  EXPECT_FALSE(h.nvme.memory_space_enabled());
  // BAR0 is reachable again only after Memory Space Enable.
  h.cfg_write(spec::pci::kCommand, 2, spec::pci::command::kMemorySpace);
  EXPECT_EQ(h.rd32(reg::kCsts) & reg::csts::kRdy, 0u);
  EXPECT_EQ(h.rd32(reg::kCc), 0u);
  EXPECT_EQ(h.rd32(reg::kCsts) & reg::csts::kShstMask, 0u);
  h.sqs.clear();
  h.cqs.clear();
  bring_up(h);
}

std::vector<uint8_t> read_all(Bench& h, DataBuffer& buf, uint32_t nsid, uint64_t slba, uint32_t nlb, uint32_t bs) {
  std::vector<uint8_t> out;
  EXPECT_STATUS(read_blocks(h, buf, nsid, slba, nlb, uint64_t{nlb} * bs, out), st::kSuccess);
  return out;
}

bool shutdown(Bench& h) {
  h.wr32(reg::kCc, h.rd32(reg::kCc) | (reg::cc::kShnNormal << 14));
  for (int i = 0; i < 10000; ++i) {
    if (reg::csts::shst(h.rd32(reg::kCsts)) == reg::csts::kShstComplete) return true;
    wait_us(1);
  }
  return false;
}

}  // namespace

TEST(Durability, PowerLossKeepsFlushedAndFuaDataAndDropsCachedWrites) {
  Bench b("bench", one_namespace());
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_EQ(h.get_features(kFidVwc).dw0() & 1, 1u) << "WCE on by default";
    DataBuffer buf(h, 64 * 1024);
    const auto A = pattern(16 * 512, 1), B = pattern(4 * 512, 2), C = pattern(4 * 512, 3), D = pattern(4 * 512, 4);
    const auto A4 = pattern(4 * 4096, 5), B4 = pattern(2 * 4096, 6);
    EXPECT_STATUS(write_blocks(h, buf, 1, 0, 16, A), st::kSuccess);
    EXPECT_STATUS(write_blocks(h, buf, 2, 0, 4, A4), st::kSuccess);
    EXPECT_STATUS(io(h, make_sqe(io_op::kFlush, 0, 0, 1)), st::kSuccess);
    EXPECT_STATUS(io(h, make_sqe(io_op::kFlush, 0, 0, 2)), st::kSuccess);
    EXPECT_STATUS(write_blocks(h, buf, 1, 0, 4, B), st::kSuccess);         // cached, over flushed A
    EXPECT_STATUS(write_blocks(h, buf, 1, 8, 4, C, kFua), st::kSuccess);   // FUA, over flushed A
    EXPECT_STATUS(write_blocks(h, buf, 1, 32, 4, D), st::kSuccess);        // cached, new blocks
    EXPECT_STATUS(write_blocks(h, buf, 2, 2, 2, B4), st::kSuccess);        // cached
    // Before power loss every completed write reads back.
    auto now = read_all(h, buf, 1, 0, 16, 512);
    EXPECT_EQ(slice(now, 0, 2048), B);
    EXPECT_EQ(slice(now, 8 * 512, 2048), C);
    EXPECT_EQ(read_all(h, buf, 1, 32, 4, 512), D);
    EXPECT_EQ(nuse(h, 1), 20u);

    power_cycle(h);
#ifdef SCNVME_TEST_WITH_FLASH
    // The FTL's view. C's FUA padded and programmed everything buffered before it (B too); D (one
    // mapping unit, never written before) and B4 (two units over A4, which is on NAND) were still
    // gathering in the write buffer: undone, D unmapped, B4 back to A4's copies.
    const FlashStats f = h.nvme.flash_stats();
    EXPECT_EQ(f.power_losses, 1u);
    EXPECT_EQ(f.power_loss_units_lost, 3u);
    EXPECT_EQ(f.power_loss_units_restored, 2u);
#endif

    auto after = read_all(h, buf, 1, 0, 16, 512);
    EXPECT_EQ(slice(after, 0, 2048), slice(A, 0, 2048)) << "unflushed B is gone, flushed A is back";
    EXPECT_EQ(slice(after, 2048, 2048), slice(A, 2048, 2048));
    EXPECT_EQ(slice(after, 8 * 512, 2048), C) << "FUA write survives";
    EXPECT_EQ(slice(after, 12 * 512, 2048), slice(A, 12 * 512, 2048));
    EXPECT_TRUE(all_zero(read_all(h, buf, 1, 32, 4, 512))) << "unflushed D never reached the media";
    EXPECT_EQ(read_all(h, buf, 2, 0, 4, 4096), A4);
    EXPECT_EQ(nuse(h, 1), 16u);
    EXPECT_EQ(h.get_features(kFidVwc).dw0() & 1, 1u) << "WCE back to its default";
  });
}

TEST(Durability, FlushToAllNamespacesMakesEverythingDurable) {
  Bench b("bench", one_namespace());
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 64 * 1024);
    const auto A = pattern(8 * 512, 1), A4 = pattern(2 * 4096, 2), B = pattern(8 * 512, 3);
    EXPECT_STATUS(write_blocks(h, buf, 1, 100, 8, A), st::kSuccess);
    EXPECT_STATUS(write_blocks(h, buf, 2, 100, 2, A4), st::kSuccess);
    EXPECT_STATUS(io(h, make_sqe(io_op::kFlush, 0, 0, kBroadcast)), st::kSuccess);
    EXPECT_STATUS(write_blocks(h, buf, 1, 100, 8, B), st::kSuccess);
    // A FUA read returns the newest data (it is not a durability barrier for the host to see).
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 1, 100, 8, B.size(), out, kFua), st::kSuccess);
    EXPECT_EQ(out, B);
    EXPECT_STATUS(io(h, make_sqe(io_op::kFlush, 0, 0, kBroadcast)), st::kSuccess);
    power_cycle(h);
    EXPECT_EQ(read_all(h, buf, 1, 100, 8, 512), B);
    EXPECT_EQ(read_all(h, buf, 2, 100, 2, 4096), A4);
  });
}

TEST(Durability, WithWriteCacheDisabledEveryCompletedWriteSurvives) {
  Bench b("bench", one_namespace());
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(h.set_features(kFidVwc, 0), st::kSuccess);
    EXPECT_EQ(h.get_features(kFidVwc).dw0() & 1, 0u);
    DataBuffer buf(h, 64 * 1024);
    const auto A = pattern(8 * 512, 1), B = pattern(4 * 512, 2);
    EXPECT_STATUS(write_blocks(h, buf, 1, 0, 8, A), st::kSuccess);
    EXPECT_STATUS(write_blocks(h, buf, 1, 2, 4, B), st::kSuccess);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteZeroes, 1, 7, 1)), st::kSuccess);
    power_cycle(h);
    auto expected = A;
    std::memcpy(expected.data() + 2 * 512, B.data(), B.size());
    std::fill(expected.begin() + 7 * 512, expected.end(), 0);
    EXPECT_EQ(read_all(h, buf, 1, 0, 8, 512), expected);
  });
}

TEST(Durability, DisablingTheWriteCacheFlushesIt) {
  Bench b("bench", one_namespace());
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 64 * 1024);
    const auto A = pattern(8 * 512, 1), A4 = pattern(2 * 4096, 2);
    EXPECT_STATUS(write_blocks(h, buf, 1, 40, 8, A), st::kSuccess);
    EXPECT_STATUS(write_blocks(h, buf, 2, 40, 2, A4), st::kSuccess);
    EXPECT_STATUS(h.set_features(kFidVwc, 0), st::kSuccess);
    power_cycle(h);
    EXPECT_EQ(read_all(h, buf, 1, 40, 8, 512), A);
    EXPECT_EQ(read_all(h, buf, 2, 40, 2, 4096), A4);
    // Re-enabling after power-up (WCE is back on by default anyway): cached again.
    EXPECT_STATUS(h.set_features(kFidVwc, 1), st::kSuccess);
    const auto B = pattern(8 * 512, 3);
    EXPECT_STATUS(write_blocks(h, buf, 1, 40, 8, B), st::kSuccess);
    power_cycle(h);
    EXPECT_EQ(read_all(h, buf, 1, 40, 8, 512), A);
  });
}

TEST(Durability, WithoutAVolatileWriteCacheEveryWriteIsDurable) {
  Bench b("bench", one_namespace(false));
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_EQ(identify_ctrl(h)[ic::kVwc] & 1, 0) << "VWC not present";
    EXPECT_STATUS(h.get_features(kFidVwc), st::kInvalidField);
    EXPECT_STATUS(h.set_features(kFidVwc, 1), st::kInvalidField);
    DataBuffer buf(h, 64 * 1024);
    const auto A = pattern(8 * 512, 1), A4 = pattern(2 * 4096, 2);
    EXPECT_STATUS(write_blocks(h, buf, 1, 0, 8, A), st::kSuccess);
    EXPECT_STATUS(write_blocks(h, buf, 2, 0, 2, A4), st::kSuccess);
    EXPECT_STATUS(io(h, make_sqe(io_op::kFlush, 0, 0, 1)), st::kSuccess) << "Flush without a cache has no effect";
    const auto B = pattern(8 * 512, 3);
    EXPECT_STATUS(write_blocks(h, buf, 1, 8, 8, B), st::kSuccess);
    power_cycle(h);
    EXPECT_EQ(read_all(h, buf, 1, 0, 8, 512), A);
    EXPECT_EQ(read_all(h, buf, 1, 8, 8, 512), B);
    EXPECT_EQ(read_all(h, buf, 2, 0, 2, 4096), A4);
  });
}

TEST(Durability, SmartCountsPowerCyclesAndUnsafeShutdowns) {
  Bench b("bench", one_namespace());
  b.run([](Bench& h) {
    bring_up(h);
    auto page = smart_log(h);
    EXPECT_EQ(smart_value(page, sm::kPowerCycles), 1u);
    EXPECT_EQ(smart_value(page, sm::kUnsafeShutdowns), 0u);

    // Power loss without a shutdown: unsafe.
    power_cycle(h);
    page = smart_log(h);
    EXPECT_EQ(smart_value(page, sm::kPowerCycles), 2u);
    EXPECT_EQ(smart_value(page, sm::kUnsafeShutdowns), 1u);

    // A completed normal shutdown first: safe.
    ASSERT_TRUE(shutdown(h));
    power_cycle(h);
    page = smart_log(h);
    EXPECT_EQ(smart_value(page, sm::kPowerCycles), 3u);
    EXPECT_EQ(smart_value(page, sm::kUnsafeShutdowns), 1u);

    // A shutdown followed by a controller reset (CC.EN = 0) and re-enable is no longer "shut
    // down": the next power loss is unsafe again.
    ASSERT_TRUE(shutdown(h));
    h.wr32(reg::kCc, 0);
    ASSERT_TRUE(h.wait_ready(false));
    h.sqs.clear();
    h.cqs.clear();
    ASSERT_TRUE(h.enable());
    power_cycle(h);
    page = smart_log(h);
    EXPECT_EQ(smart_value(page, sm::kPowerCycles), 4u);
    EXPECT_EQ(smart_value(page, sm::kUnsafeShutdowns), 2u);

    // Power loss twice in a row without the host doing anything: both unsafe.
    h.nvme.power_loss();
    power_cycle(h);
    page = smart_log(h);
    EXPECT_EQ(smart_value(page, sm::kPowerCycles), 6u);
    EXPECT_EQ(smart_value(page, sm::kUnsafeShutdowns), 4u);
  });
}

TEST(Durability, AnUnflushedWriteOverUncorrectableBlocksIsLostWithItsRepair) {
  Bench b("bench", one_namespace());
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 64 * 1024);
    const auto A = pattern(8 * 512, 1), B = pattern(8 * 512, 2), C = pattern(2 * 512, 3);
    EXPECT_STATUS(write_blocks(h, buf, 1, 0, 8, A, kFua), st::kSuccess);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteUncorrectable, 1, 0, 8)), st::kSuccess);
    // A cached write repairs blocks 0..7 for the host...
    EXPECT_STATUS(write_blocks(h, buf, 1, 0, 8, B), st::kSuccess);
    EXPECT_EQ(read_all(h, buf, 1, 0, 8, 512), B);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kVerify, 1, 0, 8)), st::kSuccess);
    // ...and blocks 4..5 are made durable by a FUA write.
    EXPECT_STATUS(write_blocks(h, buf, 1, 4, 2, C, kFua), st::kSuccess);
    power_cycle(h);
    // The durable state: 4..5 hold C, the rest is still uncorrectable (never the stale A).
    EXPECT_EQ(read_all(h, buf, 1, 4, 2, 512), C);
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 1, 0, 4, 2048, out), st::kUnrecoveredReadError);
    EXPECT_STATUS(read_blocks(h, buf, 1, 6, 2, 1024, out), st::kUnrecoveredReadError);
    EXPECT_EQ(spec::get_le64(newest_error(h).data() + spec::log::error_entry::kLba), 6u);
    // A flushed write repairs for good.
    EXPECT_STATUS(write_blocks(h, buf, 1, 0, 8, B), st::kSuccess);
    EXPECT_STATUS(io(h, make_sqe(io_op::kFlush, 0, 0, 1)), st::kSuccess);
    power_cycle(h);
    EXPECT_EQ(read_all(h, buf, 1, 0, 8, 512), B);
  });
}
