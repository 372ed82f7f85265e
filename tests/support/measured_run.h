// A measured run at a fixed queue depth on a fresh bench: the host keeps `depth` commands
// outstanding on one I/O queue pair and the window runs from the first doorbell to the last CQE
// landing in host memory. Shared by the timing tests that check throughput bounds.
#pragma once

#include <algorithm>
#include <functional>
#include <vector>

#include "scnvme/spec/nvme_status.h"
#include "support/bench.h"

namespace scnvme::test {

constexpr uint16_t kQid = 1;

inline double ns(const sc_core::sc_time& t) { return t.to_seconds() * 1e9; }

/// What one run measured: from the first SQ doorbell to the last CQE landing in host memory.
struct Window {
  sc_core::sc_time start, end;
  ControllerStats before, after;  // stats at the first doorbell and at the end
  unsigned completed = 0;
  double seconds() const { return (end - start).to_seconds(); }
  double per_second() const { return completed / seconds(); }
};

/// Keeps `depth` commands outstanding on SQ/CQ kQid until `total` completed; `make(i)` builds the
/// i-th command. The host consumes every CQE it finds, then writes as many new SQEs, rings the CQ
/// head and then the SQ tail once per batch. With the SQ holding `depth` + 1 entries and the CQ
/// larger than `depth`, neither queue is ever full: the controller always finds commands to fetch
/// (hundreds ahead of its slots) and room for its CQEs, so the host never limits the rate.
/// `sample` (optional) runs after every batch.
inline Window run_at_depth(Bench& h, unsigned total, unsigned depth, const std::function<spec::Sqe(unsigned)>& make,
                    sc_core::sc_time& last_posted, const std::function<void()>& sample = {}) {
  Window w;
  unsigned submitted = 0;
  for (; submitted < std::min(depth, total); ++submitted) h.submit(kQid, make(submitted), -1, false);
  w.before = h.nvme.stats();
  w.start = sc_core::sc_time_stamp();
  h.ring_sq(kQid);
  const uint32_t cq_head = spec::reg::cq_head_doorbell(kQid, h.nvme.config().doorbell_stride);
  const sc_core::sc_time give_up = sc_core::sc_time_stamp() + sc_core::sc_time(100, sc_core::SC_MS);
  while (w.completed < total && sc_core::sc_time_stamp() < give_up) {
    unsigned batch = 0;
    while (h.cqe_available(kQid)) {
      const spec::Cqe c = h.wait_cqe(kQid, sc_core::sc_time(1, sc_core::SC_NS), false);
      EXPECT_STATUS(c, spec::status::kSuccess);
      ++batch;
    }
    if (batch == 0) {
      // Woken by the completion's interrupt message, or after a while (a message that arrives
      // while an earlier one is pending does not notify again).
      sc_core::wait(sc_core::sc_time(1, sc_core::SC_US), h.msi.received);
      continue;
    }
    w.completed += batch;
    const unsigned refill = std::min(batch, total - submitted);
    for (unsigned i = 0; i < refill; ++i) h.submit(kQid, make(submitted++), -1, false);
    h.wr32(cq_head, h.cqs.at(kQid).index);
    if (refill) h.ring_sq(kQid);
    if (sample) sample();
  }
  EXPECT_EQ(w.completed, total) << "the run did not finish";
  // The host can see the last CQE before its slot thread (running at the same time) has released
  // the slot: let the last commands leave their slots before reading the stats.
  sc_core::wait(1, sc_core::SC_US);
  w.end = last_posted;
  w.after = h.nvme.stats();
  return w;
}

/// Admin setup and the I/O queue pair: SQ of depth + 1 entries, CQ of 2 x depth.
inline void setup_queue_pair(Bench& h, unsigned depth) {
  h.pci_setup();
  ASSERT_TRUE(h.enable());
  ASSERT_TRUE(h.create_cq(kQid, 2 * depth, 1).status().ok());
  ASSERT_TRUE(h.create_sq(kQid, depth + 1, kQid).status().ok());
  // The Create I/O SQ's slot may be released after the host has seen its CQE (see run_at_depth):
  // let it go before the measurement's baseline is taken.
  sc_core::wait(1, sc_core::SC_US);
}

/// One measured run on a fresh bench: the window, every I/O command's record, and the bench's host
/// memory latency.
struct Measured {
  Window w;
  std::vector<CommandRecord> records;
  double memory_ns = 0;
};

/// Brings a bench with `cfg` up with an I/O queue pair for `depth`, lets `prepare` allocate the
/// host buffers and return the command maker, and runs `total` commands at `depth`; `sample`
/// (optional) runs after every host batch.
inline Measured measure(const ControllerConfig& cfg, unsigned total, unsigned depth,
                 const std::function<std::function<spec::Sqe(unsigned)>(Bench&)>& prepare,
                 const std::function<void(Bench&)>& sample = {}) {
  Measured m;
  Bench b("bench", cfg);
  sc_core::sc_time last_posted;
  b.nvme.on_command_complete([&](const CommandRecord& r) {
    if (r.sqid != kQid) return;
    last_posted = r.posted;
    m.records.push_back(r);
  });
  b.run([&](Bench& h) {
    setup_queue_pair(h, depth);
    const auto make = prepare(h);
    m.w = run_at_depth(h, total, depth, make, last_posted, sample ? std::function<void()>([&] { sample(h); }) : nullptr);
  });
  m.memory_ns = ns(b.mem.latency);
  return m;
}


}  // namespace scnvme::test
