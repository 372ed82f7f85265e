// Namespace hot-plug by the platform (scnvme::Controller::add_namespace, remove_namespace,
// resize_namespace), driven from the test bench's thread: the Namespace Attribute Changed notice
// (Feature 0Bh bit 8), the Changed Namespace List, I/O to removed namespaces and Identify after a
// resize; bad requests return false or throw ConfigError.
#include "integration/nvm_host.h"
#include "support/config_verdict.h"
#include "scnvme/spec/nvme_async_event.h"

using namespace scnvme;
using namespace scnvme::test;
using namespace scnvme::test::nvm;
namespace ft = spec::feature;
namespace lg = spec::log;
namespace ae = spec::async_event;

namespace {

constexpr uint64_t kMiB = 1ull << 20;

void expect_notice(Bench& h, uint16_t cid) {
  const spec::Cqe e = h.wait_cqe(0);
  EXPECT_EQ(e.cid(), cid);
  EXPECT_EQ(e.dw0(), ae::dw0(ae::kNotice, ae::notice::kNamespaceAttributeChanged, lg::kChangedNamespaceList));
}

spec::Cqe read1(Bench& h, DataBuffer& buf, uint32_t nsid, uint64_t lba = 0) {
  std::vector<uint8_t> out;
  return read_blocks(h, buf, nsid, lba, 1, 512, out);
}

}  // namespace

TEST(NamespaceHotplug, AddRemoveAndResizeRaiseNotices) {
  ControllerConfig cfg;
  cfg.namespaces = {NamespaceConfig{1, 16 * kMiB, 512}};
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 64 * 1024);
    EXPECT_STATUS(h.set_features(ft::kAsyncEventConfiguration, ft::kAecNamespaceAttribute), st::kSuccess);
    h.submit(0, make_sqe(op::kAsyncEventRequest), 0xE1);
    EXPECT_STATUS(read1(h, buf, 2), st::kInvalidNamespaceOrFormat);

    // Add NSID 2 (8 MiB of 4 KiB blocks): active at once.
    NamespaceConfig two(2, 8 * kMiB, 4096);
    EXPECT_TRUE(h.nvme.add_namespace(two));
    expect_notice(h, 0xE1);
    EXPECT_EQ(changed_namespace_list(h), std::vector<uint32_t>{2});
    EXPECT_EQ(spec::get_le64(identify_ns(h, 2).data() + in::kNsze), 2048u);
    const auto data = pattern(8 * 4096, 3);
    EXPECT_STATUS(write_blocks(h, buf, 2, 0, 8, data), st::kSuccess);

    // Resize it to 12 MiB: the data stays, NSZE/NCAP follow.
    h.submit(0, make_sqe(op::kAsyncEventRequest), 0xE2);
    EXPECT_TRUE(h.nvme.resize_namespace(2, 12 * kMiB));
    expect_notice(h, 0xE2);
    EXPECT_EQ(changed_namespace_list(h), std::vector<uint32_t>{2});
    const auto id = identify_ns(h, 2);
    EXPECT_EQ(spec::get_le64(id.data() + in::kNsze), 3072u);
    EXPECT_EQ(spec::get_le64(id.data() + in::kNcap), 3072u);
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 2, 0, 8, data.size(), out), st::kSuccess);
    EXPECT_EQ(out, data);
    EXPECT_STATUS(read1(h, buf, 2, 3071), st::kSuccess);
    EXPECT_STATUS(read1(h, buf, 2, 3072), st::kLbaOutOfRange);
    // Shrinking below written data keeps what still fits.
    EXPECT_TRUE(h.nvme.resize_namespace(2, 4 * 4096));
    EXPECT_STATUS(read_blocks(h, buf, 2, 0, 4, 4 * 4096, out), st::kSuccess);
    EXPECT_TRUE(std::equal(out.begin(), out.end(), data.begin()));
    EXPECT_STATUS(read1(h, buf, 2, 4), st::kLbaOutOfRange);

    // Remove it: later I/O gets Invalid Namespace or Format; Identify is zero-filled.
    h.submit(0, make_sqe(op::kAsyncEventRequest), 0xE3);
    EXPECT_TRUE(h.nvme.remove_namespace(2));
    expect_notice(h, 0xE3);
    EXPECT_STATUS(read1(h, buf, 2), st::kInvalidNamespaceOrFormat);
    EXPECT_TRUE(all_zero(identify_ns(h, 2)));
    EXPECT_EQ(changed_namespace_list(h), std::vector<uint32_t>{2});
    EXPECT_STATUS(read1(h, buf, 1), st::kSuccess) << "NSID 1 unaffected";
  });
}

TEST(NamespaceHotplug, NoticeIsGatedByFeature0Bh) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    h.submit(0, make_sqe(op::kAsyncEventRequest), 0xE1);
    EXPECT_TRUE(h.nvme.add_namespace(NamespaceConfig(5, 4 * kMiB)));
    wait_us(50);
    EXPECT_FALSE(h.cqe_available(0)) << "Namespace Attribute notices disabled";
    EXPECT_EQ(changed_namespace_list(h), std::vector<uint32_t>{5}) << "the list is kept anyway";
  });
}

TEST(NamespaceHotplug, BadRequests) {
  ControllerConfig cfg;
  cfg.namespaces = {NamespaceConfig{1, 16 * kMiB, 512}};
  cfg.nvm_capacity_bytes = 32 * kMiB;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_FALSE(h.nvme.add_namespace(NamespaceConfig(1, 4 * kMiB))) << "NSID allocated";
    EXPECT_FALSE(h.nvme.add_namespace(NamespaceConfig(2, 20 * kMiB))) << "16 MiB unallocated";
    EXPECT_FALSE(h.nvme.remove_namespace(9)) << "not allocated";
    EXPECT_FALSE(h.nvme.resize_namespace(9, 4 * kMiB)) << "not allocated";
    EXPECT_FALSE(h.nvme.resize_namespace(1, 40 * kMiB)) << "beyond the NVM capacity";
    expect_config_verdict([&] { h.nvme.add_namespace(NamespaceConfig(0, 4 * kMiB)); }, "namespace.nsid");
    expect_config_verdict([&] { h.nvme.add_namespace(NamespaceConfig(300, 4 * kMiB)); }, "namespace.nsid");
    expect_config_verdict([&] { h.nvme.add_namespace(NamespaceConfig(2, 1000, 512)); }, "namespace.size_bytes");
    expect_config_verdict([&] { h.nvme.resize_namespace(1, 0); }, "namespace.size_bytes");
    expect_config_verdict([&] { h.nvme.resize_namespace(1, 513); }, "namespace.size_bytes");
    EXPECT_TRUE(changed_namespace_list(h).empty()) << "nothing changed";
    EXPECT_TRUE(h.nvme.add_namespace(NamespaceConfig(2, 16 * kMiB))) << "exactly the capacity left";
  });
}
