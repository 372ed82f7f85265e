// Guest-error diagnostics (scnvme/diagnostics.h): every host-mistake kind provoked by a host doing
// the wrong thing. The first occurrence per kind and subject is one scnvme/guest-error warning
// with the offending value; an identical second one is counted without a warning; the device
// still behaves as the specification prescribes. Also: the catalogue, the reminder at 10, 100,
// ... occurrences, counts surviving resets, several controllers, and the trace-point filter.
#include <algorithm>
#include <functional>
#include <memory>
#include <set>

#include "conformance/host_steps.h"
#include "scnvme/diagnostics.h"
#include "scnvme/spec/nvme_async_event.h"

using namespace scnvme;
using namespace scnvme::test;
namespace reg = scnvme::spec::reg;
namespace p = scnvme::spec::pci;

namespace {

constexpr const char* kGuestErrorType = "scnvme/guest-error";
constexpr uint32_t kEntrySizes = (6u << 16) | (4u << 20);  // CC.IOSQES = 6, CC.IOCQES = 4

int warnings() { return sc_core::sc_report_handler::get_count(kGuestErrorType); }
int trace_lines(const std::string& name) { return sc_core::sc_report_handler::get_count(("scnvme/trace/" + name).c_str()); }

const GuestErrorRecord* record(Bench& h, GuestError kind, const std::string& subject) {
  static std::vector<GuestErrorRecord> records;  // keeps the returned pointer valid until the next call
  records = h.nvme.guest_errors();
  for (const auto& r : records)
    if (r.kind == kind && r.subject == subject) return &r;
  return nullptr;
}

/// Makes `mistake` twice. The first: the kind's count goes up by 1 (to 1 for a kind not seen
/// before), exactly one guest-error warning, a record for `subject` with the offending `value`.
/// The second: the count goes up by 1 again, no further warning.
/// Nothing else is reported as a guest error meanwhile (stats.guest_errors moves by one each time).
void expect_reported_once(Bench& h, GuestError kind, const std::string& subject, uint64_t value,
                          const std::function<void()>& mistake) {
  SCOPED_TRACE(guest_error_name(kind));
  const int warned = warnings();
  const uint64_t total = h.nvme.stats().guest_errors;
  const uint64_t before = h.nvme.guest_error_count(kind);
  mistake();
  wait_us(2);
  EXPECT_EQ(h.nvme.guest_error_count(kind), before + 1);
  EXPECT_EQ(warnings() - warned, 1);
  EXPECT_EQ(h.nvme.stats().guest_errors - total, 1u);
  const GuestErrorRecord* r = record(h, kind, subject);
  ASSERT_NE(r, nullptr) << "no record on " << subject;
  EXPECT_EQ(r->count, 1u);
  EXPECT_EQ(r->first_value, value) << std::hex << "0x" << r->first_value << ", expected 0x" << value;
  EXPECT_FALSE(r->first_message.empty());
  mistake();
  wait_us(2);
  EXPECT_EQ(h.nvme.guest_error_count(kind), before + 2);
  EXPECT_EQ(warnings() - warned, 1) << "a repeat is counted, not reported";
  EXPECT_EQ(h.nvme.stats().guest_errors - total, 2u);
  r = record(h, kind, subject);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->count, 2u);
  EXPECT_EQ(r->first_value, value);
}

void bring_up(Bench& h) {
  h.pci_setup();
  ASSERT_TRUE(h.enable());
}

spec::Sqe identify_at(uint64_t prp1, uint64_t prp2 = 0) {
  spec::Sqe s = with_prp1(make_sqe(op::kIdentify, spec::cns::kController), prp1);
  s.set_prp2(prp2);
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The catalogue

TEST(GuestErrorsCatalogue, NamesAreStableDottedAndUnique) {
  EXPECT_STREQ(guest_error_name(GuestError::RegisterReadOnlyWrite), "guest.register.read_only_write");
  EXPECT_STREQ(guest_error_name(GuestError::DoorbellNoQueue), "guest.doorbell.no_queue");
  EXPECT_STREQ(guest_error_name(GuestError::DoorbellSqTailBeyondSize), "guest.doorbell.sq_tail_beyond_size");
  EXPECT_STREQ(guest_error_name(GuestError::DoorbellCqHeadInvalid), "guest.doorbell.cq_head_invalid");
  EXPECT_STREQ(guest_error_name(GuestError::PrpMisaligned), "guest.prp.misaligned");
  EXPECT_STREQ(guest_error_name(GuestError::QueueMemoryOverlap), "guest.queue.memory_overlap");
  EXPECT_STREQ(guest_error_name(GuestError::CcChangedWhileNotReady), "guest.cc.changed_while_not_ready");
  EXPECT_STREQ(guest_error_name(GuestError::MsiWriteFailed), "guest.msi.write_failed");
  EXPECT_STREQ(guest_error_name(GuestError::RegisterMisalignedAccess), "guest.register.misaligned_access");
  EXPECT_STREQ(trace_point_name(TracePoint::CmdFetched), "cmd.fetched");
  EXPECT_STREQ(trace_point_name(TracePoint::CmdCompleted), "cmd.completed");
  EXPECT_STREQ(trace_point_name(TracePoint::RegWrite), "reg.write");
  const std::vector<std::string> names = catalogue_names();
  EXPECT_EQ(names.size(), kTracePoints + kGuestErrorKinds);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  for (std::size_t k = 0; k < kGuestErrorKinds; ++k) {
    const CatalogueEntry& e = describe(static_cast<GuestError>(k));
    EXPECT_EQ(std::string(e.name).rfind("guest.", 0), 0u) << e.name;
    EXPECT_GT(std::string(e.meaning).size(), 10u) << e.name;
  }
  for (std::size_t t = 0; t < kTracePoints; ++t)
    EXPECT_NE(std::string(describe(static_cast<TracePoint>(t)).name).rfind("guest.", 0), 0u);
  EXPECT_TRUE(name_matches("guest.*", "guest.doorbell.no_queue"));
  EXPECT_TRUE(name_matches("cmd.fetche?", "cmd.fetched"));
  EXPECT_FALSE(name_matches("cmd.*", "reg.read"));
}

// ---------------------------------------------------------------------------------------------
// Registers

TEST(GuestErrorsRegisters, ReadOnlyRegistersIgnoreWrites) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const uint64_t cap = h.rd64(reg::kCap);
    ASSERT_EQ(h.nvme.guest_error_count(GuestError::RegisterReadOnlyWrite), 0u);
    expect_reported_once(h, GuestError::RegisterReadOnlyWrite, "CAP", 0x1234, [&] { h.wr64(reg::kCap, 0x1234); });
    EXPECT_EQ(h.rd64(reg::kCap), cap);
    // CSTS: RDY/CFS/SHST are read-only (writing back what they hold is no mistake; setting CFS is).
    h.wr32(reg::kCsts, h.rd32(reg::kCsts));
    h.wr32(reg::kCsts, reg::csts::kNssro);
    wait_us(1);
    EXPECT_EQ(h.nvme.guest_error_count(GuestError::RegisterReadOnlyWrite), 2u);
    expect_reported_once(h, GuestError::RegisterReadOnlyWrite, "CSTS", reg::csts::kCfs, [&] { h.wr32(reg::kCsts, reg::csts::kCfs); });
    EXPECT_EQ(h.rd32(reg::kCsts), reg::csts::kRdy);
  });
}

TEST(GuestErrorsRegisters, ReservedBitsAndOffsets) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const uint32_t aqa = h.rd32(reg::kAqa);
    expect_reported_once(h, GuestError::RegisterReservedBits, "AQA", aqa | 0x80000000u,
                         [&] { h.wr32(reg::kAqa, aqa | 0x80000000u); });
    EXPECT_EQ(h.rd32(reg::kAqa), aqa);
    expect_reported_once(h, GuestError::RegisterReservedWrite, "BAR0", 0x18, [&] { h.wr32(0x18, 5); });
    EXPECT_EQ(h.rd32(0x18), 0u);
    // Beyond the doorbells and the MSI-X structures.
    const uint32_t end = static_cast<uint32_t>(h.nvme.config().pci.bar0_size) - 4;
    h.wr32(end, 1);
    wait_us(1);
    EXPECT_EQ(h.nvme.guest_error_count(GuestError::RegisterReservedWrite), 3u);
    EXPECT_STATUS(h.admin(identify_at(h.alloc(4096))), st::kSuccess);
  });
}

TEST(GuestErrorsRegisters, AccessWidthAndAlignment) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const uint32_t cc = h.rd32(reg::kCc);
    uint8_t d[8] = {};
    expect_reported_once(h, GuestError::RegisterAccessWidth, "CC", reg::kCc, [&] {
      EXPECT_EQ(h.access(h.bar0_init, tlm::TLM_READ_COMMAND, reg::kCc, d, 2), tlm::TLM_OK_RESPONSE);
    });
    EXPECT_EQ(spec::get_le16(d), cc & 0xFFFF) << "carried out";
    // 32-bit halves of a 64-bit register are fine.
    EXPECT_EQ(h.rd32(reg::kCap + 4), static_cast<uint32_t>(h.rd64(reg::kCap) >> 32));
    expect_reported_once(h, GuestError::RegisterMisalignedAccess, "BAR0", 0x2, [&] {
      EXPECT_EQ(h.access(h.bar0_init, tlm::TLM_READ_COMMAND, 0x2, d, 4), tlm::TLM_BURST_ERROR_RESPONSE);
    });
    expect_reported_once(h, GuestError::ConfigMisalignedAccess, "config", 0x2, [&] {
      EXPECT_EQ(h.access(h.cfg_init, tlm::TLM_READ_COMMAND, 0x2, d, 4), tlm::TLM_BURST_ERROR_RESPONSE);
    });
    EXPECT_EQ(h.nvme.guest_error_count(GuestError::RegisterAccessWidth), 2u);
  });
}

TEST(GuestErrorsRegisters, IntmWithMsixPbaAndMemorySpace) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);  // MSI-X enabled
    expect_reported_once(h, GuestError::RegisterIntmWithMsix, "INTMS", 1, [&] { h.wr32(reg::kIntms, 1); });
    EXPECT_EQ(h.rd32(reg::kIntms), 0u);
    const uint32_t pba = static_cast<uint32_t>(h.nvme.config().pci.msix_pba_offset);
    expect_reported_once(h, GuestError::RegisterReadOnlyWrite, "MSI-X PBA", pba, [&] { h.wr32(pba, 0xFFFFFFFF); });
    EXPECT_EQ(h.rd32(pba), 0u);
    h.cfg_write(p::kCommand, 2, p::command::kBusMaster);  // Memory Space Enable cleared
    uint8_t d[4] = {};
    expect_reported_once(h, GuestError::RegisterMemorySpaceDisabled, "BAR0", reg::kVs, [&] {
      EXPECT_EQ(h.access(h.bar0_init, tlm::TLM_READ_COMMAND, reg::kVs, d, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    });
    EXPECT_EQ(spec::get_le32(d), 0xFFFFFFFFu);
  });
}

// ---------------------------------------------------------------------------------------------
// Doorbells

TEST(GuestErrorsDoorbells, EachMistakeIsReportedOncePerQueue) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const unsigned dstrd = h.nvme.config().doorbell_stride;
    // The host is told through an Asynchronous Event Request, as before.
    h.submit(0, make_sqe(op::kAsyncEventRequest), 0xAE);
    wait_us(20);
    expect_reported_once(h, GuestError::DoorbellNoQueue, "SQ7", 1, [&] { h.wr32(reg::sq_tail_doorbell(7, dstrd), 1); });
    const spec::Cqe event = h.wait_cqe(0);
    EXPECT_EQ(event.cid(), 0xAE);
    EXPECT_EQ(event.dw0(), spec::async_event::dw0(spec::async_event::kError, spec::async_event::error::kInvalidDoorbellRegister,
                                                  spec::log::kErrorInformation));
    expect_reported_once(h, GuestError::DoorbellNoQueue, "CQ7", 3, [&] { h.wr32(reg::cq_head_doorbell(7, dstrd), 3); });
    EXPECT_EQ(h.nvme.guest_error_count(GuestError::DoorbellNoQueue), 4u);
    expect_reported_once(h, GuestError::DoorbellSqTailBeyondSize, "SQ0", 40, [&] { h.wr32(reg::sq_tail_doorbell(0, dstrd), 40); });
    expect_reported_once(h, GuestError::DoorbellCqHeadInvalid, "CQ0", 7, [&] { h.wr32(reg::cq_head_doorbell(0, dstrd), 7); });
    expect_reported_once(h, GuestError::DoorbellReservedBits, "SQ0", 0x10000, [&] { h.wr32(reg::sq_tail_doorbell(0, dstrd), 0x10000); });
    uint8_t half[2] = {1, 0};
    const uint32_t sq1 = reg::sq_tail_doorbell(1, dstrd);
    expect_reported_once(h, GuestError::DoorbellPartialWrite, "SQ1", sq1, [&] {
      EXPECT_EQ(h.access(h.bar0_init, tlm::TLM_WRITE_COMMAND, sq1, half, 2), tlm::TLM_OK_RESPONSE);
    });
    // Every bad write was ignored: the admin queue works on.
    EXPECT_EQ(h.nvme.stats().commands_fetched, 1u);
    EXPECT_STATUS(h.admin(identify_at(h.alloc(4096))), st::kSuccess);
  });
}

TEST(GuestErrorsDoorbells, RepeatsAreReportedAgainAtPowersOfTen) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const int warned = warnings();
    for (int i = 1; i <= 100; ++i) {
      h.wr32(reg::sq_tail_doorbell(9, h.nvme.config().doorbell_stride), static_cast<uint32_t>(i));
      wait_us(1);
      EXPECT_EQ(warnings() - warned, i < 10 ? 1 : i < 100 ? 2 : 3) << "after " << i;
    }
    EXPECT_EQ(h.nvme.guest_error_count(GuestError::DoorbellNoQueue), 100u);
    const GuestErrorRecord* r = record(h, GuestError::DoorbellNoQueue, "SQ9");
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->count, 100u);
    EXPECT_EQ(r->first_value, 1u);
  });
}

// ---------------------------------------------------------------------------------------------
// CC

TEST(GuestErrorsCc, FieldsChangedWhileEnabledAreIgnored) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const uint32_t cc = h.rd32(reg::kCc);
    const uint32_t changed = cc ^ (1u << 7);  // CC.MPS
    expect_reported_once(h, GuestError::CcChangedWhileEnabled, "CC", changed, [&] { h.wr32(reg::kCc, changed); });
    EXPECT_EQ(h.rd32(reg::kCc), cc);
    EXPECT_STATUS(h.admin(identify_at(h.alloc(4096))), st::kSuccess);
  });
}

TEST(GuestErrorsCc, EnableBeforeTheResetFinishedIsReported) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const uint32_t cc = h.rd32(reg::kCc);
    // Reset, and enable again at once, without waiting for CSTS.RDY = 0.
    expect_reported_once(h, GuestError::CcChangedWhileNotReady, "CC", cc, [&] {
      h.wr32(reg::kCc, 0);
      h.wr32(reg::kCc, cc);
    });
    EXPECT_EQ(h.rd32(reg::kCc), cc) << "carried out";
    // The orderly way afterwards reports nothing and works.
    const int warned = warnings();
    h.wr32(reg::kCc, 0);
    ASSERT_TRUE(h.wait_ready(false));
    ASSERT_TRUE(h.enable());
    EXPECT_STATUS(h.admin(identify_at(h.alloc(4096))), st::kSuccess);
    EXPECT_EQ(warnings(), warned);
  });
}

TEST(GuestErrorsCc, DisableBeforeTheEnableFinishedIsReported) {
  ControllerConfig cfg;
  cfg.timing.ready_delay_us = 100;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    h.pci_setup();
    h.wr32(reg::kAqa, 0x001F001F);
    h.wr64(reg::kAsq, h.alloc(32 * 64));
    h.wr64(reg::kAcq, h.alloc(32 * 16));
    const uint32_t cc = reg::cc::kEn | kEntrySizes;
    expect_reported_once(h, GuestError::CcChangedWhileNotReady, "CC", kEntrySizes, [&] {
      h.wr32(reg::kCc, cc);
      h.wr32(reg::kCc, kEntrySizes);  // CSTS.RDY is still 0
    });
    // CC.MPS changed while the reset runs: the same kind on CC.
    ASSERT_TRUE(h.enable());
    h.wr32(reg::kCc, kEntrySizes);
    h.wr32(reg::kCc, kEntrySizes | (1u << 7));
    wait_us(1);
    EXPECT_EQ(h.nvme.guest_error_count(GuestError::CcChangedWhileNotReady), 3u);
    EXPECT_TRUE(h.wait_ready(false));
  });
}

TEST(GuestErrorsCc, UnsupportedConfigurationIsFatalAndCountsSurviveResets) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup();
    const uint32_t bad = reg::cc::kEn | kEntrySizes | (15u << 7);  // CC.MPS beyond CAP.MPSMAX
    expect_reported_once(h, GuestError::CcUnsupportedConfig, "CC", bad, [&] {
      h.wr32(reg::kAqa, 0x001F001F);
      h.wr64(reg::kAsq, h.alloc(32 * 64));
      h.wr64(reg::kAcq, h.alloc(32 * 16));
      h.wr32(reg::kCc, bad);
      wait_us(200);
      EXPECT_TRUE(h.rd32(reg::kCsts) & reg::csts::kCfs);
      h.wr32(reg::kCc, 0);  // recovery: a reset (no mistake although CSTS.RDY = 0)
      wait_us(200);
      EXPECT_EQ(h.rd32(reg::kCsts), 0u);
    });
    EXPECT_EQ(h.nvme.stats().controller_resets, 2u);
    ASSERT_TRUE(h.enable());
    EXPECT_STATUS(h.admin(identify_at(h.alloc(4096))), st::kSuccess);
    EXPECT_EQ(h.nvme.guest_error_count(GuestError::CcUnsupportedConfig), 2u) << "kept over resets";
    ASSERT_EQ(h.nvme.guest_errors().size(), 1u);
  });
}

// ---------------------------------------------------------------------------------------------
// Queues and PRPs

TEST(GuestErrorsQueues, OverlappingQueueMemoryIsReportedAndTheQueueCreated) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(h.create_cq(1, 16, 1), st::kSuccess);
    const uint64_t cq_base = h.cqs.at(1).base;
    expect_reported_once(h, GuestError::QueueMemoryOverlap, "SQ1", cq_base, [&] {
      EXPECT_STATUS(h.admin(with_prp1(create_sq_sqe(h, 1, 16, 1), cq_base)), st::kSuccess);
      EXPECT_STATUS(h.admin(delete_sqe(op::kDeleteIoSq, 1)), st::kSuccess);
    });
    // A CQ over the admin SQ's memory; separate memory is no mistake.
    const uint64_t asq = h.sqs.at(0).base;
    EXPECT_STATUS(h.admin(with_prp1(create_cq_sqe(h, 2, 16, 2), asq)), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 16, 1), st::kSuccess);
    wait_us(1);
    EXPECT_EQ(h.nvme.guest_error_count(GuestError::QueueMemoryOverlap), 3u) << "SQ1 twice, CQ2 once";
    EXPECT_NE(record(h, GuestError::QueueMemoryOverlap, "CQ2"), nullptr);
  });
}

TEST(GuestErrorsPrp, MisalignedPrp1IsReportedWithItsValue) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const uint64_t prp1 = h.alloc(8192) + 2;
    expect_reported_once(h, GuestError::PrpMisaligned, "SQ0", prp1, [&] {
      const spec::Cqe c = h.admin(identify_at(prp1));
      EXPECT_STATUS(c, st::kPrpOffsetInvalid);
    });
    EXPECT_STATUS(h.admin(identify_at(prp1 - 2)), st::kSuccess);
  });
}

TEST(GuestErrorsPrp, OffsetInPrp2IsReportedWithPrp2) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const uint64_t buf = h.alloc(3 * 4096);
    const uint64_t prp2 = buf + 8192 + 8;  // the second page of a 2-page transfer must be page aligned
    expect_reported_once(h, GuestError::PrpMisaligned, "SQ0", prp2, [&] {
      EXPECT_STATUS(h.admin(identify_at(buf + 0x100, prp2)), st::kPrpOffsetInvalid);
    });
  });
}

TEST(GuestErrorsPrp, QueueBaseWithAnOffsetIsReportedWithPrp1) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    spec::Sqe s = create_cq_sqe(h, 1, 16, 1, true, true, 0x100);
    const uint64_t base = s.prp1();
    expect_reported_once(h, GuestError::PrpMisaligned, "SQ0", base, [&] { EXPECT_STATUS(h.admin(s), st::kPrpOffsetInvalid); });
  });
}

// ---------------------------------------------------------------------------------------------
// Several controllers, trace points

TEST(GuestErrorsInstances, EachControllerKeepsItsOwnCountsAndFilter) {
  Bench a("a", ControllerConfig{});
  Bench b("b", ControllerConfig{});
  a.nvme.set_log_filter({"guest.*"});
  auto finished = std::make_shared<int>(0);
  auto joined = [finished](std::function<void(Bench&)> body) {
    return [finished, body](Bench& h) {
      body(h);
      ++*finished;
      while (*finished < 2) sc_core::wait(1, sc_core::SC_US);
    };
  };
  b.set_body(joined([](Bench& h) {
    bring_up(h);
    wait_us(50);
    h.wr32(reg::sq_tail_doorbell(3, 0), 1);  // the same mistake on b: b's own first occurrence
    wait_us(5);
  }));
  a.run(joined([](Bench& h) {
    bring_up(h);
    h.wr32(reg::sq_tail_doorbell(3, 0), 1);
    h.wr32(reg::sq_tail_doorbell(3, 0), 2);
    wait_us(5);
  }));
  EXPECT_EQ(a.nvme.guest_error_count(GuestError::DoorbellNoQueue), 2u);
  EXPECT_EQ(b.nvme.guest_error_count(GuestError::DoorbellNoQueue), 1u);
  EXPECT_EQ(warnings(), 2) << "one first occurrence per controller";
  EXPECT_EQ(trace_lines("guest.doorbell.no_queue"), 2) << "only a traces every occurrence";
}

TEST(GuestErrorsTrace, NothingIsTracedByDefault) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(h.admin(identify_at(h.alloc(4096))), st::kSuccess);
    for (const std::string& n : catalogue_names()) EXPECT_EQ(trace_lines(n), 0) << n;
  });
}

TEST(GuestErrorsTrace, FilterSelectsTracePointsByPattern) {
  Bench b("bench", ControllerConfig{});
  EXPECT_THROW(b.nvme.set_log_filter({"cmd.*", ""}), ConfigError);
  b.nvme.set_log_filter({"cmd.*", "ctrl.read?", "queue.created"});
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_EQ(trace_lines("ctrl.ready"), 1);
    EXPECT_STATUS(h.admin(identify_at(h.alloc(4096))), st::kSuccess);
    EXPECT_EQ(trace_lines("cmd.fetched"), 1);
    EXPECT_EQ(trace_lines("cmd.completed"), 1);
    EXPECT_STATUS(h.create_cq(1, 16, 1), st::kSuccess);
    EXPECT_EQ(trace_lines("queue.created"), 1);
    EXPECT_EQ(trace_lines("reg.read") + trace_lines("reg.write") + trace_lines("reg.doorbell"), 0);
    EXPECT_EQ(trace_lines("ctrl.enable"), 0);
    h.nvme.set_log_filter({"guest.doorbell.*"});  // at run time
    EXPECT_STATUS(h.admin(identify_at(h.alloc(4096))), st::kSuccess);
    EXPECT_EQ(trace_lines("cmd.fetched"), 2) << "cmd.* is off now";
    for (int i = 0; i < 3; ++i) h.wr32(reg::sq_tail_doorbell(5, 0), 1);
    wait_us(2);
    EXPECT_EQ(trace_lines("guest.doorbell.no_queue"), 3) << "every occurrence";
    h.nvme.set_log_filter({});
    h.wr32(reg::sq_tail_doorbell(5, 0), 1);
    wait_us(2);
    EXPECT_EQ(trace_lines("guest.doorbell.no_queue"), 3);
  });
}

TEST(GuestErrorsTrace, RegisterAndInterruptPointsCarryNamesAndValues) {
  Bench b("bench", ControllerConfig{});
  b.nvme.set_log_filter({"reg.*", "irq.msix"});
  b.run([](Bench& h) {
    bring_up(h);
    const int reads = trace_lines("reg.read"), writes = trace_lines("reg.write"), doorbells = trace_lines("reg.doorbell");
    EXPECT_STATUS(h.admin(identify_at(h.alloc(4096))), st::kSuccess);
    wait_us(1);  // the CQ head doorbell takes effect after the write's delay
    EXPECT_EQ(trace_lines("reg.doorbell") - doorbells, 2);  // SQ0 tail, CQ0 head
    EXPECT_EQ(trace_lines("reg.write"), writes) << "doorbells are reg.doorbell only";
    EXPECT_EQ(trace_lines("irq.msix"), 1);
    h.rd32(reg::kCsts);
    wait_us(1);
    EXPECT_EQ(trace_lines("reg.read") - reads, 1);
  });
}
