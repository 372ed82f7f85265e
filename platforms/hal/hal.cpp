// The HAL's implementation on the reference platform's host CPU.
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include <systemc>

#include "hal/hal_device.h"

namespace {

/// A little-endian load of sizeof(T) bytes at a bus address; all ones when the access fails.
template <typename T>
T load(scnvme_hal_device* d, uint64_t addr, const char* what, uint64_t shown) {
  uint8_t b[sizeof(T)] = {};
  if (!d->cpu->read(addr, b, sizeof(T))) {
    ++d->bus_errors;
    return static_cast<T>(~T{});
  }
  T v{};
  for (unsigned i = 0; i < sizeof(T); ++i) v = static_cast<T>(v | (static_cast<T>(b[i]) << (8 * i)));
  if (d->log_level >= SCNVME_HAL_LOG_DEBUG)
    std::printf("[%12.3f us] %s: %s rd%zu [0x%llx] = 0x%llx\n", sc_core::sc_time_stamp().to_seconds() * 1e6, d->name.c_str(),
                what, sizeof(T) * 8, static_cast<unsigned long long>(shown), static_cast<unsigned long long>(v));
  return v;
}

template <typename T>
void store(scnvme_hal_device* d, uint64_t addr, T v, const char* what, uint64_t shown) {
  uint8_t b[sizeof(T)];
  for (unsigned i = 0; i < sizeof(T); ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
  if (d->log_level >= SCNVME_HAL_LOG_DEBUG)
    std::printf("[%12.3f us] %s: %s wr%zu [0x%llx] = 0x%llx\n", sc_core::sc_time_stamp().to_seconds() * 1e6, d->name.c_str(),
                what, sizeof(T) * 8, static_cast<unsigned long long>(shown), static_cast<unsigned long long>(v));
  if (!d->cpu->write(addr, b, sizeof(T))) ++d->bus_errors;
}

template <typename T>
T cfg_read(scnvme_hal_device* d, uint32_t off) {
  if (off + sizeof(T) > 4096) {
    ++d->bus_errors;
    return static_cast<T>(~T{});
  }
  return load<T>(d, d->ecam_base + off, "cfg ", off);
}
template <typename T>
void cfg_write(scnvme_hal_device* d, uint32_t off, T v) {
  if (off + sizeof(T) > 4096) ++d->bus_errors;
  else store<T>(d, d->ecam_base + off, v, "cfg ", off);
}
template <typename T>
T mmio_read(scnvme_hal_device* d, uint64_t addr) { return load<T>(d, addr, "mmio", addr); }
template <typename T>
void mmio_write(scnvme_hal_device* d, uint64_t addr, T v) { store<T>(d, addr, v, "mmio", addr); }


}  // namespace

extern "C" {

uint8_t scnvme_hal_cfg_read8(scnvme_hal_device* d, uint32_t off) { return cfg_read<uint8_t>(d, off); }
uint16_t scnvme_hal_cfg_read16(scnvme_hal_device* d, uint32_t off) { return cfg_read<uint16_t>(d, off); }
uint32_t scnvme_hal_cfg_read32(scnvme_hal_device* d, uint32_t off) { return cfg_read<uint32_t>(d, off); }
void scnvme_hal_cfg_write8(scnvme_hal_device* d, uint32_t off, uint8_t v) { cfg_write(d, off, v); }
void scnvme_hal_cfg_write16(scnvme_hal_device* d, uint32_t off, uint16_t v) { cfg_write(d, off, v); }
void scnvme_hal_cfg_write32(scnvme_hal_device* d, uint32_t off, uint32_t v) { cfg_write(d, off, v); }

void scnvme_hal_mmio_window(scnvme_hal_device* d, uint64_t* base, uint64_t* size) {
  if (base) *base = d->mmio_base;
  if (size) *size = d->mmio_size;
}

uint32_t scnvme_hal_mmio_read32(scnvme_hal_device* d, uint64_t a) { return mmio_read<uint32_t>(d, a); }
uint64_t scnvme_hal_mmio_read64(scnvme_hal_device* d, uint64_t a) { return mmio_read<uint64_t>(d, a); }
void scnvme_hal_mmio_write32(scnvme_hal_device* d, uint64_t a, uint32_t v) { mmio_write(d, a, v); }
void scnvme_hal_mmio_write64(scnvme_hal_device* d, uint64_t a, uint64_t v) { mmio_write(d, a, v); }
uint64_t scnvme_hal_bus_errors(scnvme_hal_device* d) { return d->bus_errors; }

void* scnvme_hal_dma_alloc(scnvme_hal_device* d, size_t size, size_t align, uint64_t* bus_addr) {
  d->cpu->op();
  const uint64_t a = d->pool.allocate(size, align ? align : 8);
  if (!a) return nullptr;
  uint8_t* p = d->ram + (a - d->ram_base);
  std::memset(p, 0, size);
  if (bus_addr) *bus_addr = a;
  return p;
}

void scnvme_hal_dma_free(scnvme_hal_device* d, void* cpu_ptr) {
  if (!cpu_ptr) return;
  d->pool.release(static_cast<uint64_t>(static_cast<uint8_t*>(cpu_ptr) - d->ram) + d->ram_base);
}

void* scnvme_hal_dma_map(scnvme_hal_device* d, uint64_t bus_addr, size_t size) {
  if (!d->pool.allocated(bus_addr, size)) return nullptr;
  return d->ram + (bus_addr - d->ram_base);
}

int scnvme_hal_msi_message(scnvme_hal_device* d, unsigned vector, uint64_t* address, uint32_t* data) {
  if (vector >= d->vector_count) return -1;
  if (address) *address = d->msi_address;
  if (data) *data = d->vector_base + vector;
  return 0;
}

unsigned scnvme_hal_max_vectors(scnvme_hal_device* d) { return d->vector_count; }

int scnvme_hal_irq_register(scnvme_hal_device* d, unsigned vector, scnvme_hal_irq_handler handler, void* ctx) {
  if (vector >= d->vector_count) return -1;
  d->cpu->set_handler(d->vector_base + vector, [handler, ctx, base = d->vector_base](unsigned v) {
    if (handler) handler(ctx, v - base);
  });
  return 0;
}

int scnvme_hal_irq_wait(scnvme_hal_device* d, unsigned vector, uint64_t timeout_ns) {
  if (vector >= d->vector_count) return -1;
  return d->cpu->wait_interrupt(d->vector_base + vector, sc_core::sc_time(static_cast<double>(timeout_ns), sc_core::SC_NS)) ? 0 : -1;
}

uint64_t scnvme_hal_now_ns(scnvme_hal_device* d) {
  return d->cpu->local_time_ns();
}

void scnvme_hal_delay_ns(scnvme_hal_device* d, uint64_t ns) {
  d->cpu->sync();
  sc_core::wait(sc_core::sc_time(static_cast<double>(ns), sc_core::SC_NS));
}

int scnvme_hal_poll32(scnvme_hal_device* d, uint64_t addr, uint32_t mask, uint32_t expected, uint64_t interval_ns,
                      uint64_t timeout_ns) {
  const uint64_t end = scnvme_hal_now_ns(d) + timeout_ns;
  for (;;) {
    if ((mmio_read<uint32_t>(d, addr) & mask) == expected) return 0;
    if (scnvme_hal_now_ns(d) >= end) return -1;
    scnvme_hal_delay_ns(d, interval_ns ? interval_ns : 1000);
  }
}

void scnvme_hal_mb(void) { std::atomic_thread_fence(std::memory_order_seq_cst); }
void scnvme_hal_rmb(void) { std::atomic_thread_fence(std::memory_order_acquire); }
void scnvme_hal_wmb(void) { std::atomic_thread_fence(std::memory_order_release); }

int scnvme_hal_log_enabled(scnvme_hal_device* d, int level) { return level <= d->log_level; }

void scnvme_hal_log(scnvme_hal_device* d, int level, const char* fmt, ...) {
  if (level > d->log_level) return;
  static const char* const kLevels[] = {"error", "warn", "info", "debug"};
  std::printf("[%12.3f us] %s: %s: ", sc_core::sc_time_stamp().to_seconds() * 1e6, d->name.c_str(),
              kLevels[level < 0 ? 0 : (level > 3 ? 3 : level)]);
  va_list ap;
  va_start(ap, fmt);
  std::vprintf(fmt, ap);
  va_end(ap);
  std::printf("\n");
}

}  // extern "C"
