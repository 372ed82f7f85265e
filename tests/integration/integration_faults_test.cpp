// Faults and resets end to end: DMA errors on SQE fetch, CQE post and data transfer (NVMe Base 2.0,
// 3.1.3.6 CSTS.CFS; 4.6.1.2.1 Data Transfer Error), a controller reset with commands in flight
// (3.7.2), and host mistakes reported as scnvme/guest-error warnings, never errors.
#include "conformance/host_steps.h"

using namespace scnvme;
using namespace scnvme::test;

namespace {

constexpr const char* kGuestError = "scnvme/guest-error";

void bring_up(Bench& h) {
  h.pci_setup();
  ASSERT_TRUE(h.enable());
}

/// Polls CSTS until CFS is set or `us` microseconds pass.
bool wait_fatal(Bench& h, double us) {
  const sc_core::sc_time end = sc_core::sc_time_stamp() + sc_core::sc_time(us, sc_core::SC_US);
  while (sc_core::sc_time_stamp() < end) {
    if (h.rd32(spec::reg::kCsts) & spec::reg::csts::kCfs) return true;
    wait_us(1);
  }
  return false;
}

spec::Sqe identify_into(uint64_t buf) {
  return with_prp1(make_sqe(op::kIdentify, spec::cns::kController), buf);
}

}  // namespace

TEST(IntegrationFaults, FailingSqeFetchSetsControllerFatalStatus) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const int warnings = sc_core::sc_report_handler::get_count(kGuestError);
    const HostQueue& asq = h.sqs.at(0);
    h.mem.fail_range(asq.base, asq.base + 64ull * asq.size);
    h.submit(0, identify_into(h.alloc(4096)));
    EXPECT_TRUE(wait_fatal(h, 100)) << "CSTS.CFS";
    EXPECT_FALSE(h.cqe_available(0));
    EXPECT_GT(sc_core::sc_report_handler::get_count(kGuestError), warnings);
    // A controller reset clears CFS; with working memory the controller runs again.
    h.mem.fail_range(1, 0);
    h.wr32(spec::reg::kCc, 0);
    ASSERT_TRUE(h.wait_ready(false));
    EXPECT_EQ(h.rd32(spec::reg::kCsts) & spec::reg::csts::kCfs, 0u);
    ASSERT_TRUE(h.enable());
    EXPECT_STATUS(h.admin(identify_into(h.alloc(4096))), st::kSuccess);
  });
}

TEST(IntegrationFaults, FailingCqeWriteSetsControllerFatalStatus) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const HostQueue& acq = h.cqs.at(0);
    h.mem.fail_range(acq.base, acq.base + 16ull * acq.size);
    h.submit(0, identify_into(h.alloc(4096)));
    EXPECT_TRUE(wait_fatal(h, 100)) << "CSTS.CFS";
    wait_us(5);
    EXPECT_TRUE(h.msi.messages.empty()) << "no interrupt for a CQE that was never written";
  });
}

// Once the controller is in fatal status it posts nothing more: the commands in flight behind the
// one whose CQE write failed never complete (NVMe 2.0 9.5), as with an injected fatal status.
TEST(IntegrationFaults, NoCompletionAfterAFailedCqeWrite) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const HostQueue& acq = h.cqs.at(0);
    h.mem.fail_range(acq.base, acq.base + 16);  // only the entry the next CQE goes to
    for (int i = 0; i < 4; ++i) h.submit(0, identify_into(h.alloc(4096)), -1, i == 3);
    EXPECT_TRUE(wait_fatal(h, 100)) << "CSTS.CFS";
    wait_us(50);
    for (uint32_t e = 1; e < 4; ++e)
      EXPECT_EQ(h.mem.at(acq.base + 16 * ((acq.index + e) % acq.size))[14] & 1, 0) << "a CQE in entry " << e << " after CFS";
    EXPECT_TRUE(h.msi.messages.empty());
  });
}

TEST(IntegrationFaults, DataDmaFailureCompletesWithDataTransferError) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const uint64_t bad = h.alloc(8192);
    h.mem.fail_range(bad, bad + 8192);
    run_admin_cases(h, {
        {"Identify into a failing buffer", identify_into(bad), st::kDataTransferError},
        {"Identify whose PRP2 page fails", [&] {
           spec::Sqe s = identify_into(h.alloc(4096) + 0x800);
           s.set_prp2(bad);
           return s;
         }(),
         st::kDataTransferError},
        {"Get Log Page into a failing buffer", with_prp1(get_log_sqe(spec::log::kSmartHealth, 512), bad + 4096),
         st::kDataTransferError},
        {"the controller carries on", identify_into(h.alloc(4096)), st::kSuccess},
    });
    EXPECT_EQ(h.rd32(spec::reg::kCsts) & spec::reg::csts::kCfs, 0u) << "a data transfer error is not fatal";
  });
}

TEST(IntegrationFaults, ControllerResetWithCommandsInFlight) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(h.create_cq(1, 16, 1), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 16, 1), st::kSuccess);
    for (int i = 0; i < 4; ++i) h.submit(0, identify_into(h.alloc(4096)), -1, false);
    for (int i = 0; i < 2; ++i) h.submit(0, make_sqe(op::kAsyncEventRequest), -1, false);
    for (int i = 0; i < 8; ++i) h.submit(1, make_sqe(kUndefinedIoOpcode, 0, 0, 1), -1, false);
    h.ring_sq(0);
    h.ring_sq(1);
    wait_us(0.4);  // some commands fetched, some executing, some still queued
    const uint32_t cc = h.rd32(spec::reg::kCc);
    h.wr32(spec::reg::kCc, cc & ~spec::reg::cc::kEn);
    const sc_core::sc_time reset_at = sc_core::sc_time_stamp();
    ASSERT_TRUE(h.wait_ready(false));
    wait_us(100);
    for (const auto& a : h.mem.accesses)
      EXPECT_FALSE(a.time > reset_at) << "DMA " << (a.command == tlm::TLM_WRITE_COMMAND ? "write" : "read") << " at 0x"
                                      << std::hex << a.address << " after the reset, at " << a.time;
    const std::size_t messages = h.msi.messages.size();
    EXPECT_EQ(h.rd32(spec::reg::kCsts) & spec::reg::csts::kCfs, 0u);
    EXPECT_EQ(h.nvme.stats().controller_resets, 1u);

    ASSERT_TRUE(h.enable());  // fresh admin queues; I/O queues are gone
    EXPECT_STATUS(h.admin(identify_into(h.alloc(4096))), st::kSuccess);
    wait_us(50);
    EXPECT_FALSE(h.cqe_available(0)) << "no stale completion after re-enable";
    EXPECT_EQ(h.msi.messages.size(), messages + 1);
    h.wr32(spec::reg::sq_tail_doorbell(1, 0), 1);  // SQ 1 no longer exists: a guest error, no fetch
    wait_us(10);
    EXPECT_FALSE(h.cqe_available(0));
  });
}

TEST(IntegrationFaults, GuestErrorsAreWarnings) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const int warnings = sc_core::sc_report_handler::get_count(kGuestError);
    const uint64_t counted = h.nvme.stats().guest_errors;
    const unsigned dstrd = h.nvme.config().doorbell_stride;
    h.wr32(spec::reg::sq_tail_doorbell(5, dstrd), 1);     // SQ 5 does not exist
    h.wr32(spec::reg::cq_head_doorbell(0, dstrd), 7);     // head beyond the tail
    h.wr32(spec::reg::sq_tail_doorbell(0, dstrd), 40);    // tail beyond the 32-entry admin SQ
    h.wr32(spec::reg::sq_tail_doorbell(0, dstrd), 0x10000);  // reserved bits
    uint8_t d[4] = {};
    EXPECT_EQ(h.access(h.bar0_init, tlm::TLM_READ_COMMAND, 0x2, d, 4), tlm::TLM_BURST_ERROR_RESPONSE);
    const uint32_t cc = h.rd32(spec::reg::kCc);
    h.wr32(spec::reg::kCc, cc ^ (1u << 7));  // CC.MPS changed while enabled: ignored
    wait_us(1);
    EXPECT_EQ(h.rd32(spec::reg::kCc), cc);
    EXPECT_EQ(sc_core::sc_report_handler::get_count(kGuestError) - warnings, 6);
    EXPECT_EQ(h.nvme.stats().guest_errors - counted, 6u);
    EXPECT_EQ(sc_core::sc_report_handler::get_count(sc_core::SC_ERROR), 0);
    EXPECT_EQ(sc_core::sc_report_handler::get_count(sc_core::SC_FATAL), 0);
    EXPECT_EQ(h.rd32(spec::reg::kCsts) & spec::reg::csts::kCfs, 0u);
    EXPECT_STATUS(h.admin(identify_into(h.alloc(4096))), st::kSuccess) << "the controller is unaffected";
  });
}
