// Limited Retry (NVM Command Set 1.0, Read / Compare / Verify CDW12 bit 31: "the controller should
// apply limited retry efforts"). On the flash backend a read with it set gets at most
// nand.limited_retry_max read retries; a page that needs more ends the command with Unrecovered
// Read Error (a media error: SMART Media and Data Integrity Errors and the Error Information log,
// no data transferred) after the limited retries' array time. Without the bit every retry is tried.
//
// The drive here fails every read attempt (read_retry_probability 1), so each NAND read takes
// exactly read_retry_max = 3 retries of 50 us; limited_retry_max is 1 unless a test says otherwise.
#include "integration/nvm_host.h"
#include "support/config_verdict.h"
#include "support/small_flash.h"

using namespace scnvme;
using namespace scnvme::test;
using namespace scnvme::test::nvm;
namespace ee = spec::log::error_entry;
namespace sm = spec::log::smart;

namespace {

constexpr uint32_t kLimitedRetry = 1u << 31;

ControllerConfig failing_reads(uint32_t limited_retry_max) {
  ControllerConfig cfg;
  cfg.namespaces = {NamespaceConfig{1, 1 << 20, 512}};
  cfg.flash = small_flash(1, 2, Precondition::None);
  cfg.flash.nand.read_retry_probability = 1.0;
  cfg.flash.nand.read_retry_max = 3;
  cfg.flash.nand.read_retry_extra_us = 50;
  cfg.flash.nand.limited_retry_max = limited_retry_max;
  return cfg;
}

/// Runs `body(h, buf, a)` on the drive of failing_reads(limited_retry_max) once the host has
/// written `a` to the 8 blocks at LBA 16 and flushed it (reads of them go to NAND).
template <typename Body>
void on_written_drive(uint32_t limited_retry_max, Body body) {
  Bench b("bench", failing_reads(limited_retry_max));
  b.run([&](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 8192);
    const auto a = pattern(8 * 512, 40);
    EXPECT_STATUS(write_blocks(h, buf, 1, 16, 8, a), st::kSuccess);
    EXPECT_STATUS(io(h, make_sqe(spec::nvm_opcode::kFlush, 0, 0, 1)), st::kSuccess);
    body(h, buf, a);
  });
}

/// The command's time from submission to completion.
template <typename F>
sc_core::sc_time timed(F&& f) {
  const sc_core::sc_time t0 = sc_core::sc_time_stamp();
  f();
  return sc_core::sc_time_stamp() - t0;
}

}  // namespace

TEST(LimitedRetry, ReadNeedingMoreRetriesFailsWithUnrecoveredReadErrorSooner) {
  on_written_drive(1, [](Bench& h, DataBuffer& buf, const std::vector<uint8_t>& a) {
    std::vector<uint8_t> out;
    spec::Cqe full{};
    const sc_core::sc_time all_retries = timed([&] { full = read_blocks(h, buf, 1, 16, 8, 4096, out); });
    EXPECT_STATUS(full, st::kSuccess) << "without Limited Retry every retry is tried";
    EXPECT_EQ(out, a);
    const uint64_t media_before = smart_value(smart_log(h), sm::kMediaErrors);

    spec::Cqe limited{};
    const sc_core::sc_time one_retry = timed([&] { limited = read_blocks(h, buf, 1, 16, 8, 4096, out, kLimitedRetry); });
    EXPECT_STATUS(limited, st::kUnrecoveredReadError);
    EXPECT_EQ(limited.status().sct, st::kSctMediaError);
    EXPECT_EQ(out, std::vector<uint8_t>(4096, 0xA5)) << "no data transferred";
    EXPECT_EQ(smart_value(smart_log(h), sm::kMediaErrors), media_before + 1);
    const auto err = newest_error(h);
    EXPECT_EQ(spec::get_le64(err.data() + ee::kLba), 16u);
    EXPECT_EQ(spec::get_le16(err.data() + ee::kCid), limited.cid());
    // Two retries fewer of 50 us each (the rest of the two commands' paths is the same).
    EXPECT_GE(all_retries - one_retry, sc_core::sc_time(99, sc_core::SC_US));
    EXPECT_LE(all_retries - one_retry, sc_core::sc_time(101, sc_core::SC_US));

    // Verify and Compare read the media the same way.
    EXPECT_STATUS(io(h, lba_sqe(spec::nvm_opcode::kVerify, 1, 16, 8, kLimitedRetry)), st::kUnrecoveredReadError);
    EXPECT_STATUS(io(h, lba_sqe(spec::nvm_opcode::kVerify, 1, 16, 8)), st::kSuccess);
    buf.put(a);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(spec::nvm_opcode::kCompare, 1, 16, 8, kLimitedRetry), 4096)),
                  st::kUnrecoveredReadError);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(spec::nvm_opcode::kCompare, 1, 16, 8), 4096)), st::kSuccess);

    // Unwritten blocks are not on NAND: nothing to retry, so Limited Retry cannot fail them.
    EXPECT_STATUS(read_blocks(h, buf, 1, 512, 8, 4096, out, kLimitedRetry), st::kSuccess);
    EXPECT_EQ(out, std::vector<uint8_t>(4096, 0));
    // Writes accept the bit and ignore it.
    EXPECT_STATUS(write_blocks(h, buf, 1, 32, 8, a, kLimitedRetry), st::kSuccess);
  });
}

TEST(LimitedRetry, ALimitAsHighAsTheRetriesNeededRecoversTheData) {
  on_written_drive(3, [](Bench& h, DataBuffer& buf, const std::vector<uint8_t>& a) {
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 1, 16, 8, 4096, out, kLimitedRetry), st::kSuccess);
    EXPECT_EQ(out, a);
  });
}

TEST(LimitedRetry, ConfigurationIsValidated) {
  ControllerConfig cfg = failing_reads(65);
  expect_config_verdict([&] { cfg.validate(); }, "nand.limited_retry_max");
}
