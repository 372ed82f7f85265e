// BAR0 conformance (NVMe Base 2.0, 3.1.3 controller registers, 3.5 controller initialization and
// shutdown, 3.7 resets). The TLM-2.0 integration conventions of the register sockets are in
// registers_transport_test.cpp.
#include <memory>
#include <string>
#include <vector>

#include "scnvme/spec/nvme_status.h"
#include "support/bench.h"

using namespace scnvme;
using namespace scnvme::test;
namespace reg = scnvme::spec::reg;
namespace p = scnvme::spec::pci;
namespace st = scnvme::spec::status;
using sc_core::sc_time;
using sc_core::SC_US;
using sc_core::SC_MS;

namespace {

constexpr uint32_t kIoEntrySizes = (6u << 16) | (4u << 20);  // CC.IOSQES = 6, CC.IOCQES = 4
constexpr uint32_t kMsixTable = 0x2000;                      // default cfg.pci.msix_table_offset

uint64_t guest_errors(Bench& h) { return h.nvme.stats().guest_errors; }

/// Fills `t` for a raw socket call (the caller keeps `data` alive).
void prepare(tlm::tlm_generic_payload& t, tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned len) {
  t.set_command(cmd);
  t.set_address(addr);
  t.set_data_ptr(data);
  t.set_data_length(len);
  t.set_streaming_width(len);
  t.set_byte_enable_ptr(nullptr);
  t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

tlm::tlm_response_status bar0(Bench& h, tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned len,
                              const uint8_t* be = nullptr, unsigned be_len = 0) {
  return h.access(h.bar0_init, cmd, addr, data, len, be, be_len);
}

/// Polls CSTS until (CSTS & mask) == want; false after `timeout`.
bool poll_csts(Bench& h, uint32_t mask, uint32_t want, sc_time timeout) {
  const sc_time end = sc_core::sc_time_stamp() + timeout;
  while (sc_core::sc_time_stamp() < end) {
    if ((h.rd32(reg::kCsts) & mask) == want) return true;
    sc_core::wait(1, SC_US);
  }
  return false;
}

/// Programs 32-entry admin queues without enabling.
void program_admin_queues(Bench& h) {
  h.wr32(reg::kAqa, 0x001F001F);
  h.wr64(reg::kAsq, h.alloc(32 * 64));
  h.wr64(reg::kAcq, h.alloc(32 * 16));
}

sc_time cap_timeout(Bench& h) { return sc_time(500.0 * reg::cap::to(h.rd64(reg::kCap)), SC_MS); }

uint32_t find_cap(Bench& h, uint8_t id) {
  for (uint32_t ptr = h.cfg_read(p::kCapabilitiesPtr, 1); ptr; ptr = h.cfg_read(ptr + p::kCapNext, 1))
    if (h.cfg_read(ptr + p::kCapId, 1) == id) return ptr;
  return 0;
}

struct RegValue {
  const char* name;
  uint32_t offset;
  unsigned width;
  uint64_t value;
};

void expect_values(Bench& h, const std::vector<RegValue>& table) {
  for (const auto& r : table) {
    const uint64_t v = r.width == 8 ? h.rd64(r.offset) : h.rd32(r.offset);
    EXPECT_EQ(v, r.value) << r.name << " at 0x" << std::hex << r.offset;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Reset values

TEST(RegistersReset, ValuesMatchDefaultConfig) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup(false);
    const uint64_t cap = 0x3FFull /* MQES */ | (1ull << 16) /* CQR */ | (1ull << 17) /* AMS: WRR with urgent */ |
                         (20ull << 24) /* TO */ | (1ull << 36) /* NSSRS */ |
                         (1ull << 37) /* CSS bit 0 */ | (0ull << 48) /* MPSMIN */ | (4ull << 52) /* MPSMAX */ |
                         (1ull << 59) /* CRWMS */;
    expect_values(h, {{"CAP", reg::kCap, 8, cap},     {"VS", reg::kVs, 4, 0x00020000},   {"INTMS", reg::kIntms, 4, 0},
                      {"INTMC", reg::kIntmc, 4, 0},   {"CC", reg::kCc, 4, 0},            {"CSTS", reg::kCsts, 4, 0},
                      {"NSSR", reg::kNssr, 4, 0},     {"AQA", reg::kAqa, 4, 0},          {"ASQ", reg::kAsq, 8, 0},
                      {"ACQ", reg::kAcq, 8, 0},       {"CMBLOC", reg::kCmbloc, 4, 0},    {"CMBSZ", reg::kCmbsz, 4, 0},
                      {"BPINFO", reg::kBpinfo, 4, 0}, {"CRTO", reg::kCrto, 4, 20}});
  });
}

TEST(RegistersReset, CapDerivesFromConfig) {
  ControllerConfig cfg;
  cfg.max_queue_entries = 256;
  cfg.timeout_500ms = 40;
  cfg.doorbell_stride = 2;
  cfg.mps_min = 1;
  cfg.mps_max = 3;
  cfg.nvm_subsystem_reset = false;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    h.pci_setup(false);
    const uint64_t cap = h.rd64(reg::kCap);
    EXPECT_EQ(reg::cap::mqes(cap), 255u);
    EXPECT_EQ(reg::cap::cqr(cap), 1u);
    EXPECT_EQ(reg::cap::ams(cap), reg::cap::kAmsWrr);  // weighted_round_robin defaults on
    EXPECT_EQ(reg::cap::to(cap), 40u);
    EXPECT_EQ(reg::cap::dstrd(cap), 2u);
    EXPECT_EQ(reg::cap::nssrs(cap), 0u);
    EXPECT_EQ(reg::cap::css(cap), reg::cap::kCssNvm);
    EXPECT_EQ(reg::cap::bps(cap), 0u);
    EXPECT_EQ(reg::cap::mpsmin(cap), 1u);
    EXPECT_EQ(reg::cap::mpsmax(cap), 3u);
    EXPECT_EQ(reg::cap::cmbs(cap), 0u);
    EXPECT_EQ(reg::cap::pmrs(cap), 0u);
    EXPECT_EQ(reg::cap::crwms(cap), 1u);
    EXPECT_EQ(reg::cap::crims(cap), 0u);
    EXPECT_EQ(cap >> 61, 0u);  // reserved
    const uint32_t crto = h.rd32(reg::kCrto);
    EXPECT_EQ(reg::crto::crwmt(crto), reg::cap::to(cap));
  });
}

// ---------------------------------------------------------------------------------------------
// Access rules

TEST(RegistersAccess, ThirtyTwoAndSixtyFourBitAccessesAgree) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup(false);
    const uint64_t cap = h.rd64(reg::kCap);
    EXPECT_EQ(h.rd32(reg::kCap), static_cast<uint32_t>(cap));
    EXPECT_EQ(h.rd32(reg::kCap + 4), static_cast<uint32_t>(cap >> 32));
    // 64-bit write, 32-bit reads; 32-bit writes, 64-bit read.
    h.wr64(reg::kAsq, 0x123456789ABCD000ull);
    EXPECT_EQ(h.rd32(reg::kAsq), 0x9ABCD000u);
    EXPECT_EQ(h.rd32(reg::kAsq + 4), 0x12345678u);
    h.wr32(reg::kAcq, 0x55667000);
    h.wr32(reg::kAcq + 4, 0x00000011);
    EXPECT_EQ(h.rd64(reg::kAcq), 0x0000001155667000ull);
    // 2- and 1-byte reads.
    uint8_t d[2] = {};
    ASSERT_EQ(bar0(h, tlm::TLM_READ_COMMAND, reg::kVs + 2, d, 2), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(spec::get_le16(d), 0x0002);  // VS.MJR
    ASSERT_EQ(bar0(h, tlm::TLM_READ_COMMAND, reg::kAsq + 7, d, 1), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(d[0], 0x12);
  });
}

TEST(RegistersAccess, WritableMasksAndReadOnlyRegisters) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup(false);
    const uint64_t cap = h.rd64(reg::kCap);
    h.wr64(reg::kCap, ~0ull);
    h.wr32(reg::kVs, 0xFFFFFFFF);
    h.wr32(reg::kCrto, 0xFFFFFFFF);
    h.wr32(reg::kCsts, 0xFFFFFFFF);  // RDY/CFS/SHST are read-only, NSSRO is W1C and clear
    h.wr32(reg::kCmbsz, 0xFFFFFFFF);
    sc_core::wait(10, SC_US);
    expect_values(h, {{"CAP", reg::kCap, 8, cap}, {"VS", reg::kVs, 4, 0x00020000}, {"CRTO", reg::kCrto, 4, 20},
                      {"CSTS", reg::kCsts, 4, 0},  {"CMBSZ", reg::kCmbsz, 4, 0}});
    // Reserved bits of AQA (31:28, 15:12), ASQ/ACQ (11:0) and CC (3:1, 31:24) stay 0.
    h.wr32(reg::kAqa, 0xFFFFFFFF);
    h.wr64(reg::kAsq, ~0ull);
    h.wr64(reg::kAcq, ~0ull);
    h.wr32(reg::kCc, 0xFFFFFFFE);  // everything but EN
    expect_values(h, {{"AQA", reg::kAqa, 4, 0x0FFF0FFF},
                      {"ASQ", reg::kAsq, 8, ~0xFFFull},
                      {"ACQ", reg::kAcq, 8, ~0xFFFull},
                      {"CC", reg::kCc, 4, 0x00FFFFF0}});
    EXPECT_EQ(h.rd32(reg::kCsts), 0u);  // CC.SHN with EN = 0 starts nothing
  });
}

TEST(RegistersAccess, ReservedOffsetsReadZeroAndIgnoreWrites) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup(false);
    for (uint32_t off : {0x18u, 0x38u, 0x3Cu, 0x40u, 0x44u, 0x50u, 0x6Cu, 0x100u, 0xE00u, 0xFFCu, 0x3FFCu}) {
      SCOPED_TRACE(off);
      EXPECT_EQ(h.rd32(off), 0u);
      uint8_t ones[4] = {0xFF, 0xFF, 0xFF, 0xFF};
      EXPECT_EQ(bar0(h, tlm::TLM_WRITE_COMMAND, off, ones, 4), tlm::TLM_OK_RESPONSE);
      EXPECT_EQ(h.rd32(off), 0u);
    }
    EXPECT_EQ(h.rd32(reg::kCsts), 0u);
    EXPECT_EQ(h.rd32(reg::kCc), 0u);
  });
}

struct BadAccess {
  uint64_t addr;
  unsigned len;
  tlm::tlm_response_status expected;
};

TEST(RegistersAccess, MisalignedOddSizedAndOutOfBarAccessesFail) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup(false);
    const std::vector<BadAccess> cases = {
        {0x01, 4, tlm::TLM_BURST_ERROR_RESPONSE}, {0x02, 4, tlm::TLM_BURST_ERROR_RESPONSE},
        {0x04, 8, tlm::TLM_BURST_ERROR_RESPONSE}, {0x00, 3, tlm::TLM_BURST_ERROR_RESPONSE},
        {0x00, 16, tlm::TLM_BURST_ERROR_RESPONSE}, {0x09, 2, tlm::TLM_BURST_ERROR_RESPONSE},
        {0x1002, 4, tlm::TLM_BURST_ERROR_RESPONSE}, {0x14, 0, tlm::TLM_BURST_ERROR_RESPONSE},
        {0x4000, 4, tlm::TLM_ADDRESS_ERROR_RESPONSE}, {0x10000, 8, tlm::TLM_ADDRESS_ERROR_RESPONSE},
        {1ull << 40, 4, tlm::TLM_ADDRESS_ERROR_RESPONSE},
    };
    for (const auto& c : cases) {
      SCOPED_TRACE(testing::Message() << "addr 0x" << std::hex << c.addr << " len " << std::dec << c.len);
      for (tlm::tlm_command cmd : {tlm::TLM_READ_COMMAND, tlm::TLM_WRITE_COMMAND}) {
        uint8_t data[16] = {};
        EXPECT_EQ(bar0(h, cmd, c.addr, data, c.len), c.expected);
      }
    }
    // Burst errors are guest errors; nothing was written.
    EXPECT_GE(guest_errors(h), 16u);
    EXPECT_EQ(h.rd32(reg::kCc), 0u);
    EXPECT_EQ(h.rd32(0x3FFC), 0u);  // the last dword of BAR0 is accessible

    // A streaming width shorter than the data is rejected too.
    uint8_t d[4] = {};
    tlm::tlm_generic_payload t;
    prepare(t, tlm::TLM_READ_COMMAND, reg::kVs, d, 4);
    t.set_streaming_width(2);
    sc_time delay = sc_core::SC_ZERO_TIME;
    h.bar0_init->b_transport(t, delay);
    EXPECT_EQ(t.get_response_status(), tlm::TLM_BURST_ERROR_RESPONSE);
  });
}

TEST(RegistersAccess, MemorySpaceDisabledFailsAndCountsGuestError) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    uint8_t d[8] = {};
    EXPECT_EQ(bar0(h, tlm::TLM_READ_COMMAND, reg::kCap, d, 8), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(guest_errors(h), 1u);
    spec::put_le32(d, 0x001F001F);
    EXPECT_EQ(bar0(h, tlm::TLM_WRITE_COMMAND, reg::kAqa, d, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(guest_errors(h), 2u);
    h.cfg_write(p::kCommand, 2, p::command::kMemorySpace);
    EXPECT_EQ(h.rd32(reg::kAqa), 0u);  // the write while disabled was dropped
    EXPECT_EQ(h.rd32(reg::kVs), 0x00020000u);
  });
}

TEST(RegistersAccess, ByteEnablesLimitTheBytesWritten) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup(false);
    h.wr32(reg::kAqa, 0x0FFF0FFF);
    uint8_t data[4] = {0x00, 0x00, 0x00, 0x00};
    const uint8_t be[4] = {0xFF, 0x00, 0xFF, 0x00};
    ASSERT_EQ(bar0(h, tlm::TLM_WRITE_COMMAND, reg::kAqa, data, 4, be, 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(h.rd32(reg::kAqa), 0x0F000F00u);
    // Reads with byte enables leave disabled bytes of the buffer alone.
    uint8_t out[4] = {0xEE, 0xEE, 0xEE, 0xEE};
    const uint8_t rbe[4] = {0x00, 0xFF, 0x00, 0xFF};
    ASSERT_EQ(bar0(h, tlm::TLM_READ_COMMAND, reg::kAqa, out, 4, rbe, 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(spec::get_le32(out), 0x0FEE0FEEu);
    // A byte-enable pattern shorter than the data repeats (TLM-2.0 byte enable length).
    const uint8_t be2[2] = {0xFF, 0x00};
    uint8_t ones[4] = {0xFF, 0xFF, 0xFF, 0xFF};
    ASSERT_EQ(bar0(h, tlm::TLM_WRITE_COMMAND, reg::kAqa, ones, 4, be2, 2), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(h.rd32(reg::kAqa), 0x0FFF0FFFu);
  });
}

// ---------------------------------------------------------------------------------------------
// CC / CSTS state machine

TEST(RegistersCc, EnableSetsReadyAfterADelayWithinCapTo) {
  ControllerConfig cfg;
  cfg.timing.ready_delay_us = 200;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    h.pci_setup(false);
    program_admin_queues(h);
    const sc_time start = sc_core::sc_time_stamp();
    h.wr32(reg::kCc, reg::cc::kEn | kIoEntrySizes);
    EXPECT_EQ(h.rd32(reg::kCsts) & reg::csts::kRdy, 0u) << "RDY right after the write";
    sc_core::wait(100, SC_US);
    EXPECT_EQ(h.rd32(reg::kCsts) & reg::csts::kRdy, 0u) << "RDY before the modelled delay";
    ASSERT_TRUE(poll_csts(h, reg::csts::kRdy | reg::csts::kCfs, reg::csts::kRdy, cap_timeout(h)));
    const sc_time took = sc_core::sc_time_stamp() - start;
    EXPECT_GE(took, sc_time(200, SC_US));
    EXPECT_LE(took, cap_timeout(h));
    EXPECT_EQ(h.rd32(reg::kCc), reg::cc::kEn | kIoEntrySizes);
  });
}

struct UnsupportedCc {
  const char* what;
  uint32_t bits;
};

TEST(RegistersCc, UnsupportedSettingsAtEnableSetCfs) {
  ControllerConfig cfg;
  cfg.weighted_round_robin = false;  // CAP.AMS = 00b: CC.AMS 001b is unsupported too
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    h.pci_setup(false);
    const std::vector<UnsupportedCc> cases = {
        {"CC.MPS above CAP.MPSMAX", 5u << 7},
        {"CC.MPS 15", 15u << 7},
        {"CC.CSS reserved 001b", 1u << 4},
        {"CC.CSS 110b without CAP.CSS bit 6", 6u << 4},
        {"CC.CSS 111b without CAP.CSS bit 7", 7u << 4},
        {"CC.AMS WRR without CAP.AMS", 1u << 11},
        {"CC.AMS vendor specific", 7u << 11},
    };
    for (const auto& c : cases) {
      SCOPED_TRACE(c.what);
      program_admin_queues(h);
      h.wr32(reg::kCc, reg::cc::kEn | kIoEntrySizes | c.bits);
      EXPECT_TRUE(poll_csts(h, reg::csts::kCfs, reg::csts::kCfs, sc_time(1, SC_MS)));
      sc_core::wait(200, SC_US);  // well past the ready delay
      EXPECT_EQ(h.rd32(reg::kCsts) & reg::csts::kRdy, 0u);
      // Clearing EN resets the controller and CFS with it.
      h.wr32(reg::kCc, 0);
      EXPECT_TRUE(poll_csts(h, ~0u, 0, sc_time(1, SC_MS)));
    }
    // A supported configuration still comes up afterwards.
    EXPECT_TRUE(h.enable());
  });
}

TEST(RegistersCc, DisableResetsQueuesAndIntmsButKeepsAdminQueueRegisters) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup(false);
    ASSERT_TRUE(h.enable());
    EXPECT_STATUS(h.create_cq(1, 16, 0), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 16, 1), st::kSuccess);
    h.wr32(reg::kIntms, 0x5);
    EXPECT_EQ(h.rd32(reg::kIntms), 0x5u);
    const uint32_t aqa = h.rd32(reg::kAqa);
    const uint64_t asq = h.rd64(reg::kAsq), acq = h.rd64(reg::kAcq);

    h.wr32(reg::kCc, kIoEntrySizes);  // EN 1 -> 0
    ASSERT_TRUE(poll_csts(h, reg::csts::kRdy, 0, cap_timeout(h)));
    EXPECT_EQ(h.rd32(reg::kAqa), aqa);
    EXPECT_EQ(h.rd64(reg::kAsq), asq);
    EXPECT_EQ(h.rd64(reg::kAcq), acq);
    EXPECT_EQ(h.rd32(reg::kIntms), 0u);
    EXPECT_EQ(h.rd32(reg::kIntmc), 0u);
    EXPECT_EQ(h.nvme.stats().controller_resets, 1u);

    ASSERT_TRUE(h.enable());
    // The I/O queues are gone: an SQ cannot reference the old CQ 1.
    EXPECT_STATUS(h.create_sq(1, 16, 1), st::kCompletionQueueInvalid);
    EXPECT_STATUS(h.create_cq(1, 16, 0), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 16, 1), st::kSuccess);
  });
}

TEST(RegistersCc, ShutdownGoesProcessingThenComplete) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup(false);
    ASSERT_TRUE(h.enable());
    const uint32_t cc = h.rd32(reg::kCc);
    h.wr32(reg::kCc, cc | (reg::cc::kShnNormal << 14));
    sc_core::wait(1, SC_US);
    EXPECT_EQ(reg::csts::shst(h.rd32(reg::kCsts)), reg::csts::kShstProcessing);
    EXPECT_TRUE(poll_csts(h, reg::csts::kShstMask, reg::csts::kShstComplete << 2, sc_time(10, SC_MS)));
    EXPECT_EQ(h.rd32(reg::kCsts) & reg::csts::kRdy, reg::csts::kRdy);  // RDY stays set
    EXPECT_EQ(reg::cc::shn(h.rd32(reg::kCc)), reg::cc::kShnNormal);
    // A controller reset clears the shutdown status; an abrupt shutdown completes as well.
    h.wr32(reg::kCc, 0);
    EXPECT_TRUE(poll_csts(h, reg::csts::kShstMask | reg::csts::kRdy, 0, sc_time(10, SC_MS)));
    ASSERT_TRUE(h.enable());
    h.wr32(reg::kCc, h.rd32(reg::kCc) | (reg::cc::kShnAbrupt << 14));
    EXPECT_TRUE(poll_csts(h, reg::csts::kShstMask, reg::csts::kShstComplete << 2, sc_time(10, SC_MS)));
  });
}

// ---------------------------------------------------------------------------------------------
// NVM Subsystem Reset

TEST(RegistersNssr, ResetValueResetsSubsystemAndSetsNssro) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup(true);  // MSI-X enabled, every entry unmasked
    ASSERT_TRUE(h.enable());
    EXPECT_EQ(h.rd32(kMsixTable + p::msix::kEntryControl), 0u);
    h.wr32(reg::kNssr, reg::kNssrReset);
    sc_core::wait(10, SC_US);
    EXPECT_EQ(h.cfg_read(p::kCommand, 2), 0u);
    EXPECT_FALSE(h.nvme.memory_space_enabled());
    h.cfg_write(p::kCommand, 2, p::command::kMemorySpace);
    const uint32_t csts = h.rd32(reg::kCsts);
    EXPECT_EQ(csts & reg::csts::kRdy, 0u);
    EXPECT_EQ(csts & reg::csts::kNssro, reg::csts::kNssro);
    expect_values(h, {{"CC", reg::kCc, 4, 0}, {"AQA", reg::kAqa, 4, 0}, {"ASQ", reg::kAsq, 8, 0}, {"ACQ", reg::kAcq, 8, 0},
                      {"NSSR", reg::kNssr, 4, 0}, {"MSI-X entry 0 control", kMsixTable + p::msix::kEntryControl, 4, 1},
                      {"MSI-X entry 64 control", kMsixTable + 64 * 16 + p::msix::kEntryControl, 4, 1}});
    EXPECT_EQ(h.nvme.stats().subsystem_resets, 1u);
    // NSSRO is write-1-to-clear.
    h.wr32(reg::kCsts, 0);
    EXPECT_EQ(h.rd32(reg::kCsts) & reg::csts::kNssro, reg::csts::kNssro);
    h.wr32(reg::kCsts, reg::csts::kNssro);
    EXPECT_EQ(h.rd32(reg::kCsts), 0u);
  });
}

TEST(RegistersNssr, OtherValuesAndPartialWritesAreIgnored) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup(false);
    ASSERT_TRUE(h.enable());
    for (uint32_t v : {0x4E564D64u, 0x654D564Eu /* byte-swapped */, 0x12345678u, 0u, 0xFFFFFFFFu}) h.wr32(reg::kNssr, v);
    // The reset value split over two 2-byte writes is not a 4-byte write of "NVMe".
    uint8_t lo[2], hi[2];
    spec::put_le16(lo, 0x4D65);
    spec::put_le16(hi, 0x4E56);
    EXPECT_EQ(bar0(h, tlm::TLM_WRITE_COMMAND, reg::kNssr, lo, 2), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(bar0(h, tlm::TLM_WRITE_COMMAND, reg::kNssr + 2, hi, 2), tlm::TLM_OK_RESPONSE);
    sc_core::wait(10, SC_US);
    EXPECT_EQ(h.rd32(reg::kCsts), reg::csts::kRdy);
    EXPECT_EQ(h.rd32(reg::kNssr), 0u);
    EXPECT_EQ(h.nvme.stats().subsystem_resets, 0u);
    EXPECT_EQ(h.cfg_read(p::kCommand, 2), p::command::kMemorySpace | p::command::kBusMaster);
  });
}

TEST(RegistersNssr, ReservedWhenNotSupported) {
  ControllerConfig cfg;
  cfg.nvm_subsystem_reset = false;
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    h.pci_setup(false);
    EXPECT_EQ(reg::cap::nssrs(h.rd64(reg::kCap)), 0u);
    ASSERT_TRUE(h.enable());
    h.wr32(reg::kNssr, reg::kNssrReset);
    sc_core::wait(10, SC_US);
    EXPECT_EQ(h.rd32(reg::kNssr), 0u);
    EXPECT_EQ(h.rd32(reg::kCsts), reg::csts::kRdy);
    EXPECT_EQ(h.nvme.stats().subsystem_resets, 0u);
    EXPECT_EQ(h.cfg_read(p::kCommand, 2), p::command::kMemorySpace | p::command::kBusMaster);
  });
}

// ---------------------------------------------------------------------------------------------
// INTMS / INTMC

TEST(RegistersIntm, SetAndClearShareOneMask) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup(false);  // INTx / MSI mode
    h.wr32(reg::kIntms, 0x5);
    EXPECT_EQ(h.rd32(reg::kIntms), 0x5u);
    EXPECT_EQ(h.rd32(reg::kIntmc), 0x5u);
    h.wr32(reg::kIntms, 0x2);  // set adds bits
    EXPECT_EQ(h.rd32(reg::kIntms), 0x7u);
    h.wr32(reg::kIntmc, 0x4);  // clear removes bits
    EXPECT_EQ(h.rd32(reg::kIntmc), 0x3u);
    h.wr32(reg::kIntms, 0);  // writing 0 changes nothing
    EXPECT_EQ(h.rd32(reg::kIntms), 0x3u);
    h.wr32(reg::kIntmc, 0xFFFFFFFF);
    EXPECT_EQ(h.rd32(reg::kIntms), 0u);
  });
}

TEST(RegistersIntm, IgnoredWhileMsixEnabled) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup(true);
    const uint32_t msix = find_cap(h, p::cap_id::kMsix);
    ASSERT_NE(msix, 0u);
    h.wr32(reg::kIntms, 0xF);
    EXPECT_EQ(h.rd32(reg::kIntms), 0u);
    h.cfg_write(msix + p::msix::kControl, 2, 0);  // MSI-X off
    h.wr32(reg::kIntms, 0x1);
    EXPECT_EQ(h.rd32(reg::kIntms), 0x1u);
    h.cfg_write(msix + p::msix::kControl, 2, p::msix::kEnable);
    h.wr32(reg::kIntmc, 0x1);
    EXPECT_EQ(h.rd32(reg::kIntmc), 0x1u);
  });
}

// ---------------------------------------------------------------------------------------------
// Doorbells

TEST(RegistersDoorbell, ReadsReturnZeroWithoutSideEffects) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup(false);
    ASSERT_TRUE(h.enable());
    std::vector<uint8_t> id;
    EXPECT_STATUS(h.identify(1, 0, id), st::kSuccess);
    const uint64_t errors = guest_errors(h);
    for (uint32_t off : {reg::sq_tail_doorbell(0, 0), reg::cq_head_doorbell(0, 0), reg::sq_tail_doorbell(5, 0),
                         reg::cq_head_doorbell(64, 0)})
      EXPECT_EQ(h.rd32(off), 0u) << std::hex << off;
    sc_core::wait(10, SC_US);
    EXPECT_EQ(guest_errors(h), errors);
    EXPECT_FALSE(h.cqe_available(0));  // nothing was fetched by the reads
    EXPECT_EQ(h.nvme.stats().commands_fetched, 1u);
    EXPECT_STATUS(h.identify(1, 0, id), st::kSuccess);
  });
}

TEST(RegistersDoorbell, StrideTwoDecodesStridedOffsets) {
  ControllerConfig cfg;
  cfg.doorbell_stride = 2;  // doorbells 16 bytes apart
  Bench b("bench", cfg);
  b.run([](Bench& h) {
    h.pci_setup(false);
    EXPECT_EQ(reg::cap::dstrd(h.rd64(reg::kCap)), 2u);
    ASSERT_TRUE(h.enable());
    // Offsets between strided doorbells are reserved: ignored without a guest error.
    for (uint32_t off : {0x1004u, 0x1008u, 0x100Cu, 0x1014u}) h.wr32(off, 5);
    sc_core::wait(1, SC_US);
    EXPECT_EQ(guest_errors(h), 0u);
    // 0x1020 is SQ 1's tail doorbell at DSTRD 2 (SQ 2's at DSTRD 0): SQ 1 does not exist yet.
    h.wr32(0x1020, 1);
    sc_core::wait(1, SC_US);
    EXPECT_EQ(guest_errors(h), 1u);
    std::vector<uint8_t> id;
    const spec::Cqe c = h.identify(1, 0, id);  // rings 0x1000 and CQ 0 head at 0x1010
    EXPECT_STATUS(c, st::kSuccess);
    EXPECT_EQ(c.sq_head(), 1u);
    EXPECT_STATUS(h.create_cq(1, 16, 0), st::kSuccess);
    EXPECT_STATUS(h.create_sq(1, 16, 1), st::kSuccess);
    sc_core::wait(1, SC_US);
    EXPECT_EQ(guest_errors(h), 1u);
  });
}

struct BadDoorbell {
  const char* what;
  uint32_t offset;
  uint32_t value;
};

TEST(RegistersDoorbell, InvalidWritesAreIgnoredAndCounted) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.pci_setup(false);
    ASSERT_TRUE(h.enable(32, 32));
    const std::vector<BadDoorbell> cases = {
        {"SQ 5 does not exist", reg::sq_tail_doorbell(5, 0), 1},
        {"CQ 5 does not exist", reg::cq_head_doorbell(5, 0), 0},
        {"SQ 0 tail == size", reg::sq_tail_doorbell(0, 0), 32},
        {"SQ 0 tail > size", reg::sq_tail_doorbell(0, 0), 1000},
        {"SQ 0 tail with reserved bits 31:16", reg::sq_tail_doorbell(0, 0), 0x10001},
        {"CQ 0 head beyond the posted entries", reg::cq_head_doorbell(0, 0), 1},
        {"CQ 0 head == size", reg::cq_head_doorbell(0, 0), 32},
    };
    uint64_t expected = guest_errors(h);
    for (const auto& c : cases) {
      SCOPED_TRACE(c.what);
      h.wr32(c.offset, c.value);
      sc_core::wait(1, SC_US);
      EXPECT_EQ(guest_errors(h), ++expected);
    }
    // Partial doorbell writes are ignored too.
    uint8_t half[2] = {1, 0};
    EXPECT_EQ(bar0(h, tlm::TLM_WRITE_COMMAND, reg::sq_tail_doorbell(0, 0), half, 2), tlm::TLM_OK_RESPONSE);
    sc_core::wait(1, SC_US);
    EXPECT_EQ(guest_errors(h), ++expected);
    EXPECT_EQ(h.nvme.stats().commands_fetched, 0u);
    EXPECT_EQ(h.rd32(reg::kCsts), reg::csts::kRdy);
    // The admin queue state was not disturbed.
    std::vector<uint8_t> id;
    EXPECT_STATUS(h.identify(1, 0, id), st::kSuccess);
    EXPECT_EQ(h.nvme.stats().commands_fetched, 1u);
  });
}
