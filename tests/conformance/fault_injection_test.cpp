// Fault injection (scnvme/faults.h): injected command failures, media errors, delayed and hung
// commands (Abort, NVMe Base 2.0 5.1; controller reset 3.7.2), dropped and spurious interrupt
// messages, Controller Fatal Status (3.1.3.6, 9.5) and surprise removal; the same seed selects the
// same commands.
#include "integration/nvm_host.h"

using namespace scnvme;
using namespace scnvme::test;
using namespace scnvme::test::nvm;
namespace ee = spec::log::error_entry;
namespace sm = spec::log::smart;
namespace reg = spec::reg;

namespace {

using sc_core::SC_MS;
using sc_core::SC_US;
using sc_core::sc_time;

/// Waits `t` of simulated time from the host thread.
void idle(sc_time t) { sc_core::wait(t); }

/// Read of one block at `slba` into `buf` (no wait).
spec::Sqe read_sqe(DataBuffer& buf, uint64_t slba) { return buf.with_prps(lba_sqe(io_op::kRead, 1, slba, 1), 512); }

}  // namespace

TEST(FaultInjection, CommandMatchFieldsCombine) {
  struct Case {
    CommandMatch m;
    uint16_t sqid;
    uint8_t opcode;
    uint32_t nsid;
    bool expected;
  };
  const Case cases[] = {
      {{}, 3, 0x02, 1, true},                      // empty: anything
      {{0x02, {}, {}}, 0, 0x02, 0, true},          // opcode alone: any queue, admin included
      {{0x02, {}, {}}, 4, 0x01, 1, false},
      {{{}, 0, {}}, 0, 0x06, 0, true},             // sqid 0: the admin queue
      {{{}, 0, {}}, 1, 0x06, 0, false},
      {{0x01, 1, 2}, 1, 0x01, 2, true},
      {{0x01, 1, 2}, 1, 0x01, 1, false},           // every field must match
  };
  for (const auto& c : cases) EXPECT_EQ(c.m.matches(c.sqid, c.opcode, c.nsid), c.expected);
}

TEST(FaultInjection, FailedCommandsCompleteWithTheInjectedStatusWithoutExecuting) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 4096);
    EXPECT_STATUS(write_blocks(h, buf, 1, 10, 1, pattern(512, 1)), st::kSuccess);
    const uint64_t failed_before = h.nvme.stats().commands_failed;
    CommandFailure f;
    f.match.opcode = io_op::kRead;
    f.match.sqid = 1;
    f.count = 2;
    f.status = 0x06 | 1u << 14;  // Internal Error, DNR
    const std::size_t id = h.nvme.inject(f);

    std::vector<uint8_t> out;
    for (int i = 0; i < 2; ++i) {
      const spec::Cqe c = read_blocks(h, buf, 1, 10, 1, 512, out);
      EXPECT_STATUS(c, st::kInternalError);
      EXPECT_TRUE(c.status().dnr);
      EXPECT_TRUE(c.status().more) << "details in the Error Information log";
      EXPECT_EQ(out, std::vector<uint8_t>(512, 0xA5)) << "no data moved";
      const auto err = newest_error(h);
      EXPECT_EQ(spec::get_le16(err.data() + ee::kCid), c.cid());
      EXPECT_EQ(spec::get_le16(err.data() + ee::kSqid), 1u);
      EXPECT_EQ(spec::Status::from_field(spec::get_le16(err.data() + ee::kStatus) >> 1).sc, 0x06);
    }
    EXPECT_STATUS(read_blocks(h, buf, 1, 10, 1, 512, out), st::kSuccess) << "count used up";
    EXPECT_EQ(out, pattern(512, 1));
    EXPECT_STATUS(write_blocks(h, buf, 1, 11, 1, pattern(512, 2)), st::kSuccess) << "other opcodes untouched";

    // An admin opcode on the admin queue.
    CommandFailure g;
    g.match.opcode = spec::admin_opcode::kIdentify;
    g.match.sqid = 0;
    g.status = static_cast<uint16_t>(st::kSctCommandSpecific << 8 | 0x09);
    h.nvme.inject(g);
    std::vector<uint8_t> id_data;
    EXPECT_STATUS(h.identify(spec::cns::kController, 0, id_data), st::kInvalidLogPage);

    const FaultStats fs = h.nvme.fault_stats();
    EXPECT_EQ(fs.commands_failed, 3u);
    EXPECT_EQ(fs.fired.at(id), 2u);
    EXPECT_EQ(h.nvme.stats().commands_failed - failed_before, 3u);
  });
}

TEST(FaultInjection, BadFaultsAreConfigErrors) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    CommandFailure f;
    f.status = 0;
    EXPECT_THROW(h.nvme.inject(f), ConfigError) << "success is not a failure";
    f.status = 6;
    f.probability = 1.5;
    EXPECT_THROW(h.nvme.inject(f), ConfigError);
    EXPECT_THROW(h.nvme.inject(CommandDelay{}), ConfigError) << "zero delay";
    EXPECT_THROW(h.nvme.inject(MediaError{9, 0, 1}), ConfigError) << "no namespace 9";
    EXPECT_THROW(h.nvme.inject(MediaError{1, ~0ull - 1, 4}), ConfigError) << "beyond the namespace";
  });
}

TEST(FaultInjection, MediaErrorFailsReadsUpdatesLogsUntilRewritten) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 16 * 1024);
    EXPECT_STATUS(write_blocks(h, buf, 1, 96, 16, pattern(16 * 512, 3)), st::kSuccess);
    const uint64_t media_before = smart_value(smart_log(h), sm::kMediaErrors);
    const std::size_t id = h.nvme.inject(MediaError{1, 100, 4});

    std::vector<uint8_t> out;
    const spec::Cqe r = read_blocks(h, buf, 1, 98, 4, 4 * 512, out);
    EXPECT_STATUS(r, st::kUnrecoveredReadError);
    EXPECT_EQ(r.status().sct, 2);
    EXPECT_EQ(r.status().sc, 0x81);
    const auto err = newest_error(h);
    EXPECT_EQ(spec::get_le64(err.data() + ee::kLba), 100u) << "first failing LBA";
    EXPECT_EQ(spec::get_le32(err.data() + ee::kNsid), 1u);
    EXPECT_EQ(spec::get_le16(err.data() + ee::kCid), r.cid());
    EXPECT_EQ(smart_value(smart_log(h), sm::kMediaErrors), media_before + 1);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kVerify, 1, 103, 1)), st::kUnrecoveredReadError);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kVerify, 1, 104, 4)), st::kSuccess) << "just after the range";
    EXPECT_STATUS(read_blocks(h, buf, 1, 96, 4, 4 * 512, out), st::kSuccess) << "just before it";

    // A durable rewrite clears it (the drive remaps the blocks).
    EXPECT_STATUS(write_blocks(h, buf, 1, 100, 4, pattern(4 * 512, 4), kFua), st::kSuccess);
    EXPECT_STATUS(read_blocks(h, buf, 1, 100, 4, 4 * 512, out), st::kSuccess);
    EXPECT_EQ(out, pattern(4 * 512, 4));
    const FaultStats fs = h.nvme.fault_stats();
    EXPECT_EQ(fs.media_errors, 2u);
    EXPECT_EQ(fs.fired.at(id), 2u);
  });
}

TEST(FaultInjection, DelayedCommandCompletesThatMuchLater) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 4096);
    CommandDelay d;
    d.match.opcode = io_op::kRead;
    d.delay = sc_time(2, SC_MS);
    h.nvme.inject(d);
    const sc_time start = sc_core::sc_time_stamp();
    const uint16_t cid = h.submit(1, read_sqe(buf, 0));
    idle(sc_time(1, SC_MS));
    EXPECT_FALSE(h.cqe_available(1)) << "held back";
    const spec::Cqe c = h.wait_cqe(1, sc_time(5, SC_MS));
    EXPECT_EQ(c.cid(), cid);
    EXPECT_STATUS(c, st::kSuccess);
    EXPECT_GE(sc_core::sc_time_stamp() - start, sc_time(2, SC_MS));
    EXPECT_LT(sc_core::sc_time_stamp() - start, sc_time(2.1, SC_MS));
    EXPECT_STATUS(io(h, read_sqe(buf, 0)), st::kSuccess) << "count used up: no delay";
    EXPECT_EQ(h.nvme.fault_stats().commands_delayed, 1u);
  });
}

TEST(FaultInjection, HungCommandNeverCompletesUntilAborted) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 4096);
    EXPECT_STATUS(write_blocks(h, buf, 1, 0, 1, pattern(512, 5)), st::kSuccess);
    CommandDelay d;
    d.match.opcode = io_op::kRead;
    d.never = true;
    h.nvme.inject(d);
    buf.fill(0xA5);
    const uint16_t cid = h.submit(1, read_sqe(buf, 0));
    idle(sc_time(20, SC_MS));
    EXPECT_FALSE(h.cqe_available(1)) << "hung";
    DataBuffer other(h, 4096);
    EXPECT_STATUS(io(h, read_sqe(other, 1)), st::kSuccess) << "other commands go past it";

    const spec::Cqe a = h.admin(abort_sqe(1, cid));
    EXPECT_STATUS(a, st::kSuccess);
    EXPECT_EQ(a.dw0() & 1u, 0u) << "the command was aborted";
    const spec::Cqe c = h.wait_cqe(1);
    EXPECT_EQ(c.cid(), cid);
    EXPECT_STATUS(c, st::kAbortRequested);
    EXPECT_EQ(buf.get(512), std::vector<uint8_t>(512, 0xA5)) << "the aborted read moved no data";
    const FaultStats fs = h.nvme.fault_stats();
    EXPECT_EQ(fs.commands_hung, 1u);
    EXPECT_EQ(fs.hung_aborted, 1u);
  });
}

TEST(FaultInjection, HungCommandIsDroppedByControllerReset) {
  ControllerConfig cfg;
  cfg.command_slots = 2;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 4096);
    CommandDelay d;
    d.match.sqid = 1;
    d.count = 2;
    d.never = true;
    h.nvme.inject(d);
    h.submit(1, read_sqe(buf, 0));
    h.submit(1, read_sqe(buf, 1));
    idle(sc_time(1, SC_MS));
    EXPECT_FALSE(h.cqe_available(1));
    // Both slots are held: a reset must free them, or nothing would run again.
    h.wr32(reg::kCc, 0);
    ASSERT_TRUE(h.wait_ready(false));
    EXPECT_FALSE(h.cqe_available(1)) << "a reset posts nothing for commands in flight";
    h.sqs.clear();
    h.cqs.clear();
    bring_up(h);
    EXPECT_STATUS(io(h, read_sqe(buf, 0)), st::kSuccess);
  });
}

TEST(FaultInjection, DroppedInterruptLeavesTheCqeAndSpuriousOneHasNone) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 4096);
    InterruptDrop d;
    d.vector = 1;
    h.nvme.inject(d);
    const std::size_t before = h.msi.count(1);
    EXPECT_STATUS(io(h, read_sqe(buf, 0)), st::kSuccess) << "the CQE is there";
    idle(sc_time(10, SC_US));
    EXPECT_EQ(h.msi.count(1), before) << "its message was dropped";
    EXPECT_STATUS(io(h, read_sqe(buf, 0)), st::kSuccess);
    idle(sc_time(10, SC_US));
    EXPECT_EQ(h.msi.count(1), before + 1) << "count used up";
    EXPECT_EQ(h.nvme.fault_stats().interrupts_dropped, 1u);

    h.nvme.send_spurious_interrupt(1);
    idle(sc_time(10, SC_US));
    EXPECT_EQ(h.msi.count(1), before + 2) << "a spurious message";
    EXPECT_FALSE(h.cqe_available(1)) << "with no CQE behind it";
    EXPECT_EQ(h.nvme.fault_stats().spurious_interrupts, 1u);
  });
}

TEST(FaultInjection, FatalStatusStopsTheControllerUntilReset) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 4096);
    h.nvme.raise_fatal_status();
    EXPECT_NE(h.rd32(reg::kCsts) & reg::csts::kCfs, 0u);
    h.submit(1, read_sqe(buf, 0));
    h.submit(0, make_sqe(spec::admin_opcode::kGetFeatures, spec::feature::kNumberOfQueues));
    idle(sc_time(5, SC_MS));
    EXPECT_FALSE(h.cqe_available(1));
    EXPECT_FALSE(h.cqe_available(0));
    EXPECT_NE(h.rd32(reg::kCsts) & reg::csts::kCfs, 0u) << "until a reset";
    h.wr32(reg::kCc, 0);
    ASSERT_TRUE(h.wait_ready(false));
    EXPECT_EQ(h.rd32(reg::kCsts) & reg::csts::kCfs, 0u) << "CC.EN 1 -> 0 clears it";
    h.sqs.clear();
    h.cqs.clear();
    bring_up(h);
    EXPECT_STATUS(io(h, read_sqe(buf, 0)), st::kSuccess);
    EXPECT_EQ(h.nvme.fault_stats().fatal_status, 1u);
  });
}

TEST(FaultInjection, SurpriseRemovalReadsAllOnesAndStopsDmaUntilPowerLoss) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 4096);
    EXPECT_STATUS(io(h, read_sqe(buf, 0)), st::kSuccess);
    h.nvme.surprise_remove();
    EXPECT_EQ(h.rd32(reg::kVs), 0xFFFFFFFFu);
    EXPECT_EQ(h.rd64(reg::kCap), ~0ull);
    EXPECT_EQ(h.rd32(reg::kCsts), 0xFFFFFFFFu);
    EXPECT_EQ(h.cfg_read(0, 4), 0xFFFFFFFFu);
    EXPECT_EQ(h.cfg_read(spec::pci::kCommand, 2), 0xFFFFu);

    const std::size_t accesses = h.mem.accesses.size();
    const std::size_t messages = h.msi.messages.size();
    const uint64_t fetched = h.nvme.stats().commands_fetched;
    h.wr32(reg::kCc, 0);  // ignored: no side effect
    h.submit(1, read_sqe(buf, 0));
    idle(sc_time(5, SC_MS));
    EXPECT_EQ(h.mem.accesses.size(), accesses) << "no DMA";
    EXPECT_EQ(h.msi.messages.size(), messages) << "no interrupt";
    EXPECT_EQ(h.nvme.stats().commands_fetched, fetched);
    EXPECT_FALSE(h.cqe_available(1));
    EXPECT_EQ(h.nvme.fault_stats().surprise_removals, 1u);

    h.nvme.power_loss();  // re-inserted, at power-on state
    EXPECT_EQ(h.cfg_read(0, 2), h.nvme.config().pci.vendor_id);
    EXPECT_EQ(h.cfg_read(spec::pci::kCommand, 2) & spec::pci::command::kMemorySpace, 0u) << "power-on state";
    h.sqs.clear();
    h.cqs.clear();
    bring_up(h);
    EXPECT_STATUS(io(h, read_sqe(buf, 0)), st::kSuccess);
  });
}

TEST(FaultInjection, SameSeedSelectsTheSameCommands) {
  // Three controllers in one simulation: two with seed 7, one with seed 8. Each fails reads with
  // probability 0.5; the pattern of failures depends only on the seed.
  auto config = [](uint64_t seed) {
    ControllerConfig c;
    c.seed = seed;
    return c;
  };
  Bench a("a", config(7)), b("b", config(7)), c("c", config(8));
  std::map<std::string, uint64_t> patterns;
  unsigned done = 0;
  sc_core::sc_event finished;
  auto body = [&](Bench& h) {
    bring_up(h);
    DataBuffer buf(h, 4096);
    CommandFailure f;
    f.match.opcode = io_op::kRead;
    f.count = 0;
    f.probability = 0.5;
    h.nvme.inject(f);
    uint64_t bits = 0;
    for (unsigned i = 0; i < 40; ++i)
      if (!io(h, read_sqe(buf, i)).status().ok()) bits |= 1ull << i;
    patterns[h.basename()] = bits;
    EXPECT_EQ(h.nvme.fault_stats().commands_failed, static_cast<uint64_t>(__builtin_popcountll(bits)));
    ++done;
    finished.notify(sc_core::SC_ZERO_TIME);
    while (done < 3) sc_core::wait(finished);
  };
  b.set_body(body);
  c.set_body(body);
  a.run(body);
  ASSERT_EQ(patterns.size(), 3u);
  EXPECT_EQ(patterns["a"], patterns["b"]);
  EXPECT_NE(patterns["a"], patterns["c"]);
  EXPECT_NE(patterns["a"], 0u);
  EXPECT_NE(patterns["a"], (1ull << 40) - 1);
}
