/*
 * scnvme host-driver HAL: what a bare-metal NVMe driver needs from its platform, as a C API with
 * a per-device context and no SystemC types, so existing C driver code compiles against it.
 *
 * Every call is made from a driver thread of the platform's host CPU; calls that touch the
 * device (config and MMIO accesses), delays, polls and interrupt waits advance simulated time
 * as the platform models it. Interrupt handlers run in interrupt context: they must not call
 * functions that advance time.
 */
#ifndef SCNVME_HAL_H
#define SCNVME_HAL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct scnvme_hal_device scnvme_hal_device;

/* PCI configuration space of the device's function (offsets 0..4095). */
uint8_t scnvme_hal_cfg_read8(scnvme_hal_device* dev, uint32_t offset);
uint16_t scnvme_hal_cfg_read16(scnvme_hal_device* dev, uint32_t offset);
uint32_t scnvme_hal_cfg_read32(scnvme_hal_device* dev, uint32_t offset);
void scnvme_hal_cfg_write8(scnvme_hal_device* dev, uint32_t offset, uint8_t value);
void scnvme_hal_cfg_write16(scnvme_hal_device* dev, uint32_t offset, uint16_t value);
void scnvme_hal_cfg_write32(scnvme_hal_device* dev, uint32_t offset, uint32_t value);

/* The bus-address window the platform reserves for this device's memory BARs: the driver
 * programs BAR0 inside it. */
void scnvme_hal_mmio_window(scnvme_hal_device* dev, uint64_t* base, uint64_t* size);

/* Memory-mapped I/O at bus addresses (BAR0 as the driver programmed it). A failed access
 * (nothing mapped there) reads all ones and is counted in scnvme_hal_bus_errors(). */
uint32_t scnvme_hal_mmio_read32(scnvme_hal_device* dev, uint64_t addr);
uint64_t scnvme_hal_mmio_read64(scnvme_hal_device* dev, uint64_t addr);
void scnvme_hal_mmio_write32(scnvme_hal_device* dev, uint64_t addr, uint32_t value);
void scnvme_hal_mmio_write64(scnvme_hal_device* dev, uint64_t addr, uint64_t value);
uint64_t scnvme_hal_bus_errors(scnvme_hal_device* dev);

/* DMA-able host memory: returns a CPU pointer (NULL when exhausted) and its bus address. The
 * memory is zeroed. align must be a power of two. */
void* scnvme_hal_dma_alloc(scnvme_hal_device* dev, size_t size, size_t align, uint64_t* bus_addr);
void scnvme_hal_dma_free(scnvme_hal_device* dev, void* cpu_ptr);
/* The CPU pointer of DMA memory allocated earlier, by bus address: how a driver instance that
 * takes a device over reaches the queues its predecessor left in memory. NULL unless
 * [bus_addr, bus_addr + size) lies inside one block that is still allocated. */
void* scnvme_hal_dma_map(scnvme_hal_device* dev, uint64_t bus_addr, size_t size);

/* Interrupts. Device-local vector v of MSI-X/MSI is raised by the message that
 * scnvme_hal_msi_message() gives for v; INTx arrives as vector 0. */
int scnvme_hal_msi_message(scnvme_hal_device* dev, unsigned vector, uint64_t* address, uint32_t* data);
unsigned scnvme_hal_max_vectors(scnvme_hal_device* dev);
typedef void (*scnvme_hal_irq_handler)(void* ctx, unsigned vector);
int scnvme_hal_irq_register(scnvme_hal_device* dev, unsigned vector, scnvme_hal_irq_handler handler, void* ctx);
/* 0 when the vector fired (one occurrence is consumed), -1 on timeout. */
int scnvme_hal_irq_wait(scnvme_hal_device* dev, unsigned vector, uint64_t timeout_ns);

/* Time. */
uint64_t scnvme_hal_now_ns(scnvme_hal_device* dev);
void scnvme_hal_delay_ns(scnvme_hal_device* dev, uint64_t ns);
/* Polls a 32-bit register until (value & mask) == expected: 0 on success, -1 on timeout. */
int scnvme_hal_poll32(scnvme_hal_device* dev, uint64_t addr, uint32_t mask, uint32_t expected, uint64_t interval_ns,
                      uint64_t timeout_ns);

/* Memory barriers (host memory shared with the device). */
void scnvme_hal_mb(void);
void scnvme_hal_rmb(void);
void scnvme_hal_wmb(void);

/* Logging at a level: 0 error, 1 warning, 2 info, 3 debug (register and queue traffic). */
enum { SCNVME_HAL_LOG_ERROR = 0, SCNVME_HAL_LOG_WARN = 1, SCNVME_HAL_LOG_INFO = 2, SCNVME_HAL_LOG_DEBUG = 3 };
int scnvme_hal_log_enabled(scnvme_hal_device* dev, int level);
void scnvme_hal_log(scnvme_hal_device* dev, int level, const char* fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#ifdef __cplusplus
}
#endif

#endif /* SCNVME_HAL_H */
