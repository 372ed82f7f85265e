// Malformed commands (NVMe Base 2.0, 4.6.1 status codes; the architecture's rule that host input
// never crashes or aborts the simulation): a seeded stream of garbage SQEs on the admin and I/O
// queues, with data pointers outside host memory, misaligned, or into memory full of random
// PRP-list / SGL garbage. Every command completes with some status, no SC_ERROR/SC_FATAL is
// reported, the controller stays ready, and no DMA write lands outside the scratch area or the
// completion queues. Pointers into unmapped memory give Data Transfer Error (deterministic case).
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>

#include "integration/nvm_host.h"

using namespace scnvme;
using namespace scnvme::test;
using namespace scnvme::test::nvm;
namespace reg = spec::reg;

namespace {

constexpr uint64_t kMemSize = 16ull << 20;       // the bench's host memory
constexpr uint64_t kScratch = 8ull << 20;        // [8 MiB, 16 MiB): garbage the controller may use
constexpr uint64_t kScratchEnd = kMemSize;
constexpr uint64_t kLowUnused = 0x10000;         // [0, 64 KiB): never allocated by the bench
constexpr uint64_t kUnmapped = 64ull << 20;      // beyond host memory

ControllerConfig garbage_config() {
  ControllerConfig cfg;
  NamespaceConfig md{2, 1 << 20};
  md.lba_formats = {LbaFormat{512, 8}};
  NamespaceConfig ext{3, 4 << 20};
  ext.lba_formats = {LbaFormat{4096, 16}};
  ext.extended_lba = true;
  cfg.namespaces = {NamespaceConfig{1, 8 << 20, 512}, md, ext};
  cfg.seed = 7;
  // This host does not keep shadow doorbells: a garbage Doorbell Buffer Config would hand the
  // controller buffers of the host's own (it then writes EventIdx there, as it should).
  cfg.doorbell_buffer_config = false;
  return cfg;
}

/// Random values with a safety property: read as a qword at any 4-byte aligned offset of the
/// scratch area, a value is either inside the scratch area or outside host memory (every qword is
/// >= 8 MiB and has a non-zero low dword), so whatever list the controller walks there, its
/// writes stay in scratch memory or fail.
class Garbage {
 public:
  explicit Garbage(uint64_t seed) : rng_(seed) {}

  uint64_t u64() { return rng_(); }
  uint32_t u32() { return static_cast<uint32_t>(rng_()); }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(rng_() % n); }
  bool chance(unsigned percent) { return below(100) < percent; }

  /// A scratch address, dword aligned (sometimes page or qword aligned).
  uint64_t scratch_address() {
    const uint64_t a = kScratch + (rng_() % (kScratchEnd - kScratch - 8));
    switch (below(3)) {
      case 0: return a & ~4095ull;
      case 1: return a & ~7ull;
      default: return a & ~3ull;
    }
  }
  uint64_t unmapped_address() {
    switch (below(4)) {
      case 0: return kMemSize + (rng_() % (1ull << 30));  // just past host memory
      case 1: return ~0ull - (rng_() % 65536);             // wraps the address space
      case 2: return rng_() | (1ull << 63);
      default: return kUnmapped + (rng_() % 4096) * 4096;
    }
  }
  /// A qword to store in scratch memory (see the class comment).
  uint64_t qword() {
    switch (below(5)) {
      case 0:
      case 1: return scratch_address();
      case 2: return unmapped_address() | 1;  // odd: never a zero low dword
      default: {  // an SGL descriptor's second qword: length, reserved, identifier
        const uint8_t type = chance(80) ? static_cast<uint8_t>(below(4)) : static_cast<uint8_t>(below(16));
        const uint8_t sub = chance(85) ? 0 : static_cast<uint8_t>(below(16));
        uint64_t len = 1 + below(chance(50) ? 64 * 1024 : 512);
        if (chance(20)) len = 16 * (1 + below(8));  // a plausible segment length
        uint64_t v = len | static_cast<uint64_t>((type << 4) | sub) << 56;
        if (type == 0 && sub == 0) v |= 1ull << 32;  // a reserved byte keeps it off low memory
        return v;
      }
    }
  }
  /// An SQE pointer (PRP1/PRP2/MPTR): scratch, unmapped, or misaligned-but-unmapped.
  uint64_t pointer() {
    switch (below(10)) {
      case 0: case 1: case 2: case 3: case 4: return scratch_address();
      case 5: return scratch_address() + 1 + below(3);  // misaligned: PRP Offset Invalid
      case 6: return unmapped_address() + below(4);
      default: return unmapped_address() & ~3ull;
    }
  }
  void fill(HostMemory& mem, uint64_t begin, uint64_t end) {
    begin &= ~7ull;
    for (uint64_t a = begin; a < end && a + 8 <= kScratchEnd; a += 8) spec::put_le64(mem.at(a), qword());
  }

 private:
  std::mt19937_64 rng_;
};

/// A random SQE for an admin (`admin`) or I/O queue.
spec::Sqe garbage_sqe(Garbage& g, bool admin) {
  spec::Sqe s;
  for (unsigned i = 0; i < 16; ++i) s.set_dw(i, g.u32());
  if (admin) {
    static const uint8_t known[] = {0x01, 0x02, 0x05, 0x06, 0x08, 0x09, 0x0A, 0x10, 0x11, 0x14, 0x18, 0x80, 0x84};
    uint8_t opcode = g.chance(70) ? known[g.below(sizeof known)] : static_cast<uint8_t>(g.u32());
    // Delete I/O SQ/CQ would legitimately remove the test's queues; an Asynchronous Event Request
    // legitimately stays outstanding.
    while (opcode == 0x00 || opcode == 0x04 || opcode == 0x0C) opcode = static_cast<uint8_t>(g.u32());
    s.set_opcode(opcode);
    if (g.chance(60)) s.set_dw(10, g.u32() & (g.chance(50) ? 0xFF : 0xFFFF00FF));  // small CNS / FID / LID
  } else {
    static const uint8_t known[] = {0x00, 0x01, 0x02, 0x04, 0x05, 0x08, 0x09, 0x0C};
    s.set_opcode(g.chance(80) ? known[g.below(sizeof known)] : static_cast<uint8_t>(g.u32()));
    static const uint32_t nsids[] = {1, 2, 3, 1, 2, 3, 0, 4, 0xFFFFFFFF};
    s.set_nsid(g.chance(90) ? nsids[g.below(sizeof nsids / sizeof nsids[0])] : g.u32());
    if (g.chance(80)) {  // an LBA range that mostly exists
      s.set_dw(10, g.below(2048));
      s.set_dw(11, g.chance(95) ? 0 : g.u32());
      uint32_t cdw12 = g.below(g.chance(70) ? 16 : 300);
      if (g.chance(20)) cdw12 |= g.u32() & 0xFFFF0000u;
      else if (g.chance(20)) cdw12 |= g.chance(50) ? kFua : kDeac;
      s.set_dw(12, cdw12);
    }
  }
  // CDW0 byte 1: FUSE, reserved bits, PSDT: mostly zero.
  s.raw[1] = g.chance(70) ? 0 : g.chance(50) ? static_cast<uint8_t>(g.below(4) << 6) : static_cast<uint8_t>(g.u32());
  s.set_mptr(g.pointer());
  s.set_prp1(g.pointer());
  // PRP2 / the second half of SGL Entry 1: a pointer, or an SGL descriptor's length/identifier.
  s.set_prp2(g.chance(70) ? g.pointer() : g.qword());
  return s;
}

struct Region {
  uint64_t begin, end;
  bool contains(uint64_t a, uint64_t len) const { return a >= begin && a + len <= end; }
};

/// Checks and resets the accesses recorded since the last call: every write must land in
/// scratch memory, the unused low memory, a completion queue, or fail (outside host memory).
/// Scratch bytes the controller wrote are refilled with garbage.
void check_writes(Bench& h, Garbage& g, const std::vector<Region>& cqs) {
  for (const auto& a : h.mem.accesses) {
    if (a.command != tlm::TLM_WRITE_COMMAND) continue;
    const uint64_t end = a.address + a.length;
    if (end > kMemSize || end < a.address) continue;  // failed: outside host memory
    if (a.address >= kScratch) {
      g.fill(h.mem, a.address, end);
      continue;
    }
    bool ok = end <= kLowUnused;
    for (const auto& r : cqs) ok = ok || r.contains(a.address, a.length);
    EXPECT_TRUE(ok) << "DMA write of " << a.length << " bytes at 0x" << std::hex << a.address
                    << " outside scratch memory and the completion queues";
  }
  h.mem.accesses.clear();
}

}  // namespace

TEST(Malformed, RandomGarbageCommandsAllCompleteAndTheControllerStaysReady) {
  Bench b("bench", garbage_config());
  b.run([](Bench& h) {
    bring_up(h, 64);
    Garbage g(0x5EED5EEDull);
    g.fill(h.mem, kScratch, kScratchEnd);
    const std::vector<Region> cqs = {{h.cqs.at(0).base, h.cqs.at(0).base + 16ull * h.cqs.at(0).size},
                                     {h.cqs.at(1).base, h.cqs.at(1).base + 16ull * h.cqs.at(1).size}};
    ASSERT_LT(h.alloc(0), kScratch) << "bench allocations must stay below the scratch area";
    h.mem.accesses.clear();
    const auto errors_before = sc_core::sc_report_handler::get_count(sc_core::SC_ERROR);

    // Sequential phase: one command at a time, so scratch memory is refreshed between commands.
    constexpr int kCommands = 3000;
    std::map<uint8_t, std::set<uint16_t>> statuses_seen;  // by queue kind: admin 0, I/O 1
    for (int i = 0; i < kCommands; ++i) {
      const bool admin = g.chance(30);
      const uint16_t qid = admin ? 0 : 1;
      const spec::Sqe s = garbage_sqe(g, admin);
      const uint16_t cid = h.submit(qid, s);
      const spec::Cqe c = h.wait_cqe(qid, sc_core::sc_time(5, sc_core::SC_MS));
      ASSERT_EQ(c.cid(), cid) << "command " << i << " opcode " << int(s.opcode()) << " on SQ " << qid;
      ASSERT_EQ(c.sq_id(), qid);
      statuses_seen[admin ? 0 : 1].insert(c.status().field() & 0x7FF);
      check_writes(h, g, cqs);
      if (::testing::Test::HasFatalFailure()) return;
      if (i % 500 == 499) {
        const uint32_t csts = h.rd32(reg::kCsts);
        ASSERT_EQ(csts & reg::csts::kCfs, 0u) << "after command " << i;
        ASSERT_EQ(csts & reg::csts::kRdy, reg::csts::kRdy);
        h.mem.accesses.clear();
      }
    }
    EXPECT_GT(statuses_seen[0].size(), 3u) << "the admin garbage reached several different checks";
    EXPECT_GT(statuses_seen[1].size(), 5u) << "the I/O garbage reached several different checks";
    EXPECT_TRUE(statuses_seen[1].count(0)) << "some garbage I/O commands were valid";

    // Concurrent phase: batches of commands in flight together, every pointer outside host memory.
    std::map<uint16_t, int> outstanding;
    for (int batch = 0; batch < 40; ++batch) {
      for (int k = 0; k < 24; ++k) {
        spec::Sqe s = garbage_sqe(g, false);
        s.set_prp1(g.unmapped_address() & ~3ull);
        s.set_prp2(g.unmapped_address() & ~7ull);
        s.set_mptr(g.unmapped_address() & ~7ull);
        const uint16_t cid = h.submit(1, s, -1, /*ring=*/k == 23);
        outstanding[cid]++;
      }
      for (int k = 0; k < 24; ++k) {
        const spec::Cqe c = h.wait_cqe(1, sc_core::sc_time(5, sc_core::SC_MS));
        ASSERT_EQ(outstanding.count(c.cid()), 1u) << "unexpected CID " << c.cid();
        if (--outstanding[c.cid()] == 0) outstanding.erase(c.cid());
      }
      check_writes(h, g, cqs);
      ASSERT_TRUE(outstanding.empty());
    }

    EXPECT_EQ(sc_core::sc_report_handler::get_count(sc_core::SC_ERROR), errors_before);
    EXPECT_EQ(sc_core::sc_report_handler::get_count(sc_core::SC_FATAL), 0);
    const uint32_t csts = h.rd32(reg::kCsts);
    EXPECT_EQ(csts & reg::csts::kCfs, 0u);
    EXPECT_EQ(csts & reg::csts::kRdy, reg::csts::kRdy);

    // Still a working controller: Identify and a write/read round trip.
    EXPECT_EQ(ascii(identify_ctrl(h), ic::kMn, 6), "scnvme");
    DataBuffer buf(h, 8192);
    const auto d = pattern(8192, 99);
    EXPECT_STATUS(write_blocks(h, buf, 1, 4000, 16, d), st::kSuccess);
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 1, 4000, 16, d.size(), out), st::kSuccess);
    EXPECT_EQ(out, d);
    wait_us(10);  // the last CQE's write has returned to the controller
    EXPECT_EQ(h.nvme.stats().commands_fetched, h.nvme.stats().commands_completed);
    if (std::getenv("SCNVME_MALFORMED_STATS")) {
      for (const auto& [kind, set] : statuses_seen)
        for (uint16_t f : set) std::printf("%s SCT %d SC 0x%02x\n", kind ? "io" : "admin", f >> 8, f & 0xFF);
    }
  });
}

TEST(Malformed, PointersIntoUnmappedHostMemoryGiveDataTransferError) {
  Bench b("bench", garbage_config());
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 64 * 1024);
    buf.fill(0x42);
    const uint64_t gone = kUnmapped;  // page aligned, beyond host memory
    auto dte = [&](const char* what, spec::Sqe s, uint16_t qid = 1) {
      SCOPED_TRACE(what);
      const spec::Cqe c = qid == 0 ? h.admin(s) : io(h, s);
      EXPECT_STATUS(c, st::kDataTransferError);
      EXPECT_FALSE(c.status().dnr) << "Data Transfer Error may be retried";
    };
    for (uint8_t opcode : {io_op::kRead, io_op::kWrite, io_op::kCompare}) {
      SCOPED_TRACE("opcode " + std::to_string(opcode));
      spec::Sqe s = lba_sqe(opcode, 1, 0, 1);
      s.set_prp1(gone);
      dte("PRP1 unmapped", s);
      s = lba_sqe(opcode, 1, 0, 16);  // 8 KiB: PRP1 + PRP2 data page
      s.set_prp1(buf.addr());
      s.set_prp2(gone);
      dte("PRP2 page unmapped", s);
      s = lba_sqe(opcode, 1, 0, 64);  // 32 KiB: PRP2 is a list
      s.set_prp1(buf.addr());
      s.set_prp2(gone);
      dte("PRP list unmapped", s);
      const uint64_t list = h.alloc(4096);
      for (int i = 0; i < 7; ++i) spec::put_le64(h.mem.at(list + 8 * i), i == 5 ? gone : buf.addr() + 4096 * (i + 1));
      s.set_prp2(list);
      dte("a PRP list entry unmapped", s);
      // SGL: a Data Block descriptor in SGL Entry 1, then a Last Segment descriptor, unmapped.
      s = lba_sqe(opcode, 1, 0, 1);
      s.set_psdt(spec::kPsdtSglContiguousMeta);
      s.set_prp1(gone);
      s.set_prp2(512);  // length 512, Data Block, sub type Address
      dte("SGL data block unmapped", s);
      s.set_prp2(16ull | (0x30ull << 56));  // Last Segment of one descriptor
      dte("SGL segment unmapped", s);
      // Host memory that answers with an error (inside the mapped range).
      s = lba_sqe(opcode, 1, 0, 8);
      s.set_prp1(buf.addr());
      h.mem.fail_range(buf.addr() + 1024, buf.addr() + 2048);
      dte("failing host memory", s);
      h.mem.fail_range(1, 0);
    }
    EXPECT_EQ(nuse(h, 1), 0u) << "writes whose data could not be fetched store nothing";
    // Separate metadata behind an unmapped MPTR (namespace 2: 512 + 8).
    spec::Sqe s = buf.with_prps(lba_sqe(io_op::kWrite, 2, 0, 1), 512);
    s.set_mptr(gone);
    dte("MPTR unmapped", s);
    s = buf.with_prps(lba_sqe(io_op::kRead, 2, 0, 1), 512);
    s.set_mptr(gone + 4);
    dte("MPTR unmapped (read)", s);
    // Dataset Management range list.
    s = make_sqe(io_op::kDatasetManagement, 0, 1u << 2, 1);
    s.set_prp1(gone);
    dte("DSM range list unmapped", s);
    // Admin commands.
    dte("Identify to unmapped memory", with_prp1(make_sqe(spec::admin_opcode::kIdentify, spec::cns::kController), gone), 0);
    dte("Get Log Page to unmapped memory", with_prp1(get_log_sqe(spec::log::kSmartHealth, 512, 0, kBroadcast), gone), 0);
    // The controller is fine afterwards.
    EXPECT_EQ(h.rd32(reg::kCsts) & reg::csts::kCfs, 0u);
    const auto d = pattern(4096, 3);
    EXPECT_STATUS(write_blocks(h, buf, 1, 0, 8, d), st::kSuccess);
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 1, 0, 8, d.size(), out), st::kSuccess);
    EXPECT_EQ(out, d);
  });
}
