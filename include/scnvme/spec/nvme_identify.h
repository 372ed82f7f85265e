// Identify data structures (NVMe Base 2.0, section 5.17.2; NVM Command Set 1.0, 4.1.5): byte
// offsets of the fields inside the 4096-byte structures, and CNS values.
#pragma once

#include <array>
#include <cstdint>

#include "scnvme/spec/endian.h"

namespace scnvme::spec {

constexpr uint32_t kIdentifySize = 4096;

/// A 4096-byte Identify data structure in wire format.
struct IdentifyData {
  std::array<uint8_t, kIdentifySize> raw{};
  uint8_t u8(uint32_t off) const { return raw[off]; }
  uint16_t u16(uint32_t off) const { return get_le16(raw.data() + off); }
  uint32_t u32(uint32_t off) const { return get_le32(raw.data() + off); }
  uint64_t u64(uint32_t off) const { return get_le64(raw.data() + off); }
};
static_assert(sizeof(IdentifyData) == kIdentifySize, "Identify data is 4096 bytes");

/// CNS values (Identify CDW10 bits 7:0).
namespace cns {
constexpr uint8_t kNamespace = 0x00;
constexpr uint8_t kController = 0x01;
constexpr uint8_t kActiveNamespaceList = 0x02;
constexpr uint8_t kNamespaceDescriptorList = 0x03;
constexpr uint8_t kNvmSetList = 0x04;
constexpr uint8_t kIoCommandSetNamespace = 0x05;
constexpr uint8_t kIoCommandSetController = 0x06;
constexpr uint8_t kIoCommandSetActiveNamespaceList = 0x07;
constexpr uint8_t kIoCommandSetIndependentNamespace = 0x08;
constexpr uint8_t kAllocatedNamespaceList = 0x10;
constexpr uint8_t kAllocatedNamespace = 0x11;
constexpr uint8_t kAttachedControllerList = 0x12;
constexpr uint8_t kControllerList = 0x13;
constexpr uint8_t kIoCommandSetList = 0x1C;
}  // namespace cns

constexpr uint32_t kBroadcastNsid = 0xFFFFFFFF;

/// Identify Controller data structure (CNS 01h) field offsets.
namespace id_ctrl {
constexpr uint32_t kVid = 0, kSsvid = 2, kSn = 4, kMn = 24, kFr = 64, kRab = 72, kIeee = 73;
constexpr uint32_t kCmic = 76, kMdts = 77, kCntlid = 78, kVer = 80, kRtd3r = 84, kRtd3e = 88;
constexpr uint32_t kOaes = 92, kCtratt = 96, kRrls = 100, kCntrltype = 111, kFguid = 112;
constexpr uint32_t kCrdt1 = 128, kCrdt2 = 130, kCrdt3 = 132, kNvmsr = 253, kVwci = 254, kMec = 255;
constexpr uint32_t kOacs = 256, kAcl = 258, kAerl = 259, kFrmw = 260, kLpa = 261, kElpe = 262;
constexpr uint32_t kNpss = 263, kAvscc = 264, kApsta = 265, kWctemp = 266, kCctemp = 268;
constexpr uint32_t kMtfa = 270, kHmpre = 272, kHmmin = 276, kTnvmcap = 280, kUnvmcap = 296;
constexpr uint32_t kRpmbs = 312, kEdstt = 316, kDsto = 318, kFwug = 319, kKas = 320;
constexpr uint32_t kHctma = 322, kMntmt = 324, kMxtmt = 326, kSanicap = 328;
constexpr uint32_t kSqes = 512, kCqes = 513, kMaxcmd = 514, kNn = 516, kOncs = 520;
constexpr uint32_t kFuses = 522, kFna = 524, kVwc = 525, kAwun = 526, kAwupf = 528;
constexpr uint32_t kIcsvscc = 530, kNwpc = 531, kAcwu = 532, kOcfs = 534, kSgls = 536;
constexpr uint32_t kMnan = 540, kSubnqn = 768, kPsd0 = 2048, kVendorSpecific = 3072;
constexpr uint32_t kSnLen = 20, kMnLen = 40, kFrLen = 8, kSubnqnLen = 256, kPsdLen = 32;

// CNTRLTYPE
constexpr uint8_t kIoController = 1;
// OAES bits
constexpr uint32_t kOaesNamespaceAttribute = 1u << 8, kOaesFirmwareActivation = 1u << 9;
// OACS bits
constexpr uint16_t kOacsSecurity = 1u << 0, kOacsFormat = 1u << 1, kOacsFirmware = 1u << 2;
constexpr uint16_t kOacsNsManagement = 1u << 3, kOacsSelfTest = 1u << 4, kOacsDirectives = 1u << 5;
constexpr uint16_t kOacsNvmeMi = 1u << 6, kOacsVirtualization = 1u << 7, kOacsDoorbellBuffer = 1u << 8;
constexpr uint16_t kOacsGetLbaStatus = 1u << 9;
// ONCS bits
constexpr uint16_t kOncsCompare = 1u << 0, kOncsWriteUncorrectable = 1u << 1;
constexpr uint16_t kOncsDatasetManagement = 1u << 2, kOncsWriteZeroes = 1u << 3;
constexpr uint16_t kOncsSaveSelect = 1u << 4, kOncsReservations = 1u << 5, kOncsTimestamp = 1u << 6;
constexpr uint16_t kOncsVerify = 1u << 7, kOncsCopy = 1u << 8;
// LPA bits
constexpr uint8_t kLpaPerNamespaceSmart = 1u << 0, kLpaCommandEffects = 1u << 1;
constexpr uint8_t kLpaExtendedData = 1u << 2, kLpaTelemetry = 1u << 3, kLpaPersistentEvent = 1u << 4;
// FRMW: bit 0 slot 1 read-only, bits 3:1 number of slots, bit 4 activation without reset
constexpr uint8_t frmw(bool slot1_ro, unsigned slots, bool activate_without_reset) {
  return static_cast<uint8_t>((slot1_ro ? 1 : 0) | ((slots & 7) << 1) | (activate_without_reset ? 0x10 : 0));
}
// DSTO bit 0: one device self-test operation in the NVM subsystem at a time.
constexpr uint8_t kDstoOnePerSubsystem = 1u << 0;
// FWUG: 4 KiB units; 0h: no information, FFh: no restriction.
constexpr uint8_t kFwugNoRestriction = 0xFF;
// VWC bit 0: volatile write cache present; bits 2:1 = 10b: broadcast NSID flush not supported
// ... 11b: supported.
constexpr uint8_t kVwcPresent = 1u << 0;
constexpr uint8_t kVwcFlushBroadcastSupported = 3u << 1;
// FNA (Format NVM Attributes): bit 0 format applies to all namespaces, bit 1 secure erase applies
// to all namespaces, bit 2 cryptographic erase supported, bit 3 Format NVM with NSID FFFFFFFFh
// not supported.
constexpr uint8_t kFnaFormatAll = 1u << 0, kFnaSecureEraseAll = 1u << 1, kFnaCryptoErase = 1u << 2;
constexpr uint8_t kFnaNoBroadcast = 1u << 3;
// SGLS: bits 1:0 = 01b SGLs supported with no alignment requirement.
constexpr uint32_t kSglsSupported = 1u << 0;
// Power state descriptor (32 bytes at kPsd0 + 32 x n): MP bits 15:0 (0.01 W, or 0.0001 W with
// MXPS), flags byte (bit 0 MXPS, bit 1 NOPS), ENLAT / EXLAT in microseconds, then the relative
// read/write throughput/latency ranks (bits 4:0 of their bytes).
constexpr uint32_t kPsdMp = 0, kPsdFlags = 3, kPsdEnlat = 4, kPsdExlat = 8;
constexpr uint32_t kPsdRrt = 12, kPsdRrl = 13, kPsdRwt = 14, kPsdRwl = 15;
constexpr uint8_t kPsdMxps = 1u << 0, kPsdNops = 1u << 1;
constexpr uint32_t psd(unsigned n) { return kPsd0 + kPsdLen * n; }
}  // namespace id_ctrl

/// Identify Namespace data structure for the NVM command set (CNS 00h) field offsets.
namespace id_ns {
constexpr uint32_t kNsze = 0, kNcap = 8, kNuse = 16, kNsfeat = 24, kNlbaf = 25, kFlbas = 26;
constexpr uint32_t kMc = 27, kDpc = 28, kDps = 29, kNmic = 30, kRescap = 31, kFpi = 32;
constexpr uint32_t kDlfeat = 33, kNawun = 34, kNawupf = 36, kNacwu = 38, kNabsn = 40, kNabo = 42;
constexpr uint32_t kNabspf = 44, kNoiob = 46, kNvmcap = 48, kNpwg = 64, kNpwa = 66, kNpdg = 68;
constexpr uint32_t kNpda = 70, kNows = 72, kMssrl = 74, kMcl = 76, kMsrc = 80, kNulbaf = 81;
constexpr uint32_t kAnagrpid = 92, kNsattr = 99, kNvmsetid = 100, kEndgid = 102;
constexpr uint32_t kNguid = 104, kEui64 = 120, kLbaf0 = 128, kLbafSize = 4, kMaxLbaFormats = 64;
/// LBA Format descriptor: MS bits 15:0, LBADS bits 23:16 (log2 of data size), RP bits 25:24.
constexpr uint32_t lbaf(uint16_t ms, uint8_t lbads, uint8_t rp) {
  return static_cast<uint32_t>(ms) | (static_cast<uint32_t>(lbads) << 16) |
         (static_cast<uint32_t>(rp & 3) << 24);
}
constexpr uint8_t lbaf_lbads(uint32_t v) { return static_cast<uint8_t>((v >> 16) & 0xFF); }
constexpr uint16_t lbaf_ms(uint32_t v) { return static_cast<uint16_t>(v & 0xFFFF); }
// NMIC bit 0: the namespace may be attached to two or more controllers (shared).
constexpr uint8_t kNmicShared = 1u << 0;
// NSATTR bit 0: write protected.
constexpr uint8_t kNsattrWriteProtected = 1u << 0;
}  // namespace id_ns

/// Namespace Identification Descriptor types (CNS 03h).
namespace ns_desc {
constexpr uint8_t kEui64 = 1, kNguid = 2, kUuid = 3, kCsi = 4;
constexpr uint8_t kEui64Len = 8, kNguidLen = 16, kUuidLen = 16, kCsiLen = 1;
constexpr uint32_t kHeaderLen = 4;  // NIDT, NIDL, 2 reserved bytes
}  // namespace ns_desc

/// Command Set Identifiers.
namespace csi {
constexpr uint8_t kNvm = 0x00;
constexpr uint8_t kKeyValue = 0x01;
constexpr uint8_t kZoned = 0x02;
}  // namespace csi

/// Controller list (Identify CNS 12h/13h, Namespace Attachment data): NUMID (bytes 1:0), then up
/// to 2047 controller identifiers of 2 bytes each.
namespace ctrl_list {
constexpr uint32_t kNumid = 0, kFirstId = 2, kMaxIds = 2047;
}  // namespace ctrl_list

/// Active Namespace ID list (CNS 02h) holds up to 1024 NSIDs.
constexpr uint32_t kNsidListMax = 1024;

}  // namespace scnvme::spec
