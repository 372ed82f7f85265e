// PCI configuration space conformance (PCI Local Bus 3.0 type 0 header, PCI Express Base
// chapter 7 capabilities) and the TLM-2.0 rules of the pci_cfg socket.
#include <string>
#include <vector>

#include "support/bench.h"

using namespace scnvme;
using namespace scnvme::test;
namespace reg = scnvme::spec::reg;
namespace p = scnvme::spec::pci;
using sc_core::sc_time;
using sc_core::SC_US;

namespace {

tlm::tlm_response_status cfg(Bench& h, tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned len,
                             const uint8_t* be = nullptr, unsigned be_len = 0) {
  return h.access(h.cfg_init, cmd, addr, data, len, be, be_len);
}

/// Offsets of the capabilities in list order, as a driver walks them.
std::vector<uint32_t> capability_offsets(Bench& h) {
  std::vector<uint32_t> out;
  for (uint32_t ptr = h.cfg_read(p::kCapabilitiesPtr, 1); ptr && out.size() < 48; ptr = h.cfg_read(ptr + p::kCapNext, 1))
    out.push_back(ptr);
  return out;
}

uint32_t find_cap(Bench& h, uint8_t id) {
  for (uint32_t off : capability_offsets(h))
    if (h.cfg_read(off + p::kCapId, 1) == id) return off;
  return 0;
}

struct CfgValue {
  const char* name;
  uint32_t offset;
  unsigned len;
  uint32_t value;
};

void expect_cfg(Bench& h, const std::vector<CfgValue>& table) {
  for (const auto& v : table) EXPECT_EQ(h.cfg_read(v.offset, v.len), v.value) << v.name;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Type 0 header

TEST(PciHeader, IdentityComesFromTheConfig) {
  ControllerConfig c;
  c.pci.vendor_id = 0x1234;
  c.pci.device_id = 0x5678;
  c.pci.subsystem_vendor_id = 0xABCD;
  c.pci.subsystem_id = 0x0042;
  c.pci.revision_id = 0x07;
  Bench b("bench", c);
  b.run([](Bench& h) {
    expect_cfg(h, {{"vendor ID", p::kVendorId, 2, 0x1234},
                   {"device ID", p::kDeviceId, 2, 0x5678},
                   {"IDs as one dword", p::kVendorId, 4, 0x56781234},
                   {"revision ID", p::kRevisionId, 1, 0x07},
                   {"programming interface: NVMe", p::kClassProgIf, 1, 0x02},
                   {"subclass: non-volatile memory", p::kSubclass, 1, 0x08},
                   {"base class: mass storage", p::kBaseClass, 1, 0x01},
                   {"class code and revision", p::kRevisionId, 4, 0x01080207},
                   {"header type 0, single function", p::kHeaderType, 1, 0x00},
                   {"BIST not supported", p::kBist, 1, 0x00},
                   {"subsystem vendor ID", p::kSubsystemVendorId, 2, 0xABCD},
                   {"subsystem ID", p::kSubsystemId, 2, 0x0042},
                   {"interrupt pin INTA#", p::kInterruptPin, 1, 0x01},
                   {"command at reset", p::kCommand, 2, 0x0000}});
    // Identity registers are read-only.
    h.cfg_write(p::kVendorId, 4, 0xFFFFFFFF);
    h.cfg_write(p::kRevisionId, 4, 0xFFFFFFFF);
    h.cfg_write(p::kSubsystemVendorId, 4, 0);
    h.cfg_write(p::kCacheLineSize, 4, 0xFFFFFFFF);  // header type is RO; cache line size RW
    expect_cfg(h, {{"IDs after write", p::kVendorId, 4, 0x56781234},
                   {"class after write", p::kRevisionId, 4, 0x01080207},
                   {"subsystem after write", p::kSubsystemVendorId, 4, 0x0042ABCD},
                   {"header type after write", p::kHeaderType, 1, 0x00},
                   {"cache line size", p::kCacheLineSize, 1, 0xFF}});
  });
}

TEST(PciHeader, StatusReportsCapabilityList) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    EXPECT_EQ(h.cfg_read(p::kStatus, 2), p::status::kCapabilitiesList);
    const uint32_t ptr = h.cfg_read(p::kCapabilitiesPtr, 1);
    EXPECT_GE(ptr, 0x40u);
    EXPECT_EQ(ptr % 4, 0u);
    // Status is read-only / write-1-to-clear: writing ones keeps Capabilities List.
    h.cfg_write(p::kStatus, 2, 0xFFFF);
    EXPECT_EQ(h.cfg_read(p::kStatus, 2), p::status::kCapabilitiesList);
    h.cfg_write(p::kCapabilitiesPtr, 1, 0);
    EXPECT_EQ(h.cfg_read(p::kCapabilitiesPtr, 1), ptr);
  });
}

// ---------------------------------------------------------------------------------------------
// Capability list

struct CapListCase {
  const char* name;
  bool msi, msix;
  std::vector<uint8_t> ids;
};
// Stable, readable parameter descriptions in the CTest names.
void PrintTo(const CapListCase& c, std::ostream* os) { *os << c.name; }

class PciCapabilityList : public testing::TestWithParam<CapListCase> {};

TEST_P(PciCapabilityList, WalkFindsExactlyTheConfiguredCapabilities) {
  ControllerConfig c;
  c.pci.msi = GetParam().msi;
  c.pci.msix = GetParam().msix;
  Bench b("bench", c);
  b.run([](Bench& h) {
    std::vector<uint8_t> ids;
    std::vector<uint32_t> offsets = capability_offsets(h);
    for (uint32_t off : offsets) {
      EXPECT_GE(off, 0x40u);
      EXPECT_LT(off, 0x100u);  // in the legacy config space
      EXPECT_EQ(off % 4, 0u);
      ids.push_back(static_cast<uint8_t>(h.cfg_read(off + p::kCapId, 1)));
    }
    EXPECT_EQ(ids, GetParam().ids);
    ASSERT_FALSE(offsets.empty());
    EXPECT_EQ(h.cfg_read(offsets.back() + p::kCapNext, 1), 0u);  // the list ends
    // Capability structures do not overlap.
    for (std::size_t i = 1; i < offsets.size(); ++i) EXPECT_GT(offsets[i], offsets[i - 1]);
  });
}

INSTANTIATE_TEST_SUITE_P(Pci, PciCapabilityList,
                         testing::Values(CapListCase{"MsiAndMsix", true, true, {0x01, 0x05, 0x11, 0x10}},
                                         CapListCase{"MsixOnly", false, true, {0x01, 0x11, 0x10}},
                                         CapListCase{"MsiOnly", true, false, {0x01, 0x05, 0x10}},
                                         CapListCase{"NoMessageInterrupts", false, false, {0x01, 0x10}}),
                         [](const testing::TestParamInfo<CapListCase>& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------------------------------------
// Base address registers

class PciBarSize : public testing::TestWithParam<uint64_t> {};

TEST_P(PciBarSize, ProbingReturnsTheSizeWithFlags) {
  ControllerConfig c;
  c.pci.bar0_size = GetParam();
  Bench b("bench", c);
  b.run([](Bench& h) {
    const uint64_t size = GetParam();
    EXPECT_EQ(h.cfg_read(p::kBar0, 4) & p::bar::kFlagsMask, 0b0100u);  // memory, 64-bit, not prefetchable
    EXPECT_EQ(h.cfg_read(p::kBar1, 4), 0u);
    h.cfg_write(p::kBar0, 4, 0xFFFFFFFF);
    h.cfg_write(p::kBar1, 4, 0xFFFFFFFF);
    const uint64_t probed = static_cast<uint64_t>(h.cfg_read(p::kBar1, 4)) << 32 | h.cfg_read(p::kBar0, 4);
    EXPECT_EQ(probed, ~(size - 1) | 0b0100u);
    EXPECT_EQ(~(probed & ~0xFull) + 1, size);  // what a driver computes
  });
}

INSTANTIATE_TEST_SUITE_P(Pci, PciBarSize, testing::Values(16ull << 10, 1ull << 20, 8ull << 30));

TEST(PciBar, UnimplementedBarsAndRomReadZero) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    for (uint32_t off = p::kBar2; off <= p::kBar5; off += 4) h.cfg_write(off, 4, 0xFFFFFFFF);
    h.cfg_write(p::kExpansionRom, 4, 0xFFFFFFFF);
    h.cfg_write(p::kCardbusCis, 4, 0xFFFFFFFF);
    for (uint32_t off : {p::kBar2, p::kBar2 + 4, p::kBar2 + 8, p::kBar2 + 12, p::kBar5, p::kExpansionRom, p::kCardbusCis})
      EXPECT_EQ(h.cfg_read(off, 4), 0u) << std::hex << off;
  });
}

struct Bar0Event {
  uint64_t address;
  bool enabled;
  bool operator==(const Bar0Event& o) const { return address == o.address && enabled == o.enabled; }
};

TEST(PciBar, Bar0AddressFollowsTheHostAndNotifies) {
  Bench b("bench", ControllerConfig{});
  std::vector<Bar0Event> events;
  b.nvme.on_bar0_change([&events](uint64_t a, bool en) { events.push_back({a, en}); });
  b.run([&events](Bench& h) {
    h.cfg_write(p::kBar0, 4, 0xFEB00000);
    EXPECT_EQ(h.cfg_read(p::kBar0, 4), 0xFEB00004u);
    h.cfg_write(p::kBar1, 4, 0x1);
    EXPECT_EQ(h.nvme.bar0_address(), 0x1FEB00000ull);
    EXPECT_FALSE(h.nvme.memory_space_enabled());
    h.cfg_write(p::kCommand, 2, p::command::kMemorySpace);
    EXPECT_TRUE(h.nvme.memory_space_enabled());
    h.cfg_write(p::kCommand, 2, p::command::kMemorySpace | p::command::kBusMaster);  // MSE unchanged: no event
    h.cfg_write(p::kCommand, 2, 0);
    EXPECT_FALSE(h.nvme.memory_space_enabled());
    const std::vector<Bar0Event> expected = {
        {0xFEB00000, false}, {0x1FEB00000, false}, {0x1FEB00000, true}, {0x1FEB00000, false}};
    EXPECT_EQ(events, expected);
    // Bits below the BAR size are not address bits.
    h.cfg_write(p::kBar0, 4, 0xFEB01230);
    EXPECT_EQ(h.nvme.bar0_address(), 0x1FEB00000ull);
  });
}

TEST(PciBar, MemorySpaceEnableGatesBar0) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    uint8_t d[4] = {};
    EXPECT_EQ(h.access(h.bar0_init, tlm::TLM_READ_COMMAND, reg::kVs, d, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    h.cfg_write(p::kCommand, 2, p::command::kMemorySpace);
    EXPECT_EQ(h.access(h.bar0_init, tlm::TLM_READ_COMMAND, reg::kVs, d, 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(spec::get_le32(d), 0x00020000u);
    h.cfg_write(p::kCommand, 2, 0);
    EXPECT_EQ(h.access(h.bar0_init, tlm::TLM_READ_COMMAND, reg::kVs, d, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(h.nvme.stats().guest_errors, 2u);
  });
}

// ---------------------------------------------------------------------------------------------
// Command register and access rules

TEST(PciCommand, OnlyImplementedBitsAreWritable) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    h.cfg_write(p::kCommand, 4, 0x0000FFFF);  // status half: zeros, nothing to clear
    const uint32_t cmd = h.cfg_read(p::kCommand, 2);
    EXPECT_EQ(cmd & p::command::kIoSpace, 0u) << "no I/O BARs";
    EXPECT_EQ(cmd, static_cast<uint32_t>(p::command::kMemorySpace | p::command::kBusMaster | p::command::kParityErrorResponse |
                                         p::command::kSerrEnable | p::command::kInterruptDisable));
    EXPECT_EQ(h.cfg_read(p::kStatus, 2), p::status::kCapabilitiesList);
    h.cfg_write(p::kCommand, 2, p::command::kBusMaster);
    EXPECT_EQ(h.cfg_read(p::kCommand, 2), p::command::kBusMaster);
  });
}

TEST(PciAccess, SizesAndByteEnables) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    const uint32_t ids = h.cfg_read(p::kVendorId, 4);
    EXPECT_EQ(h.cfg_read(0, 2), ids & 0xFFFF);
    EXPECT_EQ(h.cfg_read(2, 2), ids >> 16);
    for (uint32_t i = 0; i < 4; ++i) EXPECT_EQ(h.cfg_read(i, 1), (ids >> (8 * i)) & 0xFF) << i;
    // One byte write to the high half of Command: Interrupt Disable only.
    h.cfg_write(p::kCommand + 1, 1, 0x04);
    EXPECT_EQ(h.cfg_read(p::kCommand, 2), p::command::kInterruptDisable);
    // Byte enables select bytes of a dword write.
    uint8_t data[4] = {0x06, 0x00, 0xFF, 0xFF};
    const uint8_t be[4] = {0xFF, 0x00, 0x00, 0x00};
    ASSERT_EQ(cfg(h, tlm::TLM_WRITE_COMMAND, p::kCommand, data, 4, be, 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(h.cfg_read(p::kCommand, 2), p::command::kInterruptDisable | 0x06u);
    const uint8_t none[4] = {0, 0, 0, 0};
    uint8_t zeros[4] = {};
    ASSERT_EQ(cfg(h, tlm::TLM_WRITE_COMMAND, p::kCommand, zeros, 4, none, 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(h.cfg_read(p::kCommand, 2), p::command::kInterruptDisable | 0x06u);
    // A read fills enabled bytes only.
    uint8_t out[4] = {0xEE, 0xEE, 0xEE, 0xEE};
    const uint8_t rbe[4] = {0x00, 0xFF, 0x00, 0x00};
    ASSERT_EQ(cfg(h, tlm::TLM_READ_COMMAND, p::kVendorId, out, 4, rbe, 4), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(out[0], 0xEE);
    EXPECT_EQ(out[1], (ids >> 8) & 0xFF);
    EXPECT_EQ(out[2], 0xEE);
    EXPECT_EQ(out[3], 0xEE);
  });
}

struct BadCfgAccess {
  uint64_t addr;
  unsigned len;
  tlm::tlm_response_status expected;
};

TEST(PciAccess, CrossingADwordOrTheSpaceFails) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    const std::vector<BadCfgAccess> cases = {
        {0x02, 4, tlm::TLM_BURST_ERROR_RESPONSE},      {0x03, 2, tlm::TLM_BURST_ERROR_RESPONSE},
        {0x01, 4, tlm::TLM_BURST_ERROR_RESPONSE},      {0x00, 8, tlm::TLM_BURST_ERROR_RESPONSE},
        {0x04, 0, tlm::TLM_BURST_ERROR_RESPONSE},      {0x1000, 4, tlm::TLM_ADDRESS_ERROR_RESPONSE},
        {0x1000, 1, tlm::TLM_ADDRESS_ERROR_RESPONSE},  {0xFFE, 4, tlm::TLM_ADDRESS_ERROR_RESPONSE},
        {0x10000, 4, tlm::TLM_ADDRESS_ERROR_RESPONSE},
    };
    for (const auto& c : cases) {
      for (tlm::tlm_command cmd : {tlm::TLM_READ_COMMAND, tlm::TLM_WRITE_COMMAND}) {
        uint8_t data[8] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
        EXPECT_EQ(cfg(h, cmd, c.addr, data, c.len), c.expected) << "addr 0x" << std::hex << c.addr << " len " << c.len;
      }
    }
    EXPECT_EQ(h.cfg_read(p::kCommand, 2), 0u);  // the failed writes changed nothing
    // The last dword exists; the extended space holds no capabilities (an all-zero header at 0x100).
    EXPECT_EQ(h.cfg_read(0xFFC, 4), 0u);
    EXPECT_EQ(h.cfg_read(p::kExtendedCapabilities, 4), 0u);
    h.cfg_write(p::kExtendedCapabilities, 4, 0xFFFFFFFF);
    EXPECT_EQ(h.cfg_read(p::kExtendedCapabilities, 4), 0u);
  });
}

// ---------------------------------------------------------------------------------------------
// MSI and MSI-X capabilities

struct MsiCase {
  uint8_t vectors;
  uint16_t mmc;
};
void PrintTo(const MsiCase& c, std::ostream* os) { *os << "msi_vectors " << int(c.vectors); }

class PciMsi : public testing::TestWithParam<MsiCase> {};

TEST_P(PciMsi, MessageControlAndRegisters) {
  ControllerConfig c;
  c.pci.msi_vectors = GetParam().vectors;
  Bench b("bench", c);
  b.run([](Bench& h) {
    const uint32_t msi = find_cap(h, p::cap_id::kMsi);
    ASSERT_NE(msi, 0u);
    const uint16_t ctrl = static_cast<uint16_t>(h.cfg_read(msi + p::msi::kControl, 2));
    EXPECT_EQ(p::msi::mmc(ctrl), GetParam().mmc);
    EXPECT_TRUE(ctrl & p::msi::k64Bit);
    EXPECT_FALSE(ctrl & p::msi::kPerVectorMasking);
    EXPECT_EQ(p::msi::mme(ctrl), 0);
    EXPECT_FALSE(ctrl & p::msi::kEnable);
    // MME and enable are writable; MMC, 64-bit and reserved bits are not.
    h.cfg_write(msi + p::msi::kControl, 2, 0xFFFF);
    const uint16_t after = static_cast<uint16_t>(h.cfg_read(msi + p::msi::kControl, 2));
    EXPECT_EQ(after, static_cast<uint16_t>((GetParam().mmc << 1) | p::msi::k64Bit | p::msi::kMmeMask | p::msi::kEnable));
    h.cfg_write(msi + p::msi::kControl, 2, (2u << 4));
    EXPECT_EQ(p::msi::mme(static_cast<uint16_t>(h.cfg_read(msi + p::msi::kControl, 2))), 2);
    // Message address (dword aligned), upper address and data.
    h.cfg_write(msi + p::msi::kAddressLo, 4, 0xFFFFFFFF);
    h.cfg_write(msi + p::msi::kAddressHi, 4, 0x12345678);
    h.cfg_write(msi + p::msi::kData, 2, 0xBEEF);
    EXPECT_EQ(h.cfg_read(msi + p::msi::kAddressLo, 4), 0xFFFFFFFCu);
    EXPECT_EQ(h.cfg_read(msi + p::msi::kAddressHi, 4), 0x12345678u);
    EXPECT_EQ(h.cfg_read(msi + p::msi::kData, 2), 0xBEEFu);
  });
}

INSTANTIATE_TEST_SUITE_P(Pci, PciMsi, testing::Values(MsiCase{1, 0}, MsiCase{4, 2}, MsiCase{32, 5}),
                         [](const testing::TestParamInfo<MsiCase>& info) {
                           return "Vectors" + std::to_string(info.param.vectors);
                         });

TEST(PciMsix, CapabilityDescribesTheTable) {
  ControllerConfig c;
  c.pci.msix_vectors = 17;
  c.pci.msix_table_offset = 0x2100;
  c.pci.msix_pba_offset = 0x2800;
  Bench b("bench", c);
  b.run([](Bench& h) {
    const uint32_t msix = find_cap(h, p::cap_id::kMsix);
    ASSERT_NE(msix, 0u);
    expect_cfg(h, {{"message control", msix + p::msix::kControl, 2, 16},
                   {"table offset / BIR 0", msix + p::msix::kTable, 4, 0x2100},
                   {"PBA offset / BIR 0", msix + p::msix::kPba, 4, 0x2800}});
    // Enable and Function Mask are writable; table size and the offsets are read-only.
    h.cfg_write(msix + p::msix::kControl, 2, 0xFFFF);
    h.cfg_write(msix + p::msix::kTable, 4, 0xFFFFFFFF);
    h.cfg_write(msix + p::msix::kPba, 4, 0);
    expect_cfg(h, {{"control after write", msix + p::msix::kControl, 2, p::msix::kEnable | p::msix::kFunctionMask | 16u},
                   {"table after write", msix + p::msix::kTable, 4, 0x2100},
                   {"PBA after write", msix + p::msix::kPba, 4, 0x2800}});
    h.cfg_write(msix + p::msix::kControl, 2, p::msix::kEnable);
    EXPECT_EQ(h.cfg_read(msix + p::msix::kControl, 2), p::msix::kEnable | 16u);
    // The table lives where the capability says: 17 entries, each masked at reset.
    h.cfg_write(p::kCommand, 2, p::command::kMemorySpace);
    for (uint32_t v : {0u, 16u}) EXPECT_EQ(h.rd32(0x2100 + 16 * v + p::msix::kEntryControl), p::msix::kEntryMasked) << v;
    EXPECT_EQ(h.rd32(0x2800), 0u);  // no pending bits
  });
}

// ---------------------------------------------------------------------------------------------
// Power Management and PCI Express capabilities

TEST(PciPm, VersionAndPowerState) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    const uint32_t pm = find_cap(h, p::cap_id::kPowerManagement);
    ASSERT_NE(pm, 0u);
    EXPECT_EQ(h.cfg_read(pm + p::pm::kPmc, 2) & 7u, p::pm::kPmcVersion3);
    EXPECT_EQ(h.cfg_read(pm + p::pm::kPmcsr, 2) & p::pm::kPmcsrPowerStateMask, 0u);  // D0
    h.cfg_write(pm + p::pm::kPmcsr, 2, 3);
    EXPECT_EQ(h.cfg_read(pm + p::pm::kPmcsr, 2) & p::pm::kPmcsrPowerStateMask, 3u);
  });
}

TEST(PciExpress, DeviceCapabilitiesAndControl) {
  ControllerConfig c;
  c.pci.max_payload_supported = 1024;
  Bench b("bench", c);
  b.run([](Bench& h) {
    namespace e = p::pcie;
    const uint32_t x = find_cap(h, p::cap_id::kPciExpress);
    ASSERT_NE(x, 0u);
    const uint32_t caps = h.cfg_read(x + e::kCapabilities, 2);
    EXPECT_EQ(caps & 0xF, e::kCapVersion2);
    EXPECT_EQ((caps >> 4) & 0xF, 0u);  // PCI Express Endpoint
    const uint32_t devcap = h.cfg_read(x + e::kDeviceCapabilities, 4);
    EXPECT_EQ(e::devcap_mps_supported(devcap), 3u);  // 1024 bytes
    EXPECT_TRUE(devcap & e::kDevcapFlr);
    const uint16_t devctl = static_cast<uint16_t>(h.cfg_read(x + e::kDeviceControl, 2));
    EXPECT_EQ(e::devctl_mps_bytes(devctl), 128u);
    EXPECT_EQ(e::devctl_mrrs_bytes(devctl), 512u);
    EXPECT_FALSE(devctl & e::kDevctlInitiateFlr);
    // Enable Relaxed Ordering (bit 4) and Enable No Snoop (bit 11) default to 1b (PCIe Base 7.5.3.4).
    EXPECT_EQ(devctl & ((1u << 4) | (1u << 11)), (1u << 4) | (1u << 11));
    // MPS 256 B, MRRS 4096 B.
    const uint16_t set = static_cast<uint16_t>((devctl & ~(e::kDevctlMpsMask | e::kDevctlMrrsMask)) | (1u << e::kDevctlMpsShift) |
                                               (5u << e::kDevctlMrrsShift));
    h.cfg_write(x + e::kDeviceControl, 2, set);
    const uint16_t now = static_cast<uint16_t>(h.cfg_read(x + e::kDeviceControl, 2));
    EXPECT_EQ(e::devctl_mps_bytes(now), 256u);
    EXPECT_EQ(e::devctl_mrrs_bytes(now), 4096u);
    EXPECT_EQ(h.cfg_read(x + e::kDeviceStatus, 2) & e::kDevstaTransactionsPending, 0u);
  });
}

TEST(PciExpress, LinkReportsGenerationAndWidth) {
  ControllerConfig c;
  c.pci.link_generation = 3;
  c.pci.link_width = 8;
  Bench b("bench", c);
  b.run([](Bench& h) {
    namespace e = p::pcie;
    const uint32_t x = find_cap(h, p::cap_id::kPciExpress);
    ASSERT_NE(x, 0u);
    const uint32_t linkcap = h.cfg_read(x + e::kLinkCapabilities, 4);
    EXPECT_EQ(linkcap & 0xF, 3u);          // max link speed: 8 GT/s
    EXPECT_EQ((linkcap >> 4) & 0x3F, 8u);  // max link width x8
    const uint32_t linksta = h.cfg_read(x + e::kLinkStatus, 2);
    EXPECT_EQ(linksta & 0xF, 3u);
    EXPECT_EQ((linksta >> 4) & 0x3F, 8u);
    EXPECT_EQ(h.cfg_read(x + e::kLinkCapabilities2, 4), 0x0Eu);  // 2.5, 5 and 8 GT/s supported
    // Link Status is read-only.
    h.cfg_write(x + e::kLinkStatus, 2, 0);
    EXPECT_EQ(h.cfg_read(x + e::kLinkStatus, 2), linksta);
  });
}

TEST(PciExpress, FunctionLevelResetResetsTheFunction) {
  Bench b("bench", ControllerConfig{});
  std::vector<Bar0Event> events;
  b.nvme.on_bar0_change([&events](uint64_t a, bool en) { events.push_back({a, en}); });
  b.run([&events](Bench& h) {
    namespace e = p::pcie;
    h.cfg_write(p::kBar0, 4, 0xFE000000);
    h.pci_setup(true);  // MSE, BME, MSI-X enabled with every entry unmasked
    ASSERT_TRUE(h.enable());
    EXPECT_EQ(h.rd32(0x2000 + p::msix::kEntryControl), 0u);
    const uint32_t x = find_cap(h, p::cap_id::kPciExpress);
    const uint32_t msix = find_cap(h, p::cap_id::kMsix);
    ASSERT_NE(x, 0u);
    const uint32_t devctl = h.cfg_read(x + e::kDeviceControl, 2);
    h.cfg_write(x + e::kDeviceControl, 2, (devctl & ~e::kDevctlMrrsMask) | e::kDevctlInitiateFlr);
    sc_core::wait(10, SC_US);
    EXPECT_EQ(h.cfg_read(x + e::kDeviceControl, 2) & e::kDevctlInitiateFlr, 0u);
    EXPECT_EQ(e::devctl_mrrs_bytes(static_cast<uint16_t>(h.cfg_read(x + e::kDeviceControl, 2))), 512u);
    EXPECT_EQ(h.cfg_read(p::kCommand, 2), 0u);
    EXPECT_EQ(h.cfg_read(msix + p::msix::kControl, 2) & p::msix::kEnable, 0u);
    EXPECT_FALSE(h.nvme.memory_space_enabled());
    ASSERT_FALSE(events.empty());
    EXPECT_FALSE(events.back().enabled);
    // The controller is reset too.
    h.cfg_write(p::kCommand, 2, p::command::kMemorySpace);
    EXPECT_EQ(h.rd32(reg::kCsts) & reg::csts::kRdy, 0u);
    EXPECT_EQ(h.rd32(reg::kCc), 0u);
    EXPECT_EQ(h.rd32(reg::kAqa), 0u);
    EXPECT_EQ(h.rd32(0x2000 + p::msix::kEntryControl), p::msix::kEntryMasked);
    EXPECT_EQ(h.rd32(0x2000 + p::msix::kEntryAddressLo), 0u);
    // And it comes up again.
    h.pci_setup(true);
    EXPECT_TRUE(h.enable());
  });
}

// PCIe Base 6.6.2: a Function Level Reset leaves link-level state alone (Max_Payload_Size, Link
// Control), while an NVM subsystem reset (a conventional reset of the function) restores it.
TEST(PciExpress, FunctionLevelResetKeepsLinkStateSubsystemResetDoesNot) {
  Bench b("bench", ControllerConfig{});
  b.run([](Bench& h) {
    namespace e = p::pcie;
    const uint32_t x = find_cap(h, p::cap_id::kPciExpress);
    ASSERT_NE(x, 0u);
    const uint32_t devctl = h.cfg_read(x + e::kDeviceControl, 2);
    const uint32_t mps256 = (devctl & ~e::kDevctlMpsMask) | (1u << e::kDevctlMpsShift);
    h.cfg_write(x + e::kDeviceControl, 2, mps256);
    h.cfg_write(x + e::kLinkControl, 2, 0x0003);  // ASPM L0s and L1
    h.cfg_write(x + e::kDeviceControl, 2, mps256 | e::kDevctlInitiateFlr);
    sc_core::wait(10, SC_US);
    EXPECT_EQ(e::devctl_mps_bytes(static_cast<uint16_t>(h.cfg_read(x + e::kDeviceControl, 2))), 256u);
    EXPECT_EQ(h.cfg_read(x + e::kLinkControl, 2) & 0x3, 0x3u);
    // NSSR: everything back to reset values.
    h.pci_setup(false);
    h.wr32(reg::kNssr, reg::kNssrReset);
    sc_core::wait(10, SC_US);
    EXPECT_EQ(e::devctl_mps_bytes(static_cast<uint16_t>(h.cfg_read(x + e::kDeviceControl, 2))), 128u);
    EXPECT_EQ(h.cfg_read(x + e::kLinkControl, 2) & 0x3, 0u);
  });
}
