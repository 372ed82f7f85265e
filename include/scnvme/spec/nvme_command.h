// NVMe submission and completion queue entries and opcodes (NVMe Base 2.0, sections 4.2, 4.6,
// 5; NVM Command Set 1.0, section 3).
#pragma once

#include <array>
#include <cstdint>

#include "scnvme/spec/endian.h"

namespace scnvme::spec {

constexpr uint32_t kSqeSize = 64;
constexpr uint32_t kCqeSize = 16;
constexpr uint32_t kSqesLog2 = 6;  // CC.IOSQES the controller requires
constexpr uint32_t kCqesLog2 = 4;  // CC.IOCQES the controller requires

/// A 64-byte submission queue entry in wire format.
struct Sqe {
  std::array<uint8_t, kSqeSize> raw{};

  uint32_t dw(unsigned i) const { return get_le32(raw.data() + 4 * i); }
  void set_dw(unsigned i, uint32_t v) { put_le32(raw.data() + 4 * i, v); }

  uint8_t opcode() const { return raw[0]; }
  uint8_t fuse() const { return raw[1] & 0x3; }     // CDW0 bits 9:8
  uint8_t psdt() const { return (raw[1] >> 6) & 0x3; }  // CDW0 bits 15:14
  uint8_t cdw0_reserved() const { return (raw[1] >> 2) & 0xF; }  // CDW0 bits 13:10
  uint16_t cid() const { return get_le16(raw.data() + 2); }
  uint32_t nsid() const { return dw(1); }
  uint32_t cdw2() const { return dw(2); }
  uint32_t cdw3() const { return dw(3); }
  uint64_t mptr() const { return get_le64(raw.data() + 16); }
  uint64_t prp1() const { return get_le64(raw.data() + 24); }
  uint64_t prp2() const { return get_le64(raw.data() + 32); }
  uint32_t cdw10() const { return dw(10); }
  uint32_t cdw11() const { return dw(11); }
  uint32_t cdw12() const { return dw(12); }
  uint32_t cdw13() const { return dw(13); }
  uint32_t cdw14() const { return dw(14); }
  uint32_t cdw15() const { return dw(15); }

  void set_opcode(uint8_t op) { raw[0] = op; }
  void set_fuse(uint8_t f) { raw[1] = static_cast<uint8_t>((raw[1] & ~0x3) | (f & 0x3)); }
  void set_psdt(uint8_t p) { raw[1] = static_cast<uint8_t>((raw[1] & 0x3F) | ((p & 0x3) << 6)); }
  void set_cid(uint16_t c) { put_le16(raw.data() + 2, c); }
  void set_nsid(uint32_t n) { set_dw(1, n); }
  void set_mptr(uint64_t a) { put_le64(raw.data() + 16, a); }
  void set_prp1(uint64_t a) { put_le64(raw.data() + 24, a); }
  void set_prp2(uint64_t a) { put_le64(raw.data() + 32, a); }
};
static_assert(sizeof(Sqe) == kSqeSize, "SQE is 64 bytes");

/// Status field of a completion (DW3 bits 31:17): SC, SCT, CRD, M, DNR.
struct Status {
  uint8_t sct = 0;   // Status Code Type
  uint8_t sc = 0;    // Status Code
  bool more = false; // M: more information in the Error Information log page
  bool dnr = false;  // Do Not Retry

  bool ok() const { return sct == 0 && sc == 0; }
  bool is(Status other) const { return sct == other.sct && sc == other.sc; }
  /// The 15-bit status field as placed in DW3 bits 31:17.
  uint16_t field() const {
    return static_cast<uint16_t>(sc | ((sct & 0x7u) << 8) | (more ? 1u << 13 : 0u) |
                                 (dnr ? 1u << 14 : 0u));
  }
  static Status from_field(uint16_t f) {
    Status s;
    s.sc = static_cast<uint8_t>(f & 0xFF);
    s.sct = static_cast<uint8_t>((f >> 8) & 0x7);
    s.more = (f >> 13) & 1;
    s.dnr = (f >> 14) & 1;
    return s;
  }
};

/// A 16-byte completion queue entry in wire format.
struct Cqe {
  std::array<uint8_t, kCqeSize> raw{};

  uint32_t dw0() const { return get_le32(raw.data()); }
  uint32_t dw1() const { return get_le32(raw.data() + 4); }
  uint16_t sq_head() const { return get_le16(raw.data() + 8); }
  uint16_t sq_id() const { return get_le16(raw.data() + 10); }
  uint16_t cid() const { return get_le16(raw.data() + 12); }
  bool phase() const { return raw[14] & 1; }
  Status status() const { return Status::from_field(static_cast<uint16_t>(get_le16(raw.data() + 14) >> 1)); }

  void set_dw0(uint32_t v) { put_le32(raw.data(), v); }
  void set_dw1(uint32_t v) { put_le32(raw.data() + 4, v); }
  void set_sq_head(uint16_t v) { put_le16(raw.data() + 8, v); }
  void set_sq_id(uint16_t v) { put_le16(raw.data() + 10, v); }
  void set_cid(uint16_t v) { put_le16(raw.data() + 12, v); }
  void set_status_and_phase(Status s, bool phase) {
    put_le16(raw.data() + 14, static_cast<uint16_t>((s.field() << 1) | (phase ? 1 : 0)));
  }
};
static_assert(sizeof(Cqe) == kCqeSize, "CQE is 16 bytes");

// PSDT values.
constexpr uint8_t kPsdtPrp = 0;
constexpr uint8_t kPsdtSglContiguousMeta = 1;
constexpr uint8_t kPsdtSglSegmentMeta = 2;

// FUSE values.
constexpr uint8_t kFuseNormal = 0;
constexpr uint8_t kFuseFirst = 1;
constexpr uint8_t kFuseSecond = 2;

/// Admin command opcodes (NVMe Base 2.0, Figure 138).
namespace admin_opcode {
constexpr uint8_t kDeleteIoSq = 0x00;
constexpr uint8_t kCreateIoSq = 0x01;
constexpr uint8_t kGetLogPage = 0x02;
constexpr uint8_t kDeleteIoCq = 0x04;
constexpr uint8_t kCreateIoCq = 0x05;
constexpr uint8_t kIdentify = 0x06;
constexpr uint8_t kAbort = 0x08;
constexpr uint8_t kSetFeatures = 0x09;
constexpr uint8_t kGetFeatures = 0x0A;
constexpr uint8_t kAsyncEventRequest = 0x0C;
constexpr uint8_t kNamespaceManagement = 0x0D;
constexpr uint8_t kFirmwareCommit = 0x10;
constexpr uint8_t kFirmwareDownload = 0x11;
constexpr uint8_t kDeviceSelfTest = 0x14;
constexpr uint8_t kNamespaceAttachment = 0x15;
constexpr uint8_t kKeepAlive = 0x18;
constexpr uint8_t kDirectiveSend = 0x19;
constexpr uint8_t kDirectiveReceive = 0x1A;
constexpr uint8_t kVirtualizationManagement = 0x1C;
constexpr uint8_t kNvmeMiSend = 0x1D;
constexpr uint8_t kNvmeMiReceive = 0x1E;
constexpr uint8_t kDoorbellBufferConfig = 0x7C;
constexpr uint8_t kFormatNvm = 0x80;
constexpr uint8_t kSecuritySend = 0x81;
constexpr uint8_t kSecurityReceive = 0x82;
constexpr uint8_t kSanitize = 0x84;
constexpr uint8_t kGetLbaStatus = 0x86;
}  // namespace admin_opcode

/// NVM command set I/O opcodes (NVM Command Set 1.0, Figure 16).
namespace nvm_opcode {
constexpr uint8_t kFlush = 0x00;
constexpr uint8_t kWrite = 0x01;
constexpr uint8_t kRead = 0x02;
constexpr uint8_t kWriteUncorrectable = 0x04;
constexpr uint8_t kCompare = 0x05;
constexpr uint8_t kWriteZeroes = 0x08;
constexpr uint8_t kDatasetManagement = 0x09;
constexpr uint8_t kVerify = 0x0C;
constexpr uint8_t kReservationRegister = 0x0D;
constexpr uint8_t kReservationReport = 0x0E;
constexpr uint8_t kReservationAcquire = 0x11;
constexpr uint8_t kReservationRelease = 0x15;
constexpr uint8_t kCopy = 0x19;
}  // namespace nvm_opcode

/// The specification's name of a command ("Identify", "Read"), by queue: admin (SQ 0) or NVM
/// I/O; "Admin" / "I/O" for opcodes not listed.
inline const char* opcode_name(bool admin, uint8_t opcode) {
  if (admin) {
    switch (opcode) {
      case admin_opcode::kDeleteIoSq: return "Delete I/O SQ";
      case admin_opcode::kCreateIoSq: return "Create I/O SQ";
      case admin_opcode::kGetLogPage: return "Get Log Page";
      case admin_opcode::kDeleteIoCq: return "Delete I/O CQ";
      case admin_opcode::kCreateIoCq: return "Create I/O CQ";
      case admin_opcode::kIdentify: return "Identify";
      case admin_opcode::kAbort: return "Abort";
      case admin_opcode::kSetFeatures: return "Set Features";
      case admin_opcode::kGetFeatures: return "Get Features";
      case admin_opcode::kAsyncEventRequest: return "Async Event Request";
      case admin_opcode::kNamespaceManagement: return "Namespace Management";
      case admin_opcode::kFirmwareCommit: return "Firmware Commit";
      case admin_opcode::kFirmwareDownload: return "Firmware Image Download";
      case admin_opcode::kDeviceSelfTest: return "Device Self-test";
      case admin_opcode::kNamespaceAttachment: return "Namespace Attachment";
      case admin_opcode::kKeepAlive: return "Keep Alive";
      case admin_opcode::kDoorbellBufferConfig: return "Doorbell Buffer Config";
      case admin_opcode::kFormatNvm: return "Format NVM";
      default: return "Admin";
    }
  }
  switch (opcode) {
    case nvm_opcode::kFlush: return "Flush";
    case nvm_opcode::kWrite: return "Write";
    case nvm_opcode::kRead: return "Read";
    case nvm_opcode::kWriteUncorrectable: return "Write Uncorrectable";
    case nvm_opcode::kCompare: return "Compare";
    case nvm_opcode::kWriteZeroes: return "Write Zeroes";
    case nvm_opcode::kDatasetManagement: return "Dataset Management";
    case nvm_opcode::kVerify: return "Verify";
    case nvm_opcode::kCopy: return "Copy";
    default: return "I/O";
  }
}

/// Queue creation fields (Create I/O CQ/SQ, NVMe Base 2.0, 5.4 and 5.5).
namespace queue_cmd {
constexpr uint16_t qid(uint32_t cdw10) { return static_cast<uint16_t>(cdw10 & 0xFFFF); }
constexpr uint16_t qsize(uint32_t cdw10) { return static_cast<uint16_t>(cdw10 >> 16); }  // 0-based
constexpr bool pc(uint32_t cdw11) { return cdw11 & 1; }
constexpr bool ien(uint32_t cdw11) { return (cdw11 >> 1) & 1; }     // Create I/O CQ
constexpr uint16_t iv(uint32_t cdw11) { return static_cast<uint16_t>(cdw11 >> 16); }  // Create I/O CQ
constexpr uint8_t qprio(uint32_t cdw11) { return (cdw11 >> 1) & 3; }  // Create I/O SQ
constexpr uint16_t cqid(uint32_t cdw11) { return static_cast<uint16_t>(cdw11 >> 16); }  // Create I/O SQ
}  // namespace queue_cmd

/// Namespace Management (NVMe Base 2.0, 5.23): CDW10 SEL, CDW11 CSI (create).
namespace ns_management {
constexpr uint8_t kSelCreate = 0x0, kSelDelete = 0x1;
constexpr uint8_t sel(uint32_t cdw10) { return cdw10 & 0xF; }
constexpr uint8_t csi(uint32_t cdw11) { return static_cast<uint8_t>(cdw11 >> 24); }
}  // namespace ns_management

/// Namespace Attachment (NVMe Base 2.0, 5.22): CDW10 SEL; the data is a controller list.
namespace ns_attachment {
constexpr uint8_t kSelAttach = 0x0, kSelDetach = 0x1;
constexpr uint8_t sel(uint32_t cdw10) { return cdw10 & 0xF; }
}  // namespace ns_attachment

/// Format NVM (NVM Command Set 1.0, 4.2; NVMe Base 2.0, 5.14): CDW10 fields.
namespace format_nvm {
/// LBA format index: LBAFU (13:12) and LBAFL (3:0).
constexpr uint8_t lbaf(uint32_t cdw10) { return static_cast<uint8_t>((cdw10 & 0xF) | ((cdw10 >> 8) & 0x30)); }
constexpr bool mset(uint32_t cdw10) { return (cdw10 >> 4) & 1; }   // metadata as extended LBA
constexpr uint8_t pi(uint32_t cdw10) { return (cdw10 >> 5) & 7; }  // protection information type
constexpr bool pil(uint32_t cdw10) { return (cdw10 >> 8) & 1; }
constexpr uint8_t ses(uint32_t cdw10) { return (cdw10 >> 9) & 7; }  // secure erase settings
constexpr uint8_t kSesNone = 0, kSesUserDataErase = 1, kSesCryptographicErase = 2;
constexpr uint32_t kReservedMask = 0xFFFFC000u;                     // CDW10 31:14
}  // namespace format_nvm

}  // namespace scnvme::spec
