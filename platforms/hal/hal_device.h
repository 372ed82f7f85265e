// The platform side of the HAL: what one device context holds. Created by the platform for
// each controller it wires; driver code only sees the opaque pointer.
#pragma once

#include <cstdint>
#include <string>

#include "dma_pool.h"
#include "hal/scnvme_hal.h"
#include "host_cpu.h"

struct scnvme_hal_device {
  scnvme::platform::HostCpu* cpu = nullptr;
  uint8_t* ram = nullptr;           // CPU view of host memory
  uint64_t ram_base = 0;            // bus address of ram[0]
  scnvme::platform::DmaPool pool{0, 0};
  uint64_t ecam_base = 0;           // bus address of this function's configuration space
  uint64_t mmio_base = 0, mmio_size = 0;
  uint64_t msi_address = 0;         // MSI window
  unsigned vector_base = 0;         // platform vector of device vector 0
  unsigned vector_count = 0;
  int log_level = SCNVME_HAL_LOG_WARN;
  std::string name;
  uint64_t bus_errors = 0;
};
