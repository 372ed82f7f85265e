// Checkpoints of the reference platform: its controllers and the host side (DRAM, the HAL devices'
// DMA allocations, interconnect, MSI controller and CPU), each part described once with
// checkpoint::Archive::io() for saving and restoring.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "hal/hal_device.h"
#include "reference_platform.h"

namespace scnvme::platform {

namespace {
constexpr uint64_t kPage = 4096;

bool all_zero(const uint8_t* p, std::size_t n) {
  for (std::size_t i = 0; i + 8 <= n; i += 8) {
    uint64_t v;
    std::memcpy(&v, p + i, 8);
    if (v) return false;
  }
  for (std::size_t i = n & ~std::size_t{7}; i < n; ++i)
    if (p[i]) return false;
  return true;
}
/// For each `page`-sized piece of [data, data + size): false when the operating system has never
/// given it memory (still the zero-filled allocation: nothing to save), true otherwise. Asks
/// mincore() instead of reading everything, which would bring a large, mostly unused DRAM into
/// memory; every piece is "maybe" when it cannot.
std::vector<bool> touched_pages(const uint8_t* data, uint64_t size, uint64_t page) {
  const uint64_t pieces = (size + page - 1) / page;
  const long os_page_long = sysconf(_SC_PAGESIZE);
  if (os_page_long <= 0) return std::vector<bool>(pieces, true);
  const auto os_page = static_cast<uintptr_t>(os_page_long);
  const uintptr_t begin = reinterpret_cast<uintptr_t>(data) / os_page * os_page;
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + size + os_page - 1) / os_page * os_page;
  std::vector<unsigned char> resident((end - begin) / os_page);
  if (mincore(reinterpret_cast<void*>(begin), end - begin, resident.data()) != 0) return std::vector<bool>(pieces, true);
  std::vector<bool> maybe(pieces, false);
  for (uint64_t p = 0; p < pieces; ++p) {
    const uintptr_t first = reinterpret_cast<uintptr_t>(data) + p * page;
    const uintptr_t last = reinterpret_cast<uintptr_t>(data) + std::min(size, (p + 1) * page) - 1;
    for (uintptr_t o = (first - begin) / os_page; o <= (last - begin) / os_page && !maybe[p]; ++o) maybe[p] = resident[o] & 1;
  }
  return maybe;
}
}  // namespace

void HostMemory::persist(checkpoint::Archive& a) {
  a.begin("host_memory");
  a.expect(size_, "host memory size");
  const uint64_t pages = (size_ + kPage - 1) / kPage;
  auto page_bytes = [&](uint64_t p) { return static_cast<std::size_t>(std::min(kPage, size_ - p * kPage)); };
  std::vector<uint64_t> used;
  if (!a.loading()) {
    const std::vector<bool> maybe = touched_pages(bytes_.get(), size_, kPage);
    for (uint64_t p = 0; p < pages; ++p)
      if (maybe[p] && !all_zero(bytes_.get() + p * kPage, page_bytes(p))) used.push_back(p);
  }
  const std::size_t n = a.count(used.size());
  uint64_t previous = 0;
  for (std::size_t i = 0; i < n; ++i) {
    uint64_t p = a.loading() ? 0 : used[i];
    a.io(p);
    if (p >= pages || (i > 0 && p <= previous)) a.fail("host memory page " + std::to_string(p) + " out of order or range");
    previous = p;
    a.raw(bytes_.get() + p * kPage, page_bytes(p));
  }
  a.end();
}

void DmaPool::persist(checkpoint::Archive& a) {
  a.begin("dma_pool");
  a.expect(base_, "DMA pool base");
  a.expect(size_, "DMA pool size");
  a.io(free_);
  a.io(allocated_);
  a.io(in_use_);
  if (a.loading()) {
    uint64_t total = 0, used = 0;
    for (const auto& [start, len] : free_) {
      if (start < base_ || len > size_ || start - base_ > size_ - len) a.fail("a free DMA block outside the pool");
      total += len;
    }
    for (const auto& [start, len] : allocated_) {
      if (start < base_ || len > size_ || start - base_ > size_ - len) a.fail("an allocated DMA block outside the pool");
      used += len;
    }
    if (used != in_use_ || total + used > size_) a.fail("DMA pool accounting");
  }
  a.end();
}

void MsiController::persist(checkpoint::Archive& a) {
  a.begin("msi_controller");
  a.expect(vectors_, "MSI vectors");
  a.io(delivered_);
  a.io(unknown_);
  a.io(spurious_);
  a.end();
}

void Interconnect::persist(checkpoint::Archive& a) {
  a.begin("interconnect");
  a.io(unmapped_);
  a.end();
}

void HostCpu::persist(checkpoint::Archive& a) {
  a.begin("cpu");
  if (!a.loading()) {
    if (!arriving_.empty()) a.fail("an interrupt is on its way to the CPU");
    if (payload_busy_) a.fail("a CPU access is in progress");
  }
  a.expect(counts_.size(), "CPU interrupt vectors");
  a.io(counts_);
  a.io(pending_);
  a.io(arrival_seq_);
  if (a.loading() && (counts_.size() != pending_.size() || counts_.size() != events_.size())) a.fail("CPU interrupt tables");
  a.end();
}

void ReferencePlatform::persist_host(checkpoint::Archive& a) {
  a.begin("host");
  cpu_.persist(a);
  bus_.persist(a);
  ram_.persist(a);
  msi_.persist(a);
  for (auto& hal : hal_) {
    a.begin("hal");
    a.expect(hal->name, "HAL device");
    hal->pool.persist(a);
    a.io(hal->bus_errors);
    a.end();
  }
  a.end();
}

std::string ReferencePlatform::quiescence_blocker() const {
  for (const auto& c : controllers_) {
    const std::string why = c->quiescence_blocker();
    if (!why.empty()) return std::string(c->name()) + ": " + why;
  }
  if (cpu_.interrupt_arriving()) return "an interrupt is on its way to the CPU";
  return "";
}

void ReferencePlatform::save_checkpoint(checkpoint::Writer& w) {
  if (const std::string why = quiescence_blocker(); !why.empty()) throw CheckpointError("not at a quiescent point: " + why);
  w.begin("platform");
  w.expect(controllers_.size(), "controllers");
  for (const auto& c : controllers_) c->save_checkpoint(w);
  persist_host(w);
  w.end();
}

void ReferencePlatform::restore_checkpoint(checkpoint::Reader& r) {
  for (const auto& hal : hal_)
    if (hal->pool.bytes_in_use() != 0)
      throw CheckpointError(hal->name + " has DMA memory allocated: restore into a platform no driver has used yet");
  r.begin("platform");
  r.expect(controllers_.size(), "controllers");
  for (const auto& c : controllers_) c->restore_checkpoint(r);
  persist_host(r);
  r.end();
  for (const auto& m : monitors_) m->resync();  // the restored queues are adopted as they are
}

}  // namespace scnvme::platform
