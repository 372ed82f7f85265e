#include "controller/pci_config_space.h"

#include "scnvme/spec/pci.h"

namespace scnvme::detail {

namespace p = spec::pci;

namespace {
unsigned log2u(uint64_t v) {
  unsigned n = 0;
  while ((1ull << n) < v) ++n;
  return n;
}
}  // namespace

PciConfigSpace::PciConfigSpace(const ControllerConfig& cfg) : space_(p::kConfigSpaceSize), bar0_size_(cfg.pci.bar0_size) {
  auto& s = space_;
  const auto& pc = cfg.pci;
  s.define(p::kVendorId, 2, pc.vendor_id);
  s.define(p::kDeviceId, 2, pc.device_id);
  s.define(p::kCommand, 2, 0,
           p::command::kMemorySpace | p::command::kBusMaster | p::command::kParityErrorResponse |
               p::command::kSerrEnable | p::command::kInterruptDisable);
  s.define(p::kStatus, 2, p::status::kCapabilitiesList, 0, p::status::kW1cMask);
  s.define(p::kRevisionId, 1, pc.revision_id);
  s.define(p::kClassProgIf, 1, p::kProgIfNvme);
  s.define(p::kSubclass, 1, p::kSubclassNvm);
  s.define(p::kBaseClass, 1, p::kClassMassStorage);
  s.define(p::kCacheLineSize, 1, 0, 0xFF);
  s.define(p::kHeaderType, 1, 0);
  // BAR0/BAR1: 64-bit non-prefetchable memory BAR; the size shows through the writable mask.
  const uint64_t addr_mask = ~(bar0_size_ - 1);
  s.define(p::kBar0, 4, p::bar::kMemory | p::bar::kType64, static_cast<uint32_t>(addr_mask) & ~p::bar::kFlagsMask);
  s.define(p::kBar1, 4, 0, static_cast<uint32_t>(addr_mask >> 32));
  s.define(p::kSubsystemVendorId, 2, pc.subsystem_vendor_id);
  s.define(p::kSubsystemId, 2, pc.subsystem_id);
  s.define(p::kInterruptLine, 1, 0xFF, 0xFF);
  s.define(p::kInterruptPin, 1, 1);  // INTA#

  // Capability list: PM -> MSI -> MSI-X -> PCI Express.
  uint32_t next_free = 0x40;
  auto place = [&](uint8_t id, uint32_t size, uint32_t& where) {
    where = next_free;
    next_free = (next_free + size + 0xF) & ~0xFu;
    s.define(where + p::kCapId, 1, id);
    s.define(where + p::kCapNext, 1, 0);
  };
  auto link = [&](uint32_t from, uint32_t to) { s.define(from + p::kCapNext, 1, to); };

  uint32_t last = 0;
  place(p::cap_id::kPowerManagement, p::pm::kSize, pm_);
  s.define(pm_ + p::pm::kPmc, 2, p::pm::kPmcVersion3);
  s.define(pm_ + p::pm::kPmcsr, 2, p::pm::kPmcsrNoSoftReset, p::pm::kPmcsrPowerStateMask);
  last = pm_;
  if (pc.msi) {
    place(p::cap_id::kMsi, p::msi::kSize, msi_);
    link(last, msi_);
    const uint16_t mmc = static_cast<uint16_t>(log2u(pc.msi_vectors) << 1);
    s.define(msi_ + p::msi::kControl, 2, mmc | p::msi::k64Bit, p::msi::kEnable | p::msi::kMmeMask);
    s.define(msi_ + p::msi::kAddressLo, 4, 0, 0xFFFFFFFC);
    s.define(msi_ + p::msi::kAddressHi, 4, 0, 0xFFFFFFFF);
    s.define(msi_ + p::msi::kData, 2, 0, 0xFFFF);
    last = msi_;
  }
  if (pc.msix) {
    place(p::cap_id::kMsix, p::msix::kSize, msix_);
    link(last, msix_);
    s.define(msix_ + p::msix::kControl, 2, static_cast<uint16_t>(pc.msix_vectors - 1),
             p::msix::kEnable | p::msix::kFunctionMask);
    s.define(msix_ + p::msix::kTable, 4, pc.msix_table_offset | 0 /* BIR 0 */);
    s.define(msix_ + p::msix::kPba, 4, pc.msix_pba_offset | 0);
    last = msix_;
  }
  place(p::cap_id::kPciExpress, p::pcie::kSize, pcie_);
  link(last, pcie_);
  s.define(pcie_ + p::pcie::kCapabilities, 2, p::pcie::kCapVersion2 | p::pcie::kTypeEndpoint);
  s.define(pcie_ + p::pcie::kDeviceCapabilities, 4, log2u(pc.max_payload_supported / 128) | p::pcie::kDevcapFlr);
  // Device Control at reset, as PCIe specifies: MPS 128 B, MRRS 512 B, Enable Relaxed Ordering
  // (bit 4) and Enable No Snoop (bit 11) set.
  s.define(pcie_ + p::pcie::kDeviceControl, 2,
           (0u << p::pcie::kDevctlMpsShift) | (2u << p::pcie::kDevctlMrrsShift) | (1u << 4) | (1u << 11),
           p::pcie::kDevctlWritableMask);
  s.define(pcie_ + p::pcie::kDeviceStatus, 2, 0, 0, 0x000F);
  s.define(pcie_ + p::pcie::kLinkCapabilities, 4, p::pcie::linkcap(pc.link_generation, pc.link_width));
  s.define(pcie_ + p::pcie::kLinkControl, 2, 0, 0x0FCB);
  s.define(pcie_ + p::pcie::kLinkStatus, 2, p::pcie::linksta(pc.link_generation, pc.link_width));
  s.define(pcie_ + p::pcie::kDeviceControl2, 2, 0, 0x001F);
  s.define(pcie_ + p::pcie::kLinkCapabilities2, 4, p::pcie::linkcap2_speeds(pc.link_generation));
  s.define(pcie_ + p::pcie::kLinkControl2, 2, pc.link_generation, 0x000F);
  s.define(p::kCapabilitiesPtr, 1, pm_);
}

void PciConfigSpace::reset(bool conventional) {
  if (conventional) {
    space_.reset();
    return;
  }
  namespace e = p::pcie;
  const uint16_t devctl = space_.u16(pcie_ + e::kDeviceControl);
  const uint16_t lnkctl = space_.u16(pcie_ + e::kLinkControl), lnkctl2 = space_.u16(pcie_ + e::kLinkControl2);
  space_.reset();
  const uint16_t reset_devctl = space_.u16(pcie_ + e::kDeviceControl);
  space_.set_u16(pcie_ + e::kDeviceControl,
                 static_cast<uint16_t>((reset_devctl & ~e::kDevctlMpsMask) | (devctl & e::kDevctlMpsMask)));
  space_.set_u16(pcie_ + e::kLinkControl, lnkctl);
  space_.set_u16(pcie_ + e::kLinkControl2, lnkctl2);
}

uint16_t PciConfigSpace::command() const { return space_.u16(p::kCommand); }
bool PciConfigSpace::memory_space_enabled() const { return command() & p::command::kMemorySpace; }
bool PciConfigSpace::bus_master_enabled() const { return command() & p::command::kBusMaster; }
bool PciConfigSpace::intx_disabled() const { return command() & p::command::kInterruptDisable; }

void PciConfigSpace::set_interrupt_status(bool asserted) {
  uint16_t st = space_.u16(p::kStatus);
  st = asserted ? (st | p::status::kInterruptStatus) : (st & ~p::status::kInterruptStatus);
  space_.set_u16(p::kStatus, st);
}

uint64_t PciConfigSpace::bar0_address() const {
  return (static_cast<uint64_t>(space_.u32(p::kBar1)) << 32 | space_.u32(p::kBar0)) & ~static_cast<uint64_t>(p::bar::kFlagsMask);
}

bool PciConfigSpace::msi_enabled() const { return msi_ && (space_.u16(msi_ + p::msi::kControl) & p::msi::kEnable); }
uint64_t PciConfigSpace::msi_address() const {
  return static_cast<uint64_t>(space_.u32(msi_ + p::msi::kAddressHi)) << 32 | space_.u32(msi_ + p::msi::kAddressLo);
}
uint16_t PciConfigSpace::msi_data() const { return space_.u16(msi_ + p::msi::kData); }
unsigned PciConfigSpace::msi_enabled_vectors() const {
  const uint16_t ctrl = space_.u16(msi_ + p::msi::kControl);
  // MME above MMC is treated as MMC (the host may not enable more than requested).
  const unsigned mme = p::msi::mme(ctrl), mmc = p::msi::mmc(ctrl);
  return 1u << (mme > mmc ? mmc : mme);
}
bool PciConfigSpace::msix_enabled() const { return msix_ && (space_.u16(msix_ + p::msix::kControl) & p::msix::kEnable); }
bool PciConfigSpace::msix_function_masked() const {
  return msix_ && (space_.u16(msix_ + p::msix::kControl) & p::msix::kFunctionMask);
}
uint16_t PciConfigSpace::device_control() const { return space_.u16(pcie_ + p::pcie::kDeviceControl); }
uint32_t PciConfigSpace::max_payload_bytes() const { return p::pcie::devctl_mps_bytes(device_control()); }
uint32_t PciConfigSpace::max_read_request_bytes() const { return p::pcie::devctl_mrrs_bytes(device_control()); }

}  // namespace scnvme::detail
