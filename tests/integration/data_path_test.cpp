// Data moving through the controller: NVM Write then Read with PRP1/PRP2 and PRP lists return
// the bytes written; LBA range, namespace and MDTS checks; SMART data units follow the traffic.
#include <cstring>
#include <numeric>

#include "scnvme/spec/nvme_log.h"
#include "scnvme/spec/nvme_status.h"
#include "support/bench.h"

using namespace scnvme;
using namespace scnvme::test;
namespace st = scnvme::spec::status;
namespace nvm = scnvme::spec::nvm_opcode;

namespace {
spec::Sqe rw(uint8_t opcode, uint32_t nsid, uint64_t slba, uint32_t nlb, uint64_t prp1, uint64_t prp2 = 0) {
  spec::Sqe s = make_sqe(opcode, static_cast<uint32_t>(slba), static_cast<uint32_t>(slba >> 32), nsid);
  s.set_dw(12, (nlb - 1) & 0xFFFF);
  s.set_prp1(prp1);
  s.set_prp2(prp2);
  return s;
}

spec::Cqe io(Bench& h, const spec::Sqe& s) {
  h.submit(1, s);
  return h.wait_cqe(1);
}

void bring_up(Bench& h) {
  h.pci_setup();
  ASSERT_TRUE(h.enable());
  ASSERT_TRUE(h.create_cq(1, 16, 1).status().ok());
  ASSERT_TRUE(h.create_sq(1, 16, 1).status().ok());
}
}  // namespace

TEST(DataPath, WriteThenReadWithPrpListReturnsTheBytes) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    // 64 KiB (128 blocks): PRP1 at an offset, the rest through a PRP list of scattered pages.
    constexpr uint32_t kBytes = 64 * 1024;
    const uint64_t first = h.alloc(4096) + 512;
    std::vector<uint64_t> pages;
    for (int i = 0; i < 17; ++i) pages.push_back(h.alloc(4096 * 2) + 4096);  // non-contiguous
    const uint64_t list = h.alloc(4096);
    for (std::size_t i = 0; i < pages.size(); ++i) spec::put_le64(h.mem.at(list + 8 * i), pages[i]);
    std::vector<uint8_t> pattern(kBytes);
    for (uint32_t i = 0; i < kBytes; ++i) pattern[i] = static_cast<uint8_t>(i * 7 + (i >> 9));
    // Scatter the pattern into the host buffers.
    uint32_t off = 0;
    h.mem.write(first, pattern.data(), 4096 - 512);
    off += 4096 - 512;
    for (std::size_t i = 0; off < kBytes; ++i) {
      const uint32_t n = std::min<uint32_t>(4096, kBytes - off);
      h.mem.write(pages[i], pattern.data() + off, n);
      off += n;
    }
    EXPECT_STATUS(io(h, rw(nvm::kWrite, 1, 1000, kBytes / 512, first, list)), st::kSuccess);
    // Read it back into one contiguous buffer (PRP2 as the second page, then a list).
    const uint64_t dst = h.alloc(kBytes);
    const uint64_t dst_list = h.alloc(4096);
    for (uint32_t i = 1; i < kBytes / 4096; ++i) spec::put_le64(h.mem.at(dst_list + 8 * (i - 1)), dst + 4096ull * i);
    EXPECT_STATUS(io(h, rw(nvm::kRead, 1, 1000, kBytes / 512, dst, dst_list)), st::kSuccess);
    EXPECT_EQ(0, std::memcmp(h.mem.at(dst), pattern.data(), kBytes));
    // Two blocks with PRP2 as a plain second page.
    const uint64_t two = h.alloc(8192) + 3584;
    EXPECT_STATUS(io(h, rw(nvm::kRead, 1, 1000, 2, two, (two + 4096) & ~4095ull)), st::kSuccess);
    EXPECT_EQ(0, std::memcmp(h.mem.at(two), pattern.data(), 1024));
    // Never-written blocks read as zeroes.
    EXPECT_STATUS(io(h, rw(nvm::kRead, 1, 5, 1, dst)), st::kSuccess);
    EXPECT_EQ(std::vector<uint8_t>(512, 0), std::vector<uint8_t>(h.mem.at(dst), h.mem.at(dst) + 512));
    EXPECT_STATUS(io(h, make_sqe(nvm::kFlush, 0, 0, 1)), st::kSuccess);
    EXPECT_STATUS(io(h, make_sqe(nvm::kFlush, 0, 0, 0xFFFFFFFF)), st::kSuccess);
  });
}

TEST(DataPath, RangeNamespaceAndTransferSizeErrors) {
  ControllerConfig cfg;
  cfg.namespaces = {NamespaceConfig{1, 1 << 20, 512}};  // 2048 blocks
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    const uint64_t buf = h.alloc(256 * 1024);
    EXPECT_STATUS(io(h, rw(nvm::kRead, 1, 2047, 1, buf)), st::kSuccess);
    EXPECT_STATUS(io(h, rw(nvm::kRead, 1, 2047, 2, buf, buf + 4096)), st::kLbaOutOfRange);
    EXPECT_STATUS(io(h, rw(nvm::kWrite, 1, 2048, 1, buf)), st::kLbaOutOfRange);
    EXPECT_STATUS(io(h, rw(nvm::kRead, 1, ~0ull, 2, buf, buf + 4096)), st::kLbaOutOfRange);  // SLBA + NLB overflows
    EXPECT_STATUS(io(h, rw(nvm::kRead, 2, 0, 1, buf)), st::kInvalidNamespaceOrFormat);
    EXPECT_STATUS(io(h, rw(nvm::kRead, 0, 0, 1, buf)), st::kInvalidNamespaceOrFormat);
    // MDTS 5 with 4 KiB pages: 128 KiB; 256 blocks of 512 B = 128 KiB is fine, 257 is not.
    const uint64_t list = h.alloc(4096);
    for (int i = 1; i < 64; ++i) spec::put_le64(h.mem.at(list + 8 * (i - 1)), buf + 4096ull * i);
    EXPECT_STATUS(io(h, rw(nvm::kRead, 1, 0, 256, buf, list)), st::kSuccess);
    EXPECT_STATUS(io(h, rw(nvm::kRead, 1, 0, 257, buf, list)), st::kInvalidField);
    // A misaligned PRP list entry.
    spec::put_le64(h.mem.at(list), buf + 4096 + 8);
    EXPECT_STATUS(io(h, rw(nvm::kRead, 1, 0, 24, buf, list)), st::kPrpOffsetInvalid);
    // Failed data transfer.
    h.mem.fail_range(buf, buf + 4096);
    EXPECT_STATUS(io(h, rw(nvm::kRead, 1, 0, 1, buf)), st::kDataTransferError);
  });
}

TEST(DataPath, SmartCountsDataUnitsAndCommands) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const uint64_t buf = h.alloc(4096);
    for (int i = 0; i < 3; ++i) EXPECT_STATUS(io(h, rw(nvm::kWrite, 1, 8 * i, 8, buf)), st::kSuccess);
    EXPECT_STATUS(io(h, rw(nvm::kRead, 1, 0, 8, buf)), st::kSuccess);
    const uint64_t page = h.alloc(4096);
    spec::Sqe s = make_sqe(spec::admin_opcode::kGetLogPage, (511u / 4) << 16 | spec::log::kSmartHealth, 0, 0xFFFFFFFF);
    s.set_prp1(page);
    EXPECT_STATUS(h.admin(s), st::kSuccess);
    namespace sm = spec::log::smart;
    EXPECT_EQ(spec::get_le64(h.mem.at(page + sm::kDataUnitsWritten)), 1u);  // 24 units of 512 B, rounded up to 1000s
    EXPECT_EQ(spec::get_le64(h.mem.at(page + sm::kDataUnitsRead)), 1u);
    EXPECT_EQ(spec::get_le64(h.mem.at(page + sm::kHostWriteCommands)), 3u);
    EXPECT_EQ(spec::get_le64(h.mem.at(page + sm::kHostReadCommands)), 1u);
  });
}
