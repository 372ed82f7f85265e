// NVMe controller registers (NVMe Base Specification 2.0, section 3.1.3): offsets and fields.
#pragma once

#include <cstdint>

#include "scnvme/spec/endian.h"

namespace scnvme::spec::reg {

// Register offsets in BAR0.
constexpr uint32_t kCap = 0x00;     // Controller Capabilities (64-bit)
constexpr uint32_t kVs = 0x08;      // Version
constexpr uint32_t kIntms = 0x0C;   // Interrupt Mask Set
constexpr uint32_t kIntmc = 0x10;   // Interrupt Mask Clear
constexpr uint32_t kCc = 0x14;      // Controller Configuration
constexpr uint32_t kCsts = 0x1C;    // Controller Status
constexpr uint32_t kNssr = 0x20;    // NVM Subsystem Reset
constexpr uint32_t kAqa = 0x24;     // Admin Queue Attributes
constexpr uint32_t kAsq = 0x28;     // Admin Submission Queue Base Address (64-bit)
constexpr uint32_t kAcq = 0x30;     // Admin Completion Queue Base Address (64-bit)
constexpr uint32_t kCmbloc = 0x38;  // Controller Memory Buffer Location
constexpr uint32_t kCmbsz = 0x3C;   // Controller Memory Buffer Size
constexpr uint32_t kBpinfo = 0x40;  // Boot Partition Information
constexpr uint32_t kCrto = 0x68;    // Controller Ready Timeouts
constexpr uint32_t kDoorbellBase = 0x1000;

constexpr uint32_t kVersion20 = 0x00020000;  // VS for NVMe 2.0.0
constexpr uint32_t kNssrReset = 0x4E564D65;  // "NVMe", written to NSSR to reset the subsystem

/// Offset of the doorbell of queue `qid`: SQ y tail at 2y, CQ y head at 2y+1 (stride 4 << DSTRD).
constexpr uint32_t sq_tail_doorbell(uint16_t qid, unsigned dstrd) {
  return kDoorbellBase + (2u * qid) * (4u << dstrd);
}
constexpr uint32_t cq_head_doorbell(uint16_t qid, unsigned dstrd) {
  return kDoorbellBase + (2u * qid + 1u) * (4u << dstrd);
}

// CAP fields.
namespace cap {
constexpr uint64_t mqes(uint64_t v) { return bits(v, 15, 0); }
constexpr uint64_t cqr(uint64_t v) { return bits(v, 16, 16); }
constexpr uint64_t ams(uint64_t v) { return bits(v, 18, 17); }
constexpr uint64_t to(uint64_t v) { return bits(v, 31, 24); }
constexpr uint64_t dstrd(uint64_t v) { return bits(v, 35, 32); }
constexpr uint64_t nssrs(uint64_t v) { return bits(v, 36, 36); }
constexpr uint64_t css(uint64_t v) { return bits(v, 44, 37); }
constexpr uint64_t bps(uint64_t v) { return bits(v, 45, 45); }
constexpr uint64_t cps(uint64_t v) { return bits(v, 47, 46); }
constexpr uint64_t mpsmin(uint64_t v) { return bits(v, 51, 48); }
constexpr uint64_t mpsmax(uint64_t v) { return bits(v, 55, 52); }
constexpr uint64_t pmrs(uint64_t v) { return bits(v, 56, 56); }
constexpr uint64_t cmbs(uint64_t v) { return bits(v, 57, 57); }
constexpr uint64_t nsss(uint64_t v) { return bits(v, 58, 58); }
constexpr uint64_t crwms(uint64_t v) { return bits(v, 59, 59); }
constexpr uint64_t crims(uint64_t v) { return bits(v, 60, 60); }
constexpr uint64_t kCssNvm = 1u << 0;       // CAP.CSS bit 0: NVM Command Set
constexpr uint64_t kCssIoSets = 1u << 6;    // CAP.CSS bit 6: one or more I/O command sets
constexpr uint64_t kCssAdminOnly = 1u << 7; // CAP.CSS bit 7: no I/O command set
constexpr uint64_t kAmsWrr = 1u << 0;       // CAP.AMS bit 0: weighted round robin with urgent
}  // namespace cap

// CC fields.
namespace cc {
constexpr uint32_t kEn = 1u << 0;
constexpr uint32_t css(uint32_t v) { return static_cast<uint32_t>(bits(v, 6, 4)); }
constexpr uint32_t mps(uint32_t v) { return static_cast<uint32_t>(bits(v, 10, 7)); }
constexpr uint32_t ams(uint32_t v) { return static_cast<uint32_t>(bits(v, 13, 11)); }
constexpr uint32_t shn(uint32_t v) { return static_cast<uint32_t>(bits(v, 15, 14)); }
constexpr uint32_t iosqes(uint32_t v) { return static_cast<uint32_t>(bits(v, 19, 16)); }
constexpr uint32_t iocqes(uint32_t v) { return static_cast<uint32_t>(bits(v, 23, 20)); }
constexpr uint32_t kCrime = 1u << 24;
constexpr uint32_t kWritableMask = 0x00FFFFF1u;  // EN, CSS, MPS, AMS, SHN, IOSQES, IOCQES
constexpr uint32_t kShnNone = 0, kShnNormal = 1, kShnAbrupt = 2;
constexpr uint32_t kCssNvm = 0, kCssAllSupported = 6, kCssAdminOnly = 7;
constexpr uint32_t kAmsRoundRobin = 0, kAmsWrr = 1;
}  // namespace cc

// CSTS fields.
namespace csts {
constexpr uint32_t kRdy = 1u << 0;
constexpr uint32_t kCfs = 1u << 1;
constexpr uint32_t shst(uint32_t v) { return static_cast<uint32_t>(bits(v, 3, 2)); }
constexpr uint32_t kShstMask = 3u << 2;
constexpr uint32_t kShstNormal = 0, kShstProcessing = 1, kShstComplete = 2;
constexpr uint32_t kNssro = 1u << 4;
constexpr uint32_t kPp = 1u << 5;
constexpr uint32_t kSt = 1u << 6;
}  // namespace csts

// AQA fields (0-based sizes).
namespace aqa {
constexpr uint32_t asqs(uint32_t v) { return static_cast<uint32_t>(bits(v, 11, 0)); }
constexpr uint32_t acqs(uint32_t v) { return static_cast<uint32_t>(bits(v, 27, 16)); }
constexpr uint32_t kWritableMask = 0x0FFF0FFFu;
}  // namespace aqa

// ASQ/ACQ: bits 11:0 reserved (page aligned base).
constexpr uint64_t kQueueBaseMask = ~0xFFFull;

// CRTO fields, in 500 ms units.
namespace crto {
constexpr uint32_t make(uint16_t crwmt, uint16_t crimt) {
  return static_cast<uint32_t>(crwmt) | (static_cast<uint32_t>(crimt) << 16);
}
constexpr uint32_t crwmt(uint32_t v) { return static_cast<uint32_t>(bits(v, 15, 0)); }
constexpr uint32_t crimt(uint32_t v) { return static_cast<uint32_t>(bits(v, 31, 16)); }
}  // namespace crto

}  // namespace scnvme::spec::reg
