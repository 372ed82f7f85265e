// NVM command set I/O commands end to end (NVM Command Set 1.0, 3.2/3.3; NVMe Base 2.0, 5.16.1.3
// SMART): Read/Write round trips, FUA, Compare, Verify, Write Uncorrectable, Write Zeroes (DEAC),
// Dataset Management, Flush, and the SMART command/data-unit counters. The error statuses are in
// nvm_command_checks_test.cpp.
#include "integration/nvm_host.h"

using namespace scnvme;
using namespace scnvme::test;
using namespace scnvme::test::nvm;
namespace ee = spec::log::error_entry;
namespace sm = spec::log::smart;

TEST(NvmCommands, ReadWriteRoundTripsWith512AndFourKiBFormats) {
  Bench b("bench", two_formats());
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 128 * 1024);
    // 512-byte format: 64 blocks at LBA 100.
    const auto a = pattern(64 * 512, 1);
    EXPECT_STATUS(write_blocks(h, buf, 1, 100, 64, a), st::kSuccess);
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 1, 100, 64, a.size(), out), st::kSuccess);
    EXPECT_EQ(out, a);
    EXPECT_STATUS(read_blocks(h, buf, 1, 130, 1, 512, out), st::kSuccess);
    EXPECT_EQ(out, slice(a, 30 * 512, 512));
    EXPECT_STATUS(read_blocks(h, buf, 1, 99, 1, 512, out), st::kSuccess);  // neighbours untouched
    EXPECT_TRUE(all_zero(out));
    EXPECT_STATUS(read_blocks(h, buf, 1, 164, 1, 512, out), st::kSuccess);
    EXPECT_TRUE(all_zero(out));
    // 4 KiB format: 16 blocks at LBA 7; NSID 1 data is not visible there.
    const auto c = pattern(16 * 4096, 2);
    EXPECT_STATUS(write_blocks(h, buf, 2, 7, 16, c), st::kSuccess);
    EXPECT_STATUS(read_blocks(h, buf, 2, 7, 16, c.size(), out), st::kSuccess);
    EXPECT_EQ(out, c);
    EXPECT_STATUS(read_blocks(h, buf, 2, 10, 2, 8192, out), st::kSuccess);
    EXPECT_EQ(out, slice(c, 3 * 4096, 8192));
    EXPECT_STATUS(read_blocks(h, buf, 2, 100, 1, 4096, out), st::kSuccess);
    EXPECT_TRUE(all_zero(out));
    EXPECT_STATUS(read_blocks(h, buf, 1, 100, 64, a.size(), out), st::kSuccess);
    EXPECT_EQ(out, a);
    // An overwrite of part of the range with FUA.
    const auto d = pattern(4 * 512, 3);
    EXPECT_STATUS(write_blocks(h, buf, 1, 110, 4, d, kFua), st::kSuccess);
    EXPECT_STATUS(read_blocks(h, buf, 1, 108, 8, 8 * 512, out), st::kSuccess);
    EXPECT_EQ(slice(out, 0, 1024), slice(a, 8 * 512, 1024));
    EXPECT_EQ(slice(out, 1024, 2048), d);
    EXPECT_EQ(slice(out, 3072, 1024), slice(a, 14 * 512, 1024));
    // FUA read returns the same data.
    EXPECT_STATUS(read_blocks(h, buf, 1, 110, 4, 2048, out, kFua), st::kSuccess);
    EXPECT_EQ(out, d);
  });
}

TEST(NvmCommands, CompareSucceedsOnEqualDataAndFailsOnDifferentDataOrMetadata) {
  ControllerConfig cfg;
  NamespaceConfig md_sep{2, 1 << 20};
  md_sep.lba_formats = {LbaFormat{512, 8}};
  NamespaceConfig md_ext{3, 1 << 20};
  md_ext.lba_formats = {LbaFormat{512, 8}};
  md_ext.extended_lba = true;
  cfg.namespaces = {NamespaceConfig{1, 1 << 20, 512}, md_sep, md_ext};
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 64 * 1024);
    auto compare = [&](uint32_t nsid, uint64_t slba, uint32_t nlb, const std::vector<uint8_t>& host, uint64_t mptr = 0) {
      buf.put(host);
      spec::Sqe s = buf.with_prps(lba_sqe(io_op::kCompare, nsid, slba, nlb), host.size());
      s.set_mptr(mptr);
      return io(h, s);
    };
    // Data only.
    const auto a = pattern(8 * 512, 10);
    EXPECT_STATUS(write_blocks(h, buf, 1, 40, 8, a), st::kSuccess);
    EXPECT_STATUS(compare(1, 40, 8, a), st::kSuccess);
    auto changed = a;
    changed[5 * 512 + 17] ^= 0x01;
    const spec::Cqe fail = compare(1, 40, 8, changed);
    EXPECT_STATUS(fail, st::kCompareFailure);
    EXPECT_EQ(fail.status().sct, st::kSctMediaError);
    EXPECT_STATUS(compare(1, 41, 1, slice(a, 512, 512)), st::kSuccess);
    EXPECT_STATUS(compare(1, 48, 1, std::vector<uint8_t>(512, 0)), st::kSuccess);  // unwritten: zeroes

    // Separate metadata (MPTR): equal data, different metadata -> Compare Failure.
    const auto d2 = pattern(4 * 512, 11);
    const auto m2 = pattern(4 * 8, 12);
    const uint64_t md = h.alloc(4096);
    h.mem.write(md, m2.data(), m2.size());
    EXPECT_STATUS(write_blocks(h, buf, 2, 0, 4, d2, 0, md), st::kSuccess);
    EXPECT_STATUS(compare(2, 0, 4, d2, md), st::kSuccess);
    h.mem.at(md + 13)[0] ^= 0x80;
    EXPECT_STATUS(compare(2, 0, 4, d2, md), st::kCompareFailure);
    h.mem.at(md + 13)[0] ^= 0x80;
    auto d2x = d2;
    d2x[0] ^= 1;
    EXPECT_STATUS(compare(2, 0, 4, d2x, md), st::kCompareFailure);

    // Extended LBA: metadata interleaved after each block's data.
    std::vector<uint8_t> ext = pattern(4 * 520, 13);
    EXPECT_STATUS(write_blocks(h, buf, 3, 9, 4, ext), st::kSuccess);
    EXPECT_STATUS(compare(3, 9, 4, ext), st::kSuccess);
    auto ext_md = ext;
    ext_md[2 * 520 + 515] ^= 0xFF;  // block 2's metadata
    EXPECT_STATUS(compare(3, 9, 4, ext_md), st::kCompareFailure);
  });
}

TEST(NvmCommands, WriteUncorrectableMakesReadAndVerifyFailUntilRewritten) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 64 * 1024);
    const auto a = pattern(64 * 512, 20);
    EXPECT_STATUS(write_blocks(h, buf, 1, 64, 64, a), st::kSuccess);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kVerify, 1, 64, 64)), st::kSuccess);
    const uint64_t media_before = smart_value(smart_log(h), sm::kMediaErrors);

    // Mark 100..109 uncorrectable.
    EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteUncorrectable, 1, 100, 10)), st::kSuccess);
    std::vector<uint8_t> out;
    const spec::Cqe r = read_blocks(h, buf, 1, 96, 8, 8 * 512, out);
    EXPECT_STATUS(r, st::kUnrecoveredReadError);
    EXPECT_EQ(r.status().sct, st::kSctMediaError);
    EXPECT_TRUE(r.status().more);
    const auto err = newest_error(h);
    EXPECT_EQ(spec::get_le64(err.data() + ee::kLba), 100u) << "first failing LBA";
    EXPECT_EQ(spec::get_le32(err.data() + ee::kNsid), 1u);
    EXPECT_EQ(spec::get_le16(err.data() + ee::kCid), r.cid());
    EXPECT_EQ(spec::get_le16(err.data() + ee::kSqid), 1u);
    EXPECT_EQ(spec::Status::from_field(spec::get_le16(err.data() + ee::kStatus) >> 1).sc, st::kUnrecoveredReadError.sc);
    EXPECT_GT(smart_value(smart_log(h), sm::kMediaErrors), media_before);

    EXPECT_STATUS(io(h, lba_sqe(io_op::kVerify, 1, 64, 64)), st::kUnrecoveredReadError);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kVerify, 1, 109, 1)), st::kUnrecoveredReadError);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kVerify, 1, 110, 10)), st::kSuccess);  // just after the range
    EXPECT_STATUS(io(h, lba_sqe(io_op::kVerify, 1, 90, 10)), st::kSuccess);   // just before it
    EXPECT_STATUS(read_blocks(h, buf, 1, 98, 2, 1024, out), st::kSuccess);
    EXPECT_EQ(out, slice(a, 34 * 512, 1024));

    // A write in the middle clears only what it writes.
    const auto w = pattern(2 * 512, 21);
    EXPECT_STATUS(write_blocks(h, buf, 1, 104, 2, w), st::kSuccess);
    EXPECT_STATUS(read_blocks(h, buf, 1, 104, 2, 1024, out), st::kSuccess);
    EXPECT_EQ(out, w);
    EXPECT_STATUS(read_blocks(h, buf, 1, 103, 2, 1024, out), st::kUnrecoveredReadError);
    EXPECT_EQ(spec::get_le64(newest_error(h).data() + ee::kLba), 103u);
    EXPECT_STATUS(read_blocks(h, buf, 1, 105, 4, 2048, out), st::kUnrecoveredReadError);
    EXPECT_EQ(spec::get_le64(newest_error(h).data() + ee::kLba), 106u);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kVerify, 1, 100, 4)), st::kUnrecoveredReadError);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kVerify, 1, 106, 4)), st::kUnrecoveredReadError);

    // An overlapping second range (108..115) extends the bad blocks past the written data.
    EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteUncorrectable, 1, 108, 8)), st::kSuccess);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kVerify, 1, 115, 1)), st::kUnrecoveredReadError);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kVerify, 1, 116, 1)), st::kSuccess);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kVerify, 1, 104, 2)), st::kSuccess);
    // Compare reads the media too.
    buf.put(std::vector<uint8_t>(512, 0));
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kCompare, 1, 101, 1), 512)), st::kUnrecoveredReadError);

    // One write over everything clears it all.
    const auto all = pattern(16 * 512, 22);
    EXPECT_STATUS(write_blocks(h, buf, 1, 100, 16, all), st::kSuccess);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kVerify, 1, 64, 64)), st::kSuccess);
    EXPECT_STATUS(read_blocks(h, buf, 1, 100, 16, all.size(), out), st::kSuccess);
    EXPECT_EQ(out, all);
  });
}

TEST(NvmCommands, WriteZeroesReadsZeroesAndDeallocatesOnlyWithDeac) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 16 * 512);
    EXPECT_EQ(nuse(h, 1), 0u);
    const auto a = pattern(16 * 512, 30);
    EXPECT_STATUS(write_blocks(h, buf, 1, 0, 16, a), st::kSuccess);
    EXPECT_EQ(nuse(h, 1), 16u);
    // Without DEAC: zeroes, still allocated.
    EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteZeroes, 1, 0, 8)), st::kSuccess);
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 1, 0, 16, a.size(), out), st::kSuccess);
    EXPECT_TRUE(all_zero(out, 0, 8 * 512));
    EXPECT_EQ(slice(out, 8 * 512, 8 * 512), slice(a, 8 * 512, 8 * 512));
    EXPECT_EQ(nuse(h, 1), 16u);
    // With DEAC: zeroes and deallocated.
    EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteZeroes, 1, 8, 8, kDeac)), st::kSuccess);
    EXPECT_STATUS(read_blocks(h, buf, 1, 0, 16, a.size(), out), st::kSuccess);
    EXPECT_TRUE(all_zero(out));
    EXPECT_EQ(nuse(h, 1), 8u);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteZeroes, 1, 0, 8, kDeac | kFua)), st::kSuccess);
    EXPECT_EQ(nuse(h, 1), 0u);
    // DLFEAT: deallocated blocks read as zeroes, Write Zeroes supports DEAC.
    const auto id = identify_ns(h, 1);
    EXPECT_EQ(id[in::kDlfeat] & 0x7, 0x1);
    EXPECT_TRUE(id[in::kDlfeat] & 0x8);
  });
}

TEST(NvmCommands, DatasetManagementDeallocatesUpTo256Ranges) {
  ControllerConfig cfg;
  cfg.namespaces = {NamespaceConfig{1, 1 << 20, 512}};  // 2048 blocks
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 128 * 1024);
    const auto a = pattern(512 * 512, 40);
    const std::vector<uint8_t> lo(a.begin(), a.begin() + 256 * 512), hi(a.begin() + 256 * 512, a.end());
    EXPECT_STATUS(write_blocks(h, buf, 1, 0, 256, lo), st::kSuccess);
    EXPECT_STATUS(write_blocks(h, buf, 1, 256, 256, hi), st::kSuccess);
    EXPECT_EQ(nuse(h, 1), 512u);
    const uint64_t list = h.alloc(8192) + 2048;  // crosses into a second page (PRP2)

    // AD = 0 (only the integral read/write hints): nothing changes.
    std::vector<std::pair<uint64_t, uint32_t>> odd;
    for (uint32_t i = 0; i < 256; ++i) odd.push_back({2 * i + 1, 1});
    put_ranges(h, list, odd);
    EXPECT_STATUS(io(h, dsm_sqe(1, 256, 0x3, list)), st::kSuccess);
    EXPECT_EQ(nuse(h, 1), 512u);
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 1, 0, 256, lo.size(), out), st::kSuccess);
    EXPECT_EQ(out, lo);

    // 256 ranges, every even LBA below 512.
    std::vector<std::pair<uint64_t, uint32_t>> even;
    for (uint32_t i = 0; i < 256; ++i) even.push_back({2 * i, 1});
    put_ranges(h, list, even);
    EXPECT_STATUS(io(h, dsm_sqe(1, 256, kAttrDeallocate, list)), st::kSuccess);
    EXPECT_EQ(nuse(h, 1), 256u);
    for (uint64_t half = 0; half < 2; ++half) {
      EXPECT_STATUS(read_blocks(h, buf, 1, 256 * half, 256, lo.size(), out), st::kSuccess);
      for (uint64_t l = 0; l < 256; ++l) {
        const uint64_t lba = 256 * half + l;
        if (lba % 2 == 0) EXPECT_TRUE(all_zero(out, l * 512, 512)) << "LBA " << lba;
        else EXPECT_EQ(slice(out, l * 512, 512), slice(a, lba * 512, 512)) << "LBA " << lba;
      }
    }

    // A range beyond capacity fails the command and nothing is deallocated.
    put_ranges(h, list, {{1, 3}, {101, 1}, {2047, 2}});
    const spec::Cqe oor = io(h, dsm_sqe(1, 3, kAttrDeallocate, list));
    EXPECT_STATUS(oor, st::kLbaOutOfRange);
    EXPECT_EQ(nuse(h, 1), 256u);
    put_ranges(h, list, {{1, 3}, {~0ull, 2}});  // SLBA + length overflows
    EXPECT_STATUS(io(h, dsm_sqe(1, 2, kAttrDeallocate, list)), st::kLbaOutOfRange);
    put_ranges(h, list, {{2048, 1}});
    EXPECT_STATUS(io(h, dsm_sqe(1, 1, kAttrDeallocate, list)), st::kLbaOutOfRange);
    EXPECT_EQ(nuse(h, 1), 256u);
    EXPECT_STATUS(read_blocks(h, buf, 1, 1, 1, 512, out), st::kSuccess);
    EXPECT_EQ(out, slice(a, 512, 512));

    // Several larger ranges, one of them with length 0 (no blocks).
    put_ranges(h, list, {{1, 0}, {300, 100}, {2000, 48}, {400, 112}});
    EXPECT_STATUS(io(h, dsm_sqe(1, 4, kAttrDeallocate, list)), st::kSuccess);
    EXPECT_EQ(nuse(h, 1), 256u - 50u - 56u);
    EXPECT_STATUS(read_blocks(h, buf, 1, 1, 1, 512, out), st::kSuccess);
    EXPECT_EQ(out, slice(a, 512, 512));
    EXPECT_STATUS(read_blocks(h, buf, 1, 299, 1, 512, out), st::kSuccess);
    EXPECT_EQ(out, slice(a, 299 * 512, 512));
    EXPECT_STATUS(read_blocks(h, buf, 1, 300, 212, 212 * 512, out), st::kSuccess);
    EXPECT_TRUE(all_zero(out));
    // Reserved bits of CDW10 (31:8) and CDW11 (31:3).
    EXPECT_STATUS(io(h, dsm_sqe(1, 1, kAttrDeallocate | 0x8, list)), st::kInvalidField);
    spec::Sqe bad = dsm_sqe(1, 1, kAttrDeallocate, list);
    bad.set_dw(10, 0x100);
    EXPECT_STATUS(io(h, bad), st::kInvalidField);
  });
}

TEST(NvmCommands, FlushOneNamespaceOrAll) {
  ControllerConfig cfg;
  cfg.namespaces = {NamespaceConfig{1, 1 << 20, 512}, NamespaceConfig{3, 1 << 20, 512}};
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 4096);
    EXPECT_STATUS(write_blocks(h, buf, 1, 0, 8, pattern(4096, 50)), st::kSuccess);
    EXPECT_STATUS(write_blocks(h, buf, 3, 0, 8, pattern(4096, 51)), st::kSuccess);
    EXPECT_STATUS(io(h, make_sqe(io_op::kFlush, 0, 0, 1)), st::kSuccess);
    EXPECT_STATUS(io(h, make_sqe(io_op::kFlush, 0, 0, 3)), st::kSuccess);
    EXPECT_STATUS(io(h, make_sqe(io_op::kFlush, 0, 0, kBroadcast)), st::kSuccess);
    EXPECT_STATUS(io(h, make_sqe(io_op::kFlush, 0, 0, 0)), st::kInvalidNamespaceOrFormat);
    EXPECT_STATUS(io(h, make_sqe(io_op::kFlush, 0, 0, 2)), st::kInvalidNamespaceOrFormat);
    // Identify Controller VWC: cache present, Flush with NSID FFFFFFFFh supported (bits 2:1 = 11b).
    const auto id = identify_ctrl(h);
    EXPECT_EQ(id[ic::kVwc] & 0x7, 0x7);
  });
}

TEST(NvmCommands, SmartCountsHostCommandsAndDataUnits) {
  Bench b("bench", two_formats());
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 128 * 1024);
    buf.fill(0x11);
    auto page = smart_log(h);
    EXPECT_EQ(smart_value(page, sm::kHostWriteCommands), 0u);
    EXPECT_EQ(smart_value(page, sm::kHostReadCommands), 0u);
    EXPECT_EQ(smart_value(page, sm::kDataUnitsWritten), 0u);
    // 8 x 250 blocks of 512 B = 2000 units, 1 block = 1 more, 1 x 4 KiB block = 8 more: 2009 -> 3.
    for (int i = 0; i < 8; ++i) EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kWrite, 1, 250 * i, 250), 250 * 512)), st::kSuccess);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kWrite, 1, 5000, 1), 512)), st::kSuccess);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kWrite, 2, 0, 1), 4096)), st::kSuccess);
    // Not counted as host writes: failed writes, Write Zeroes, Write Uncorrectable.
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kWrite, 1, 1ull << 40, 1), 512)), st::kLbaOutOfRange);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteZeroes, 1, 6000, 100)), st::kSuccess);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteUncorrectable, 1, 7000, 10)), st::kSuccess);
    // Reads: 4 x 250 blocks = 1000 units -> 1; a failed read is not counted.
    for (int i = 0; i < 4; ++i) EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kRead, 1, 250 * i, 250), 250 * 512)), st::kSuccess);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kRead, 1, 7000, 1), 512)), st::kUnrecoveredReadError);
    page = smart_log(h);
    EXPECT_EQ(smart_value(page, sm::kHostWriteCommands), 10u);
    EXPECT_EQ(smart_value(page, sm::kDataUnitsWritten), 3u);
    EXPECT_EQ(smart_value(page, sm::kHostReadCommands), 4u);
    EXPECT_EQ(smart_value(page, sm::kDataUnitsRead), 1u);
    // One more 512-byte read: 1001 units -> 2 (rounded up).
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kRead, 1, 0, 1), 512)), st::kSuccess);
    page = smart_log(h);
    EXPECT_EQ(smart_value(page, sm::kHostReadCommands), 5u);
    EXPECT_EQ(smart_value(page, sm::kDataUnitsRead), 2u);
  });
}
