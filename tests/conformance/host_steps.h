// Small host-side steps and table runners shared by the admin, interrupt and integration suites:
// raw SQE builders for the cases the Bench helpers do not cover (bad fields on purpose), log page
// reads with a guard band, and a runner for tables of {description, SQE} -> expected status.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "scnvme/spec/nvme_features.h"
#include "scnvme/spec/nvme_identify.h"
#include "scnvme/spec/nvme_log.h"
#include "scnvme/spec/nvme_status.h"
#include "support/bench.h"

namespace scnvme::test {

namespace st = spec::status;
namespace op = spec::admin_opcode;

/// An I/O opcode that no command set defines (so it stays Invalid Command Opcode once the NVM
/// command set arrives).
constexpr uint8_t kUndefinedIoOpcode = 0x7F;
constexpr uint8_t kFill = 0xA5;

/// One admin command and the status the specification requires for it.
struct AdminCase {
  std::string what;
  spec::Sqe sqe;
  spec::Status expected;
};

/// Submits every case on the admin queue, one after the other, and checks each status.
inline void run_admin_cases(Bench& h, const std::vector<AdminCase>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const spec::Cqe cqe = h.admin(c.sqe);
    EXPECT_STATUS(cqe, c.expected);
    EXPECT_EQ(cqe.status().dnr, c.expected.dnr);
    EXPECT_EQ(cqe.status().more, !c.expected.ok()) << "M: details are in the Error Information log";
  }
}

inline spec::Sqe with_prp1(spec::Sqe s, uint64_t prp1) {
  s.set_prp1(prp1);
  return s;
}

/// Create I/O CQ with every field explicit (entries is 1-based, as the host thinks of it).
inline spec::Sqe create_cq_sqe(Bench& h, uint16_t qid, uint32_t entries, uint16_t iv, bool pc = true, bool ien = true,
                               uint64_t offset = 0) {
  const uint64_t base = h.alloc(std::max<uint64_t>(entries, 1) * 16ull) + offset;
  return with_prp1(make_sqe(op::kCreateIoCq, ((entries - 1) & 0xFFFF) << 16 | qid,
                            static_cast<uint32_t>(iv) << 16 | (ien ? 2u : 0u) | (pc ? 1u : 0u)),
                   base);
}

inline spec::Sqe create_sq_sqe(Bench& h, uint16_t qid, uint32_t entries, uint16_t cqid, bool pc = true,
                               uint64_t offset = 0) {
  const uint64_t base = h.alloc(std::max<uint64_t>(entries, 1) * 64ull) + offset;
  return with_prp1(make_sqe(op::kCreateIoSq, ((entries - 1) & 0xFFFF) << 16 | qid,
                            static_cast<uint32_t>(cqid) << 16 | (pc ? 1u : 0u)),
                   base);
}

inline spec::Sqe delete_sqe(uint8_t opcode, uint16_t qid) { return make_sqe(opcode, qid); }

inline spec::Sqe abort_sqe(uint16_t sqid, uint16_t cid) {
  return make_sqe(op::kAbort, static_cast<uint32_t>(cid) << 16 | sqid);
}

/// Get Log Page of `len` bytes (a multiple of 4) at byte `offset`.
inline spec::Sqe get_log_sqe(uint8_t lid, uint32_t len, uint64_t offset = 0, uint32_t nsid = 0) {
  const uint32_t numd = len / 4 - 1;
  spec::Sqe s = make_sqe(op::kGetLogPage, (numd & 0xFFFF) << 16 | lid, numd >> 16, nsid);
  s.set_dw(12, static_cast<uint32_t>(offset));
  s.set_dw(13, static_cast<uint32_t>(offset >> 32));
  return s;
}

/// A log page read into a buffer pre-filled with 0xA5 that extends `guard` bytes past `len`.
struct LogRead {
  spec::Cqe cqe;
  std::vector<uint8_t> bytes;  // len + guard bytes, as found in host memory afterwards
};

inline LogRead read_log(Bench& h, uint8_t lid, uint32_t len, uint64_t offset = 0, uint32_t nsid = 0,
                        uint32_t guard = 64) {
  const uint64_t buf = h.alloc(len + guard);
  std::memset(h.mem.at(buf), kFill, len + guard);
  LogRead r;
  spec::Sqe s = get_log_sqe(lid, len, offset, nsid);
  s.set_prp1(buf);
  if (len > 4096 - (buf & 4095)) s.set_prp2((buf + 4096) & ~4095ull);
  r.cqe = h.admin(s);
  r.bytes.assign(h.mem.at(buf), h.mem.at(buf) + len + guard);
  return r;
}

/// The NSIDs a Changed Namespace List read returns (RAE set with `retain`: the list is kept).
inline std::vector<uint32_t> changed_namespace_list(Bench& h, bool retain = false) {
  spec::Sqe s = get_log_sqe(spec::log::kChangedNamespaceList, 4096);
  if (retain) s.set_dw(10, s.cdw10() | (1u << 15));
  const uint64_t buf = h.alloc(4096);
  s.set_prp1(buf);
  EXPECT_STATUS(h.admin(s), spec::status::kSuccess);
  std::vector<uint32_t> ids;
  for (uint64_t i = 0; i < 1024 && spec::get_le32(h.mem.at(buf + 4 * i)); ++i) ids.push_back(spec::get_le32(h.mem.at(buf + 4 * i)));
  return ids;
}

/// Writes the CQ head doorbell with the host's current head (after wait_cqe(..., ring = false)).
inline void ring_cq(Bench& h, uint16_t cqid) {
  h.wr32(spec::reg::cq_head_doorbell(cqid, h.nvme.config().doorbell_stride), h.cqs.at(cqid).index);
}

/// Offset of a PCI capability, 0 when absent.
inline uint32_t find_capability(Bench& h, uint8_t id) {
  uint32_t ptr = h.cfg_read(spec::pci::kCapabilitiesPtr, 1);
  while (ptr && h.cfg_read(ptr, 1) != id) ptr = h.cfg_read(ptr + 1, 1);
  return ptr;
}

inline bool all_bytes(const uint8_t* p, std::size_t n, uint8_t v) {
  for (std::size_t i = 0; i < n; ++i)
    if (p[i] != v) return false;
  return true;
}

inline std::string ascii(const std::vector<uint8_t>& d, uint32_t off, uint32_t len) {
  return std::string(reinterpret_cast<const char*>(&d[off]), len);
}

inline void wait_us(double us) { sc_core::wait(sc_core::sc_time(us, sc_core::SC_US)); }

}  // namespace scnvme::test
