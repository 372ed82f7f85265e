// Format NVM (NVMe Base 2.0, 5.14; NVM Command Set 1.0, 4.2): LBA format changes, data erased,
// statuses, NSID FFFFFFFFh, image namespaces, the flash backend and the Namespace Attribute
// Changed notice.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include "integration/nvm_host.h"
#include "support/small_flash.h"
#include "support/temp_file.h"
#include "scnvme/spec/nvme_async_event.h"

using namespace scnvme;
using namespace scnvme::test;
using namespace scnvme::test::nvm;
namespace lg = spec::log;
namespace ae = spec::async_event;

namespace {

constexpr uint64_t kMiB = 1ull << 20;
constexpr uint32_t kMset = 1u << 4;

/// CDW10: LBAF (index bits 3:0, LBAFU bits 5:4 of the index in 13:12), MSET, PI, SES.
uint32_t format_cdw10(uint8_t lbaf, bool mset = false, uint8_t pi = 0, uint8_t ses = 0) {
  return (lbaf & 0xFu) | (static_cast<uint32_t>(lbaf & 0x30) << 8) | (mset ? kMset : 0u) |
         static_cast<uint32_t>(pi & 7) << 5 | static_cast<uint32_t>(ses & 7) << 9;
}

spec::Sqe format_sqe(uint32_t nsid, uint32_t cdw10) { return make_sqe(spec::admin_opcode::kFormatNvm, cdw10, 0, nsid); }

spec::Cqe format(Bench& h, uint32_t nsid, uint8_t lbaf, bool mset = false, uint8_t ses = 0) {
  return h.admin(format_sqe(nsid, format_cdw10(lbaf, mset, 0, ses)));
}

/// NSID 1: 4 MiB with formats 512, 4096, 512+8; NSID 2: 8 MiB of 4 KiB blocks, one format.
ControllerConfig formats_config() {
  ControllerConfig cfg;
  NamespaceConfig ns1{1, 4 * kMiB};
  ns1.lba_formats = {LbaFormat{512, 0}, LbaFormat{4096, 0}, LbaFormat{512, 8}};
  cfg.namespaces = {ns1, NamespaceConfig{2, 8 * kMiB, 4096}};
  return cfg;
}


}  // namespace

TEST(FormatNvm, ChangesTheFormatAndErasesTheData) {
  Bench b("bench", formats_config());
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 64 * 1024);
    const auto data = pattern(8 * 512, 1);
    EXPECT_STATUS(write_blocks(h, buf, 1, 100, 8, data), st::kSuccess);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kWriteUncorrectable, 1, 200, 1)), st::kSuccess);
    EXPECT_EQ(nuse(h, 1), 8u);

    // 512 -> 4096: NSZE from the same bytes, NUSE 0, everything reads as zeroes.
    EXPECT_STATUS(format(h, 1, 1), st::kSuccess);
    auto id = identify_ns(h, 1);
    EXPECT_EQ(id[in::kFlbas], 1);
    EXPECT_EQ(spec::get_le64(&id[in::kNsze]), 4 * kMiB / 4096);
    EXPECT_EQ(spec::get_le64(&id[in::kNcap]), 4 * kMiB / 4096);
    EXPECT_EQ(spec::get_le64(&id[in::kNuse]), 0u);
    EXPECT_EQ(id[in::kNlbaf], 2);
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 1, 12, 2, 2 * 4096, out), st::kSuccess);
    EXPECT_TRUE(all_zero(out));
    EXPECT_STATUS(read_blocks(h, buf, 1, 1023, 1, 4096, out), st::kSuccess);
    EXPECT_STATUS(read_blocks(h, buf, 1, 1024, 1, 4096, out), st::kLbaOutOfRange);
    const auto big = pattern(4 * 4096, 2);
    EXPECT_STATUS(write_blocks(h, buf, 1, 7, 4, big), st::kSuccess);
    EXPECT_STATUS(read_blocks(h, buf, 1, 7, 4, big.size(), out), st::kSuccess);
    EXPECT_EQ(out, big);

    // Back to 512 with 8 bytes of metadata, extended LBAs (MSET): FLBAS bit 4.
    EXPECT_STATUS(format(h, 1, 2, true), st::kSuccess);
    id = identify_ns(h, 1);
    EXPECT_EQ(id[in::kFlbas], 0x12);
    EXPECT_EQ(spec::get_le64(&id[in::kNsze]), 4 * kMiB / 512);
    EXPECT_EQ(nuse(h, 1), 0u);
    const auto ext = pattern(2 * 520, 3);
    EXPECT_STATUS(write_blocks(h, buf, 1, 200, 2, ext), st::kSuccess);
    EXPECT_STATUS(read_blocks(h, buf, 1, 200, 2, ext.size(), out), st::kSuccess);
    EXPECT_EQ(out, ext) << "data and metadata interleaved; the old Write Uncorrectable mark is gone";
    EXPECT_STATUS(read_blocks(h, buf, 1, 100, 8, 8 * 520, out), st::kSuccess);
    EXPECT_TRUE(all_zero(out));

    // The same format again, separate metadata (MSET clear); user data and cryptographic erase.
    EXPECT_STATUS(format(h, 1, 2, false, 1), st::kSuccess);
    EXPECT_EQ(identify_ns(h, 1)[in::kFlbas], 0x02);
    EXPECT_STATUS(format(h, 1, 2, false, 2), st::kSuccess);
    EXPECT_STATUS(read_blocks(h, buf, 1, 200, 2, 2 * 512, out), st::kSuccess);
    EXPECT_TRUE(all_zero(out));
    // The other namespace was not touched.
    EXPECT_EQ(identify_ns(h, 2)[in::kFlbas], 0);
  });
}

TEST(FormatNvm, Statuses) {
  ControllerConfig cfg = formats_config();
  cfg.namespaces[1].write_protected = true;
  cfg.namespaces.push_back(NamespaceConfig{3, 2048});  // 2 KiB: not one 4 KiB block
  cfg.namespaces[2].lba_formats = {LbaFormat{512, 0}, LbaFormat{4096, 0}};
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 4096);
    const auto data = pattern(512, 7);
    EXPECT_STATUS(write_blocks(h, buf, 1, 0, 1, data), st::kSuccess);
    run_admin_cases(h, {
        {"PI type 1", format_sqe(1, format_cdw10(0, false, 1)), st::kInvalidFormat},
        {"LBAF 3 (NLBAF 2)", format_sqe(1, format_cdw10(3)), st::kInvalidFormat},
        {"LBAFU: format 16", format_sqe(1, format_cdw10(16)), st::kInvalidFormat},
        {"SES 3h reserved", format_sqe(1, format_cdw10(0, false, 0, 3)), st::kInvalidField},
        {"CDW10 reserved bit 14", format_sqe(1, 1u << 14), st::kInvalidField},
        {"NSID 0", format_sqe(0, format_cdw10(0)), st::kInvalidNamespaceOrFormat},
        {"inactive NSID 4", format_sqe(4, format_cdw10(0)), st::kInvalidNamespaceOrFormat},
        {"NSID above NN", format_sqe(1000, format_cdw10(0)), st::kInvalidNamespaceOrFormat},
        {"write-protected namespace", format_sqe(2, format_cdw10(0)), st::kNamespaceIsWriteProtected},
        {"smaller than one block of the format", format_sqe(3, format_cdw10(1)), st::kInvalidFormat},
        {"all namespaces, one write protected", format_sqe(kBroadcast, format_cdw10(0)), st::kNamespaceIsWriteProtected},
    });
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 1, 0, 1, 512, out), st::kSuccess);
    EXPECT_EQ(out, data) << "nothing was formatted";
  });
}

TEST(FormatNvm, AllNamespacesWithBroadcastNsid) {
  ControllerConfig cfg = formats_config();
  cfg.namespaces[1].lba_formats = {LbaFormat{4096, 0}, LbaFormat{512, 0}};
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 8192);
    EXPECT_STATUS(write_blocks(h, buf, 1, 3, 1, pattern(512, 1)), st::kSuccess);
    EXPECT_STATUS(write_blocks(h, buf, 2, 3, 1, pattern(4096, 2)), st::kSuccess);
    // Format 2 exists on NSID 1 only: Invalid Format, neither namespace changed.
    EXPECT_STATUS(format(h, kBroadcast, 2), st::kInvalidFormat);
    EXPECT_EQ(nuse(h, 1), 1u);
    EXPECT_EQ(nuse(h, 2), 1u);
    // Format 1 on both: 4096 for NSID 1, 512 for NSID 2.
    EXPECT_STATUS(format(h, kBroadcast, 1), st::kSuccess);
    EXPECT_EQ(nuse(h, 1), 0u);
    EXPECT_EQ(nuse(h, 2), 0u);
    EXPECT_EQ(spec::get_le64(&identify_ns(h, 1)[in::kNsze]), 4 * kMiB / 4096);
    EXPECT_EQ(spec::get_le64(&identify_ns(h, 2)[in::kNsze]), 8 * kMiB / 512);
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 2, 24, 8, 4096, out), st::kSuccess);
    EXPECT_TRUE(all_zero(out));
  });
}

TEST(FormatNvm, ChangedFormatRaisesNamespaceAttributeChanged) {
  Bench b("bench", formats_config());
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(h.set_features(spec::feature::kAsyncEventConfiguration, spec::feature::kAecNamespaceAttribute),
                  st::kSuccess);
    h.submit(0, make_sqe(spec::admin_opcode::kAsyncEventRequest), 0xE1);
    // Same format: erased, no notice.
    EXPECT_STATUS(format(h, 1, 0), st::kSuccess);
    wait_us(50);
    EXPECT_FALSE(h.cqe_available(0));
    EXPECT_TRUE(changed_namespace_list(h).empty());
    // Another format: the notice, and NSID 1 in the Changed Namespace List.
    h.submit(0, format_sqe(1, format_cdw10(1)), 0x21);
    std::map<uint16_t, spec::Cqe> got;
    for (int i = 0; i < 2; ++i) {
      const spec::Cqe c = h.wait_cqe(0);
      got[c.cid()] = c;
    }
    EXPECT_STATUS(got[0x21], st::kSuccess);
    EXPECT_EQ(got[0xE1].dw0(), ae::dw0(ae::kNotice, ae::notice::kNamespaceAttributeChanged, lg::kChangedNamespaceList));
    EXPECT_EQ(changed_namespace_list(h), std::vector<uint32_t>{1});
  });
}

TEST(FormatNvm, ImageNamespaces) {
  std::vector<uint8_t> bytes = pattern(1 * kMiB, 5);
  TempFile writable(bytes), read_only(bytes);
  ControllerConfig cfg;
  NamespaceConfig a{1, 0};
  a.image = writable.path;
  a.lba_formats = {LbaFormat{512, 0}, LbaFormat{4096, 0}, LbaFormat{512, 8}};
  NamespaceConfig r{2, 0};
  r.image = read_only.path;
  r.image_read_only = true;
  cfg.namespaces = {a, r};
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(format(h, 2, 0), st::kNamespaceIsWriteProtected) << "a read-only image";
    EXPECT_STATUS(format(h, 1, 2), st::kInvalidFormat) << "an image holds no metadata";
    EXPECT_STATUS(format(h, 1, 1), st::kSuccess);
    EXPECT_EQ(spec::get_le64(&identify_ns(h, 1)[in::kNsze]), kMiB / 4096) << "the image's size in 4 KiB blocks";
    DataBuffer buf(h, 4096);
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 1, 5, 1, 4096, out), st::kSuccess);
    EXPECT_TRUE(all_zero(out));
    EXPECT_STATUS(read_blocks(h, buf, 2, 0, 1, 512, out), st::kSuccess);
    EXPECT_FALSE(all_zero(out)) << "the read-only image keeps its data";
  });
  const auto after = writable.contents();
  EXPECT_EQ(after.size(), bytes.size());
  EXPECT_TRUE(all_zero(after)) << "the image file holds zeroes";
  EXPECT_EQ(read_only.contents(), bytes);
}

TEST(FormatNvm, FlashBackendTrimsTheNamespaceUnits) {
  ControllerConfig cfg = formats_config();
  cfg.flash = small_flash(1, 1, Precondition::None);
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 64 * 1024);
    const auto data = pattern(64 * 1024, 3);
    EXPECT_STATUS(write_blocks(h, buf, 2, 0, 16, data), st::kSuccess);
    EXPECT_STATUS(write_blocks(h, buf, 1, 0, 128, data), st::kSuccess);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kFlush, kBroadcast, 0, 1)), st::kSuccess);
    const FlashStats before = h.nvme.flash_stats();
    EXPECT_STATUS(format(h, 1, 1), st::kSuccess);
    EXPECT_EQ(h.nvme.flash_stats().host_units_trimmed - before.host_units_trimmed, 64 * 1024 / before.mapping_unit_bytes)
        << "the units NSID 1 had written are unmapped";
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 1, 0, 16, data.size(), out), st::kSuccess);
    EXPECT_TRUE(all_zero(out));
    EXPECT_STATUS(read_blocks(h, buf, 2, 0, 16, data.size(), out), st::kSuccess);
    EXPECT_EQ(out, data) << "NSID 2's units were not touched";
  });
}
