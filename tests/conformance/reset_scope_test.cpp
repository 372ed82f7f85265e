// The scope of each reset (NVMe Base 2.0, 3.7 Resets; 3.6 shutdown; PCIe Base 6.6 Conventional
// Reset and Function Level Reset): which BAR0 registers, PCI configuration fields, MSI-X state,
// queues, outstanding commands, features and SMART counters survive
//   - a Controller Reset (CC.EN 1 -> 0),
//   - an NVM Subsystem Reset (NSSR.NSSRC = "NVMe"; on PCIe a Conventional Reset of the function
//     with it, so the configuration space goes back to its reset values as well),
//   - a Function Level Reset (Device Control "Initiate FLR"),
//   - a power cycle (Controller::power_loss()),
// and what a normal or abrupt shutdown (CC.SHN) makes durable before power goes away.
//
// The register and configuration expectations are one table with a column per reset kind; each
// reset kind runs in its own test (one simulation per process). Single-reset details already
// tested elsewhere (NSSR value checks, FLR link state, saved features, SMART counting of plain
// power loss) are in registers_test, pci_config_test, saved_features_test and durability_test.
#include <array>
#include <functional>

#include "integration/nvm_host.h"
#include "scnvme/spec/nvme_async_event.h"
#include "support/small_flash.h"

using namespace scnvme;
using namespace scnvme::test;
using namespace scnvme::test::nvm;
namespace reg = spec::reg;
namespace p = spec::pci;
namespace ft = spec::feature;
namespace sm = spec::log::smart;
namespace ae = spec::async_event;

namespace {

enum Reset { kControllerReset = 0, kSubsystemReset = 1, kFunctionLevelReset = 2, kPowerCycle = 3 };
constexpr const char* kResetNames[] = {"controller reset", "NVM subsystem reset", "function level reset", "power cycle"};

/// What a field reads after a reset: the value it had before (kept) or a given value.
struct After {
  bool kept;
  uint64_t value;
};
constexpr After kKept{true, 0};
constexpr After is(uint64_t v) { return {false, v}; }

struct Row {
  const char* what;
  std::function<uint64_t(Bench&)> read;
  std::array<After, 4> after;  // controller reset, NVM subsystem reset, FLR, power cycle
};

constexpr uint32_t kBar0Address = 0xFE000000, kBar1Address = 0x2;
constexpr uint32_t kMsiAddress = 0xFEE01000;
constexpr uint32_t kOver = ft::kThselOver << 20;
constexpr uint32_t kBlocks = 32, kBlockSize = 4096;  // the read that is in flight at the reset

ControllerConfig scope_config() {
  ControllerConfig cfg;
  cfg.namespaces = {NamespaceConfig{1, 1 << 20, kBlockSize}};
  cfg.flash = small_flash(1, 1, Precondition::None);  // reads wait for tR: a reset can catch one executing
  return cfg;
}

struct Caps {
  uint32_t pcie = 0, msix = 0, msi = 0;
};

Caps capabilities(Bench& h) {
  Caps c{find_capability(h, p::cap_id::kPciExpress), find_capability(h, p::cap_id::kMsix),
         find_capability(h, p::cap_id::kMsi)};
  EXPECT_NE(c.pcie, 0u);
  EXPECT_NE(c.msix, 0u);
  EXPECT_NE(c.msi, 0u);
  return c;
}

/// PCI configuration fields (read before Memory Space Enable is set again).
std::vector<Row> config_rows(const Caps& c, uint32_t msix_table_size) {
  namespace e = p::pcie;
  const uint32_t devctl = c.pcie + e::kDeviceControl;
  return {
      // PCIe 6.6.2 / 7.5.1.1: an FLR clears Memory Space and Bus Master Enable like any reset.
      {"Command (MSE, BME)", [](Bench& h) { return h.cfg_read(p::kCommand, 2); }, {kKept, is(0), is(0), is(0)}},
      {"BAR0 (64-bit memory BAR)", [](Bench& h) { return h.cfg_read(p::kBar0, 4); },
       {kKept, is(p::bar::kType64), is(p::bar::kType64), is(p::bar::kType64)}},
      {"BAR1 (upper address)", [](Bench& h) { return h.cfg_read(p::kBar1, 4); }, {kKept, is(0), is(0), is(0)}},
      {"MSI-X Message Control (Enable, Function Mask)", [c](Bench& h) { return h.cfg_read(c.msix + p::msix::kControl, 2); },
       {kKept, is(msix_table_size - 1), is(msix_table_size - 1), is(msix_table_size - 1)}},
      {"MSI Message Address", [c](Bench& h) { return h.cfg_read(c.msi + p::msi::kAddressLo, 4); }, {kKept, is(0), is(0), is(0)}},
      {"Device Control MRRS (not link state: an FLR resets it)",
       [devctl](Bench& h) { return h.cfg_read(devctl, 2) & e::kDevctlMrrsMask; },
       {kKept, is(2u << e::kDevctlMrrsShift), is(2u << e::kDevctlMrrsShift), is(2u << e::kDevctlMrrsShift)}},
      // PCIe 6.6.2: an FLR does not affect Max_Payload_Size or Link Control; a conventional reset does.
      {"Device Control MPS", [devctl](Bench& h) { return h.cfg_read(devctl, 2) & e::kDevctlMpsMask; },
       {kKept, is(0), kKept, is(0)}},
      {"Link Control ASPM", [c](Bench& h) { return h.cfg_read(c.pcie + e::kLinkControl, 2) & 0x3; },
       {kKept, is(0), kKept, is(0)}},
  };
}

/// BAR0: NVMe registers, the MSI-X table and PBA, and optional registers the model leaves out.
std::vector<Row> bar0_rows(uint32_t cc_disabled) {
  const uint32_t table = ControllerConfig{}.pci.msix_table_offset, pba = ControllerConfig{}.pci.msix_pba_offset;
  const uint32_t entry1 = table + 1 * p::msix::kEntrySize;
  auto r32 = [](uint32_t off) { return [off](Bench& h) { return uint64_t{h.rd32(off)}; }; };
  auto r64 = [](uint32_t off) { return [off](Bench& h) { return h.rd64(off); }; };
  return {
      // A Controller Reset keeps what the host wrote (EN now 0); the others return CC to 0.
      {"CC", r32(reg::kCc), {is(cc_disabled), is(0), is(0), is(0)}},
      // RDY and SHST clear with every reset; NSSRO (set by the NSSR in the setup) changes only with
      // an NVM Subsystem Reset: set again by one, 0 after power-on (3.1.3.6).
      {"CSTS", r32(reg::kCsts), {is(reg::csts::kNssro), is(reg::csts::kNssro), is(reg::csts::kNssro), is(0)}},
      // 3.7.2: the Admin Queue registers are not reset by a Controller Reset; an FLR resets the
      // whole function (PCIe 6.6.2), a conventional reset everything.
      {"AQA", r32(reg::kAqa), {kKept, is(0), is(0), is(0)}},
      {"ASQ", r64(reg::kAsq), {kKept, is(0), is(0), is(0)}},
      {"ACQ", r64(reg::kAcq), {kKept, is(0), is(0), is(0)}},
      {"INTMS", r32(reg::kIntms), {is(0), is(0), is(0), is(0)}},
      {"INTMC", r32(reg::kIntmc), {is(0), is(0), is(0), is(0)}},
      {"NSSR (reads 0)", r32(reg::kNssr), {is(0), is(0), is(0), is(0)}},
      {"CMBLOC (no CMB)", r32(reg::kCmbloc), {is(0), is(0), is(0), is(0)}},
      {"CMBSZ (no CMB)", r32(reg::kCmbsz), {is(0), is(0), is(0), is(0)}},
      {"BPINFO (no Boot Partitions)", r32(reg::kBpinfo), {is(0), is(0), is(0), is(0)}},
      // The MSI-X table and PBA are PCI state (a Controller Reset "does not affect PCI Express
      // registers"); FLR and conventional reset return entries to 0 and masked, PBA to 0.
      {"MSI-X entry 1 Message Address", r32(entry1 + p::msix::kEntryAddressLo), {kKept, is(0), is(0), is(0)}},
      {"MSI-X entry 1 Message Data", r32(entry1 + p::msix::kEntryData), {kKept, is(0), is(0), is(0)}},
      {"MSI-X entry 1 Vector Control", r32(entry1 + p::msix::kEntryControl),
       {kKept, is(p::msix::kEntryMasked), is(p::msix::kEntryMasked), is(p::msix::kEntryMasked)}},
      {"MSI-X PBA (vector 2 pending)", r64(pba), {kKept, is(0), is(0), is(0)}},
  };
}

/// Features the setup changes (SV = 0) and their default values, which every reset restores:
/// none of them is persistent across a reset (5.27.1, Figure 317) and none has a saved value.
struct FeatureRow {
  const char* what;
  uint8_t fid;
  uint32_t set_cdw11;
  uint32_t get_cdw11;
  uint32_t current;  // what Get Features returns after the Set
  uint32_t dflt;     // after any reset
};

std::vector<FeatureRow> feature_rows(const ControllerConfig& cfg) {
  const uint16_t max_q = static_cast<uint16_t>(cfg.max_io_queues - 1);
  return {
      {"Arbitration", ft::kArbitration, 0x04030201, 0, 0x04030201, 0},
      {"Power Management PS1", ft::kPowerManagement, ft::power_management(1, 0), 0, ft::power_management(1, 0), 0},
      {"Temperature Threshold (over)", ft::kTemperatureThreshold, kOver | 330, kOver, kOver | 330,
       kOver | cfg.warning_temperature_k},
      {"Error Recovery", ft::kErrorRecovery, 0x20, 0, 0x20, 0},
      {"Volatile Write Cache off", ft::kVolatileWriteCache, 0, 0, 0, ft::kWce},
      // Number of Queues: the allocation is made again after every reset (the default allocation
      // is the controller's maximum until the host asks for fewer).
      {"Number of Queues", ft::kNumberOfQueues, 0x00030003, 0, ft::number_of_queues(3, 3), ft::number_of_queues(max_q, max_q)},
      {"Interrupt Coalescing", ft::kInterruptCoalescing, 0x0203, 0, 0x0203, 0},
      {"Interrupt Vector Configuration (vector 1 CD)", ft::kInterruptVectorConfiguration, 1 | ft::kCoalescingDisable, 1,
       1 | ft::kCoalescingDisable, 1},
      {"Asynchronous Event Configuration", ft::kAsyncEventConfiguration, ft::kAecNamespaceAttribute, 0,
       ft::kAecNamespaceAttribute, 0},
      {"Keep Alive Timer", ft::kKeepAliveTimer, 10000, 0, 10000, 0},
  };
}

/// Polls until `done` or `timeout`; false on timeout.
bool poll(const std::function<bool()>& done, sc_core::sc_time timeout) {
  const sc_core::sc_time end = sc_core::sc_time_stamp() + timeout;
  while (!done()) {
    if (sc_core::sc_time_stamp() >= end) return false;
    wait_us(0.1);
  }
  return true;
}

void start_reset(Bench& h, Reset kind, const Caps& c) {
  switch (kind) {
    case kControllerReset:
      h.wr32(reg::kCc, h.rd32(reg::kCc) & ~reg::cc::kEn);
      ASSERT_TRUE(h.wait_ready(false));
      break;
    case kSubsystemReset:
      ASSERT_EQ(reg::cap::nssrs(h.rd64(reg::kCap)), 1u) << "NSSR needs CAP.NSSRS";
      h.wr32(reg::kNssr, reg::kNssrReset);
      break;
    case kFunctionLevelReset:
      h.cfg_write(c.pcie + p::pcie::kDeviceControl, 2,
                  h.cfg_read(c.pcie + p::pcie::kDeviceControl, 2) | p::pcie::kDevctlInitiateFlr);
      break;
    case kPowerCycle:
      h.nvme.power_loss();
      break;
  }
  wait_us(20);
}

/// One reset kind: sets up every piece of state the table names, starts a read that waits for the
/// NAND array and an Asynchronous Event Request, resets, then checks each piece.
void reset_scope(Reset kind) {
  SCOPED_TRACE(kResetNames[kind]);
  Bench b("bench", scope_config());
  std::vector<CommandRecord> completed;
  b.nvme.on_command_complete([&completed](const CommandRecord& r) { completed.push_back(r); });
  b.run([kind, &completed](Bench& h) {
    namespace e = p::pcie;
    const ControllerConfig& cfg = h.nvme.config();
    const uint32_t stride = cfg.doorbell_stride;
    // An NVM Subsystem Reset first, so that CSTS.NSSRO is set when the reset under test comes.
    h.cfg_write(p::kCommand, 2, p::command::kMemorySpace);
    h.wr32(reg::kNssr, reg::kNssrReset);
    wait_us(20);
    const Caps c = capabilities(h);
    h.cfg_write(p::kBar0, 4, kBar0Address);
    h.cfg_write(p::kBar1, 4, kBar1Address);
    h.cfg_write(c.msi + p::msi::kAddressLo, 4, kMsiAddress);
    const uint32_t devctl = h.cfg_read(c.pcie + e::kDeviceControl, 2);
    h.cfg_write(c.pcie + e::kDeviceControl, 2,
                (devctl & ~(e::kDevctlMrrsMask | e::kDevctlMpsMask)) | (1u << e::kDevctlMrrsShift) | (1u << e::kDevctlMpsShift));
    h.cfg_write(c.pcie + e::kLinkControl, 2, 0x0003);
    h.pci_setup(false);
    h.wr32(reg::kIntms, 0x5);  // INTMS is written while MSI-X is still off
    h.pci_setup(true);
    ASSERT_TRUE(h.enable());
    const uint32_t msix_size = (h.cfg_read(c.msix + p::msix::kControl, 2) & p::msix::kTableSizeMask) + 1;

    const std::vector<FeatureRow> features = feature_rows(cfg);
    EXPECT_STATUS(h.set_features(ft::kNumberOfQueues, 0x00030003), st::kSuccess);  // before any I/O queue
    ASSERT_TRUE(h.create_cq(1, 16, 1).status().ok());
    ASSERT_TRUE(h.create_sq(1, 16, 1).status().ok());
    ASSERT_TRUE(h.create_cq(2, 16, 2).status().ok());
    ASSERT_TRUE(h.create_sq(2, 16, 2).status().ok());

    // Data on the NAND array, and how long reading it back takes.
    DataBuffer buf(h, kBlocks * kBlockSize);
    const std::vector<uint8_t> data = pattern(kBlocks * kBlockSize, 7);
    EXPECT_STATUS(write_blocks(h, buf, 1, 0, kBlocks, data), st::kSuccess);
    EXPECT_STATUS(io(h, lba_sqe(io_op::kFlush, 1, 0, 1)), st::kSuccess);
    std::vector<uint8_t> out;
    const sc_core::sc_time read_start = sc_core::sc_time_stamp();
    EXPECT_STATUS(read_blocks(h, buf, 1, 0, kBlocks, kBlocks * kBlockSize, out), st::kSuccess);
    const sc_core::sc_time read_time = sc_core::sc_time_stamp() - read_start;
    EXPECT_EQ(out, data);
    ASSERT_GT(read_time, sc_core::sc_time(30, sc_core::SC_US)) << "the read must be slow enough to be caught";

    // A pending MSI-X message: vector 2 masked while CQ 2 gets a completion.
    const uint32_t table = cfg.pci.msix_table_offset;
    h.wr32(table + 2 * p::msix::kEntrySize + p::msix::kEntryControl, p::msix::kEntryMasked);
    h.submit(2, lba_sqe(io_op::kFlush, 1, 0, 1));
    h.wait_cqe(2);
    wait_us(5);
    EXPECT_EQ(h.rd64(cfg.pci.msix_pba_offset), 1u << 2) << "vector 2 pending";

    // Features changed without saving them.
    for (const FeatureRow& f : features) {
      SCOPED_TRACE(f.what);
      if (f.fid != ft::kNumberOfQueues) {
        EXPECT_STATUS(h.set_features(f.fid, f.set_cdw11), st::kSuccess);
      }
      EXPECT_EQ(h.get_features(f.fid, ft::kSelCurrent, f.get_cdw11).dw0(), f.current);
    }
    const std::vector<uint8_t> smart_before = smart_log(h);

    // Outstanding at the reset: an Asynchronous Event Request and a read waiting for the array.
    h.submit(0, make_sqe(op::kAsyncEventRequest), 0xE1);
    wait_us(20);
    EXPECT_FALSE(h.cqe_available(0));
    const uint64_t fetched = h.nvme.stats().commands_fetched;
    const std::size_t completed_before = completed.size();
    buf.fill(0xA5);
    const uint16_t read_cid = h.submit(1, buf.with_prps(lba_sqe(io_op::kRead, 1, 0, kBlocks), kBlocks * kBlockSize));
    ASSERT_TRUE(poll([&] { return h.nvme.stats().commands_fetched > fetched; }, sc_core::sc_time(20, sc_core::SC_US)));
    wait_us(2);
    ASSERT_TRUE(all_bytes(buf.ptr(), kBlocks * kBlockSize, 0xA5)) << "the read is still waiting for the array";

    // Every row's value before the reset.
    const uint32_t cc = h.rd32(reg::kCc);
    const std::vector<Row> cfg_table = config_rows(c, msix_size);
    const std::vector<Row> bar0_table = bar0_rows(cc & ~reg::cc::kEn);
    std::vector<uint64_t> cfg_before, bar0_before;
    for (const Row& r : cfg_table) cfg_before.push_back(r.read(h));
    for (const Row& r : bar0_table) bar0_before.push_back(r.read(h));
    EXPECT_EQ(bar0_before[1], reg::csts::kRdy | reg::csts::kNssro) << "CSTS before";

    const std::size_t accesses_before = h.mem.accesses.size();
    const ControllerStats stats_before = h.nvme.stats();
    start_reset(h, kind, c);
    // Each kind is counted as what it is (a power cycle in SMART, checked below with the log).
    const ControllerStats stats_after = h.nvme.stats();
    EXPECT_EQ(stats_after.controller_resets - stats_before.controller_resets, kind == kControllerReset ? 1u : 0u);
    EXPECT_EQ(stats_after.subsystem_resets - stats_before.subsystem_resets, kind == kSubsystemReset ? 1u : 0u);
    EXPECT_EQ(stats_after.function_level_resets - stats_before.function_level_resets, kind == kFunctionLevelReset ? 1u : 0u);

    auto check = [kind](const std::vector<Row>& table, const std::vector<uint64_t>& before, Bench& h) {
      for (std::size_t i = 0; i < table.size(); ++i) {
        const Row& r = table[i];
        const After& want = r.after[kind];
        const uint64_t got = r.read(h);
        EXPECT_EQ(got, want.kept ? before[i] : want.value) << r.what << (want.kept ? " (kept)" : " (reset)");
        // A kept value proves something only when the setup moved it away from its reset value.
        if (!want.kept) continue;
        for (const After& other : r.after) {
          if (other.kept) continue;
          EXPECT_NE(before[i], other.value) << r.what << ": the setup left it at its reset value";
        }
      }
    };
    check(cfg_table, cfg_before, h);
    if (kind != kControllerReset) h.cfg_write(p::kCommand, 2, p::command::kMemorySpace);  // BAR0 back
    check(bar0_table, bar0_before, h);

    // The host brings the function up again at once (Bus Master Enable back on): the dropped
    // read must still never write its data or post its CQE.
    if (kind != kControllerReset) h.pci_setup(true);
    wait_us(read_time.to_seconds() * 1e6 * 4);
    EXPECT_TRUE(all_bytes(buf.ptr(), kBlocks * kBlockSize, 0xA5)) << "the dropped read wrote data";
    EXPECT_FALSE(h.cqe_available(1)) << "the dropped read posted a CQE";
    for (std::size_t i = accesses_before; i < h.mem.accesses.size(); ++i) {
      const HostMemory::Access& a = h.mem.accesses[i];
      const bool into_buffer = a.address < buf.addr() + kBlocks * kBlockSize && buf.addr() < a.address + a.length;
      EXPECT_FALSE(a.command == tlm::TLM_WRITE_COMMAND && into_buffer) << "DMA write into the read buffer at " << a.time;
    }
    for (std::size_t i = completed_before; i < completed.size(); ++i)
      EXPECT_FALSE(completed[i].sqid == 1 && completed[i].cid == read_cid) << "the dropped read completed";

    ASSERT_TRUE(h.enable());
    // I/O queues are gone; the admin queue is the one just programmed.
    EXPECT_STATUS(h.create_sq(1, 16, 1), st::kCompletionQueueInvalid);
    EXPECT_STATUS(h.admin(delete_sqe(op::kDeleteIoSq, 2)), st::kInvalidQueueIdentifier);
    // Every feature is back at its default (nothing was saved).
    for (const FeatureRow& f : features) {
      SCOPED_TRACE(f.what);
      EXPECT_EQ(h.get_features(f.fid, ft::kSelCurrent, f.get_cdw11).dw0(), f.dflt);
      EXPECT_EQ(h.get_features(f.fid, ft::kSelDefault, f.get_cdw11).dw0(), f.dflt);
    }
    // The Asynchronous Event Request was dropped: an error event waits for a new request.
    h.wr32(reg::sq_tail_doorbell(7, stride), 1);  // SQ 7 does not exist
    wait_us(50);
    EXPECT_FALSE(h.cqe_available(0)) << "the old Asynchronous Event Request completed";
    h.submit(0, make_sqe(op::kAsyncEventRequest), 0xE2);
    const spec::Cqe aer = h.wait_cqe(0);
    EXPECT_EQ(aer.cid(), 0xE2);
    EXPECT_EQ(aer.dw0(), ae::dw0(ae::kError, ae::error::kInvalidDoorbellRegister, spec::log::kErrorInformation));

    // SMART counters are NVM subsystem state: only a power cycle counts, and without a shutdown it
    // counts as unsafe.
    const std::vector<uint8_t> smart = smart_log(h);
    const uint64_t power_cycled = kind == kPowerCycle ? 1 : 0;
    EXPECT_EQ(smart_value(smart, sm::kDataUnitsWritten), smart_value(smart_before, sm::kDataUnitsWritten));
    EXPECT_NE(smart_value(smart, sm::kDataUnitsWritten), 0u);
    EXPECT_EQ(smart_value(smart, sm::kPowerCycles), smart_value(smart_before, sm::kPowerCycles) + power_cycled);
    EXPECT_EQ(smart_value(smart, sm::kUnsafeShutdowns), smart_value(smart_before, sm::kUnsafeShutdowns) + power_cycled);
    // The data written and flushed before is still there.
    h.sqs.erase(1);
    h.cqs.erase(1);
    ASSERT_TRUE(h.create_cq(1, 16, 1).status().ok());
    ASSERT_TRUE(h.create_sq(1, 16, 1).status().ok());
    EXPECT_STATUS(read_blocks(h, buf, 1, 0, kBlocks, kBlocks * kBlockSize, out), st::kSuccess);
    EXPECT_EQ(out, data);
  });
}

// ---------------------------------------------------------------------------------------------
// Shutdown (3.6) and power loss

ControllerConfig cached_config() {
  ControllerConfig cfg;
  cfg.volatile_write_cache = true;
  cfg.namespaces = {NamespaceConfig{1, 1 << 20, kBlockSize}};
  return cfg;
}

/// Power goes away and comes back; the host brings the function up again with I/O queue pair 1.
void power_cycle(Bench& h) {
  h.nvme.power_loss();
  wait_us(20);
  EXPECT_EQ(h.cfg_read(p::kCommand, 2), 0u);
  EXPECT_EQ(h.cfg_read(p::kBar0, 4), p::bar::kType64) << "BAR0 back to its power-on value";
  h.cfg_write(p::kCommand, 2, p::command::kMemorySpace);
  EXPECT_EQ(h.rd32(reg::kCsts), 0u);
  EXPECT_EQ(h.rd32(reg::kCc), 0u);
  h.sqs.clear();
  h.cqs.clear();
  bring_up(h);
}

struct ShutdownOutcome {
  std::vector<uint8_t> data;  // the blocks written (cached) before the shutdown, read after power returned
  uint64_t unsafe_shutdowns_added = 0;
  uint64_t power_cycles_added = 0;
};

/// Writes blocks into the volatile write cache, notifies `shn`, waits for CSTS.SHST = 10b (or
/// not, `complete` false: power is lost while the shutdown is still processing), cycles power.
ShutdownOutcome shutdown_then_power_loss(Bench& h, uint32_t shn, bool complete, const std::vector<uint8_t>& data) {
  ShutdownOutcome r;
  DataBuffer buf(h, data.size());
  EXPECT_STATUS(write_blocks(h, buf, 1, 0, static_cast<uint32_t>(data.size() / kBlockSize), data), st::kSuccess);
  const std::vector<uint8_t> before = smart_log(h);
  const uint32_t cc = h.rd32(reg::kCc);
  h.wr32(reg::kCc, cc | (shn << 14));
  wait_us(1);
  EXPECT_EQ(reg::csts::shst(h.rd32(reg::kCsts)), reg::csts::kShstProcessing);
  if (complete) {
    EXPECT_TRUE(poll([&] { return reg::csts::shst(h.rd32(reg::kCsts)) == reg::csts::kShstComplete; },
                     sc_core::sc_time(10, sc_core::SC_MS)));
    EXPECT_EQ(h.rd32(reg::kCsts), reg::csts::kRdy | (reg::csts::kShstComplete << 2)) << "RDY stays set";
    EXPECT_EQ(h.rd32(reg::kCc), cc | (shn << 14)) << "CC.SHN stays as written";
  }
  power_cycle(h);
  const std::vector<uint8_t> after = smart_log(h);
  r.unsafe_shutdowns_added = smart_value(after, sm::kUnsafeShutdowns) - smart_value(before, sm::kUnsafeShutdowns);
  r.power_cycles_added = smart_value(after, sm::kPowerCycles) - smart_value(before, sm::kPowerCycles);
  EXPECT_STATUS(read_blocks(h, buf, 1, 0, static_cast<uint32_t>(data.size() / kBlockSize), data.size(), r.data), st::kSuccess);
  return r;
}

}  // namespace

TEST(ResetScope, ControllerReset) { reset_scope(kControllerReset); }
TEST(ResetScope, NvmSubsystemReset) { reset_scope(kSubsystemReset); }
TEST(ResetScope, FunctionLevelReset) { reset_scope(kFunctionLevelReset); }
TEST(ResetScope, PowerCycle) { reset_scope(kPowerCycle); }

// A normal shutdown makes the volatile write cache durable before CSTS.SHST reads 10b; the power
// loss after it is not unsafe.
TEST(ShutdownScope, NormalShutdownMakesCachedWritesDurable) {
  Bench b("bench", cached_config());
  b.run([](Bench& h) {
    bring_up(h);
    EXPECT_EQ(h.get_features(ft::kVolatileWriteCache).dw0(), ft::kWce);
    const std::vector<uint8_t> data = pattern(8 * kBlockSize, 11);
    const ShutdownOutcome r = shutdown_then_power_loss(h, reg::cc::kShnNormal, true, data);
    EXPECT_EQ(r.data, data);
    EXPECT_EQ(r.power_cycles_added, 1u);
    EXPECT_EQ(r.unsafe_shutdowns_added, 0u);
  });
}

// An abrupt shutdown (CC.SHN 10b) is a shutdown notification too: SMART Unsafe Shutdowns counts
// power losses "when a Shutdown Notification (CC.SHN) is not received prior to loss of power"
// (Figure 207), and the controller makes the cache durable before it reports SHST 10b.
TEST(ShutdownScope, AbruptShutdownMakesCachedWritesDurable) {
  Bench b("bench", cached_config());
  b.run([](Bench& h) {
    bring_up(h);
    const std::vector<uint8_t> data = pattern(8 * kBlockSize, 12);
    const ShutdownOutcome r = shutdown_then_power_loss(h, reg::cc::kShnAbrupt, true, data);
    EXPECT_EQ(r.data, data);
    EXPECT_EQ(r.power_cycles_added, 1u);
    EXPECT_EQ(r.unsafe_shutdowns_added, 0u);
  });
}

// Power lost while the shutdown is still processing (SHST 01b): the cache was not yet written,
// so the cached blocks are lost, and the model counts the shutdown as unsafe.
TEST(ShutdownScope, PowerLossDuringShutdownProcessingLosesTheCache) {
  Bench b("bench", cached_config());
  b.run([](Bench& h) {
    bring_up(h);
    const std::vector<uint8_t> data = pattern(8 * kBlockSize, 13);
    const ShutdownOutcome r = shutdown_then_power_loss(h, reg::cc::kShnNormal, false, data);
    EXPECT_EQ(r.data, std::vector<uint8_t>(data.size(), 0)) << "never-flushed blocks read as zeroes";
    EXPECT_EQ(r.power_cycles_added, 1u);
    EXPECT_EQ(r.unsafe_shutdowns_added, 1u);
  });
}

// A controller reset after a completed shutdown clears SHST (the host uses the controller again):
// cached writes made after it need their own flush or shutdown.
TEST(ShutdownScope, WritesAfterAResetFollowingShutdownAreCachedAgain) {
  Bench b("bench", cached_config());
  b.run([](Bench& h) {
    bring_up(h);
    h.wr32(reg::kCc, h.rd32(reg::kCc) | (reg::cc::kShnNormal << 14));
    ASSERT_TRUE(poll([&] { return reg::csts::shst(h.rd32(reg::kCsts)) == reg::csts::kShstComplete; },
                     sc_core::sc_time(10, sc_core::SC_MS)));
    h.wr32(reg::kCc, 0);
    ASSERT_TRUE(h.wait_ready(false));
    EXPECT_EQ(h.rd32(reg::kCsts), 0u) << "SHST back to 00b";
    h.sqs.clear();
    h.cqs.clear();
    bring_up(h);
    DataBuffer buf(h, 8 * kBlockSize);
    EXPECT_STATUS(write_blocks(h, buf, 1, 0, 8, pattern(8 * kBlockSize, 14)), st::kSuccess);
    power_cycle(h);
    std::vector<uint8_t> out;
    EXPECT_STATUS(read_blocks(h, buf, 1, 0, 8, 8 * kBlockSize, out), st::kSuccess);
    EXPECT_EQ(out, std::vector<uint8_t>(8 * kBlockSize, 0)) << "the cached writes were lost with the power";
  });
}
