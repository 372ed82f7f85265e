// The controller's internal resources bound throughput as their configuration says: command slots,
// the PCIe link, the DMA engines and the data buffer. Each case makes one resource the binding one,
// derives its bound from the configuration (and the bench's host memory latency) and checks the
// measured rate and the resource's utilisation from ControllerStats against it.
//
// The bench's host memory grants no DMI: every access is a b_transport that adds its latency
// (HostMemory::latency, 100 ns) once, whatever its length.
#include <algorithm>
#include <functional>
#include <vector>

#include "scnvme/spec/nvme_status.h"
#include "support/bench.h"
#include "support/measured_run.h"

using namespace scnvme;
using namespace scnvme::test;

namespace {

/// A Read of `bytes` from LBA (i x 256) mod 1 Mi (512-byte blocks).
spec::Sqe read_sqe(unsigned i, uint32_t bytes, uint64_t prp1, uint64_t prp2 = 0) {
  spec::Sqe s = make_sqe(spec::nvm_opcode::kRead, (i * 256) & 0xFFFFF, 0, 1);
  s.set_dw(12, bytes / 512 - 1);
  s.set_prp1(prp1);
  s.set_prp2(prp2);
  return s;
}

/// 128 KiB of host pages for one PRP-described transfer, every other 4 KiB page of a 256 KiB area
/// so that no two data pages are adjacent: the controller moves each page as its own DMA transfer
/// (it merges physically contiguous PRP entries into one). Returns PRP1; `list` gets the PRP list.
constexpr uint32_t kLargeBytes = 128 * 1024;
constexpr uint32_t kLargePages = kLargeBytes / 4096;  // 32: PRP1 + 31 list entries
uint64_t scattered_pages(Bench& h, uint64_t& list) {
  const uint64_t data = h.alloc(2ull * kLargeBytes);
  list = h.alloc(4096);
  for (uint32_t i = 1; i < kLargePages; ++i) spec::put_le64(h.mem.at(list + 8 * (i - 1)), data + 8192ull * i);
  return data;
}

ControllerConfig base_config() {
  ControllerConfig c;
  c.namespaces[0].data = NamespaceData::Zeroes;  // data-less: the backend answers at once
  return c;
}

}  // namespace

// Command slots bound the rate when nothing else waits: with the link disabled, enough DMA engines
// and a backend without latency, a slot serves one command per T and the controller completes
// command_slots / T commands per second.
//
// T, one command's slot occupancy (fetch issued to slot freed), as command_pipeline.cpp plans it:
//   arbitration_cycles (every fetch is arbitrated: the default arbitration burst is 1)
//   + host memory latency (the 64-byte SQE read)
//   + decode_cycles + io_exec_cycles
//   + list_entry_cycles x 1 (PRP1 only)
//   + host memory latency (the 4 KiB data write, on a DMA engine)
//   + cqe_build_cycles
//   + the CQE write, visible as soon as it reaches the bench's b_transport memory (no latency
//     waited: a posted write)
// The interrupt message costs the slot nothing (posted, its delay annotated). A freed slot is
// refilled at once: release() wakes the fetcher in the same time step, which issues the next fetch
// into it. The host keeps about 248 commands queued in the SQ and the CQ never fills (see
// run_at_depth), so the slots never wait for the host: the measured window adds only the first
// doorbell's latency to N / command_slots x T.
TEST(Resources, ZeroLatencyBackendQd256ReachesSlotsOverServiceTime) {
  ControllerConfig cfg = base_config();
  cfg.pcie.enabled = false;
  cfg.command_slots = 8;
  cfg.dma_engines = 8;  // one per slot: transfers never wait for an engine
  constexpr unsigned kDepth = 256, kTotal = 2048;
  const Measured m = measure(cfg, kTotal, kDepth, [](Bench& h) {
    const uint64_t buf = h.alloc(4096);
    return [buf](unsigned i) { return read_sqe(i, 4096, buf); };
  });
  const Window& w = m.w;

  const auto& t = cfg.timing;
  const double clock = 1000.0 / t.clock_mhz;  // ns
  const double memory = m.memory_ns;
  // SQE arrival -> CQE landed (what CommandRecord shows), and fetch issue -> slot freed.
  const double fetched_to_posted =
      (t.decode_cycles + t.io_exec_cycles + t.list_entry_cycles + t.cqe_build_cycles) * clock + memory;
  const double service = t.arbitration_cycles * clock + memory + fetched_to_posted;
  for (const auto& r : m.records) EXPECT_NEAR(ns(r.posted - r.fetched), fetched_to_posted, 0.5) << "CID " << r.cid;

  const double bound = cfg.command_slots / (service * 1e-9);
  EXPECT_NEAR(w.per_second() / bound, 1.0, 0.03)
      << "measured " << w.per_second() / 1e6 << " M IOPS, slot bound " << bound / 1e6 << " M IOPS (T = " << service << " ns)";
  EXPECT_LE(w.per_second(), bound * 1.0001) << "faster than the slots allow";
  const double utilisation = (w.after.slots_busy - w.before.slots_busy).to_seconds() / (cfg.command_slots * w.seconds());
  EXPECT_GT(utilisation, 0.95) << "slot utilisation " << utilisation;
  EXPECT_LE(utilisation, 1.0001);
}

// A slow link bounds the rate: gen1 x1 carries 250 MB/s after 8b/10b, less the DLLP share. Each
// 4 KiB Read sends upstream (device -> host): its data in MPS-sized posted writes, each with the
// per-TLP overhead; the CQE (16 bytes + overhead); the MSI-X message (4 bytes + overhead); and the
// SQE fetch's read request (a header-only TLP). The SQE's completion travels downstream, which is
// far from full. MPS stays at Device Control's reset value, 128 bytes.
TEST(Resources, ZeroLatencyBackendQd256IsLinkBoundWhenTheLinkIsSlower) {
  ControllerConfig cfg = base_config();
  cfg.pci.link_generation = 1;
  cfg.pci.link_width = 1;
  cfg.command_slots = 64;
  constexpr unsigned kDepth = 256, kTotal = 600;
  const Window w = measure(cfg, kTotal, kDepth, [](Bench& h) {
                     const uint64_t buf = h.alloc(4096);
                     return [buf](unsigned i) { return read_sqe(i, 4096, buf); };
                   }).w;

  const auto& l = cfg.pcie;
  const double rate = 2.5e9 * 8 / 10 / 8 * cfg.pci.link_width * (1 - l.dllp_overhead_permille / 1000.0);  // bytes/s
  const uint32_t mps = 128, oh = l.tlp_overhead_bytes;
  const double upstream_per_command = 4096 / mps * (mps + oh)  // data
                                      + (16 + oh)               // CQE
                                      + (4 + oh)                // MSI-X message
                                      + oh;                     // SQE read request
  const double bound = rate / upstream_per_command;
  EXPECT_NEAR(w.per_second() / bound, 1.0, 0.03)
      << "measured " << w.per_second() << " IOPS, link bound " << bound << " IOPS (" << upstream_per_command
      << " bytes upstream per command at " << rate / 1e6 << " MB/s)";
  // The CQEs, interrupt messages and read requests slip between data TLPs already planned (waiting
  // for at most one TLP) and move the end of the backlog back instead; a transfer planned earlier
  // keeps its finish time. So the last commands' data may finish ahead of a strictly in-order link
  // by the small packets that slipped in front of it: at most those of the other commands in the
  // slots. Over the whole run capacity is exact; the window may look that much faster.
  const double small = (16 + oh) + (4 + oh) + oh;
  const double slipped = cfg.command_slots * small / upstream_per_command;  // in commands
  EXPECT_LE(w.per_second(), bound * kTotal / (kTotal - slipped)) << "faster than the link allows";
  const double link_utilisation = (w.after.link_upstream_busy - w.before.link_upstream_busy).to_seconds() / w.seconds();
  EXPECT_NEAR(link_utilisation, 1.0, 0.01) << "upstream utilisation " << link_utilisation;
}

// One DMA engine carries every transfer, one after another. With the link disabled a transfer
// occupies its engine for the host memory latency (one b_transport per transfer), whatever its
// length. A 128 KiB Read over 32 scattered pages makes 33 transfers: the PRP list read, then one
// data write per page. The command's timeline between them charges list_entry_cycles for the 32
// PRP entries; the engine is not reserved for that walk, and reservations are served in order
// (a later command cannot use the gap), so per command the engine spends
//   33 x memory latency busy + 32 x list_entry_cycles idle,
// which is the throughput bound. 16 slots could serve far more (each would need only ~3.8 us of
// its own): the engine is the binding resource, with a backlog of ~15 commands.
TEST(Resources, OneDmaEngineSerialisesTransfers) {
  ControllerConfig cfg = base_config();
  cfg.pcie.enabled = false;
  cfg.dma_engines = 1;
  cfg.command_slots = 16;
  constexpr unsigned kDepth = 64, kTotal = 256;
  const Measured m = measure(cfg, kTotal, kDepth, [](Bench& h) {
    uint64_t list = 0;
    const uint64_t data = scattered_pages(h, list);
    return [=](unsigned i) { return read_sqe(i, kLargeBytes, data, list); };
  });
  const Window& w = m.w;

  const double clock = 1000.0 / cfg.timing.clock_mhz;
  const double memory = m.memory_ns;
  const double busy_per_command = (1 + kLargePages) * memory;  // list read + one write per page
  const double walk = kLargePages * cfg.timing.list_entry_cycles * clock;
  const double bound = 1e9 / (busy_per_command + walk);
  EXPECT_NEAR(w.per_second() / bound, 1.0, 0.03)
      << "measured " << w.per_second() / 1e3 << " k IOPS, engine bound " << bound / 1e3 << " k IOPS ("
      << busy_per_command << " ns busy + " << walk << " ns walk per command)";
  EXPECT_LE(w.per_second(), 1e9 / busy_per_command * 1.0001) << "faster than one engine can transfer";
  const double utilisation = (w.after.dma_engines_busy - w.before.dma_engines_busy).to_seconds() / w.seconds();
  EXPECT_GT(utilisation, 0.95) << "engine utilisation " << utilisation;
  EXPECT_NEAR(utilisation, busy_per_command / (busy_per_command + walk), 0.01);
  EXPECT_LE(utilisation, 1.0001);
}

// A data buffer that holds one command's data at a time. A command takes its bytes at the start of
// its data phase (waiting in line while they do not fit) and gives them back when it leaves its
// slot, so at most one command is between its buffer grant and its slot release, and the next in
// line starts its data phase when the previous one's CQE has landed. Per command, then:
//   PRP list read (memory latency) + 32 x list_entry_cycles + 32 page writes (memory latency each;
//   4 DMA engines, but one command's transfers follow each other on its timeline)
//   + cqe_build_cycles + the CQE write (visible on arrival in b_transport memory).
// Fetching: while a fetched command waits for space the fetcher issues no new fetch; when the last
// one in line gets its space the fetcher fills every free slot at once (it cannot know the next
// commands' sizes before they are decoded). So new commands are fetched only when at most one
// command fetched before them is still in the controller (the one holding the buffer). Sampled
// between host batches: if the fetched count grew, every command fetched before, but one, had
// completed by the end of the batch. (fetched - completed itself reaches command_slots after every
// such refill.)
TEST(Resources, ExhaustedDataBufferHoldsFetchingBack) {
  ControllerConfig cfg = base_config();
  cfg.pcie.enabled = false;
  cfg.command_slots = 8;
  cfg.data_buffer_kib = kLargeBytes / 1024;
  constexpr unsigned kDepth = 64, kTotal = 160;
  uint64_t refills = 0, max_in_controller = 0;
  ControllerStats prev;
  Measured m = measure(
      cfg, kTotal, kDepth,
      [&prev](Bench& h) {
        uint64_t list = 0;
        const uint64_t data = scattered_pages(h, list);
        prev = h.nvme.stats();
        return [=](unsigned i) { return read_sqe(i, kLargeBytes, data, list); };
      },
      [&](Bench& h) {
        const ControllerStats s = h.nvme.stats();
        if (s.commands_fetched > prev.commands_fetched) {
          ++refills;
          EXPECT_GE(s.commands_completed + 1, prev.commands_fetched)
              << "at " << sc_core::sc_time_stamp() << ": new commands fetched while "
              << prev.commands_fetched - s.commands_completed << " fetched before them were still in the controller";
        }
        max_in_controller = std::max(max_in_controller, s.commands_fetched - s.commands_completed);
        prev = s;
      });
  const Window& w = m.w;
  std::vector<CommandRecord>& records = m.records;

  const uint64_t capacity = uint64_t(cfg.data_buffer_kib) * 1024;
  EXPECT_EQ(w.after.commands_failed, w.before.commands_failed);
  EXPECT_LE(w.after.data_buffer_peak_bytes, capacity);
  EXPECT_EQ(w.after.data_buffer_peak_bytes, kLargeBytes);
  EXPECT_GT(refills, 0u);
  EXPECT_LE(max_in_controller, cfg.command_slots);

  const double clock = 1000.0 / cfg.timing.clock_mhz;
  const double memory = m.memory_ns;
  const double holding = memory + kLargePages * cfg.timing.list_entry_cycles * clock + kLargePages * memory +
                         cfg.timing.cqe_build_cycles * clock;
  const double bound = 1e9 / holding;
  EXPECT_NEAR(w.per_second() / bound, 1.0, 0.03)
      << "measured " << w.per_second() / 1e3 << " k IOPS, buffer bound " << bound / 1e3 << " k IOPS (" << holding
      << " ns per command holding the buffer)";
  EXPECT_LE(w.per_second(), bound * 1.0001);
  // One command's data at a time: every command's data phase starts after the previous CQE landed.
  std::sort(records.begin(), records.end(), [](const CommandRecord& a, const CommandRecord& c) { return a.posted < c.posted; });
  const double data_phase = holding - cfg.timing.cqe_build_cycles * clock;  // grant -> executed
  for (std::size_t i = 1; i < records.size(); ++i)
    EXPECT_GE(ns(records[i].executed - records[i - 1].posted), data_phase - 0.5) << "CID " << records[i].cid;
  const double occupancy = (w.after.data_buffer_byte_seconds - w.before.data_buffer_byte_seconds) / (capacity * w.seconds());
  EXPECT_GT(occupancy, 0.95) << "buffer occupancy " << occupancy;
}
