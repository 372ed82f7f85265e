// Unit tests of the wire-format helpers in include/scnvme/spec: little-endian access, bit fields,
// SQE/CQE layouts (NVMe Base 2.0, 4.2 and 4.6), status packing and names, register field helpers
// and doorbell offsets (3.1.3), and the PCI capability helpers. No simulation is needed.
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "scnvme/spec/endian.h"
#include "scnvme/spec/nvme_command.h"
#include "scnvme/spec/nvme_features.h"
#include "scnvme/spec/nvme_identify.h"
#include "scnvme/spec/nvme_log.h"
#include "scnvme/spec/nvme_registers.h"
#include "scnvme/spec/nvme_status.h"
#include "scnvme/spec/pci.h"

namespace spec = scnvme::spec;
namespace st = scnvme::spec::status;
namespace reg = scnvme::spec::reg;
namespace pci = scnvme::spec::pci;

// ---------------------------------------------------------------------------------------------
// Static sizes (compile-time checks plus runtime assertions so they show up in the report).

static_assert(sizeof(spec::Sqe) == 64, "SQE is 64 bytes");
static_assert(sizeof(spec::Cqe) == 16, "CQE is 16 bytes");
static_assert(sizeof(spec::IdentifyData) == 4096, "Identify data is 4096 bytes");
static_assert(spec::bits(0xABCD, 15, 8) == 0xAB, "bits() is constexpr");
static_assert(reg::sq_tail_doorbell(1, 0) == 0x1008, "doorbell helpers are constexpr");

TEST(SpecSizes, WireStructuresHaveSpecSizes) {
  EXPECT_EQ(sizeof(spec::Sqe), spec::kSqeSize);
  EXPECT_EQ(sizeof(spec::Cqe), spec::kCqeSize);
  EXPECT_EQ(1u << spec::kSqesLog2, spec::kSqeSize);
  EXPECT_EQ(1u << spec::kCqesLog2, spec::kCqeSize);
  EXPECT_EQ(sizeof(spec::IdentifyData), spec::kIdentifySize);
  EXPECT_EQ(spec::log::error_entry::kSize, 64u);
  EXPECT_EQ(spec::log::smart::kSize, 512u);
  EXPECT_EQ(pci::kConfigSpaceSize, 4096u);
  EXPECT_EQ(pci::msix::kEntrySize, 16u);
}

// ---------------------------------------------------------------------------------------------
// Endianness

TEST(SpecEndian, PutWritesLittleEndianBytes) {
  std::array<uint8_t, 8> b{};
  spec::put_le16(b.data(), 0x1234);
  EXPECT_EQ(b[0], 0x34);
  EXPECT_EQ(b[1], 0x12);
  spec::put_le32(b.data(), 0x11223344);
  EXPECT_EQ(b, (std::array<uint8_t, 8>{0x44, 0x33, 0x22, 0x11, 0, 0, 0, 0}));
  spec::put_le64(b.data(), 0x0102030405060708ull);
  EXPECT_EQ(b, (std::array<uint8_t, 8>{8, 7, 6, 5, 4, 3, 2, 1}));
  spec::put_le8(b.data(), 0xEE);
  EXPECT_EQ(b[0], 0xEE);
  EXPECT_EQ(b[1], 7);  // neighbours untouched
}

TEST(SpecEndian, GetReadsLittleEndianBytes) {
  const uint8_t b[8] = {0xF0, 0xDE, 0xBC, 0x9A, 0x78, 0x56, 0x34, 0x12};
  EXPECT_EQ(spec::get_le8(b), 0xF0);
  EXPECT_EQ(spec::get_le16(b), 0xDEF0);
  EXPECT_EQ(spec::get_le32(b), 0x9ABCDEF0u);
  EXPECT_EQ(spec::get_le64(b), 0x123456789ABCDEF0ull);
  EXPECT_EQ(spec::get_le16(b + 1), 0xBCDE);  // unaligned
}

TEST(SpecEndian, RoundTripsExtremeValues) {
  uint8_t b[8];
  for (uint64_t v : {0ull, 1ull, 0x8000000000000000ull, 0xFFFFFFFFFFFFFFFFull, 0x00FF00FF00FF00FFull}) {
    spec::put_le64(b, v);
    EXPECT_EQ(spec::get_le64(b), v);
    spec::put_le32(b, static_cast<uint32_t>(v));
    EXPECT_EQ(spec::get_le32(b), static_cast<uint32_t>(v));
    spec::put_le16(b, static_cast<uint16_t>(v));
    EXPECT_EQ(spec::get_le16(b), static_cast<uint16_t>(v));
  }
}

TEST(SpecEndian, AsciiPaddedFillsWithSpaces) {
  uint8_t field[8];
  std::memset(field, 0, sizeof field);
  spec::put_ascii_padded(field, 8, "abc");
  EXPECT_EQ(std::string(reinterpret_cast<char*>(field), 8), "abc     ");
  spec::put_ascii_padded(field, 8, "0123456789");  // truncated to the field
  EXPECT_EQ(std::string(reinterpret_cast<char*>(field), 8), "01234567");
  spec::put_ascii_padded(field, 8, "");
  EXPECT_EQ(std::string(reinterpret_cast<char*>(field), 8), "        ");
}

// ---------------------------------------------------------------------------------------------
// bits / set_bits

struct BitsCase {
  uint64_t value;
  unsigned hi, lo;
  uint64_t expected;
};

TEST(SpecBits, ExtractsFields) {
  const std::vector<BitsCase> cases = {
      {0xABCD, 15, 8, 0xAB},          {0xABCD, 7, 0, 0xCD},      {0xABCD, 3, 3, 1},
      {0xABCD, 4, 4, 0},              {~0ull, 63, 0, ~0ull},     {0x8000000000000000ull, 63, 63, 1},
      {0xFEDCBA9876543210ull, 63, 32, 0xFEDCBA98}, {0xFEDCBA9876543210ull, 35, 32, 0x8},
  };
  for (const auto& c : cases)
    EXPECT_EQ(spec::bits(c.value, c.hi, c.lo), c.expected) << std::hex << c.value << " [" << std::dec << c.hi << ":" << c.lo << "]";
}

TEST(SpecBits, SetBitsReplacesOnlyTheField) {
  EXPECT_EQ(spec::set_bits(0, 7, 4, 0xF), 0xF0u);
  EXPECT_EQ(spec::set_bits(0xFFFF, 7, 4, 0x0), 0xFF0Fu);
  EXPECT_EQ(spec::set_bits(0xFFFF, 7, 4, 0x5), 0xFF5Fu);
  EXPECT_EQ(spec::set_bits(0, 7, 4, 0x1F), 0xF0u);  // field wider than [hi:lo] is truncated
  EXPECT_EQ(spec::set_bits(~0ull, 63, 0, 5), 5u);
  EXPECT_EQ(spec::set_bits(0, 63, 63, 1), 0x8000000000000000ull);
  for (uint64_t f = 0; f < 16; ++f) EXPECT_EQ(spec::bits(spec::set_bits(0x123456789ull, 35, 32, f), 35, 32), f);
}

// ---------------------------------------------------------------------------------------------
// Submission queue entry

TEST(SpecSqe, FieldsLandAtSpecOffsets) {
  spec::Sqe s;
  s.set_opcode(0x06);
  s.set_cid(0xBEEF);
  s.set_nsid(0x01020304);
  s.set_mptr(0x1111222233334444ull);
  s.set_prp1(0xAAAABBBBCCCCD000ull);
  s.set_prp2(0x0000000012345000ull);
  s.set_dw(10, 0xCAFEF00D);
  EXPECT_EQ(s.raw[0], 0x06);
  EXPECT_EQ(s.raw[2], 0xEF);  // CID in CDW0 bits 31:16
  EXPECT_EQ(s.raw[3], 0xBE);
  EXPECT_EQ(spec::get_le32(&s.raw[4]), 0x01020304u);            // NSID = DW1
  EXPECT_EQ(spec::get_le64(&s.raw[16]), 0x1111222233334444ull);  // MPTR = DW5:4
  EXPECT_EQ(spec::get_le64(&s.raw[24]), 0xAAAABBBBCCCCD000ull);  // PRP1 = DW7:6
  EXPECT_EQ(spec::get_le64(&s.raw[32]), 0x0000000012345000ull);  // PRP2 = DW9:8
  EXPECT_EQ(spec::get_le32(&s.raw[40]), 0xCAFEF00Du);            // CDW10
  EXPECT_EQ(s.opcode(), 0x06);
  EXPECT_EQ(s.cid(), 0xBEEF);
  EXPECT_EQ(s.nsid(), 0x01020304u);
  EXPECT_EQ(s.mptr(), 0x1111222233334444ull);
  EXPECT_EQ(s.prp1(), 0xAAAABBBBCCCCD000ull);
  EXPECT_EQ(s.prp2(), 0x12345000ull);
  EXPECT_EQ(s.cdw10(), 0xCAFEF00Du);
  EXPECT_EQ(s.dw(0), 0xBEEF0006u);
}

TEST(SpecSqe, CdwAccessorsMapToDwordIndices) {
  spec::Sqe s;
  for (unsigned i = 0; i < 16; ++i) s.set_dw(i, 0x01010101u * i);
  EXPECT_EQ(s.cdw2(), 0x02020202u);
  EXPECT_EQ(s.cdw3(), 0x03030303u);
  EXPECT_EQ(s.cdw11(), 0x0B0B0B0Bu);
  EXPECT_EQ(s.cdw12(), 0x0C0C0C0Cu);
  EXPECT_EQ(s.cdw13(), 0x0D0D0D0Du);
  EXPECT_EQ(s.cdw14(), 0x0E0E0E0Eu);
  EXPECT_EQ(s.cdw15(), 0x0F0F0F0Fu);
}

TEST(SpecSqe, FusePsdtAndReservedBitsAreIndependent) {
  spec::Sqe s;
  s.set_fuse(spec::kFuseSecond);
  s.set_psdt(spec::kPsdtSglSegmentMeta);
  EXPECT_EQ(s.fuse(), spec::kFuseSecond);
  EXPECT_EQ(s.psdt(), spec::kPsdtSglSegmentMeta);
  EXPECT_EQ(s.raw[1], 0x82);  // CDW0 bits 9:8 = 10b, bits 15:14 = 10b
  EXPECT_EQ(s.cdw0_reserved(), 0);
  s.set_fuse(spec::kFuseFirst);
  EXPECT_EQ(s.psdt(), spec::kPsdtSglSegmentMeta);  // untouched
  s.set_psdt(spec::kPsdtPrp);
  EXPECT_EQ(s.fuse(), spec::kFuseFirst);
  EXPECT_EQ(s.raw[1], 0x01);
  s.raw[1] |= 0x3C;  // CDW0 bits 13:10 reserved
  EXPECT_EQ(s.cdw0_reserved(), 0xF);
  EXPECT_EQ(s.fuse(), spec::kFuseFirst);
  EXPECT_EQ(s.psdt(), spec::kPsdtPrp);
  s.set_fuse(7);  // only two bits
  EXPECT_EQ(s.fuse(), 3);
  EXPECT_EQ(s.cdw0_reserved(), 0xF);
}

// ---------------------------------------------------------------------------------------------
// Status field and completion queue entry

struct StatusFieldCase {
  spec::Status status;
  uint16_t field;  // DW3 bits 31:17
};

TEST(SpecStatus, FieldPacksScSctMoreDnr) {
  const std::vector<StatusFieldCase> cases = {
      {st::kSuccess, 0x0000},
      {st::kInvalidField, 0x4002},                  // SC 02h, DNR
      {st::kDataTransferError, 0x0004},             // retryable: no DNR
      {st::kCompletionQueueInvalid, 0x4100},        // SCT 1
      {st::kInvalidLogPage, 0x4109},
      {st::kUnrecoveredReadError, 0x0281},          // SCT 2, SC 81h
      {spec::Status{7, 0xFF, true, true}, 0x67FF},  // vendor specific with M and DNR
      {spec::Status{0, 0x02, true, false}, 0x2002},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(c.status.field(), c.field) << st::name(c.status);
    const spec::Status back = spec::Status::from_field(c.field);
    EXPECT_EQ(back.sct, c.status.sct);
    EXPECT_EQ(back.sc, c.status.sc);
    EXPECT_EQ(back.more, c.status.more);
    EXPECT_EQ(back.dnr, c.status.dnr);
  }
  // CRD (bits 12:11 of the field) is ignored by from_field's SCT/SC decoding.
  EXPECT_EQ(spec::Status::from_field(0x1802).sct, 0);
  EXPECT_EQ(spec::Status::from_field(0x1802).sc, 0x02);
}

TEST(SpecStatus, OkAndIsCompareTypeAndCodeOnly) {
  EXPECT_TRUE(st::kSuccess.ok());
  EXPECT_FALSE(st::kInvalidField.ok());
  spec::Status s = st::kInvalidField;
  s.dnr = false;
  s.more = true;
  EXPECT_TRUE(s.is(st::kInvalidField));
  EXPECT_FALSE(s.is(st::kInvalidCommandOpcode));
  EXPECT_FALSE(st::kCompletionQueueInvalid.is(st::kSuccess));  // SC 0 but SCT 1
  EXPECT_TRUE(st::kInvalidField.dnr);
  EXPECT_FALSE(st::kAbortRequested.dnr);
  EXPECT_EQ(st::make(st::kSctMediaError, 0x85).sct, 2);
}

TEST(SpecCqe, FieldsAndStatusWithPhase) {
  spec::Cqe c;
  c.set_dw0(0x11223344);
  c.set_dw1(0x55667788);
  c.set_sq_head(0x0102);
  c.set_sq_id(0x0304);
  c.set_cid(0xABCD);
  c.set_status_and_phase(st::kInvalidField, true);
  EXPECT_EQ(spec::get_le32(&c.raw[0]), 0x11223344u);
  EXPECT_EQ(spec::get_le32(&c.raw[4]), 0x55667788u);
  EXPECT_EQ(spec::get_le16(&c.raw[8]), 0x0102);   // SQHD DW2 15:0
  EXPECT_EQ(spec::get_le16(&c.raw[10]), 0x0304);  // SQID DW2 31:16
  EXPECT_EQ(spec::get_le16(&c.raw[12]), 0xABCD);  // CID DW3 15:0
  EXPECT_EQ(spec::get_le16(&c.raw[14]), 0x8005);  // DW3 31:16 = status << 1 | P
  EXPECT_EQ(c.dw0(), 0x11223344u);
  EXPECT_EQ(c.dw1(), 0x55667788u);
  EXPECT_EQ(c.sq_head(), 0x0102);
  EXPECT_EQ(c.sq_id(), 0x0304);
  EXPECT_EQ(c.cid(), 0xABCD);
  EXPECT_TRUE(c.phase());
  EXPECT_TRUE(c.status().is(st::kInvalidField));
  EXPECT_TRUE(c.status().dnr);
  EXPECT_FALSE(c.status().more);
}

TEST(SpecCqe, PhaseIsIndependentOfStatus) {
  spec::Cqe c;
  c.set_status_and_phase(st::kSuccess, true);
  EXPECT_EQ(spec::get_le16(&c.raw[14]), 0x0001);
  EXPECT_TRUE(c.status().ok());
  spec::Status more = st::kCompletionQueueInvalid;
  more.more = true;
  c.set_status_and_phase(more, false);
  EXPECT_FALSE(c.phase());
  EXPECT_EQ(spec::get_le16(&c.raw[14]), static_cast<uint16_t>(0x6100 << 1));
  EXPECT_TRUE(c.status().is(st::kCompletionQueueInvalid));
  EXPECT_TRUE(c.status().more);
  EXPECT_TRUE(c.status().dnr);
}

struct NameCase {
  spec::Status status;
  const char* name;
};

TEST(SpecStatus, NamesFollowTheSpecification) {
  const std::vector<NameCase> cases = {
      {st::kSuccess, "Successful Completion"},
      {st::kInvalidCommandOpcode, "Invalid Command Opcode"},
      {st::kInvalidField, "Invalid Field in Command"},
      {st::kCommandIdConflict, "Command ID Conflict"},
      {st::kDataTransferError, "Data Transfer Error"},
      {st::kAbortRequested, "Command Abort Requested"},
      {st::kAbortedSqDeletion, "Command Aborted due to SQ Deletion"},
      {st::kInvalidNamespaceOrFormat, "Invalid Namespace or Format"},
      {st::kCommandSequenceError, "Command Sequence Error"},
      {st::kPrpOffsetInvalid, "PRP Offset Invalid"},
      {st::kLbaOutOfRange, "LBA Out of Range"},
      {st::kCompletionQueueInvalid, "Completion Queue Invalid"},
      {st::kInvalidQueueIdentifier, "Invalid Queue Identifier"},
      {st::kInvalidQueueSize, "Invalid Queue Size"},
      {st::kAbortCommandLimitExceeded, "Abort Command Limit Exceeded"},
      {st::kAsyncEventRequestLimitExceeded, "Asynchronous Event Request Limit Exceeded"},
      {st::kInvalidInterruptVector, "Invalid Interrupt Vector"},
      {st::kInvalidLogPage, "Invalid Log Page"},
      {st::kInvalidQueueDeletion, "Invalid Queue Deletion"},
      {st::kFeatureIdNotSaveable, "Feature Identifier Not Saveable"},
      {st::kFeatureNotChangeable, "Feature Not Changeable"},
      {st::kFeatureNotNamespaceSpecific, "Feature Not Namespace Specific"},
      {st::kWriteFault, "Write Fault"},
      {st::kUnrecoveredReadError, "Unrecovered Read Error"},
      {st::kCompareFailure, "Compare Failure"},
      {spec::Status{0, 0x7F, false, false}, "Unknown status"},
      {spec::Status{7, 0x01, false, false}, "Unknown status"},
  };
  for (const auto& c : cases) EXPECT_STREQ(st::name(c.status), c.name);
  // The name depends on SCT/SC only, not on M or DNR.
  spec::Status s = st::kInvalidField;
  s.dnr = false;
  s.more = true;
  EXPECT_STREQ(st::name(s), "Invalid Field in Command");
}

// ---------------------------------------------------------------------------------------------
// Register fields and doorbells

struct DoorbellCase {
  uint16_t qid;
  unsigned dstrd;
  uint32_t sq_tail, cq_head;
};

TEST(SpecRegisters, DoorbellOffsetsFollowDstrd) {
  const std::vector<DoorbellCase> cases = {
      {0, 0, 0x1000, 0x1004},  {1, 0, 0x1008, 0x100C},   {64, 0, 0x1200, 0x1204},
      {0, 1, 0x1000, 0x1008},  {1, 1, 0x1010, 0x1018},   {0, 2, 0x1000, 0x1010},
      {1, 2, 0x1020, 0x1030},  {3, 2, 0x1060, 0x1070},   {1, 15, 0x1000 + 2 * (4u << 15), 0x1000 + 3 * (4u << 15)},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(reg::sq_tail_doorbell(c.qid, c.dstrd), c.sq_tail) << "qid " << c.qid << " dstrd " << c.dstrd;
    EXPECT_EQ(reg::cq_head_doorbell(c.qid, c.dstrd), c.cq_head) << "qid " << c.qid << " dstrd " << c.dstrd;
    // The decode rule: index = (offset - 0x1000) / (4 << DSTRD); even = SQ tail, odd = CQ head.
    EXPECT_EQ((c.sq_tail - reg::kDoorbellBase) / (4u << c.dstrd), 2u * c.qid);
    EXPECT_EQ((c.cq_head - reg::kDoorbellBase) / (4u << c.dstrd), 2u * c.qid + 1);
  }
}

TEST(SpecRegisters, RegisterOffsetsAndConstants) {
  EXPECT_EQ(reg::kCap, 0x00u);
  EXPECT_EQ(reg::kVs, 0x08u);
  EXPECT_EQ(reg::kIntms, 0x0Cu);
  EXPECT_EQ(reg::kIntmc, 0x10u);
  EXPECT_EQ(reg::kCc, 0x14u);
  EXPECT_EQ(reg::kCsts, 0x1Cu);
  EXPECT_EQ(reg::kNssr, 0x20u);
  EXPECT_EQ(reg::kAqa, 0x24u);
  EXPECT_EQ(reg::kAsq, 0x28u);
  EXPECT_EQ(reg::kAcq, 0x30u);
  EXPECT_EQ(reg::kCrto, 0x68u);
  EXPECT_EQ(reg::kVersion20, 0x00020000u);
  uint8_t nvme[4];
  spec::put_le32(nvme, reg::kNssrReset);  // "NVMe" in ASCII, read as a little-endian dword
  EXPECT_EQ(std::string(reinterpret_cast<char*>(nvme), 4), "eMVN");
}

TEST(SpecRegisters, CapFieldExtractors) {
  // MQES 0x3FF, CQR, AMS 01b, TO 0x14, DSTRD 2, NSSRS, CSS bit 0, MPSMIN 1, MPSMAX 4, CRWMS.
  const uint64_t cap = 0x3FFull | (1ull << 16) | (1ull << 17) | (0x14ull << 24) | (2ull << 32) | (1ull << 36) |
                       (1ull << 37) | (1ull << 48) | (4ull << 52) | (1ull << 59);
  EXPECT_EQ(reg::cap::mqes(cap), 0x3FFu);
  EXPECT_EQ(reg::cap::cqr(cap), 1u);
  EXPECT_EQ(reg::cap::ams(cap), reg::cap::kAmsWrr);
  EXPECT_EQ(reg::cap::to(cap), 0x14u);
  EXPECT_EQ(reg::cap::dstrd(cap), 2u);
  EXPECT_EQ(reg::cap::nssrs(cap), 1u);
  EXPECT_EQ(reg::cap::css(cap), reg::cap::kCssNvm);
  EXPECT_EQ(reg::cap::bps(cap), 0u);
  EXPECT_EQ(reg::cap::cps(cap), 0u);
  EXPECT_EQ(reg::cap::mpsmin(cap), 1u);
  EXPECT_EQ(reg::cap::mpsmax(cap), 4u);
  EXPECT_EQ(reg::cap::pmrs(cap), 0u);
  EXPECT_EQ(reg::cap::cmbs(cap), 0u);
  EXPECT_EQ(reg::cap::nsss(cap), 0u);
  EXPECT_EQ(reg::cap::crwms(cap), 1u);
  EXPECT_EQ(reg::cap::crims(cap), 0u);
}

TEST(SpecRegisters, CcCstsAqaCrtoFields) {
  // EN, CSS 110b, MPS 3, AMS 001b, SHN 10b, IOSQES 6, IOCQES 4.
  const uint32_t cc = 1u | (6u << 4) | (3u << 7) | (1u << 11) | (2u << 14) | (6u << 16) | (4u << 20);
  EXPECT_EQ(cc & reg::cc::kEn, 1u);
  EXPECT_EQ(reg::cc::css(cc), reg::cc::kCssAllSupported);
  EXPECT_EQ(reg::cc::mps(cc), 3u);
  EXPECT_EQ(reg::cc::ams(cc), reg::cc::kAmsWrr);
  EXPECT_EQ(reg::cc::shn(cc), reg::cc::kShnAbrupt);
  EXPECT_EQ(reg::cc::iosqes(cc), 6u);
  EXPECT_EQ(reg::cc::iocqes(cc), 4u);
  EXPECT_EQ(cc & ~reg::cc::kWritableMask, 0u);
  EXPECT_EQ(reg::cc::kWritableMask & 0xEu, 0u);  // bits 3:1 reserved

  EXPECT_EQ(reg::csts::shst(reg::csts::kShstComplete << 2 | reg::csts::kRdy), reg::csts::kShstComplete);
  EXPECT_EQ(reg::csts::kShstMask, 0xCu);
  EXPECT_EQ(reg::csts::kNssro, 0x10u);

  EXPECT_EQ(reg::aqa::asqs(0x001F003Fu), 0x3Fu);
  EXPECT_EQ(reg::aqa::acqs(0x001F003Fu), 0x1Fu);
  EXPECT_EQ(reg::aqa::asqs(0xFFFFFFFFu), 0xFFFu);
  EXPECT_EQ(reg::kQueueBaseMask & 0xFFFu, 0u);

  const uint32_t crto = reg::crto::make(20, 40);
  EXPECT_EQ(crto, 0x00280014u);
  EXPECT_EQ(reg::crto::crwmt(crto), 20u);
  EXPECT_EQ(reg::crto::crimt(crto), 40u);
}

// ---------------------------------------------------------------------------------------------
// Command fields

TEST(SpecCommandFields, QueueCreationFields) {
  namespace qc = spec::queue_cmd;
  const uint32_t cdw10 = (63u << 16) | 5u;
  EXPECT_EQ(qc::qid(cdw10), 5);
  EXPECT_EQ(qc::qsize(cdw10), 63);
  const uint32_t cq11 = (7u << 16) | 0x3u;  // IV 7, IEN, PC
  EXPECT_TRUE(qc::pc(cq11));
  EXPECT_TRUE(qc::ien(cq11));
  EXPECT_EQ(qc::iv(cq11), 7);
  const uint32_t sq11 = (9u << 16) | (2u << 1) | 1u;  // CQID 9, QPRIO high, PC
  EXPECT_EQ(qc::cqid(sq11), 9);
  EXPECT_EQ(qc::qprio(sq11), 2);
  EXPECT_TRUE(qc::pc(sq11));
}

TEST(SpecCommandFields, FeatureAndLogPageFields) {
  namespace ft = spec::feature;
  EXPECT_EQ(ft::fid(0x80000307u), 0x07);
  EXPECT_EQ(ft::sel(0x80000307u), 3);
  EXPECT_TRUE(ft::sv(0x80000307u));
  EXPECT_EQ(ft::number_of_queues(3, 5), 0x00050003u);
  EXPECT_EQ(ft::nsqr(0x00050003u), 3);
  EXPECT_EQ(ft::ncqr(0x00050003u), 5);
  EXPECT_EQ(ft::tmpth(0x0012015Eu), 0x015E);
  EXPECT_EQ(ft::tmpsel(0x0012015Eu), 2);
  EXPECT_EQ(ft::thsel(0x0012015Eu), ft::kThselUnder);

  namespace lg = spec::log;
  const uint32_t cdw10 = (0x7Fu << 16) | (1u << 15) | (0x2u << 8) | lg::kSmartHealth;
  EXPECT_EQ(lg::lid(cdw10), lg::kSmartHealth);
  EXPECT_EQ(lg::lsp(cdw10), 2);
  EXPECT_TRUE(lg::rae(cdw10));
  EXPECT_EQ(lg::numdl(cdw10), 0x7F);
  EXPECT_EQ(lg::length_bytes(cdw10, 0), 512u);                 // (0x7F + 1) dwords
  EXPECT_EQ(lg::length_bytes(0xFFFF0000u, 0x1u), 0x20000u * 4);  // NUMDU:NUMDL = 0x1FFFF
  EXPECT_EQ(lg::offset_bytes(0x200, 0x1), 0x100000200ull);
}

TEST(SpecCommandFields, LbaFormatDescriptor) {
  namespace ns = spec::id_ns;
  const uint32_t f = ns::lbaf(8, 12, 2);
  EXPECT_EQ(f, 0x020C0008u);
  EXPECT_EQ(ns::lbaf_ms(f), 8);
  EXPECT_EQ(ns::lbaf_lbads(f), 12);
  EXPECT_EQ(spec::id_ctrl::frmw(true, 1, true), 0x13);
}

// ---------------------------------------------------------------------------------------------
// PCI helpers

TEST(SpecPci, MsiControlFields) {
  const uint16_t ctrl = (5u << 1) | (3u << 4) | pci::msi::k64Bit | pci::msi::kEnable;
  EXPECT_EQ(pci::msi::mmc(ctrl), 5);
  EXPECT_EQ(pci::msi::mme(ctrl), 3);
  EXPECT_EQ(pci::msi::k64Bit, 0x80);
  EXPECT_EQ(pci::msi::kMmeMask, 0x70);
}

TEST(SpecPci, PcieDeviceControlAndLinkFields) {
  namespace e = pci::pcie;
  EXPECT_EQ(e::devctl_mps_bytes(0), 128u);
  EXPECT_EQ(e::devctl_mps_bytes(5u << e::kDevctlMpsShift), 4096u);
  EXPECT_EQ(e::devctl_mrrs_bytes(2u << e::kDevctlMrrsShift), 512u);
  EXPECT_EQ(e::devctl_mrrs_bytes(0x2000 | (1u << e::kDevctlMpsShift)), 512u);  // MPS bits don't leak
  EXPECT_EQ(e::devcap_mps_supported(0x10000002u), 2u);
  EXPECT_EQ(e::kDevcapFlr, 1u << 28);
  EXPECT_EQ(e::kDevctlInitiateFlr, 0x8000);
  EXPECT_EQ(e::linkcap(4, 8), 0x84u);
  EXPECT_EQ(e::linksta(3, 16), 0x103);
  EXPECT_EQ(e::linkcap2_speeds(1), 0x02u);
  EXPECT_EQ(e::linkcap2_speeds(4), 0x1Eu);
  EXPECT_EQ(e::linkcap2_speeds(6), 0x7Eu);
}

TEST(SpecPci, HeaderLayoutAndClassCode) {
  EXPECT_EQ(pci::kCommand, 0x04u);
  EXPECT_EQ(pci::kBar0, 0x10u);
  EXPECT_EQ(pci::kBar5, 0x24u);
  EXPECT_EQ(pci::kCapabilitiesPtr, 0x34u);
  EXPECT_EQ(pci::kClassMassStorage, 0x01);
  EXPECT_EQ(pci::kSubclassNvm, 0x08);
  EXPECT_EQ(pci::kProgIfNvme, 0x02);
  EXPECT_EQ(pci::bar::kType64, 0x4u);
  EXPECT_EQ(pci::status::kCapabilitiesList, 0x10);
  EXPECT_EQ(pci::msix::kTableSizeMask, 0x7FF);
  EXPECT_EQ(pci::msix::kMaxVectors, pci::msix::kTableSizeMask + 1u);
}
