// Admin command set conformance (NVMe Base 2.0, 5.17 Identify; 4.2 SQE CDW0 checks; Figure 138
// admin opcodes): Identify CNS 00h-03h from the configuration, PRP placement of the data,
// unsupported CNS values, opcodes, fused operations and PSDT.
#include <algorithm>
#include <set>

#include "conformance/host_steps.h"
#include "scnvme/spec/nvme_identify.h"

using namespace scnvme;
using namespace scnvme::test;
namespace ic = spec::id_ctrl;
namespace in = spec::id_ns;
namespace nd = spec::ns_desc;

namespace {

/// Namespaces 1, 3 and 7 (listed out of order) of different sizes, NN = 16: NSIDs 2, 4-6 and 8-16
/// are inactive but valid.
ControllerConfig gapped_namespaces() {
  ControllerConfig cfg;
  cfg.max_namespaces = 16;
  cfg.namespaces = {NamespaceConfig{7, 1ull << 20, 512}, NamespaceConfig{1, 1ull << 30, 512},
                    NamespaceConfig{3, 64ull << 20, 4096}};
  return cfg;
}

void bring_up(Bench& h) {
  h.pci_setup();
  ASSERT_TRUE(h.enable());
}

spec::Sqe identify_sqe(uint8_t cns, uint32_t nsid, uint64_t prp1) {
  return with_prp1(make_sqe(op::kIdentify, cns, 0, nsid), prp1);
}

std::vector<uint32_t> nsid_list(const std::vector<uint8_t>& d) {
  std::vector<uint32_t> ids;
  for (uint32_t i = 0; i < spec::kNsidListMax; ++i) ids.push_back(spec::get_le32(&d[4 * i]));
  return ids;
}

}  // namespace

TEST(AdminIdentify, NamespaceDataFollowsConfiguration) {
  Bench b("bench", gapped_namespaces());
  b.run([](Bench& h) {
    bring_up(h);
    struct Active {
      uint32_t nsid;
      uint64_t blocks;
      uint8_t lbads;
    };
    for (const Active& a : {Active{1, (1ull << 30) / 512, 9}, Active{3, (64ull << 20) / 4096, 12},
                            Active{7, (1ull << 20) / 512, 9}}) {
      SCOPED_TRACE("NSID " + std::to_string(a.nsid));
      std::vector<uint8_t> d;
      EXPECT_STATUS(h.identify(spec::cns::kNamespace, a.nsid, d), st::kSuccess);
      EXPECT_EQ(spec::get_le64(&d[in::kNsze]), a.blocks);
      EXPECT_EQ(spec::get_le64(&d[in::kNcap]), a.blocks);
      EXPECT_EQ(d[in::kNlbaf], 0) << "one LBA format (0-based)";
      EXPECT_EQ(d[in::kFlbas] & 0xF, 0) << "formatted with LBA format 0";
      const uint32_t lbaf0 = spec::get_le32(&d[in::kLbaf0]);
      EXPECT_EQ(in::lbaf_lbads(lbaf0), a.lbads);
      EXPECT_EQ(in::lbaf_ms(lbaf0), 0);
      EXPECT_FALSE(all_bytes(&d[in::kNguid], 16, 0)) << "NGUID reported";
    }
  });
}

TEST(AdminIdentify, NamespaceInactiveIsZeroAndOutOfRangeIsInvalid) {
  Bench b("bench", gapped_namespaces());
  b.run([](Bench& h) {
    bring_up(h);
    for (uint32_t nsid : {2u, 5u, 16u}) {  // inactive, within NN
      SCOPED_TRACE("inactive NSID " + std::to_string(nsid));
      std::vector<uint8_t> d;
      EXPECT_STATUS(h.identify(spec::cns::kNamespace, nsid, d), st::kSuccess);
      EXPECT_TRUE(all_bytes(d.data(), d.size(), 0)) << "an inactive namespace returns a zero-filled structure";
    }
    // (FFFFFFFFh returns the capabilities common to all namespaces: namespace_management_test.cpp.)
    for (uint32_t nsid : {0u, 17u, 0xFFFFFFFEu}) {
      SCOPED_TRACE("invalid NSID " + std::to_string(nsid));
      std::vector<uint8_t> d;
      EXPECT_STATUS(h.identify(spec::cns::kNamespace, nsid, d), st::kInvalidNamespaceOrFormat);
      EXPECT_TRUE(all_bytes(d.data(), d.size(), kFill)) << "no data transferred for a failed command";
    }
  });
}

TEST(AdminIdentify, ControllerDataFollowsConfiguration) {
  ControllerConfig cfg;
  cfg.pci.vendor_id = 0x1234;
  cfg.pci.subsystem_vendor_id = 0x5678;
  cfg.serial_number = "SN-42";
  cfg.model_number = "Model X";
  cfg.firmware_revision = "1.2";
  cfg.ieee_oui = 0xABCDEF;
  cfg.mdts = 6;
  cfg.controller_id = 7;
  cfg.abort_command_limit = 2;
  cfg.async_event_limit = 5;
  cfg.error_log_entries = 15;
  cfg.max_namespaces = 32;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    std::vector<uint8_t> d;
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, d), st::kSuccess);
    EXPECT_EQ(spec::get_le16(&d[ic::kVid]), 0x1234);
    EXPECT_EQ(spec::get_le16(&d[ic::kSsvid]), 0x5678);
    EXPECT_EQ(ascii(d, ic::kSn, ic::kSnLen), "SN-42" + std::string(15, ' '));
    EXPECT_EQ(ascii(d, ic::kMn, ic::kMnLen), "Model X" + std::string(33, ' '));
    EXPECT_EQ(ascii(d, ic::kFr, ic::kFrLen), "1.2     ");
    EXPECT_EQ(d[ic::kIeee] | d[ic::kIeee + 1] << 8 | d[ic::kIeee + 2] << 16, 0xABCDEF);
    EXPECT_EQ(d[ic::kMdts], 6);
    EXPECT_EQ(spec::get_le16(&d[ic::kCntlid]), 7);
    EXPECT_EQ(spec::get_le32(&d[ic::kVer]), spec::reg::kVersion20);
    EXPECT_EQ(d[ic::kCntrltype], ic::kIoController);
    EXPECT_EQ(d[ic::kAcl], 2);
    EXPECT_EQ(d[ic::kAerl], 5);
    EXPECT_EQ(d[ic::kElpe], 15);
    EXPECT_EQ(d[ic::kSqes], 0x66) << "required and maximum SQ entry size 64 bytes";
    EXPECT_EQ(d[ic::kCqes], 0x44) << "required and maximum CQ entry size 16 bytes";
    EXPECT_EQ(spec::get_le32(&d[ic::kNn]), 32u);
    EXPECT_TRUE(spec::get_le16(&d[ic::kOncs]) & ic::kOncsSaveSelect) << "Get Features SEL is supported";
    EXPECT_EQ(d[ic::kVwc] & ic::kVwcPresent, ic::kVwcPresent);
    EXPECT_EQ(spec::get_le16(&d[ic::kWctemp]), h.nvme.config().warning_temperature_k);
    EXPECT_EQ(spec::get_le16(&d[ic::kCctemp]), h.nvme.config().critical_temperature_k);
    // SUBNQN: a NUL-terminated NQN derived from this instance's hierarchical name.
    const std::string subnqn(reinterpret_cast<const char*>(&d[ic::kSubnqn]));
    EXPECT_EQ(subnqn.rfind("nqn.", 0), 0u) << subnqn;
    EXPECT_NE(subnqn.find("bench.nvme"), std::string::npos) << subnqn;
    EXPECT_LT(subnqn.size(), ic::kSubnqnLen);
    EXPECT_TRUE(all_bytes(&d[ic::kSubnqn + subnqn.size()], ic::kSubnqnLen - subnqn.size(), 0));
  });
}

TEST(AdminIdentify, ControllerWithoutWriteCacheAndWithExplicitSubnqn) {
  ControllerConfig cfg;
  cfg.volatile_write_cache = false;
  cfg.subnqn = "nqn.2014-08.org.example:scnvme-under-test";
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    std::vector<uint8_t> d;
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, d), st::kSuccess);
    EXPECT_EQ(d[ic::kVwc] & ic::kVwcPresent, 0);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(&d[ic::kSubnqn])), "nqn.2014-08.org.example:scnvme-under-test");
  });
}

TEST(AdminIdentify, ActiveNamespaceListIsAscendingAboveNsid) {
  Bench b("bench", gapped_namespaces());
  b.run([](Bench& h) {
    bring_up(h);
    struct Case {
      uint32_t nsid;
      std::vector<uint32_t> expected;
    };
    for (const Case& c : {Case{0, {1, 3, 7}}, Case{1, {3, 7}}, Case{2, {3, 7}}, Case{3, {7}}, Case{7, {}},
                          Case{0xFFFFFFFD, {}}}) {
      SCOPED_TRACE("NSID " + std::to_string(c.nsid));
      std::vector<uint8_t> d;
      EXPECT_STATUS(h.identify(spec::cns::kActiveNamespaceList, c.nsid, d), st::kSuccess);
      std::vector<uint32_t> want = c.expected;
      want.resize(spec::kNsidListMax, 0);
      EXPECT_EQ(nsid_list(d), want);
    }
    for (uint32_t nsid : {0xFFFFFFFEu, spec::kBroadcastNsid}) {
      std::vector<uint8_t> d;
      EXPECT_STATUS(h.identify(spec::cns::kActiveNamespaceList, nsid, d), st::kInvalidNamespaceOrFormat);
    }
  });
}

TEST(AdminIdentify, NamespaceIdentificationDescriptors) {
  Bench b("bench", gapped_namespaces());
  b.run([](Bench& h) {
    bring_up(h);
    std::set<std::vector<uint8_t>> nguids;
    for (uint32_t nsid : {1u, 3u}) {
      SCOPED_TRACE("NSID " + std::to_string(nsid));
      std::vector<uint8_t> ns, d;
      EXPECT_STATUS(h.identify(spec::cns::kNamespace, nsid, ns), st::kSuccess);
      EXPECT_STATUS(h.identify(spec::cns::kNamespaceDescriptorList, nsid, d), st::kSuccess);
      // EUI64, NGUID, UUID in that order, then a zero header ends the list.
      uint32_t off = 0;
      ASSERT_EQ(d[off], nd::kEui64);
      ASSERT_EQ(d[off + 1], nd::kEui64Len);
      EXPECT_TRUE(std::equal(&d[off + 4], &d[off + 4 + 8], &ns[in::kEui64])) << "same EUI64 as Identify Namespace";
      off += nd::kHeaderLen + nd::kEui64Len;
      ASSERT_EQ(d[off], nd::kNguid);
      ASSERT_EQ(d[off + 1], nd::kNguidLen);
      EXPECT_TRUE(std::equal(&d[off + 4], &d[off + 4 + 16], &ns[in::kNguid])) << "same NGUID as Identify Namespace";
      nguids.insert(std::vector<uint8_t>(&d[off + 4], &d[off + 4 + 16]));
      off += nd::kHeaderLen + nd::kNguidLen;
      ASSERT_EQ(d[off], nd::kUuid);
      ASSERT_EQ(d[off + 1], nd::kUuidLen);
      const uint8_t* uuid = &d[off + 4];
      EXPECT_EQ(uuid[6] >> 4, 4) << "RFC 4122 version 4";
      EXPECT_EQ(uuid[8] & 0xC0, 0x80) << "RFC 4122 variant";
      off += nd::kHeaderLen + nd::kUuidLen;
      EXPECT_TRUE(all_bytes(&d[off], d.size() - off, 0)) << "list ends with a zero descriptor";
    }
    EXPECT_EQ(nguids.size(), 2u) << "each namespace has its own NGUID";
    std::vector<uint8_t> d;
    EXPECT_STATUS(h.identify(spec::cns::kNamespaceDescriptorList, 2, d), st::kInvalidField) << "inactive NSID";
    EXPECT_STATUS(h.identify(spec::cns::kNamespaceDescriptorList, 0, d), st::kInvalidNamespaceOrFormat);
    EXPECT_STATUS(h.identify(spec::cns::kNamespaceDescriptorList, 17, d), st::kInvalidNamespaceOrFormat);
  });
}

TEST(AdminIdentify, ReservedCnsIsInvalidField) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    std::vector<AdminCase> cases;
    for (uint8_t cns : {0x09, 0x0A, 0x0F, 0x30, 0xFF})
      cases.push_back({"CNS " + std::to_string(cns), identify_sqe(cns, 0, h.alloc(4096)), st::kInvalidField});
    run_admin_cases(h, cases);
  });
}

TEST(AdminIdentify, DataSpansPrp1OffsetAndPrp2Page) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    std::vector<uint8_t> reference;
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, reference), st::kSuccess);

    constexpr uint32_t kOffset = 0x200;  // 0xE00 bytes in the first page, 0x200 in the second
    const uint64_t page1 = h.alloc(4096), gap = h.alloc(4096), page2 = h.alloc(4096);
    for (uint64_t p : {page1, gap, page2}) std::memset(h.mem.at(p), kFill, 4096);
    spec::Sqe s = identify_sqe(spec::cns::kController, 0, page1 + kOffset);
    s.set_prp2(page2);
    EXPECT_STATUS(h.admin(s), st::kSuccess);
    EXPECT_TRUE(all_bytes(h.mem.at(page1), kOffset, kFill)) << "nothing before PRP1's offset";
    EXPECT_TRUE(std::equal(reference.begin(), reference.begin() + (4096 - kOffset), h.mem.at(page1 + kOffset)));
    EXPECT_TRUE(all_bytes(h.mem.at(gap), 4096, kFill)) << "the page after PRP1's page is not PRP2";
    EXPECT_TRUE(std::equal(reference.begin() + (4096 - kOffset), reference.end(), h.mem.at(page2)));
    EXPECT_TRUE(all_bytes(h.mem.at(page2 + kOffset), 4096 - kOffset, kFill)) << "exactly 4096 bytes";

    // PRP1 must be dword aligned; a second-page PRP2 must be page aligned.
    spec::Sqe odd = identify_sqe(spec::cns::kController, 0, page1 + 0x202);
    odd.set_prp2(page2);
    spec::Sqe bad_prp2 = identify_sqe(spec::cns::kController, 0, page1 + kOffset);
    bad_prp2.set_prp2(page2 + 0x40);
    run_admin_cases(h, {{"PRP1 not dword aligned", odd, st::kPrpOffsetInvalid},
                        {"PRP2 not page aligned", bad_prp2, st::kPrpOffsetInvalid}});
  });
}

TEST(AdminCommands, UnsupportedOpcodesFusedAndSglAreRejected) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const uint64_t buf = h.alloc(4096);
    auto identify_with = [&](uint8_t fuse, uint8_t psdt) {
      spec::Sqe s = identify_sqe(spec::cns::kController, 0, buf);
      s.set_fuse(fuse);
      s.set_psdt(psdt);
      return s;
    };
    run_admin_cases(h, {
        {"vendor specific opcode C0h", make_sqe(0xC0), st::kInvalidCommandOpcode},
        {"reserved opcode 7Fh", make_sqe(0x7F), st::kInvalidCommandOpcode},
        {"reserved opcode 03h", make_sqe(0x03), st::kInvalidCommandOpcode},
        {"Sanitize (SANICAP clear)", make_sqe(op::kSanitize), st::kInvalidCommandOpcode},
        {"Directive Send (OACS bit 5 clear)", make_sqe(op::kDirectiveSend), st::kInvalidCommandOpcode},
        {"Virtualization Management (OACS bit 7 clear)", make_sqe(op::kVirtualizationManagement), st::kInvalidCommandOpcode},
        {"FUSE = first of fused pair", identify_with(spec::kFuseFirst, 0), st::kInvalidField},
        {"FUSE = second of fused pair", identify_with(spec::kFuseSecond, 0), st::kInvalidField},
        {"FUSE = reserved 11b", identify_with(3, 0), st::kInvalidField},
        {"PSDT = SGL (admin commands use PRPs)", identify_with(0, spec::kPsdtSglContiguousMeta), st::kInvalidField},
        {"PSDT = SGL with segment metadata", identify_with(0, spec::kPsdtSglSegmentMeta), st::kInvalidField},
        {"PSDT = reserved 11b", identify_with(0, 3), st::kInvalidField},
        {"a plain Identify still succeeds", identify_with(0, 0), st::kSuccess},
    });
  });
}
