// Get Log Page (NVMe Base 2.0, 5.16), Asynchronous Event Request (5.2) and Abort (5.1).
#include <cstring>
#include <map>

#include "conformance/host_steps.h"

using namespace scnvme;
using namespace scnvme::test;
namespace lg = spec::log;
namespace ee = spec::log::error_entry;

namespace {

void bring_up(Bench& h) {
  h.pci_setup();
  ASSERT_TRUE(h.enable());
}

spec::Sqe io_command() { return make_sqe(kUndefinedIoOpcode, 0, 0, 1); }

/// Error Information log entry `i` (newest first) of a page read.
struct ErrorEntry {
  uint64_t count;
  uint16_t sqid, cid, status, location;
};
ErrorEntry error_entry(const std::vector<uint8_t>& page, unsigned i) {
  const uint8_t* p = &page[i * ee::kSize];
  return {spec::get_le64(p + ee::kErrorCount), spec::get_le16(p + ee::kSqid), spec::get_le16(p + ee::kCid),
          spec::get_le16(p + ee::kStatus), spec::get_le16(p + ee::kParamLocation)};
}
/// SC, SCT and DNR of a status field as placed in the log (bits 15:1).
uint16_t log_status(spec::Status s) { return static_cast<uint16_t>((s.sc | s.sct << 8 | (s.dnr ? 1u << 14 : 0u)) << 1); }
constexpr uint16_t kLogStatusMask = (0xFF | 0x7 << 8 | 1u << 14) << 1;

/// Collects completions on the admin CQ until `n` have arrived, by CID.
std::map<uint16_t, spec::Cqe> collect(Bench& h, int n) {
  std::map<uint16_t, spec::Cqe> out;
  for (int i = 0; i < n; ++i) {
    const spec::Cqe c = h.wait_cqe(0);
    out[c.cid()] = c;
  }
  return out;
}

}  // namespace

TEST(AdminLogs, SupportedLogPages) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const LogRead r = read_log(h, lg::kSupportedLogPages, 1024);
    EXPECT_STATUS(r.cqe, st::kSuccess);
    for (uint8_t lid : {lg::kSupportedLogPages, lg::kErrorInformation, lg::kSmartHealth, lg::kFirmwareSlot,
                        lg::kChangedNamespaceList, lg::kCommandsSupportedAndEffects})
      EXPECT_EQ(spec::get_le32(&r.bytes[4 * lid]) & 1u, 1u) << "LSUPP of LID " << int(lid);
    for (uint8_t lid : {lg::kTelemetryHostInitiated, uint8_t{0x30}})
      EXPECT_EQ(spec::get_le32(&r.bytes[4 * lid]), 0u) << "LID " << int(lid) << " not supported";
    EXPECT_TRUE(all_bytes(&r.bytes[1024], 64, kFill));
  });
}

TEST(AdminLogs, LengthAndOffsetAreHonouredExactly) {
  ControllerConfig cfg;
  cfg.ambient_temperature_k = 301;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    const LogRead full = read_log(h, lg::kSmartHealth, lg::smart::kSize);
    EXPECT_STATUS(full.cqe, st::kSuccess);
    struct Window {
      const char* what;
      uint32_t len;
      uint64_t offset;
    };
    for (const Window& w : {Window{"8 bytes (NUMDL 1)", 8, 0}, Window{"one dword (NUMDL 0)", 4, 0},
                            Window{"8 bytes at LPOL 4", 8, 4}, Window{"tail of the page", 12, 500},
                            Window{"whole page", 512, 0}}) {
      SCOPED_TRACE(w.what);
      const LogRead r = read_log(h, lg::kSmartHealth, w.len, w.offset);
      EXPECT_STATUS(r.cqe, st::kSuccess);
      EXPECT_TRUE(std::equal(r.bytes.begin(), r.bytes.begin() + w.len, full.bytes.begin() + w.offset));
      EXPECT_TRUE(all_bytes(&r.bytes[w.len], 64, kFill)) << "nothing written past NUMD";
    }
    // Past the end of the page: exactly NUMD bytes, zero-filled.
    const LogRead over = read_log(h, lg::kSmartHealth, 520);
    EXPECT_STATUS(over.cqe, st::kSuccess);
    EXPECT_TRUE(std::equal(full.bytes.begin(), full.bytes.begin() + 512, over.bytes.begin()));
    EXPECT_TRUE(all_bytes(&over.bytes[512], 8, 0));
    EXPECT_TRUE(all_bytes(&over.bytes[520], 64, kFill));

    struct Bad {
      const char* what;
      uint8_t lid;
      uint64_t offset;
      spec::Status expected;
    };
    for (const Bad& c : {Bad{"offset not dword aligned", lg::kSmartHealth, 2, st::kInvalidField},
                         Bad{"offset = page size", lg::kSmartHealth, 512, st::kInvalidField},
                         Bad{"offset in LPOU", lg::kSmartHealth, 1ull << 32, st::kInvalidField},
                         Bad{"firmware slot past the end", lg::kFirmwareSlot, 1024, st::kInvalidField},
                         Bad{"reserved LID 30h", 0x30, 0, st::kInvalidLogPage},
                         Bad{"unsupported LID 07h", lg::kTelemetryHostInitiated, 0, st::kInvalidLogPage},
                         Bad{"vendor LID C0h", 0xC0, 0, st::kInvalidLogPage}}) {
      SCOPED_TRACE(c.what);
      const LogRead r = read_log(h, c.lid, 8, c.offset);
      EXPECT_STATUS(r.cqe, c.expected);
      EXPECT_TRUE(all_bytes(r.bytes.data(), r.bytes.size(), kFill)) << "no data for a failed command";
    }
  });
}

TEST(AdminLogs, SmartHealthAndFirmwareSlot) {
  ControllerConfig cfg;
  cfg.ambient_temperature_k = 300;
  cfg.firmware_revision = "FW-1.2";
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(h.admin(make_sqe(0xC0)), st::kInvalidCommandOpcode);
    EXPECT_STATUS(h.admin(make_sqe(0xC1)), st::kInvalidCommandOpcode);
    namespace sm = lg::smart;
    const LogRead smart = read_log(h, lg::kSmartHealth, sm::kSize);
    EXPECT_STATUS(smart.cqe, st::kSuccess);
    EXPECT_EQ(spec::get_le16(&smart.bytes[sm::kCompositeTemperature]), 300);
    EXPECT_EQ(smart.bytes[sm::kCriticalWarning], 0);
    EXPECT_EQ(smart.bytes[sm::kAvailableSpare], 100);
    EXPECT_EQ(spec::get_le64(&smart.bytes[sm::kErrorLogEntries]), 2u);
    EXPECT_EQ(spec::get_le64(&smart.bytes[sm::kErrorLogEntries + 8]), 0u);
    EXPECT_STATUS(read_log(h, lg::kSmartHealth, sm::kSize, 0, spec::kBroadcastNsid).cqe, st::kSuccess);
    EXPECT_STATUS(read_log(h, lg::kSmartHealth, sm::kSize, 0, 1).cqe, st::kInvalidField)
        << "LPA bit 0 clear: no per-namespace SMART";

    namespace fs = lg::firmware_slot;
    const LogRead fw = read_log(h, lg::kFirmwareSlot, fs::kSize);
    EXPECT_STATUS(fw.cqe, st::kSuccess);
    EXPECT_EQ(fw.bytes[fs::kAfi], 1) << "slot 1 active, no activation pending";
    EXPECT_EQ(ascii(fw.bytes, fs::kFrs1, fs::kFrsLen), "FW-1.2  ");
    EXPECT_TRUE(all_bytes(&fw.bytes[fs::kFrs1 + fs::kFrsLen], 6 * fs::kFrsLen, 0)) << "slots 2-7 empty";
  });
}

TEST(AdminLogs, ErrorInformationRecordsFailedCommands) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const LogRead empty = read_log(h, lg::kErrorInformation, 64);
    EXPECT_STATUS(empty.cqe, st::kSuccess);
    EXPECT_TRUE(all_bytes(empty.bytes.data(), 64, 0)) << "no errors yet: error count 0 marks an empty entry";

    EXPECT_STATUS(h.create_cq(1, 8, 1), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 8, 1), st::kSuccess);
    struct Failure {
      uint16_t sqid, cid;
      spec::Sqe sqe;
      spec::Status status;
      uint16_t location;  // Parameter Error Location: byte | bit << 8
    };
    const Failure failures[] = {
        {0, 0x0101, make_sqe(0xC0), st::kInvalidCommandOpcode, 0x0000},
        {0, 0x0102, with_prp1(make_sqe(op::kIdentify, 0x09), h.alloc(4096)), st::kInvalidField, 40},
        {1, 0x0201, io_command(), st::kInvalidCommandOpcode, 0x0000},
        {0, 0x0103, make_sqe(op::kDeleteIoCq, 0), st::kInvalidQueueIdentifier, 40},
    };
    for (const Failure& f : failures) {
      h.submit(f.sqid, f.sqe, f.cid);
      const spec::Cqe c = h.wait_cqe(f.sqid);
      EXPECT_STATUS(c, f.status);
      EXPECT_TRUE(c.status().more) << "M: the Error Information log has details";
    }
    const LogRead log = read_log(h, lg::kErrorInformation, 4 * ee::kSize);
    EXPECT_STATUS(log.cqe, st::kSuccess);
    EXPECT_FALSE(log.cqe.status().more);
    for (unsigned i = 0; i < 4; ++i) {
      const Failure& f = failures[3 - i];  // newest first
      SCOPED_TRACE("entry " + std::to_string(i));
      const ErrorEntry e = error_entry(log.bytes, i);
      EXPECT_EQ(e.count, 4u - i);
      EXPECT_EQ(e.sqid, f.sqid);
      EXPECT_EQ(e.cid, f.cid);
      EXPECT_EQ(e.status & kLogStatusMask, log_status(f.status));
      EXPECT_EQ(e.location, f.location);
    }
    const LogRead smart = read_log(h, lg::kSmartHealth, lg::smart::kSize);
    EXPECT_EQ(spec::get_le64(&smart.bytes[lg::smart::kErrorLogEntries]), 4u);
  });
}

TEST(AdminAsyncEvents, HeldOutstandingUpToTheLimit) {
  Bench b("bench", ControllerConfig{});  // AERL = 3: four outstanding
  b.run([](Bench& h) {
    bring_up(h);
    for (uint16_t cid = 0xA0; cid < 0xA4; ++cid) h.submit(0, make_sqe(op::kAsyncEventRequest), cid);
    wait_us(100);
    EXPECT_FALSE(h.cqe_available(0)) << "AERs complete only when an event occurs";
    const uint16_t fifth = h.submit(0, make_sqe(op::kAsyncEventRequest), 0xA4);
    spec::Cqe c = h.wait_cqe(0);
    EXPECT_EQ(c.cid(), fifth);
    EXPECT_STATUS(c, st::kAsyncEventRequestLimitExceeded);
    // Other admin commands keep flowing while AERs are outstanding.
    std::vector<uint8_t> id;
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, id), st::kSuccess);

    // Abort one AER: it completes with Command Abort Requested, the Abort reports success (bit 0 = 0).
    const uint16_t abort = h.submit(0, abort_sqe(0, 0xA1), 0xAB);
    auto done = collect(h, 2);
    ASSERT_TRUE(done.count(0xA1) && done.count(abort));
    EXPECT_STATUS(done.at(0xA1), st::kAbortRequested);
    EXPECT_STATUS(done.at(abort), st::kSuccess);
    EXPECT_EQ(done.at(abort).dw0() & 1u, 0u) << "command aborted";

    // That freed one place: a new AER is held, the next one exceeds the limit again.
    h.submit(0, make_sqe(op::kAsyncEventRequest), 0xA5);
    h.submit(0, make_sqe(op::kAsyncEventRequest), 0xA6);
    c = h.wait_cqe(0);
    EXPECT_EQ(c.cid(), 0xA6);
    EXPECT_STATUS(c, st::kAsyncEventRequestLimitExceeded);
    wait_us(50);
    EXPECT_FALSE(h.cqe_available(0));
  });
}

TEST(AdminAbort, NothingToAbortReportsNotAborted) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(h.create_cq(1, 8, 1), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 8, 1), st::kSuccess);
    for (const auto& [sqid, cid] : {std::pair<uint16_t, uint16_t>{0, 0xBEEF}, {1, 0xBEEF}, {9, 1}}) {
      SCOPED_TRACE("SQ " + std::to_string(sqid) + " CID " + std::to_string(cid));
      const spec::Cqe c = h.admin(abort_sqe(sqid, cid));
      EXPECT_STATUS(c, st::kSuccess);
      EXPECT_EQ(c.dw0() & 1u, 1u) << "bit 0 set: not aborted";
    }
  });
}

TEST(AdminAbort, SubmittedButUnfetchedCommandCompletesAsAborted) {
  ControllerConfig cfg;
  cfg.command_slots = 1;  // while the Abort executes, SQ 1's command cannot be fetched
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(h.create_cq(1, 8, 1), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 8, 1), st::kSuccess);
    h.submit(1, io_command(), 0x0D0D, false);
    h.submit(1, io_command(), 0x0E0E, false);
    const uint16_t abort = h.submit(0, abort_sqe(1, 0x0D0D));
    h.ring_sq(1);  // submitted while the Abort holds the only slot
    const spec::Cqe a = h.wait_cqe(0);
    EXPECT_EQ(a.cid(), abort);
    EXPECT_STATUS(a, st::kSuccess);
    EXPECT_EQ(a.dw0() & 1u, 0u) << "command aborted";
    const spec::Cqe first = h.wait_cqe(1), second = h.wait_cqe(1);
    EXPECT_EQ(first.cid(), 0x0D0D);
    EXPECT_STATUS(first, st::kAbortRequested);
    EXPECT_EQ(second.cid(), 0x0E0E);
    EXPECT_STATUS(second, st::kInvalidCommandOpcode) << "only the named command is aborted";
  });
}

TEST(AdminAbort, CommandNotYetSubmittedIsNotAborted) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(h.create_cq(1, 8, 1), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 8, 1), st::kSuccess);
    // In host memory but behind the tail doorbell: the controller does not know it yet.
    h.submit(1, io_command(), 0x0D0D, false);
    const spec::Cqe a = h.admin(abort_sqe(1, 0x0D0D));
    EXPECT_STATUS(a, st::kSuccess);
    EXPECT_EQ(a.dw0() & 1u, 1u);
    h.ring_sq(1);
    const spec::Cqe c = h.wait_cqe(1);
    EXPECT_EQ(c.cid(), 0x0D0D);
    EXPECT_STATUS(c, st::kInvalidCommandOpcode);
  });
}

TEST(AdminAbort, CommandWhoseCompletionIsOnTheWayIsAborted) {
  ControllerConfig cfg;
  cfg.pci.link_generation = 1;  // a slow link: a 128 KiB read's data takes ~0.6 ms upstream
  cfg.pci.link_width = 1;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(h.create_cq(1, 8, 1), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 8, 1), st::kSuccess);
    const uint64_t data = h.alloc(128 * 1024), list = h.alloc(4096);
    for (uint32_t i = 1; i < 32; ++i) spec::put_le64(h.mem.at(list + 8 * (i - 1)), data + 4096ull * i);
    spec::Sqe read = make_sqe(spec::nvm_opcode::kRead, 0, 0, 1);
    read.set_dw(12, 255);  // 256 x 512 B
    read.set_prp1(data);
    read.set_prp2(list);
    h.submit(1, read, 0x0C0C);
    wait_us(10);  // fetched and executing: its data and CQE are crossing the link
    const spec::Cqe a = h.admin(abort_sqe(1, 0x0C0C));
    EXPECT_STATUS(a, st::kSuccess);
    EXPECT_EQ(a.dw0() & 1u, 0u) << "aborted";
    const spec::Cqe c = h.wait_cqe(1, sc_core::sc_time(10, sc_core::SC_MS));
    EXPECT_EQ(c.cid(), 0x0C0C);
    EXPECT_STATUS(c, st::kAbortRequested);
    EXPECT_EQ(h.nvme.stats().commands_failed, 1u);
  });
}

TEST(AdminAbort, CommandWaitingForCompletionQueueSpaceIsAborted) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_STATUS(h.create_cq(1, 2, 1), st::kSuccess);  // one usable entry
    EXPECT_STATUS(h.create_sq(1, 8, 1), st::kSuccess);
    h.submit(1, io_command(), 0x0A0A, false);
    h.submit(1, io_command(), 0x0B0B);
    wait_us(20);  // one fills the CQ, the other waits for space in its slot
    spec::Cqe posted;
    std::memcpy(posted.raw.data(), h.mem.at(h.cqs.at(1).base), spec::kCqeSize);
    ASSERT_TRUE(posted.cid() == 0x0A0A || posted.cid() == 0x0B0B);
    const uint16_t waiting = posted.cid() == 0x0A0A ? 0x0B0B : 0x0A0A;
    const spec::Cqe a = h.admin(abort_sqe(1, waiting));
    EXPECT_STATUS(a, st::kSuccess);
    EXPECT_EQ(a.dw0() & 1u, 0u) << "aborted";
    const spec::Cqe first = h.wait_cqe(1);  // consumes the entry and rings the head doorbell
    EXPECT_EQ(first.cid(), posted.cid());
    EXPECT_STATUS(first, st::kInvalidCommandOpcode);
    const spec::Cqe second = h.wait_cqe(1);
    EXPECT_EQ(second.cid(), waiting);
    EXPECT_STATUS(second, st::kAbortRequested);
  });
}

TEST(AdminLogs, CommandsSupportedAndEffectsMatchWhatTheControllerExecutes) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    std::vector<uint8_t> id;
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, id), st::kSuccess);
    EXPECT_TRUE(id[spec::id_ctrl::kLpa] & spec::id_ctrl::kLpaCommandEffects);
    const LogRead r = read_log(h, lg::kCommandsSupportedAndEffects, lg::effects::kSize);
    EXPECT_STATUS(r.cqe, st::kSuccess);
    namespace ef = lg::effects;
    auto admin = [&](uint8_t opc) { return spec::get_le32(&r.bytes[ef::kAdminOffset + 4 * opc]); };
    auto io = [&](uint8_t opc) { return spec::get_le32(&r.bytes[ef::kIoOffset + 4 * opc]); };
    EXPECT_EQ(admin(op::kIdentify), ef::kCsupp);
    EXPECT_EQ(admin(op::kSetFeatures), ef::kCsupp | ef::kCcc);
    EXPECT_EQ(io(spec::nvm_opcode::kRead), ef::kCsupp);
    EXPECT_EQ(io(spec::nvm_opcode::kWrite), ef::kCsupp | ef::kLbcc);
    EXPECT_EQ(io(spec::nvm_opcode::kDatasetManagement), ef::kCsupp | ef::kLbcc);

    // Every opcode: supported exactly when the log says so.
    EXPECT_STATUS(h.create_cq(1, 64, 1), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 64, 1), st::kSuccess);
    for (unsigned opc = 0; opc < 256; ++opc) {
      SCOPED_TRACE("opcode 0x" + std::to_string(opc));
      if (opc != op::kAsyncEventRequest) {  // (an AER would stay outstanding)
        const spec::Cqe c = h.admin(make_sqe(static_cast<uint8_t>(opc)));
        EXPECT_EQ(c.status().is(st::kInvalidCommandOpcode), (admin(static_cast<uint8_t>(opc)) & ef::kCsupp) == 0) << "admin";
      }
      h.submit(1, make_sqe(static_cast<uint8_t>(opc), 0, 0, 1));
      const spec::Cqe c = h.wait_cqe(1);
      EXPECT_EQ(c.status().is(st::kInvalidCommandOpcode), (io(static_cast<uint8_t>(opc)) & ef::kCsupp) == 0) << "I/O";
    }
  });
}

TEST(AdminLogs, ChangedNamespaceListIsEmptyWithoutChanges) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    const LogRead r = read_log(h, lg::kChangedNamespaceList, lg::changed_namespaces::kSize);
    EXPECT_STATUS(r.cqe, st::kSuccess);
    EXPECT_TRUE(all_bytes(r.bytes.data(), lg::changed_namespaces::kSize, 0));
  });
}
