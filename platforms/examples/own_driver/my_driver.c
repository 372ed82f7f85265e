/*
 * A minimal "bring your own driver" example: plain C against the scnvme HAL only. It finds the
 * NVMe function, maps BAR0, enables the controller with polling (no interrupts), sends Identify
 * Controller and prints the model number. Replace it with your own driver code.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hal/scnvme_hal.h"

int my_driver_main(scnvme_hal_device* dev) {
  /* Class code 01/08/02: an NVMe controller. */
  if ((scnvme_hal_cfg_read32(dev, 0x08) >> 8) != 0x010802) return 1;

  /* Size and place BAR0 (64-bit memory BAR) in the window the platform reserves for us. */
  uint64_t window, window_size;
  scnvme_hal_mmio_window(dev, &window, &window_size);
  scnvme_hal_cfg_write32(dev, 0x10, 0xFFFFFFFFu);
  scnvme_hal_cfg_write32(dev, 0x14, 0xFFFFFFFFu);
  const uint64_t mask = ((uint64_t)scnvme_hal_cfg_read32(dev, 0x14) << 32) | (scnvme_hal_cfg_read32(dev, 0x10) & ~0xFull);
  const uint64_t bar0 = (window + ~mask) & mask;
  scnvme_hal_cfg_write32(dev, 0x10, (uint32_t)bar0);
  scnvme_hal_cfg_write32(dev, 0x14, (uint32_t)(bar0 >> 32));
  scnvme_hal_cfg_write16(dev, 0x04, 0x0006); /* memory space + bus master */

  /* Admin queues of 2 entries, enable, wait for CSTS.RDY. */
  uint64_t asq_bus, acq_bus, data_bus;
  uint8_t* asq = scnvme_hal_dma_alloc(dev, 4096, 4096, &asq_bus);
  uint8_t* acq = scnvme_hal_dma_alloc(dev, 4096, 4096, &acq_bus);
  uint8_t* data = scnvme_hal_dma_alloc(dev, 4096, 4096, &data_bus);
  if (!asq || !acq || !data) return 1;
  scnvme_hal_mmio_write32(dev, bar0 + 0x24, (1u << 16) | 1u);
  scnvme_hal_mmio_write64(dev, bar0 + 0x28, asq_bus);
  scnvme_hal_mmio_write64(dev, bar0 + 0x30, acq_bus);
  scnvme_hal_mmio_write32(dev, bar0 + 0x14, (4u << 20) | (6u << 16) | 1u);
  if (scnvme_hal_poll32(dev, bar0 + 0x1C, 1, 1, 1000, 1000000000ull)) return 1;

  /* Identify Controller: opcode 06h, CNS 01h, data into one page. */
  memset(asq, 0, 64);
  asq[0] = 0x06;
  asq[2] = 1; /* CID 1 */
  for (int i = 0; i < 8; ++i) asq[24 + i] = (uint8_t)(data_bus >> (8 * i));
  asq[40] = 0x01;
  scnvme_hal_wmb();
  scnvme_hal_mmio_write32(dev, bar0 + 0x1000, 1); /* SQ 0 tail = 1 */
  const uint64_t deadline = scnvme_hal_now_ns(dev) + 1000000ull;
  while ((acq[14] & 1) == 0) {  /* phase tag of CQ entry 0 */
    if (scnvme_hal_now_ns(dev) > deadline) return 1;
    scnvme_hal_delay_ns(dev, 200);
  }
  scnvme_hal_rmb();
  const unsigned status = (unsigned)((acq[14] | (acq[15] << 8)) >> 1);
  scnvme_hal_mmio_write32(dev, bar0 + 0x1004, 1); /* CQ 0 head = 1 */
  if (status != 0) return 1;
  char model[41];
  memcpy(model, data + 24, 40);
  model[40] = '\0';
  printf("my_driver: found \"%s\" at %.1f us\n", model, scnvme_hal_now_ns(dev) / 1000.0);
  return 0;
}
