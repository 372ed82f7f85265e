// Host-side helpers for the NVM command set suites (nvm_*_test.cpp, durability_test.cpp,
// malformed_commands_test.cpp): I/O SQE builders, one reusable PRP-described data buffer per
// test, block read/write helpers and Identify Namespace / SMART / Error log readers.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "conformance/host_steps.h"
#include "scnvme/spec/nvme_identify.h"
#include "scnvme/spec/nvme_log.h"
#include "scnvme/spec/nvme_status.h"
#include "support/bench.h"

namespace scnvme::test::nvm {

namespace io_op = spec::nvm_opcode;
namespace in = spec::id_ns;
namespace ic = spec::id_ctrl;

constexpr uint32_t kFua = 1u << 30;
constexpr uint32_t kDeac = 1u << 25;
constexpr uint32_t kBroadcast = 0xFFFFFFFFu;

/// An LBA command: SLBA in CDW10/11, NLB (1-based here) in CDW12 15:0, `cdw12` adds flags.
inline spec::Sqe lba_sqe(uint8_t opcode, uint32_t nsid, uint64_t slba, uint32_t nlb, uint32_t cdw12 = 0) {
  spec::Sqe s = make_sqe(opcode, static_cast<uint32_t>(slba), static_cast<uint32_t>(slba >> 32), nsid);
  s.set_dw(12, ((nlb - 1) & 0xFFFF) | cdw12);
  return s;
}

/// Queue 1 (CQ 1 + SQ 1) after PCI setup and enable.
inline void bring_up(Bench& h, uint32_t entries = 64) {
  h.pci_setup();
  ASSERT_TRUE(h.enable());
  ASSERT_TRUE(h.create_cq(1, entries, 1).status().ok());
  ASSERT_TRUE(h.create_sq(1, entries, 1).status().ok());
}

/// Submits on SQ `qid` (its CQ has the same id) and waits for the completion.
inline spec::Cqe io(Bench& h, const spec::Sqe& s, uint16_t qid = 1,
                    sc_core::sc_time timeout = sc_core::sc_time(10, sc_core::SC_MS)) {
  const uint16_t cid = h.submit(qid, s);
  spec::Cqe c = h.wait_cqe(qid, timeout);
  EXPECT_EQ(c.cid(), cid);
  return c;
}

/// One page-aligned host buffer with a prebuilt PRP list covering all of it, reused by a test's
/// commands (host memory is a bump allocator).
class DataBuffer {
 public:
  DataBuffer(Bench& h, uint64_t bytes) : h_(h), bytes_(bytes) {
    addr_ = h.alloc(bytes, 4096);
    const uint64_t pages = (bytes + 4095) / 4096;
    list_ = h.alloc(std::max<uint64_t>(8 * pages, 8), 4096);
    for (uint64_t i = 1; i < pages; ++i) spec::put_le64(h.mem.at(list_ + 8 * (i - 1)), addr_ + 4096 * i);
  }
  uint64_t addr() const { return addr_; }
  uint8_t* ptr() { return h_.mem.at(addr_); }
  /// PRP1/PRP2 for a transfer of `len` bytes from the buffer's start.
  spec::Sqe with_prps(spec::Sqe s, uint64_t len) const {
    s.set_prp1(addr_);
    s.set_prp2(len <= 4096 ? 0 : len <= 8192 ? addr_ + 4096 : list_);
    return s;
  }
  void fill(uint8_t v) { std::memset(ptr(), v, bytes_); }
  void put(const std::vector<uint8_t>& d) { std::memcpy(ptr(), d.data(), d.size()); }
  std::vector<uint8_t> get(uint64_t len) { return std::vector<uint8_t>(ptr(), ptr() + len); }

 private:
  Bench& h_;
  uint64_t bytes_;
  uint64_t addr_;
  uint64_t list_;
};

/// Bytes that differ per block and per seed.
inline std::vector<uint8_t> pattern(uint64_t len, uint32_t seed) {
  std::vector<uint8_t> v(len);
  uint32_t x = seed * 2654435761u + 12345;
  for (auto& b : v) {
    x = x * 1103515245u + 12345u;
    b = static_cast<uint8_t>(x >> 16);
  }
  return v;
}

/// Write `data` (whatever its host layout: data only, or extended LBA) to `nlb` blocks at `slba`.
inline spec::Cqe write_blocks(Bench& h, DataBuffer& buf, uint32_t nsid, uint64_t slba, uint32_t nlb,
                              const std::vector<uint8_t>& data, uint32_t cdw12 = 0, uint64_t mptr = 0) {
  buf.put(data);
  spec::Sqe s = buf.with_prps(lba_sqe(io_op::kWrite, nsid, slba, nlb, cdw12), data.size());
  s.set_mptr(mptr);
  return io(h, s);
}

/// Read `len` host bytes of `nlb` blocks at `slba` into `out`; the buffer is prefilled with 0xA5.
inline spec::Cqe read_blocks(Bench& h, DataBuffer& buf, uint32_t nsid, uint64_t slba, uint32_t nlb, uint64_t len,
                             std::vector<uint8_t>& out, uint32_t cdw12 = 0, uint64_t mptr = 0) {
  buf.fill(0xA5);
  spec::Sqe s = buf.with_prps(lba_sqe(io_op::kRead, nsid, slba, nlb, cdw12), len);
  s.set_mptr(mptr);
  spec::Cqe c = io(h, s);
  out = buf.get(len);
  return c;
}

inline std::vector<uint8_t> identify_ns(Bench& h, uint32_t nsid) {
  std::vector<uint8_t> d;
  EXPECT_STATUS(h.identify(spec::cns::kNamespace, nsid, d), st::kSuccess);
  return d;
}

inline uint64_t nuse(Bench& h, uint32_t nsid) { return spec::get_le64(identify_ns(h, nsid).data() + in::kNuse); }

inline std::vector<uint8_t> identify_ctrl(Bench& h) {
  std::vector<uint8_t> d;
  EXPECT_STATUS(h.identify(spec::cns::kController, 0, d), st::kSuccess);
  return d;
}

inline std::vector<uint8_t> smart_log(Bench& h) {
  LogRead r = read_log(h, spec::log::kSmartHealth, spec::log::smart::kSize, 0, kBroadcast, 0);
  EXPECT_STATUS(r.cqe, st::kSuccess);
  return r.bytes;
}

inline uint64_t smart_value(const std::vector<uint8_t>& page, uint32_t off) { return spec::get_le64(page.data() + off); }

/// The newest Error Information log entry (64 bytes).
inline std::vector<uint8_t> newest_error(Bench& h) {
  LogRead r = read_log(h, spec::log::kErrorInformation, spec::log::error_entry::kSize, 0, 0, 0);
  EXPECT_STATUS(r.cqe, st::kSuccess);
  return r.bytes;
}

inline bool all_zero(const std::vector<uint8_t>& v, std::size_t from = 0, std::size_t len = SIZE_MAX) {
  const std::size_t end = len == SIZE_MAX ? v.size() : from + len;
  for (std::size_t i = from; i < end; ++i)
    if (v[i]) return false;
  return true;
}

inline std::vector<uint8_t> slice(const std::vector<uint8_t>& v, std::size_t from, std::size_t len) {
  return std::vector<uint8_t>(v.begin() + static_cast<std::ptrdiff_t>(from),
                              v.begin() + static_cast<std::ptrdiff_t>(from + len));
}

/// A DSM range list of `ranges` (slba, nlb) at `list`, with the context attributes word zero.
inline void put_ranges(Bench& h, uint64_t list, const std::vector<std::pair<uint64_t, uint32_t>>& ranges) {
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    uint8_t* e = h.mem.at(list + 16 * i);
    spec::put_le32(e, 0);
    spec::put_le32(e + 4, ranges[i].second);
    spec::put_le64(e + 8, ranges[i].first);
  }
}

inline spec::Sqe dsm_sqe(uint32_t nsid, uint32_t nr, uint32_t attributes, uint64_t list) {
  spec::Sqe s = make_sqe(io_op::kDatasetManagement, (nr - 1) & 0xFF, attributes, nsid);
  s.set_prp1(list);
  s.set_prp2((list & ~4095ull) + 4096);  // used when the list crosses a page
  return s;
}
constexpr uint32_t kAttrDeallocate = 1u << 2;

/// Two namespaces: NSID 1 with 512-byte blocks (16 MiB), NSID 2 with 4 KiB blocks (64 MiB).
inline ControllerConfig two_formats() {
  ControllerConfig cfg;
  cfg.namespaces = {NamespaceConfig{1, 16ull << 20, 512}, NamespaceConfig{2, 64ull << 20, 4096}};
  return cfg;
}

}  // namespace scnvme::test::nvm
