// Namespace Management (NVMe Base 2.0, 5.23), Namespace Attachment (5.22), the Identify data that
// goes with them (CNS 00h/02h for unattached namespaces, 10h-13h, TNVMCAP/UNVMCAP) and the
// Namespace Attribute Changed notice with the Changed Namespace List.
#include <algorithm>
#include <map>
#include <vector>

#include "integration/nvm_host.h"
#include "support/small_flash.h"
#include "scnvme/spec/nvme_async_event.h"
#include "support/config_verdict.h"

using namespace scnvme;
using namespace scnvme::test;
using namespace scnvme::test::nvm;
namespace lg = spec::log;
namespace ae = spec::async_event;

#define ASSERT_STATUS_OK(cqe) ASSERT_TRUE((cqe).status().ok()) << describe((cqe).status())

namespace {

constexpr uint64_t kMiB = 1ull << 20;
constexpr uint8_t kSelCreate = 0, kSelDelete = 1, kSelAttach = 0, kSelDetach = 1;

struct CreateFields {
  uint64_t nsze = 0, ncap = 0;
  uint8_t flbas = 0, dps = 0, nmic = 0;
};

/// Namespace Management create with its host buffer (an Identify Namespace structure).
spec::Sqe create_sqe(Bench& h, const CreateFields& f, uint32_t nsid = 0, uint8_t csi = 0) {
  const uint64_t buf = h.alloc(4096);
  std::memset(h.mem.at(buf), 0, 4096);
  uint8_t* p = h.mem.at(buf);
  spec::put_le64(p + in::kNsze, f.nsze);
  spec::put_le64(p + in::kNcap, f.ncap);
  p[in::kFlbas] = f.flbas;
  p[in::kDps] = f.dps;
  p[in::kNmic] = f.nmic;
  return with_prp1(make_sqe(op::kNamespaceManagement, kSelCreate, static_cast<uint32_t>(csi) << 24, nsid), buf);
}

CreateFields blocks(uint64_t n, uint8_t flbas = 0) { return CreateFields{n, n, flbas, 0, 0}; }

spec::Cqe create_ns(Bench& h, const CreateFields& f) { return h.admin(create_sqe(h, f)); }

spec::Cqe delete_ns(Bench& h, uint32_t nsid) { return h.admin(make_sqe(op::kNamespaceManagement, kSelDelete, 0, nsid)); }

spec::Sqe attachment_sqe(Bench& h, uint8_t sel, uint32_t nsid, const std::vector<uint16_t>& ids) {
  const uint64_t buf = h.alloc(4096);
  std::memset(h.mem.at(buf), 0, 4096);
  spec::put_le16(h.mem.at(buf), static_cast<uint16_t>(ids.size()));
  for (std::size_t i = 0; i < ids.size(); ++i) spec::put_le16(h.mem.at(buf + 2 + 2 * i), ids[i]);
  return with_prp1(make_sqe(op::kNamespaceAttachment, sel, 0, nsid), buf);
}

spec::Cqe attach(Bench& h, uint32_t nsid, uint8_t sel = kSelAttach) { return h.admin(attachment_sqe(h, sel, nsid, {1})); }

std::vector<uint8_t> identify(Bench& h, uint8_t cns, uint32_t nsid, uint32_t cdw10_high = 0) {
  std::vector<uint8_t> d(4096, 0xA5);
  const uint64_t buf = h.alloc(4096);
  std::memset(h.mem.at(buf), 0xA5, 4096);
  spec::Sqe s = make_sqe(op::kIdentify, cns | cdw10_high << 16, 0, nsid);
  s.set_prp1(buf);
  EXPECT_STATUS(h.admin(s), st::kSuccess) << "CNS " << int(cns) << " NSID " << nsid;
  d.assign(h.mem.at(buf), h.mem.at(buf) + 4096);
  return d;
}

std::vector<uint32_t> nsid_list(const std::vector<uint8_t>& d) {
  std::vector<uint32_t> ids;
  for (std::size_t i = 0; i < 1024 && spec::get_le32(&d[4 * i]); ++i) ids.push_back(spec::get_le32(&d[4 * i]));
  return ids;
}

std::vector<uint16_t> controller_list(const std::vector<uint8_t>& d) {
  std::vector<uint16_t> ids;
  for (unsigned i = 0; i < spec::get_le16(&d[0]); ++i) ids.push_back(spec::get_le16(&d[2 + 2 * i]));
  return ids;
}

uint64_t tnvmcap(Bench& h) {
  const auto id = identify_ctrl(h);
  EXPECT_EQ(spec::get_le64(&id[ic::kTnvmcap + 8]), 0u);
  return spec::get_le64(&id[ic::kTnvmcap]);
}
uint64_t unvmcap(Bench& h) {
  const auto id = identify_ctrl(h);
  EXPECT_EQ(spec::get_le64(&id[ic::kUnvmcap + 8]), 0u);
  return spec::get_le64(&id[ic::kUnvmcap]);
}

/// NSID 1 (16 MiB of 512-byte blocks) in 64 MiB of NVM capacity.
ControllerConfig spare_capacity() {
  ControllerConfig cfg;
  cfg.namespaces = {NamespaceConfig{1, 16 * kMiB, 512}};
  cfg.nvm_capacity_bytes = 64 * kMiB;
  return cfg;
}

/// A one-block read of the namespace.
spec::Cqe io_status(Bench& h, DataBuffer& buf, uint32_t nsid) {
  std::vector<uint8_t> out;
  return read_blocks(h, buf, nsid, 0, 1, 512, out);
}

}  // namespace

TEST(NamespaceManagement, IdentifyAdvertisesTheCapabilities) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const auto id = identify_ctrl(h);
    const uint16_t oacs = spec::get_le16(&id[ic::kOacs]);
    EXPECT_TRUE(oacs & ic::kOacsNsManagement);
    EXPECT_TRUE(oacs & ic::kOacsFormat);
    EXPECT_TRUE(spec::get_le32(&id[ic::kOaes]) & ic::kOaesNamespaceAttribute);
    EXPECT_EQ(spec::get_le32(&id[ic::kNn]), 256u);
    EXPECT_EQ(spec::get_le32(&id[ic::kMnan]), 0u) << "NN is the limit";
    EXPECT_EQ(id[ic::kFna], ic::kFnaCryptoErase);
    // Derived capacity: the configured 1 GiB namespace, all of it allocated.
    EXPECT_EQ(tnvmcap(h), 1ull << 30);
    EXPECT_EQ(unvmcap(h), 0u);
    const auto ns1 = identify_ns(h, 1);
    EXPECT_EQ(spec::get_le64(&ns1[in::kNvmcap]), 1ull << 30);
    EXPECT_EQ(ns1[in::kNmic], 0);

    // NSID FFFFFFFFh: the capabilities common to namespaces, i.e. the formats a create may use.
    const auto common = identify(h, spec::cns::kNamespace, kBroadcast);
    EXPECT_EQ(common[in::kNlbaf], 4);
    EXPECT_EQ(spec::get_le64(&common[in::kNsze]), 0u);
    const uint32_t expected[] = {in::lbaf(0, 9, 0), in::lbaf(8, 9, 0), in::lbaf(0, 12, 0), in::lbaf(8, 12, 0),
                                 in::lbaf(64, 12, 0)};
    for (unsigned k = 0; k < 5; ++k) EXPECT_EQ(spec::get_le32(&common[in::kLbaf0 + 4 * k]), expected[k]) << k;
    EXPECT_EQ(common[in::kMc], 3);

    // Controller lists: this controller is the subsystem's only one.
    EXPECT_EQ(controller_list(identify(h, spec::cns::kControllerList, 0)), std::vector<uint16_t>{1});
    EXPECT_TRUE(controller_list(identify(h, spec::cns::kControllerList, 0, 2)).empty()) << "CNTID 2 and up";
    EXPECT_EQ(controller_list(identify(h, spec::cns::kAttachedControllerList, 1)), std::vector<uint16_t>{1});
    EXPECT_TRUE(controller_list(identify(h, spec::cns::kAttachedControllerList, 7)).empty()) << "not allocated";
    EXPECT_EQ(nsid_list(identify(h, spec::cns::kAllocatedNamespaceList, 0)), std::vector<uint32_t>{1});
    EXPECT_TRUE(nsid_list(identify(h, spec::cns::kAllocatedNamespaceList, 1)).empty());

    // Commands Supported and Effects.
    const LogRead effects = read_log(h, lg::kCommandsSupportedAndEffects, lg::effects::kSize);
    namespace ef = lg::effects;
    auto admin_effect = [&](uint8_t opc) { return spec::get_le32(&effects.bytes[ef::kAdminOffset + 4 * opc]); };
    EXPECT_EQ(admin_effect(op::kNamespaceManagement), ef::kCsupp | ef::kNcc | ef::kNic);
    EXPECT_EQ(admin_effect(op::kNamespaceAttachment), ef::kCsupp | ef::kNcc | ef::kNic);
    EXPECT_EQ(admin_effect(op::kFormatNvm), ef::kCsupp | ef::kLbcc | ef::kNcc);
  });
}

TEST(NamespaceManagement, SwitchedOffInTheConfiguration) {
  ControllerConfig cfg;
  cfg.namespace_management = false;
  cfg.format_nvm = false;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    const auto id = identify_ctrl(h);
    EXPECT_EQ(spec::get_le16(&id[ic::kOacs]) & (ic::kOacsNsManagement | ic::kOacsFormat), 0);
    EXPECT_EQ(spec::get_le32(&id[ic::kOaes]) & ic::kOaesNamespaceAttribute, 0u);
    EXPECT_EQ(spec::get_le64(&id[ic::kTnvmcap]), 0u);
    EXPECT_EQ(id[ic::kFna], 0);
    const uint64_t buf = h.alloc(4096);
    run_admin_cases(h, {
        {"Namespace Management", make_sqe(op::kNamespaceManagement), st::kInvalidCommandOpcode},
        {"Namespace Attachment", make_sqe(op::kNamespaceAttachment), st::kInvalidCommandOpcode},
        {"Format NVM", make_sqe(op::kFormatNvm, 0, 0, 1), st::kInvalidCommandOpcode},
        {"Identify CNS 10h", with_prp1(make_sqe(op::kIdentify, 0x10), buf), st::kInvalidField},
        {"Identify CNS 11h", with_prp1(make_sqe(op::kIdentify, 0x11, 0, 1), buf), st::kInvalidField},
        {"Identify CNS 12h", with_prp1(make_sqe(op::kIdentify, 0x12, 0, 1), buf), st::kInvalidField},
        {"Identify CNS 13h", with_prp1(make_sqe(op::kIdentify, 0x13), buf), st::kInvalidField},
        {"Identify Namespace FFFFFFFFh", with_prp1(make_sqe(op::kIdentify, 0, 0, kBroadcast), buf),
         st::kInvalidNamespaceOrFormat},
    });
    EXPECT_STATUS(h.set_features(spec::feature::kAsyncEventConfiguration, spec::feature::kAecNamespaceAttribute),
                  st::kSuccess);
    EXPECT_EQ(h.get_features(spec::feature::kAsyncEventConfiguration).dw0(), 0u) << "no namespace attribute notices";
  });
}

TEST(NamespaceManagement, LifeCycleCreateAttachIoDetachDelete) {
  Bench b("bench", spare_capacity());
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 64 * 1024);
    EXPECT_EQ(tnvmcap(h), 64 * kMiB);
    EXPECT_EQ(unvmcap(h), 48 * kMiB);

    // Create: 8 MiB of 4 KiB blocks (LBA format 2); the lowest free NSID comes back in CDW0.
    const spec::Cqe created = create_ns(h, blocks(2048, 2));
    ASSERT_STATUS_OK(created);
    EXPECT_EQ(created.dw0(), 2u);
    EXPECT_EQ(unvmcap(h), 40 * kMiB);
    // Allocated, not attached: inactive for this controller.
    EXPECT_EQ(nsid_list(identify(h, spec::cns::kActiveNamespaceList, 0)), std::vector<uint32_t>{1});
    EXPECT_EQ(nsid_list(identify(h, spec::cns::kAllocatedNamespaceList, 0)), (std::vector<uint32_t>{1, 2}));
    EXPECT_TRUE(all_zero(identify(h, spec::cns::kNamespace, 2))) << "CNS 00h of an inactive NSID: zeroes";
    const auto allocated = identify(h, spec::cns::kAllocatedNamespace, 2);
    EXPECT_EQ(spec::get_le64(&allocated[in::kNsze]), 2048u);
    EXPECT_EQ(spec::get_le64(&allocated[in::kNcap]), 2048u);
    EXPECT_EQ(spec::get_le64(&allocated[in::kNuse]), 0u);
    EXPECT_EQ(allocated[in::kFlbas], 2);
    EXPECT_EQ(allocated[in::kNlbaf], 4);
    EXPECT_EQ(spec::get_le64(&allocated[in::kNvmcap]), 8 * kMiB);
    EXPECT_TRUE(controller_list(identify(h, spec::cns::kAttachedControllerList, 2)).empty());
    EXPECT_STATUS(io_status(h, buf, 2), st::kInvalidNamespaceOrFormat);
    std::vector<uint8_t> desc;
    EXPECT_STATUS(h.identify(spec::cns::kNamespaceDescriptorList, 2, desc), st::kInvalidField);

    // Attach: active, I/O works.
    EXPECT_STATUS(attach(h, 2), st::kSuccess);
    EXPECT_EQ(nsid_list(identify(h, spec::cns::kActiveNamespaceList, 0)), (std::vector<uint32_t>{1, 2}));
    EXPECT_EQ(controller_list(identify(h, spec::cns::kAttachedControllerList, 2)), std::vector<uint16_t>{1});
    EXPECT_EQ(identify(h, spec::cns::kNamespace, 2), allocated);
    EXPECT_STATUS(h.identify(spec::cns::kNamespaceDescriptorList, 2, desc), st::kSuccess);
    const auto data = pattern(3 * 4096, 2);
    EXPECT_STATUS(write_blocks(h, buf, 2, 5, 3, data), st::kSuccess);
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 2, 5, 3, data.size(), out), st::kSuccess);
    EXPECT_EQ(out, data);
    EXPECT_EQ(nuse(h, 2), 3u);
    EXPECT_STATUS(read_blocks(h, buf, 2, 2047, 1, 4096, out), st::kSuccess);
    EXPECT_STATUS(read_blocks(h, buf, 2, 2048, 1, 4096, out), st::kLbaOutOfRange);

    // Detach: I/O fails, the data stays; attach again and it reads back.
    EXPECT_STATUS(attach(h, 2, kSelDetach), st::kSuccess);
    EXPECT_STATUS(io_status(h, buf, 2), st::kInvalidNamespaceOrFormat);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kFlush, 2, 0, 1)), st::kInvalidNamespaceOrFormat);
    EXPECT_TRUE(all_zero(identify(h, spec::cns::kNamespace, 2)));
    EXPECT_EQ(nsid_list(identify(h, spec::cns::kActiveNamespaceList, 0)), std::vector<uint32_t>{1});
    EXPECT_STATUS(attach(h, 2), st::kSuccess);
    EXPECT_STATUS(read_blocks(h, buf, 2, 5, 3, data.size(), out), st::kSuccess);
    EXPECT_EQ(out, data);

    // Delete (attached: detached with it), capacity back; the NSID is reused by the next create,
    // whose namespace is empty.
    EXPECT_STATUS(delete_ns(h, 2), st::kSuccess);
    EXPECT_EQ(unvmcap(h), 48 * kMiB);
    EXPECT_STATUS(io_status(h, buf, 2), st::kInvalidNamespaceOrFormat);
    EXPECT_EQ(nsid_list(identify(h, spec::cns::kAllocatedNamespaceList, 0)), std::vector<uint32_t>{1});
    EXPECT_TRUE(all_zero(identify(h, spec::cns::kAllocatedNamespace, 2)));
    const spec::Cqe again = create_ns(h, blocks(3 * 2048, 2));
    ASSERT_STATUS_OK(again);
    EXPECT_EQ(again.dw0(), 2u);
    EXPECT_EQ(unvmcap(h), 24 * kMiB);
    EXPECT_STATUS(attach(h, 2), st::kSuccess);
    EXPECT_STATUS(read_blocks(h, buf, 2, 5, 3, data.size(), out), st::kSuccess);
    EXPECT_TRUE(all_zero(out));
    EXPECT_EQ(nuse(h, 2), 0u);
    // The configured namespace was never touched.
    EXPECT_STATUS(io_status(h, buf, 1), st::kSuccess);
  });
}

TEST(NamespaceManagement, CapacityAccountingAcrossCreatesAndDeletes) {
  Bench b("bench", spare_capacity());
  b.run([](Bench& h) {
    bring_up(h);
    // 512-byte blocks: a namespace takes its bytes rounded up to 4 KiB.
    const spec::Cqe a = create_ns(h, blocks(9));  // 4608 bytes -> 8 KiB
    ASSERT_STATUS_OK(a);
    EXPECT_EQ(unvmcap(h), 48 * kMiB - 8192);
    EXPECT_EQ(spec::get_le64(&identify(h, spec::cns::kAllocatedNamespace, a.dw0())[in::kNvmcap]), 8192u);
    const spec::Cqe c = create_ns(h, blocks(4 * kMiB / 4096, 4));  // 4 MiB, 4 KiB + 64 bytes metadata
    ASSERT_STATUS_OK(c);
    EXPECT_EQ(c.dw0(), 3u);
    EXPECT_EQ(unvmcap(h), 44 * kMiB - 8192);
    // What is left, exactly: fits; one block more: Namespace Insufficient Capacity.
    const uint64_t left = unvmcap(h);
    EXPECT_STATUS(create_ns(h, blocks(left / 512 + 1)), st::kNamespaceInsufficientCapacity);
    const spec::Cqe d = create_ns(h, blocks(left / 512));
    ASSERT_STATUS_OK(d);
    EXPECT_EQ(unvmcap(h), 0u);
    EXPECT_STATUS(create_ns(h, blocks(1)), st::kNamespaceInsufficientCapacity);
    // Deleting the middle one frees exactly its capacity; the lowest free NSID is reused.
    EXPECT_STATUS(delete_ns(h, 3), st::kSuccess);
    EXPECT_EQ(unvmcap(h), 4 * kMiB);
    const spec::Cqe e = create_ns(h, blocks(1024, 2));
    ASSERT_STATUS_OK(e);
    EXPECT_EQ(e.dw0(), 3u);
    EXPECT_EQ(unvmcap(h), 0u);
    // Delete all (FFFFFFFFh), the configured namespace too.
    EXPECT_STATUS(delete_ns(h, kBroadcast), st::kSuccess);
    EXPECT_EQ(unvmcap(h), 64 * kMiB);
    EXPECT_EQ(tnvmcap(h), 64 * kMiB);
    EXPECT_TRUE(nsid_list(identify(h, spec::cns::kAllocatedNamespaceList, 0)).empty());
    EXPECT_TRUE(nsid_list(identify(h, spec::cns::kActiveNamespaceList, 0)).empty());
    EXPECT_EQ(changed_namespace_list(h), std::vector<uint32_t>{1}) << "only NSID 1 was attached";
  });
}

TEST(NamespaceManagement, CreateAndDeleteStatuses) {
  ControllerConfig cfg = spare_capacity();
  cfg.max_namespaces = 3;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    CreateFields thin = blocks(64);
    thin.ncap = 32;
    CreateFields over = blocks(32);
    over.ncap = 64;
    CreateFields dps = blocks(64);
    dps.dps = 1;
    CreateFields nmic = blocks(64);
    nmic.nmic = 2;
    spec::Sqe bad_sel = make_sqe(op::kNamespaceManagement, 2);
    run_admin_cases(h, {
        {"NSID set on create", create_sqe(h, blocks(64), 5), st::kInvalidField},
        {"CSI 02h (zoned)", create_sqe(h, blocks(64), 0, 2), st::kIoCommandSetNotSupported},
        {"FLBAS format 5 (NLBAF 4)", create_sqe(h, blocks(64, 5)), st::kInvalidFormat},
        {"FLBAS bits 6:5 (format 16)", create_sqe(h, blocks(64, 0x20)), st::kInvalidFormat},
        {"DPS: protection information", create_sqe(h, dps), st::kInvalidField},
        {"NMIC reserved bit", create_sqe(h, nmic), st::kInvalidField},
        {"NSZE 0", create_sqe(h, blocks(0)), st::kInvalidField},
        {"NCAP above NSZE", create_sqe(h, over), st::kInvalidField},
        {"NCAP below NSZE", create_sqe(h, thin), st::kThinProvisioningNotSupported},
        {"NSZE beyond UNVMCAP", create_sqe(h, blocks(48 * kMiB / 512 + 1)), st::kNamespaceInsufficientCapacity},
        {"NSZE x block size overflows", create_sqe(h, blocks(1ull << 60, 2)), st::kNamespaceInsufficientCapacity},
        {"SEL 2h", bad_sel, st::kInvalidField},
        {"delete NSID 0", make_sqe(op::kNamespaceManagement, kSelDelete, 0, 0), st::kInvalidNamespaceOrFormat},
        {"delete NSID above NN", make_sqe(op::kNamespaceManagement, kSelDelete, 0, 4), st::kInvalidNamespaceOrFormat},
        {"delete an unallocated NSID", make_sqe(op::kNamespaceManagement, kSelDelete, 0, 2), st::kInvalidField},
    });
    // NN = 3: NSIDs 2 and 3 are created, then none is left.
    CreateFields shared = blocks(64);
    shared.nmic = 1;
    const spec::Cqe two = create_ns(h, shared);
    ASSERT_STATUS_OK(two);
    EXPECT_EQ(identify(h, spec::cns::kAllocatedNamespace, 2)[in::kNmic], in::kNmicShared);
    EXPECT_EQ(create_ns(h, blocks(64)).dw0(), 3u);
    EXPECT_STATUS(create_ns(h, blocks(64)), st::kNamespaceIdentifierUnavailable);
    EXPECT_STATUS(delete_ns(h, 2), st::kSuccess);
    EXPECT_EQ(create_ns(h, blocks(64)).dw0(), 2u);
    EXPECT_STATUS(delete_ns(h, 2), st::kSuccess);
    EXPECT_STATUS(delete_ns(h, 2), st::kInvalidField) << "deleted already";
  });
}

TEST(NamespaceManagement, AttachmentStatuses) {
  Bench b("bench", spare_capacity());
  b.run([](Bench& h) {
    bring_up(h);
    ASSERT_STATUS_OK(create_ns(h, blocks(64)));
    run_admin_cases(h, {
        {"attach an attached namespace", attachment_sqe(h, kSelAttach, 1, {1}), st::kNamespaceAlreadyAttached},
        {"detach an unattached namespace", attachment_sqe(h, kSelDetach, 2, {1}), st::kNamespaceNotAttached},
        {"controller 2 is not in the subsystem", attachment_sqe(h, kSelAttach, 2, {2}), st::kControllerListInvalid},
        {"controller listed twice", attachment_sqe(h, kSelAttach, 2, {1, 1}), st::kControllerListInvalid},
        {"empty controller list", attachment_sqe(h, kSelAttach, 2, {}), st::kControllerListInvalid},
        {"NSID FFFFFFFFh", attachment_sqe(h, kSelAttach, kBroadcast, {1}), st::kInvalidField},
        {"NSID 0", attachment_sqe(h, kSelAttach, 0, {1}), st::kInvalidNamespaceOrFormat},
        {"NSID above NN", attachment_sqe(h, kSelAttach, 257, {1}), st::kInvalidNamespaceOrFormat},
        {"unallocated NSID", attachment_sqe(h, kSelAttach, 3, {1}), st::kInvalidField},
        {"SEL 2h", attachment_sqe(h, 2, 2, {1}), st::kInvalidField},
        {"attach", attachment_sqe(h, kSelAttach, 2, {1}), st::kSuccess},
        {"attach again", attachment_sqe(h, kSelAttach, 2, {1}), st::kNamespaceAlreadyAttached},
        {"detach a configured namespace", attachment_sqe(h, kSelDetach, 1, {1}), st::kSuccess},
        {"detach it again", attachment_sqe(h, kSelDetach, 1, {1}), st::kNamespaceNotAttached},
    });
    EXPECT_EQ(nsid_list(identify(h, spec::cns::kActiveNamespaceList, 0)), std::vector<uint32_t>{2});
    // Feature commands see the inactive namespace as such.
    EXPECT_STATUS(h.get_features(spec::feature::kErrorRecovery, 0, 0, 1), st::kInvalidNamespaceOrFormat);
  });
}

TEST(NamespaceManagement, AttachmentChangesRaiseNamespaceAttributeChanged) {
  Bench b("bench", spare_capacity());
  b.run([](Bench& h) {
    bring_up(h);
    ASSERT_STATUS_OK(create_ns(h, blocks(64)));
    ASSERT_STATUS_OK(create_ns(h, blocks(64)));
    EXPECT_TRUE(changed_namespace_list(h).empty()) << "creating does not change this controller's namespaces";

    // Notices disabled (Feature 0Bh bit 8 clear): the list still records the change.
    h.submit(0, make_sqe(op::kAsyncEventRequest), 0xE1);
    EXPECT_STATUS(attach(h, 2), st::kSuccess);
    wait_us(50);
    EXPECT_FALSE(h.cqe_available(0)) << "no notice while Feature 0Bh bit 8 is clear";
    EXPECT_EQ(changed_namespace_list(h), std::vector<uint32_t>{2});
    EXPECT_TRUE(changed_namespace_list(h).empty()) << "read with RAE clear: emptied";

    // Enabled: the outstanding request completes with the notice.
    EXPECT_STATUS(h.set_features(spec::feature::kAsyncEventConfiguration, spec::feature::kAecNamespaceAttribute),
                  st::kSuccess);
    EXPECT_EQ(h.get_features(spec::feature::kAsyncEventConfiguration).dw0(), spec::feature::kAecNamespaceAttribute);
    h.submit(0, attachment_sqe(h, kSelAttach, 3, {1}), 0x31);
    std::map<uint16_t, spec::Cqe> got;
    for (int i = 0; i < 2; ++i) {
      const spec::Cqe c = h.wait_cqe(0);
      got[c.cid()] = c;
    }
    ASSERT_EQ(got.count(0xE1), 1u);
    EXPECT_STATUS(got[0x31], st::kSuccess);
    EXPECT_EQ(got[0xE1].dw0(), ae::dw0(ae::kNotice, ae::notice::kNamespaceAttributeChanged, lg::kChangedNamespaceList));
    // Masked until the log is read: a detach meanwhile is listed, not reported.
    h.submit(0, make_sqe(op::kAsyncEventRequest), 0xE2);
    EXPECT_STATUS(attach(h, 2, kSelDetach), st::kSuccess);
    wait_us(50);
    EXPECT_FALSE(h.cqe_available(0));
    EXPECT_EQ(changed_namespace_list(h, true), (std::vector<uint32_t>{3, 2})) << "RAE set: kept, still masked";
    wait_us(50);
    EXPECT_FALSE(h.cqe_available(0));
    EXPECT_EQ(changed_namespace_list(h), (std::vector<uint32_t>{3, 2}));
    // Unmasked: deleting the attached NSID 3 detaches it and is reported.
    h.submit(0, make_sqe(op::kNamespaceManagement, kSelDelete, 0, 3), 0x32);
    got.clear();
    for (int i = 0; i < 2; ++i) {
      const spec::Cqe c = h.wait_cqe(0);
      got[c.cid()] = c;
    }
    ASSERT_EQ(got.count(0xE2), 1u);
    EXPECT_STATUS(got[0x32], st::kSuccess);
    EXPECT_EQ(got[0xE2].dw0(), ae::dw0(ae::kNotice, ae::notice::kNamespaceAttributeChanged, lg::kChangedNamespaceList));
    EXPECT_EQ(changed_namespace_list(h), std::vector<uint32_t>{3});
  });
}

TEST(NamespaceManagement, CommandsInFlightCompleteWhenTheirNamespaceGoes) {
  Bench b("bench", spare_capacity());
  b.run([](Bench& h) {
    bring_up(h);
    ASSERT_STATUS_OK(create_ns(h, blocks(8192, 2)));
    ASSERT_STATUS_OK(attach(h, 2));
    DataBuffer buf(h, 128 * 1024);
    buf.put(pattern(128 * 1024, 9));
    // Writes of 128 KiB on the I/O queue while the namespace is detached and deleted.
    for (int i = 0; i < 4; ++i) h.submit(1, buf.with_prps(lba_sqe(io_op::kWrite, 2, 32 * i, 32), 128 * 1024));
    h.submit(0, attachment_sqe(h, kSelDetach, 2, {1}));
    h.submit(0, make_sqe(op::kNamespaceManagement, kSelDelete, 0, 2));
    EXPECT_STATUS(h.wait_cqe(0), st::kSuccess);
    EXPECT_STATUS(h.wait_cqe(0), st::kSuccess);
    for (int i = 0; i < 4; ++i) {
      const spec::Cqe c = h.wait_cqe(1, sc_core::sc_time(10, sc_core::SC_MS));
      EXPECT_TRUE(c.status().ok() || c.status().is(st::kInvalidNamespaceOrFormat)) << describe(c.status());
    }
    EXPECT_STATUS(io_status(h, buf, 2), st::kInvalidNamespaceOrFormat);
    EXPECT_STATUS(io_status(h, buf, 1), st::kSuccess);
  });
}

TEST(NamespaceManagement, FlashBackendAllocatesUnitsFirstFit) {
  ControllerConfig cfg;
  cfg.namespaces = {NamespaceConfig{1, 16 * kMiB, 4096}};
  cfg.flash = small_flash(1, 1, Precondition::None);
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    const uint64_t logical = h.nvme.flash_stats().logical_units * h.nvme.flash_stats().mapping_unit_bytes;
    const uint64_t unit = h.nvme.flash_stats().mapping_unit_bytes;
    EXPECT_EQ(tnvmcap(h), logical) << "TNVMCAP: the FTL's logical capacity";
    EXPECT_EQ(unvmcap(h), logical - 16 * kMiB);
    // Three 8 MiB namespaces after NSID 1, then the middle one goes: 8 MiB hole.
    for (uint32_t nsid = 2; nsid <= 4; ++nsid) EXPECT_EQ(create_ns(h, blocks(2048, 2)).dw0(), nsid);
    const uint64_t left = unvmcap(h);
    EXPECT_EQ(left, logical - 40 * kMiB);
    for (uint32_t nsid = 2; nsid <= 4; ++nsid) EXPECT_STATUS(attach(h, nsid), st::kSuccess);
    DataBuffer buf(h, 64 * 1024);
    const auto data = pattern(16 * 4096, 4);
    EXPECT_STATUS(write_blocks(h, buf, 3, 0, 16, data), st::kSuccess);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kFlush, 3, 0, 1)), st::kSuccess);
    const uint64_t trimmed_before = h.nvme.flash_stats().host_units_trimmed;
    EXPECT_STATUS(delete_ns(h, 3), st::kSuccess);
    EXPECT_EQ(h.nvme.flash_stats().host_units_trimmed - trimmed_before, 16 * 4096 / unit) << "its written units are unmapped";
    // The rest of the drive holds more than 8 MiB, but not in one range if it is bigger than the
    // tail: a namespace bigger than the tail yet no bigger than the free capacity does not fit.
    const uint64_t tail = logical - 40 * kMiB;
    const uint64_t too_big = (tail + 4 * kMiB) / 4096;  // fits the free capacity (tail + 8 MiB), not one range
    EXPECT_STATUS(create_ns(h, blocks(too_big, 2)), st::kNamespaceInsufficientCapacity);
    // First fit: an 8 MiB namespace takes the hole and reads as never written.
    EXPECT_EQ(create_ns(h, blocks(2048, 2)).dw0(), 3u);
    EXPECT_STATUS(attach(h, 3), st::kSuccess);
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 3, 0, 16, data.size(), out), st::kSuccess);
    EXPECT_TRUE(all_zero(out));
    EXPECT_STATUS(write_blocks(h, buf, 3, 2047, 1, pattern(4096, 1)), st::kSuccess);
    EXPECT_STATUS(write_blocks(h, buf, 4, 0, 16, data), st::kSuccess);
    EXPECT_STATUS(read_blocks(h, buf, 4, 0, 16, data.size(), out), st::kSuccess);
    EXPECT_EQ(out, data);
  });
}

TEST(NamespaceManagement, NvmCapacityIsValidated) {
  ControllerConfig cfg = spare_capacity();
  expect_config_verdict([&] { cfg.validate(); }, "");
  cfg.nvm_capacity_bytes = 8 * kMiB;  // below the configured 16 MiB namespace
  expect_config_verdict([&] { cfg.validate(); }, "nvm_capacity_bytes");
  // Above the flash backend's logical capacity: found when the controller places the namespaces.
  cfg.nvm_capacity_bytes = 1ull << 40;
  cfg.flash.enabled = true;
  cfg.flash.precondition = Precondition::None;
  cfg.flash.nand.blocks_per_plane = 128;
  expect_config_verdict([&] { cfg.validate(); }, "");
  expect_config_verdict([&] { Controller c("nvme_too_much_capacity", cfg); }, "nvm_capacity_bytes");
}
