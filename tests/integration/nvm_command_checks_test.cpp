// Error statuses of the NVM command set I/O commands (NVM Command Set 1.0, 3.3; NVMe Base 2.0,
// 4.6.1, 5.17 ONCS/FUSES, 8.12 write protection): LBA Out of Range (with SLBA + NLB overflow) for
// every LBA command, Invalid Namespace or Format, MDTS, reserved CDW12 bits and DTYPE, fused
// operations, unknown opcodes, write-protected namespaces, and the ONCS bits that advertise the
// optional commands.
#include "integration/nvm_host.h"

using namespace scnvme;
using namespace scnvme::test;
using namespace scnvme::test::nvm;
namespace ee = spec::log::error_entry;

TEST(NvmCommandChecks, LbaOutOfRangeForEveryLbaCommand) {
  ControllerConfig cfg;
  cfg.namespaces = {NamespaceConfig{1, 1 << 20, 512}};  // 2048 blocks
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 8192);
    buf.fill(0);
    struct Case {
      uint64_t slba;
      uint32_t nlb;
      spec::Status expected;
    };
    const std::vector<Case> cases = {{2040, 8, st::kSuccess},     {2047, 1, st::kSuccess},
                                     {2048, 1, st::kLbaOutOfRange}, {2047, 2, st::kLbaOutOfRange},
                                     {~0ull, 1, st::kLbaOutOfRange}, {~0ull, 2, st::kLbaOutOfRange},
                                     {~0ull - 2, 16, st::kLbaOutOfRange}, {1ull << 63, 1, st::kLbaOutOfRange},
                                     {0, 65536, st::kLbaOutOfRange}};
    for (uint8_t opcode : {io_op::kRead, io_op::kWrite, io_op::kCompare, io_op::kVerify, io_op::kWriteZeroes,
                           io_op::kWriteUncorrectable}) {
      for (const auto& c : cases) {
        SCOPED_TRACE("opcode " + std::to_string(opcode) + " SLBA " + std::to_string(c.slba) + " NLB " +
                     std::to_string(c.nlb));
        spec::Sqe s = buf.with_prps(lba_sqe(opcode, 1, c.slba, c.nlb), std::min<uint64_t>(c.nlb * 512ull, 8192));
        const spec::Cqe cqe = io(h, s);
        EXPECT_STATUS(cqe, c.expected);
        if (!c.expected.ok()) {
          EXPECT_TRUE(cqe.status().dnr);
          EXPECT_EQ(spec::get_le64(newest_error(h).data() + ee::kLba), c.slba);
        }
      }
      // Leave the range readable for the next opcode.
      EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteZeroes, 1, 2040, 8)), st::kSuccess);
    }
  });
}

TEST(NvmCommandChecks, InvalidNamespaceForZeroInactiveAndBroadcastNsid) {
  ControllerConfig cfg;
  cfg.namespaces = {NamespaceConfig{1, 1 << 20, 512}};
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 4096);
    const uint64_t list = h.alloc(4096);
    put_ranges(h, list, {{0, 1}});
    for (uint32_t nsid : {0u, 2u, 255u, 256u, 257u, kBroadcast}) {
      for (uint8_t opcode : {io_op::kRead, io_op::kWrite, io_op::kCompare, io_op::kVerify, io_op::kWriteZeroes,
                             io_op::kWriteUncorrectable}) {
        SCOPED_TRACE("NSID " + std::to_string(nsid) + " opcode " + std::to_string(opcode));
        EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(opcode, nsid, 0, 1), 512)), st::kInvalidNamespaceOrFormat);
      }
      SCOPED_TRACE("DSM NSID " + std::to_string(nsid));
      EXPECT_STATUS(io(h, dsm_sqe(nsid, 1, kAttrDeallocate, list)), st::kInvalidNamespaceOrFormat);
    }
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kRead, 1, 0, 1), 512)), st::kSuccess);
  });
}

TEST(NvmCommandChecks, TransferLargerThanMdtsIsInvalidField) {
  Bench b("bench", two_formats());  // MDTS 5, MPSMIN 0: 128 KiB
  b.run([](Bench& h) {
    bring_up(h);
    ASSERT_EQ(identify_ctrl(h)[ic::kMdts], 5);
    DataBuffer buf(h, 132 * 1024);
    buf.fill(0x5A);
    for (uint8_t opcode : {io_op::kRead, io_op::kWrite, io_op::kCompare}) {
      SCOPED_TRACE("opcode " + std::to_string(opcode));
      EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(opcode, 1, 0, 257), 257 * 512)), st::kInvalidField);
      EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(opcode, 2, 0, 33), 33 * 4096)), st::kInvalidField);
    }
    EXPECT_EQ(nuse(h, 1), 0u) << "a rejected write stores nothing";
    EXPECT_EQ(nuse(h, 2), 0u);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kWrite, 1, 0, 256), 256 * 512)), st::kSuccess);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kWrite, 2, 0, 32), 32 * 4096)), st::kSuccess);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kCompare, 2, 0, 32), 32 * 4096)), st::kSuccess);
    // Commands that move no data are not bound by MDTS.
    EXPECT_STATUS(io(h, lba_sqe(io_op::kVerify, 1, 0, 4096)), st::kSuccess);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteZeroes, 1, 1000, 4096)), st::kSuccess);
  });
}

TEST(NvmCommandChecks, ReservedCdw12BitsAndDirectiveTypeAreInvalidField) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 4096);
    buf.fill(0);
    struct Case {
      uint8_t opcode;
      uint32_t bits;
    };
    const std::vector<Case> cases = {
        {io_op::kRead, 1u << 25},         {io_op::kRead, 1u << 16},          {io_op::kRead, 1u << 23},
        {io_op::kCompare, 1u << 20},      {io_op::kVerify, 1u << 25},        {io_op::kVerify, 1u << 18},
        {io_op::kWrite, 1u << 25},        {io_op::kWrite, 1u << 16},         {io_op::kWrite, 1u << 20},  // DTYPE 1
        {io_op::kWrite, 2u << 20},        {io_op::kWrite, 0xFu << 20},       {io_op::kWriteZeroes, 1u << 16},
        {io_op::kWriteZeroes, 1u << 23},  {io_op::kWriteUncorrectable, 1u << 16},
        {io_op::kWriteUncorrectable, 1u << 31}};
    for (const auto& c : cases) {
      SCOPED_TRACE("opcode " + std::to_string(c.opcode) + " CDW12 bits " + std::to_string(c.bits));
      const spec::Cqe cqe = io(h, buf.with_prps(lba_sqe(c.opcode, 1, 0, 1, c.bits), 512));
      EXPECT_STATUS(cqe, st::kInvalidField);
      EXPECT_TRUE(cqe.status().dnr);
    }
    EXPECT_EQ(nuse(h, 1), 0u) << "rejected writes store nothing";
    // LR and FUA are defined bits.
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kWrite, 1, 0, 1, 3u << 30), 512)), st::kSuccess);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kRead, 1, 0, 1, 3u << 30), 512)), st::kSuccess);
  });
}

TEST(NvmCommandChecks, FusedOperationsAreNotSupported) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_EQ(spec::get_le16(identify_ctrl(h).data() + ic::kFuses), 0u);
    DataBuffer buf(h, 4096);
    for (uint8_t fuse : {1, 2, 3}) {
      for (uint8_t opcode : {io_op::kRead, io_op::kCompare, io_op::kWrite}) {
        SCOPED_TRACE("FUSE " + std::to_string(fuse) + " opcode " + std::to_string(opcode));
        spec::Sqe s = buf.with_prps(lba_sqe(opcode, 1, 0, 1), 512);
        s.set_fuse(fuse);
        EXPECT_STATUS(io(h, s), st::kInvalidField);
      }
    }
    EXPECT_EQ(nuse(h, 1), 0u);
  });
}

TEST(NvmCommandChecks, UnknownIoOpcodesAreInvalidCommandOpcode) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 4096);
    for (unsigned opcode : {0x03u, 0x06u, 0x07u, 0x0Au, 0x0Bu, 0x0Du, 0x0Eu, 0x11u, 0x15u, 0x19u, 0x7Fu, 0x80u, 0xC0u,
                            0xFFu}) {
      SCOPED_TRACE("opcode " + std::to_string(opcode));
      const spec::Cqe c = io(h, buf.with_prps(lba_sqe(static_cast<uint8_t>(opcode), 1, 0, 1), 512));
      EXPECT_STATUS(c, st::kInvalidCommandOpcode);
      EXPECT_TRUE(c.status().dnr);
    }
  });
}

TEST(NvmCommandChecks, WriteProtectedNamespaceRejectsEveryModification) {
  ControllerConfig cfg;
  NamespaceConfig wp{1, 1 << 20, 512};
  wp.write_protected = true;
  cfg.namespaces = {wp, NamespaceConfig{2, 1 << 20, 512}};
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_EQ(identify_ns(h, 1)[in::kNsattr] & 1, 1) << "NSATTR write protected";
    EXPECT_EQ(identify_ns(h, 2)[in::kNsattr] & 1, 0);
    DataBuffer buf(h, 4096);
    buf.fill(0x77);
    const uint64_t list = h.alloc(4096);
    put_ranges(h, list, {{0, 8}});
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kWrite, 1, 0, 8), 4096)), st::kNamespaceIsWriteProtected);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kWrite, 1, 0, 8, kFua), 4096)), st::kNamespaceIsWriteProtected);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteZeroes, 1, 0, 8)), st::kNamespaceIsWriteProtected);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteZeroes, 1, 0, 8, kDeac)), st::kNamespaceIsWriteProtected);
    EXPECT_STATUS(io(h, dsm_sqe(1, 1, kAttrDeallocate, list)), st::kNamespaceIsWriteProtected);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteUncorrectable, 1, 0, 8)), st::kNamespaceIsWriteProtected);
    // Reading works (and the writes above changed nothing).
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 1, 0, 8, 4096, out), st::kSuccess);
    EXPECT_TRUE(all_zero(out));
    EXPECT_STATUS(io(h, lba_sqe(io_op::kVerify, 1, 0, 8)), st::kSuccess);
    buf.fill(0);
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kCompare, 1, 0, 8), 4096)), st::kSuccess);
    EXPECT_STATUS(io(h, make_sqe(io_op::kFlush, 0, 0, 1)), st::kSuccess);
    EXPECT_STATUS(io(h, dsm_sqe(1, 1, 0x3, list)), st::kSuccess);  // hints only: no modification
    EXPECT_EQ(nuse(h, 1), 0u);
    // The other namespace is writable.
    EXPECT_STATUS(io(h, buf.with_prps(lba_sqe(io_op::kWrite, 2, 0, 8), 4096)), st::kSuccess);
  });
}

TEST(NvmCommandChecks, OncsAdvertisesTheImplementedOptionalCommands) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const auto id = identify_ctrl(h);
    const uint16_t oncs = spec::get_le16(id.data() + ic::kOncs);
    EXPECT_TRUE(oncs & ic::kOncsCompare);
    EXPECT_TRUE(oncs & ic::kOncsWriteUncorrectable);
    EXPECT_TRUE(oncs & ic::kOncsDatasetManagement);
    EXPECT_TRUE(oncs & ic::kOncsWriteZeroes);
    EXPECT_TRUE(oncs & ic::kOncsVerify);
    EXPECT_FALSE(oncs & ic::kOncsReservations) << "Reservation commands are Invalid Command Opcode";
    EXPECT_FALSE(oncs & ic::kOncsCopy) << "Copy is Invalid Command Opcode";
    EXPECT_TRUE(oncs & ic::kOncsTimestamp) << "Timestamp feature (saved_features_test.cpp)";
    EXPECT_EQ(spec::get_le16(id.data() + ic::kFuses), 0u);
  });
}

