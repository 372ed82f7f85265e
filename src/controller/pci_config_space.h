// The PCI configuration space of the NVMe function: type 0 header, a 64-bit memory BAR0 with size
// probing, and the capability list (PM, MSI, MSI-X, PCI Express) built from the configuration.
#pragma once

#include <cstdint>

#include "controller/masked_bytes.h"
#include "scnvme/config.h"

namespace scnvme::detail {

class PciConfigSpace {
 public:
  explicit PciConfigSpace(const ControllerConfig& cfg);

  void read(uint32_t off, uint8_t* data, unsigned len, const uint8_t* be, unsigned be_len) const {
    space_.read(off, data, len, be, be_len);
  }
  void write(uint32_t off, const uint8_t* data, unsigned len, const uint8_t* be, unsigned be_len) {
    space_.write(off, data, len, be, be_len);
  }
  /// Back to reset values. A Function Level Reset (conventional = false) keeps the link-level
  /// state PCIe says it must not affect: Device Control's Max_Payload_Size and Link Control/2.
  void reset(bool conventional);

  uint16_t command() const;
  bool memory_space_enabled() const;
  bool bus_master_enabled() const;
  bool intx_disabled() const;
  void set_interrupt_status(bool asserted);
  uint64_t bar0_address() const;

  // Capabilities (offset 0 when absent).
  uint32_t pm_offset() const { return pm_; }
  uint32_t msi_offset() const { return msi_; }
  uint32_t msix_offset() const { return msix_; }
  uint32_t pcie_offset() const { return pcie_; }

  bool msi_enabled() const;
  uint64_t msi_address() const;
  uint16_t msi_data() const;
  unsigned msi_enabled_vectors() const;  // 2^MME
  bool msix_enabled() const;
  bool msix_function_masked() const;
  uint16_t device_control() const;
  uint32_t max_payload_bytes() const;
  uint32_t max_read_request_bytes() const;
  void persist(checkpoint::Archive& a) { space_.persist(a); }

 private:
  MaskedBytes space_;
  uint64_t bar0_size_;
  uint32_t pm_ = 0, msi_ = 0, msix_ = 0, pcie_ = 0;
};

}  // namespace scnvme::detail
