// Soak (issue 10 part 4): a randomized run of verified I/O over three queues and two namespaces,
// the reference driver on the reference platform, mixed with controller resets, NSSR, Function
// Level Resets, power losses, commands that hang (timeout -> Abort or reset by nvme_recover(),
// then submitted again) and injected media errors. Every read is checked against what was last
// written (Unrecovered Read Error where a media error stands), every block written is read back
// at the end, and every command submitted is accounted for: reaped exactly once. The volatile
// write cache is off, so every completed write is durable across a power loss.
//
// SCNVME_SOAK_STEPS sets the length (default 1000 batches, well under a second); SCNVME_SOAK_SEED the seed.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <systemc>

#include "driver/nvme_driver.h"
#include "hal/scnvme_hal.h"
#include "reference_platform.h"
#include "scnvme/faults.h"

using namespace scnvme;
using platform::PlatformConfig;
using platform::ReferencePlatform;

namespace {

constexpr uint8_t kOpWrite = 0x01, kOpRead = 0x02;
constexpr uint16_t kUnrecoveredReadError = 0x281;  // SCT 2h, SC 81h
constexpr uint16_t kAbortRequested = 0x007;
constexpr unsigned kQueues = 3, kMaxBatch = 6;
constexpr uint32_t kMaxBlocks = 16;
constexpr uint64_t kRegion = 2048;  // blocks used per namespace

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

uint8_t pattern(uint32_t nsid, uint64_t lba, uint32_t version, uint32_t i) {
  uint64_t x = (lba * 0x9E3779B97F4A7C15ull) ^ (uint64_t{version} << 32) ^ (uint64_t{nsid} << 56) ^ (i / 8);
  x ^= x >> 29;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 32;
  return static_cast<uint8_t>(x >> (8 * (i % 8)));
}

struct Io {
  uint8_t opcode = 0;
  uint32_t nsid = 0, block_size = 0;
  uint64_t slba = 0;
  uint32_t nlb = 0;
  uint32_t version = 0;  // writes
  unsigned slot = 0;     // its part of the DMA buffer
  unsigned submissions = 0;
};

struct Totals {
  uint64_t submitted = 0, reaped = 0, writes = 0, reads_checked = 0, media_errors_seen = 0, retries = 0;
  uint64_t resets = 0, nssrs = 0, flrs = 0, power_losses = 0, hangs = 0, media_injected = 0, recoveries = 0;
};

}  // namespace

TEST(Soak, VerifiedIoSurvivesResetsPowerLossHangsAndMediaErrors) {
  const uint64_t steps = env_or("SCNVME_SOAK_STEPS", 1000), seed = env_or("SCNVME_SOAK_SEED", 7);
  PlatformConfig pc;
  pc.queue_monitors = true;  // every fetch and CQE checked (platforms/queue_monitor.h)
  ControllerConfig c;
  c.namespaces = {NamespaceConfig(1, 4ull << 20, 512), NamespaceConfig(2, 16ull << 20, 4096)};
  c.volatile_write_cache = false;
  pc.controllers = {c};
  ReferencePlatform p("top", pc);
  Totals t;
  bool done = false;
  p.cpu().run("soak", [&] {
    scnvme_hal_device* dev = p.hal(0);
    Controller& nvme = p.controller(0);
    nvme_driver drv;
    nvme_driver_options opt;
    nvme_driver_default_options(&opt);
    opt.io_queues = kQueues;
    opt.io_queue_entries = 16;
    opt.command_timeout_ns = 2000000;  // 2 ms: hung commands are found quickly
    ASSERT_EQ(nvme_init(&drv, dev, &opt), 0) << drv.error;
    std::mt19937_64 rng(seed);
    std::map<std::pair<uint32_t, uint64_t>, uint32_t> shadow;  // (nsid, lba) -> version last written
    std::set<std::pair<uint32_t, uint64_t>> bad;                // blocks under an injected media error
    uint32_t next_version = 1;
    const uint64_t slot_bytes = uint64_t{kMaxBlocks} * 4096;
    uint64_t bus = 0;
    auto* buf = static_cast<uint8_t*>(scnvme_hal_dma_alloc(dev, slot_bytes * kMaxBatch, 4096, &bus));
    ASSERT_NE(buf, nullptr);

    auto bring_up = [&] { ASSERT_EQ(nvme_init(&drv, dev, &opt), 0) << drv.error; };
    auto submit = [&](unsigned q, Io& io, std::map<int, Io>& inflight) {
      uint8_t* data = buf + io.slot * slot_bytes;
      const uint64_t bytes = uint64_t{io.nlb} * io.block_size;
      if (io.opcode == kOpWrite)
        for (uint32_t b = 0; b < io.nlb; ++b)
          for (uint32_t k = 0; k < io.block_size; ++k) data[b * io.block_size + k] = pattern(io.nsid, io.slba + b, io.version, k);
      else
        std::memset(data, 0xEE, bytes);
      const int cid = nvme_io_prepare(&drv, q, io.opcode, io.nsid, io.slba, io.nlb, bus + io.slot * slot_bytes, bytes);
      ASSERT_GE(cid, 0) << drv.error;
      ++io.submissions;
      ++t.submitted;
      inflight[cid] = io;
    };
    // Reads a completed read's data against the shadow.
    auto check_read = [&](const Io& io) {
      const uint8_t* data = buf + io.slot * slot_bytes;
      for (uint32_t b = 0; b < io.nlb; ++b) {
        const auto it = shadow.find({io.nsid, io.slba + b});
        for (uint32_t k = 0; k < io.block_size; ++k) {
          const uint8_t expected = it == shadow.end() ? 0 : pattern(io.nsid, io.slba + b, it->second, k);
          ASSERT_EQ(data[b * io.block_size + k], expected) << "nsid " << io.nsid << " LBA " << io.slba + b << " byte " << k;
        }
      }
      ++t.reads_checked;
    };
    auto touches_bad = [&](const Io& io) {
      for (uint32_t b = 0; b < io.nlb; ++b)
        if (bad.count({io.nsid, io.slba + b})) return true;
      return false;
    };
    // Reaps everything in flight on q, recovering on timeouts and submitting again what the
    // recovery ended; checks each completion.
    auto drain = [&](unsigned q, std::map<int, Io>& inflight) {
      nvme_completion cpl[kMaxBatch + 1];
      while (!inflight.empty()) {
        const int n = nvme_io_reap(&drv, q, cpl, kMaxBatch + 1, opt.command_timeout_ns);
        if (n <= 0) {
          ++t.recoveries;
          ASSERT_GE(nvme_recover(&drv), 0) << drv.error;
          continue;
        }
        std::vector<Io> again;
        for (int i = 0; i < n; ++i) {
          const auto it = inflight.find(cpl[i].cid);
          ASSERT_NE(it, inflight.end()) << "completion for CID " << cpl[i].cid << " not in flight (answered twice?)";
          Io io = it->second;
          inflight.erase(it);
          ++t.reaped;
          const uint16_t st = cpl[i].status & 0x7FFF;
          if (cpl[i].status == NVME_DRV_STATUS_RESET || (st & 0x7FF) == kAbortRequested) {
            ASSERT_LT(io.submissions, 4u) << "submitted again too often";
            ++t.retries;
            again.push_back(io);
            continue;
          }
          if (io.opcode == kOpRead && touches_bad(io)) {
            ASSERT_EQ(st & 0x7FF, kUnrecoveredReadError) << "read over a media error: " << nvme_status_string(cpl[i].status);
            ++t.media_errors_seen;
            continue;
          }
          ASSERT_EQ(cpl[i].status, 0) << nvme_status_string(cpl[i].status);
          if (io.opcode == kOpWrite) {
            for (uint32_t b = 0; b < io.nlb; ++b) {
              shadow[{io.nsid, io.slba + b}] = io.version;
              bad.erase({io.nsid, io.slba + b});  // a durable rewrite clears the error
            }
            ++t.writes;
          } else {
            check_read(io);
          }
        }
        for (Io& io : again) submit(q, io, inflight);
        if (!again.empty()) nvme_io_ring(&drv, q);
      }
    };

    for (uint64_t step = 0; step < steps; ++step) {
      // A batch on one queue: up to kMaxBatch commands on disjoint block ranges.
      const unsigned q = 1 + static_cast<unsigned>(rng() % kQueues);
      const unsigned count = 1 + static_cast<unsigned>(rng() % kMaxBatch);
      std::map<int, Io> inflight;
      std::set<std::pair<uint32_t, uint64_t>> used;
      for (unsigned i = 0; i < count; ++i) {
        Io io;
        const nvme_namespace& ns = drv.ns[rng() % drv.namespaces];
        io.nsid = ns.nsid;
        io.block_size = ns.block_size;
        io.nlb = 1 + static_cast<uint32_t>(rng() % kMaxBlocks);
        io.slba = rng() % (kRegion - io.nlb);
        bool overlaps = false;
        for (uint32_t b = 0; b < io.nlb; ++b) overlaps |= used.count({io.nsid, io.slba + b}) > 0;
        if (overlaps) continue;
        for (uint32_t b = 0; b < io.nlb; ++b) used.insert({io.nsid, io.slba + b});
        io.opcode = rng() % 2 ? kOpWrite : kOpRead;
        if (io.opcode == kOpWrite) io.version = next_version++;
        io.slot = i;
        submit(q, io, inflight);
      }
      nvme_io_ring(&drv, q);
      drain(q, inflight);
      if (::testing::Test::HasFatalFailure()) return;

      // Now and then, something happens to the controller (nothing is in flight here, except
      // what a hang injected for the next batch keeps waiting).
      switch (rng() % 24) {
        case 0:
          ++t.resets;
          ASSERT_EQ(nvme_reset_controller(&drv), NVME_RECOVER_RESET) << drv.error;
          break;
        case 1:
          ++t.nssrs;
          scnvme_hal_mmio_write32(dev, drv.bar0 + 0x20, 0x4E564D65);  // NSSR: "NVMe"
          nvme_release(&drv);
          bring_up();
          break;
        case 2:
          ++t.flrs;
          ASSERT_EQ(nvme_shutdown(&drv), 0) << drv.error;
          ASSERT_EQ(nvme_function_level_reset(&drv), 0) << drv.error;
          nvme_release(&drv);
          bring_up();
          break;
        case 3:
          ++t.power_losses;
          nvme.power_loss();
          nvme_release(&drv);
          bring_up();
          break;
        case 4:
        case 5: {
          ++t.hangs;
          CommandDelay hang;
          hang.match.sqid = static_cast<uint16_t>(1 + rng() % kQueues);
          hang.never = true;
          nvme.inject(hang);
          break;
        }
        case 6: {
          ++t.media_injected;
          const uint32_t nsid = 1 + static_cast<uint32_t>(rng() % 2);
          const uint64_t slba = rng() % (kRegion - 8), nlb = 1 + rng() % 8;
          nvme.inject(MediaError{nsid, slba, nlb});
          for (uint64_t b = 0; b < nlb; ++b) bad.insert({nsid, slba + b});
          break;
        }
        default:
          break;
      }
      if (::testing::Test::HasFatalFailure()) return;
    }
    // Every block written reads back as last written (or as a media error where one stands).
    for (const auto& [key, version] : std::map<std::pair<uint32_t, uint64_t>, uint32_t>(shadow)) {
      Io io;
      io.opcode = kOpRead;
      io.nsid = key.first;
      io.block_size = io.nsid == 1 ? 512 : 4096;
      io.slba = key.second;
      io.nlb = 1;
      std::map<int, Io> inflight;
      submit(1, io, inflight);
      nvme_io_ring(&drv, 1);
      drain(1, inflight);
      if (::testing::Test::HasFatalFailure()) return;
    }
    EXPECT_EQ(t.submitted, t.reaped) << "every command submitted was reaped exactly once";
    ASSERT_EQ(nvme_shutdown(&drv), 0) << drv.error;
    done = true;
    sc_core::sc_stop();
  });
  sc_core::sc_start(sc_core::sc_time(600, sc_core::SC_SEC));
  ASSERT_TRUE(done);
  std::printf("soak: %llu batches: %llu commands (%llu submitted again), %llu writes, %llu reads checked, %llu media errors seen; "
              "%llu controller resets, %llu NSSRs, %llu FLRs, %llu power losses, %llu hangs (%llu recoveries), %llu media errors injected\n",
              static_cast<unsigned long long>(steps), static_cast<unsigned long long>(t.submitted),
              static_cast<unsigned long long>(t.retries), static_cast<unsigned long long>(t.writes),
              static_cast<unsigned long long>(t.reads_checked), static_cast<unsigned long long>(t.media_errors_seen),
              static_cast<unsigned long long>(t.resets), static_cast<unsigned long long>(t.nssrs), static_cast<unsigned long long>(t.flrs),
              static_cast<unsigned long long>(t.power_losses), static_cast<unsigned long long>(t.hangs),
              static_cast<unsigned long long>(t.recoveries), static_cast<unsigned long long>(t.media_injected));
  EXPECT_GT(t.resets + t.nssrs + t.flrs + t.power_losses, 0u);
  EXPECT_GT(t.reads_checked, steps / 2);
}
