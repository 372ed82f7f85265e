// Data integrity through the whole stack: the reference driver on the reference platform writes
// and reads back randomized I/O of mixed sizes over several namespaces and queues, with PRPs and
// SGLs, with controller resets (CC.EN 1 -> 0 -> 1) in between; every read must return what was
// last written (or zeroes where nothing was).
#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <vector>

#include <gtest/gtest.h>
#include <systemc>

#include "driver/nvme_driver.h"
#include "hal/scnvme_hal.h"
#include "reference_platform.h"

using namespace scnvme;
using platform::PlatformConfig;
using platform::ReferencePlatform;

namespace {

constexpr uint8_t kOpWrite = 0x01, kOpRead = 0x02;
constexpr uint64_t kTimeoutNs = 100ull * 1000 * 1000;

/// The byte at offset i of block `lba` of namespace `nsid` written as `version`.
uint8_t pattern(uint32_t nsid, uint64_t lba, uint32_t version, uint32_t i) {
  uint64_t x = (lba * 0x9E3779B97F4A7C15ull) ^ (static_cast<uint64_t>(version) << 32) ^ (static_cast<uint64_t>(nsid) << 56) ^ (i / 8);
  x ^= x >> 29;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 32;
  return static_cast<uint8_t>(x >> (8 * (i % 8)));
}

struct Shadow {
  std::map<std::pair<uint32_t, uint64_t>, uint32_t> version;  // (nsid, lba) -> last written version
};

void run_integrity(bool use_sgl, uint64_t seed) {
  PlatformConfig pc;
  pc.queue_monitors = true;  // every fetch and CQE checked (platforms/queue_monitor.h)
  ControllerConfig c;
  c.namespaces = {NamespaceConfig(1, 8ull << 20, 512), NamespaceConfig(3, 16ull << 20, 4096)};
  c.command_slots = 8;
  pc.controllers = {c};
  ReferencePlatform p("top", pc);
  bool done = false;
  p.cpu().run("t", [&] {
    nvme_driver drv;
    nvme_driver_options opt;
    nvme_driver_default_options(&opt);
    opt.io_queues = 3;
    opt.io_queue_entries = 7;  // not a power of two: wraps at 7
    opt.use_sgl = use_sgl;
    ASSERT_EQ(nvme_init(&drv, p.hal(0), &opt), 0) << drv.error;
    ASSERT_EQ(drv.sgl, use_sgl ? 1 : 0);
    std::mt19937_64 rng(seed);
    Shadow shadow;
    uint64_t bus = 0;
    constexpr uint64_t kMaxBytes = 64 * 1024;
    auto* buf = static_cast<uint8_t*>(scnvme_hal_dma_alloc(p.hal(0), kMaxBytes + 4096, 4096, &bus));
    ASSERT_NE(buf, nullptr);
    uint32_t next_version = 1;
    uint64_t reads_checked = 0;
    for (int round = 0; round < 4; ++round) {
      for (int i = 0; i < 150; ++i) {
        const nvme_namespace& ns = drv.ns[rng() % drv.namespaces];
        const uint32_t bsz = ns.block_size;
        const uint32_t max_blocks = static_cast<uint32_t>(kMaxBytes / bsz);
        const uint32_t nlb = 1 + static_cast<uint32_t>(rng() % max_blocks);
        const uint64_t slba = rng() % (std::min<uint64_t>(ns.blocks, 4096) - nlb);
        const uint32_t offset = static_cast<uint32_t>(rng() % 8) * 512;  // buffer not always page aligned
        const unsigned q = 1 + static_cast<unsigned>(rng() % drv.io_queues);
        const bool write = rng() % 2;
        uint8_t* data = buf + offset;
        if (write) {
          const uint32_t v = next_version++;
          for (uint32_t b = 0; b < nlb; ++b)
            for (uint32_t k = 0; k < bsz; ++k) data[b * bsz + k] = pattern(ns.nsid, slba + b, v, k);
          for (uint32_t b = 0; b < nlb; ++b) shadow.version[{ns.nsid, slba + b}] = v;
        } else {
          std::memset(data, 0xEE, nlb * bsz);
        }
        ASSERT_GE(nvme_io_prepare(&drv, q, write ? kOpWrite : kOpRead, ns.nsid, slba, nlb, bus + offset, uint64_t{nlb} * bsz), 0);
        nvme_io_ring(&drv, q);
        nvme_completion cpl{};
        ASSERT_EQ(nvme_io_reap(&drv, q, &cpl, 1, kTimeoutNs), 1) << drv.error;
        ASSERT_EQ(cpl.status, 0) << nvme_status_string(cpl.status);
        if (write) continue;
        for (uint32_t b = 0; b < nlb; ++b) {
          auto it = shadow.version.find({ns.nsid, slba + b});
          for (uint32_t k = 0; k < bsz; ++k) {
            const uint8_t expected = it == shadow.version.end() ? 0 : pattern(ns.nsid, slba + b, it->second, k);
            ASSERT_EQ(data[b * bsz + k], expected) << "nsid " << ns.nsid << " LBA " << slba + b << " byte " << k;
          }
        }
        ++reads_checked;
      }
      // A controller reset between rounds: the driver brings the controller up again.
      ASSERT_EQ(nvme_init(&drv, p.hal(0), &opt), 0) << drv.error;
    }
    EXPECT_GT(reads_checked, 200u);
    EXPECT_GT(p.controller(0).stats().controller_resets, 3u);
    done = true;
    sc_core::sc_stop();
  });
  sc_core::sc_start(sc_core::sc_time(10, sc_core::SC_SEC));
  EXPECT_TRUE(done);
}

}  // namespace

TEST(Integrity, RandomizedMixedSizesNamespacesQueuesAndResetsWithPrps) { run_integrity(false, 11); }
TEST(Integrity, RandomizedMixedSizesNamespacesQueuesAndResetsWithSgls) { run_integrity(true, 12); }
